# SPDX-License-Identifier: GPL-2.0
#
# msgpassctl, the command-line tool for msgpass's generic-netlink family.
# Included by the top Makefile, which defines BUILD, CC, CFLAGS, WARN and
# VERSION. It is linked against libnl's shared libraries, as an installed
# tool is (the test VM's initramfs gets them copied in by tools/vmrun).
#
#   make $(BUILD)/tools/msgpassctl     (part of "make all")
#   make install-msgpassctl            binary and man page under PREFIX

MSGPASSCTL		:= $(BUILD)/tools/msgpassctl
MSGPASSCTL_PKGS		:= libnl-genl-3.0
MSGPASSCTL_CFLAGS	= $(CFLAGS) $(WARN) -D_GNU_SOURCE -I$(BUILD)/include \
			  -DMSGPASSCTL_VERSION='"$(VERSION)"' \
			  $(shell pkg-config --cflags $(MSGPASSCTL_PKGS))
MSGPASSCTL_LDLIBS	= $(shell pkg-config --libs $(MSGPASSCTL_PKGS))

.PHONY: msgpassctl install-msgpassctl

all: $(MSGPASSCTL)

msgpassctl: $(MSGPASSCTL)

$(MSGPASSCTL): tools/msgpassctl.c tools/msgpassctl.mk $(BUILD)/include/linux/msgpass.h
	@pkg-config --exists $(MSGPASSCTL_PKGS) || { echo "msgpassctl: libnl-genl-3-dev is not installed; run tools/deps" >&2; exit 1; }
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(MSGPASSCTL_CFLAGS) $(LDFLAGS) -o $@ $< $(MSGPASSCTL_LDLIBS)

install-msgpassctl: $(MSGPASSCTL)
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/share/man/man8
	install -m 755 $(MSGPASSCTL) $(DESTDIR)$(PREFIX)/sbin/
	install -m 644 man/msgpassctl.8 $(DESTDIR)$(PREFIX)/share/man/man8/

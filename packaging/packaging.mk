# SPDX-License-Identifier: GPL-2.0
#
# DKMS and Debian packages. Included by the top Makefile, which defines
# BUILD, VERSION, PREFIX and KERNEL_SRCS. See packaging/README.md.
#
#   make dkms-install       the module's sources to /usr/src/msgpass-VERSION;
#                           dkms builds and installs it for every kernel
#                           with headers, and for each new one (as root)
#   make dkms-remove        the module out of every kernel, the sources
#                           out of /usr/src
#   make check-dkms         dkms builds it for every installed kernel in
#                           private trees; checks vermagic and signature;
#                           "N passed, N failed"
#   make deb                the Debian packages, into $(BUILD)/deb/
#   make check-packages     the packages, lintian, then installed and used
#                           in a fresh Debian 12 chroot; "N passed, N failed"
#
#   make dkms-source DESTDIR=...        what msgpass-dkms ships (debian/rules)
#   make install-bash-completion        msgpassctl's completion under PREFIX

# What DKMS builds the module from, dkms.conf first: nothing else ships
# in /usr/src/msgpass-$(VERSION).
DKMS_FILES	:= dkms.conf Kbuild kmod/Kbuild $(KERNEL_SRCS)
DKMS_SRC	:= /usr/src/msgpass-$(VERSION)

DEB_DIR		:= $(BUILD)/deb
PKGTEST_DIR	:= $(BUILD)/pkgtest

.PHONY: dkms-source dkms-install dkms-remove check-dkms deb check-packages \
	install-bash-completion packaging-version

# dkms.conf and debian/changelog say VERSION too: all three must agree.
packaging-version:
	@v=$$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$$/\1/p' dkms.conf); [ "$$v" = "$(VERSION)" ] || \
		{ echo "msgpass: dkms.conf has PACKAGE_VERSION $$v, the Makefile's VERSION $(VERSION)" >&2; exit 1; }
	@v=$$(sed -n '1s/^msgpass (\(.*\)).*/\1/p' debian/changelog); [ "$$v" = "$(VERSION)" ] || \
		{ echo "msgpass: debian/changelog is at $$v, the Makefile's VERSION is $(VERSION)" >&2; exit 1; }

dkms-source: packaging-version
	for f in $(DKMS_FILES); do install -D -m 644 $$f $(DESTDIR)$(DKMS_SRC)/$$f; done

dkms-install: packaging-version
	packaging/dkms-manage install $(VERSION) $(DKMS_FILES)

dkms-remove:
	packaging/dkms-manage remove $(VERSION)

check-dkms: packaging-version
	@tools/deps
	packaging/check-dkms $(VERSION) $(BUILD)/dkms-check $(DKMS_FILES)

install-bash-completion:
	install -D -m 644 packaging/bash-completion/msgpassctl \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/msgpassctl

deb: packaging-version
	@tools/deps
	packaging/build-deb $(VERSION) $(DEB_DIR)

check-packages: deb
	packaging/check-packages $(VERSION) $(DEB_DIR) $(PKGTEST_DIR)

# SPDX-License-Identifier: GPL-2.0
#
# msgpass: top-level build.
#
#   make              module, library and selftests
#   make check        install what is missing, lint, boot a VM, run every test
#   make demo         boot a VM and run the examples, narrated
#   make vm           an interactive shell in a VM with the module loaded
#   make lint         W=1, sparse and checkpatch on the kernel code: no warnings
#   make install      library, headers, man pages; modules_install: the module
#
# Kernel build tree: KDIR (default: the running kernel's, else the newest
# Debian linux-headers-*-amd64), or K=SERIES for the newest installed
# headers of a series (make check K=6.12; tools/deps installs them). The VM
# boots the matching /boot/vmlinuz.

VERSION		:= 0.1.0
BUILD		?= build
PREFIX		?= /usr/local
LIBDIR		?= $(PREFIX)/lib
SMP		?= 2
MEM		?= 1G

KVER		?= $(shell uname -r)
ifneq ($(K),)
KDIR		?= $(shell ls -d /usr/src/linux-headers-$(K).*-amd64 2>/dev/null | sort -V | tail -n1)
else
KDIR		?= $(firstword $(wildcard /lib/modules/$(KVER)/build) \
			$(shell ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V | tail -n1))
endif
KREL		= $(shell sed -n 's/^#define UTS_RELEASE "\(.*\)"/\1/p' $(KDIR)/include/generated/utsrelease.h 2>/dev/null)
VM_KERNEL	?= /boot/vmlinuz-$(KREL)

# The kselftest harness and checkpatch: from the kernel series' own
# linux-source when installed, else the newest.
LINUX_SRC_TAR	?= $(firstword $(wildcard /usr/src/linux-source-$(shell echo '$(KREL)' | cut -d. -f1,2).tar.xz) \
			$(shell ls /usr/src/linux-source-*.tar.xz 2>/dev/null | sort -V | tail -n1))
LSRC		:= $(BUILD)/linux-src
HARNESS		:= $(LSRC)/tools/testing/selftests/kselftest_harness.h
CHECKPATCH	:= $(LSRC)/scripts/checkpatch.pl

CC		?= cc
WARN		:= -Wall -Wextra -Werror
CFLAGS		?= -O2 -g
LIB_CFLAGS	:= $(CFLAGS) $(WARN) -fPIC -fvisibility=default -I$(BUILD)/include
# -Wno-clobbered: 6.12's kselftest_harness.h keeps a local across its
# own setjmp() in every TEST_F wrapper (harmless there; not our code).
TEST_CFLAGS	:= $(CFLAGS) $(WARN) -Wno-unused-parameter -Wno-sign-compare -Wno-clobbered \
		   -I$(BUILD)/include -Ilib -I$(LSRC)/tools/testing/selftests -D_GNU_SOURCE
TEST_LDFLAGS	:= -static -pthread

LIB_SRCS	:= $(wildcard lib/*.c)
LIB_OBJS	:= $(LIB_SRCS:lib/%.c=$(BUILD)/lib/%.o)
LIB_A		:= $(BUILD)/lib/libmsgpass.a
LIB_SO		:= $(BUILD)/lib/libmsgpass.so.1
LIB_PC		:= $(BUILD)/lib/msgpass.pc

TEST_SRCS	:= $(wildcard selftests/*_test.c)
TEST_BINS	:= $(TEST_SRCS:selftests/%.c=$(BUILD)/selftests/%)
TEST_SCRIPTS	:= $(wildcard selftests/*_test.sh)
TEST_TOOLS	:= $(BUILD)/selftests/mp_fill $(BUILD)/selftests/mpctl_helper

EXAMPLE_SRCS	:= $(wildcard examples/*.c)
EXAMPLE_BINS	:= $(EXAMPLE_SRCS:examples/%.c=$(BUILD)/examples/%)

KERNEL_SRCS	:= $(filter-out %.mod.c,$(wildcard kmod/*.c kmod/*.h)) uapi/msgpass.h

.DEFAULT_GOAL	:= all

# msgpassctl, the benchmark, the System V preload library and the
# packaging (DKMS, Debian packages) have their own fragments.
include tools/msgpassctl.mk
include bench/bench.mk
include preload/preload.mk
include packaging/packaging.mk

.PHONY: all module lib selftests examples check check-run check-debug vmtest lint vm \
	demo demo-run deps clean readme-snippets kernel-release \
	install modules_install

all: module lib selftests examples

deps:
	@tools/deps $(if $(K),--kernel $(K))

# The release of the kernel built for and booted (make -s kernel-release).
kernel-release:
	@echo $(KREL)

# --- the module --------------------------------------------------------

module:
	@test -d "$(KDIR)" || { echo "msgpass: no kernel build tree (KDIR); run tools/deps" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

modules_install: module
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules_install

# --- the uapi header, as user space includes it ---------------------------

$(BUILD)/include/linux/msgpass.h: uapi/msgpass.h
	@mkdir -p $(@D)
	cp $< $@

# --- libmsgpass --------------------------------------------------------

lib: $(LIB_A) $(LIB_SO) $(LIB_PC)

$(BUILD)/lib/%.o: lib/%.c lib/msgpass.h lib/internal.h $(BUILD)/include/linux/msgpass.h
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(LIB_CFLAGS) -c -o $@ $<

$(LIB_A): $(LIB_OBJS)
	rm -f $@
	$(AR) rcs $@ $^

$(LIB_SO): $(LIB_OBJS) lib/libmsgpass.map
	$(CC) $(LDFLAGS) -shared -Wl,-soname,libmsgpass.so.1 -Wl,--version-script=lib/libmsgpass.map \
		-Wl,-z,defs -o $@ $(LIB_OBJS) -pthread
	ln -sf libmsgpass.so.1 $(BUILD)/lib/libmsgpass.so

$(LIB_PC): lib/msgpass.pc.in
	@mkdir -p $(@D)
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
		-e 's|@VERSION@|$(VERSION)|' $< > $@

install: lib install-msgpassctl install-preload install-bash-completion
	install -d $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(PREFIX)/include/linux
	install -m 644 $(LIB_A) $(DESTDIR)$(LIBDIR)/
	install -m 755 $(LIB_SO) $(DESTDIR)$(LIBDIR)/
	ln -sf libmsgpass.so.1 $(DESTDIR)$(LIBDIR)/libmsgpass.so
	install -m 644 $(LIB_PC) $(DESTDIR)$(LIBDIR)/pkgconfig/
	install -m 644 lib/msgpass.h $(DESTDIR)$(PREFIX)/include/
	install -m 644 uapi/msgpass.h $(DESTDIR)$(PREFIX)/include/linux/
	if [ -d man ] && ls man/*.[0-9] >/dev/null 2>&1; then \
		for m in man/*.[0-9]; do s=$${m##*.}; \
			install -d $(DESTDIR)$(PREFIX)/share/man/man$$s; \
			install -m 644 $$m $(DESTDIR)$(PREFIX)/share/man/man$$s/; done; fi
	@# The new shared library is found at once (not when installing into a staging tree).
	if [ -z "$(DESTDIR)" ] && command -v ldconfig >/dev/null; then ldconfig; fi

# --- files from linux-source (build outputs, never committed) -------------

$(HARNESS) $(CHECKPATCH):
	@test -n "$(LINUX_SRC_TAR)" || { echo "msgpass: no linux-source is installed; run tools/deps" >&2; exit 1; }
	@mkdir -p $(LSRC)
	tar -xJf $(LINUX_SRC_TAR) -C $(LSRC) --strip-components=1 \
		--wildcards '*/tools/testing/selftests/kselftest.h' \
		'*/tools/testing/selftests/kselftest_harness.h' \
		'*/scripts/checkpatch.pl' '*/scripts/spelling.txt' \
		'*/scripts/const_structs.checkpatch'
	@touch $(HARNESS) $(CHECKPATCH)

# --- selftests ---------------------------------------------------------

selftests: $(TEST_BINS) $(TEST_TOOLS)

$(BUILD)/selftests/%: selftests/%.c $(wildcard selftests/*.h) lib/msgpass.h $(LIB_A) $(HARNESS)
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -o $@ $< $(LIB_A) $(TEST_LDFLAGS)

# --- examples and the demo --------------------------------------------

examples: $(EXAMPLE_BINS)

$(BUILD)/examples/%: examples/%.c examples/example.h lib/msgpass.h $(LIB_A)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(WARN) -D_GNU_SOURCE -I$(BUILD)/include -Ilib -o $@ $< $(LIB_A) -static -pthread

DEMO_ARGS	= --files $(BUILD)/examples:/examples --files examples/demo.sh:/examples/demo.sh \
		  --files $(MSGPASSCTL):/examples/msgpassctl

# The textbook scenes, narrated, in the VM: the README's first command.
demo:
	@tools/deps $(if $(K),--kernel $(K))
	@$(MAKE) --no-print-directory demo-run

demo-run: module lib examples $(MSGPASSCTL) $(TEST_TOOLS)
	tools/vmrun $(VMRUN_ARGS) $(DEMO_ARGS) --out $(BUILD)/vm-demo \
		--cmd 'sh /examples/demo.sh /examples'

# --- checks ------------------------------------------------------------

# The README's C code, compiled as shown (tools/readme-snippets also checks
# that each `make TARGET` it names exists) and run in the test VM.
README_CMD	= --files $(BUILD)/readme:/readme \
		  --cmd 'for p in /readme/readme-*[0-9]; do "$$p" || exit 1; done'

readme-snippets: $(LIB_A)
	@tools/readme-snippets README.md $(BUILD)/readme >/dev/null
	@for c in $(BUILD)/readme/readme-*.c; do \
		echo "CC README.md -> $${c%.c}"; \
		$(CC) $(CFLAGS) $(WARN) -I$(BUILD)/include -Ilib -o $${c%.c} $$c $(LIB_A) -static || exit 1; \
	done

# Zero warnings: W=1, sparse (C=2 checks every file) and checkpatch --strict.
lint: $(CHECKPATCH)
	@tools/lint "$(KDIR)" "$(CHECKPATCH)" $(KERNEL_SRCS)

check:
	@tools/deps $(if $(K),--kernel $(K))
	@$(MAKE) --no-print-directory check-run

VMRUN_ARGS	= --kernel $(VM_KERNEL) --smp $(SMP) --mem $(MEM) \
		  --module kmod/msgpass.ko --files $(MSGPASSCTL):/tests/msgpassctl \
		  --files etc/modprobe.d/msgpass.conf:/etc/modprobe.d/msgpass.conf \
		  $(foreach t,$(TEST_TOOLS),--files $(t):/tests/$(notdir $(t)))

# The benchmark smoke-runs in the same boot (tiny counts): it cannot rot,
# and it is never timed.
check-run: all lint $(BENCH_BIN) readme-snippets preload-tests
	MSGPASS_KERNEL=$(VM_KERNEL) KDIR=$(KDIR) tools/check $(VMRUN_ARGS) $(DEMO_ARGS) $(README_CMD) $(PRELOAD_VMRUN_FILES) --out $(BUILD)/vm \
		--files $(BENCH_BIN):/bench/msgpass-bench \
		--cmd 'sh /examples/demo.sh /examples' \
		--cmd '/bench/msgpass-bench --smoke --raise-limits -q' \
		$(TEST_BINS) $(TEST_SCRIPTS) $(PRELOAD_TESTS)

# The suite on a kernel with KASAN, lockdep, kmemleak, UBSAN and fault
# injection, built once from linux-source-6.1 under $(BUILD)/linux-debug.
check-debug:
	@tools/deps $(if $(K),--kernel $(K))
	@$(MAKE) --no-print-directory lib selftests $(MSGPASSCTL) preload-tests
	tools/check-debug $(BUILD) --files $(MSGPASSCTL):/tests/msgpassctl \
		--files etc/modprobe.d/msgpass.conf:/etc/modprobe.d/msgpass.conf \
		$(foreach t,$(TEST_TOOLS),--files $(t):/tests/$(notdir $(t))) \
		$(PRELOAD_VMRUN_FILES) $(TEST_BINS) $(TEST_SCRIPTS) $(PRELOAD_TESTS)

# Run some tests only: make vmtest TESTS="build/selftests/device_test"
vmtest: all
	tools/vmrun $(VMRUN_ARGS) --out $(BUILD)/vm $(TESTS)

vm: all
	tools/vmrun $(VMRUN_ARGS) --out $(BUILD)/vm-interactive --interactive \
		$(TEST_BINS) $(TEST_SCRIPTS)

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	rm -rf $(BUILD)

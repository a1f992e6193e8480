# SPDX-License-Identifier: GPL-2.0
#
# The System V preload library, libmsgpass-sysv.so, and msgpass-run, which
# run unmodified System V message-queue programs on msgpass. Included by
# the top Makefile, which defines BUILD, CC, CFLAGS, WARN, VERSION, PREFIX,
# LIBDIR, LIB_SO, LIB_A, TEST_CFLAGS, TEST_LDFLAGS, HARNESS, VM_KERNEL, MEM.
#
#   make preload          build/preload/libmsgpass-sysv.so and msgpass-run
#                         (part of "make all")
#   make install-preload  both, and their man pages, under PREFIX and LIBDIR
#                         (libmsgpass.so.1 itself comes with "make install")
#   make check-preload    boot the VM and run the preload tests; last line
#                         "N passed, N failed"
#   make preload-speed    msgsnd+msgrcv of 64 bytes: the kernel, through the
#                         library, and mp_msgsnd/mp_msgrcv, counted in guest
#                         instructions (QEMU -icount, -smp 1)
#
# The library is linked against libmsgpass.so.1, not built from its
# objects: a process then has one libmsgpass, hence one descriptor and one
# endpoint, whether the program also links libmsgpass itself or not, and
# a fixed libmsgpass fixes the preloaded programs too. It is installed in
# PRELOAD_LIBDIR (LIBDIR/msgpass: only ever loaded by path); its RUNPATH
# finds libmsgpass.so.1 in .. (installed: LIBDIR) or ../lib (the build
# tree), before the loader's usual places.

PRELOAD_DIR	:= $(BUILD)/preload
# Installed out of the loader's search path: it is loaded by path only.
PRELOAD_LIBDIR	?= $(LIBDIR)/msgpass
PRELOAD_LIB	:= $(PRELOAD_DIR)/libmsgpass-sysv.so
PRELOAD_RUN	:= $(PRELOAD_DIR)/msgpass-run
PRELOAD_CFLAGS	= $(CFLAGS) $(WARN) -fPIC -I$(BUILD)/include -Ilib
PRELOAD_LDFLAGS	= -shared -Wl,-soname,libmsgpass-sysv.so -Wl,--version-script=preload/sysv.map \
		  -Wl,-z,defs -Wl,-z,now -Wl,-rpath,'$$ORIGIN/..:$$ORIGIN/../lib' -L$(BUILD)/lib

# The tests, and what the VM must hold for them (/preload, as in the build
# tree, and libmsgpass.so.1 where the loader looks by itself). To run them
# in another boot (make check): build preload-tests, and give tools/vmrun
# $(PRELOAD_VMRUN_FILES) and, as tests, $(PRELOAD_TESTS).
# mailbox_sysv_test is selftests/mailbox_sysv_test.c built with
# preload/sysv_names.h (mp_msgget -> msgget, ...), linked dynamically, and
# run under msgpass-run by a wrapper script (tools/vmrun runs scripts, and
# static programs, as tests).
PRELOAD_PROGS	:= $(PRELOAD_DIR)/mailbox_sysv_test $(PRELOAD_DIR)/sysv_probe \
		   $(PRELOAD_DIR)/sysv_probe-static
PRELOAD_TESTS	:= $(PRELOAD_DIR)/preload_route_test $(PRELOAD_DIR)/mailbox_sysv_preload_test.sh
PRELOAD_SPEED	:= $(PRELOAD_DIR)/sysv_speed $(PRELOAD_DIR)/sysv_speed-mp
PRELOAD_VMRUN_FILES = --files $(PRELOAD_LIB):/preload/libmsgpass-sysv.so \
		  --files $(PRELOAD_RUN):/preload/msgpass-run \
		  --files $(LIB_SO):/usr/lib/x86_64-linux-gnu/libmsgpass.so.1 \
		  $(foreach p,$(PRELOAD_PROGS),--files $(p):/preload/$(notdir $(p)))

# Dynamically linked like the programs the library is for.
PRELOAD_PROG_CFLAGS = $(CFLAGS) $(WARN) -I$(BUILD)/include -Ilib

.PHONY: preload preload-tests install-preload check-preload preload-speed

all: preload

preload: $(PRELOAD_LIB) $(PRELOAD_RUN)

$(PRELOAD_DIR)/sysv.o: preload/sysv.c lib/msgpass.h $(BUILD)/include/linux/msgpass.h
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(PRELOAD_CFLAGS) -c -o $@ $<

$(PRELOAD_LIB): $(PRELOAD_DIR)/sysv.o preload/sysv.map $(LIB_SO)
	$(CC) $(LDFLAGS) $(PRELOAD_LDFLAGS) -o $@ $(PRELOAD_DIR)/sysv.o -lmsgpass -pthread

$(PRELOAD_RUN): preload/msgpass-run.in
	@mkdir -p $(@D)
	sed -e 's|@LIBDIR@|$(PRELOAD_LIBDIR)|' -e 's|@VERSION@|$(VERSION)|' $< > $@
	chmod 755 $@

install-preload: preload
	install -d $(DESTDIR)$(PRELOAD_LIBDIR) $(DESTDIR)$(PREFIX)/bin \
		$(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/man7
	install -m 644 $(PRELOAD_LIB) $(DESTDIR)$(PRELOAD_LIBDIR)/
	install -m 755 $(PRELOAD_RUN) $(DESTDIR)$(PREFIX)/bin/
	install -m 644 man/msgpass-run.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 644 man/libmsgpass-sysv.7 $(DESTDIR)$(PREFIX)/share/man/man7/

# --- tests ---------------------------------------------------------------

preload-tests: preload $(PRELOAD_PROGS) $(PRELOAD_TESTS)

$(PRELOAD_DIR)/mailbox_sysv_test: selftests/mailbox_sysv_test.c preload/sysv_names.h \
		$(wildcard selftests/*.h) lib/msgpass.h $(LIB_SO) $(HARNESS)
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -include preload/sysv_names.h -o $@ $< \
		-L$(BUILD)/lib -lmsgpass -Wl,-rpath,'$$ORIGIN/../lib' -pthread

$(PRELOAD_DIR)/mailbox_sysv_preload_test.sh: preload/preload.mk
	@mkdir -p $(@D)
	printf '#!/bin/sh\n# selftests/mailbox_sysv_test.c through libmsgpass-sysv.so (preload/preload.mk)\nexec /preload/msgpass-run /preload/mailbox_sysv_test "$$@"\n' > $@
	chmod 755 $@

$(PRELOAD_DIR)/preload_route_test: preload/preload_route_test.c selftests/mp_test.h \
		lib/msgpass.h $(LIB_A) $(HARNESS)
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -Iselftests -o $@ $< $(LIB_A) $(TEST_LDFLAGS)

# pthread_cancel() loads libgcc_s.so.1: named here, tools/vmrun ships it.
$(PRELOAD_DIR)/sysv_probe: preload/sysv_probe.c
	@mkdir -p $(@D)
	$(CC) $(PRELOAD_PROG_CFLAGS) -o $@ $< -pthread \
		-Wl,--push-state,--no-as-needed -lgcc_s -Wl,--pop-state

$(PRELOAD_DIR)/sysv_probe-static: preload/sysv_probe.c
	@mkdir -p $(@D)
	$(CC) $(PRELOAD_PROG_CFLAGS) -o $@ $< -static -pthread

check-preload: module lib preload-tests
	tools/vmrun --kernel $(VM_KERNEL) --smp $(SMP) --mem $(MEM) --module kmod/msgpass.ko \
		$(PRELOAD_VMRUN_FILES) --out $(BUILD)/vm-preload $(PRELOAD_TESTS)

# --- speed ---------------------------------------------------------------

# System V's names, no libmsgpass: run bare and under msgpass-run.
$(PRELOAD_DIR)/sysv_speed: preload/sysv_speed.c preload/sysv_names.h lib/msgpass.h
	@mkdir -p $(@D)
	$(CC) $(PRELOAD_PROG_CFLAGS) -include preload/sysv_names.h -o $@ $< -pthread

# libmsgpass's calls, from the same shared library the preload uses.
$(PRELOAD_DIR)/sysv_speed-mp: preload/sysv_speed.c lib/msgpass.h $(LIB_SO)
	@mkdir -p $(@D)
	$(CC) $(PRELOAD_PROG_CFLAGS) -o $@ $< -L$(BUILD)/lib -lmsgpass \
		-Wl,-rpath,'$$ORIGIN/../lib' -pthread

PRELOAD_SPEED_N	?= 10000
PRELOAD_SPEED_CMD = for t in 0 1; do \
	/preload/sysv_speed "kernel threads=$$t" $(PRELOAD_SPEED_N) $$t; \
	/preload/msgpass-run /preload/sysv_speed "preload threads=$$t" $(PRELOAD_SPEED_N) $$t; \
	/preload/sysv_speed-mp "mp_* threads=$$t" $(PRELOAD_SPEED_N) $$t; done

preload-speed: module lib preload $(PRELOAD_PROGS) $(PRELOAD_SPEED)
	tools/vmrun --kernel $(VM_KERNEL) --smp 1 --mem $(MEM) --icount --module kmod/msgpass.ko \
		$(PRELOAD_VMRUN_FILES) $(foreach p,$(PRELOAD_SPEED),--files $(p):/preload/$(notdir $(p))) \
		--out $(BUILD)/vm-preload-speed --cmd '$(PRELOAD_SPEED_CMD)'

# SPDX-License-Identifier: GPL-2.0
#
# msgpass benchmark (included by the top Makefile).
#
#   make bench         build, boot the VM three times (-smp 1 under QEMU -icount:
#                      instruction counts; then -smp 1 and -smp 2: wall time),
#                      measure msgpass against the kernel's other IPC, plot,
#                      judge the goals; results in $(BUILD)/bench/ (about 30
#                      minutes)
#   make bench-quick   one -icount boot, only what the goals need, 3 repetitions;
#                      prints the goals table; results in $(BUILD)/bench-quick/
#                      (a few minutes)
#   make bench-smoke   every pattern and mechanism once with tiny counts in one
#                      VM boot (seconds); fails if the program fails
#
# A benchmark, never a timed test: bench-smoke only checks that it runs.

BENCH_SRCS	:= bench/msgpass-bench.c bench/mech.c bench/patterns.c
BENCH_BIN	:= $(BUILD)/bench/msgpass-bench
BENCH_CFLAGS	:= $(CFLAGS) $(WARN) -Ilib -I$(BUILD)/include
BENCH_ENV	= BUILD=$(BUILD) VM_KERNEL=$(VM_KERNEL) BENCH_BIN=$(BENCH_BIN)

.PHONY: bench bench-quick bench-smoke bench-bin

bench-bin: $(BENCH_BIN)

$(BENCH_BIN): $(BENCH_SRCS) bench/bench.h lib/msgpass.h $(BUILD)/include/linux/msgpass.h $(LIB_A)
	@mkdir -p $(@D)
	$(CC) $(BENCH_CFLAGS) -o $@ $(BENCH_SRCS) $(LIB_A) -static -lrt -lm -pthread

bench: module lib $(BENCH_BIN)
	$(BENCH_ENV) bench/run

bench-quick: module lib $(BENCH_BIN)
	$(BENCH_ENV) bench/run --quick

bench-smoke: module lib $(BENCH_BIN)
	$(BENCH_ENV) bench/run --smoke

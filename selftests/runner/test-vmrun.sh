#!/usr/bin/env bash
# selftests/runner/test-vmrun.sh - test of tools/vmrun itself.
#
# Proves that (1) a clean run passes, (2) a kernel WARN_ON() planted in a
# module fails the run via the kernel log check, and (3) a failing test
# fails the run.  Prints TAP and ends with "N passed, N failed".
#
# Environment:
#   KDIR   kernel build dir (default: headers matching the kernel vmrun boots)
#   BUILD  build directory (default: build); output goes to $BUILD/runner-test
#   MSGPASS_KERNEL, MSGPASS_ACCEL  passed through to tools/vmrun
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
VMRUN="$ROOT/tools/vmrun"
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD="$ROOT/$BUILD" ;; esac
WORK="$BUILD/runner-test"

bail() { echo "Bail out! $*"; exit 2; }

# Kernel that vmrun will boot, and the matching headers.
KERNEL=${MSGPASS_KERNEL:-$(find /boot -maxdepth 1 -name 'vmlinuz-*' 2>/dev/null | sort -V | tail -n1)}
{ [ -n "$KERNEL" ] && [ -f "$KERNEL" ]; } || bail "no kernel image found (set MSGPASS_KERNEL)"
KVER=${KERNEL##*/vmlinuz-}
if [ -z "${KDIR:-}" ]; then
	for d in "/usr/src/linux-headers-$KVER" "/lib/modules/$KVER/build"; do
		[ -f "$d/Makefile" ] && { KDIR=$d; break; }
	done
fi
if [ -z "${KDIR:-}" ]; then
	for d in /usr/src/linux-headers-*-amd64; do
		[ -f "$d/Makefile" ] && { KDIR=$d; break; }
	done
fi
{ [ -n "${KDIR:-}" ] && [ -f "$KDIR/Makefile" ]; } ||
	bail "kernel headers not found (set KDIR; apt-get install linux-headers-amd64)"

echo "TAP version 13"
echo "1..3"
echo "# kernel: $KERNEL  KDIR: $KDIR  work dir: $WORK"

# --- build ------------------------------------------------------------------
# (keep $WORK/accel-probe: the cached kvm probe verdict)
mkdir -p "$WORK"
rm -rf -- "$WORK/warn" "$WORK"/vm-* "$WORK"/*.log "$WORK/pass" "$WORK/fail"
mkdir -p "$WORK/warn"
cp "$HERE/warn/warn_test.c" "$HERE/warn/Kbuild" "$WORK/warn/"
if ! make -C "$KDIR" M="$WORK/warn" modules >"$WORK/build-module.log" 2>&1; then
	sed 's/^/# /' "$WORK/build-module.log"
	bail "building warn_test.ko failed"
fi
KO="$WORK/warn/warn_test.ko"
CC=${CC:-cc}
"$CC" -static -O2 -Wall -o "$WORK/pass" "$HERE/pass.c" || bail "building pass failed"
"$CC" -static -O2 -Wall -DRUNNER_FAIL -o "$WORK/fail" "$HERE/pass.c" || bail "building fail failed"

# --- cases ------------------------------------------------------------------
N=0 PASSED=0 FAILED=0

# vm NAME ARGS... : run vmrun, leaves exit status in $RC, output in $LOG
vm() {
	local name=$1
	shift
	LOG="$WORK/$name.log"
	RC=0
	"$VMRUN" --quiet --smp 1 --timeout 180 --out "$WORK/vm-$name" "$@" >"$LOG" 2>&1 || RC=$?
	LAST=$(tail -n1 "$LOG")
}

report() { # ok? name why
	N=$((N + 1))
	if [ "$1" = 1 ]; then
		PASSED=$((PASSED + 1))
		echo "ok $N vmrun.$2"
	else
		FAILED=$((FAILED + 1))
		echo "# $3 (vmrun exit $RC, last line: '$LAST'); vmrun output:"
		sed 's/^/#   /' "$LOG"
		echo "not ok $N vmrun.$2"
	fi
}

# 1: plain module + passing test -> exit 0, "1 passed, 0 failed"
vm clean --module "$KO" "$WORK/pass"
ok=0
[ "$RC" = 0 ] && [ "$LAST" = "1 passed, 0 failed" ] && ok=1
report "$ok" clean_run_passes "expected exit 0 and '1 passed, 0 failed'"

# 2: module with warn=1 + passing test -> non-zero, "kernel log: ... WARNING"
vm warn --module "$KO warn=1" "$WORK/pass"
ok=0
[ "$RC" != 0 ] && grep -q 'kernel log: .*WARNING' "$LOG" &&
	[ "$LAST" = "1 passed, 1 failed" ] && ok=1
report "$ok" planted_warn_fails_run "expected non-zero exit, a 'kernel log: ...WARNING' failure and '1 passed, 1 failed'"

# 3: failing test (prints "not ok", exits 1) -> non-zero, "0 passed, 1 failed"
vm failing "$WORK/fail"
ok=0
[ "$RC" != 0 ] && grep -q 'fail: runner.fail' "$LOG" && [ "$LAST" = "0 passed, 1 failed" ] && ok=1
report "$ok" failing_test_fails_run "expected non-zero exit and '0 passed, 1 failed'"

echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]

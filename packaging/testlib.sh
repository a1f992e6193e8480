# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# What packaging/check-dkms and packaging/check-packages share: one line
# per test ("ok N name", or "not ok N name" followed by "# why" lines),
# then "N passed, N failed" (", N skipped" when any was), the line CI
# tallies.

t_num=0 t_pass=0 t_fail=0 t_skip=0

# ok NAME: a test passed.
ok() {
	t_num=$((t_num + 1)) t_pass=$((t_pass + 1))
	echo "ok $t_num $1"
}

# not_ok NAME [WHY...]: a test failed; each WHY becomes a "# " line.
not_ok() {
	local line

	t_num=$((t_num + 1)) t_fail=$((t_fail + 1))
	echo "not ok $t_num $1"
	shift
	for line in "$@"; do
		echo "# $line"
	done
}

# skip NAME WHY: a test that cannot run here (not a failure).
skip() {
	t_num=$((t_num + 1)) t_skip=$((t_skip + 1))
	echo "ok $t_num $1 # SKIP $2"
}

# check NAME COMMAND...: run COMMAND; its status is the test's result and
# its output is shown only when it failed.
check() {
	local name=$1 out

	shift
	if out=$("$@" 2>&1); then
		ok "$name"
	else
		not_ok "$name" "command: $*"
		printf "%s\n" "$out" | tail -n 30 | sed "s/^/#   /"
	fi
}

# summary: the tally line; returns non-zero if anything failed or nothing
# passed.
summary() {
	if [ "$t_skip" -gt 0 ]; then
		echo "$t_pass passed, $t_fail failed, $t_skip skipped"
	else
		echo "$t_pass passed, $t_fail failed"
	fi
	[ "$t_fail" -eq 0 ] && [ "$t_pass" -gt 0 ]
}

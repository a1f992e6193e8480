// SPDX-License-Identifier: GPL-2.0
/*
 * Trivial TAP test for selftests/runner/test-vmrun.sh.
 * Built normally it passes; built with -DRUNNER_FAIL it fails (prints
 * "not ok" and exits 1).
 */
#include <stdio.h>

int main(void)
{
	printf("TAP version 13\n");
	printf("1..1\n");
#ifdef RUNNER_FAIL
	printf("# this test fails on purpose\n");
	printf("not ok 1 runner.fail\n");
	printf("# Totals: pass:0 fail:1 xfail:0 xpass:0 skip:0 error:0\n");
	return 1;
#else
	printf("ok 1 runner.pass\n");
	printf("# Totals: pass:1 fail:0 xfail:0 xpass:0 skip:0 error:0\n");
	return 0;
#endif
}

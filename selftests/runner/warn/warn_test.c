// SPDX-License-Identifier: GPL-2.0
/*
 * warn_test - helper module for selftests/runner/test-vmrun.sh.
 *
 * Loaded plainly it does nothing, so a vmrun run must pass.  Loaded with
 * warn=1 its init hits a WARN_ON(), so a vmrun run must fail on the kernel
 * log check.
 */
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/bug.h>

static bool warn;
module_param(warn, bool, 0444);
MODULE_PARM_DESC(warn, "trigger a WARN_ON() at load time");

static int __init warn_test_init(void)
{
	WARN_ON(warn);
	return 0;
}

static void __exit warn_test_exit(void)
{
}

module_init(warn_test_init);
module_exit(warn_test_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("vmrun self-test: optionally trigger a WARN_ON() on load");

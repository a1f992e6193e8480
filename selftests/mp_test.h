/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the msgpass selftests.
 */
#ifndef MP_TEST_H
#define MP_TEST_H

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "msgpass.h"

/*
 * Module-wide count of live endpoints, straight from the module. The
 * caller's own endpoint is counted too (this opens the device).
 */
static inline long mp_test_endpoints(void)
{
	struct mp_counters_info c;
	int fd = open(MSGPASS_DEVICE, O_RDWR | O_CLOEXEC);
	long n;

	if (fd < 0)
		return -1;
	if (ioctl(fd, MP_IOC_COUNTERS, &c) < 0) {
		close(fd);
		return -1;
	}
	n = (long)c.endpoints;
	close(fd);
	return n;
}

/* Read a module parameter from sysfs; -1 when it cannot be read. */
static inline long long mp_test_param(const char *name)
{
	char path[256];
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/module/msgpass/parameters/%s", name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%lld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

#endif /* MP_TEST_H */

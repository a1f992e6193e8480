/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the msgpass selftests.
 */
#ifndef MP_TEST_H
#define MP_TEST_H

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
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

/*
 * One-byte (or one-int) handshakes between processes over a pipe; a read
 * waits at most @ms milliseconds, so a lost handshake fails a test
 * instead of hanging it. Each returns -1 on failure.
 */
static inline int mp_pipe_put(int fd, char c)
{
	return write(fd, &c, 1) == 1 ? 0 : -1;
}

static inline int mp_pipe_get(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	unsigned char c;

	if (poll(&p, 1, ms) != 1)
		return -1;
	if (read(fd, &c, 1) != 1)
		return -1;
	return c;
}

static inline int mp_pipe_put_int(int fd, int v)
{
	return write(fd, &v, sizeof(v)) == sizeof(v) ? 0 : -1;
}

static inline int mp_pipe_get_int(int fd, int *v, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	if (poll(&p, 1, ms) != 1)
		return -1;
	return read(fd, v, sizeof(*v)) == sizeof(*v) ? 0 : -1;
}

/* Is a byte waiting in @fd right now? */
static inline int mp_pipe_ready_now(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

#endif /* MP_TEST_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the msgpass selftests.
 */
#ifndef MP_TEST_H
#define MP_TEST_H

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"

/*
 * The harness's per-test time limit is a backstop for a wedged kernel,
 * never a verdict on the machine's speed: each wait in these tests is
 * bounded by its own handshake or by progress, so a slow or shared
 * machine (TCG, a debug kernel, other VMs beside it) only stretches a
 * run. Tests that can take longer ask for more with TEST_F_TIMEOUT.
 */
#undef TEST_TIMEOUT_DEFAULT
#define TEST_TIMEOUT_DEFAULT	600
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

/*
 * fork(), with the child at pid @want in the caller's pid namespace:
 * clone3() with set_tid (CAP_SYS_ADMIN over the namespace; no kernel
 * option needed), else ns_last_pid (CONFIG_CHECKPOINT_RESTORE). Returns
 * as fork() does; -1 if @want cannot be had (errno EEXIST: in use).
 * A clone3() child is not glibc's fork() child (no atfork handlers, the
 * thread's cached tid is the parent's): it should make system calls and
 * _exit(), not raise(), abort() or start threads. It has an endpoint of
 * its own from the start.
 */
static inline pid_t mp_fork_at(pid_t want)
{
	struct {	/* struct clone_args up to set_tid_size (CLONE_ARGS_SIZE_VER1) */
		uint64_t flags, pidfd, child_tid, parent_tid, exit_signal;
		uint64_t stack, stack_size, tls, set_tid, set_tid_size;
	} ca = { .exit_signal = SIGCHLD, .set_tid = (uintptr_t)&want, .set_tid_size = 1 };
	pid_t pid;
	FILE *f;

	fflush(NULL);
	pid = syscall(SYS_clone3, &ca, sizeof(ca));
	if (pid == 0) {
		/*
		 * What fork()'s atfork handler does for libmsgpass: the child
		 * has an endpoint of its own, under the descriptor number the
		 * library holds (the inherited one, the parent's, is closed).
		 */
		int n = mp_fd(), f = open(MSGPASS_DEVICE, O_RDWR | O_CLOEXEC);

		if (n < 0 || f < 0 || dup3(f, n, O_CLOEXEC) < 0)
			_exit(127);
		close(f);
		return 0;
	}
	if (pid > 0 || errno == EEXIST)
		return pid;
	f = fopen("/proc/sys/kernel/ns_last_pid", "w");
	if (!f)
		return -1;
	fprintf(f, "%d", want - 1);
	if (fclose(f))
		return -1;
	pid = fork();
	if (pid > 0 && pid != want) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		errno = EEXIST;
		return -1;
	}
	return pid;
}

#endif /* MP_TEST_H */

// SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
/*
 * libmsgpass: the per-process descriptor for /dev/msgpass.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "msgpass.h"
#include "internal.h"

static int mp_dev_fd = -1;
static pthread_once_t mp_atfork_once = PTHREAD_ONCE_INIT;

/*
 * The module refuses a descriptor used by a process other than the one
 * that opened it, so the child forgets the inherited one and opens its
 * own on first use. The inherited descriptor is closed so that the
 * parent's endpoint lives exactly as long as the parent keeps it.
 */
static void mp_atfork_child(void)
{
	int fd = __atomic_exchange_n(&mp_dev_fd, -1, __ATOMIC_SEQ_CST);

	if (fd >= 0)
		close(fd);
}

static void mp_atfork_register(void)
{
	pthread_atfork(NULL, NULL, mp_atfork_child);
}

int mp_fd(void)
{
	int fd = __atomic_load_n(&mp_dev_fd, __ATOMIC_ACQUIRE);
	int expected = -1;

	if (fd >= 0)
		return fd;

	pthread_once(&mp_atfork_once, mp_atfork_register);
	fd = open(MSGPASS_DEVICE, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (!__atomic_compare_exchange_n(&mp_dev_fd, &expected, fd, 0,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		/* Another thread won the race: use its descriptor. */
		close(fd);
		fd = expected;
	}
	return fd;
}

int __mp_ioctl(unsigned long cmd, void *arg)
{
	int fd = mp_fd();

	if (fd < 0)
		return -1;
	return ioctl(fd, cmd, arg);
}

int mp_version(struct mp_version *v)
{
	return __mp_ioctl(MP_IOC_VERSION, v) < 0 ? -1 : 0;
}

int mp_counters(struct mp_counters_info *c)
{
	return __mp_ioctl(MP_IOC_COUNTERS, c) < 0 ? -1 : 0;
}

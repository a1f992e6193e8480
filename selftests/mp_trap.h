/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A page that holds a copy to user space where a test wants it: the
 * kernel's first access to the page waits (userfaultfd, missing mode)
 * until the test springs the trap, and then fails (the page is gone), so
 * that a receive takes a message, waits in its copy-out for as long as
 * the test needs to act, and then fails with EFAULT. Races that need a
 * window become steps in order.
 */
#ifndef MP_TRAP_H
#define MP_TRAP_H

#include <linux/userfaultfd.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

struct mp_trap {
	void *page;
	size_t len;
	int uffd;
};

/* Set the trap: 0, or -1 (no userfaultfd here). */
static inline int mp_trap_set(struct mp_trap *t)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };

	t->len = (size_t)sysconf(_SC_PAGESIZE);
	t->page = mmap(NULL, t->len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (t->page == MAP_FAILED)
		return -1;
	t->uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC);
	if (t->uffd < 0)
		return -1;
	reg.range.start = (unsigned long)t->page;
	reg.range.len = t->len;
	if (ioctl(t->uffd, UFFDIO_API, &api) || ioctl(t->uffd, UFFDIO_REGISTER, &reg))
		return -1;
	return 0;
}

/* Wait until an access is held in the trap: 0, or -1 after @ms. */
static inline int mp_trap_wait(struct mp_trap *t, int ms)
{
	struct pollfd p = { .fd = t->uffd, .events = POLLIN };
	struct uffd_msg msg;

	if (poll(&p, 1, ms) != 1)
		return -1;
	if (read(t->uffd, &msg, sizeof(msg)) != sizeof(msg) ||
	    msg.event != UFFD_EVENT_PAGEFAULT)
		return -1;
	return 0;
}

/* Let the held access go on, and fail: the page is no longer there. */
static inline int mp_trap_spring(struct mp_trap *t)
{
	struct uffdio_range r = { .start = (unsigned long)t->page, .len = t->len };

	if (munmap(t->page, t->len))
		return -1;
	return ioctl(t->uffd, UFFDIO_WAKE, &r);
}

#endif /* MP_TRAP_H */

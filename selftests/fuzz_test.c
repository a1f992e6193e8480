// SPDX-License-Identifier: GPL-2.0
/*
 * A randomized ioctl fuzzer for /dev/msgpass.
 *
 * Several processes (root and, when there are two or more, unprivileged
 * users 1000, 1001 and 65534, so that one user's calls meet another's
 * mailboxes and inboxes), each with several threads, throw random and
 * half-valid ioctls at the device: random
 * command numbers and sizes, random struct contents, flags and reserved
 * fields, bad, unmapped, read-only and kernel pointers, huge lengths, IDs
 * of removed and foreign mailboxes, pids of strangers. Every call must
 * return success or one of the errors the ABI documents. A per-thread
 * timer interrupts calls that block, so every call ends.
 *
 * The run is sized by its operation count, not by time: however slow
 * the machine, it ends when every thread made its calls. What bounds it
 * is progress: a watchdog fails the run only when no thread of any
 * process completed a call for FUZZ_STALL (default 60) one-second ticks
 * in a row, and then names each stuck thread, the call it is in, and
 * its kernel stack. A call that blocks that long although a signal
 * arrives every 5 ms is a kernel liveness bug (a lost wake-up, or a
 * sleep that ignores signals); a process that made its calls and does
 * not exit is one too.
 *
 * Afterwards every object counter (endpoints, mailboxes, messages, bytes,
 * files, links) must be back where it started: nothing leaked.
 *
 * Reproducible: FUZZ_SEED=<n> (printed at the start), FUZZ_OPS=<n>
 * operations per thread (default 3000), FUZZ_PROCS (at most 16),
 * FUZZ_THREADS (at most 16), FUZZ_STALL.
 */
#include <dirent.h>
#include <grp.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>

#include "mp_test.h"

#define MAX_IDS		64
#define PAGE		4096
#define MAX_PROCS	16
#define MAX_THREADS	16

/*
 * What one fuzzing thread is doing, in memory shared with the watchdog
 * (the test's own process). Written with relaxed atomics: the watchdog
 * only needs to see that @ops moves, and what a stuck thread is in.
 */
struct fz_slot {
	unsigned long ops;	/* calls completed */
	unsigned long cmd;	/* the call in progress, while @busy */
	int busy;		/* inside ioctl() now */
	int done;		/* made all its calls */
	pid_t tid;
};

/* Shared by the test and every fuzzer: the pids, and the slots. */
struct fz_shared {
	pid_t pids[MAX_PROCS];
	struct fz_slot slots[MAX_PROCS][MAX_THREADS];
};

struct fuzz {
	uint64_t rng;
	int fd;
	int ids[MAX_IDS];
	unsigned int nr_ids;
	pid_t peers[MAX_PROCS];
	unsigned int nr_peers;
	struct fz_slot *slot;
	char *buf;		/* a writable scratch area, 4 pages */
	char *ro;		/* a read-only page */
	char *hole;		/* an unmapped page */
	unsigned long ops, failures, succeeded[32];
	long bad_errno;
	unsigned long bad_cmd;
};

static uint64_t fz_next(struct fuzz *f)
{
	/* xorshift64*: fast, and the same sequence for the same seed. */
	f->rng ^= f->rng >> 12;
	f->rng ^= f->rng << 25;
	f->rng ^= f->rng >> 27;
	return f->rng * 2685821657736338717ULL;
}

static uint64_t fz_below(struct fuzz *f, uint64_t n)
{
	return n ? fz_next(f) % n : 0;
}

static bool fz_chance(struct fuzz *f, unsigned int percent)
{
	return fz_below(f, 100) < percent;
}

/* An interesting 64-bit value: boundaries, flags, sizes, garbage. */
static uint64_t fz_value(struct fuzz *f)
{
	static const uint64_t v[] = {
		0, 1, 2, 3, 7, 8, 63, 64, 255, 256, 4095, 4096, 4097, 8191, 8192,
		8193, 16383, 16384, 65536, 1 << 20, (4 << 20) - 1, 4 << 20,
		(4 << 20) + 1, INT32_MAX, (uint64_t)INT32_MAX + 1, UINT32_MAX,
		(uint64_t)INT64_MAX, (uint64_t)-1, (uint64_t)-2, (uint64_t)INT64_MIN,
		0x1000, 0x2000, 0x4000, 0x10000, 0777, 01000, 02000, 04000, 010000,
		020000, 040000, 0x1000, 0x1001, 0x1006, 0x1007,
	};

	if (fz_chance(f, 30))
		return fz_next(f);
	return v[fz_below(f, sizeof(v) / sizeof(v[0]))];
}

/* A pointer the kernel has to be careful with. */
static uint64_t fz_ptr(struct fuzz *f, size_t want)
{
	switch (fz_below(f, 10)) {
	case 0:
		return 0;
	case 1:
		return (uint64_t)(uintptr_t)f->hole;
	case 2:
		return (uint64_t)(uintptr_t)f->ro;
	case 3:
		return 0xffff888000000000ULL;	/* kernel memory */
	case 4:
		/* Runs off the end of the scratch area into the hole. */
		return (uint64_t)(uintptr_t)(f->hole - (want ? want / 2 : 1));
	case 5:
		return fz_next(f);
	default:
		return (uint64_t)(uintptr_t)(f->buf + fz_below(f, 2 * PAGE));
	}
}

static int fz_id(struct fuzz *f)
{
	if (f->nr_ids && fz_chance(f, 80))
		return f->ids[fz_below(f, f->nr_ids)];
	return (int)fz_value(f);
}

static pid_t fz_pid(struct fuzz *f)
{
	switch (fz_below(f, 5)) {
	case 0:
		return getpid();
	case 1:
		return 1;
	case 2:
		return (pid_t)fz_value(f);
	default:
		return f->nr_peers ? f->peers[fz_below(f, f->nr_peers)] : getpid();
	}
}

/* Fill a structure of @len bytes: mostly zero, with a few live fields. */
static void fz_fill(struct fuzz *f, void *p, size_t len)
{
	uint64_t *w = p;
	size_t i;

	memset(p, 0, len);
	if (fz_chance(f, 10)) {
		for (i = 0; i < len; i++)
			((unsigned char *)p)[i] = fz_next(f);
		return;
	}
	for (i = 0; i < len / 8; i++) {
		if (fz_chance(f, 25))
			w[i] = fz_chance(f, 50) ? fz_value(f) : fz_ptr(f, 64);
	}
}

static void fz_remember(struct fuzz *f, int id)
{
	if (id < 0)
		return;
	if (f->nr_ids < MAX_IDS)
		f->ids[f->nr_ids++] = id;
	else
		f->ids[fz_below(f, MAX_IDS)] = id;
}

/* A message buffer: a type, then a body, in the scratch area. */
static uint64_t fz_msg(struct fuzz *f)
{
	long *m = (long *)(f->buf + 8 * fz_below(f, 64));

	if (fz_chance(f, 80))
		*m = 1 + fz_below(f, 5);
	else
		*m = (long)fz_value(f);
	return fz_chance(f, 85) ? (uint64_t)(uintptr_t)m : fz_ptr(f, 64);
}

static unsigned long fz_resize(struct fuzz *f, unsigned long cmd)
{
	static const unsigned int sizes[] = { 0, 4, 8, 16, 24, 32, 48, 64, 80, 88,
					      96, 104, 128, 224, 256, 4096, 16383 };
	unsigned int size;

	if (!fz_chance(f, 10))
		return cmd;
	size = sizes[fz_below(f, sizeof(sizes) / sizeof(sizes[0]))];
	return (cmd & ~((unsigned long)_IOC_SIZEMASK << _IOC_SIZESHIFT)) |
	       ((unsigned long)size << _IOC_SIZESHIFT);
}

static bool fz_errno_ok(int e)
{
	switch (e) {
	case EINVAL: case EFAULT: case ENOTTY: case E2BIG: case EACCES:
	case EPERM: case ENOENT: case EEXIST: case ENOMSG: case EAGAIN:
	case EIDRM: case EINTR: case ETIMEDOUT: case ESRCH: case ENOSPC:
	case EDQUOT: case ENOMEM: case EBADF: case EBADFD: case ENOBUFS:
	case EMFILE: case ENAMETOOLONG: case EADDRINUSE: case ENOTCONN:
	case EALREADY: case ECONNRESET: case EMLINK: case ECONNREFUSED:
		return true;
	default:
		return false;
	}
}

static void fz_one(struct fuzz *f)
{
	union {
		struct mp_msgget_args get;
		struct mp_msgsnd_args snd;
		struct mp_msgrcv_args rcv;
		struct mp_msgctl_args ctl;
		struct mp_mbox_fd_args mfd;
		struct mp_link_args link;
		struct mp_links_args links;
		struct mp_name_args name;
		struct mp_call_args call;
		struct mp_reply_args reply;
		struct mp_watch_args watch;
		struct mp_batch_args batch;
		struct mp_attr attr;
		struct mp_accept_args accept;
		char raw[512];
	} *a = (void *)(f->buf + 2 * PAGE);
	static const char *const names[] = { "a", "fuzz", "logger", "", "x" };
	unsigned long cmd;
	void *arg = a;
	long ret;
	int i;

	fz_fill(f, a, sizeof(*a));
	switch (fz_below(f, 16)) {
	case 0:
		cmd = MP_IOC_MSGGET;
		a->get.key = fz_chance(f, 50) ? 0 : (int)fz_below(f, 8);
		a->get.msgflg = (fz_chance(f, 70) ? 01000 : 0) | (fz_chance(f, 20) ? 02000 : 0) |
				(unsigned int)fz_below(f, 01000);
		if (fz_chance(f, 30)) {
			strcpy(f->buf + 3 * PAGE, names[fz_below(f, 5)]);
			a->get.name = (uint64_t)(uintptr_t)(f->buf + 3 * PAGE);
			a->get.key = 0;
		}
		if (fz_chance(f, 40)) {
			struct mp_attr *at = (void *)(f->buf + 3 * PAGE + 256);

			fz_fill(f, at, sizeof(*at));
			at->flags &= fz_chance(f, 70) ? MP_ATTR_ALL : ~0ULL;
			at->kind = (uint32_t)fz_below(f, 3);
			at->lifetime = (uint32_t)fz_below(f, 3);
			if (fz_chance(f, 80))
				memset(at->__reserved, 0, sizeof(at->__reserved));
			a->get.attr = (uint64_t)(uintptr_t)at;
			a->get.attr_size = fz_chance(f, 80) ? sizeof(*at) : (uint32_t)fz_value(f);
		}
		a->get.__reserved = fz_chance(f, 90) ? 0 : 1;
		break;
	case 1:
	case 2:
		cmd = fz_chance(f, 70) ? MP_IOC_MSGSND : MP_IOC_SEND;
		a->snd.id = cmd == MP_IOC_SEND ? fz_pid(f) : fz_id(f);
		a->snd.msgflg = fz_chance(f, 70) ? 04000 : (uint32_t)fz_value(f);
		a->snd.msgp = fz_msg(f);
		a->snd.msgsz = fz_chance(f, 80) ? fz_below(f, 300) : fz_value(f);
		a->snd.flags &= fz_chance(f, 80) ? MP_SEND_ALL : ~0ULL;
		a->snd.priority = (uint32_t)fz_below(f, 300);
		a->snd.timeout_ns = fz_below(f, 3000000);
		if (fz_chance(f, 10)) {
			int *fds = (int *)(f->buf + 3 * PAGE + 512);

			fds[0] = fz_chance(f, 50) ? 0 : f->fd;
			fds[1] = (int)fz_value(f);
			a->snd.fds = (uint64_t)(uintptr_t)fds;
			a->snd.nr_fds = (uint32_t)fz_below(f, 3);
		} else if (fz_chance(f, 90)) {
			a->snd.fds = 0;
			a->snd.nr_fds = 0;
		}
		if (fz_chance(f, 80)) {
			a->snd.__pad = a->snd.__pad2 = 0;
			memset(a->snd.__reserved, 0, sizeof(a->snd.__reserved));
		}
		break;
	case 3:
	case 4:
		cmd = fz_chance(f, 70) ? MP_IOC_MSGRCV : MP_IOC_RECV;
		a->rcv.id = cmd == MP_IOC_RECV ? (fz_chance(f, 50) ? 0 : fz_pid(f)) : fz_id(f);
		a->rcv.msgflg = (fz_chance(f, 80) ? 04000 : 0) |
				((uint32_t)fz_below(f, 8) << 12);
		a->rcv.msgp = fz_chance(f, 80) ? (uint64_t)(uintptr_t)f->buf : fz_ptr(f, 64);
		a->rcv.msgsz = fz_chance(f, 80) ? fz_below(f, 400) : fz_value(f);
		a->rcv.msgtyp = (int64_t)(fz_chance(f, 60) ? 0 : fz_value(f));
		a->rcv.flags &= fz_chance(f, 80) ? MP_RECV_ALL : ~0ULL;
		a->rcv.timeout_ns = fz_below(f, 3000000);
		a->rcv.hdr = fz_chance(f, 50) ? (uint64_t)(uintptr_t)(f->buf + PAGE) : 0;
		a->rcv.hdr_size = a->rcv.hdr ? sizeof(struct mp_msghdr) : 0;
		a->rcv.fds = (uint64_t)(uintptr_t)(f->buf + PAGE + 512);
		a->rcv.fd_room = (uint32_t)fz_below(f, 4);
		if (fz_chance(f, 80)) {
			a->rcv.__pad = a->rcv.__pad2 = a->rcv.__pad3 = 0;
			memset(a->rcv.__reserved, 0, sizeof(a->rcv.__reserved));
		}
		break;
	case 5:
		cmd = MP_IOC_MSGCTL;
		a->ctl.id = fz_id(f);
		a->ctl.cmd = (int)(fz_chance(f, 80) ? fz_below(f, 14) : 0x1000 + fz_below(f, 8));
		if (fz_chance(f, 10))
			a->ctl.cmd = (int)fz_value(f);
		a->ctl.buf = fz_chance(f, 70) ? (uint64_t)(uintptr_t)(f->buf + PAGE) : fz_ptr(f, 256);
		a->ctl.arg = fz_chance(f, 50) ? (uint64_t)fz_pid(f) : fz_value(f);
		a->ctl.buf_size = fz_chance(f, 70) ? sizeof(struct mp_mbox_info) : (uint32_t)fz_value(f);
		if (fz_chance(f, 85)) {
			a->ctl.__pad = 0;
			memset(a->ctl.__reserved, 0, sizeof(a->ctl.__reserved));
		}
		break;
	case 6:
		cmd = MP_IOC_MBOX_FD;
		a->mfd.id = fz_id(f);
		a->mfd.flags = fz_chance(f, 80) ? 02000000 : (uint32_t)fz_value(f);
		if (fz_chance(f, 80))
			memset(a->mfd.__reserved, 0, sizeof(a->mfd.__reserved));
		break;
	case 7:
		cmd = fz_chance(f, 50) ? MP_IOC_LINK : MP_IOC_LINKS;
		if (cmd == MP_IOC_LINK) {
			a->link.pid = fz_pid(f);
			a->link.flags &= 3;
			if (fz_chance(f, 80)) {
				a->link.__pad = 0;
				memset(a->link.__reserved, 0, sizeof(a->link.__reserved));
			}
		} else {
			a->links.pid = fz_chance(f, 50) ? 0 : fz_pid(f);
			a->links.flags = (uint32_t)fz_below(f, 5);
			a->links.buf = fz_chance(f, 70) ? (uint64_t)(uintptr_t)f->buf : fz_ptr(f, 64);
			a->links.count = (uint32_t)(fz_chance(f, 80) ? fz_below(f, 20) : fz_value(f));
			a->links.info_size = fz_chance(f, 80) ? sizeof(struct mp_link_info) :
					     (uint32_t)fz_value(f);
			if (fz_chance(f, 80))
				memset(a->links.__reserved, 0, sizeof(a->links.__reserved));
		}
		break;
	case 8:
		cmd = MP_IOC_NAME;
		strcpy(f->buf + 3 * PAGE, names[fz_below(f, 5)]);
		a->name.name = fz_chance(f, 80) ? (uint64_t)(uintptr_t)(f->buf + 3 * PAGE) :
			       fz_ptr(f, 8);
		a->name.op = (uint32_t)fz_below(f, 5);
		if (fz_chance(f, 80))
			memset(a->name.__reserved, 0, sizeof(a->name.__reserved));
		break;
	case 9:
		cmd = MP_IOC_CALL;
		a->call.to = fz_chance(f, 50) ? fz_pid(f) : fz_id(f);
		a->call.flags = MP_CALL_TIMEOUT | (fz_chance(f, 50) ? MP_CALL_MAILBOX : 0);
		a->call.msgflg &= 010000;
		a->call.req = fz_msg(f);
		a->call.req_size = fz_below(f, 100);
		a->call.reply = (uint64_t)(uintptr_t)(f->buf + PAGE);
		a->call.reply_size = fz_below(f, 200);
		a->call.priority = (uint32_t)fz_below(f, 260);
		a->call.timeout_ns = fz_below(f, 2000000);
		if (fz_chance(f, 80)) {
			a->call.__pad = a->call.__pad2 = 0;
			a->call.hdr = 0;
			a->call.hdr_size = 0;
			a->call.req_fds = a->call.reply_fds = 0;
			a->call.nr_req_fds = a->call.reply_fd_room = 0;
			a->call.__reserved = 0;
		}
		break;
	case 10:
		cmd = MP_IOC_REPLY;
		a->reply.call_id = fz_chance(f, 50) ? fz_below(f, 4) : fz_value(f);
		a->reply.flags &= fz_chance(f, 80) ? 3 : ~0ULL;
		a->reply.msgp = fz_msg(f);
		a->reply.msgsz = fz_below(f, 100);
		a->reply.rcv.id = fz_id(f);
		a->reply.rcv.msgflg = 04000;
		a->reply.rcv.msgp = (uint64_t)(uintptr_t)f->buf;
		a->reply.rcv.msgsz = fz_below(f, 200);
		if (fz_chance(f, 80)) {
			a->reply.__pad = 0;
			a->reply.nr_fds = 0;
			a->reply.fds = 0;
			memset(&a->reply.rcv.flags, 0, sizeof(a->reply.rcv) -
			       offsetof(struct mp_msgrcv_args, flags));
		}
		break;
	case 11:
		cmd = MP_IOC_WATCH;
		a->watch.kind = (uint32_t)fz_below(f, 4);
		a->watch.target = a->watch.kind == MP_WATCH_PROCESS ? fz_pid(f) : fz_id(f);
		a->watch.notify = fz_chance(f, 50) ? -1 : fz_id(f);
		a->watch.flags = (uint32_t)fz_below(f, 4);
		a->watch.type = (int64_t)fz_below(f, 4);
		if (fz_chance(f, 80))
			memset(a->watch.__reserved, 0, sizeof(a->watch.__reserved));
		break;
	case 12:
	case 13: {
		struct mp_batch_msg *m = (void *)(f->buf + 3 * PAGE);

		cmd = fz_chance(f, 50) ? MP_IOC_SENDV : MP_IOC_RECVV;
		a->batch.flags &= fz_chance(f, 80) ? MP_BATCH_INBOX : ~0ULL;
		a->batch.id = (a->batch.flags & MP_BATCH_INBOX) ? fz_pid(f) : fz_id(f);
		a->batch.msgflg = fz_chance(f, 90) ? 04000 : 0;
		a->batch.count = (uint32_t)(fz_chance(f, 80) ? fz_below(f, 8) : fz_value(f));
		a->batch.msg_size = fz_chance(f, 80) ? sizeof(*m) : (uint32_t)fz_value(f);
		a->batch.msgs = fz_chance(f, 80) ? (uint64_t)(uintptr_t)m : fz_ptr(f, 64);
		for (i = 0; i < 8; i++) {
			memset(&m[i], 0, sizeof(m[i]));
			m[i].msgp = fz_msg(f);
			m[i].msgsz = fz_below(f, 200);
			m[i].priority = (uint32_t)fz_below(f, 4);
		}
		if (fz_chance(f, 80))
			memset(a->batch.__reserved, 0, sizeof(a->batch.__reserved));
		break;
	}
	case 14:
		switch (fz_below(f, 3)) {
		case 0:
			cmd = MP_IOC_VERSION;
			break;
		case 1:
			cmd = MP_IOC_COUNTERS;
			break;
		default:
			/* Who may send here: refused senders get ECONNREFUSED. */
			cmd = MP_IOC_ACCEPT;
			a->accept.mode = (uint32_t)(fz_chance(f, 90) ? fz_below(f, 3) :
							     fz_value(f));
			if (fz_chance(f, 80)) {
				a->accept.__pad = 0;
				memset(a->accept.__reserved, 0, sizeof(a->accept.__reserved));
			}
			break;
		}
		break;
	default:
		/* A command the module may not know at all. */
		cmd = fz_chance(f, 50) ? _IOC((unsigned int)fz_below(f, 4), MP_IOC_MAGIC,
					   (unsigned int)fz_below(f, 256),
					   (unsigned int)fz_below(f, 512)) :
					 (unsigned long)(uint32_t)fz_next(f);
		break;
	}
	cmd = fz_resize(f, cmd);
	if (fz_chance(f, 5))
		arg = (void *)(uintptr_t)fz_ptr(f, 64);

	__atomic_store_n(&f->slot->cmd, cmd, __ATOMIC_RELAXED);
	__atomic_store_n(&f->slot->busy, 1, __ATOMIC_RELAXED);
	ret = ioctl(f->fd, cmd, arg);
	__atomic_store_n(&f->slot->busy, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&f->slot->ops, f->slot->ops + 1, __ATOMIC_RELAXED);
	f->ops++;
	if (ret >= 0 && _IOC_TYPE(cmd) == MP_IOC_MAGIC)
		f->succeeded[_IOC_NR(cmd) & 31]++;
	if (ret < 0 && !fz_errno_ok(errno)) {
		f->failures++;
		f->bad_errno = errno;
		f->bad_cmd = cmd;
	}
	if (ret >= 0 && cmd == MP_IOC_MSGGET)
		fz_remember(f, (int)ret);
	/* Keep the descriptor table from filling with what was received. */
	if (cmd == MP_IOC_MBOX_FD && ret > 2)
		close((int)ret);
}

struct fz_thread {
	struct fuzz f;
	unsigned long ops;
	pthread_t thread;
};

static void fz_alarm(int sig)
{
	(void)sig;
}

static void *fz_run(void *p)
{
	struct fz_thread *t = p;
	struct sigevent sev = { .sigev_notify = SIGEV_THREAD_ID, .sigev_signo = SIGALRM };
	struct itimerspec its = { .it_interval = { 0, 5000000 }, .it_value = { 0, 5000000 } };
	timer_t timer;

	__atomic_store_n(&t->f.slot->tid, (pid_t)syscall(SYS_gettid), __ATOMIC_RELAXED);
	/*
	 * Calls that block are cut short by this thread's own timer. Without
	 * it they could wait forever, and the watchdog would blame the kernel.
	 */
	sev._sigev_un._tid = (pid_t)syscall(SYS_gettid);
	if (timer_create(CLOCK_MONOTONIC, &sev, &timer) ||
	    timer_settime(timer, 0, &its, NULL)) {
		printf("# pid %d: no interval timer: %s\n", getpid(), strerror(errno));
		t->f.failures++;
		__atomic_store_n(&t->f.slot->done, 1, __ATOMIC_RELAXED);
		return NULL;
	}
	for (unsigned long i = 0; i < t->ops; i++) {
		fz_one(&t->f);
		if (i % 64 == 63) {
			for (int fd = 3; fd < 256; fd++)
				if (fd != t->f.fd)
					close(fd);
		}
	}
	timer_delete(timer);
	__atomic_store_n(&t->f.slot->done, 1, __ATOMIC_RELAXED);
	return NULL;
}

static int fz_process(struct fz_shared *sh, unsigned int proc, uint64_t seed,
		      unsigned int threads, unsigned long ops, unsigned int procs)
{
	struct sigaction sa = { .sa_handler = fz_alarm };	/* no SA_RESTART */
	struct fz_thread *t = calloc(threads, sizeof(*t));
	unsigned long failures = 0;
	struct timespec t0, t1;
	int fd;

	if (!t)
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	sigaction(SIGALRM, &sa, NULL);
	fd = open(MSGPASS_DEVICE, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return 1;
	for (unsigned int i = 0; i < threads; i++) {
		char *m = mmap(NULL, 6 * PAGE, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (m == MAP_FAILED)
			return 1;
		t[i].f.rng = seed * 0x9e3779b97f4a7c15ULL + i + 1;
		t[i].f.fd = fd;
		t[i].f.buf = m;
		t[i].f.ro = m + 4 * PAGE;
		t[i].f.hole = m + 5 * PAGE;
		mprotect(t[i].f.ro, PAGE, PROT_READ);
		munmap(t[i].f.hole, PAGE);
		/* Every fuzzer, of every user, is a peer (itself included). */
		memcpy(t[i].f.peers, sh->pids, procs * sizeof(*sh->pids));
		t[i].f.nr_peers = procs;
		t[i].f.slot = &sh->slots[proc][i];
		t[i].ops = ops;
		if (pthread_create(&t[i].thread, NULL, fz_run, &t[i]))
			return 1;
	}
	for (unsigned int i = 0; i < threads; i++) {
		char line[512];
		int n = 0;

		pthread_join(t[i].thread, NULL);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		for (int c = 0; c < 32; c++)
			if (t[i].f.succeeded[c])
				n += snprintf(line + n, sizeof(line) - n, " 0x%02x:%lu", c,
					      t[i].f.succeeded[c]);
		/* How long it took is information only: nothing depends on it. */
		printf("# pid %d (uid %d) thread %u: %lu calls, done by %lld s; "
		       "succeeded by command nr:%s\n", getpid(), (int)getuid(), i, t[i].f.ops,
		       (long long)(t1.tv_sec - t0.tv_sec), n ? line : " none");
		if (t[i].f.failures)
			printf("# thread %u: %lu unexpected errors, last errno %ld (%s) on ioctl 0x%lx\n",
			       i, t[i].f.failures, t[i].f.bad_errno,
			       strerror((int)t[i].f.bad_errno), t[i].f.bad_cmd);
		failures += t[i].f.failures;
	}
	return failures ? 2 : 0;
}

static unsigned long env_ulong(const char *name, unsigned long def)
{
	const char *v = getenv(name);

	return v && *v ? strtoul(v, NULL, 0) : def;
}

/* Remove whatever the fuzzers left behind, as root. */
static void fz_cleanup(void)
{
	struct msginfo info;
	struct msqid_ds ds;
	int max = mp_msgctl(0, IPC_INFO, (struct msqid_ds *)&info);

	for (int idx = 0; idx <= max; idx++) {
		int id = mp_msgctl(idx, MSG_STAT_ANY, &ds);

		if (id >= 0)
			mp_msgctl(id, IPC_RMID, NULL);
	}
}

/* Process 0 fuzzes as root, the others as unprivileged users in turn. */
static uid_t fz_uid(unsigned int proc, unsigned int procs)
{
	static const uid_t uids[] = { 1000, 1001, 65534 };

	if (proc == 0 || procs < 2)
		return 0;
	return uids[(proc - 1) % 3];
}

static const char *fz_cmd_name(unsigned long cmd)
{
	static const char *const names[] = {
		[0x00] = "VERSION", [0x01] = "COUNTERS", [0x10] = "MSGGET",
		[0x11] = "MSGSND", [0x12] = "MSGRCV", [0x13] = "MSGCTL",
		[0x14] = "MBOX_FD", [0x20] = "SEND", [0x21] = "RECV",
		[0x22] = "LINK", [0x23] = "LINKS", [0x24] = "NAME",
		[0x25] = "CALL", [0x26] = "REPLY", [0x27] = "WATCH",
		[0x28] = "SENDV", [0x29] = "RECVV", [0x2a] = "ACCEPT",
	};
	unsigned int nr = _IOC_NR(cmd);

	if (_IOC_TYPE(cmd) != MP_IOC_MAGIC || nr >= sizeof(names) / sizeof(names[0]) ||
	    !names[nr])
		return "unknown";
	return names[nr];
}

/* Print a small /proc file of a task, each line prefixed. */
static void fz_print_proc(pid_t pid, pid_t tid, const char *file, const char *prefix)
{
	char path[128], line[256];
	FILE *fp;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/%s", pid, tid, file);
	fp = fopen(path, "r");
	if (!fp)
		return;
	while (fgets(line, sizeof(line), fp))
		printf("%s%s%s", prefix, line, strchr(line, '\n') ? "" : "\n");
	fclose(fp);
}

/*
 * Describe every task of a fuzzing process that has not been reaped:
 * what its slot says (the call it is in), its scheduler state, where it
 * sleeps, and its kernel stack.
 */
static void fz_report(struct fz_shared *sh, unsigned int proc, pid_t pid,
		      unsigned int procs, unsigned int threads)
{
	char path[64], buf[512];
	struct dirent *de;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	dir = opendir(path);
	if (!dir) {
		printf("# watchdog: fuzzer %u (pid %d): no %s\n", proc, pid, path);
		return;
	}
	while ((de = readdir(dir))) {
		pid_t tid = (pid_t)atoi(de->d_name);
		char state = '?', who[32] = "main thread";
		FILE *fp;

		if (tid <= 0)
			continue;
		snprintf(buf, sizeof(buf), "not in a msgpass call (joins threads or exits)");
		for (unsigned int i = 0; i < threads; i++) {
			struct fz_slot *s = &sh->slots[proc][i];
			unsigned long cmd = __atomic_load_n(&s->cmd, __ATOMIC_RELAXED);

			if (__atomic_load_n(&s->tid, __ATOMIC_RELAXED) != tid)
				continue;
			snprintf(who, sizeof(who), "thread %u", i);
			if (__atomic_load_n(&s->done, __ATOMIC_RELAXED))
				snprintf(buf, sizeof(buf), "made all its calls");
			else if (__atomic_load_n(&s->busy, __ATOMIC_RELAXED))
				snprintf(buf, sizeof(buf), "IN ioctl 0x%lx (%s), its call #%lu",
					 cmd, fz_cmd_name(cmd),
					 __atomic_load_n(&s->ops, __ATOMIC_RELAXED) + 1);
			else
				snprintf(buf, sizeof(buf), "between calls, after %lu",
					 __atomic_load_n(&s->ops, __ATOMIC_RELAXED));
			break;
		}
		snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", pid, tid);
		fp = fopen(path, "r");
		if (fp) {
			char stat[512], *p = NULL;

			if (fgets(stat, sizeof(stat), fp))
				p = strrchr(stat, ')');
			if (p && p[1])
				state = p[2];
			fclose(fp);
		}
		printf("# watchdog: fuzzer %u (pid %d, uid %d) %s (tid %d): %s; state %c; wchan ",
		       proc, pid, (int)fz_uid(proc, procs), who, tid, buf, state);
		fz_print_proc(pid, tid, "wchan", "");
		fz_print_proc(pid, tid, "stack", "#     ");
	}
	closedir(dir);
	fflush(stdout);
}

static unsigned long fz_progress(struct fz_shared *sh, unsigned int procs,
				 unsigned int threads)
{
	unsigned long sum = 0;

	for (unsigned int p = 0; p < procs; p++)
		for (unsigned int i = 0; i < threads; i++)
			sum += __atomic_load_n(&sh->slots[p][i].ops, __ATOMIC_RELAXED);
	return sum;
}

/*
 * Reap the fuzzers as they exit. Return the number still running after
 * @stall one-second ticks in a row during which none of their threads
 * completed a call (0: all reaped). Ticks, not elapsed time: a machine
 * so loaded that this process did not run for a minute counts that
 * minute once, so only a lack of progress ends the wait.
 */
static unsigned int fz_reap(struct fz_shared *sh, pid_t *kids, int *status,
			    bool *reaped, unsigned int procs, unsigned int threads,
			    unsigned long stall)
{
	const struct timespec tick = { 1, 0 };
	unsigned long last = fz_progress(sh, procs, threads), idle = 0;
	unsigned int left = 0;
	sigset_t chld;

	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	for (unsigned int p = 0; p < procs; p++)
		left += !reaped[p];
	while (left) {
		unsigned long now;

		for (unsigned int p = 0; p < procs; p++) {
			if (!reaped[p] && waitpid(kids[p], &status[p], WNOHANG) == kids[p]) {
				reaped[p] = true;
				left--;
			}
		}
		if (!left)
			break;
		/* SIGCHLD is blocked: a fuzzer's exit ends the tick early. */
		if (sigtimedwait(&chld, NULL, &tick) == SIGCHLD)
			continue;
		now = fz_progress(sh, procs, threads);
		if (now != last) {
			last = now;
			idle = 0;
		} else if (++idle >= stall) {
			break;
		}
	}
	return left;
}

FIXTURE(fuzz) {
	int unused;
};

FIXTURE_SETUP(fuzz)
{
}

FIXTURE_TEARDOWN(fuzz)
{
}

/*
 * Sized by operations and bounded by progress (fz_reap()): the harness's
 * own timeout is only a backstop, a day, for a watchdog that itself
 * broke; no run of this test comes near it on any machine.
 */
TEST_F_TIMEOUT(fuzz, ioctls_from_many_processes_and_threads, 24 * 3600)
{
	uint64_t seed = env_ulong("FUZZ_SEED", (unsigned long)time(NULL) ^ getpid());
	unsigned int procs = env_ulong("FUZZ_PROCS", 4);
	unsigned int threads = env_ulong("FUZZ_THREADS", 2);
	unsigned long ops = env_ulong("FUZZ_OPS", 3000);
	unsigned long stall = env_ulong("FUZZ_STALL", 60);
	struct mp_counters_info c;
	struct fz_shared *sh;
	pid_t kids[MAX_PROCS];
	int status[MAX_PROCS];
	bool reaped[MAX_PROCS] = { false };
	sigset_t chld, old;
	unsigned int left, hung;
	int gate[2], bad = 0;

	if (procs > MAX_PROCS)
		procs = MAX_PROCS;
	if (procs < 1)
		procs = 1;
	if (threads > MAX_THREADS)
		threads = MAX_THREADS;
	if (threads < 1)
		threads = 1;
	if (stall < 1)
		stall = 1;
	TH_LOG("seed %llu (rerun with FUZZ_SEED=%llu), %u processes x %u threads x %lu ops",
	       (unsigned long long)seed, (unsigned long long)seed, procs, threads, ops);
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, sh);
	ASSERT_EQ(0, pipe(gate));
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	ASSERT_EQ(0, sigprocmask(SIG_BLOCK, &chld, &old));

	for (unsigned int p = 0; p < procs; p++) {
		kids[p] = fork();
		ASSERT_LE(0, kids[p]);
		if (kids[p] == 0) {
			uid_t uid = fz_uid(p, procs);
			char go;

			sigprocmask(SIG_SETMASK, &old, NULL);
			close(gate[1]);
			if (uid && (setgroups(0, NULL) || setresgid(uid, uid, uid) ||
				    setresuid(uid, uid, uid)))
				_exit(3);
			/* Start once every fuzzer exists, to know them all. */
			while (read(gate[0], &go, 1) < 0 && errno == EINTR)
				;
			close(gate[0]);
			status[0] = fz_process(sh, p, seed + p, threads, ops, procs);
			fflush(stdout);		/* _exit() would drop it */
			_exit(status[0]);
		}
		sh->pids[p] = kids[p];
		TH_LOG("fuzzer %u: pid %d, uid %d", p, kids[p], (int)fz_uid(p, procs));
	}
	close(gate[0]);
	close(gate[1]);

	hung = fz_reap(sh, kids, status, reaped, procs, threads, stall);
	if (hung) {
		TH_LOG("HANG: no fuzzing call completed for %lu one-second ticks; %u of %u fuzzers left:",
		       stall, hung, procs);
		for (unsigned int p = 0; p < procs; p++)
			if (!reaped[p])
				fz_report(sh, p, kids[p], procs, threads);
		for (unsigned int p = 0; p < procs; p++)
			if (!reaped[p])
				kill(kids[p], SIGKILL);
		/* Killed, they make no calls: wait as long again for them to go. */
		left = fz_reap(sh, kids, status, reaped, procs, threads, stall);
		if (left)
			TH_LOG("%u fuzzers survive SIGKILL (a sleep that ignores it):", left);
		for (unsigned int p = 0; p < procs; p++)
			if (!reaped[p])
				fz_report(sh, p, kids[p], procs, threads);
		sigprocmask(SIG_SETMASK, &old, NULL);
		ASSERT_EQ(0, hung) TH_LOG("fuzzers hung (see above); seed %llu",
					  (unsigned long long)seed);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	for (unsigned int p = 0; p < procs; p++) {
		if (!WIFEXITED(status[p]) || WEXITSTATUS(status[p])) {
			TH_LOG("fuzzer %u: status 0x%x", p, status[p]);
			bad++;
		}
	}
	EXPECT_EQ(0, bad);

	fz_cleanup();
	ASSERT_EQ(0, mp_counters(&c));
	EXPECT_EQ(1, c.endpoints);	/* this process's own */
	EXPECT_EQ(0, c.mailboxes);
	EXPECT_EQ(0, c.messages);
	EXPECT_EQ(0, c.bytes);
	EXPECT_EQ(0, c.files);
	EXPECT_EQ(0, c.links);
	munmap(sh, sizeof(*sh));
}

TEST_HARNESS_MAIN

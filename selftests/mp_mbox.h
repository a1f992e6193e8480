/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the mailbox selftests: a fixture that removes every
 * mailbox and kills and reaps every child a test made (also when an
 * assertion fails), forking, waiting until a child is asleep in the
 * module, dropping privileges, and small send/receive wrappers.
 *
 * Children never use the ASSERT and EXPECT macros (they would run the harness's
 * abort path in the wrong process): they report through their exit
 * status, normally the errno they got (0 for success, MPT_BAD and up for
 * "the call did something unexpected").
 */
#ifndef MP_MBOX_H
#define MP_MBOX_H

#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <time.h>

#include "mp_test.h"

#define MPT_NOBODY		65534
#define MPT_MSGMAX_DEFAULT	8192
#define MPT_MSGMNB_DEFAULT	16384
#define MPT_MSGMNI_DEFAULT	32000

/* How long a parent waits for a child to reach a state (bounded poll). */
#define MPT_WAIT_MS		10000

/* Child exit codes for "not the errno path": above every errno value. */
#define MPT_BAD			200	/* call succeeded / wrong result */
#define MPT_BAD2		201
#define MPT_BAD3		202
#define MPT_BAD4		203
#define MPT_BAD5		204
#define MPT_NOPRIV		210	/* could not drop privileges */
#define MPT_NOSYNC		211	/* pipe handshake failed */
#define MPT_NOWAIT		212	/* waited in vain for a state */

struct mpt_msg {
	long mtype;
	char mtext[MPT_MSGMAX_DEFAULT + 1];
};

/* --- what a test made, for the teardown ------------------------------ */

static int mpt_ids[512];
static int mpt_nids;
static pid_t mpt_kids[128];
static int mpt_nkids;

static inline int mpt_track(int id)
{
	if (id >= 0 && mpt_nids < (int)(sizeof(mpt_ids) / sizeof(mpt_ids[0])))
		mpt_ids[mpt_nids++] = id;
	return id;
}

static inline pid_t mpt_fork(void)
{
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid > 0 && mpt_nkids < (int)(sizeof(mpt_kids) / sizeof(mpt_kids[0])))
		mpt_kids[mpt_nkids++] = pid;
	return pid;
}

static inline void mpt_msleep(int ms);
static inline int64_t mpt_ns(clockid_t clk);

/*
 * Reap @pid, waiting at most @ms milliseconds: its exit status, 128 +
 * signal when killed, -1 when it could not be waited for, -2 when it did
 * not end in time (it is then killed).
 */
static inline int mpt_wait_ms(pid_t pid, int ms)
{
	int64_t end = mpt_ns(CLOCK_MONOTONIC) + ms * 1000000LL;
	int st = 0, i, timed_out = 0;
	pid_t r;

	for (;;) {
		r = waitpid(pid, &st, WNOHANG);
		if (r == pid || (r < 0 && errno != EINTR))
			break;
		if (mpt_ns(CLOCK_MONOTONIC) > end) {
			kill(pid, SIGKILL);
			r = waitpid(pid, &st, 0);
			timed_out = 1;
			break;
		}
		mpt_msleep(2);
	}
	for (i = 0; i < mpt_nkids; i++)
		if (mpt_kids[i] == pid)
			mpt_kids[i] = 0;
	if (timed_out)
		return -2;
	if (r != pid)
		return -1;
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return -1;
}

static inline int mpt_wait(pid_t pid)
{
	return mpt_wait_ms(pid, MPT_WAIT_MS);
}

static inline void mpt_cleanup(void)
{
	int i;

	for (i = 0; i < mpt_nkids; i++) {
		if (mpt_kids[i] > 0) {
			kill(mpt_kids[i], SIGKILL);
			waitpid(mpt_kids[i], NULL, 0);
			mpt_kids[i] = 0;
		}
	}
	for (i = 0; i < mpt_nids; i++)
		mp_msgctl(mpt_ids[i], IPC_RMID, NULL);
	mpt_nids = 0;
	mpt_nkids = 0;
}

/*
 * The fixture every mailbox test uses: the module must have mailboxes;
 * the teardown removes what the test made and reaps its children.
 */
FIXTURE(mb) {
	struct mp_version v;
};

FIXTURE_SETUP(mb)
{
	ASSERT_EQ(0, mp_version(&self->v)) TH_LOG("mp_version: %s", strerror(errno));
	ASSERT_TRUE(self->v.features & MP_FEAT_MAILBOX)
		TH_LOG("the module does not report MP_FEAT_MAILBOX");
}

FIXTURE_TEARDOWN(mb)
{
	mpt_cleanup();
}

/* --- time ------------------------------------------------------------- */

static inline int64_t mpt_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static inline void mpt_msleep(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* --- mailboxes --------------------------------------------------------- */

/* A key no other test (or earlier run) uses. */
static inline key_t mpt_key(void)
{
	static int n;

	return (key_t)(0x4d500000 ^ ((getpid() & 0xffff) << 8) ^ ++n);
}

/* A name no other test uses. */
static inline const char *mpt_name(char *buf, size_t len)
{
	static int n;

	snprintf(buf, len, "mpt-%d-%d", (int)getpid(), ++n);
	return buf;
}

static inline int mpt_new(int mode)
{
	return mpt_track(mp_msgget(IPC_PRIVATE, IPC_CREAT | mode));
}

static inline int mpt_new_attr(const struct mp_attr *a, int mode)
{
	return mpt_track(mp_msgget_attr(IPC_PRIVATE, NULL, IPC_CREAT | mode, a));
}

/* A queue mailbox owned by the caller with @capacity messages. */
static inline int mpt_new_cap(uint64_t capacity, int mode)
{
	struct mp_attr a = { .flags = MP_ATTR_CAPACITY, .capacity = capacity };

	return mpt_new_attr(&a, mode);
}

static inline int mpt_send(int id, long type, const char *text, int flg)
{
	struct mpt_msg m = { .mtype = type };
	size_t n = strlen(text);

	memcpy(m.mtext, text, n);
	return mp_msgsnd(id, &m, n, flg);
}

static inline int mpt_send_ext(int id, long type, const char *text, int flg,
			       uint64_t flags, unsigned int prio, uint64_t tmo)
{
	struct mp_sendopt o = { .flags = flags, .priority = prio, .timeout_ns = tmo };
	struct mpt_msg m = { .mtype = type };
	size_t n = strlen(text);

	memcpy(m.mtext, text, n);
	return mp_msgsnd_ext(id, &m, n, flg, &o);
}

/* Receive into @m, NUL-terminating the body; the length or -1. */
static inline ssize_t mpt_recv(int id, struct mpt_msg *m, long type, int flg)
{
	ssize_t n;

	memset(m, 0, sizeof(*m));
	n = mp_msgrcv(id, m, sizeof(m->mtext) - 1, type, flg);
	if (n >= 0)
		m->mtext[n] = 0;
	return n;
}

static inline ssize_t mpt_recv_ext(int id, struct mpt_msg *m, long type, int flg,
				   const struct mp_recvopt *o, struct mp_msghdr *h)
{
	ssize_t n;

	memset(m, 0, sizeof(*m));
	n = mp_msgrcv_ext(id, m, sizeof(m->mtext) - 1, type, flg, o, h);
	if (n >= 0)
		m->mtext[n] = 0;
	return n;
}

/* msg_qnum of @id, or -1. */
static inline long mpt_qnum(int id)
{
	struct mp_mbox_info in;

	if (mp_mbox_info(id, &in))
		return -1;
	return (long)in.qnum;
}

/*
 * Wait (bounded, polling) until at least @rcv receivers and @snd senders
 * are asleep on @id: 0, or -1 (gone, or not in MPT_WAIT_MS).
 */
static inline int mpt_wait_waiters(int id, unsigned int rcv, unsigned int snd)
{
	int64_t end = mpt_ns(CLOCK_MONOTONIC) + MPT_WAIT_MS * 1000000LL;
	struct mp_mbox_info in;

	for (;;) {
		if (mp_mbox_info(id, &in))
			return -1;
		if (in.waiting_receivers >= rcv && in.waiting_senders >= snd)
			return 0;
		if (mpt_ns(CLOCK_MONOTONIC) > end)
			return -1;
		mpt_msleep(2);
	}
}

/* Wait (bounded) until @id has at least @n subscribers. */
static inline int mpt_wait_subscribers(int id, unsigned int n)
{
	int64_t end = mpt_ns(CLOCK_MONOTONIC) + MPT_WAIT_MS * 1000000LL;
	struct mp_mbox_info in;

	for (;;) {
		if (mp_mbox_info(id, &in))
			return -1;
		if (in.subscribers >= n)
			return 0;
		if (mpt_ns(CLOCK_MONOTONIC) > end)
			return -1;
		mpt_msleep(2);
	}
}

/* --- processes -------------------------------------------------------- */

/* Become nobody/nogroup, without supplementary groups or capabilities. */
static inline int mpt_drop_privs(void)
{
	if (setgroups(0, NULL))
		return -1;
	if (setresgid(MPT_NOBODY, MPT_NOBODY, MPT_NOBODY))
		return -1;
	if (setresuid(MPT_NOBODY, MPT_NOBODY, MPT_NOBODY))
		return -1;
	return 0;
}

/* Exit code of a child that expected the call to fail with @want. */
static inline int mpt_errno_code(long ret)
{
	return ret == -1 ? errno : MPT_BAD;
}

/*
 * Evaluate @code in a child (as nobody for MPT_AS_NOBODY) and give its
 * value, as the child's exit status: e.g. mpt_errno_code(call).
 */
#define MPT_IN_CHILD(code) ({						\
	pid_t __p = mpt_fork();						\
	if (__p == 0)							\
		_exit(code);						\
	__p < 0 ? -1 : mpt_wait(__p);					\
})

#define MPT_AS_NOBODY(code) ({						\
	pid_t __p = mpt_fork();						\
	if (__p == 0) {							\
		if (mpt_drop_privs())					\
			_exit(MPT_NOPRIV);				\
		_exit(code);						\
	}								\
	__p < 0 ? -1 : mpt_wait(__p);					\
})

/* 0 when @ret is @want, else the errno (ret -1) or MPT_BAD. */
static inline int mpt_code_eq(long ret, long want)
{
	if (ret == want)
		return 0;
	return ret == -1 ? errno : MPT_BAD;
}

static void mpt_nop_handler(int sig)
{
}

/* Install a do-nothing handler for @sig, with or without SA_RESTART. */
static inline int mpt_catch(int sig, int restart)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = mpt_nop_handler;
	sa.sa_flags = restart ? SA_RESTART : 0;
	sigemptyset(&sa.sa_mask);
	return sigaction(sig, &sa, NULL);
}

/* One-byte handshakes over pipes; reads are bounded by MPT_WAIT_MS. */
static inline int mpt_put(int fd, char c) { return mp_pipe_put(fd, c); }
static inline int mpt_get(int fd) { return mp_pipe_get(fd, MPT_WAIT_MS); }
static inline int mpt_put_int(int fd, int v) { return mp_pipe_put_int(fd, v); }
static inline int mpt_get_int(int fd, int *v) { return mp_pipe_get_int(fd, v, MPT_WAIT_MS); }
static inline int mpt_ready_now(int fd) { return mp_pipe_ready_now(fd); }

/* poll() @fd once without waiting; the revents, or -1. */
static inline int mpt_revents(int fd, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN | POLLOUT };
	int r = poll(&p, 1, timeout_ms);

	if (r < 0)
		return -1;
	return r ? p.revents : 0;
}

/* An address with nothing mapped at it. */
static inline void *mpt_unmapped(void)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	munmap(p, 4096);
	return p;
}

static inline long long mpt_param(const char *name, long long dflt)
{
	long long v = mp_test_param(name);

	return v < 0 ? dflt : v;
}

#endif /* MP_MBOX_H */

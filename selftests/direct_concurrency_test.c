// SPDX-License-Identifier: GPL-2.0
/*
 * Direct communication under load, on several CPUs: many senders into
 * one inbox over small bounded links while the receiver alternates
 * Receive(ANY) and Receive(P), and many callers on call/reply servers.
 * Every message must arrive exactly once, intact, and in order on its
 * link; every reply must reach its own caller.
 */
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>

#include "mp_test.h"

/* --- helpers of the tests below --------------------------------------- */

/*
 * The tests below run under a fixture whose teardown, dt_cleanup(), kills
 * and reaps every child a test forked, removes the mailboxes it made and
 * restores module parameters it changed, also when an assertion fails,
 * so that the module can always be unloaded after the run.
 *
 * Children never use ASSERT/EXPECT: they report through their exit
 * status, the errno they got (0: all went as expected) or DT_BAD and up
 * for "the call did something unexpected".
 */
#define DT_NOBODY	65534
#define DT_WAIT_MS	20000	/* bound of every wait for another process */
#define DT_BAD		200
#define DT_BAD2		201
#define DT_BAD3		202
#define DT_BAD4		203
#define DT_BAD5		204
#define DT_NOPRIV	210
#define DT_NOSYNC	211

struct dmsg {
	long mtype;
	char mtext[8192];
};

static pid_t dt_kids[64];
static int dt_nkids;
static int dt_ids[300];
static int dt_nids;
static char dt_param_name[64];
static long long dt_param_saved = -1;

static inline int64_t dt_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static inline void dt_msleep(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static inline pid_t dt_fork(void)
{
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid > 0 && dt_nkids < (int)ARRAY_SIZE(dt_kids))
		dt_kids[dt_nkids++] = pid;
	return pid;
}

/*
 * Reap @pid within @ms: its exit status, 128 + signal when killed, -1
 * when it cannot be waited for, -2 when it did not end in time (it is
 * killed then).
 */
static inline int dt_reap_ms(pid_t pid, int ms)
{
	int64_t end = dt_ns(CLOCK_MONOTONIC) + ms * 1000000LL;
	int st = 0, timed_out = 0, i;
	pid_t r;

	for (;;) {
		r = waitpid(pid, &st, WNOHANG);
		if (r == pid || (r < 0 && errno != EINTR))
			break;
		if (dt_ns(CLOCK_MONOTONIC) > end) {
			kill(pid, SIGKILL);
			r = waitpid(pid, &st, 0);
			timed_out = 1;
			break;
		}
		dt_msleep(1);
	}
	for (i = 0; i < dt_nkids; i++)
		if (dt_kids[i] == pid)
			dt_kids[i] = 0;
	if (timed_out)
		return -2;
	if (r != pid)
		return -1;
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	return WIFSIGNALED(st) ? 128 + WTERMSIG(st) : -1;
}

static inline int dt_reap(pid_t pid)
{
	return dt_reap_ms(pid, DT_WAIT_MS);
}

/* Kill @pid and reap it; true when it was still running (not exited). */
static inline int dt_kill(pid_t pid)
{
	kill(pid, SIGKILL);
	return dt_reap(pid) == 128 + SIGKILL;
}

/* Is @pid still running (not ended, whether reaped or not)? */
static inline int dt_running(pid_t pid)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	if (waitid(P_PID, pid, &si, WEXITED | WNOHANG | WNOWAIT))
		return 0;
	return si.si_pid == 0;
}

static inline int dt_track(int id)
{
	if (id >= 0 && dt_nids < (int)ARRAY_SIZE(dt_ids))
		dt_ids[dt_nids++] = id;
	return id;
}

static inline int dt_param_write(const char *name, long long v)
{
	char path[256];
	FILE *f;
	int ret;

	snprintf(path, sizeof(path), "/sys/module/msgpass/parameters/%s", name);
	f = fopen(path, "w");
	if (!f)
		return -1;
	ret = fprintf(f, "%lld\n", v) > 0 ? 0 : -1;
	if (fclose(f))
		ret = -1;
	return ret;
}

/* Set a module parameter for this test; the teardown restores it. */
static inline int dt_param_set(const char *name, long long v)
{
	long long old = mp_test_param(name);

	if (old < 0)
		return -1;
	if (dt_param_saved < 0) {
		snprintf(dt_param_name, sizeof(dt_param_name), "%s", name);
		dt_param_saved = old;
	}
	return dt_param_write(name, v);
}

static inline void dt_cleanup(void)
{
	int i;

	for (i = 0; i < dt_nkids; i++) {
		if (dt_kids[i] > 0) {
			kill(dt_kids[i], SIGKILL);
			waitpid(dt_kids[i], NULL, 0);
		}
	}
	dt_nkids = 0;
	for (i = 0; i < dt_nids; i++)
		mp_msgctl(dt_ids[i], IPC_RMID, NULL);
	dt_nids = 0;
	if (dt_param_saved >= 0)
		dt_param_write(dt_param_name, dt_param_saved);
	dt_param_saved = -1;
}

/* One-byte handshakes over pipes; a read waits at most DT_WAIT_MS. */
static inline int dt_put(int fd, char c)
{
	return write(fd, &c, 1) == 1 ? 0 : -1;
}

static inline int dt_get(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	unsigned char c;

	if (poll(&p, 1, DT_WAIT_MS) != 1)
		return -1;
	if (read(fd, &c, 1) != 1)
		return -1;
	return c;
}

static inline int dt_put_int(int fd, int v)
{
	return write(fd, &v, sizeof(v)) == sizeof(v) ? 0 : -1;
}

static inline int dt_get_int(int fd, int *v)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	if (poll(&p, 1, DT_WAIT_MS) != 1)
		return -1;
	return read(fd, v, sizeof(*v)) == sizeof(*v) ? 0 : -1;
}

/* Is a byte waiting in @fd right now? */
static inline int dt_ready_now(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 0) == 1;
}

/* Become nobody/nogroup, without supplementary groups or capabilities. */
static inline int dt_drop_privs(void)
{
	if (setgroups(0, NULL))
		return -1;
	if (setresgid(DT_NOBODY, DT_NOBODY, DT_NOBODY))
		return -1;
	return setresuid(DT_NOBODY, DT_NOBODY, DT_NOBODY);
}

/* A child's exit code for a call expected to fail: the errno, or DT_BAD. */
static inline int dt_errno_code(long ret)
{
	return ret == -1 ? errno : DT_BAD;
}

/*
 * Wait until @pid sleeps inside system call @nr (/proc/PID/syscall names
 * the system call of a blocked task, and says "running" otherwise): 0, or
 * -1 when it did not within DT_WAIT_MS. A child signals on a pipe right
 * before the call that should block, so the call seen is that one.
 */
static inline int dt_wait_syscall(pid_t pid, long nr)
{
	int64_t end = dt_ns(CLOCK_MONOTONIC) + DT_WAIT_MS * 1000000LL;
	char path[64], buf[256], want[16];
	int fd, n;

	snprintf(path, sizeof(path), "/proc/%d/syscall", (int)pid);
	snprintf(want, sizeof(want), "%ld ", nr);
	for (;;) {
		fd = open(path, O_RDONLY);
		if (fd < 0)
			return -1;
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n > 0) {
			buf[n] = 0;
			if (!strncmp(buf, want, strlen(want)))
				return 0;
		}
		if (dt_ns(CLOCK_MONOTONIC) > end)
			return -1;
		dt_msleep(1);
	}
}

/* Wait until @pid sleeps in ioctl(2), i.e. in the module: 0, or -1. */
static inline int dt_wait_blocked(pid_t pid)
{
	return dt_wait_syscall(pid, SYS_ioctl);
}

/* The link @from -> @to as mp_links() lists it: 0, or -1 if there is none. */
static inline int dt_link(pid_t to, pid_t from, struct mp_link_info *out)
{
	static struct mp_link_info li[2100];
	ssize_t n, i;

	n = mp_links(to, MP_LINKS_IN, li, ARRAY_SIZE(li), NULL);
	for (i = 0; i < n; i++) {
		if (li[i].from == from) {
			if (out)
				*out = li[i];
			return 0;
		}
	}
	return -1;
}

/* Messages waiting on the link @from -> @to, or -1 without the link. */
static inline long dt_qnum(pid_t to, pid_t from)
{
	struct mp_link_info li;

	return dt_link(to, from, &li) ? -1 : (long)li.qnum;
}

/* Wait until the link @from -> @to holds @n messages: 0, or -1. */
static inline int dt_wait_qnum(pid_t to, pid_t from, long n)
{
	int64_t end = dt_ns(CLOCK_MONOTONIC) + DT_WAIT_MS * 1000000LL;

	while (dt_qnum(to, from) != n) {
		if (dt_ns(CLOCK_MONOTONIC) > end)
			return -1;
		dt_msleep(1);
	}
	return 0;
}

/*
 * A child with an endpoint that does nothing until it is killed (it
 * receives nothing): its pid, or -1.
 */
static inline pid_t dt_spawn_idle(void)
{
	int p[2], c;
	pid_t pid;

	if (pipe(p))
		return -1;
	pid = dt_fork();
	if (pid == 0) {
		close(p[0]);
		if (mp_fd() < 0)
			_exit(DT_BAD);
		dt_put(p[1], 'r');
		for (;;)
			pause();
	}
	close(p[1]);
	c = pid > 0 ? dt_get(p[0]) : -1;
	close(p[0]);
	return c == 'r' ? pid : -1;
}

/* Send @text (without its NUL) as a message of @type. */
static inline int dt_send(pid_t to, long type, const char *text, int flg)
{
	struct dmsg m = { .mtype = type };
	size_t n = strlen(text);

	memcpy(m.mtext, text, n);
	return mp_send(to, &m, n, flg);
}

static inline int dt_send_ext(pid_t to, long type, const char *text, int flg,
		       uint64_t flags, unsigned int prio, uint64_t timeout_ns)
{
	struct mp_sendopt o = { .flags = flags, .priority = prio, .timeout_ns = timeout_ns };
	struct dmsg m = { .mtype = type };
	size_t n = strlen(text);

	memcpy(m.mtext, text, n);
	return mp_send_ext(to, &m, n, flg, &o);
}

/*
 * Receive into @m (body NUL-terminated) with @hdr (may be NULL); without
 * IPC_NOWAIT it waits at most DT_WAIT_MS. The length, or -1.
 */
static inline ssize_t dt_recv(pid_t from, struct dmsg *m, long type, int flg,
		       struct mp_msghdr *hdr)
{
	struct mp_recvopt o = {
		.flags = MP_RECV_TIMEOUT,
		.timeout_ns = DT_WAIT_MS * 1000000ULL,
	};
	ssize_t n;

	memset(m, 0, sizeof(*m));
	n = mp_receive_ext(from, m, sizeof(m->mtext) - 1, type, flg, &o, hdr);
	if (n >= 0)
		m->mtext[n] = 0;
	return n;
}

FIXTURE(conc) {
	struct mp_version v;
};

FIXTURE_SETUP(conc)
{
	ASSERT_EQ(0, mp_version(&self->v)) TH_LOG("mp_version: %s", strerror(errno));
	ASSERT_TRUE(self->v.features & MP_FEAT_DIRECT);
	ASSERT_TRUE(self->v.features & MP_FEAT_CALL);
}

FIXTURE_TEARDOWN(conc)
{
	dt_cleanup();
}

/* --- bodies that check themselves --------------------------------------- */

struct cc_head {
	int idx;	/* which sender */
	int n;		/* its message number, from 0 */
	int len;	/* body length, this head included */
	unsigned int prio;
};

static uint32_t cc_mix(uint32_t x)
{
	x ^= x >> 16;
	x *= 0x7feb352d;
	x ^= x >> 15;
	x *= 0x846ca68b;
	return x ^ (x >> 16);
}

/* Message @n of sender @idx: its length and its bytes. */
static int cc_len(int idx, int n)
{
	return sizeof(struct cc_head) + cc_mix(idx * 100003 + n) % 240;
}

static void cc_fill(char *body, int idx, int n, unsigned int prio)
{
	struct cc_head h = { idx, n, cc_len(idx, n), prio };
	uint32_t x = cc_mix(idx << 20 | n);

	memcpy(body, &h, sizeof(h));
	for (int i = sizeof(h); i < h.len; i++) {
		x = x * 1103515245 + 12345;
		body[i] = (char)(x >> 16);
	}
}

/* 0 when @body, of @len bytes, is exactly message @n of sender @idx. */
static int cc_check(const char *body, ssize_t len, int idx, int n, unsigned int prio)
{
	char want[512];

	if (len != cc_len(idx, n))
		return -1;
	cc_fill(want, idx, n, prio);
	return memcmp(body, want, len) ? -1 : 0;
}

/* A running checksum of bodies, as both ends compute it. */
static uint64_t cc_sum(uint64_t sum, const char *body, ssize_t len)
{
	for (ssize_t i = 0; i < len; i++)
		sum = (sum ^ (unsigned char)body[i]) * 0x100000001b3ULL;
	return sum;
}

/* --- many senders over bounded links ---------------------------------- */

TEST_F_TIMEOUT(conc, eight_senders_over_bounded_links_exactly_once_in_order, 600)
{
	enum { SENDERS = 8, PER = 2000, CAP = 4 };
	int next[SENDERS] = { 0 }, ready[2], go[2], sums[2], got = 0, rr = 0;
	uint64_t sum[SENDERS] = { 0 };
	pid_t pids[SENDERS];
	struct mp_msghdr h;
	struct dmsg m;

	ASSERT_LE(0, mp_fd());
	ASSERT_EQ(0, pipe(ready));
	ASSERT_EQ(0, pipe(go));
	ASSERT_EQ(0, pipe(sums));
	for (int i = 0; i < SENDERS; i++) {
		pids[i] = dt_fork();
		ASSERT_LE(0, pids[i]);
		if (pids[i] == 0) {
			struct dmsg s = { .mtype = 1 };
			uint64_t cs = 0, rec[2];

			close(go[1]);
			if (mp_link_create(getppid(), MP_ATTR_CAPACITY, CAP, 0))
				_exit(DT_NOSYNC);
			dt_put(ready[1], 'r');
			if (dt_get(go[0]) != -1)	/* EOF: everyone starts */
				_exit(DT_NOSYNC);
			for (int n = 0; n < PER; n++) {
				cc_fill(s.mtext, i, n, 0);
				s.mtype = 1 + n % 7;
				cs = cc_sum(cs, s.mtext, cc_len(i, n));
				if (mp_send(getppid(), &s, cc_len(i, n), 0))
					_exit(errno);
			}
			rec[0] = i;
			rec[1] = cs;
			if (write(sums[1], rec, sizeof(rec)) != sizeof(rec))
				_exit(DT_NOSYNC);
			_exit(0);
		}
	}
	/* All links exist, empty, before the first message. */
	for (int i = 0; i < SENDERS; i++) {
		ASSERT_EQ('r', dt_get(ready[0]));
	}
	for (int i = 0; i < SENDERS; i++) {
		struct mp_link_info li;

		ASSERT_EQ(0, dt_link(getpid(), pids[i], &li));
		ASSERT_EQ(CAP, li.capacity);
		ASSERT_EQ(0, li.qnum);
	}
	close(go[1]);
	close(go[0]);
	while (got < SENDERS * PER) {
		struct cc_head ch;
		pid_t from = MP_ANY;
		ssize_t n;

		if (got % 2) {
			while (next[rr % SENDERS] >= PER)
				rr++;
			from = pids[rr++ % SENDERS];
		}
		n = dt_recv(from, &m, 0, 0, &h);
		ASSERT_LE((ssize_t)sizeof(ch), n) TH_LOG("message %d: %s", got, strerror(errno));
		memcpy(&ch, m.mtext, sizeof(ch));
		ASSERT_LE(0, ch.idx);
		ASSERT_GT(SENDERS, ch.idx);
		if (from != MP_ANY) {
			ASSERT_EQ(from, pids[ch.idx]);
		}
		ASSERT_EQ(pids[ch.idx], h.sender_pid);
		ASSERT_EQ(next[ch.idx], ch.n) TH_LOG("sender %d: lost, duplicated or reordered", ch.idx);
		ASSERT_EQ((uint64_t)ch.n + 1, h.seq);
		ASSERT_EQ(1 + ch.n % 7, m.mtype);
		ASSERT_EQ(0, cc_check(m.mtext, n, ch.idx, ch.n, 0)) TH_LOG("body of %d/%d", ch.idx, ch.n);
		sum[ch.idx] = cc_sum(sum[ch.idx], m.mtext, n);
		next[ch.idx]++;
		got++;
		if (got % 500 == 0) {
			struct mp_link_info li;

			ASSERT_EQ(0, dt_link(getpid(), pids[ch.idx], &li));
			ASSERT_GE(CAP, li.qnum);
		}
	}
	for (int i = 0; i < SENDERS; i++) {
		uint64_t rec[2];
		struct pollfd p = { .fd = sums[0], .events = POLLIN };
		struct mp_link_info li;

		ASSERT_EQ(1, poll(&p, 1, DT_WAIT_MS));
		ASSERT_EQ(16, read(sums[0], rec, 16));
		ASSERT_GT(SENDERS, rec[0]);
		EXPECT_EQ(rec[1], sum[rec[0]]) TH_LOG("checksum of sender %d", (int)rec[0]);
		EXPECT_EQ(0, dt_reap(pids[i]));
		ASSERT_EQ(0, dt_link(getpid(), pids[i], &li));
		EXPECT_EQ(PER, li.sent);
		EXPECT_EQ(PER, li.received);
		EXPECT_EQ(0, li.qnum);
		EXPECT_EQ(CAP, li.capacity);
	}
	EXPECT_EQ(-1, dt_recv(MP_ANY, &m, 0, IPC_NOWAIT, NULL));
	EXPECT_EQ(ENOMSG, errno);
}

TEST_F_TIMEOUT(conc, senders_with_mixed_priorities_deliver_exactly_once, 600)
{
	enum { SENDERS = 4, PER = 1000 };
	static unsigned char seen[SENDERS][PER];
	int last[SENDERS][4], go[2], got = 0;
	pid_t pids[SENDERS];
	struct mp_msghdr h;
	struct dmsg m;

	memset(seen, 0, sizeof(seen));
	memset(last, -1, sizeof(last));
	ASSERT_LE(0, mp_fd());
	ASSERT_EQ(0, pipe(go));
	for (int i = 0; i < SENDERS; i++) {
		pids[i] = dt_fork();
		ASSERT_LE(0, pids[i]);
		if (pids[i] == 0) {
			struct dmsg s = { .mtype = 1 };

			close(go[1]);
			if (mp_link_create(getppid(), MP_ATTR_CAPACITY, 8, 0))
				_exit(DT_NOSYNC);
			if (dt_get(go[0]) != -1)
				_exit(DT_NOSYNC);
			for (int n = 0; n < PER; n++) {
				struct mp_sendopt o = { .priority = cc_mix(i * 7919 + n) % 4 };

				cc_fill(s.mtext, i, n, o.priority);
				if (mp_send_ext(getppid(), &s, cc_len(i, n), 0, &o))
					_exit(errno);
			}
			_exit(0);
		}
	}
	close(go[1]);
	close(go[0]);
	while (got < SENDERS * PER) {
		struct cc_head ch;
		ssize_t n = dt_recv(MP_ANY, &m, 0, 0, &h);

		ASSERT_LE((ssize_t)sizeof(ch), n) TH_LOG("message %d: %s", got, strerror(errno));
		memcpy(&ch, m.mtext, sizeof(ch));
		ASSERT_LE(0, ch.idx);
		ASSERT_GT(SENDERS, ch.idx);
		ASSERT_LE(0, ch.n);
		ASSERT_GT(PER, ch.n);
		ASSERT_EQ(pids[ch.idx], h.sender_pid);
		ASSERT_EQ(ch.prio, h.priority);
		ASSERT_EQ(0, cc_check(m.mtext, n, ch.idx, ch.n, ch.prio));
		ASSERT_EQ(0, seen[ch.idx][ch.n]++) TH_LOG("%d/%d twice", ch.idx, ch.n);
		/* Within one link and one priority, send order holds. */
		ASSERT_LT(last[ch.idx][ch.prio], ch.n);
		last[ch.idx][ch.prio] = ch.n;
		got++;
	}
	for (int i = 0; i < SENDERS; i++) {
		EXPECT_EQ(0, dt_reap(pids[i]));
	}
	EXPECT_EQ(-1, dt_recv(MP_ANY, &m, 0, IPC_NOWAIT, NULL));
	EXPECT_EQ(ENOMSG, errno);
}

/* --- many callers ------------------------------------------------------- */

struct cc_req {
	int idx;
	int k;
	uint32_t magic;
	int replylen;
};

static uint32_t cc_magic(int idx, int k)
{
	return cc_mix(idx * 65537 + k) | 1;
}

/* A caller child: @rounds calls to @to (a pid, or mailbox with @mbox). */
static void cc_caller(int idx, int rounds, int to, int mbox)
{
	for (int k = 0; k < rounds; k++) {
		struct cc_req rq = { idx, k, cc_magic(idx, k), 16 + (int)(cc_mix(idx + k) % 200) };
		struct dmsg s = { .mtype = 1 + idx }, r;
		ssize_t n;

		memcpy(s.mtext, &rq, sizeof(rq));
		if (mbox)
			n = mp_call_mbox(to, &s, sizeof(rq), &r, sizeof(r.mtext), NULL, NULL);
		else
			n = mp_call(to, &s, sizeof(rq), &r, sizeof(r.mtext), NULL, NULL);
		if (n < 0)
			_exit(errno);
		if (n != rq.replylen || r.mtype != 1000 + idx)
			_exit(DT_BAD);
		if (memcmp(r.mtext, &rq, sizeof(rq)))
			_exit(DT_BAD2);
		for (int b = sizeof(rq); b < n; b++)
			if (r.mtext[b] != (char)(rq.magic + b))
				_exit(DT_BAD3);
	}
	_exit(0);
}

/* The reply to @q: the request echoed, then bytes derived from it. */
static size_t cc_answer(const struct dmsg *q, struct dmsg *r)
{
	struct cc_req rq;

	memcpy(&rq, q->mtext, sizeof(rq));
	r->mtype = 1000 + rq.idx;
	memcpy(r->mtext, &rq, sizeof(rq));
	for (int b = sizeof(rq); b < rq.replylen; b++)
		r->mtext[b] = (char)(rq.magic + b);
	return rq.replylen;
}

TEST_F_TIMEOUT(conc, sixteen_callers_on_one_server_each_get_their_own_replies, 600)
{
	enum { CALLERS = 16, ROUNDS = 200 };
	int next[CALLERS] = { 0 };
	struct dmsg q, r;
	pid_t pids[CALLERS];
	struct mp_msghdr h;
	uint64_t id = 0;
	size_t rlen = 0;

	ASSERT_LE(0, mp_fd());
	for (int i = 0; i < CALLERS; i++) {
		pids[i] = dt_fork();
		ASSERT_LE(0, pids[i]);
		if (pids[i] == 0)
			cc_caller(i, ROUNDS, getppid(), 0);
	}
	for (int done = 0; done < CALLERS * ROUNDS; done++) {
		struct mp_recvopt o = { .flags = MP_RECV_TIMEOUT, .timeout_ns = DT_WAIT_MS * 1000000ULL };
		struct mp_reply_args ra = {
			.call_id = id,
			.flags = MP_REPLY_RECV_INBOX,
			.msgp = (uintptr_t)&r,
			.msgsz = rlen,
		};
		struct cc_req rq;
		ssize_t n;

		/* mp_reply_receive(), with a timeout on its receive. */
		ra.rcv.id = MP_ANY;
		ra.rcv.msgp = (uintptr_t)&q;
		ra.rcv.msgsz = sizeof(q.mtext);
		ra.rcv.flags = o.flags;
		ra.rcv.timeout_ns = o.timeout_ns;
		ra.rcv.hdr = (uintptr_t)&h;
		ra.rcv.hdr_size = sizeof(h);
		n = ioctl(mp_fd(), MP_IOC_REPLY, &ra);
		ASSERT_EQ((ssize_t)sizeof(rq), n) TH_LOG("call %d: %s", done, strerror(errno));
		ASSERT_TRUE(h.flags & MP_MSG_CALL);
		memcpy(&rq, q.mtext, sizeof(rq));
		ASSERT_LE(0, rq.idx);
		ASSERT_GT(CALLERS, rq.idx);
		ASSERT_EQ(pids[rq.idx], h.sender_pid);
		ASSERT_EQ(next[rq.idx], rq.k);
		ASSERT_EQ(cc_magic(rq.idx, rq.k), rq.magic);
		next[rq.idx]++;
		rlen = cc_answer(&q, &r);
		id = h.call_id;
	}
	ASSERT_EQ(0, mp_reply(id, &r, rlen));
	for (int i = 0; i < CALLERS; i++) {
		EXPECT_EQ(ROUNDS, next[i]);
		EXPECT_EQ(0, dt_reap(pids[i])) TH_LOG("caller %d", i);
	}
}

TEST_F_TIMEOUT(conc, sixteen_callers_on_two_servers_of_a_mailbox_port, 600)
{
	enum { CALLERS = 16, ROUNDS = 100, SERVERS = 2 };
	int id = dt_track(mp_msgget(IPC_PRIVATE, IPC_CREAT | 0600));
	pid_t pids[CALLERS], srv[SERVERS];
	int served[2], total = 0;

	ASSERT_LE(0, id);
	ASSERT_EQ(0, pipe(served));
	for (int s = 0; s < SERVERS; s++) {
		srv[s] = dt_fork();
		ASSERT_LE(0, srv[s]);
		if (srv[s] == 0) {
			struct dmsg q, r;
			struct mp_msghdr h;
			uint64_t cid = 0;
			size_t rlen = 0;
			int count = 0;

			for (;;) {
				ssize_t n = mp_reply_receive_mbox(cid, &r, rlen, id, &q,
								  sizeof(q.mtext), 0, 0, &h);

				if (n < 0)
					_exit(errno);
				if (!(h.flags & MP_MSG_CALL))
					break;	/* the parent's "stop" */
				rlen = cc_answer(&q, &r);
				cid = h.call_id;
				count++;
			}
			dt_put_int(served[1], count);
			_exit(0);
		}
	}
	for (int i = 0; i < CALLERS; i++) {
		pids[i] = dt_fork();
		ASSERT_LE(0, pids[i]);
		if (pids[i] == 0)
			cc_caller(i, ROUNDS, id, 1);
	}
	for (int i = 0; i < CALLERS; i++) {
		EXPECT_EQ(0, dt_reap_ms(pids[i], 300000)) TH_LOG("caller %d", i);
	}
	for (int s = 0; s < SERVERS; s++) {
		struct dmsg stop = { .mtype = 99 };

		ASSERT_EQ(0, mp_msgsnd(id, &stop, 0, 0));
	}
	for (int s = 0; s < SERVERS; s++) {
		int count = -1;

		ASSERT_EQ(0, dt_get_int(served[0], &count));
		total += count;
	}
	for (int s = 0; s < SERVERS; s++) {
		EXPECT_EQ(0, dt_reap(srv[s]));
	}
	EXPECT_EQ(CALLERS * ROUNDS, total);
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * Life-cycle races: every operation on an object raced, many times and
 * from several processes, against the teardown of that object or of its
 * owner (see "DOC: life cycles" in kmod/msgpass.h):
 *
 *   mailbox        ops vs IPC_RMID; ops vs the exit of the owner of a
 *                  process-lifetime mailbox
 *   endpoint       send, link, call, watch, set_owner vs close / exit / kill
 *   link           blocked senders vs receiver exit; receiver vs sender exit
 *   call           caller gives up (timeout) or is killed vs the reply;
 *                  server exit with calls taken, by inbox and by port
 *   watch          target exit vs watcher exit vs cancel
 *   broadcast      subscribe / receive / unsubscribe / send vs removal
 *   name           register / resolve vs the holder's exit
 *   ownership      mp_mbox_set_owner() to a process that is closing
 *   grants         grant / revoke vs the grantee's exit
 *   poll fds       mp_mbox_fd() + poll / epoll vs IPC_RMID
 *   descriptors    a pipe end in a message vs the receiver's exit and the
 *                  mailbox's removal: the file must be released
 *   link reclaim   idle links forgotten under max_links vs their senders' exit
 *
 * and, deterministically, the end of a right or a subscription for a
 * receive already asleep: unsubscribe (ENOTCONN), revoke and set_owner
 * (no message sent afterwards reaches it).
 *
 * Each call may only fail with an errno its documentation gives for that
 * situation; anything else is recorded (op, errno, round) and fails the
 * test. Nothing may hang: every wait a teardown must end is bounded
 * (LC_BOUND_NS) and its running out is a failure, every handshake is
 * bounded (LC_WAIT_MS). After all children are reaped the module's
 * counters are back where they were. Loops are bounded by round counts,
 * never by time; interleavings vary with a per-round spin, and verdicts
 * never depend on timing.
 *
 * Then pidfds: every call that names a process takes one (MP_*_PIDFD),
 * a descriptor that is no pidfd fails with EBADF, a pidfd of a process
 * that has ended with ESRCH, and a pidfd never reaches a later process
 * that got the same pid.
 *
 * Module unloading is left to module_reload_test.sh.
 *
 * Children never ASSERT: they record what went wrong in a shared board,
 * which the test reads at the end.
 */
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>

#include "mp_test.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open	434
#endif

#define LC_ROUNDS	100		/* rounds per pair, a process or more forked in each */
#define LC_ROUNDS_FAST	200		/* rounds per pair, nothing forked */
#define LC_WAIT_MS	20000		/* handshakes: beyond this, a hang */
#define LC_IDLE_MS	120000		/* a worker waiting for its next round */
#define LC_BOUND_NS	10000000000ULL	/* waits a teardown must end */
#define LC_NOTE		77		/* type of watch notes */
#define LC_NOSYNC	211		/* a child lost its handshake */
#define LC_MAXBAD	16
#define LC_WORKERS	4
#define LC_SLOT_P	LC_WORKERS	/* per-round processes: slots 4..6 */
#define LC_SLOT_PARENT	7
#define LC_SLOTS	8

struct lc_bad {
	char what[64];
	int err;
	long ret;
	int round;
	int who;
};

/* Shared by the test and all its children. */
struct lc_board {
	atomic_int nbad;
	struct lc_bad bad[LC_MAXBAD];
	atomic_long went;	/* calls that succeeded */
	atomic_long refused;	/* calls that failed with an accepted errno */
	/* Set by the test before a round or phase starts. */
	int round;
	int phase;
	int id;			/* the round's mailbox */
	int n;
	unsigned int reason;	/* the death note's reason, 0: either */
	pid_t target;		/* the round's own process */
	pid_t server;
	pid_t worker[LC_WORKERS];
	atomic_int stop;
	/* Written by the children. */
	atomic_int sent;
	atomic_int holder;
	char where[LC_SLOTS][40];
};

static struct lc_board *B;
static int lc_me = LC_SLOT_PARENT;
static pid_t lc_parent;
static int lc_go_fd = -1, lc_ready_fd = -1;	/* a child's ends */

struct lc_msg {
	long mtype;
	int round;
	int who;
	int n;
	int pid;
	char pad[16];
};

#define LC_BODY	((size_t)(sizeof(struct lc_msg) - sizeof(long)))

static const struct mp_recvopt lc_bound_r = {
	.flags = MP_RECV_TIMEOUT, .timeout_ns = LC_BOUND_NS,
};

/* --- verdicts ----------------------------------------------------------- */

static void lc_bad(const char *what, int err, long ret)
{
	int i = atomic_fetch_add(&B->nbad, 1);

	if (i >= LC_MAXBAD)
		return;
	snprintf(B->bad[i].what, sizeof(B->bad[i].what), "%s", what);
	B->bad[i].err = err;
	B->bad[i].ret = ret;
	B->bad[i].round = B->round;
	B->bad[i].who = lc_me;
}

/* @ret of a call: fine if it went, or failed with one of @ok (0-ended). */
static long lc_chk(const char *op, long ret, const int *ok)
{
	int e = errno;

	if (ret >= 0) {
		atomic_fetch_add(&B->went, 1);
		return ret;
	}
	for (; *ok; ok++) {
		if (*ok == e) {
			atomic_fetch_add(&B->refused, 1);
			errno = e;
			return ret;
		}
	}
	lc_bad(op, e, ret);
	errno = e;
	return ret;
}

#define LC(op, ret, ...)	lc_chk(op, (long)(ret), (const int[]){ __VA_ARGS__, 0 })
#define LC0(op, ret)		LC(op, ret, 0)

/* What a child is doing now, for the report of a hang. */
static void lc_at(const char *s)
{
	snprintf(B->where[lc_me], sizeof(B->where[0]), "%s", s);
}

static int64_t lc_now(void);
static int64_t lc_t0;
static int lc_judged;

static void lc_verdict(struct __test_metadata *_metadata)
{
	int n = atomic_load(&B->nbad);

	lc_judged = 1;
	for (int i = 0; i < n && i < LC_MAXBAD; i++)
		TH_LOG("round %d, %s %d: %s: errno %d (%s), ret %ld",
		       B->bad[i].round, B->bad[i].who == LC_SLOT_PARENT ? "test" :
		       B->bad[i].who >= LC_SLOT_P ? "process" : "worker",
		       B->bad[i].who, B->bad[i].what, B->bad[i].err,
		       strerror(B->bad[i].err), B->bad[i].ret);
	EXPECT_EQ(0, n);
	TH_LOG("%ld calls went, %ld failed as documented, in %.1f s",
	       atomic_load(&B->went), atomic_load(&B->refused),
	       (lc_now() - lc_t0) / 1e9);
}

/* --- time, jitter ----------------------------------------------------- */

static int64_t lc_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void lc_msleep(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* Busy for a while, to shift one side of a race against the other. */
static void lc_spin(unsigned int n)
{
	for (volatile unsigned int i = 0; i < n; i++)
		;
}

static unsigned int lc_jitter(int r, unsigned int salt)
{
	uint32_t x = (uint32_t)r * 2654435761u ^ salt * 40503u;

	x ^= x >> 15;
	return x % 20000;
}

/* --- counters ------------------------------------------------------------ */

static int lc_counters(struct mp_counters_info *c)
{
	memset(c, 0, sizeof(*c));
	return ioctl(mp_fd(), MP_IOC_COUNTERS, c) < 0 ? -1 : 0;
}

static int lc_counters_same(const struct mp_counters_info *a,
			    const struct mp_counters_info *b)
{
	return a->endpoints == b->endpoints && a->mailboxes == b->mailboxes &&
	       a->messages == b->messages && a->bytes == b->bytes &&
	       a->files == b->files && a->links == b->links;
}

/* Every child is reaped: the counters come back (a bounded wait). */
static void lc_counters_back(struct __test_metadata *_metadata,
			     const struct mp_counters_info *base)
{
	int64_t end = lc_now() + 5000000000LL;
	struct mp_counters_info c;

	for (;;) {
		ASSERT_EQ(0, lc_counters(&c));
		if (lc_counters_same(&c, base) || lc_now() > end)
			break;
		lc_msleep(10);
	}
	EXPECT_EQ(base->endpoints, c.endpoints) TH_LOG("endpoints leaked");
	EXPECT_EQ(base->mailboxes, c.mailboxes) TH_LOG("mailboxes leaked");
	EXPECT_EQ(base->messages, c.messages) TH_LOG("messages leaked");
	EXPECT_EQ(base->bytes, c.bytes) TH_LOG("bytes leaked");
	EXPECT_EQ(base->files, c.files) TH_LOG("files leaked");
	EXPECT_EQ(base->links, c.links) TH_LOG("links leaked");
}

/* --- processes ----------------------------------------------------------- */

struct lc_proc {
	pid_t pid;
	int go;		/* the test's end of the child's "go" pipe */
	int ready;	/* the test's end of its "ready" pipe */
};

static pid_t lc_kids[64];
static int lc_ids[1024];
static int lc_nids;

static void lc_kid_add(pid_t pid)
{
	for (int i = 0; i < (int)ARRAY_SIZE(lc_kids); i++) {
		if (!lc_kids[i]) {
			lc_kids[i] = pid;
			return;
		}
	}
}

static int lc_track(int id)
{
	if (id >= 0 && lc_nids < (int)ARRAY_SIZE(lc_ids))
		lc_ids[lc_nids++] = id;
	return id;
}

/*
 * Reap @pid within @ms: its exit status, 128 + signal when killed, -2
 * when it did not end in time (it is killed then, and reaped if it can
 * be).
 */
static int lc_reap(pid_t pid, int ms)
{
	int64_t end = lc_now() + (int64_t)ms * 1000000;
	int st = 0, late = 0;
	pid_t r;

	for (;;) {
		r = waitpid(pid, &st, WNOHANG);
		if (r == pid || (r < 0 && errno != EINTR))
			break;
		if (lc_now() > end) {
			late = 1;
			kill(pid, SIGKILL);
			for (int i = 0; i < 1000 && waitpid(pid, &st, WNOHANG) != pid; i++)
				lc_msleep(5);
			break;
		}
		lc_msleep(1);
	}
	for (int i = 0; i < (int)ARRAY_SIZE(lc_kids); i++) {
		if (lc_kids[i] == pid)
			lc_kids[i] = 0;
	}
	if (late)
		return -2;
	if (r != pid)
		return -1;
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	return WIFSIGNALED(st) ? 128 + WTERMSIG(st) : -1;
}

/* A child running @fn(@arg) in slot @slot, with its two pipes. */
/* A child running @fn(@arg) as @slot; at pid @want if not 0. */
static pid_t lc_spawn_at(struct lc_proc *p, int slot, int (*fn)(int), int arg, pid_t want)
{
	int go[2], rd[2];
	pid_t pid;

	if (pipe(go))
		return -1;
	if (pipe(rd)) {
		close(go[0]);
		close(go[1]);
		return -1;
	}
	fflush(stdout);
	fflush(stderr);
	pid = want ? mp_fork_at(want) : fork();
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != lc_parent)
			_exit(LC_NOSYNC);
		close(go[1]);
		close(rd[0]);
		lc_go_fd = go[0];
		lc_ready_fd = rd[1];
		lc_me = slot;
		lc_at("started");
		_exit(fn(arg));
	}
	close(go[0]);
	close(rd[1]);
	if (pid < 0) {
		close(go[1]);
		close(rd[0]);
		return -1;
	}
	p->pid = pid;
	p->go = go[1];
	p->ready = rd[0];
	lc_kid_add(pid);
	return pid;
}

static pid_t lc_spawn(struct lc_proc *p, int slot, int (*fn)(int), int arg)
{
	return lc_spawn_at(p, slot, fn, arg, 0);
}

static void lc_proc_close(struct lc_proc *p)
{
	close(p->go);
	close(p->ready);
	p->pid = 0;
}

/* A child: say it is ready, wait for "go". */
static int lc_ready_wait_go(void)
{
	if (mp_pipe_put(lc_ready_fd, 'r'))
		return -1;
	return mp_pipe_get(lc_go_fd, LC_WAIT_MS) == 'g' ? 0 : -1;
}

/* The test: reap a per-round process; it must have exited 0, or been killed. */
static void lc_finish(struct lc_proc *p, const char *what)
{
	int slot = -1, st = lc_reap(p->pid, LC_WAIT_MS);

	for (int i = LC_SLOT_P; i < LC_SLOT_PARENT; i++)
		if (!strncmp(B->where[i], what, strlen(what)))
			slot = i;
	if (st == -2) {
		char buf[64];

		snprintf(buf, sizeof(buf), "hung in %s", slot >= 0 ? B->where[slot] : what);
		lc_bad(buf, ETIMEDOUT, -2);
	}
	else if (st != 0 && st != 128 + SIGKILL)
		lc_bad(what, 0, st);
	lc_proc_close(p);
}

#define LC_READY(p) \
	ASSERT_EQ('r', mp_pipe_get((p)->ready, LC_WAIT_MS)) \
		TH_LOG("round %d: a process never got ready", B->round)

static void lc_start(struct lc_proc *p, char c)
{
	if (mp_pipe_put(p->go, c))
		lc_bad("start: pipe", errno, -1);
}

/* --- the team: long-lived workers, driven round by round, phase by phase -- */

static struct lc_proc lc_team[LC_WORKERS];
static int lc_nteam;
static void (*lc_work)(int idx, int r, int ph);

static int lc_worker_main(int idx)
{
	/* An endpoint from the start: others may name it from round 0. */
	if (mp_fd() < 0 || mp_pipe_put(lc_ready_fd, 'r'))
		return LC_NOSYNC;
	for (;;) {
		int c = mp_pipe_get(lc_go_fd, LC_IDLE_MS);

		if (c == 'q')
			return 0;
		if (c != 'g')
			return LC_NOSYNC;
		lc_work(idx, B->round, B->phase);
		lc_at("idle");
		if (mp_pipe_put(lc_ready_fd, 'r'))
			return LC_NOSYNC;
	}
}

#define LC_TEAM(n, fn) do {						\
	lc_work = (fn);							\
	for (int i_ = 0; i_ < (n); i_++) {				\
		ASSERT_LT(0, lc_spawn(&lc_team[i_], i_, lc_worker_main, i_)); \
		B->worker[i_] = lc_team[i_].pid;			\
		lc_nteam = i_ + 1;					\
		LC_READY(&lc_team[i_]);					\
	}								\
} while (0)

/* Start phase @ph of the round for the whole team. */
#define LC_GO(ph) do {							\
	B->phase = (ph);						\
	for (int i_ = 0; i_ < lc_nteam; i_++) {				\
		ASSERT_EQ(0, mp_pipe_put(lc_team[i_].go, 'g'));		\
	}								\
} while (0)

/* Wait until the whole team is done with the phase. */
#define LC_DONE() do {							\
	for (int i_ = 0; i_ < lc_nteam; i_++) {				\
		ASSERT_EQ('r', mp_pipe_get(lc_team[i_].ready, LC_WAIT_MS)) \
			TH_LOG("round %d phase %d: worker %d hangs in \"%s\"", \
			       B->round, B->phase, i_, B->where[i_]);	\
	}								\
} while (0)

#define LC_PHASE(ph) do { LC_GO(ph); LC_DONE(); } while (0)

static void lc_team_end(struct __test_metadata *_metadata)
{
	for (int i = 0; i < lc_nteam; i++)
		mp_pipe_put(lc_team[i].go, 'q');
	for (int i = 0; i < lc_nteam; i++) {
		int st = lc_reap(lc_team[i].pid, LC_WAIT_MS);

		EXPECT_EQ(0, st) TH_LOG("worker %d ended with %d", i, st);
		lc_proc_close(&lc_team[i]);
	}
	lc_nteam = 0;
}

/* The end of every test: workers gone, no bad call, nothing leaked. */
#define LC_END() do {							\
	lc_team_end(_metadata);						\
	lc_verdict(_metadata);						\
	lc_counters_back(_metadata, &self->base);			\
} while (0)

/* --- small helpers --------------------------------------------------------- */

static int lc_pidfd(pid_t pid)
{
	return syscall(SYS_pidfd_open, pid, 0);
}

static int lc_worker_index(pid_t pid)
{
	for (int i = 0; i < LC_WORKERS; i++)
		if (B->worker[i] == pid && pid > 0)
			return i;
	return -1;
}

static int lc_mbox(uint32_t lifetime, uint32_t kind, uint64_t flags,
		   uint64_t capacity, int mode)
{
	struct mp_attr a = {
		.flags = flags | MP_ATTR_CAPACITY,
		.kind = kind,
		.lifetime = lifetime,
		.capacity = capacity,
	};

	return mp_msgget_attr(IPC_PRIVATE, NULL, IPC_CREAT | mode, &a);
}

/* The mailbox must be gone. */
static void lc_gone(int id)
{
	struct msqid_ds ds;

	if (LC("gone: IPC_STAT", mp_msgctl(id, IPC_STAT, &ds), EINVAL) >= 0)
		lc_bad("a mailbox outlived its removal or its owner", 0, id);
}

static int lc_ctl(int id, int cmd, int arg)
{
	struct mp_msgctl_args a = { .id = id, .cmd = cmd, .arg = (uint64_t)arg };

	return ioctl(mp_fd(), MP_IOC_MSGCTL, &a);
}

/* A watch on process @pid (by pidfd when @pfd >= 0), into mailbox @mbx or the inbox. */
static int lc_watch_proc(pid_t pid, int pfd, int mbx, uint64_t cookie, int cancel)
{
	struct mp_watch_args a = {
		.kind = MP_WATCH_PROCESS,
		.target = pfd >= 0 ? pfd : pid,
		.notify = mbx,
		.flags = (pfd >= 0 ? MP_WATCH_PIDFD : 0) |
			 (cancel ? MP_WATCH_CANCEL : mbx >= 0 ? MP_WATCH_TO_MAILBOX : 0),
		.type = LC_NOTE,
		.cookie = cookie,
	};

	return ioctl(mp_fd(), MP_IOC_WATCH, &a);
}

/* Take a death note from the inbox (@mbox < 0) or a mailbox; wait or not. */
static ssize_t lc_get_note(int mbox, int wait, struct mp_death_note *dn)
{
	struct {
		long mtype;
		struct mp_death_note n;
	} m;
	struct mp_msghdr h;
	ssize_t n;

	if (mbox < 0)
		n = mp_receive_ext(MP_ANY, &m, sizeof(m.n), LC_NOTE, wait ? 0 : IPC_NOWAIT,
				   wait ? &lc_bound_r : NULL, &h);
	else
		n = mp_msgrcv_ext(mbox, &m, sizeof(m.n), LC_NOTE, wait ? 0 : IPC_NOWAIT,
				  wait ? &lc_bound_r : NULL, &h);
	if (n >= 0) {
		if (n != sizeof(m.n) || !(h.flags & MP_MSG_KERNEL) || h.sender_pid ||
		    h.sender_uid != MP_UID_KERNEL)
			lc_bad("note: not a kernel note", 0, n);
		*dn = m.n;
	}
	return n;
}

static int lc_note_ok(const struct mp_death_note *dn, uint32_t kind, int target,
		      unsigned int reason, uint64_t cookie)
{
	if (dn->kind != kind || dn->target != target || dn->cookie != cookie)
		return 0;
	if (reason)
		return dn->reason == reason;
	return dn->reason == MP_GONE_REMOVED || dn->reason == MP_GONE_OWNER_EXIT;
}

/* Exactly one note, of these contents, comes (in @mbox, or the inbox). */
static void lc_expect_note(int mbox, uint32_t kind, int target, unsigned int reason,
			   uint64_t cookie)
{
	struct mp_death_note dn;

	lc_at("note: waiting");
	if (LC0("note: waiting for it", lc_get_note(mbox, 1, &dn)) < 0)
		return;
	if (!lc_note_ok(&dn, kind, target, reason, cookie))
		lc_bad("note: wrong contents", dn.reason, dn.target);
	if (LC("note: a second one?", lc_get_note(mbox, 0, &dn), ENOMSG) >= 0)
		lc_bad("note: delivered twice", 0, dn.target);
}

/* Notes there now, in the inbox and @mbox (if >= 0), each checked. */
static int lc_count_notes(int mbox, uint32_t kind, int target, uint64_t cookie)
{
	struct mp_death_note dn;
	int n = 0;

	for (int pass = 0; pass < 2; pass++) {
		int where = pass ? mbox : -1;

		if (pass && mbox < 0)
			break;
		for (int i = 0; i < 4; i++) {
			if (LC("notes: count", lc_get_note(where, 0, &dn), ENOMSG) < 0)
				break;
			if (!lc_note_ok(&dn, kind, target, MP_GONE_EXIT, cookie))
				lc_bad("notes: wrong contents", dn.reason, dn.target);
			n++;
		}
	}
	return n;
}

static char lc_param_name[64];
static long long lc_param_saved = -1;

static int lc_param_write(const char *name, long long v)
{
	char path[128];
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

/* Set a module parameter for the test; the teardown puts it back. */
static int lc_param_set(const char *name, long long v)
{
	long long old = mp_test_param(name);

	if (old < 0)
		return -1;
	snprintf(lc_param_name, sizeof(lc_param_name), "%s", name);
	lc_param_saved = old;
	return lc_param_write(name, v);
}

/* An endpoint that ends when told. */
static int c_idle(int arg)
{
	if (mp_fd() < 0)
		return LC_NOSYNC;
	if (mp_pipe_put(lc_ready_fd, 'r'))
		return LC_NOSYNC;
	return mp_pipe_get(lc_go_fd, LC_WAIT_MS) == 'q' ? 0 : LC_NOSYNC;
}

/* ======================================================================= */

FIXTURE(lc) {
	struct mp_counters_info base;
};

FIXTURE_SETUP(lc)
{
	struct mp_version v;

	B = mmap(NULL, sizeof(*B), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, B);
	memset(B, 0, sizeof(*B));
	lc_parent = getpid();
	lc_t0 = lc_now();
	signal(SIGPIPE, SIG_IGN);
	ASSERT_LE(0, mp_fd()) TH_LOG("%s: %s", MSGPASS_DEVICE, strerror(errno));
	ASSERT_EQ(0, mp_version(&v));
	ASSERT_TRUE(v.features & MP_FEAT_TRUST);
	ASSERT_EQ(0, lc_counters(&self->base));
}

FIXTURE_TEARDOWN(lc)
{
	/* Cut short by an assertion: say what the children saw, too. */
	if (!lc_judged && atomic_load(&B->nbad))
		lc_verdict(_metadata);
	for (int i = 0; i < (int)ARRAY_SIZE(lc_kids); i++) {
		if (lc_kids[i] > 0) {
			kill(lc_kids[i], SIGKILL);
			waitpid(lc_kids[i], NULL, 0);
			lc_kids[i] = 0;
		}
	}
	for (int i = 0; i < lc_nids; i++)
		mp_msgctl(lc_ids[i], IPC_RMID, NULL);
	lc_nids = 0;
	if (lc_param_saved >= 0)
		lc_param_write(lc_param_name, lc_param_saved);
	lc_param_saved = -1;
}

/* --- mailboxes: ops vs IPC_RMID, ops vs the owner's exit ------------------ */

/*
 * Four workers on the round's mailbox while it goes away: a receiver
 * (that answers calls), a sender (blocking, synchronous or not waiting),
 * a controller (IPC_STAT, info, set_attr, mbox_fd, a watch) and a caller
 * using the mailbox as a port.
 */
static void w_mbox(int idx, int r, int ph)
{
	int id = B->id;
	struct lc_msg m = { .mtype = 1 + idx, .round = r, .who = idx };
	struct mp_msghdr h;

	switch (idx) {
	case 0:
		for (int i = 0; i < 8; i++) {
			lc_at("mbox: msgrcv");
			if (LC("mbox: msgrcv", mp_msgrcv_ext(id, &m, LC_BODY, 0, 0, &lc_bound_r, &h),
			       EIDRM, EINVAL) < 0)
				break;
			if (h.flags & MP_MSG_CALL) {
				m.mtype = 100;
				LC("mbox: reply", mp_reply(h.call_id, &m, LC_BODY), ENOENT);
			}
		}
		break;
	case 1: {
		struct mp_sendopt o = { .flags = MP_SEND_TIMEOUT, .timeout_ns = LC_BOUND_NS };
		int nowait = r % 5 == 4;

		if (r % 3 == 1)
			o.flags |= MP_SEND_SYNC;
		for (int i = 0; i < 8; i++) {
			long ret;

			m.n = i;
			lc_at("mbox: msgsnd");
			if (nowait)
				ret = LC("mbox: msgsnd nowait", mp_msgsnd_ext(id, &m, LC_BODY, IPC_NOWAIT, &o),
					 EIDRM, EINVAL, EAGAIN);
			else
				ret = LC("mbox: msgsnd", mp_msgsnd_ext(id, &m, LC_BODY, 0, &o),
					 EIDRM, EINVAL);
			if (ret < 0 && errno != EAGAIN)
				break;
		}
		break;
	}
	case 2: {
		int watched = LC("mbox: watch", mp_watch_mbox(id, LC_NOTE, r, -1), EINVAL) == 0;

		for (int i = 0; i < 2000; i++) {
			struct mp_attr a = { .flags = MP_ATTR_CAPACITY, .capacity = 2 + i % 2 };
			struct mp_mbox_info info;
			struct msqid_ds ds;
			long ret;

			switch (i % 4) {
			case 0:
				ret = LC("mbox: IPC_STAT", mp_msgctl(id, IPC_STAT, &ds), EINVAL);
				break;
			case 1:
				ret = LC("mbox: info", mp_mbox_info(id, &info), EINVAL);
				break;
			case 2:
				ret = LC("mbox: set_attr", mp_mbox_set_attr(id, &a), EINVAL, EIDRM);
				break;
			default:
				ret = LC("mbox: mbox_fd", mp_mbox_fd(id, O_CLOEXEC), EINVAL);
				if (ret >= 0)
					close(ret);
				break;
			}
			if (ret < 0)
				break;
		}
		if (watched)
			lc_expect_note(-1, MP_WATCH_MAILBOX, id, B->reason, r);
		break;
	}
	default: {
		struct mp_callopt o = { .flags = MP_CALL_TIMEOUT, .timeout_ns = LC_BOUND_NS };
		struct lc_msg rep;
		long ret;

		lc_at("mbox: call");
		/* B->n: the owner receives too, and may die with the call taken. */
		if (B->n)
			ret = LC("mbox: call_mbox", mp_call_mbox(id, &m, LC_BODY, &rep, LC_BODY, &o, NULL),
				 EIDRM, EINVAL, ECONNRESET);
		else
			ret = LC("mbox: call_mbox", mp_call_mbox(id, &m, LC_BODY, &rep, LC_BODY, &o, NULL),
				 EIDRM, EINVAL);
		if (ret >= 0 && (ret != (long)LC_BODY || rep.mtype != 100 || rep.who != idx ||
				 rep.round != r))
			lc_bad("mbox: the reply of another call", rep.who, ret);
		break;
	}
	}
}

TEST_F(lc, mailbox_ops_race_ipc_rmid)
{
	LC_TEAM(4, w_mbox);
	B->reason = MP_GONE_REMOVED;
	for (int r = 0; r < LC_ROUNDS_FAST; r++) {
		int id = lc_track(lc_mbox(MP_LIFETIME_SYSTEM, MP_KIND_QUEUE,
					  MP_ATTR_MODE_RECEIVE, 2, 0666));

		ASSERT_LE(0, id);
		B->round = r;
		B->id = id;
		LC_GO(1);
		lc_spin(lc_jitter(r, 1));
		LC0("rmid", mp_msgctl(id, IPC_RMID, NULL));
		LC_DONE();
		lc_gone(id);
	}
	LC_END();
}

/* The owner of a process-lifetime mailbox: exits, or is killed. */
static int p_mbox_owner(int r)
{
	int id = lc_mbox(MP_LIFETIME_PROCESS, MP_KIND_QUEUE, MP_ATTR_MODE_RECEIVE, 2, 0666);

	if (LC0("owner: msgget", id) < 0)
		return 1;
	B->id = id;
	lc_at("owner");
	if (lc_ready_wait_go())
		return LC_NOSYNC;
	if (r % 3 == 1)
		lc_spin(lc_jitter(r, 2));
	/* Killed while it receives from its own mailbox. */
	for (int i = 0; r % 3 == 2 && i < 100; i++) {
		struct lc_msg m;

		lc_at("owner: receive");
		if (LC("owner: receive", mp_msgrcv_ext(id, &m, LC_BODY, 0, 0, &lc_bound_r, NULL),
		       EIDRM, EINVAL) < 0)
			break;
	}
	return 0;
}

TEST_F(lc, mailbox_ops_race_owner_exit)
{
	struct lc_proc o;

	LC_TEAM(4, w_mbox);
	B->reason = 0;	/* the owner's exit, or IPC_RMID where it races */
	B->n = 1;
	for (int r = 0; r < LC_ROUNDS; r++) {
		int id;

		B->round = r;
		B->id = -1;
		ASSERT_LT(0, lc_spawn(&o, LC_SLOT_P, p_mbox_owner, r));
		LC_READY(&o);
		id = lc_track(B->id);
		ASSERT_LE(0, id);
		LC_GO(1);
		lc_start(&o, 'g');
		if (r % 3 == 2) {
			lc_spin(lc_jitter(r, 3));
			kill(o.pid, SIGKILL);
		}
		if (r % 4 == 3)
			LC("rmid vs owner exit", mp_msgctl(id, IPC_RMID, NULL), EINVAL, EIDRM);
		lc_finish(&o, "owner");
		LC_DONE();
		lc_gone(id);
	}
	LC_END();
}

/* --- endpoints: ops on a process vs its close, exit or death -------------- */

/* An endpoint of its own (not the library's): closes it, exits or is killed. */
static int p_endpoint(int r)
{
	int fd = open(MSGPASS_DEVICE, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return LC_NOSYNC;
	lc_at("endpoint");
	if (lc_ready_wait_go())
		return LC_NOSYNC;
	switch (r % 3) {
	case 0:
		close(fd);
		if (mp_pipe_put(lc_ready_fd, 'c'))
			return LC_NOSYNC;
		return mp_pipe_get(lc_go_fd, LC_WAIT_MS) == 'q' ? 0 : LC_NOSYNC;
	case 1:
		return 0;
	default:
		for (;;)
			pause();
	}
}

static void w_endpoint(int idx, int r, int ph)
{
	static int watched, owned, moved;
	struct lc_msg m = { .mtype = 1, .round = r, .who = idx }, rep;
	struct mp_sendopt so = { .flags = MP_SEND_TIMEOUT, .timeout_ns = LC_BOUND_NS };
	pid_t t = B->target;

	if (ph == 2) {
		struct mp_mbox_info info;

		if (idx == 1 && watched)
			lc_expect_note(-1, MP_WATCH_PROCESS, t, MP_GONE_EXIT, r);
		if (idx == 2 && moved) {
			lc_gone(owned);
		} else if (idx == 2) {
			/* Not handed over: still the worker's. */
			if (LC0("ep: info of a kept mailbox", mp_mbox_info(owned, &info)) == 0 &&
			    info.owner_pid != getpid())
				lc_bad("ep: refused set_owner changed the owner", 0, info.owner_pid);
			LC0("ep: rmid of a kept mailbox", mp_msgctl(owned, IPC_RMID, NULL));
		}
		return;
	}
	switch (idx) {
	case 0:
		if (r % 2) {
			so.flags |= MP_SEND_SYNC;
			lc_at("ep: sync send");
			LC("ep: sync send", mp_send_ext(t, &m, LC_BODY, 0, &so), ESRCH, ECONNRESET);
			break;
		}
		LC("ep: link", mp_link_create(t, MP_ATTR_CAPACITY, 1, 0), ESRCH, ECONNRESET);
		for (int i = 0; i < 4; i++) {
			lc_at("ep: send");
			if (LC("ep: send", mp_send_ext(t, &m, LC_BODY, 0, &so), ESRCH, ECONNRESET) < 0)
				break;
		}
		break;
	case 1: {
		struct mp_callopt co = { .flags = MP_CALL_TIMEOUT, .timeout_ns = LC_BOUND_NS };

		watched = LC("ep: watch", mp_watch_process(t, LC_NOTE, r, -1), ESRCH) == 0;
		lc_at("ep: call");
		if (LC("ep: call", mp_call(t, &m, LC_BODY, &rep, LC_BODY, &co, NULL),
		       ESRCH, ECONNRESET) >= 0)
			lc_bad("ep: a call nobody answers returned", 0, 0);
		break;
	}
	default: {
		struct mp_link_info li[4];

		owned = mp_msgget_attr(IPC_PRIVATE, NULL, IPC_CREAT | 0600,
				       &(struct mp_attr){ .lifetime = MP_LIFETIME_PROCESS });
		LC0("ep: msgget", owned);
		moved = LC("ep: set_owner", mp_mbox_set_owner(owned, t), ESRCH) == 0;
		LC("ep: links", mp_links(t, MP_LINKS_IN, li, 4, NULL), ESRCH);
		break;
	}
	}
}

TEST_F(lc, endpoint_ops_race_close_exit_and_kill)
{
	struct lc_proc t;

	LC_TEAM(3, w_endpoint);
	for (int r = 0; r < LC_ROUNDS; r++) {
		B->round = r;
		ASSERT_LT(0, lc_spawn(&t, LC_SLOT_P, p_endpoint, r));
		LC_READY(&t);
		B->target = t.pid;
		LC_GO(1);
		lc_start(&t, 'g');
		if (r % 3 == 0) {
			ASSERT_EQ('c', mp_pipe_get(t.ready, LC_WAIT_MS));
			lc_start(&t, 'q');
		} else if (r % 3 == 2) {
			lc_spin(lc_jitter(r, 4));
			kill(t.pid, SIGKILL);
		}
		lc_finish(&t, "endpoint");
		LC_DONE();
		LC_PHASE(2);
	}
	LC_END();
}

/* --- links: senders vs the receiver's exit -------------------------------- */

/* Receives a few messages (each link in order), then exits or is killed. */
static int p_link_receiver(int r)
{
	uint64_t last[LC_WORKERS] = { 0 };
	struct mp_msghdr h;
	struct lc_msg m;

	if (mp_fd() < 0)
		return LC_NOSYNC;
	lc_at("receiver");
	if (lc_ready_wait_go())
		return LC_NOSYNC;
	for (int i = 0; i < r % 4; i++) {
		int w;

		lc_at("receiver: receive");
		if (LC0("rx: receive", mp_receive_ext(MP_ANY, &m, LC_BODY, 0, 0, &lc_bound_r, &h)) < 0)
			break;
		w = lc_worker_index(h.sender_pid);
		if (w < 0 || m.who != w || m.round != r) {
			lc_bad("rx: a message from nowhere", 0, h.sender_pid);
			continue;
		}
		if (h.seq != last[w] + 1)
			lc_bad("rx: a link lost or reordered a message", (int)h.seq, (long)last[w]);
		last[w] = h.seq;
	}
	if (r % 3 == 2)
		for (;;)
			pause();
	return 0;
}

static void w_link_rx(int idx, int r, int ph)
{
	struct mp_sendopt o = { .flags = MP_SEND_TIMEOUT, .timeout_ns = LC_BOUND_NS };
	struct lc_msg m = { .mtype = 1, .round = r, .who = idx };
	pid_t t = B->target;

	if (idx == 0) {
		/* A bounded link (capacity 1), a rendezvous one, or the default. */
		if (r % 3 < 2)
			LC("link: create", mp_link_create(t, MP_ATTR_CAPACITY, r % 3 ? 0 : 1, 0),
			   ESRCH, ECONNRESET);
		for (int i = 0; i < 6; i++) {
			m.n = i;
			lc_at("link: send");
			if (LC("link: send", mp_send_ext(t, &m, LC_BODY, 0, &o), ESRCH, ECONNRESET) < 0)
				break;
		}
		return;
	}
	o.flags |= MP_SEND_SYNC;
	for (int i = 0; i < 6; i++) {
		m.n = i;
		if (i == 2 && r % 2) {
			struct lc_msg bm[3] = { m, m, m };
			struct mp_batch_msg b[3];
			long ret;

			memset(b, 0, sizeof(b));
			for (int k = 0; k < 3; k++) {
				b[k].msgp = (uintptr_t)&bm[k];
				b[k].msgsz = LC_BODY;
			}
			lc_at("link: sendv");
			ret = LC("link: sendv", mp_sendv(t, b, 3, 0), ESRCH, ECONNRESET);
			if (ret >= 0 && ret < 3 && b[ret].result != -ESRCH &&
			    b[ret].result != -ECONNRESET)
				lc_bad("link: sendv entry result", (int)-b[ret].result, ret);
			if (ret != 3)
				break;
			continue;
		}
		lc_at("link: sync send");
		if (LC("link: sync send", mp_send_ext(t, &m, LC_BODY, 0, &o), ESRCH, ECONNRESET) < 0)
			break;
	}
}

TEST_F(lc, link_senders_race_receiver_exit)
{
	struct lc_proc t;

	LC_TEAM(2, w_link_rx);
	for (int r = 0; r < LC_ROUNDS; r++) {
		B->round = r;
		ASSERT_LT(0, lc_spawn(&t, LC_SLOT_P, p_link_receiver, r));
		LC_READY(&t);
		B->target = t.pid;
		LC_GO(1);
		lc_start(&t, 'g');
		if (r % 3 == 2) {
			lc_spin(lc_jitter(r, 5));
			kill(t.pid, SIGKILL);
		}
		lc_finish(&t, "receiver");
		LC_DONE();
	}
	LC_END();
}

/* --- links: the receiver vs the sender's exit --------------------------------- */

/* Sends B->n messages over a link of capacity 2, then exits (or is killed). */
static int p_link_sender(int r)
{
	struct mp_sendopt o = { .flags = MP_SEND_TIMEOUT, .timeout_ns = LC_BOUND_NS };
	struct lc_msg m = { .mtype = 1, .round = r, .who = LC_SLOT_P };
	pid_t rx = B->worker[0];
	int n = B->n;

	if (r % 8 == 3)	/* killed while it waits for its message to be taken */
		o.flags |= MP_SEND_SYNC;
	if (LC0("tx: link", mp_link_create(rx, MP_ATTR_CAPACITY, 2, 0)) < 0)
		return 1;
	lc_at("sender");
	if (lc_ready_wait_go())
		return LC_NOSYNC;
	for (int i = 0; i < n; i++) {
		m.n = i;
		lc_at("sender: send");
		if (LC0("tx: send", mp_send_ext(rx, &m, LC_BODY, 0, &o)) < 0)
			return 1;
		atomic_fetch_add(&B->sent, 1);
	}
	return 0;
}

/* Receive(P) by pid, or by pidfd @pfd. */
static ssize_t lc_recv_from(pid_t p, int pfd, int wait, struct lc_msg *m, struct mp_msghdr *h)
{
	struct mp_msgrcv_args a = {
		.id = pfd >= 0 ? pfd : p,
		.msgflg = wait ? 0 : IPC_NOWAIT,
		.msgp = (uintptr_t)m,
		.msgsz = LC_BODY,
		.flags = (pfd >= 0 ? MP_RECV_PIDFD : 0) | (wait ? MP_RECV_TIMEOUT : 0),
		.timeout_ns = wait ? LC_BOUND_NS : 0,
		.hdr = (uintptr_t)h,
		.hdr_size = sizeof(*h),
	};

	return ioctl(mp_fd(), MP_IOC_RECV, &a);
}

static void w_link_tx(int idx, int r, int ph)
{
	static struct mp_link_info li[512];
	static int pfd = -1, got;
	int kill_mode = r % 4 == 3;
	pid_t s = B->target;
	struct mp_msghdr h;
	struct lc_msg m;
	ssize_t n;

	if (ph == 0) {
		/* The sender waits for "go": it can be named by a pidfd. */
		got = 0;
		pfd = r % 2 ? LC0("rx: pidfd_open", lc_pidfd(s)) : -1;
		return;
	}
	if (ph == 1) {
		if (kill_mode)
			return;
		for (int i = 0; i < B->n; i++) {
			lc_at("rx: receive from P");
			if (LC0("rx: receive from P", lc_recv_from(s, pfd, 1, &m, &h)) < 0)
				return;
			if (h.sender_pid != s || m.n != i || h.seq != (uint64_t)i + 1)
				lc_bad("rx: Receive(P) lost or reordered", m.n, (long)h.seq);
			got++;
		}
		return;
	}
	/* The sender is reaped: what it sent is all there, and then nothing. */
	for (;;) {
		if (LC("rx: drain an ended sender", lc_recv_from(s, pfd, 0, &m, &h), ENOMSG) < 0)
			break;
		if (h.sender_pid != s || m.n != got)
			lc_bad("rx: an ended sender's messages out of order", m.n, got);
		got++;
	}
	if (kill_mode ? got < B->sent || got > B->sent + 1 : got != B->n)
		lc_bad("rx: an ended sender's messages lost or duplicated", got, B->sent);
	n = mp_links(0, MP_LINKS_IN, li, ARRAY_SIZE(li), NULL);
	if (LC0("rx: links", n) >= 0) {
		int found = 0;

		for (int i = 0; i < n; i++) {
			if (li[i].from != s)
				continue;
			found = 1;
			/* (A withdrawn synchronous message counts as sent.) */
			if (!(li[i].flags & MP_LINK_SENDER_GONE) || li[i].qnum ||
			    li[i].received != (uint64_t)got || li[i].sent < (uint64_t)got ||
			    (!kill_mode && li[i].sent != (uint64_t)got))
				lc_bad("rx: the link of an ended sender", (int)li[i].flags,
				       (long)li[i].received);
		}
		if (!found)
			lc_bad("rx: the link of an ended sender is gone", 0, s);
	}
	if (pfd >= 0)
		close(pfd);
}

TEST_F(lc, link_receiver_races_sender_exit)
{
	struct lc_proc s;

	LC_TEAM(1, w_link_tx);
	for (int r = 0; r < LC_ROUNDS; r++) {
		B->round = r;
		B->n = r % 4 == 3 ? 6 : 1 + r % 5;
		B->sent = 0;
		ASSERT_LT(0, lc_spawn(&s, LC_SLOT_P, p_link_sender, r));
		LC_READY(&s);
		B->target = s.pid;
		LC_PHASE(0);
		LC_GO(1);
		lc_start(&s, 'g');
		if (r % 4 == 3) {
			lc_spin(lc_jitter(r, 6));
			kill(s.pid, SIGKILL);
		}
		lc_finish(&s, "sender");
		LC_DONE();
		LC_PHASE(2);
	}
	LC_END();
}

/* --- calls: the caller gives up or is killed vs the reply --------------------- */

/* Answers every call (after a varying delay) until told to stop. */
static int p_server(int arg)
{
	struct lc_msg q = { .mtype = 1 }, rep = { .mtype = 1 };
	struct mp_msghdr h;
	uint64_t cid = 0;

	if (mp_fd() < 0)
		return LC_NOSYNC;
	if (mp_pipe_put(lc_ready_fd, 'r'))
		return LC_NOSYNC;
	for (unsigned int k = 0;; k++) {
		struct mp_reply_args a = {
			.call_id = cid,
			.flags = MP_REPLY_RECV_INBOX,
			.msgp = (uintptr_t)&rep,
			.msgsz = LC_BODY,
		};
		long ret;

		a.rcv.id = MP_ANY;
		a.rcv.msgp = (uintptr_t)&q;
		a.rcv.msgsz = LC_BODY;
		a.rcv.flags = MP_RECV_TIMEOUT;
		a.rcv.timeout_ns = 50000000;
		a.rcv.hdr = (uintptr_t)&h;
		a.rcv.hdr_size = sizeof(h);
		lc_at("server: reply and receive");
		ret = LC("server: reply+receive", ioctl(mp_fd(), MP_IOC_REPLY, &a), ENOENT, ETIMEDOUT);
		cid = 0;
		if (ret < 0) {
			if (errno == ETIMEDOUT && B->stop)
				return 0;
			continue;
		}
		if (!(h.flags & MP_MSG_CALL)) {
			lc_bad("server: not a call", (int)h.flags, ret);
			continue;
		}
		rep = q;
		rep.mtype = 1000 + q.who;
		lc_spin(k % 5 * 3000);
		cid = h.call_id;
	}
}

static int lc_reply_is(const struct lc_msg *rep, long ret, int who, int r, int n)
{
	return ret == (long)LC_BODY && rep->mtype == 1000 + who && rep->who == who &&
	       rep->round == r && rep->n == n;
}

/* Calls whose caller is killed at any point. */
static int p_caller(int r)
{
	struct mp_callopt o = { .flags = MP_CALL_TIMEOUT, .timeout_ns = LC_BOUND_NS };
	struct lc_msg q = { .mtype = 1, .round = r, .who = LC_SLOT_P }, rep;
	long ret;

	if (mp_fd() < 0)
		return LC_NOSYNC;
	lc_at("caller");
	if (lc_ready_wait_go())
		return LC_NOSYNC;
	for (int k = 0; k < 3; k++) {
		q.n = k;
		lc_at("caller: call");
		ret = LC0("caller: call", mp_call(B->server, &q, LC_BODY, &rep, LC_BODY, &o, NULL));
		if (ret >= 0 && !lc_reply_is(&rep, ret, LC_SLOT_P, r, k))
			lc_bad("caller: the reply of another call", rep.n, ret);
	}
	return 0;
}

static void w_caller(int idx, int r, int ph)
{
	struct lc_msg q = { .mtype = 1, .round = r, .who = idx }, rep;

	for (int k = 0; k < 3; k++) {
		struct mp_callopt o = { .flags = MP_CALL_TIMEOUT, .timeout_ns = LC_BOUND_NS };
		long ret;

		q.n = k;
		memset(&rep, 0, sizeof(rep));
		lc_at("caller: call");
		if (k < 2) {
			/* Gives up after 0 to 0.7 ms: before, while or after it is answered. */
			o.timeout_ns = (uint64_t)((r * 13 + idx * 7 + k * 3) % 8) * 100000;
			ret = LC("caller: call with a timeout",
				 mp_call(B->server, &q, LC_BODY, &rep, LC_BODY, &o, NULL), ETIMEDOUT);
		} else {
			/* A late reply to an abandoned call must not land here. */
			ret = LC0("caller: call", mp_call(B->server, &q, LC_BODY, &rep, LC_BODY, &o, NULL));
		}
		if (ret >= 0 && !lc_reply_is(&rep, ret, idx, r, k))
			lc_bad("caller: the reply of another call", rep.n, ret);
	}
}

TEST_F(lc, call_caller_gives_up_or_is_killed_vs_reply)
{
	struct lc_proc v, k;

	ASSERT_LT(0, lc_spawn(&v, LC_SLOT_P, p_server, 0));
	LC_READY(&v);
	B->server = v.pid;
	LC_TEAM(2, w_caller);
	for (int r = 0; r < LC_ROUNDS; r++) {
		B->round = r;
		ASSERT_LT(0, lc_spawn(&k, LC_SLOT_P + 1, p_caller, r));
		LC_READY(&k);
		LC_GO(1);
		lc_start(&k, 'g');
		lc_spin(lc_jitter(r, 7));
		kill(k.pid, SIGKILL);
		lc_finish(&k, "caller");
		LC_DONE();
	}
	B->stop = 1;
	lc_finish(&v, "server");
	LC_END();
}

/* --- calls: the server exits with calls taken ---------------------------------- */

/* Takes r % 3 calls (inbox or a process-lifetime port), answers one or none, ends. */
static int p_server_exit(int r)
{
	struct lc_msg q, rep;
	struct mp_msghdr h;
	int port = -1;

	if (mp_fd() < 0)
		return LC_NOSYNC;
	if (r % 2) {
		port = lc_mbox(MP_LIFETIME_PROCESS, MP_KIND_QUEUE, 0, MP_UNLIMITED, 0666);
		if (LC0("server: port", port) < 0)
			return 1;
	}
	B->id = port;
	lc_at("server");
	if (lc_ready_wait_go())
		return LC_NOSYNC;
	for (int i = 0; i < r % 3; i++) {
		long ret;

		lc_at("server: take a call");
		if (port >= 0)
			ret = mp_msgrcv_ext(port, &q, LC_BODY, 0, 0, &lc_bound_r, &h);
		else
			ret = mp_receive_ext(MP_ANY, &q, LC_BODY, 0, 0, &lc_bound_r, &h);
		if (LC0("server: take a call", ret) < 0)
			break;
		if (!(h.flags & MP_MSG_CALL)) {
			lc_bad("server: not a call", (int)h.flags, ret);
			continue;
		}
		if (i == 0 && r % 4 < 2) {
			rep = q;
			rep.mtype = 1000 + q.who;
			LC0("server: reply", mp_reply(h.call_id, &rep, LC_BODY));
		}
	}
	if (r % 5 == 4)
		for (;;)
			pause();
	return 0;
}

static void w_server_exit(int idx, int r, int ph)
{
	struct mp_callopt o = { .flags = MP_CALL_TIMEOUT, .timeout_ns = LC_BOUND_NS };
	struct lc_msg q = { .mtype = 1, .round = r, .who = idx }, rep;
	int port = B->id;
	long ret;

	lc_at("caller: call");
	if (port >= 0)
		ret = LC("caller: call a port", mp_call_mbox(port, &q, LC_BODY, &rep, LC_BODY, &o, NULL),
			 ECONNRESET, EIDRM, EINVAL);
	else
		ret = LC("caller: call", mp_call(B->target, &q, LC_BODY, &rep, LC_BODY, &o, NULL),
			 ECONNRESET, ESRCH);
	if (ret >= 0 && !lc_reply_is(&rep, ret, idx, r, 0))
		lc_bad("caller: the reply of another call", rep.who, ret);
}

TEST_F(lc, call_server_exit_with_calls_taken)
{
	struct lc_proc v;

	LC_TEAM(3, w_server_exit);
	for (int r = 0; r < LC_ROUNDS; r++) {
		B->round = r;
		B->id = -1;
		ASSERT_LT(0, lc_spawn(&v, LC_SLOT_P, p_server_exit, r));
		LC_READY(&v);
		lc_track(B->id);
		B->target = v.pid;
		LC_GO(1);
		lc_start(&v, 'g');
		if (r % 5 == 4) {
			lc_spin(lc_jitter(r, 8));
			kill(v.pid, SIGKILL);
		}
		lc_finish(&v, "server");
		LC_DONE();
		if (B->id >= 0)
			lc_gone(B->id);
	}
	LC_END();
}

/* --- watches: target exit vs watcher exit vs cancel ----------------------------- */

static int p_target(int r)
{
	if (mp_fd() < 0)
		return LC_NOSYNC;
	lc_at("target");
	if (lc_ready_wait_go())
		return LC_NOSYNC;
	if (r % 4 == 3)
		for (;;)
			pause();
	return 0;
}

/* Watches the target (by pid or pidfd, into its inbox or a mailbox), then cancels, exits or waits. */
static int p_watcher(int r)
{
	int mbx = -1, pfd = -1, act = (r / 2) % 3, c = 0;
	pid_t t = B->target;

	if (mp_fd() < 0)
		return LC_NOSYNC;
	if (r % 2) {
		mbx = lc_mbox(MP_LIFETIME_PROCESS, MP_KIND_QUEUE, 0, 4, 0600);
		LC0("watcher: msgget", mbx);
	}
	if (r % 3 == 1)
		pfd = LC0("watcher: pidfd_open", lc_pidfd(t));
	if (LC0("watcher: watch", lc_watch_proc(t, pfd, mbx, r, 0)) < 0)
		return 1;
	lc_at("watcher");
	if (lc_ready_wait_go())
		return LC_NOSYNC;
	switch (act) {
	case 0:
		c = LC("watcher: cancel", lc_watch_proc(t, pfd, -1, 0, 1), ENOENT);
		lc_at("watcher: wait for the reap");
		if (mp_pipe_get(lc_go_fd, LC_WAIT_MS) != 'd')
			return LC_NOSYNC;
		/* The target is reaped: its note is there, or never will be. */
		if (lc_count_notes(mbx, MP_WATCH_PROCESS, t, r) != (c ? 1 : 0))
			lc_bad(c ? "watcher: a fired watch sent no note, or two" :
				   "watcher: a cancelled watch fired", c, 0);
		return 0;
	case 1:
		return 0;	/* the watcher ends as its target does */
	default:
		lc_expect_note(mbx, MP_WATCH_PROCESS, t, MP_GONE_EXIT, r);
		if (lc_count_notes(-1, MP_WATCH_PROCESS, t, r))
			lc_bad("watcher: a second note", 0, 0);
		return 0;
	}
}

static void w_watch(int idx, int r, int ph)
{
	static int watched, cancelled;
	pid_t t = B->target;

	if (ph == 1) {
		watched = LC("watch: watch", mp_watch_process(t, LC_NOTE, r, -1), ESRCH) == 0;
		cancelled = 0;
		if (watched && r % 2) {
			lc_spin(lc_jitter(r, 9));
			cancelled = LC("watch: cancel", mp_unwatch_process(t), ENOENT) == 0;
		}
		return;
	}
	if (lc_count_notes(-1, MP_WATCH_PROCESS, t, r) != (watched && !cancelled))
		lc_bad("watch: wrong number of notes", watched, cancelled);
}

TEST_F(lc, watch_target_exit_vs_watcher_exit_vs_cancel)
{
	struct lc_proc t, w;

	LC_TEAM(1, w_watch);
	for (int r = 0; r < LC_ROUNDS; r++) {
		B->round = r;
		ASSERT_LT(0, lc_spawn(&t, LC_SLOT_P, p_target, r));
		LC_READY(&t);
		B->target = t.pid;
		ASSERT_LT(0, lc_spawn(&w, LC_SLOT_P + 1, p_watcher, r));
		LC_READY(&w);
		LC_GO(1);
		lc_start(&t, 'g');
		lc_start(&w, 'g');
		if (r % 4 == 3) {
			lc_spin(lc_jitter(r, 10));
			kill(t.pid, SIGKILL);
		}
		lc_finish(&t, "target");
		mp_pipe_put(w.go, 'd');	/* fails harmlessly once the watcher is gone */
		lc_finish(&w, "watcher");
		LC_DONE();
		LC_PHASE(2);
	}
	LC_END();
}

/* --- broadcast: subscribe, receive, unsubscribe, send vs removal ------------ */

static void *bc_rx_thread(void *arg)
{
	int id = *(int *)arg;
	struct lc_msg m;

	for (int i = 0; i < 16; i++)
		if (LC("bcast: receive in a thread", mp_msgrcv_ext(id, &m, LC_BODY, 0, 0, &lc_bound_r, NULL),
		       EIDRM, EINVAL, ENOTCONN) < 0)
			break;
	return NULL;
}

static void w_bcast(int idx, int r, int ph)
{
	struct lc_msg m = { .mtype = 1, .round = r, .who = idx };
	int id = B->id;

	switch (idx) {
	case 0: {
		long u;

		LC("bcast: subscribe", mp_mbox_subscribe(id), EIDRM, EINVAL);
		for (int i = 0; i < 1 + r % 4; i++) {
			lc_at("bcast: receive");
			if (LC("bcast: receive", mp_msgrcv_ext(id, &m, LC_BODY, 0, 0, &lc_bound_r, NULL),
			       EIDRM, EINVAL) < 0)
				break;
		}
		u = LC("bcast: unsubscribe", mp_mbox_unsubscribe(id), EIDRM, EINVAL);
		if (u == 0 && LC("bcast: receive unsubscribed",
				 mp_msgrcv_ext(id, &m, LC_BODY, 0, IPC_NOWAIT, NULL, NULL),
				 ENOTCONN, EIDRM, EINVAL) >= 0)
			lc_bad("bcast: received without a subscription", 0, 0);
		break;
	}
	case 1: {
		struct mp_sendopt o = { .flags = MP_SEND_TIMEOUT, .timeout_ns = LC_BOUND_NS };
		int nowait = r % 5 == 4;

		if (r % 3 == 1)	/* each send waits until every subscriber took it */
			o.flags |= MP_SEND_SYNC;
		for (int i = 0; i < 12; i++) {
			long ret;

			m.n = i;
			lc_at("bcast: send");
			if (nowait)
				ret = LC("bcast: send nowait", mp_msgsnd_ext(id, &m, LC_BODY, IPC_NOWAIT, &o),
					 EIDRM, EINVAL, EAGAIN);
			else
				ret = LC("bcast: send", mp_msgsnd_ext(id, &m, LC_BODY, 0, &o), EIDRM, EINVAL);
			if (ret < 0 && errno != EAGAIN)
				break;
		}
		break;
	}
	default: {
		/* One thread receives while another ends the process's subscription. */
		pthread_t th;

		if (LC("bcast: subscribe", mp_mbox_subscribe(id), EIDRM, EINVAL) < 0)
			break;
		if (pthread_create(&th, NULL, bc_rx_thread, &id)) {
			lc_bad("pthread_create", errno, -1);
			break;
		}
		lc_spin(lc_jitter(r, 11));
		LC("bcast: unsubscribe", mp_mbox_unsubscribe(id), EIDRM, EINVAL);
		lc_at("bcast: join the receiver");
		pthread_join(th, NULL);
		break;
	}
	}
}

TEST_F(lc, broadcast_subscriptions_race_send_receive_and_removal)
{
	LC_TEAM(3, w_bcast);
	for (int r = 0; r < LC_ROUNDS_FAST; r++) {
		int id = lc_track(lc_mbox(MP_LIFETIME_SYSTEM, MP_KIND_BROADCAST,
					  MP_ATTR_MODE_RECEIVE | (r % 3 == 2 ? MP_ATTR_LOSSY : 0),
					  3, 0666));

		ASSERT_LE(0, id);
		B->round = r;
		B->id = id;
		LC_GO(1);
		lc_spin(lc_jitter(r, 12));
		LC0("bcast: rmid", mp_msgctl(id, IPC_RMID, NULL));
		LC_DONE();
		lc_gone(id);
	}
	LC_END();
}

/*
 * A subscription is the process's: when one thread ends it while another
 * sleeps in a receive on the mailbox, that receive is one without a
 * subscription and fails with ENOTCONN (it must not sleep on until its
 * timeout, or forever without one).
 */
struct bc_wait {
	int id;
	long ret;
	int err;
};

/* Wait until @n receivers sleep on mailbox @id: 0, or -1 (10 s at most). */
static int lc_wait_receivers(int id, unsigned int n)
{
	int64_t end = lc_now() + 10000000000LL;
	struct mp_mbox_info info;

	do {
		if (mp_mbox_info(id, &info))
			return -1;
		if (info.waiting_receivers == n)
			return 0;
		lc_msleep(1);
	} while (lc_now() < end);
	return -1;
}

static void *bc_wait_thread(void *arg)
{
	struct mp_recvopt o = { .flags = MP_RECV_TIMEOUT, .timeout_ns = 3000000000ULL };
	struct bc_wait *w = arg;
	struct lc_msg m;

	w->ret = mp_msgrcv_ext(w->id, &m, LC_BODY, 0, 0, &o, NULL);
	w->err = errno;
	return NULL;
}

TEST_F(lc, broadcast_unsubscribe_ends_a_sleeping_receive)
{
	struct bc_wait w = { .ret = 0 };
	pthread_t th;

	w.id = lc_track(lc_mbox(MP_LIFETIME_SYSTEM, MP_KIND_BROADCAST, MP_ATTR_MODE_RECEIVE, 3, 0600));
	ASSERT_LE(0, w.id);
	ASSERT_EQ(0, mp_mbox_subscribe(w.id));
	ASSERT_EQ(0, pthread_create(&th, NULL, bc_wait_thread, &w));
	ASSERT_EQ(0, lc_wait_receivers(w.id, 1)) TH_LOG("the receive never slept");
	ASSERT_EQ(0, mp_mbox_unsubscribe(w.id));
	pthread_join(th, NULL);
	EXPECT_EQ(-1, w.ret);
	EXPECT_EQ(ENOTCONN, w.err) TH_LOG("the receive ended with %s, not ENOTCONN", strerror(w.err));
	EXPECT_EQ(0, mp_msgctl(w.id, IPC_RMID, NULL));
	LC_END();
}

/* --- names: register / resolve vs the holder's exit ----------------------------- */

#define LC_NAME	"lc-lifecycle-name"

static int p_name_holder(int r)
{
	if (LC0("name: register", mp_name_register(LC_NAME)) < 0)
		return 1;
	lc_at("holder");
	if (lc_ready_wait_go())
		return LC_NOSYNC;
	if (r % 3 == 1)
		LC0("name: unregister", mp_name_unregister(LC_NAME));
	if (r % 3 == 2)
		for (;;)
			pause();
	return 0;
}

static void w_name(int idx, int r, int ph)
{
	pid_t t = B->target;
	long p;

	if (ph == 1) {
		for (int i = 0; i < 40; i++) {
			p = LC("name: resolve", mp_name_resolve(LC_NAME), ENOENT);
			if (p >= 0 && p != t && lc_worker_index(p) < 0)
				lc_bad("name: resolves to a stranger", 0, p);
			if (i == 3 && p == t)
				LC("name: unregister another's", mp_name_unregister(LC_NAME), EPERM, ENOENT);
			if (LC("name: register", mp_name_register(LC_NAME), EADDRINUSE) == 0) {
				B->holder = getpid();
				break;
			}
		}
		return;
	}
	if (ph == 2) {
		/* The holder is reaped: the name is free, or a worker's. */
		p = LC("name: resolve", mp_name_resolve(LC_NAME), ENOENT);
		if (p >= 0 && p != B->holder)
			lc_bad("name: an ended process still holds its name", 0, p);
		if (p < 0 && B->holder)
			lc_bad("name: a registered name does not resolve", 0, B->holder);
		return;
	}
	if (B->holder == getpid())
		LC0("name: unregister", mp_name_unregister(LC_NAME));
}

TEST_F(lc, names_register_and_resolve_race_holder_exit)
{
	struct lc_proc n;

	LC_TEAM(2, w_name);
	for (int r = 0; r < LC_ROUNDS; r++) {
		B->round = r;
		B->holder = 0;
		ASSERT_LT(0, lc_spawn(&n, LC_SLOT_P, p_name_holder, r));
		LC_READY(&n);
		B->target = n.pid;
		LC_GO(1);
		lc_start(&n, 'g');
		if (r % 3 == 2) {
			lc_spin(lc_jitter(r, 13));
			kill(n.pid, SIGKILL);
		}
		lc_finish(&n, "holder");
		LC_DONE();
		LC_PHASE(2);
		LC_PHASE(3);
		EXPECT_EQ(-1, mp_name_resolve(LC_NAME));
		ASSERT_EQ(ENOENT, errno);
	}
	LC_END();
}

/* --- ownership: set_owner to a process that is closing --------------------------- */

static void w_owner(int idx, int r, int ph)
{
	static int moved, pfd = -1;
	pid_t t = B->target;
	struct lc_msg m = { .mtype = 1, .round = r, .who = idx };

	if (ph == 0) {
		if (idx == 0) {
			B->id = LC0("own: msgget", lc_mbox(MP_LIFETIME_PROCESS, MP_KIND_QUEUE,
							   MP_ATTR_MODE_RECEIVE, 4, 0666));
			pfd = r % 2 ? LC0("own: pidfd_open", lc_pidfd(t)) : -1;
		}
		return;
	}
	if (ph == 1 && idx == 0) {
		lc_spin(lc_jitter(r, 14));
		if (pfd >= 0)
			moved = LC("own: set_owner by pidfd",
				   lc_ctl(B->id, MP_CTL_SET_OWNER | MP_CTL_PIDFD, pfd), ESRCH) == 0;
		else
			moved = LC("own: set_owner", mp_mbox_set_owner(B->id, t), ESRCH) == 0;
		if (pfd >= 0)
			close(pfd);
		return;
	}
	if (ph == 1) {
		struct mp_recvopt o = { .flags = MP_RECV_TIMEOUT, .timeout_ns = 1000000 };

		for (int i = 0; i < 6; i++) {
			LC("own: send", mp_msgsnd(B->id, &m, LC_BODY, IPC_NOWAIT), EIDRM, EINVAL, EAGAIN);
			lc_at("own: receive");
			LC("own: receive", mp_msgrcv_ext(B->id, &m, LC_BODY, 0, 0, &o, NULL),
			   EIDRM, EINVAL, ETIMEDOUT);
		}
		return;
	}
	if (idx == 0) {
		/* The target's endpoint is gone: the mailbox went with it, or stayed ours. */
		struct mp_mbox_info info;

		if (moved) {
			lc_gone(B->id);
		} else if (LC0("own: info", mp_mbox_info(B->id, &info)) == 0) {
			if (info.owner_pid != getpid())
				lc_bad("own: a refused set_owner moved the mailbox", 0, info.owner_pid);
			LC0("own: rmid", mp_msgctl(B->id, IPC_RMID, NULL));
		}
	}
}

TEST_F(lc, set_owner_races_the_new_owner_closing)
{
	struct lc_proc t;

	LC_TEAM(2, w_owner);
	for (int r = 0; r < LC_ROUNDS; r++) {
		B->round = r;
		ASSERT_LT(0, lc_spawn(&t, LC_SLOT_P, p_endpoint, r));
		LC_READY(&t);
		B->target = t.pid;
		LC_PHASE(0);
		lc_track(B->id);
		LC_GO(1);
		lc_start(&t, 'g');
		if (r % 3 == 0) {
			ASSERT_EQ('c', mp_pipe_get(t.ready, LC_WAIT_MS));
			lc_start(&t, 'q');
		} else if (r % 3 == 2) {
			lc_spin(lc_jitter(r, 15));
			kill(t.pid, SIGKILL);
		}
		lc_finish(&t, "endpoint");
		LC_DONE();
		LC_PHASE(2);
	}
	LC_END();
}

/* --- grants: grant / revoke vs the grantee's exit -------------------------------- */

static int p_grantee(int r)
{
	struct mp_recvopt o = { .flags = MP_RECV_TIMEOUT, .timeout_ns = 2000000 };
	struct lc_msg m;

	if (mp_fd() < 0)
		return LC_NOSYNC;
	lc_at("grantee");
	if (lc_ready_wait_go())
		return LC_NOSYNC;
	for (int i = 0; i < 6; i++) {
		lc_at("grantee: receive");
		LC("grantee: receive", mp_msgrcv_ext(B->id, &m, LC_BODY, 0, 0, &o, NULL),
		   EACCES, ETIMEDOUT);
	}
	if (r % 3 == 2)
		for (;;)
			pause();
	return 0;
}

static void w_grant(int idx, int r, int ph)
{
	struct lc_msg m = { .mtype = 1, .round = r, .who = idx };
	pid_t g = B->target;
	int pfd = -1;

	if (ph == 0) {
		B->id = LC0("grant: msgget", lc_mbox(MP_LIFETIME_SYSTEM, MP_KIND_QUEUE, 0, 8, 0666));
		for (int i = 0; i < 3; i++)
			LC0("grant: send", mp_msgsnd(B->id, &m, LC_BODY, IPC_NOWAIT));
		return;
	}
	if (ph == 2) {
		/* The grantee is reaped: it can be granted nothing any more. */
		if (LC("grant: grant to a reaped process", mp_mbox_grant(B->id, g), ESRCH) == 0)
			lc_bad("grant: granted a process that does not exist", 0, g);
		LC0("grant: rmid", mp_msgctl(B->id, IPC_RMID, NULL));
		return;
	}
	if (r % 2)
		pfd = LC("grant: pidfd_open", lc_pidfd(g), ESRCH);
	for (int i = 0; i < 3; i++) {
		lc_spin(lc_jitter(r + i, 16));
		if (pfd >= 0) {
			LC("grant: grant by pidfd", lc_ctl(B->id, MP_CTL_GRANT | MP_CTL_PIDFD, pfd), ESRCH);
			LC("grant: revoke by pidfd", lc_ctl(B->id, MP_CTL_REVOKE | MP_CTL_PIDFD, pfd), ENOENT);
		} else {
			LC("grant: grant", mp_mbox_grant(B->id, g), ESRCH);
			LC("grant: revoke", mp_mbox_revoke(B->id, g), ENOENT);
		}
	}
	if (r % 4 < 2)	/* and leave it granted, for its end to drop */
		LC("grant: grant", mp_mbox_grant(B->id, g), ESRCH);
	if (pfd >= 0)
		close(pfd);
}

TEST_F(lc, grant_and_revoke_race_grantee_exit)
{
	struct lc_proc g;

	LC_TEAM(1, w_grant);
	for (int r = 0; r < LC_ROUNDS; r++) {
		B->round = r;
		LC_PHASE(0);
		lc_track(B->id);
		ASSERT_LT(0, lc_spawn(&g, LC_SLOT_P, p_grantee, r));
		LC_READY(&g);
		B->target = g.pid;
		LC_GO(1);
		lc_start(&g, 'g');
		if (r % 3 == 2) {
			lc_spin(lc_jitter(r, 17));
			kill(g.pid, SIGKILL);
		}
		lc_finish(&g, "grantee");	/* reaped while the grants go on */
		LC_DONE();
		LC_PHASE(2);
	}
	LC_END();
}

/* --- mailbox poll descriptors vs IPC_RMID ---------------------------------------- */

static void w_pollfd(int idx, int r, int ph)
{
	struct lc_msg m = { .mtype = 1, .round = r, .who = idx };
	int id = B->id, fd, ep;

	if (idx == 2) {
		if (r % 2)
			LC("pollfd: send", mp_msgsnd(id, &m, LC_BODY, 0), EIDRM, EINVAL);
		for (int i = 0; i < 20; i++) {
			fd = LC("pollfd: open and close", mp_mbox_fd(id, O_CLOEXEC), EINVAL);
			if (fd < 0)
				break;
			close(fd);
		}
		return;
	}
	fd = LC("pollfd: mbox_fd", mp_mbox_fd(id, O_CLOEXEC), EINVAL);
	if (fd < 0)
		return;
	if (idx == 0) {
		for (int i = 0; i < 4; i++) {
			struct pollfd p = { .fd = fd, .events = POLLIN };
			int n;

			lc_at("pollfd: poll");
			n = poll(&p, 1, LC_BOUND_NS / 1000000);
			if (n == 0) {
				lc_bad("pollfd: poll not woken by IPC_RMID", 0, 0);
				break;
			}
			if (n < 0 || (p.revents & (POLLERR | POLLHUP)))
				break;
			LC("pollfd: receive", mp_msgrcv(id, &m, LC_BODY, 0, IPC_NOWAIT), ENOMSG, EIDRM, EINVAL);
		}
	} else {
		struct epoll_event ev = { .events = EPOLLIN }, out;

		ep = epoll_create1(EPOLL_CLOEXEC);
		if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev)) {
			lc_bad("epoll", errno, -1);
		} else {
			for (int i = 0; i < 4; i++) {
				int n;

				lc_at("pollfd: epoll_wait");
				n = epoll_wait(ep, &out, 1, LC_BOUND_NS / 1000000);
				if (n == 0) {
					lc_bad("pollfd: epoll not woken by IPC_RMID", 0, 0);
					break;
				}
				if (n < 0 || (out.events & (EPOLLERR | EPOLLHUP)))
					break;
				LC("pollfd: receive", mp_msgrcv(id, &m, LC_BODY, 0, IPC_NOWAIT),
				   ENOMSG, EIDRM, EINVAL);
			}
		}
		if (ep >= 0)
			close(ep);
	}
	close(fd);
}

TEST_F(lc, mailbox_poll_fds_race_ipc_rmid)
{
	LC_TEAM(3, w_pollfd);
	for (int r = 0; r < LC_ROUNDS_FAST; r++) {
		int id = lc_track(lc_mbox(MP_LIFETIME_SYSTEM, MP_KIND_QUEUE,
					  MP_ATTR_MODE_RECEIVE, 4, 0666));

		ASSERT_LE(0, id);
		B->round = r;
		B->id = id;
		LC_GO(1);
		lc_spin(lc_jitter(r, 18));
		LC0("pollfd: rmid", mp_msgctl(id, IPC_RMID, NULL));
		LC_DONE();
	}
	LC_END();
}

/* --- descriptors in messages vs the receiver's exit and the mailbox's removal ---- */

/* Receives one message (keeping its descriptor, or discarding it), exits or is killed. */
static int p_fd_receiver(int r)
{
	struct mp_recvopt o = lc_bound_r;
	struct lc_msg m;
	int fds[1];

	if (mp_fd() < 0)
		return LC_NOSYNC;
	lc_at("fd receiver");
	if (lc_ready_wait_go())
		return LC_NOSYNC;
	o.fds = fds;
	o.fd_room = 1;
	if (r % 4 == 3)
		o.flags |= MP_RECV_DISCARD;
	if (r % 4 == 0 || r % 4 == 3) {
		lc_at("fd receiver: receive");
		LC0("fd: receive", mp_receive_ext(MP_ANY, &m, LC_BODY, 0, 0, &o, NULL));
	}
	if (r % 4 == 2)
		for (;;)
			pause();
	return 0;
}

/* The pipe end sent away is released: the other end sees EOF, or EPIPE. */
static void lc_expect_released(int keep, int kept_is_read)
{
	struct pollfd p = { .fd = keep, .events = kept_is_read ? POLLIN : 0 };
	char c;

	for (int i = 0; i < 4; i++) {
		lc_at("fd: wait for the release");
		if (poll(&p, 1, LC_BOUND_NS / 1000000) != 1) {
			lc_bad("fd: a descriptor in a message was never released", 0, keep);
			return;
		}
		if (kept_is_read) {
			ssize_t n = read(keep, &c, 1);

			if (n == 0)
				return;
			if (n < 0) {
				lc_bad("fd: read", errno, n);
				return;
			}
			continue;	/* a byte someone wrote */
		}
		if (p.revents & POLLERR) {
			if (write(keep, "x", 1) != -1 || errno != EPIPE)
				lc_bad("fd: write after the release", errno, 0);
			return;
		}
	}
	lc_bad("fd: no EOF or EPIPE", 0, keep);
}

static void w_fd(int idx, int r, int ph)
{
	struct lc_msg m = { .mtype = 1, .round = r, .who = idx };
	struct mp_sendopt o = { .flags = MP_SEND_TIMEOUT, .timeout_ns = LC_BOUND_NS, .nr_fds = 1 };
	int p[2], send_read = idx == 1;

	if (idx == 3) {
		/* A broadcast subscriber that takes the descriptor and closes it. */
		int fds[1] = { -1 };
		struct mp_recvopt ro = lc_bound_r;

		if (!(r % 2))
			return;
		if (ph == 0) {
			LC0("fd: subscribe", mp_mbox_subscribe(B->id));
			return;
		}
		ro.fds = fds;
		ro.fd_room = 1;
		lc_at("fd: broadcast receive");
		if (LC("fd: broadcast receive", mp_msgrcv_ext(B->id, &m, LC_BODY, 0, 0, &ro, NULL),
		       EIDRM, EINVAL) >= 0 && fds[0] >= 0)
			close(fds[0]);
		return;
	}
	if (ph == 0)
		return;

	if (pipe(p)) {
		lc_bad("pipe", errno, -1);
		return;
	}
	o.fds = &p[send_read ? 0 : 1];
	if (idx < 2)
		LC("fd: send a pipe end", mp_send_ext(B->target, &m, LC_BODY, 0, &o), ESRCH, ECONNRESET);
	else
		LC("fd: send a pipe end to a mailbox", mp_msgsnd_ext(B->id, &m, LC_BODY, 0, &o),
		   EIDRM, EINVAL);
	close(p[send_read ? 0 : 1]);
	lc_expect_released(p[send_read ? 1 : 0], !send_read);
	close(p[send_read ? 1 : 0]);
}

TEST_F(lc, descriptors_in_messages_are_released_on_teardown)
{
	struct lc_proc t;

	LC_TEAM(4, w_fd);
	for (int r = 0; r < LC_ROUNDS; r++) {
		/* Odd rounds: broadcast, one subscriber takes it, the test never does. */
		int id = lc_track(lc_mbox(MP_LIFETIME_SYSTEM, r % 2 ? MP_KIND_BROADCAST : MP_KIND_QUEUE,
					  MP_ATTR_MODE_RECEIVE, 4, 0666));

		ASSERT_LE(0, id);
		B->round = r;
		B->id = id;
		if (r % 2)
			ASSERT_EQ(0, mp_mbox_subscribe(id));
		ASSERT_LT(0, lc_spawn(&t, LC_SLOT_P, p_fd_receiver, r));
		LC_READY(&t);
		B->target = t.pid;
		LC_PHASE(0);
		LC_GO(1);
		lc_start(&t, 'g');
		lc_spin(lc_jitter(r, 19));
		if (r % 4 == 2)
			kill(t.pid, SIGKILL);
		LC0("fd: rmid", mp_msgctl(id, IPC_RMID, NULL));
		lc_finish(&t, "fd receiver");
		LC_DONE();
	}
	LC_END();
}

/*
 * The right to receive ends with a revoke, and with a hand-over of the
 * mailbox (mp_msgctl(3): "the old owner keeps no right"), also for a
 * receive already asleep: a message sent after the right went must not
 * reach it.
 */
/* Receives once from B->id (4 s at most) on "g"; reports y, n (EACCES), t, or ?. */
static int c_sleeper(int arg)
{
	struct mp_recvopt o = { .flags = MP_RECV_TIMEOUT, .timeout_ns = 4000000000ULL };
	struct lc_msg m;
	long ret;

	if (mp_fd() < 0)
		return LC_NOSYNC;
	if (lc_ready_wait_go())
		return LC_NOSYNC;
	ret = mp_msgrcv_ext(B->id, &m, LC_BODY, 0, 0, &o, NULL);
	if (mp_pipe_put(lc_ready_fd, ret >= 0 ? 'y' : errno == EACCES ? 'n' :
			errno == ETIMEDOUT ? 't' : '?'))
		return LC_NOSYNC;
	return mp_pipe_get(lc_go_fd, LC_WAIT_MS) == 'q' ? 0 : LC_NOSYNC;
}

TEST_F(lc, revoke_ends_the_right_of_a_sleeping_receive)
{
	struct lc_msg m = { .mtype = 1 };
	struct lc_proc g;
	int id, c;

	id = lc_track(lc_mbox(MP_LIFETIME_SYSTEM, MP_KIND_QUEUE, 0, 8, 0666));
	ASSERT_LE(0, id);
	B->id = id;
	ASSERT_LT(0, lc_spawn(&g, LC_SLOT_P, c_sleeper, 0));
	LC_READY(&g);
	ASSERT_EQ(0, mp_mbox_grant(id, g.pid));
	lc_start(&g, 'g');
	ASSERT_EQ(0, lc_wait_receivers(id, 1)) TH_LOG("the grantee's receive never slept");
	ASSERT_EQ(0, mp_mbox_revoke(id, g.pid));
	ASSERT_EQ(0, mp_msgsnd(id, &m, LC_BODY, 0));
	c = mp_pipe_get(g.ready, LC_WAIT_MS);
	EXPECT_NE('y', c) TH_LOG("a receive took a message sent after its right was revoked");
	EXPECT_TRUE(c == 'n' || c == 't') TH_LOG("the receive ended with '%c'", c);
	/* The message is the owner's to take. */
	EXPECT_EQ((ssize_t)LC_BODY, mp_msgrcv(id, &m, LC_BODY, 0, IPC_NOWAIT));
	lc_start(&g, 'q');
	lc_finish(&g, "sleeper");
	EXPECT_EQ(0, mp_msgctl(id, IPC_RMID, NULL));
	LC_END();
}

static void *lc_sleep_thread(void *arg)
{
	struct mp_recvopt o = { .flags = MP_RECV_TIMEOUT, .timeout_ns = 3000000000ULL };
	struct bc_wait *w = arg;
	struct lc_msg m;

	w->ret = mp_msgrcv_ext(w->id, &m, LC_BODY, 0, 0, &o, NULL);
	w->err = errno;
	return NULL;
}

TEST_F(lc, set_owner_ends_the_right_of_the_old_owner_sleeping_receive)
{
	struct lc_msg m = { .mtype = 1 };
	struct bc_wait w = { .ret = 0 };
	struct lc_proc c;
	pthread_t th;
	int id;

	id = lc_track(lc_mbox(MP_LIFETIME_SYSTEM, MP_KIND_QUEUE, 0, 8, 0666));
	ASSERT_LE(0, id);
	w.id = id;
	B->id = id;
	ASSERT_LT(0, lc_spawn(&c, LC_SLOT_P, c_idle, 0));
	LC_READY(&c);
	ASSERT_EQ(0, pthread_create(&th, NULL, lc_sleep_thread, &w));
	ASSERT_EQ(0, lc_wait_receivers(id, 1)) TH_LOG("the owner's receive never slept");
	ASSERT_EQ(0, mp_mbox_set_owner(id, c.pid));
	ASSERT_EQ(0, mp_msgsnd(id, &m, LC_BODY, 0));
	pthread_join(th, NULL);
	EXPECT_EQ(-1, w.ret) TH_LOG("the old owner took a message sent after it handed the mailbox over");
	EXPECT_TRUE(w.err == EACCES || w.err == ETIMEDOUT) TH_LOG("%s", strerror(w.err));
	lc_start(&c, 'q');
	lc_finish(&c, "idle");
	EXPECT_EQ(0, mp_msgctl(id, IPC_RMID, NULL));
	LC_END();
}

/* --- links reclaimed under a links limit vs their senders' exit ------------- */

#define LC_RECLAIM_SENDERS	3
#define LC_RECLAIM_PER		3

/* Sends LC_RECLAIM_PER messages to worker 0, waiting out EMLINK, and ends. */
static int p_reclaim_sender(int r)
{
	struct lc_msg m = { .mtype = 1, .round = r, .who = lc_me };

	if (mp_fd() < 0)
		return LC_NOSYNC;
	lc_at("reclaim sender");
	if (lc_ready_wait_go())
		return LC_NOSYNC;
	for (int i = 0; i < LC_RECLAIM_PER; i++) {
		int k;

		m.n = i;
		for (k = 0; k < 3000; k++) {
			if (LC("reclaim: send", mp_send(B->worker[0], &m, LC_BODY, 0), EMLINK) == 0)
				break;
			lc_msleep(1);
		}
		if (k == 3000) {
			lc_bad("reclaim: EMLINK, and no link ever freed", EMLINK, i);
			return 1;
		}
	}
	return 0;
}

static void w_reclaim(int idx, int r, int ph)
{
	int next[LC_RECLAIM_SENDERS] = { 0 };
	struct mp_msghdr h;
	struct lc_msg m;

	if (ph == 2) {
		if (LC("reclaim: anything left?", mp_receive(MP_ANY, &m, LC_BODY, 0, IPC_NOWAIT), ENOMSG) >= 0)
			lc_bad("reclaim: a message twice", m.who, m.n);
		return;
	}
	for (int i = 0; i < LC_RECLAIM_SENDERS * LC_RECLAIM_PER; i++) {
		int k;

		lc_at("reclaim: receive");
		if (LC0("reclaim: receive", mp_receive_ext(MP_ANY, &m, LC_BODY, 0, 0, &lc_bound_r, &h)) < 0)
			return;
		k = m.who - LC_SLOT_P;
		if (k < 0 || k >= LC_RECLAIM_SENDERS || m.round != r || m.n != next[k]) {
			lc_bad("reclaim: a message lost, twice or out of order", m.who, m.n);
			continue;
		}
		next[k]++;
	}
}

TEST_F(lc, link_reclaim_under_max_links_races_sender_exit)
{
	struct lc_proc s[LC_RECLAIM_SENDERS];

	if (lc_param_set("max_links", 2))
		SKIP(return, "cannot set the max_links parameter");
	LC_TEAM(1, w_reclaim);
	for (int r = 0; r < LC_ROUNDS / 2; r++) {
		B->round = r;
		for (int k = 0; k < LC_RECLAIM_SENDERS; k++) {
			ASSERT_LT(0, lc_spawn(&s[k], LC_SLOT_P + k, p_reclaim_sender, r));
			LC_READY(&s[k]);
		}
		LC_GO(1);
		for (int k = 0; k < LC_RECLAIM_SENDERS; k++)
			lc_start(&s[k], 'g');
		for (int k = 0; k < LC_RECLAIM_SENDERS; k++)
			lc_finish(&s[k], "reclaim sender");
		LC_DONE();
		LC_PHASE(2);
	}
	LC_END();
}

/* ===== pidfds ============================================================== */

static int px_send(int to, uint64_t flags, int n)
{
	struct lc_msg m = { .mtype = 1, .n = n, .pid = getpid() };
	struct mp_msgsnd_args a = {
		.id = to,
		.msgp = (uintptr_t)&m,
		.msgsz = LC_BODY,
		.flags = flags | MP_SEND_TIMEOUT,
		.timeout_ns = LC_BOUND_NS,
	};

	return ioctl(mp_fd(), MP_IOC_SEND, &a);
}

static ssize_t px_recv(int from, uint64_t flags, int msgflg, struct lc_msg *m,
		       struct mp_msghdr *h)
{
	struct mp_msgrcv_args a = {
		.id = from,
		.msgflg = msgflg,
		.msgp = (uintptr_t)m,
		.msgsz = LC_BODY,
		.flags = flags | MP_RECV_TIMEOUT,
		.timeout_ns = LC_BOUND_NS,
		.hdr = (uintptr_t)h,
		.hdr_size = h ? sizeof(*h) : 0,
	};

	return ioctl(mp_fd(), MP_IOC_RECV, &a);
}

static ssize_t px_call(int to, uint64_t flags, struct lc_msg *rep)
{
	struct lc_msg q = { .mtype = 1, .n = 42, .pid = getpid() };
	struct mp_call_args a = {
		.to = to,
		.flags = flags | MP_CALL_TIMEOUT,
		.req = (uintptr_t)&q,
		.req_size = LC_BODY,
		.reply = (uintptr_t)rep,
		.reply_size = LC_BODY,
		.timeout_ns = LC_BOUND_NS,
	};

	return ioctl(mp_fd(), MP_IOC_CALL, &a);
}

static int px_link(int to, uint64_t flags, uint64_t cap)
{
	struct mp_link_args a = { .pid = to, .flags = flags | MP_ATTR_CAPACITY, .capacity = cap };

	return ioctl(mp_fd(), MP_IOC_LINK, &a);
}

static int px_batch(unsigned long cmd, int id, uint64_t flags, int msgflg, int count,
		    struct lc_msg *ms)
{
	struct mp_batch_msg b[8];
	struct mp_batch_args a = {
		.id = id,
		.msgflg = msgflg,
		.flags = flags,
		.msgs = (uintptr_t)b,
		.count = count,
		.msg_size = sizeof(b[0]),
	};

	memset(b, 0, sizeof(b));
	for (int i = 0; i < count; i++) {
		b[i].msgp = (uintptr_t)&ms[i];
		b[i].msgsz = LC_BODY;
	}
	return ioctl(mp_fd(), cmd, &a);
}

static int px_sendv(int to, uint64_t flags, int first, int count)
{
	struct lc_msg ms[8];

	for (int i = 0; i < count; i++)
		ms[i] = (struct lc_msg){ .mtype = 1, .n = first + i, .pid = getpid() };
	return px_batch(MP_IOC_SENDV, to, flags, 0, count, ms);
}

/* A peer: an endpoint that receives @n messages from its parent, in order. */
static int c_rx_parent(int n)
{
	struct mp_msghdr h;
	struct lc_msg m;

	if (mp_fd() < 0)
		return LC_NOSYNC;
	if (mp_pipe_put(lc_ready_fd, 'r'))
		return LC_NOSYNC;
	for (int i = 0; i < n; i++) {
		lc_at("peer: receive");
		if (LC0("peer: receive", mp_receive_ext(getppid(), &m, LC_BODY, 0, 0, &lc_bound_r, &h)) < 0)
			return 1;
		if (m.n != i || h.sender_pid != getppid())
			lc_bad("peer: wrong message", m.n, h.sender_pid);
	}
	if (mp_pipe_put(lc_ready_fd, 'd'))
		return LC_NOSYNC;
	return mp_pipe_get(lc_go_fd, LC_WAIT_MS) == 'q' ? 0 : LC_NOSYNC;
}

TEST_F(lc, pidfd_send_sync_send_and_batch_reach_the_process)
{
	struct lc_proc c;
	int pfd;

	ASSERT_LT(0, lc_spawn(&c, LC_SLOT_P, c_rx_parent, 6));
	LC_READY(&c);
	pfd = lc_pidfd(c.pid);
	ASSERT_LE(0, pfd);
	EXPECT_EQ(0, px_send(pfd, MP_SEND_PIDFD, 0)) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(0, px_send(pfd, MP_SEND_PIDFD | MP_SEND_SYNC, 1)) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(3, px_sendv(pfd, MP_BATCH_INBOX | MP_BATCH_PIDFD, 2, 3)) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(0, px_send(c.pid, 0, 5));	/* and by pid, the same process */
	EXPECT_EQ('d', mp_pipe_get(c.ready, LC_WAIT_MS));
	/* The pidfd flags where no process is named. */
	EXPECT_EQ(-1, px_sendv(pfd, MP_BATCH_PIDFD, 0, 1));
	EXPECT_EQ(EINVAL, errno);
	lc_start(&c, 'q');
	lc_finish(&c, "peer");
	close(pfd);
	LC_END();
}

/* Sends @n messages to B->target (who = its slot) on "go", then waits to be let go. */
static int c_sender(int n)
{
	struct lc_msg m = { .mtype = 1, .who = lc_me };

	if (mp_fd() < 0)
		return LC_NOSYNC;
	if (lc_ready_wait_go())
		return LC_NOSYNC;
	for (int i = 0; i < n; i++) {
		m.n = i;
		LC0("sender: send", mp_send(B->target, &m, LC_BODY, 0));
	}
	if (mp_pipe_put(lc_ready_fd, 'd'))
		return LC_NOSYNC;
	return mp_pipe_get(lc_go_fd, LC_WAIT_MS) == 'q' ? 0 : LC_NOSYNC;
}

/* Receive(P) by pidfd: only that process's messages, also after it ended. */
static int c_pidfd_rx(int arg)
{
	struct lc_msg m, ms[4];
	struct mp_msghdr h;
	pid_t s1, s2;
	int p1, p2;

	if (mp_fd() < 0)
		return LC_NOSYNC;
	if (lc_ready_wait_go())
		return LC_NOSYNC;
	s1 = B->worker[0];
	s2 = B->worker[1];
	p1 = LC0("rx: pidfd_open", lc_pidfd(s1));
	p2 = LC0("rx: pidfd_open", lc_pidfd(s2));
	if (p1 < 0 || p2 < 0)
		return 1;
	/* S1's messages are older, yet Receive(S2) takes S2's. */
	if (LC0("rx: receive by pidfd", px_recv(p2, MP_RECV_PIDFD, IPC_NOWAIT, &m, &h)) >= 0 &&
	    (h.sender_pid != s2 || m.who != LC_SLOT_P + 1 || m.n != 0))
		lc_bad("rx: Receive(pidfd) took another's message", h.sender_pid, m.n);
	if (LC0("rx: batch receive by pidfd",
		px_batch(MP_IOC_RECVV, p1, MP_BATCH_INBOX | MP_BATCH_PIDFD, IPC_NOWAIT, 4, ms)) != 2 ||
	    ms[0].who != LC_SLOT_P || ms[0].n != 0 || ms[1].who != LC_SLOT_P || ms[1].n != 1)
		lc_bad("rx: batch Receive(pidfd) took the wrong messages", ms[0].who, ms[1].n);
	if (LC("rx: nothing more from S1", px_recv(p1, MP_RECV_PIDFD, IPC_NOWAIT, &m, &h), ENOMSG) >= 0)
		lc_bad("rx: Receive(pidfd) took another's message", h.sender_pid, m.n);
	if (mp_pipe_put(lc_ready_fd, 'd'))
		return LC_NOSYNC;
	/* S2 has ended and is reaped: its message is still there for its pidfd. */
	if (mp_pipe_get(lc_go_fd, LC_WAIT_MS) != 'x')
		return LC_NOSYNC;
	if (LC0("rx: receive by the pidfd of an ended process",
		px_recv(p2, MP_RECV_PIDFD, IPC_NOWAIT, &m, &h)) >= 0 &&
	    (h.sender_pid != s2 || m.n != 1))
		lc_bad("rx: wrong message of an ended process", h.sender_pid, m.n);
	LC("rx: and then nothing", px_recv(p2, MP_RECV_PIDFD, IPC_NOWAIT, &m, &h), ENOMSG);
	close(p1);
	close(p2);
	return 0;
}

TEST_F(lc, pidfd_receive_takes_only_that_process_messages)
{
	struct lc_proc r, s1, s2;

	ASSERT_LT(0, lc_spawn(&r, LC_SLOT_P + 2, c_pidfd_rx, 0));
	LC_READY(&r);
	B->target = r.pid;
	ASSERT_LT(0, lc_spawn(&s1, LC_SLOT_P, c_sender, 2));
	ASSERT_LT(0, lc_spawn(&s2, LC_SLOT_P + 1, c_sender, 2));
	LC_READY(&s1);
	LC_READY(&s2);
	B->worker[0] = s1.pid;
	B->worker[1] = s2.pid;
	lc_start(&s1, 'g');
	ASSERT_EQ('d', mp_pipe_get(s1.ready, LC_WAIT_MS));
	lc_start(&s2, 'g');
	ASSERT_EQ('d', mp_pipe_get(s2.ready, LC_WAIT_MS));
	lc_start(&r, 'g');
	ASSERT_EQ('d', mp_pipe_get(r.ready, LC_WAIT_MS));
	lc_start(&s2, 'q');
	lc_finish(&s2, "s2");
	lc_start(&r, 'x');
	lc_finish(&r, "rx");
	lc_start(&s1, 'q');
	lc_finish(&s1, "s1");
	LC_END();
}

/* A server: answers one call (echo), then waits to be let go. */
static int c_echo_server(int arg)
{
	struct lc_msg q;
	struct mp_msghdr h;

	if (mp_fd() < 0)
		return LC_NOSYNC;
	if (mp_pipe_put(lc_ready_fd, 'r'))
		return LC_NOSYNC;
	lc_at("server: receive");
	if (LC0("server: receive", mp_receive_ext(MP_ANY, &q, LC_BODY, 0, 0, &lc_bound_r, &h)) >= 0) {
		if (!(h.flags & MP_MSG_CALL))
			lc_bad("server: not a call", (int)h.flags, 0);
		q.mtype = 7;
		q.n += 1;
		LC0("server: reply", mp_reply(h.call_id, &q, LC_BODY));
	}
	return mp_pipe_get(lc_go_fd, LC_WAIT_MS) == 'q' ? 0 : LC_NOSYNC;
}

TEST_F(lc, pidfd_link_call_and_watch)
{
	struct mp_link_info li[4];
	struct mp_death_note dn;
	struct lc_msg rep;
	struct lc_proc v;
	pid_t vpid;
	ssize_t n;
	int pfd;

	ASSERT_LT(0, lc_spawn(&v, LC_SLOT_P, c_echo_server, 0));
	LC_READY(&v);
	vpid = v.pid;
	pfd = lc_pidfd(vpid);
	ASSERT_LE(0, pfd);

	/* MP_IOC_LINK by pidfd: the link has its capacity, and exists once. */
	ASSERT_EQ(0, px_link(pfd, MP_LINK_PIDFD, 3)) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(-1, px_link(pfd, MP_LINK_PIDFD, 3));
	EXPECT_EQ(EEXIST, errno);
	n = mp_links(v.pid, MP_LINKS_IN, li, ARRAY_SIZE(li), NULL);
	ASSERT_EQ(1, n);
	EXPECT_EQ(getpid(), li[0].from);
	EXPECT_EQ(3, li[0].capacity);

	/* Watch by pidfd; one watch cancelled by pidfd, the other fires. */
	ASSERT_EQ(0, lc_watch_proc(0, pfd, -1, 8, 0)) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(0, lc_watch_proc(0, pfd, -1, 0, 1));
	EXPECT_EQ(-1, lc_watch_proc(0, pfd, -1, 0, 1));
	EXPECT_EQ(ENOENT, errno);
	ASSERT_EQ(0, lc_watch_proc(0, pfd, -1, 7, 0));

	/* MP_IOC_CALL by pidfd. */
	memset(&rep, 0, sizeof(rep));
	EXPECT_EQ((ssize_t)LC_BODY, px_call(pfd, MP_CALL_PIDFD, &rep)) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(7, rep.mtype);
	EXPECT_EQ(43, rep.n);
	EXPECT_EQ(-1, px_call(pfd, MP_CALL_PIDFD | MP_CALL_MAILBOX, &rep));
	EXPECT_EQ(EINVAL, errno);

	lc_start(&v, 'q');
	lc_finish(&v, "server");
	/* Reaped: its note is in our inbox, naming it by pid, once. */
	ASSERT_EQ((ssize_t)sizeof(dn), lc_get_note(-1, 0, &dn)) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(MP_WATCH_PROCESS, dn.kind);
	EXPECT_EQ(vpid, dn.target);
	EXPECT_EQ(MP_GONE_EXIT, dn.reason);
	EXPECT_EQ(7, dn.cookie);
	EXPECT_EQ(-1, lc_get_note(-1, 0, &dn));
	EXPECT_EQ(ENOMSG, errno);
	EXPECT_EQ(-1, lc_watch_proc(0, pfd, -1, 0, 1));
	EXPECT_EQ(ENOENT, errno);
	close(pfd);
	LC_END();
}

/* Receives from B->id when told, reporting each result as a byte. */
static int c_grantee(int arg)
{
	struct lc_msg m;

	if (mp_fd() < 0)
		return LC_NOSYNC;
	if (mp_pipe_put(lc_ready_fd, 'r'))
		return LC_NOSYNC;
	for (;;) {
		int c = mp_pipe_get(lc_go_fd, LC_WAIT_MS);
		long ret;

		if (c == 'q')
			return 0;
		if (c != 'g')
			return LC_NOSYNC;
		ret = mp_msgrcv(B->id, &m, LC_BODY, 0, IPC_NOWAIT);
		if (mp_pipe_put(lc_ready_fd, ret >= 0 ? 'y' : errno == EACCES ? 'n' : '?'))
			return LC_NOSYNC;
	}
}

TEST_F(lc, pidfd_set_owner_grant_and_revoke)
{
	struct lc_msg m = { .mtype = 1 };
	struct mp_mbox_info info;
	struct lc_proc c;
	int pfd, id, owned, open_id;

	id = lc_track(lc_mbox(MP_LIFETIME_SYSTEM, MP_KIND_QUEUE, 0, 8, 0666));
	ASSERT_LE(0, id);
	B->id = id;
	for (int i = 0; i < 3; i++)
		ASSERT_EQ(0, mp_msgsnd(id, &m, LC_BODY, 0));
	ASSERT_LT(0, lc_spawn(&c, LC_SLOT_P, c_grantee, 0));
	LC_READY(&c);
	pfd = lc_pidfd(c.pid);
	ASSERT_LE(0, pfd);

	lc_start(&c, 'g');
	EXPECT_EQ('n', mp_pipe_get(c.ready, LC_WAIT_MS)) TH_LOG("received without a grant");
	ASSERT_EQ(0, lc_ctl(id, MP_CTL_GRANT | MP_CTL_PIDFD, pfd)) TH_LOG("%s", strerror(errno));
	lc_start(&c, 'g');
	EXPECT_EQ('y', mp_pipe_get(c.ready, LC_WAIT_MS)) TH_LOG("a grant by pidfd did not let it receive");
	ASSERT_EQ(0, lc_ctl(id, MP_CTL_REVOKE | MP_CTL_PIDFD, pfd)) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(-1, lc_ctl(id, MP_CTL_REVOKE | MP_CTL_PIDFD, pfd));
	EXPECT_EQ(ENOENT, errno);
	lc_start(&c, 'g');
	EXPECT_EQ('n', mp_pipe_get(c.ready, LC_WAIT_MS)) TH_LOG("received after a revoke by pidfd");

	/* Grants make no sense where the mode bits decide. */
	open_id = lc_track(lc_mbox(MP_LIFETIME_SYSTEM, MP_KIND_QUEUE, MP_ATTR_MODE_RECEIVE, 8, 0666));
	ASSERT_LE(0, open_id);
	EXPECT_EQ(-1, lc_ctl(open_id, MP_CTL_GRANT | MP_CTL_PIDFD, pfd));
	EXPECT_EQ(EINVAL, errno);
	/* MP_CTL_PIDFD goes with the three commands that name a process only. */
	EXPECT_EQ(-1, lc_ctl(id, MP_CTL_INFO | MP_CTL_PIDFD, pfd));
	EXPECT_EQ(EINVAL, errno);

	/* MP_CTL_SET_OWNER by pidfd: a process-lifetime mailbox goes with its new owner. */
	owned = lc_track(lc_mbox(MP_LIFETIME_PROCESS, MP_KIND_QUEUE, 0, 8, 0600));
	ASSERT_LE(0, owned);
	ASSERT_EQ(0, lc_ctl(owned, MP_CTL_SET_OWNER | MP_CTL_PIDFD, pfd)) TH_LOG("%s", strerror(errno));
	ASSERT_EQ(0, mp_mbox_info(owned, &info));
	EXPECT_EQ(c.pid, info.owner_pid);
	lc_start(&c, 'q');
	lc_finish(&c, "grantee");
	lc_gone(owned);
	EXPECT_EQ(0, mp_msgctl(id, IPC_RMID, NULL));
	EXPECT_EQ(0, mp_msgctl(open_id, IPC_RMID, NULL));
	close(pfd);
	LC_END();
}

/* Every call that takes a pidfd, with descriptor @fd: each result. */
struct px_results {
	int send, recv, call, link, set_owner, grant, revoke, watch, unwatch, sendv, recvv;
};

#define PX(field, expr) do { res->field = (expr) < 0 ? errno : 0; } while (0)

static void px_all(int fd, int mbox, struct px_results *res)
{
	struct lc_msg m, ms[2];
	struct mp_msghdr h;

	PX(send, px_send(fd, MP_SEND_PIDFD, 0));
	PX(recv, px_recv(fd, MP_RECV_PIDFD, IPC_NOWAIT, &m, &h));
	PX(call, px_call(fd, MP_CALL_PIDFD, &m));
	PX(link, px_link(fd, MP_LINK_PIDFD, 1));
	PX(set_owner, lc_ctl(mbox, MP_CTL_SET_OWNER | MP_CTL_PIDFD, fd));
	PX(grant, lc_ctl(mbox, MP_CTL_GRANT | MP_CTL_PIDFD, fd));
	PX(revoke, lc_ctl(mbox, MP_CTL_REVOKE | MP_CTL_PIDFD, fd));
	PX(watch, lc_watch_proc(0, fd, -1, 1, 0));
	PX(unwatch, lc_watch_proc(0, fd, -1, 0, 1));
	PX(sendv, px_sendv(fd, MP_BATCH_INBOX | MP_BATCH_PIDFD, 0, 2));
	PX(recvv, px_batch(MP_IOC_RECVV, fd, MP_BATCH_INBOX | MP_BATCH_PIDFD, IPC_NOWAIT, 2, ms));
}

#define PX_EXPECT(res, field, want, what) \
	EXPECT_EQ(want, (res).field) TH_LOG("%s: " #field ": %s", what, strerror((res).field))

TEST_F(lc, pidfd_not_a_pidfd_fails_with_ebadf)
{
	struct lc_msg m = { .mtype = 1 };
	struct px_results res;
	int p[2], efd, mfd, id;
	struct {
		const char *what;
		int fd;
	} bad[5];

	id = lc_track(lc_mbox(MP_LIFETIME_SYSTEM, MP_KIND_QUEUE, 0, 8, 0600));
	ASSERT_LE(0, id);
	ASSERT_EQ(0, pipe(p));
	efd = eventfd(0, EFD_CLOEXEC);
	ASSERT_LE(0, efd);
	mfd = mp_mbox_fd(id, O_CLOEXEC);
	ASSERT_LE(0, mfd);
	bad[0].what = "a pipe";
	bad[0].fd = p[0];
	bad[1].what = "an eventfd (an anonymous inode)";
	bad[1].fd = efd;
	bad[2].what = "the msgpass device";
	bad[2].fd = mp_fd();
	bad[3].what = "a mailbox descriptor";
	bad[3].fd = mfd;
	bad[4].what = "a closed descriptor";
	bad[4].fd = 900;
	for (int i = 0; i < (int)ARRAY_SIZE(bad); i++) {
		px_all(bad[i].fd, id, &res);
		PX_EXPECT(res, send, EBADF, bad[i].what);
		PX_EXPECT(res, recv, EBADF, bad[i].what);
		PX_EXPECT(res, call, EBADF, bad[i].what);
		PX_EXPECT(res, link, EBADF, bad[i].what);
		PX_EXPECT(res, set_owner, EBADF, bad[i].what);
		PX_EXPECT(res, grant, EBADF, bad[i].what);
		PX_EXPECT(res, revoke, EBADF, bad[i].what);
		PX_EXPECT(res, watch, EBADF, bad[i].what);
		PX_EXPECT(res, unwatch, EBADF, bad[i].what);
		PX_EXPECT(res, sendv, EBADF, bad[i].what);
		PX_EXPECT(res, recvv, EBADF, bad[i].what);
	}
	/* The flags where no process is named. */
	{
		struct mp_msgsnd_args sa = {
			.id = id, .msgp = (uintptr_t)&m, .msgsz = 8, .flags = MP_SEND_PIDFD,
		};
		struct mp_msgrcv_args ra = {
			.id = id, .msgflg = IPC_NOWAIT, .msgp = (uintptr_t)&m, .msgsz = 8,
			.flags = MP_RECV_PIDFD,
		};
		struct mp_watch_args wa = {
			.kind = MP_WATCH_MAILBOX, .target = id, .flags = MP_WATCH_PIDFD,
			.notify = -1, .type = LC_NOTE,
		};

		EXPECT_EQ(-1, ioctl(mp_fd(), MP_IOC_MSGSND, &sa));
		EXPECT_EQ(EINVAL, errno);
		EXPECT_EQ(-1, ioctl(mp_fd(), MP_IOC_MSGRCV, &ra));
		EXPECT_EQ(EINVAL, errno);
		EXPECT_EQ(-1, ioctl(mp_fd(), MP_IOC_WATCH, &wa));
		EXPECT_EQ(EINVAL, errno);
	}
	close(p[0]);
	close(p[1]);
	close(efd);
	close(mfd);
	EXPECT_EQ(0, mp_msgctl(id, IPC_RMID, NULL));
	LC_END();
}

/*
 * @reaped: the process is gone altogether, else a zombie (its endpoint
 * ended, its pid still exists: as by pid number, it may be granted).
 */
static void px_expect_ended(struct __test_metadata *_metadata, int pfd, int id,
			    int reaped, const char *what)
{
	struct px_results res;

	px_all(pfd, id, &res);
	PX_EXPECT(res, send, ESRCH, what);
	PX_EXPECT(res, call, ESRCH, what);
	PX_EXPECT(res, link, ESRCH, what);
	PX_EXPECT(res, set_owner, ESRCH, what);
	PX_EXPECT(res, watch, ESRCH, what);
	PX_EXPECT(res, sendv, ESRCH, what);
	PX_EXPECT(res, unwatch, ENOENT, what);
	/* Receive(P) of a process that sent nothing: no message (mp_receive(3)). */
	PX_EXPECT(res, recv, ENOMSG, what);
	PX_EXPECT(res, recvv, ENOMSG, what);
	if (!reaped) {
		PX_EXPECT(res, grant, 0, what);
		PX_EXPECT(res, revoke, 0, what);
		return;
	}
	/* "The process must exist" (mp_msgctl(3), ESRCH). */
	PX_EXPECT(res, grant, ESRCH, what);
	/* What a grant did, a revoke undoes; else there is no such grant. */
	PX_EXPECT(res, revoke, res.grant ? ENOENT : 0, what);
}

TEST_F(lc, pidfd_of_an_ended_process_fails_with_esrch)
{
	struct lc_proc c;
	siginfo_t si;
	int pfd, id;

	id = lc_track(lc_mbox(MP_LIFETIME_SYSTEM, MP_KIND_QUEUE, 0, 8, 0600));
	ASSERT_LE(0, id);
	ASSERT_LT(0, lc_spawn(&c, LC_SLOT_P, c_idle, 0));
	LC_READY(&c);
	pfd = lc_pidfd(c.pid);
	ASSERT_LE(0, pfd);
	lc_start(&c, 'q');
	/* A zombie: its endpoint is gone, its pid is not. */
	memset(&si, 0, sizeof(si));
	ASSERT_EQ(0, waitid(P_PID, c.pid, &si, WEXITED | WNOWAIT));
	px_expect_ended(_metadata, pfd, id, 0, "a zombie");
	lc_finish(&c, "idle");
	px_expect_ended(_metadata, pfd, id, 1, "reaped");
	close(pfd);
	EXPECT_EQ(0, mp_msgctl(id, IPC_RMID, NULL));
	LC_END();
}

/*
 * A peer that sends one message to B->target on "g", receives what its
 * inbox holds on "c" (reporting how many as a byte), and ends on "q".
 */
static int c_reuser(int arg)
{
	struct lc_msg m = { .mtype = 1, .who = lc_me };

	if (mp_fd() < 0)
		return LC_NOSYNC;
	if (mp_pipe_put(lc_ready_fd, 'r'))
		return LC_NOSYNC;
	for (;;) {
		int c = mp_pipe_get(lc_go_fd, LC_WAIT_MS), n = 0;

		switch (c) {
		case 'q':
			return 0;
		case 'g':
			LC0("reuser: send", mp_send(B->target, &m, LC_BODY, 0));
			break;
		case 'c':
			while (mp_receive(MP_ANY, &m, LC_BODY, 0, IPC_NOWAIT) >= 0)
				n++;
			if (errno != ENOMSG)
				lc_bad("reuser: receive", errno, -1);
			break;
		case 'm':
			n = mp_msgrcv(B->id, &m, LC_BODY, 0, IPC_NOWAIT) >= 0 ? 1 :
			    errno == EACCES ? 0 : 9;
			break;
		case 'p': {
			/* Receive(P) by the pidfd @arg, inherited from the test. */
			struct mp_msghdr h;

			n = px_recv(arg, MP_RECV_PIDFD, IPC_NOWAIT, &m, &h) >= 0 ? 1 :
			    errno == ENOMSG ? 0 : 9;
			break;
		}
		default:
			return LC_NOSYNC;
		}
		if (mp_pipe_put(lc_ready_fd, '0' + n))
			return LC_NOSYNC;
	}
}

TEST_F(lc, pidfd_never_reaches_a_later_process_with_the_same_pid)
{
	struct lc_proc a, b, rx;
	struct lc_msg m;
	int pfd, id, owned;
	pid_t old;

	id = lc_track(lc_mbox(MP_LIFETIME_SYSTEM, MP_KIND_QUEUE, 0, 8, 0600));
	owned = lc_track(lc_mbox(MP_LIFETIME_PROCESS, MP_KIND_QUEUE, 0, 8, 0600));
	ASSERT_LE(0, id);
	ASSERT_LE(0, owned);
	m.mtype = 1;
	ASSERT_EQ(0, mp_msgsnd(id, &m, LC_BODY, 0));
	B->id = id;

	/* A: an endpoint, named by a pidfd, that ends and is reaped. */
	ASSERT_LT(0, lc_spawn(&a, LC_SLOT_P, c_idle, 0));
	LC_READY(&a);
	old = a.pid;
	pfd = lc_pidfd(old);
	ASSERT_LE(0, pfd);
	lc_start(&a, 'q');
	lc_finish(&a, "a");

	/* B gets A's pid number; RX inherits the pidfd. */
	if (lc_spawn_at(&b, LC_SLOT_P + 1, c_reuser, 0, old) != old) {
		close(pfd);
		SKIP(return, "cannot make a process reuse pid %d: %s", old, strerror(errno));
	}
	LC_READY(&b);
	ASSERT_LT(0, lc_spawn(&rx, LC_SLOT_P + 2, c_reuser, pfd));
	LC_READY(&rx);

	/* Nothing sent, linked, called, watched, owned or granted by A's pidfd reaches B. */
	EXPECT_EQ(-1, px_send(pfd, MP_SEND_PIDFD, 0));
	EXPECT_EQ(ESRCH, errno);
	EXPECT_EQ(-1, px_send(pfd, MP_SEND_PIDFD | MP_SEND_SYNC, 0));
	EXPECT_EQ(ESRCH, errno);
	EXPECT_EQ(-1, px_sendv(pfd, MP_BATCH_INBOX | MP_BATCH_PIDFD, 0, 2));
	EXPECT_EQ(ESRCH, errno);
	EXPECT_EQ(-1, px_call(pfd, MP_CALL_PIDFD, &m));
	EXPECT_EQ(ESRCH, errno);
	EXPECT_EQ(-1, px_link(pfd, MP_LINK_PIDFD, 1));
	EXPECT_EQ(ESRCH, errno);
	EXPECT_EQ(-1, lc_watch_proc(0, pfd, -1, 1, 0));
	EXPECT_EQ(ESRCH, errno);
	EXPECT_EQ(-1, lc_ctl(owned, MP_CTL_SET_OWNER | MP_CTL_PIDFD, pfd));
	EXPECT_EQ(ESRCH, errno);
	/* (Whether this grant fails, with ESRCH, is pidfd_of_an_ended_process's.) */
	lc_ctl(id, MP_CTL_GRANT | MP_CTL_PIDFD, pfd);
	lc_start(&b, 'm');
	EXPECT_EQ('0', mp_pipe_get(b.ready, LC_WAIT_MS)) TH_LOG("B received with A's grant");
	lc_start(&b, 'c');
	EXPECT_EQ('0', mp_pipe_get(b.ready, LC_WAIT_MS)) TH_LOG("B got what was sent to A");

	/* Receive(A's pidfd) does not take B's message; by pid number, it does. */
	B->target = rx.pid;
	lc_start(&b, 'g');
	EXPECT_EQ('0', mp_pipe_get(b.ready, LC_WAIT_MS));
	lc_start(&rx, 'p');
	EXPECT_EQ('0', mp_pipe_get(rx.ready, LC_WAIT_MS)) TH_LOG("Receive(A's pidfd) took B's message");
	lc_start(&rx, 'c');
	EXPECT_EQ('1', mp_pipe_get(rx.ready, LC_WAIT_MS)) TH_LOG("B's message did not arrive");
	/* By pid number, the number now names B. */
	EXPECT_EQ(0, px_send(old, 0, 0));
	lc_start(&b, 'c');
	EXPECT_EQ('1', mp_pipe_get(b.ready, LC_WAIT_MS));

	lc_start(&b, 'q');
	lc_finish(&b, "b");
	lc_start(&rx, 'q');
	lc_finish(&rx, "rx");
	close(pfd);
	EXPECT_EQ(0, mp_msgctl(id, IPC_RMID, NULL));
	EXPECT_EQ(0, mp_msgctl(owned, IPC_RMID, NULL));
	LC_END();
}

TEST_HARNESS_MAIN

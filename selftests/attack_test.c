// SPDX-License-Identifier: GPL-2.0
/*
 * Attacks: each test acts out one way an unprivileged process could
 * abuse msgpass (forked children drop to another uid before they open
 * the device), and checks the safe behaviour. Every test also checks
 * that the module's counters come back to where they were.
 *
 * Determinism: processes step in lock-step over pipes; timeouts are
 * only bounds on waits for things that must happen (WAIT_MS), never
 * what a test asserts; every loop is bounded by a count.
 */
#include <grp.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <linux/io_uring.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <pthread.h>

#include "mp_test.h"
#include "mp_trap.h"

#define NOBODY		65534	/* the attacker */
#define VICTIM		1000	/* a user under attack */
#define OTHER		1001	/* a bystander user */
#define AS_ROOT		((uid_t)-1)

#define WAIT_MS		10000	/* bound on a wait for what must happen */
#define REAP_MS		30000
#define SEC		1000000000ULL

#define MAX_KIDS	96
#define SHM_SIZE	(1 << 20)
#define NO_ANSWER	INT_MIN

/*
 * Each child has a slot of longs in shared memory: parameters the
 * parent writes before a command (S_*), results the child writes (R_*).
 */
enum {
	S_TARGET, S_PRIO, S_LEN, S_FLAGS, S_TIMEOUT, S_TYPE, S_MSGFLG, S_TAG,
	S_MODE, S_FDROOM, S_CAP, S_MAXB, S_KIND, S_LIFE,
	R_RET = 16, R_ERR, R_SEQ, R_HFLAGS, R_PID, R_UID, R_HLEN, R_HTYPE,
	R_PRIO, R_NRFDS, R_CALLID, R_BODY0, R_X1, R_X2, R_X3, R_X4,
	SLOT = 32,
	CUSTOM = MAX_KIDS * SLOT,	/* free-form area after the slots */
};

/* Agent commands. */
enum {
	OP_EXIT = 1, OP_SEND, OP_MSGSND, OP_LINK, OP_CALL, OP_RECV, OP_MSGRCV,
	OP_ACCEPT, OP_DRAIN, OP_SUB, OP_MKBOX,
};

struct kid {
	pid_t pid;
	int cmd;	/* parent -> child */
	int res;	/* child -> parent */
	bool reaped;
	int status;
};

struct kctx {
	int cmd;
	int res;
	int idx;
	volatile long *shm;
	volatile long *slot;
	long arg;
};

typedef int (*kid_fn)(struct kctx *k);

FIXTURE(attack) {
	struct mp_counters_info start;
	struct kid kids[MAX_KIDS];
	int nr_kids;
	int mboxes[16];
	int nr_mboxes;
	int sysv[16];
	int nr_sysv;
	char pname[4][48];
	long long pval[4];
	int nr_params;
	volatile long *shm;
};

typedef FIXTURE_DATA(attack) self_t;

static volatile long *slot(self_t *self, int i)
{
	return self->shm + (long)i * SLOT;
}

static void shm_clear(self_t *self, int i)
{
	memset((void *)slot(self, i), 0, SLOT * sizeof(long));
}

/* --- processes ------------------------------------------------------ */

static int drop_to(uid_t uid)
{
	if (uid == AS_ROOT)
		return 0;
	if (setgroups(0, NULL) || setresgid(uid, uid, uid) || setresuid(uid, uid, uid))
		return -1;
	return 0;
}

/* After the credentials change, which clears it. */
static void die_with_parent(pid_t parent)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(99);
}

static void noop_handler(int sig)
{
	(void)sig;
}

/* Fork a child that becomes @uid (before it opens /dev/msgpass) and runs @fn. */
static int spawn(self_t *self, uid_t uid, kid_fn fn, long arg)
{
	int c[2], r[2], i = self->nr_kids;
	pid_t parent = getpid(), pid;

	if (i >= MAX_KIDS || pipe(c))
		return -1;
	if (pipe(r)) {
		close(c[0]);
		close(c[1]);
		return -1;
	}
	shm_clear(self, i);
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		struct kctx k = {
			.cmd = c[0], .res = r[1], .idx = i, .shm = self->shm,
			.slot = slot(self, i), .arg = arg,
		};
		struct sigaction sa = { .sa_handler = noop_handler };

		for (int j = 0; j < i; j++) {
			close(self->kids[j].cmd);
			close(self->kids[j].res);
		}
		close(c[1]);
		close(r[0]);
		if (drop_to(uid))
			_exit(100);
		die_with_parent(parent);
		/* SIGUSR1 interrupts a wait (EINTR), never kills. */
		sigaction(SIGUSR1, &sa, NULL);
		_exit(fn(&k));
	}
	close(c[0]);
	close(r[1]);
	self->kids[i] = (struct kid){ .pid = pid, .cmd = c[1], .res = r[0] };
	self->nr_kids++;
	return i;
}

static int k_wait(struct kctx *k)
{
	int v;

	return mp_pipe_get_int(k->cmd, &v, 120000) ? -1 : v;
}

static void k_say(struct kctx *k, int v)
{
	mp_pipe_put_int(k->res, v);
}

static void cmd(self_t *self, int i, int op)
{
	mp_pipe_put_int(self->kids[i].cmd, op);
}

static int hear(self_t *self, int i, int ms)
{
	int v;

	return mp_pipe_get_int(self->kids[i].res, &v, ms) ? NO_ANSWER : v;
}

/* A command and its answer. */
static int act(self_t *self, int i, int op)
{
	cmd(self, i, op);
	return hear(self, i, WAIT_MS);
}

/* Wait for a child's exit, at most @ms. Its exit code; -1 if it still runs. */
static int wait_exit(self_t *self, int i, int ms)
{
	struct kid *k = &self->kids[i];
	int st = 0;

	for (int t = 0; t < ms; t += 5) {
		if (waitpid(k->pid, &st, WNOHANG) == k->pid) {
			k->reaped = true;
			k->status = st;
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		}
		usleep(5000);
	}
	return -1;
}

/* Wait for a child's exit, at most @ms; then kill it. Its exit code, or -1. */
static int reap(self_t *self, int i, int ms)
{
	struct kid *k = &self->kids[i];
	int st = 0, r = wait_exit(self, i, ms);

	if (k->reaped)
		return r;
	kill(k->pid, SIGKILL);
	waitpid(k->pid, &st, 0);
	k->reaped = true;
	k->status = st;
	return -1;
}

/*
 * Wait for a child's exit for as long as it makes progress: the sum of
 * its slot's first @n results must grow at least once in every @ms.
 * Then kill it. Its exit code, or -1.
 */
static int reap_busy(self_t *self, int i, int n, int ms)
{
	volatile long *c = slot(self, i);
	long last = -1, now;
	int r;

	for (;;) {
		r = wait_exit(self, i, ms);
		if (self->kids[i].reaped)
			return r;
		now = 0;
		for (int j = 0; j < n; j++)
			now += c[j];
		if (now == last)
			return reap(self, i, 0);
		last = now;
	}
}

static void kill_kid(self_t *self, int i)
{
	if (self->kids[i].reaped)
		return;
	kill(self->kids[i].pid, SIGKILL);
	reap(self, i, REAP_MS);
}

/* Wait, at most @ms, until a stopped child is reported stopped. */
static bool wait_stopped(pid_t pid, int ms)
{
	int st;

	for (int t = 0; t < ms; t += 5) {
		if (waitpid(pid, &st, WNOHANG | WUNTRACED) == pid && WIFSTOPPED(st))
			return true;
		usleep(5000);
	}
	return false;
}

/* --- what the kernel says about processes and mailboxes -------------- */

static char proc_state(pid_t pid)
{
	char path[64], buf[512], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : 0;
}

/* The system call a process is blocked in, -1 if unknown. */
static long proc_syscall(pid_t pid)
{
	char path[64], buf[128];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/syscall", pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0 || buf[0] < '0' || buf[0] > '9')
		return -1;
	buf[n] = 0;
	return strtol(buf, NULL, 10);
}

/*
 * Wait until @pid sleeps in ioctl(): in msgpass, for these tests. Only
 * used to order steps so that a test exercises the path it is about;
 * the assertions hold whichever way it went.
 */
static bool wait_asleep_in_ioctl(pid_t pid, int ms)
{
	for (int t = 0; t < ms; t += 2) {
		long sc = proc_syscall(pid);

		if (proc_state(pid) == 'S' && (sc == SYS_ioctl || sc == -1))
			return true;
		usleep(2000);
	}
	return false;
}

enum { Q_QNUM, Q_SENDERS, Q_RECEIVERS };

static long mbox_field(int id, int what)
{
	struct mp_mbox_info info;

	if (mp_mbox_info(id, &info))
		return -1;
	switch (what) {
	case Q_QNUM:
		return info.qnum;
	case Q_SENDERS:
		return info.waiting_senders;
	default:
		return info.waiting_receivers;
	}
}

static bool wait_mbox(int id, int what, long val, int ms)
{
	for (int t = 0; t < ms; t += 2) {
		if (mbox_field(id, what) == val)
			return true;
		usleep(2000);
	}
	return false;
}

/* Messages waiting in the caller's inbox, over every link. */
static long inbox_qnum(void)
{
	struct mp_link_info li[64];
	size_t total = 0;
	ssize_t n = mp_links(0, MP_LINKS_IN, li, 64, &total);
	long q = 0;

	if (n < 0)
		return -1;
	for (ssize_t i = 0; i < n; i++)
		q += li[i].qnum;
	return q;
}

static bool wait_inbox(long val, int ms)
{
	for (int t = 0; t < ms; t += 2) {
		if (inbox_qnum() == val)
			return true;
		usleep(2000);
	}
	return false;
}

/* Drain the caller's inbox: how many messages were there. */
static int drain_inbox(void)
{
	static struct { long mtype; char t[65536]; } m;
	int n = 0;

	while (n < 10000) {
		struct mp_recvopt o;
		struct mp_msghdr h;
		int fds[MP_FDS_MAX];

		memset(&o, 0, sizeof(o));
		o.fds = fds;
		o.fd_room = MP_FDS_MAX;
		if (mp_receive_ext(MP_ANY, &m, sizeof(m.t), 0, IPC_NOWAIT | MSG_NOERROR,
				   &o, &h) < 0)
			break;
		for (unsigned int i = 0; i < h.nr_fds && i < MP_FDS_MAX; i++)
			close(fds[i]);
		n++;
	}
	return n;
}

/* --- parameters ---------------------------------------------------- */

static int write_param(const char *name, long long v)
{
	char path[128], buf[32];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/sys/module/msgpass/parameters/%s", name);
	snprintf(buf, sizeof(buf), "%lld", v);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -1;
	n = write(fd, buf, strlen(buf));
	close(fd);
	return n == (ssize_t)strlen(buf) ? 0 : -1;
}

/* Set a parameter for this test; teardown puts the old value back. */
static int set_param(self_t *self, const char *name, long long v)
{
	long long old = mp_test_param(name);
	int i;

	if (old < 0)
		return -1;
	for (i = 0; i < self->nr_params; i++)
		if (!strcmp(self->pname[i], name))
			break;
	if (i == self->nr_params) {
		if (i == 4)
			return -1;
		snprintf(self->pname[i], sizeof(self->pname[i]), "%s", name);
		self->pval[i] = old;
		self->nr_params++;
	}
	return write_param(name, v);
}

static int track_mbox(self_t *self, int id)
{
	if (id >= 0 && self->nr_mboxes < 16)
		self->mboxes[self->nr_mboxes++] = id;
	return id;
}

static int track_sysv(self_t *self, int id)
{
	if (id >= 0 && self->nr_sysv < 16)
		self->sysv[self->nr_sysv++] = id;
	return id;
}

/* --- the fixture ---------------------------------------------------- */

/*
 * Counters, read through a descriptor of its own: the caller's endpoint
 * is counted (once) whether or not the library has opened the device.
 */
static int read_counters(struct mp_counters_info *c)
{
	int fd = open(MSGPASS_DEVICE, O_RDWR | O_CLOEXEC), r;

	if (fd < 0)
		return -1;
	r = ioctl(fd, MP_IOC_COUNTERS, c);
	close(fd);
	return r < 0 ? -1 : 0;
}

FIXTURE_SETUP(attack)
{
	self->shm = mmap(NULL, SHM_SIZE, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->shm);
	ASSERT_EQ(0, read_counters(&self->start));
	/* The test process is an endpoint: its children send to it. */
	ASSERT_LE(0, mp_fd());
}

static bool counters_same(const struct mp_counters_info *a,
			  const struct mp_counters_info *b)
{
	return a->endpoints == b->endpoints && a->mailboxes == b->mailboxes &&
	       a->messages == b->messages && a->files == b->files &&
	       a->links == b->links;
}

FIXTURE_TEARDOWN(attack)
{
	struct mp_counters_info now = { 0 };

	/* An ASSERT that bailed out left this set: later checks would log. */
	_metadata->trigger = 0;
	for (int i = 0; i < self->nr_kids; i++) {
		kill_kid(self, i);
		close(self->kids[i].cmd);
		close(self->kids[i].res);
	}
	for (int i = 0; i < self->nr_mboxes; i++)
		mp_msgctl(self->mboxes[i], IPC_RMID, NULL);
	for (int i = 0; i < self->nr_sysv; i++)
		msgctl(self->sysv[i], IPC_RMID, NULL);
	for (int i = 0; i < self->nr_params; i++)
		write_param(self->pname[i], self->pval[i]);
	/*
	 * The test's own endpoint ends too, with its inbox and the links
	 * into it (which live as long as it does). Nothing uses the library
	 * after this.
	 */
	close(mp_fd());

	/* Every child is reaped; what they held went with their last close. */
	for (int t = 0; t < 1000; t++) {
		if (read_counters(&now) || counters_same(&now, &self->start))
			break;
		usleep(10000);
	}
	EXPECT_EQ(self->start.endpoints, now.endpoints) TH_LOG("endpoints leaked");
	EXPECT_EQ(self->start.mailboxes, now.mailboxes) TH_LOG("mailboxes leaked");
	EXPECT_EQ(self->start.messages, now.messages) TH_LOG("messages leaked");
	EXPECT_EQ(self->start.files, now.files) TH_LOG("files leaked");
	EXPECT_EQ(self->start.links, now.links) TH_LOG("links leaked");
	munmap((void *)self->shm, SHM_SIZE);
}

/* --- the agent: a child that does what it is told ------------------- */

static struct { long mtype; char t[70000]; } abuf, rbuf;

static void store_hdr(volatile long *p, const struct mp_msghdr *h, long ret)
{
	p[R_RET] = ret;
	if (ret < 0) {
		for (int i = R_SEQ; i <= R_BODY0; i++)
			p[i] = 0;
		return;
	}
	p[R_SEQ] = h->seq;
	p[R_HFLAGS] = h->flags;
	p[R_PID] = h->sender_pid;
	p[R_UID] = h->sender_uid;
	p[R_HLEN] = h->len;
	p[R_HTYPE] = h->type;
	p[R_PRIO] = h->priority;
	p[R_NRFDS] = h->nr_fds;
	p[R_CALLID] = h->call_id;
	p[R_BODY0] = rbuf.t[0];
}

static long agent_op(struct kctx *k, int op)
{
	volatile long *p = k->slot;
	size_t len = p[S_LEN];
	struct mp_msghdr h;
	long r;

	memset(&h, 0, sizeof(h));
	abuf.mtype = p[S_TYPE] ? p[S_TYPE] : 1;
	if (len > sizeof(abuf.t))
		len = sizeof(abuf.t);
	memset(abuf.t, p[S_TAG] ? (int)p[S_TAG] : 'm', len);

	switch (op) {
	case OP_SEND:
	case OP_MSGSND: {
		struct mp_sendopt o = {
			.flags = p[S_FLAGS], .priority = p[S_PRIO],
			.timeout_ns = p[S_TIMEOUT],
		};

		if (o.timeout_ns)
			o.flags |= MP_SEND_TIMEOUT;
		if (op == OP_SEND)
			return mp_send_ext(p[S_TARGET], &abuf, len, p[S_MSGFLG], &o);
		return mp_msgsnd_ext(p[S_TARGET], &abuf, len, p[S_MSGFLG], &o);
	}
	case OP_LINK:
		return mp_link_create(p[S_TARGET], p[S_FLAGS], p[S_CAP], p[S_MAXB]);
	case OP_CALL: {
		struct mp_callopt o = {
			.flags = MP_CALL_TIMEOUT, .priority = p[S_PRIO],
			.timeout_ns = p[S_TIMEOUT] ? p[S_TIMEOUT] : 20 * SEC,
		};

		r = mp_call(p[S_TARGET], &abuf, len, &rbuf, 256, &o, &h);
		store_hdr(p, &h, r);
		return r;
	}
	case OP_RECV:
	case OP_MSGRCV: {
		int fds[MP_FDS_MAX];
		struct mp_recvopt o = {
			.flags = p[S_FLAGS], .timeout_ns = p[S_TIMEOUT],
			.fds = fds, .fd_room = p[S_FDROOM],
		};

		if (o.timeout_ns)
			o.flags |= MP_RECV_TIMEOUT;
		if (!len)
			len = 256;
		rbuf.t[0] = 0;
		if (op == OP_RECV)
			r = mp_receive_ext(p[S_TARGET], &rbuf, len, p[S_TYPE], p[S_MSGFLG], &o, &h);
		else
			r = mp_msgrcv_ext(p[S_TARGET], &rbuf, len, p[S_TYPE], p[S_MSGFLG], &o, &h);
		store_hdr(p, &h, r);
		if (r >= 0 && !(o.flags & MP_RECV_DISCARD))
			for (unsigned int i = 0; i < h.nr_fds && i < o.fd_room; i++)
				close(fds[i]);
		return r;
	}
	case OP_ACCEPT: {
		struct mp_accept_args a = { .mode = p[S_MODE] };

		return ioctl(mp_fd(), MP_IOC_ACCEPT, &a);
	}
	case OP_DRAIN:
		return drain_inbox();
	case OP_SUB:
		return mp_mbox_subscribe(p[S_TARGET]);
	case OP_MKBOX: {
		struct mp_attr a = {
			.flags = p[S_FLAGS], .kind = p[S_KIND], .lifetime = p[S_LIFE],
			.capacity = p[S_CAP], .max_bytes = p[S_MAXB],
		};

		return mp_msgget_attr(IPC_PRIVATE, NULL, IPC_CREAT | p[S_MODE], &a);
	}
	}
	errno = EINVAL;
	return -1;
}

/* Opens the device, says its pid, then runs commands until OP_EXIT. */
static int agent(struct kctx *k)
{
	if (mp_fd() < 0)
		return 10;
	k_say(k, getpid());
	for (;;) {
		int op = k_wait(k);
		long r;

		if (op < 0 || op == OP_EXIT)
			return 0;
		errno = 0;
		r = agent_op(k, op);
		k->slot[R_ERR] = r < 0 ? errno : 0;
		k_say(k, r < 0 ? -errno : (int)r);
	}
}

/* An agent of @uid, started: its index; its pid is self->kids[i].pid. */
static int agent_start(self_t *self, uid_t uid)
{
	int i = spawn(self, uid, agent, 0);

	if (i < 0)
		return -1;
	if (hear(self, i, WAIT_MS) != self->kids[i].pid)
		return -1;
	return i;
}

static struct tmsg {
	long mtype;
	char t[9000];
} tm;

static int send_to(pid_t pid, long type, const char *body, unsigned int prio)
{
	struct mp_sendopt o = { .priority = prio };

	tm.mtype = type;
	strcpy(tm.t, body);
	return mp_send_ext(pid, &tm, strlen(body), IPC_NOWAIT, &o);
}

/* =====================================================================
 * 2. Files that can hold files do not travel in messages.
 */
enum {
	F_IOURING, F_EPOLL, F_SIGNALFD, F_UNIX, F_MSGPASS, F_MBOXFD, F_DEVNULL,
	F_REFUSED_END,
	F_REGULAR = F_REFUSED_END, F_MEMFD, F_PIPE, F_EVENTFD, F_INET, F_DIR,
	F_NR
};

static const char *const file_kind[F_NR] = {
	"io_uring", "epoll", "signalfd", "unix socket", "/dev/msgpass",
	"mailbox fd", "/dev/null", "regular file", "memfd", "pipe", "eventfd",
	"AF_INET socket", "directory",
};

/* Results per kind: ret, errno, verified (1 yes, 0 no, -1 not tried). */
#define FR(k, f, w) ((k)->shm[CUSTOM + (f) * 4 + (w)])

static int send_fd_self(int fd)
{
	struct mp_sendopt o = { .fds = &fd, .nr_fds = 1 };

	tm.mtype = 1;
	memcpy(tm.t, "fd", 2);
	return mp_send_ext(getpid(), &tm, 2, IPC_NOWAIT, &o);
}

static int recv_fd_self(void)
{
	struct mp_recvopt o;
	struct mp_msghdr h;
	int fd = -1;

	memset(&o, 0, sizeof(o));
	o.fds = &fd;
	o.fd_room = 1;
	if (mp_receive_ext(MP_ANY, &tm, sizeof(tm.t), 0, IPC_NOWAIT, &o, &h) < 0)
		return -1;
	return h.nr_fds == 1 ? fd : -1;
}

static bool same_file(int a, int b)
{
	struct stat sa, sb;

	return !fstat(a, &sa) && !fstat(b, &sb) && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}

static bool verify_fd(int kind, int orig, int got, int aux)
{
	char buf[16] = "";
	uint64_t v = 5;
	int dom = 0;
	socklen_t l = sizeof(dom);

	switch (kind) {
	case F_REGULAR:
		return same_file(orig, got) && pread(got, buf, 7, 0) == 7 &&
		       !memcmp(buf, "regular", 7);
	case F_MEMFD:
		return same_file(orig, got) && pread(got, buf, 5, 0) == 5 &&
		       !memcmp(buf, "memfd", 5);
	case F_PIPE:	/* @orig is the write end, @aux the read end */
		return write(got, "p", 1) == 1 && read(aux, buf, 1) == 1 && buf[0] == 'p';
	case F_EVENTFD:
		return write(got, &v, 8) == 8 && read(orig, &v, 8) == 8 && v == 5;
	case F_INET:
		return same_file(orig, got) &&
		       !getsockopt(got, SOL_SOCKET, SO_DOMAIN, &dom, &l) && dom == AF_INET;
	case F_DIR:
		return same_file(orig, got);
	}
	return false;
}

static int files_kid(struct kctx *k)
{
	int fd[F_NR], aux = -1, p[2], sv[2], box;
	struct io_uring_params up;
	sigset_t ss;

	if (mp_fd() < 0)
		return 10;
	for (int f = 0; f < F_NR; f++) {
		fd[f] = -1;
		FR(k, f, 2) = -1;
	}
	memset(&up, 0, sizeof(up));
	fd[F_IOURING] = syscall(__NR_io_uring_setup, 2, &up);
	fd[F_EPOLL] = epoll_create1(0);
	sigemptyset(&ss);
	sigaddset(&ss, SIGUSR2);
	fd[F_SIGNALFD] = signalfd(-1, &ss, 0);
	if (!socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		fd[F_UNIX] = sv[0];
	fd[F_MSGPASS] = mp_fd();
	box = mp_msgget(IPC_PRIVATE, IPC_CREAT | 0600);
	fd[F_MBOXFD] = box >= 0 ? mp_mbox_fd(box, 0) : -1;
	fd[F_DEVNULL] = open("/dev/null", O_RDWR);
	fd[F_REGULAR] = (int)k->arg;	/* made by root, inherited */
	fd[F_MEMFD] = memfd_create("attack", 0);
	if (fd[F_MEMFD] >= 0 && write(fd[F_MEMFD], "memfd", 5) != 5)
		return 11;
	if (!pipe(p)) {
		fd[F_PIPE] = p[1];
		aux = p[0];
	}
	fd[F_EVENTFD] = eventfd(0, EFD_NONBLOCK);
	fd[F_INET] = socket(AF_INET, SOCK_DGRAM, 0);
	fd[F_DIR] = open("/", O_RDONLY | O_DIRECTORY);

	for (int f = 0; f < F_NR; f++) {
		int r, got;

		if (fd[f] < 0) {
			FR(k, f, 0) = -1;
			FR(k, f, 1) = errno;
			continue;	/* not here: verified stays -1 */
		}
		r = send_fd_self(fd[f]);
		FR(k, f, 0) = r;
		FR(k, f, 1) = r ? errno : 0;
		if (r) {
			/* Refused: and nothing of it was queued. */
			FR(k, f, 2) = inbox_qnum() == 0;
			continue;
		}
		got = recv_fd_self();
		if (f < F_REFUSED_END)	/* it went: take it back out */
			FR(k, f, 2) = inbox_qnum() == 0;
		else
			FR(k, f, 2) = got >= 0 && verify_fd(f, fd[f], got, aux);
		if (got >= 0)
			close(got);
	}
	if (box >= 0)
		mp_msgctl(box, IPC_RMID, NULL);
	return 0;
}

TEST_F(attack, attack_02_files_that_hold_files_do_not_travel)
{
	char path[] = "/tmp/attack-XXXXXX";
	int reg, i;

	/* A regular file, made by root before the attacker drops its rights. */
	reg = mkstemp(path);
	ASSERT_LE(0, reg);
	unlink(path);
	ASSERT_EQ(7, write(reg, "regular", 7));

	i = spawn(self, NOBODY, files_kid, reg);
	ASSERT_LE(0, i);
	close(reg);
	ASSERT_EQ(0, reap(self, i, REAP_MS));

	for (int f = 0; f < F_NR; f++) {
		struct kctx k = { .shm = self->shm };
		long ret = FR(&k, f, 0), err = FR(&k, f, 1), ok = FR(&k, f, 2);

		if (ok < 0 && ret < 0) {
			TH_LOG("%s: could not be made here (errno %ld), not tried",
			       file_kind[f], err);
			continue;
		}
		if (f < F_REFUSED_END) {
			EXPECT_EQ(-1, ret) TH_LOG("%s travelled in a message", file_kind[f]);
			EXPECT_EQ(EINVAL, err) TH_LOG("%s: errno %ld", file_kind[f], err);
			EXPECT_EQ(1, ok) TH_LOG("%s: something stayed queued", file_kind[f]);
		} else {
			EXPECT_EQ(0, ret) TH_LOG("%s refused: errno %ld", file_kind[f], err);
			EXPECT_EQ(1, ok) TH_LOG("%s not received intact", file_kind[f]);
		}
	}
}

/* The original leak: a ring holding the device, sent into one's own inbox. */
static int ring_kid(struct kctx *k)
{
	struct io_uring_params up;
	int ring, dev = mp_fd();

	if (dev < 0)
		return 10;
	memset(&up, 0, sizeof(up));
	ring = syscall(__NR_io_uring_setup, 2, &up);
	if (ring < 0) {
		k->slot[R_X1] = errno;
		return 20;
	}
	if (syscall(__NR_io_uring_register, ring, IORING_REGISTER_FILES, &dev, 1)) {
		k->slot[R_X1] = errno;
		return 21;
	}
	k->slot[R_RET] = send_fd_self(ring);
	k->slot[R_ERR] = k->slot[R_RET] ? errno : 0;
	return 0;	/* and exit, the message (if sent) still queued */
}

TEST_F(attack, attack_02_io_uring_holding_the_device_leaks_nothing)
{
	int i = spawn(self, NOBODY, ring_kid, 0), code;

	ASSERT_LE(0, i);
	code = reap(self, i, REAP_MS);
	if (code == 20 || code == 21)
		SKIP(return, "io_uring unavailable (step %d, errno %ld)", code,
		     slot(self, i)[R_X1]);
	ASSERT_EQ(0, code);
	EXPECT_EQ(-1, slot(self, i)[R_RET]) TH_LOG("the ring travelled");
	EXPECT_EQ(EINVAL, slot(self, i)[R_ERR]);
	/* Teardown: the endpoint, its inbox and the ring must all be gone. */
}

/* =====================================================================
 * 3. Notes from the kernel are marked as such, and respect capacity.
 */
TEST_F(attack, attack_03_watch_notes_are_marked_as_the_kernels)
{
	struct { long mtype; struct mp_death_note n; char pad[64]; } note;
	struct mp_recvopt o = { .flags = MP_RECV_TIMEOUT, .timeout_ns = 10 * SEC };
	struct mp_msghdr h;
	int w = agent_start(self, NOBODY);
	pid_t wp;

	ASSERT_LE(0, w);
	wp = self->kids[w].pid;
	ASSERT_EQ(0, mp_watch_process(wp, 77, 0x5eed, -1));
	/* The attacker forges a death note before it goes. */
	slot(self, w)[S_TARGET] = getpid();
	slot(self, w)[S_TYPE] = 77;
	slot(self, w)[S_LEN] = sizeof(struct mp_death_note);
	slot(self, w)[S_MSGFLG] = IPC_NOWAIT;
	ASSERT_EQ(0, act(self, w, OP_SEND));
	cmd(self, w, OP_EXIT);
	ASSERT_EQ(0, reap(self, w, REAP_MS));

	/* The forgery first: from the attacker, not the kernel. */
	ASSERT_EQ(sizeof(note.n), mp_receive_ext(MP_ANY, &note, sizeof(note.n) + 64, 77, 0, &o, &h));
	EXPECT_EQ(0, h.flags & MP_MSG_KERNEL) TH_LOG("a process's message marked MP_MSG_KERNEL");
	EXPECT_EQ(wp, h.sender_pid);
	EXPECT_EQ(NOBODY, h.sender_uid);

	/* Then the real note. */
	ASSERT_EQ(sizeof(note.n), mp_receive_ext(MP_ANY, &note, sizeof(note.n) + 64, 77, 0, &o, &h));
	EXPECT_EQ(wp, note.n.target);
	EXPECT_EQ(MP_GONE_EXIT, note.n.reason);
	EXPECT_EQ(0x5eed, note.n.cookie);
	EXPECT_EQ(MP_MSG_KERNEL, h.flags & MP_MSG_KERNEL) TH_LOG("note flags 0x%x", h.flags);
	EXPECT_EQ(0, h.sender_pid);
	EXPECT_EQ(MP_UID_KERNEL, h.sender_uid) TH_LOG("note sender_uid %u", h.sender_uid);

	/* A message from root is root's, not the kernel's. */
	ASSERT_EQ(0, send_to(getpid(), 5, "root", 0));
	ASSERT_EQ(4, mp_receive_ext(MP_ANY, &tm, sizeof(tm.t), 5, IPC_NOWAIT, NULL, &h));
	EXPECT_EQ(0, h.flags & MP_MSG_KERNEL);
	EXPECT_EQ(0, h.sender_uid);
	EXPECT_EQ(getpid(), h.sender_pid);
}

/* Watches a process of its own with the note going to @box. */
static int note_kid(struct kctx *k)
{
	struct { long mtype; struct mp_death_note n; } note;
	struct mp_recvopt o = { .flags = MP_RECV_TIMEOUT, .timeout_ns = 10 * SEC };
	struct mp_msghdr h;
	volatile long *p = k->slot;
	int ready[2], go[2], st;
	pid_t me = getpid(), w;
	long r;

	if (mp_fd() < 0 || pipe(ready) || pipe(go))
		return 10;
	w = fork();
	if (w < 0)
		return 11;
	if (w == 0) {
		die_with_parent(me);
		if (mp_fd() < 0)
			_exit(1);
		mp_pipe_put(ready[1], 'r');
		mp_pipe_get(go[0], 60000);
		_exit(0);
	}
	if (mp_pipe_get(ready[0], WAIT_MS) < 0)
		return 12;
	p[R_X1] = w;
	p[R_X2] = mp_watch_process(w, 77, 0xbad, (int)k->arg) ? -errno : 0;
	mp_pipe_put(go[1], 'g');
	waitpid(w, &st, 0);
	/* Once the watched process is reaped its endpoint is gone: the note is out. */
	r = mp_receive_ext(MP_ANY, &note, sizeof(note.n), 77, 0, &o, &h);
	p[R_X3] = r < 0 ? -errno : r;
	p[R_X4] = r >= 0 ? note.n.target : 0;
	return 0;
}

/*
 * Notes are the kernel's word: nobody may aim them at a mailbox it does
 * not read itself (here: one it may write but not read).
 */
TEST_F(attack, attack_03_watch_note_only_into_a_mailbox_one_reads)
{
	int box = track_mbox(self, mp_msgget(IPC_PRIVATE, IPC_CREAT | 0622));
	int i;

	ASSERT_LE(0, box);
	i = spawn(self, NOBODY, note_kid, box);
	ASSERT_LE(0, i);
	ASSERT_EQ(0, reap(self, i, REAP_MS));
	EXPECT_EQ(-EACCES, slot(self, i)[R_X2]) TH_LOG("a note aimed at another's mailbox");
	EXPECT_EQ(0, mbox_field(box, Q_QNUM));
}

TEST_F(attack, attack_03_watch_note_does_not_overfill_a_full_mailbox)
{
	struct mp_attr a = { .flags = MP_ATTR_CAPACITY | MP_ATTR_MODE_RECEIVE, .capacity = 1 };
	int box = track_mbox(self, mp_msgget_attr(IPC_PRIVATE, NULL, IPC_CREAT | 0666, &a));
	int i;

	ASSERT_LE(0, box);
	tm.mtype = 1;
	ASSERT_EQ(0, mp_msgsnd(box, &tm, 1, IPC_NOWAIT));	/* full */
	i = spawn(self, NOBODY, note_kid, box);
	ASSERT_LE(0, i);
	ASSERT_EQ(0, reap(self, i, REAP_MS));
	ASSERT_EQ(0, slot(self, i)[R_X2]) TH_LOG("the watch failed");
	EXPECT_EQ(1, mbox_field(box, Q_QNUM)) TH_LOG("the note went past the capacity");
	EXPECT_EQ(sizeof(struct mp_death_note), slot(self, i)[R_X3])
		TH_LOG("no note in the watcher's own inbox (%ld)", slot(self, i)[R_X3]);
	EXPECT_EQ(slot(self, i)[R_X1], slot(self, i)[R_X4]);
	/* The mailbox holds its own message only. */
	EXPECT_EQ(1, mp_msgrcv(box, &tm, sizeof(tm.t), 0, IPC_NOWAIT));
	EXPECT_EQ(1, tm.mtype);
	EXPECT_EQ(-1, mp_msgrcv(box, &tm, sizeof(tm.t), 0, IPC_NOWAIT));
}

/* =====================================================================
 * 5. Starving an inbox, priorities, and who may send at all.
 */

/* Sends a message carrying a pipe's write end, keeps the read end. */
static int fd_starver(struct kctx *k)
{
	struct mp_sendopt o = { .priority = MP_PRIO_USER_MAX, .nr_fds = 1 };
	struct pollfd pf;
	int p[2], r;
	char c;

	if (mp_fd() < 0 || pipe(p))
		return 10;
	o.fds = &p[1];
	tm.mtype = 3;
	memcpy(tm.t, "starve-you", 10);
	r = mp_send_ext((pid_t)k->arg, &tm, 10, IPC_NOWAIT, &o) ? -errno : 0;
	close(p[1]);
	k_say(k, r);
	if (k_wait(k) < 0)
		return 11;
	/* Once the message is dropped, the last write end is closed: EOF. */
	pf = (struct pollfd){ .fd = p[0], .events = POLLIN };
	if (poll(&pf, 1, WAIT_MS) != 1) {
		k_say(k, -ETIMEDOUT);
		return 0;
	}
	k_say(k, (int)read(p[0], &c, 1));
	return 0;
}

TEST_F(attack, attack_05_discard_gets_past_a_message_it_cannot_take)
{
	int v = agent_start(self, VICTIM), a;
	volatile long *vp;
	pid_t vpid;

	ASSERT_LE(0, v);
	vpid = self->kids[v].pid;
	vp = slot(self, v);
	a = spawn(self, NOBODY, fd_starver, vpid);
	ASSERT_LE(0, a);
	ASSERT_EQ(0, hear(self, a, WAIT_MS)) TH_LOG("the attacker's send failed");
	ASSERT_EQ(0, send_to(vpid, 4, "legit", 0));

	/* The victim takes no descriptors: the attacker's message blocks it. */
	vp[S_TARGET] = MP_ANY;
	vp[S_MSGFLG] = IPC_NOWAIT;
	vp[S_LEN] = 64;
	EXPECT_EQ(-ENOBUFS, act(self, v, OP_RECV));
	vp[S_FLAGS] = MP_RECV_DISCARD;
	ASSERT_EQ(10, act(self, v, OP_RECV)) TH_LOG("MP_RECV_DISCARD: %s", strerror(vp[R_ERR]));
	EXPECT_EQ(MP_MSG_DISCARDED, vp[R_HFLAGS] & MP_MSG_DISCARDED);
	EXPECT_EQ(3, vp[R_HTYPE]);
	EXPECT_EQ(10, vp[R_HLEN]);
	EXPECT_EQ(NOBODY, vp[R_UID]);
	EXPECT_EQ(MP_PRIO_USER_MAX, vp[R_PRIO]);
	cmd(self, a, 1);
	EXPECT_EQ(0, hear(self, a, 2 * WAIT_MS)) TH_LOG("the dropped descriptor is still open");
	/* And the legitimate message behind it comes through. */
	vp[S_FLAGS] = 0;
	EXPECT_EQ(5, act(self, v, OP_RECV));
	EXPECT_EQ(4, vp[R_HTYPE]);
	EXPECT_EQ(0, vp[R_UID]);
	EXPECT_EQ(-ENOMSG, act(self, v, OP_RECV));
}

TEST_F(attack, attack_05_priority_above_user_max_needs_cap_sys_nice)
{
	int v = agent_start(self, VICTIM), a = agent_start(self, NOBODY), box;
	volatile long *vp, *ap;
	pid_t vpid, apid;

	ASSERT_LE(0, v);
	ASSERT_LE(0, a);
	vpid = self->kids[v].pid;
	apid = self->kids[a].pid;
	vp = slot(self, v);
	ap = slot(self, a);
	vp[S_MODE] = 0622;
	vp[S_LIFE] = MP_LIFETIME_PROCESS;
	box = act(self, v, OP_MKBOX);
	ASSERT_LE(0, box);

	ap[S_MSGFLG] = IPC_NOWAIT;
	ap[S_LEN] = 4;
	ap[S_TARGET] = vpid;
	ap[S_PRIO] = MP_PRIO_USER_MAX + 1;
	EXPECT_EQ(-EPERM, act(self, a, OP_SEND)) TH_LOG("priority 128 into another user's inbox");
	ap[S_PRIO] = MP_PRIO_MAX;
	EXPECT_EQ(-EPERM, act(self, a, OP_SEND)) TH_LOG("priority 255 into another user's inbox");
	ap[S_TARGET] = box;
	ap[S_PRIO] = MP_PRIO_USER_MAX + 1;
	EXPECT_EQ(-EPERM, act(self, a, OP_MSGSND)) TH_LOG("priority 128 into another user's mailbox");
	/* Up to MP_PRIO_USER_MAX is anyone's to use. */
	ap[S_PRIO] = MP_PRIO_USER_MAX;
	EXPECT_EQ(0, act(self, a, OP_MSGSND));
	ap[S_TARGET] = vpid;
	EXPECT_EQ(0, act(self, a, OP_SEND));
	/* Into its own inbox, any priority. */
	ap[S_TARGET] = apid;
	ap[S_PRIO] = MP_PRIO_MAX;
	EXPECT_EQ(0, act(self, a, OP_SEND));
	EXPECT_EQ(1, act(self, a, OP_DRAIN));
	/* CAP_SYS_NICE may. */
	EXPECT_EQ(0, send_to(vpid, 1, "root", 200));
	EXPECT_EQ(1, mbox_field(box, Q_QNUM));
	EXPECT_EQ(2, act(self, v, OP_DRAIN));
}

TEST_F(attack, attack_05_accept_modes_refuse_senders)
{
	int v = agent_start(self, VICTIM), f = agent_start(self, VICTIM);
	int a = agent_start(self, NOBODY);
	volatile long *vp, *fp, *ap;

	ASSERT_LE(0, v);
	ASSERT_LE(0, f);
	ASSERT_LE(0, a);
	vp = slot(self, v);
	fp = slot(self, f);
	ap = slot(self, a);
	fp[S_TARGET] = ap[S_TARGET] = self->kids[v].pid;
	fp[S_MSGFLG] = ap[S_MSGFLG] = IPC_NOWAIT;
	fp[S_LEN] = ap[S_LEN] = 1;

	vp[S_MODE] = MP_ACCEPT_SAME_USER;
	ASSERT_EQ(0, act(self, v, OP_ACCEPT)) TH_LOG("MP_IOC_ACCEPT: %s", strerror(vp[R_ERR]));
	EXPECT_EQ(-ECONNREFUSED, act(self, a, OP_LINK));
	EXPECT_EQ(-ECONNREFUSED, act(self, a, OP_SEND));
	ap[S_TIMEOUT] = 5 * SEC;
	EXPECT_EQ(-ECONNREFUSED, act(self, a, OP_CALL));
	ap[S_TIMEOUT] = 0;
	EXPECT_EQ(0, act(self, f, OP_SEND)) TH_LOG("the same user is refused");

	vp[S_MODE] = MP_ACCEPT_NONE;
	ASSERT_EQ(0, act(self, v, OP_ACCEPT));
	EXPECT_EQ(-ECONNREFUSED, act(self, f, OP_SEND));
	EXPECT_EQ(-ECONNREFUSED, act(self, a, OP_SEND));

	vp[S_MODE] = MP_ACCEPT_ANY;
	ASSERT_EQ(0, act(self, v, OP_ACCEPT));
	EXPECT_EQ(0, act(self, a, OP_SEND));
	/* What came in while it was allowed is all there is. */
	EXPECT_EQ(2, act(self, v, OP_DRAIN));
}

/* =====================================================================
 * 6. Link exhaustion.
 */
TEST_F(attack, attack_06_links_per_user_cap_into_one_receiver)
{
	long long cap = mp_test_param("max_links_per_user");
	long long max = mp_test_param("max_links");
	int v, o, n, r = 0, senders[MAX_KIDS];
	pid_t vpid;

	if (cap < 0)
		SKIP(return, "no max_links_per_user parameter");
	if (!set_param(self, "max_links_per_user", 8))
		cap = 8;
	else
		cap = mp_test_param("max_links_per_user");
	if (cap <= 0 || cap > MAX_KIDS - 6 || cap >= max)
		SKIP(return, "max_links_per_user %lld (max_links %lld): not testable here", cap, max);
	v = agent_start(self, VICTIM);
	ASSERT_LE(0, v);
	vpid = self->kids[v].pid;

	/* The attacker's live processes, one message each, until refused. */
	for (n = 0; n < cap + 2; n++) {
		senders[n] = agent_start(self, NOBODY);
		ASSERT_LE(0, senders[n]);
		slot(self, senders[n])[S_TARGET] = vpid;
		slot(self, senders[n])[S_MSGFLG] = IPC_NOWAIT;
		slot(self, senders[n])[S_LEN] = 1;
		r = act(self, senders[n], OP_SEND);
		if (r)
			break;
	}
	EXPECT_EQ(cap, n) TH_LOG("%d links from one user", n);
	EXPECT_EQ(-EMLINK, r);
	/* Someone else still gets through. */
	o = agent_start(self, OTHER);
	ASSERT_LE(0, o);
	slot(self, o)[S_TARGET] = vpid;
	slot(self, o)[S_MSGFLG] = IPC_NOWAIT;
	slot(self, o)[S_LEN] = 1;
	EXPECT_EQ(0, act(self, o, OP_SEND)) TH_LOG("another user is locked out");
	EXPECT_EQ(cap + 1, act(self, v, OP_DRAIN));
}

TEST_F(attack, attack_06_empty_links_of_live_senders_are_reclaimed)
{
	int v, s[5];
	pid_t vpid;

	ASSERT_EQ(0, set_param(self, "max_links", 4));
	v = agent_start(self, VICTIM);
	ASSERT_LE(0, v);
	vpid = self->kids[v].pid;
	/* Five senders of five users: no per-user cap comes into it. */
	for (int i = 0; i < 5; i++) {
		s[i] = agent_start(self, 2001 + i);
		ASSERT_LE(0, s[i]);
		slot(self, s[i])[S_TARGET] = vpid;
		slot(self, s[i])[S_MSGFLG] = IPC_NOWAIT;
		slot(self, s[i])[S_LEN] = 1;
	}
	for (int i = 0; i < 4; i++)
		ASSERT_EQ(0, act(self, s[i], OP_SEND));
	/* Four links, each holding a message: full. */
	EXPECT_EQ(-EMLINK, act(self, s[4], OP_SEND));
	/* Received: the four links are empty, their senders alive. */
	ASSERT_EQ(4, act(self, v, OP_DRAIN));
	EXPECT_EQ(0, act(self, s[4], OP_SEND)) TH_LOG("empty links of live senders still count");
	EXPECT_EQ(1, act(self, v, OP_DRAIN));
}

/* =====================================================================
 * 7. A synchronous send withdrawn makes room: who waits for it must wake.
 */
static void withdraw_case(struct __test_metadata *_metadata, self_t *self,
			  bool by_signal)
{
	struct mp_attr at = { .flags = MP_ATTR_CAPACITY, .capacity = 1 };
	int box = track_mbox(self, mp_msgget_attr(IPC_PRIVATE, NULL, IPC_CREAT | 0622, &at));
	int s1 = agent_start(self, NOBODY), s2 = agent_start(self, OTHER);
	volatile long *p1, *p2;
	bool both_asleep = false;

	ASSERT_LE(0, box);
	ASSERT_LE(0, s1);
	ASSERT_LE(0, s2);
	p1 = slot(self, s1);
	p2 = slot(self, s2);
	p1[S_TARGET] = p2[S_TARGET] = box;
	p1[S_LEN] = p2[S_LEN] = 2;
	p1[S_TYPE] = 1;
	p2[S_TYPE] = 2;
	p1[S_FLAGS] = MP_SEND_SYNC;
	if (!by_signal)
		p1[S_TIMEOUT] = 1 * SEC;

	/* S1's message fills the mailbox while S1 waits for it to be taken. */
	cmd(self, s1, OP_MSGSND);
	ASSERT_TRUE(wait_mbox(box, Q_QNUM, 1, WAIT_MS));
	/* S2 sleeps for room. */
	cmd(self, s2, OP_MSGSND);
	for (int t = 0; t < WAIT_MS && !mp_pipe_ready_now(self->kids[s1].res); t += 2) {
		if (mbox_field(box, Q_SENDERS) == 2) {
			both_asleep = true;
			break;
		}
		usleep(2000);
	}
	if (by_signal) {
		ASSERT_TRUE(both_asleep);
		kill(self->kids[s1].pid, SIGUSR1);
		EXPECT_EQ(-EINTR, hear(self, s1, WAIT_MS));
	} else {
		EXPECT_EQ(-ETIMEDOUT, hear(self, s1, WAIT_MS));
		if (!both_asleep)
			TH_LOG("S2 was not asleep before S1 timed out: the wake-up was not exercised");
	}
	/* S1's message is withdrawn: S2 must get the room. */
	EXPECT_EQ(0, hear(self, s2, WAIT_MS)) TH_LOG("the sender asleep for room was never woken");
	EXPECT_EQ(2, mp_msgrcv(box, &tm, sizeof(tm.t), 0, IPC_NOWAIT));
	EXPECT_EQ(2, tm.mtype);
}

TEST_F(attack, attack_07_timed_out_sync_send_wakes_a_blocked_sender)
{
	withdraw_case(_metadata, self, false);
}

TEST_F(attack, attack_07_interrupted_sync_send_wakes_a_blocked_sender)
{
	withdraw_case(_metadata, self, true);
}

/* =====================================================================
 * 8. Receive(P): P is a pid in the receiver's namespace.
 */
static int xgo[2];	/* parent -> X: send now */

static pid_t global_pid(void)
{
	char buf[32];
	ssize_t n = readlink("/proc/self", buf, sizeof(buf) - 1);

	if (n <= 0)
		return -1;
	buf[n] = 0;
	return atoi(buf);
}

/* R: pid 1 of a new pid namespace, the receiver. */
static int ns_init(struct kctx *k, pid_t g)
{
	struct mp_recvopt o = { .flags = MP_RECV_TIMEOUT, .timeout_ns = 20 * SEC };
	volatile long *p = k->slot;
	struct mp_msghdr h;
	int xr[2], st;
	pid_t x;
	long r;

	if (mp_fd() < 0 || pipe(xr))
		return 30;
	/* X is to have pid @g here: the ancestor-namespace sender's number. */
	x = mp_fork_at(g);
	if (x == 0) {
		die_with_parent(1);
		if (mp_fd() < 0)
			_exit(1);
		mp_pipe_put(xr[1], 'r');
		if (mp_pipe_get(xgo[0], 60000) < 0)
			_exit(2);
		tm.mtype = 1;
		tm.t[0] = 'X';
		_exit(mp_send(getppid(), &tm, 1, IPC_NOWAIT) ? 3 : 0);
	}
	if (x < 0) {
		k_say(k, -EXDEV);
		return 0;
	}
	if (mp_pipe_get(xr[0], WAIT_MS) < 0)
		return 31;
	p[R_X1] = x;
	k_say(k, global_pid());
	r = mp_receive_ext(g, &rbuf, 64, 0, 0, &o, &h);
	p[R_X2] = r < 0 ? -errno : r;
	p[R_X3] = r > 0 ? rbuf.t[0] : 0;
	p[R_X4] = r >= 0 ? h.sender_pid : -1;
	/* The ancestor's message is there, from no pid this namespace knows. */
	r = mp_receive_ext(MP_ANY, &rbuf, 64, 0, IPC_NOWAIT, NULL, &h);
	p[R_RET] = r < 0 ? -errno : r;
	p[R_BODY0] = r > 0 ? rbuf.t[0] : 0;
	p[R_PID] = r >= 0 ? h.sender_pid : -1;
	waitpid(x, &st, 0);
	return 0;
}

/* N: makes the namespace; its first child is R. */
static int ns_parent(struct kctx *k)
{
	pid_t r;
	int st;

	if (unshare(CLONE_NEWPID)) {
		k_say(k, -errno);
		return 0;
	}
	r = fork();
	if (r < 0) {
		k_say(k, -errno);
		return 0;
	}
	if (r == 0) {
		/* Its parent is outside the namespace: getppid() is 0 here. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		_exit(ns_init(k, (pid_t)k->arg));
	}
	if (waitpid(r, &st, 0) != r)
		return 40;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 41;
}

TEST_F(attack, attack_08_receive_from_pid_is_in_the_receivers_namespace)
{
	int s = agent_start(self, NOBODY), n, v;
	volatile long *sp, *np;
	pid_t g;

	ASSERT_LE(0, s);
	g = self->kids[s].pid;
	ASSERT_EQ(0, pipe(xgo));
	n = spawn(self, AS_ROOT, ns_parent, g);
	ASSERT_LE(0, n);
	close(xgo[0]);
	v = hear(self, n, 3 * WAIT_MS);
	if (v == -EXDEV) {
		close(xgo[1]);
		SKIP(return, "could not place a process at pid %d in a new namespace", g);
	}
	if (v < 0 && v != NO_ANSWER) {
		close(xgo[1]);
		SKIP(return, "no pid namespace here: %s", strerror(-v));
	}
	ASSERT_LT(0, v);
	/* R waits in Receive(g) for X; the ancestor's pid g sends first. */
	if (!wait_asleep_in_ioctl(v, WAIT_MS))
		TH_LOG("the receiver was not seen asleep: the hand-off path may not be exercised");
	sp = slot(self, s);
	sp[S_TARGET] = v;
	sp[S_TAG] = 'S';
	sp[S_LEN] = 1;
	sp[S_MSGFLG] = IPC_NOWAIT;
	ASSERT_EQ(0, act(self, s, OP_SEND));
	ASSERT_EQ(1, write(xgo[1], "g", 1));
	close(xgo[1]);
	ASSERT_EQ(0, reap(self, n, REAP_MS));
	np = slot(self, n);
	EXPECT_EQ('X', np[R_X3]) TH_LOG("Receive(%d) in the namespace returned '%c' (%ld)", g,
					 (char)np[R_X3], np[R_X2]);
	EXPECT_EQ(1, np[R_X2]);
	EXPECT_EQ(g, np[R_X4]);
	EXPECT_EQ(1, np[R_RET]);
	EXPECT_EQ('S', np[R_BODY0]);
	EXPECT_EQ(0, np[R_PID]);
}

/* =====================================================================
 * 9. Stopped and continued in the middle of a call that restarts.
 */
static int rr_server(struct kctx *k)
{
	struct mp_recvopt o = { .flags = MP_RECV_TIMEOUT, .timeout_ns = 20 * SEC };
	struct mp_msghdr h;
	long r;

	if (mp_fd() < 0)
		return 10;
	k_say(k, getpid());
	r = mp_receive_ext(MP_ANY, &rbuf, 256, 0, 0, &o, &h);
	if (r < 0 || !(h.flags & MP_MSG_CALL)) {
		k_say(k, r < 0 ? -errno : -EBADMSG);
		return 0;
	}
	k_say(k, 1);
	tm.mtype = 1;
	memcpy(tm.t, "reply", 5);
	r = mp_reply_receive(h.call_id, &tm, 5, MP_ANY, &rbuf, 256, 0, 0, &h);
	k->slot[R_X1] = r >= 0 ? h.type : 0;
	k_say(k, r < 0 ? -errno : (int)r);
	k_wait(k);	/* an endpoint still, until told */
	return 0;
}

TEST_F(attack, attack_09_stopped_reply_and_receive_does_not_answer_twice)
{
	int srv = spawn(self, NOBODY, rr_server, 0), c, r;
	volatile long *cp;
	pid_t sp;

	ASSERT_LE(0, srv);
	sp = self->kids[srv].pid;
	ASSERT_EQ(sp, hear(self, srv, WAIT_MS));
	c = agent_start(self, OTHER);
	ASSERT_LE(0, c);
	cp = slot(self, c);
	cp[S_TARGET] = sp;
	cp[S_LEN] = 3;
	cp[S_TIMEOUT] = 20 * SEC;
	cmd(self, c, OP_CALL);
	ASSERT_EQ(1, hear(self, srv, WAIT_MS));
	ASSERT_EQ(5, hear(self, c, WAIT_MS)) TH_LOG("the caller got no reply");
	EXPECT_EQ('r', cp[R_BODY0]);

	/* The reply went; the server waits for the next message. Stop it. */
	wait_asleep_in_ioctl(sp, WAIT_MS);
	ASSERT_EQ(0, kill(sp, SIGSTOP));
	ASSERT_TRUE(wait_stopped(sp, WAIT_MS));
	ASSERT_EQ(0, kill(sp, SIGCONT));
	ASSERT_EQ(0, send_to(sp, 2, "next", 0));
	r = hear(self, srv, WAIT_MS);
	EXPECT_NE(-ENOENT, r) TH_LOG("the restarted call answered its call again: ENOENT");
	EXPECT_TRUE(r == 4 || r == -EINTR) TH_LOG("reply-and-receive after SIGSTOP/SIGCONT: %d", r);
	if (r == 4) {
		EXPECT_EQ(2, slot(self, srv)[R_X1]);
		TH_LOG("observed: it went on waiting and received the next message");
	} else if (r == -EINTR) {
		TH_LOG("observed: EINTR");
	}
	/* The caller had one reply, and nothing else came its way. */
	EXPECT_EQ(0, act(self, c, OP_DRAIN));
}

TEST_F(attack, attack_09_stopped_sync_sender_to_broadcast_sends_once)
{
	struct mp_attr at = { .flags = MP_ATTR_MODE_RECEIVE, .kind = MP_KIND_BROADCAST };
	int box = track_mbox(self, mp_msgget_attr(IPC_PRIVATE, NULL, IPC_CREAT | 0666, &at));
	volatile long *ap, *sp;
	struct mp_msghdr h;
	int a, s, r;
	pid_t spid;

	ASSERT_LE(0, box);
	ASSERT_EQ(0, mp_mbox_subscribe(box));	/* subscriber B */
	a = agent_start(self, VICTIM);		/* subscriber A */
	ASSERT_LE(0, a);
	ap = slot(self, a);
	ap[S_TARGET] = box;
	ASSERT_EQ(0, act(self, a, OP_SUB));
	s = agent_start(self, NOBODY);
	ASSERT_LE(0, s);
	spid = self->kids[s].pid;
	sp = slot(self, s);
	sp[S_TARGET] = box;
	sp[S_TYPE] = 1;
	sp[S_LEN] = 4;
	sp[S_FLAGS] = MP_SEND_SYNC;
	cmd(self, s, OP_MSGSND);
	ASSERT_TRUE(wait_mbox(box, Q_QNUM, 1, WAIT_MS));

	/* A takes it, B does not yet: the sender waits for B. */
	ap[S_MSGFLG] = IPC_NOWAIT;
	ap[S_LEN] = 64;
	ASSERT_EQ(4, act(self, a, OP_MSGRCV));
	EXPECT_EQ(1, ap[R_SEQ]);
	ASSERT_TRUE(wait_mbox(box, Q_SENDERS, 1, WAIT_MS));
	ASSERT_EQ(0, kill(spid, SIGSTOP));
	ASSERT_TRUE(wait_stopped(spid, WAIT_MS));
	ASSERT_EQ(0, kill(spid, SIGCONT));
	/* Let it go back to its wait, or return. */
	for (int t = 0; t < WAIT_MS && !mp_pipe_ready_now(self->kids[s].res); t += 2) {
		if (mbox_field(box, Q_SENDERS) == 1)
			break;
		usleep(2000);
	}

	ASSERT_EQ(4, mp_msgrcv_ext(box, &tm, 64, 0, IPC_NOWAIT, NULL, &h));
	EXPECT_EQ(1, h.seq);
	EXPECT_EQ(-1, mp_msgrcv_ext(box, &tm, 64, 0, IPC_NOWAIT, NULL, &h))
		TH_LOG("B got the message twice (seq %llu)", (unsigned long long)h.seq);
	EXPECT_EQ(-ENOMSG, act(self, a, OP_MSGRCV)) TH_LOG("A got the message twice (seq %ld)",
							   ap[R_SEQ]);
	r = hear(self, s, WAIT_MS);
	EXPECT_TRUE(r == 0 || r == -EINTR) TH_LOG("the sync send after SIGSTOP/SIGCONT: %d", r);
	/* No gap either: the next message is number 2 to both. */
	tm.mtype = 2;
	ASSERT_EQ(0, mp_msgsnd(box, &tm, 4, IPC_NOWAIT));
	ASSERT_EQ(4, mp_msgrcv_ext(box, &tm, 64, 0, IPC_NOWAIT, NULL, &h));
	EXPECT_EQ(2, h.seq);
	EXPECT_EQ(4, act(self, a, OP_MSGRCV));
	EXPECT_EQ(2, ap[R_SEQ]);
}

/* =====================================================================
 * 10. A batch receive does not swallow call requests.
 */
TEST_F(attack, attack_10_batch_receive_leaves_calls_queued)
{
	static struct { long mtype; char t[64]; } bufs[4];
	struct mp_batch_msg b[4];
	struct mp_msghdr h;
	int n = agent_start(self, OTHER), c = agent_start(self, NOBODY), r;
	volatile long *np, *cp;

	ASSERT_LE(0, n);
	ASSERT_LE(0, c);
	np = slot(self, n);
	cp = slot(self, c);
	np[S_TARGET] = cp[S_TARGET] = getpid();
	np[S_LEN] = 3;
	np[S_MSGFLG] = IPC_NOWAIT;
	ASSERT_EQ(0, act(self, n, OP_SEND));
	ASSERT_TRUE(wait_inbox(1, WAIT_MS));
	cp[S_LEN] = 4;
	cp[S_TIMEOUT] = 20 * SEC;
	cmd(self, c, OP_CALL);
	ASSERT_TRUE(wait_inbox(2, WAIT_MS));

	memset(b, 0, sizeof(b));
	for (int i = 0; i < 4; i++) {
		b[i].msgp = (uintptr_t)&bufs[i];
		b[i].msgsz = sizeof(bufs[i].t);
	}
	r = mp_receivev(MP_ANY, b, 4, 0, IPC_NOWAIT);
	EXPECT_EQ(1, r) TH_LOG("the batch took %d messages", r);
	EXPECT_EQ(3, b[0].result);

	r = mp_receive_ext(MP_ANY, &tm, 64, 0, IPC_NOWAIT, NULL, &h);
	ASSERT_EQ(4, r) TH_LOG("the call request is not in the inbox any more");
	EXPECT_EQ(MP_MSG_CALL, h.flags & MP_MSG_CALL);
	EXPECT_EQ(self->kids[c].pid, h.sender_pid);
	tm.mtype = 1;
	memcpy(tm.t, "ok", 2);
	EXPECT_EQ(0, mp_reply(h.call_id, &tm, 2));
	EXPECT_EQ(2, hear(self, c, WAIT_MS)) TH_LOG("the caller never got its reply");
}

/* =====================================================================
 * 14. System V's rules, checked against the kernel's own queues.
 */
#define TRY(c, n, call) do { errno = 0; (c)[2 * (n)] = (call); (c)[2 * (n) + 1] = errno; } while (0)

static int seteuid_kid(struct kctx *k)
{
	volatile long *c = k->shm + CUSTOM;
	struct msqid_ds md, sd;
	int id = mp_msgget(IPC_PRIVATE, IPC_CREAT | 0600);
	int q = msgget(IPC_PRIVATE, IPC_CREAT | 0600);

	if (id < 0 || q < 0)
		return 10;
	if (mp_msgctl(id, IPC_STAT, &md) || msgctl(q, IPC_STAT, &sd))
		return 11;
	if (setegid(NOBODY) || seteuid(NOBODY))
		return 12;
	TRY(c, 4, mp_msgctl(id, IPC_STAT, &md));
	TRY(c, 5, msgctl(q, IPC_STAT, &sd));
	TRY(c, 0, mp_msgctl(id, IPC_SET, &md));
	TRY(c, 1, mp_msgctl(id, IPC_RMID, NULL));
	TRY(c, 2, msgctl(q, IPC_SET, &sd));
	TRY(c, 3, msgctl(q, IPC_RMID, NULL));
	if (seteuid(0) || setegid(0))
		return 13;
	mp_msgctl(id, IPC_RMID, NULL);
	msgctl(q, IPC_RMID, NULL);
	return 0;
}

TEST_F(attack, attack_14_sysv_seteuid_creator_may_not_remove)
{
	volatile long *c = self->shm + CUSTOM;
	int i = spawn(self, AS_ROOT, seteuid_kid, 0);

	ASSERT_LE(0, i);
	ASSERT_EQ(0, reap(self, i, REAP_MS));
	/* What Linux's own System V does: the reference. */
	EXPECT_EQ(-1, c[4]);
	EXPECT_EQ(EPERM, c[5]) TH_LOG("System V IPC_SET: errno %ld", c[5]);
	EXPECT_EQ(-1, c[6]);
	EXPECT_EQ(EPERM, c[7]) TH_LOG("System V IPC_RMID: errno %ld", c[7]);
	EXPECT_EQ(EACCES, c[11]);
	/* msgpass. */
	EXPECT_EQ(-1, c[0]) TH_LOG("IPC_SET by the creating process after seteuid(65534)");
	EXPECT_EQ(EPERM, c[1]);
	EXPECT_EQ(-1, c[2]) TH_LOG("IPC_RMID by the creating process after seteuid(65534)");
	EXPECT_EQ(EPERM, c[3]);
	EXPECT_EQ(-1, c[8]);
	EXPECT_EQ(EACCES, c[9]);
}

static int oversize_kid(struct kctx *k)
{
	static struct { long mtype; char t[1 << 17]; } big = { .mtype = 1 };
	volatile long *c = k->shm + CUSTOM;
	int id = c[20], q = c[21];
	long mpmax = c[22], svmax = c[23];

	TRY(c, 0, mp_msgsnd(id, &big, mpmax + 1, IPC_NOWAIT));
	TRY(c, 1, msgsnd(q, &big, svmax + 1, IPC_NOWAIT));
	TRY(c, 2, mp_msgsnd(id, &big, 1, IPC_NOWAIT));
	TRY(c, 3, msgsnd(q, &big, 1, IPC_NOWAIT));
	return 0;
}

TEST_F(attack, attack_14_sysv_size_is_checked_before_permission)
{
	volatile long *c = self->shm + CUSTOM;
	long long mpmax = mp_test_param("msgmax");
	long svmax = -1;
	FILE *f = fopen("/proc/sys/kernel/msgmax", "r");
	int i;

	if (f) {
		if (fscanf(f, "%ld", &svmax) != 1)
			svmax = -1;
		fclose(f);
	}
	ASSERT_LT(0, mpmax);
	ASSERT_LT(0, svmax);
	ASSERT_GT(1 << 17, mpmax);
	ASSERT_GT(1 << 17, svmax);
	c[20] = track_mbox(self, mp_msgget(IPC_PRIVATE, IPC_CREAT | 0600));
	c[21] = track_sysv(self, msgget(IPC_PRIVATE, IPC_CREAT | 0600));
	c[22] = mpmax;
	c[23] = svmax;
	ASSERT_LE(0, c[20]);
	ASSERT_LE(0, c[21]);
	i = spawn(self, NOBODY, oversize_kid, 0);
	ASSERT_LE(0, i);
	ASSERT_EQ(0, reap(self, i, REAP_MS));
	/* Linux's System V: the size first (EINVAL), then permission (EACCES). */
	EXPECT_EQ(EINVAL, c[3]) TH_LOG("System V oversized: errno %ld", c[3]);
	EXPECT_EQ(EACCES, c[7]);
	EXPECT_EQ(-1, c[0]);
	EXPECT_EQ(EINVAL, c[1]) TH_LOG("oversized send to a mailbox it may not write: %s",
				       strerror(c[1]));
	EXPECT_EQ(-1, c[4]);
	EXPECT_EQ(EACCES, c[5]);
}

TEST_F(attack, attack_14_msg_stat_takes_a_full_id_as_linux_does)
{
	int id = track_mbox(self, mp_msgget(IPC_PRIVATE, IPC_CREAT | 0600)), q = -1;
	struct msqid_ds ds;

	ASSERT_LE(0, id);
	ASSERT_NE(0, id & ~0xffff);
	/*
	 * The reference: a System V id with a sequence number above its
	 * index. Linux bumps the sequence when the index wraps, after a few
	 * dozen queues made and removed.
	 */
	for (int n = 0; n < 1000 && q < 0; n++) {
		int t = msgget(IPC_PRIVATE, IPC_CREAT | 0600);

		if (t < 0)
			break;
		if (t & ~0x7fff)
			q = track_sysv(self, t);
		else
			msgctl(t, IPC_RMID, NULL);
	}
	if (q >= 0) {
		EXPECT_EQ(q, msgctl(q, MSG_STAT, &ds)) TH_LOG("System V MSG_STAT(%d): %s", q,
							     strerror(errno));
		EXPECT_EQ(q, msgctl(q, MSG_STAT_ANY, &ds));
	} else {
		TH_LOG("no System V id with a sequence number: reference not checked");
	}
	EXPECT_EQ(id, mp_msgctl(id & 0xffff, MSG_STAT, &ds));
	EXPECT_EQ(id, mp_msgctl(id, MSG_STAT, &ds)) TH_LOG("MSG_STAT(%d): %s", id, strerror(errno));
	EXPECT_EQ(id, mp_msgctl(id, MSG_STAT_ANY, &ds)) TH_LOG("MSG_STAT_ANY(%d): %s", id,
							       strerror(errno));
}

/* =====================================================================
 * 15. A body bigger than the byte bound still goes, when it is taken.
 */
TEST_F(attack, attack_15_oversized_body_on_a_link_meets_its_receiver)
{
	int v = agent_start(self, VICTIM), s = agent_start(self, NOBODY);
	volatile long *vp, *sp;

	ASSERT_LE(0, v);
	ASSERT_LE(0, s);
	vp = slot(self, v);
	sp = slot(self, s);
	sp[S_TARGET] = self->kids[v].pid;
	sp[S_FLAGS] = MP_ATTR_MAX_BYTES;
	sp[S_MAXB] = 64;
	ASSERT_EQ(0, act(self, s, OP_LINK));
	sp[S_FLAGS] = 0;
	sp[S_LEN] = 100;
	cmd(self, s, OP_SEND);
	/* The sender blocks before the receiver waits. */
	if (!wait_asleep_in_ioctl(self->kids[s].pid, WAIT_MS))
		TH_LOG("the sender was not seen asleep");
	vp[S_TARGET] = MP_ANY;
	vp[S_LEN] = 256;
	vp[S_TIMEOUT] = 10 * SEC;
	cmd(self, v, OP_RECV);
	EXPECT_EQ(100, hear(self, v, 2 * WAIT_MS))
		TH_LOG("the receiver got nothing: %s", strerror(vp[R_ERR]));
	EXPECT_EQ(0, hear(self, s, WAIT_MS)) TH_LOG("the sender never completed");
}

TEST_F(attack, attack_15_oversized_body_in_a_mailbox_meets_its_receiver)
{
	struct mp_attr at = { .flags = MP_ATTR_MAX_BYTES, .max_bytes = 64 };
	int box = track_mbox(self, mp_msgget_attr(IPC_PRIVATE, NULL, IPC_CREAT | 0622, &at));
	struct mp_recvopt o = { .flags = MP_RECV_TIMEOUT, .timeout_ns = 10 * SEC };
	int s = agent_start(self, NOBODY);
	volatile long *sp;
	long r;

	ASSERT_LE(0, box);
	ASSERT_LE(0, s);
	sp = slot(self, s);
	sp[S_TARGET] = box;
	sp[S_LEN] = 100;
	cmd(self, s, OP_MSGSND);
	ASSERT_TRUE(wait_mbox(box, Q_SENDERS, 1, WAIT_MS));
	r = mp_msgrcv_ext(box, &tm, 256, 0, 0, &o, NULL);
	EXPECT_EQ(100, r) TH_LOG("the receiver got nothing: %s", strerror(errno));
	EXPECT_EQ(0, hear(self, s, WAIT_MS)) TH_LOG("the sender never completed");
}

/* =====================================================================
 * 1. Passing a process-lifetime mailbox to a process that is exiting.
 * Last: on a kernel with the bug, what it corrupts can take the rest down.
 */
#define OWNER_WORKERS	4
#define OWNER_ROUNDS	400

enum { O_OK, O_SRCH, O_ORPHAN, O_BADSET, O_BADRM, O_LASTERR };

static int owner_worker(struct kctx *k)
{
	struct mp_attr a = { .lifetime = MP_LIFETIME_PROCESS };
	volatile long *c = k->slot;
	pid_t me = getpid();

	if (mp_fd() < 0)
		return 10;
	for (int i = 0; i < (int)k->arg; i++) {
		int ready[2], go[2], id, r, e, rm, re, inf, st;
		struct mp_mbox_info info;
		pid_t pid;

		id = mp_msgget_attr(IPC_PRIVATE, NULL, IPC_CREAT | 0600, &a);
		if (id < 0)
			return 11;
		if (pipe(ready) || pipe(go))
			return 12;
		pid = fork();
		if (pid < 0)
			return 13;
		if (pid == 0) {
			die_with_parent(me);
			close(ready[0]);
			close(go[1]);
			if (mp_fd() < 0)
				_exit(1);
			mp_pipe_put(ready[1], 'r');
			if (mp_pipe_get(go[0], 60000) < 0)
				_exit(2);
			close(mp_fd());	/* the endpoint ends here */
			_exit(0);
		}
		close(ready[1]);
		close(go[0]);
		if (mp_pipe_get(ready[0], 60000) < 0)
			return 14;
		mp_pipe_put(go[1], 'g');
		/* Sweep the window: a little later each time. */
		for (volatile int spin = 0; spin < (i % 32) * 300; spin++)
			;
		r = mp_mbox_set_owner(id, pid);
		e = errno;
		waitpid(pid, &st, 0);
		close(ready[0]);
		close(go[1]);
		/* The new owner, if it became one, has ended: so has the mailbox. */
		inf = mp_mbox_info(id, &info);
		rm = mp_msgctl(id, IPC_RMID, NULL);
		re = errno;
		if (r == 0) {
			c[O_OK]++;
			if (inf == 0)
				c[O_ORPHAN]++;
		} else if (e == ESRCH) {
			c[O_SRCH]++;
			if (rm)
				c[O_BADRM]++;
		} else {
			c[O_BADSET]++;
			c[O_LASTERR] = e;
		}
		if (rm && re != EINVAL && re != EIDRM) {
			c[O_BADRM]++;
			c[O_LASTERR] = re;
		}
	}
	return 0;
}

/* The time limit is a backstop for a wedged kernel; reap_busy() judges. */
TEST_F_TIMEOUT(attack, attack_01_set_owner_races_the_new_owners_exit, 3600)
{
	long ok = 0, srch = 0, orphan = 0, badset = 0, badrm = 0;
	int w[OWNER_WORKERS];

	for (int i = 0; i < OWNER_WORKERS; i++) {
		w[i] = spawn(self, NOBODY, owner_worker, OWNER_ROUNDS);
		ASSERT_LE(0, w[i]);
	}
	for (int i = 0; i < OWNER_WORKERS; i++) {
		volatile long *c = slot(self, w[i]);

		/* However slow the machine: a round at least every minute. */
		EXPECT_EQ(0, reap_busy(self, w[i], O_LASTERR, 6 * WAIT_MS));
		ok += c[O_OK];
		srch += c[O_SRCH];
		orphan += c[O_ORPHAN];
		badset += c[O_BADSET];
		badrm += c[O_BADRM];
		if (c[O_LASTERR])
			TH_LOG("worker %d: last unexpected errno %ld", i, c[O_LASTERR]);
	}
	TH_LOG("SET_OWNER: %ld done, %ld ESRCH", ok, srch);
	EXPECT_EQ(OWNER_WORKERS * OWNER_ROUNDS, ok + srch + badset);
	EXPECT_EQ(0, badset) TH_LOG("SET_OWNER failed otherwise than ESRCH");
	EXPECT_EQ(0, orphan) TH_LOG("%ld mailboxes outlived their new owner", orphan);
	EXPECT_EQ(0, badrm) TH_LOG("IPC_RMID afterwards failed otherwise");
}

/* =====================================================================
 * 11. Another user's links are not there for the asker; 12. empty
 * messages are not free.
 */

/* Run @fn as @uid (groups dropped) in a child; its exit status. */
static int as_user(uid_t uid, int (*fn)(long), long arg)
{
	pid_t pid = fork();
	int st;

	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (setgroups(0, NULL) || setresgid(uid, uid, uid) || setresuid(uid, uid, uid))
			_exit(100);
		_exit(fn(arg));
	}
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

static int links_of(long pid)
{
	struct mp_link_info info[4];
	size_t total;

	/* Another user's process: ESRCH, as if it had none. */
	if (mp_links((pid_t)pid, MP_LINKS_IN | MP_LINKS_OUT, info, 4, &total) != -1)
		return 1;
	if (errno != ESRCH)
		return 2;
	/* One's own still answer. */
	if (mp_links(0, MP_LINKS_IN, info, 4, &total) < 0)
		return 3;
	return 0;
}

TEST(attack_11_links_of_another_users_process_are_not_shown)
{
	struct { long mtype; char t[8]; } m = { .mtype = 1 };

	/* Root has a link into itself, which nobody must not see. */
	ASSERT_EQ(0, mp_send(getpid(), &m, 1, IPC_NOWAIT));
	EXPECT_EQ(0, as_user(NOBODY, links_of, getpid()));
	ASSERT_EQ(1, mp_receive(getpid(), &m, sizeof(m.t), 0, IPC_NOWAIT));
}

static int empty_sends(long id)
{
	struct { long mtype; char t[8]; } m = { .mtype = 1 };
	int n = 0;

	while (n < 1000 && mp_msgsnd((int)id, &m, 0, IPC_NOWAIT) == 0)
		n++;
	return errno == EDQUOT ? n : 255;
}

TEST(attack_12_empty_messages_count_against_the_quota)
{
	struct mp_attr a = { .flags = MP_ATTR_CAPACITY | MP_ATTR_MAX_BYTES,
			     .capacity = MP_UNLIMITED, .max_bytes = MP_UNLIMITED };
	long old = mp_test_param("user_quota_bytes");
	FILE *f;
	int id, n;

	ASSERT_LE(0, old);
	id = mp_msgget_attr(IPC_PRIVATE, NULL, IPC_CREAT | 0666, &a);
	ASSERT_LE(0, id);
	f = fopen("/sys/module/msgpass/parameters/user_quota_bytes", "w");
	ASSERT_NE(NULL, f);
	fprintf(f, "%d", 10 * 256);	/* ten of the smallest message objects */
	fclose(f);
	/* A user with nothing queued: exactly ten empty messages fit. */
	n = as_user(OTHER, empty_sends, id);
	f = fopen("/sys/module/msgpass/parameters/user_quota_bytes", "w");
	ASSERT_NE(NULL, f);
	fprintf(f, "%ld", old);
	fclose(f);
	EXPECT_EQ(10, n);
	EXPECT_EQ(0, mp_msgctl(id, IPC_RMID, NULL));
}

/* =====================================================================
 * An endpoint does not outlive the program that opened it: a descriptor
 * kept across execve() (into a setuid program, say) lends the new
 * program nothing of the old endpoint.
 */

/*
 * Run before the harness: with MP_EXEC_FD set, this is the exec'd
 * program; it reports what the inherited descriptor does, and its own
 * fresh endpoint, in its exit status.
 */
__attribute__((constructor)) static void exec_probe(void)
{
	const char *env = getenv("MP_EXEC_FD");
	struct mp_msgrcv_args ra = { .msgflg = IPC_NOWAIT };
	struct { long mtype; char t[8]; } m;
	int fd, r;

	if (!env)
		return;
	fd = atoi(env);
	ra.id = MP_ANY;
	ra.msgp = (uintptr_t)&m;
	ra.msgsz = sizeof(m.t);
	/* The old endpoint's queue must not be reachable through it. */
	r = ioctl(fd, MP_IOC_RECV, &ra);
	if (r != -1 || errno != EBADFD)
		_exit(1);
	/* A fresh open is a new endpoint, with an empty inbox. */
	if (mp_receive(MP_ANY, &m, sizeof(m.t), 0, IPC_NOWAIT) != -1 || errno != ENOMSG)
		_exit(2);
	_exit(0);
}

TEST(attack_exec_does_not_inherit_the_endpoint)
{
	struct { long mtype; char t[8]; } m = { .mtype = 1 };
	int fd, status;
	char buf[16];
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		fd = open(MSGPASS_DEVICE, O_RDWR);	/* no O_CLOEXEC: it stays */
		if (fd < 0)
			_exit(10);
		/* Something waits in the old endpoint's inbox. */
		if (mp_send(getpid(), &m, 1, IPC_NOWAIT))
			_exit(11);
		snprintf(buf, sizeof(buf), "%d", fd);
		setenv("MP_EXEC_FD", buf, 1);
		execl("/proc/self/exe", "attack_test", (char *)NULL);
		_exit(12);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status)) TH_LOG("step %d", WEXITSTATUS(status));
}

/* =====================================================================
 * Rights belong to the program that got them: ownership of a mailbox
 * and a grant to receive from it do not pass to a program the owner or
 * grantee executes (a root service that drops privileges and executes
 * a worker hands it nothing).
 */

/* The exec'd program: with MP_EXEC_RIGHTS=ID, report what it may do. */
__attribute__((constructor)) static void exec_rights_probe(void)
{
	const char *env = getenv("MP_EXEC_RIGHTS");
	struct { long mtype; char t[16]; } m;
	struct msqid_ds ds;
	int id;

	if (!env)
		return;
	id = atoi(env);
	if (mp_msgrcv(id, &m, sizeof(m.t), 0, IPC_NOWAIT) != -1 || errno != EACCES)
		_exit(1);
	if (mp_msgctl(id, IPC_STAT, &ds) == 0) {
		ds.msg_perm.mode = 0666;
		if (mp_msgctl(id, IPC_SET, &ds) != -1 || errno != EPERM)
			_exit(2);
	}
	if (mp_mbox_grant(id, getpid()) != -1 || errno != EPERM)
		_exit(3);
	if (mp_msgctl(id, IPC_RMID, NULL) != -1 || errno != EPERM)
		_exit(4);
	_exit(0);
}

static int exec_as_nobody(int id)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%d", id);
	setenv("MP_EXEC_RIGHTS", buf, 1);
	if (setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
	    setresuid(NOBODY, NOBODY, NOBODY))
		return 20;
	execl("/proc/self/exe", "attack_test", (char *)NULL);
	return 21;
}

static int secret_mbox(void)
{
	struct mp_attr a = { .lifetime = MP_LIFETIME_SYSTEM };
	struct { long mtype; char t[16]; } m = { .mtype = 1, .t = "secret" };
	int id = mp_msgget_attr(IPC_PRIVATE, NULL, IPC_CREAT | 0600, &a);

	if (id >= 0 && mp_msgsnd(id, &m, sizeof(m.t), 0)) {
		mp_msgctl(id, IPC_RMID, NULL);
		return -1;
	}
	return id;
}

TEST(attack_owner_rights_do_not_pass_to_an_executed_program)
{
	int p[2], status, mine = -1;
	pid_t pid;

	ASSERT_EQ(0, pipe(p));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		/* The child owns a mailbox with a secret in it, then executes. */
		int id = secret_mbox();

		close(p[0]);
		if (id < 0 || mp_pipe_put_int(p[1], id))
			_exit(10);
		_exit(exec_as_nobody(id));
	}
	close(p[1]);
	EXPECT_EQ(0, mp_pipe_get_int(p[0], &mine, WAIT_MS));
	close(p[0]);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status)) TH_LOG("step %d", WEXITSTATUS(status));
	EXPECT_EQ(0, mp_msgctl(mine, IPC_RMID, NULL));
}

TEST(attack_a_grant_does_not_pass_to_an_executed_program)
{
	int id = secret_mbox(), go[2], status;
	struct { long mtype; char t[16]; } m;
	pid_t pid;

	ASSERT_LE(0, id);
	ASSERT_EQ(0, pipe(go));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(go[1]);
		if (mp_pipe_get(go[0], WAIT_MS) != 'g')
			_exit(10);
		/* Granted, the worker may receive (a peek leaves it there)... */
		if (mp_msgrcv_ext(id, &m, sizeof(m.t), 0, IPC_NOWAIT,
				  &(struct mp_recvopt){ .flags = MP_RECV_PEEK }, NULL) < 0)
			_exit(11);
		/* ...the program it executes may not. */
		_exit(exec_as_nobody(id));
	}
	close(go[0]);
	ASSERT_EQ(0, mp_mbox_grant(id, pid));
	ASSERT_EQ(0, mp_pipe_put(go[1], 'g'));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	close(go[1]);
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status)) TH_LOG("step %d", WEXITSTATUS(status));
	EXPECT_EQ(0, mp_msgctl(id, IPC_RMID, NULL));
}

/* =====================================================================
 * A receive whose copy-out fails puts its message back. Made to wait in
 * that copy-out (mp_trap.h) while the queue changes under it: a lossy
 * broadcast queue drops the message onto the dropping sender's own list,
 * or the mailbox of a call is removed.
 */

struct trap_rcv {
	struct mp_trap trap;
	int id;
	long ret;
	int err;
};

static void *trap_rcv_thread(void *arg)
{
	struct trap_rcv *t = arg;

	t->ret = mp_msgrcv(t->id, t->trap.page, 16, 0, 0);
	t->err = errno;
	return NULL;
}

/*
 * A receiver whose receive waits in its copy-out: cmd 1 starts it (the
 * answer comes once the copy-out is held); cmd 2 lets it fail (answers
 * its errno); cmd 3 receives again, normally (R_HTYPE, R_X1 = overrun).
 * With arg < 0 it receives from mailbox -arg - 1 without subscribing.
 */
static int trap_kid(struct kctx *k)
{
	struct trap_rcv t = { .id = k->arg < 0 ? (int)(-k->arg - 1) : (int)k->arg };
	pthread_t th;
	int op;

	if (k->arg >= 0 && mp_mbox_subscribe(t.id))
		return 1;
	if (mp_trap_set(&t.trap))
		return 2;
	k_say(k, 0);
	while ((op = k_wait(k)) > 0) {
		if (op == 1) {
			if (pthread_create(&th, NULL, trap_rcv_thread, &t))
				return 3;
			k_say(k, mp_trap_wait(&t.trap, WAIT_MS));
		} else if (op == 2) {
			if (mp_trap_spring(&t.trap) || pthread_join(th, NULL))
				return 4;
			k_say(k, t.ret == -1 ? t.err : 1000);
		} else if (op == 3) {
			struct mp_msghdr h;
			struct { long mtype; char t[16]; } m;
			long r = mp_msgrcv_ext(t.id, &m, sizeof(m.t), 0, IPC_NOWAIT, NULL, &h);

			k->slot[R_HTYPE] = r < 0 ? -errno : h.type;
			k->slot[R_X1] = r < 0 ? -1 : (long)h.overrun;
			k_say(k, 0);
		} else {
			break;
		}
	}
	return 0;
}

/* A subscriber that never receives. */
static int idle_sub_kid(struct kctx *k)
{
	if (mp_mbox_subscribe((int)k->arg))
		return 1;
	k_say(k, 0);
	k_wait(k);
	return 0;
}

/* cmd 1: one synchronous send of type 2; answers its errno (0: sent). */
static int sync_sender_kid(struct kctx *k)
{
	struct mp_sendopt o = { .flags = MP_SEND_SYNC | MP_SEND_TIMEOUT,
				.timeout_ns = WAIT_MS * 1000000ULL };
	struct { long mtype; char t[16]; } m = { .mtype = 2 };

	k_say(k, 0);
	if (k_wait(k) != 1)
		return 0;
	k_say(k, mp_msgsnd_ext((int)k->arg, &m, sizeof(m.t), 0, &o) ? errno : 0);
	k_wait(k);
	return 0;
}

TEST_F(attack, broadcast_message_dropped_while_its_receive_fails_is_not_linked_twice)
{
	struct mp_attr a = {
		.kind = MP_KIND_BROADCAST, .lifetime = MP_LIFETIME_SYSTEM,
		.flags = MP_ATTR_LOSSY | MP_ATTR_CAPACITY | MP_ATTR_MODE_RECEIVE,
		.capacity = 1,
	};
	struct { long mtype; char t[16]; } m = { .mtype = 1 };
	int id = track_mbox(self, mp_msgget_attr(IPC_PRIVATE, NULL, IPC_CREAT | 0600, &a));
	int b, r, s;

	ASSERT_LE(0, id);
	b = spawn(self, AS_ROOT, idle_sub_kid, id);
	ASSERT_EQ(0, hear(self, b, WAIT_MS));
	r = spawn(self, AS_ROOT, trap_kid, id);
	if (hear(self, r, WAIT_MS) != 0)
		SKIP(return, "no userfaultfd");
	s = spawn(self, AS_ROOT, sync_sender_kid, id);
	ASSERT_EQ(0, hear(self, s, WAIT_MS));

	/* R takes M1 and waits in its copy-out; M1 stays queued for B. */
	ASSERT_EQ(0, mp_msgsnd(id, &m, sizeof(m.t), 0));
	ASSERT_EQ(0, act(self, r, 1));
	/* S's synchronous M2 finds the queue full: M1 is dropped, onto S's list. */
	cmd(self, s, 1);
	ASSERT_TRUE(wait_mbox(id, Q_SENDERS, 1, WAIT_MS));
	/* R's copy-out fails: M1 left the queue, so it is not put back in. */
	EXPECT_EQ(EFAULT, act(self, r, 2));
	/* S gives up (EINTR) and frees what it dropped. */
	kill(self->kids[s].pid, SIGUSR1);
	EXPECT_EQ(EINTR, hear(self, s, WAIT_MS));

	/* The queue holds what it says; R lost M1 and is told so. */
	EXPECT_EQ(0, mbox_field(id, Q_QNUM));
	m.mtype = 3;
	ASSERT_EQ(0, mp_msgsnd(id, &m, sizeof(m.t), 0));
	ASSERT_EQ(0, act(self, r, 3));
	EXPECT_EQ(3, slot(self, r)[R_HTYPE]);
	EXPECT_EQ(1, slot(self, r)[R_X1]);
	EXPECT_EQ(1, mbox_field(id, Q_QNUM));
}

/* cmd 1: one call through mailbox arg; answers its errno (0: replied). */
static int port_caller_kid(struct kctx *k)
{
	struct mp_callopt o = { .flags = MP_CALL_TIMEOUT, .timeout_ns = WAIT_MS * 1000000ULL };
	struct { long mtype; char t[16]; } req = { .mtype = 1 }, rep;

	k_say(k, 0);
	if (k_wait(k) != 1)
		return 0;
	k_say(k, mp_call_mbox((int)k->arg, &req, sizeof(req.t), &rep, sizeof(rep.t),
			      &o, NULL) < 0 ? errno : 0);
	k_wait(k);
	return 0;
}

TEST_F(attack, call_whose_request_comes_back_to_a_removed_mailbox_fails)
{
	int id = track_mbox(self, mp_msgget(IPC_PRIVATE, IPC_CREAT | 0600));
	int srv, c;

	ASSERT_LE(0, id);
	srv = spawn(self, AS_ROOT, trap_kid, -(long)id - 1);
	if (hear(self, srv, WAIT_MS) != 0)
		SKIP(return, "no userfaultfd");
	c = spawn(self, AS_ROOT, port_caller_kid, id);
	ASSERT_EQ(0, hear(self, c, WAIT_MS));

	/* The server waits for a request; the call hands it over. */
	cmd(self, srv, 1);
	ASSERT_TRUE(wait_mbox(id, Q_RECEIVERS, 1, WAIT_MS));
	cmd(self, c, 1);
	/* The server's copy-out of the request waits; the port goes. */
	ASSERT_EQ(0, hear(self, srv, WAIT_MS));
	ASSERT_EQ(0, mp_msgctl(id, IPC_RMID, NULL));
	/* The copy-out fails: the request comes back to a removed port. */
	EXPECT_EQ(EFAULT, act(self, srv, 2));
	/* The caller learns it at once, not at its time limit. */
	EXPECT_EQ(EIDRM, hear(self, c, WAIT_MS / 2));
}

/* =====================================================================
 * A name belongs to a living process. An endpoint can outlive its
 * process (a descriptor of it kept elsewhere); its names then are free:
 * a restarted service gets its name back, and nobody resolves the name
 * to a pid that a later process, maybe another user's, may get.
 */
TEST_F(attack, names_of_an_ended_process_are_free_even_if_its_endpoint_lives_on)
{
	int p[2], status;
	pid_t holder = -1, svc;

	ASSERT_EQ(0, pipe(p));
	svc = fork();
	ASSERT_LE(0, svc);
	if (svc == 0) {
		/* A second descriptor of the same endpoint, for a helper to keep. */
		int fd = open(MSGPASS_DEVICE, O_RDWR);
		pid_t h;

		if (fd < 0 || mp_name_register("attack-svc"))
			_exit(1);
		h = fork();
		if (h == 0) {
			/* Holds the endpoint's file (the library's own is closed). */
			pause();
			_exit(0);
		}
		_exit(h > 0 && !mp_pipe_put_int(p[1], h) ? 0 : 2);
	}
	ASSERT_EQ(svc, waitpid(svc, &status, 0));
	ASSERT_EQ(0, WEXITSTATUS(status));
	ASSERT_EQ(0, mp_pipe_get_int(p[0], &holder, WAIT_MS));
	close(p[0]);
	close(p[1]);

	/* The service is gone (reaped): its name is nobody's. */
	EXPECT_EQ(-1, mp_name_resolve("attack-svc"));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(0, mp_name_register("attack-svc"));
	EXPECT_EQ(getpid(), mp_name_resolve("attack-svc"));
	EXPECT_EQ(0, mp_name_unregister("attack-svc"));
	kill(holder, SIGKILL);
	/* Not our child: it is reaped by init; its endpoint goes with its file. */
}

/*
 * A batch receive never takes a message it cannot report: with the
 * entry's result field read-only, the receive fails before it takes
 * anything (the message stays), instead of taking it and returning a
 * count without it.
 */
TEST_F(attack, batch_receive_into_a_read_only_entry_takes_nothing)
{
	int id = track_mbox(self, mp_msgget(IPC_PRIVATE, IPC_CREAT | 0600));
	struct { long mtype; char t[16]; } m = { .mtype = 1 }, r;
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	struct mp_batch_msg *e;

	ASSERT_LE(0, id);
	ASSERT_EQ(0, mp_msgsnd(id, &m, sizeof(m.t), 0));
	e = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, e);
	e->msgp = (uintptr_t)&r;
	e->msgsz = sizeof(r.t);
	ASSERT_EQ(0, mprotect(e, pg, PROT_READ));
	EXPECT_EQ(-1, mp_msgrcvv(id, e, 1, 0, IPC_NOWAIT));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(1, mbox_field(id, Q_QNUM));
	munmap(e, pg);
}

TEST_HARNESS_MAIN

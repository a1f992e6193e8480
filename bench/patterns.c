// SPDX-License-Identifier: GPL-2.0
/*
 * msgpass-bench: the patterns.
 *
 * Every trial forks its processes afresh: a server (or receiver) and its
 * clients (or senders). They meet at a barrier once every one has opened
 * what it needs, again once direct links are made, and then run. The
 * timed window starts after a warm-up, and every process measures its
 * own CPU time (getrusage: user + system) over that window.
 *
 * Round trips are timed one by one: the client reads CLOCK_MONOTONIC
 * once per round trip into a preallocated, pre-faulted array, and the
 * parent computes p50 and p99 from it afterwards.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <mqueue.h>
#include <signal.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <msgpass.h>

#include "bench.h"

#define MAXPROC		64
#define MAXCHAN		16

struct slot {
	uint64_t t0, t1;	/* the timed window, CLOCK_MONOTONIC */
	long n;			/* operations in it */
	long total;		/* operations in all */
	uint64_t cpu;		/* CPU ns in the window */
	uint64_t cpu_sys;
	uint64_t csw;		/* context switches in the window */
	uint64_t cpu_all;	/* CPU ns of the whole run */
	int err;
	char msg[128];
};

struct ctl {
	struct barrier bar;
	int abort;
	struct chan_shared sh;
	struct slot res[MAXPROC];
};

/* What a child runs between the barriers and its exit. */
struct job {
	struct ctl *ctl;
	struct chan *c;
	long iters;		/* timed operations */
	long warm;		/* warm-up operations */
	int nsenders;
	int extra_links;	/* scaling: links made into the server first */
	uint64_t *ts;		/* ping-pong client: iters + 1 timestamps */
};

int child_timeout = 300;	/* seconds, per trial */

static void slot_fail(struct slot *s, const char *what)
{
	s->err = 1;
	snprintf(s->msg, sizeof(s->msg), "%s", what);
}

/* Arrive at the barrier; leave the trial if some process failed. */
static void meet(struct ctl *ctl, struct slot *s, int failed)
{
	if (failed) {
		slot_fail(s, mech_errstr());
		__atomic_store_n(&ctl->abort, 1, __ATOMIC_SEQ_CST);
	}
	barrier_wait(&ctl->bar);
	if (__atomic_load_n(&ctl->abort, __ATOMIC_SEQ_CST))
		_exit(failed ? 1 : 0);
}

/* What getrusage() says of this process: CPU time and context switches. */
struct usage {
	uint64_t cpu, sys, csw;
};

static void usage_take(struct usage *u)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	u->sys = (uint64_t)ru.ru_stime.tv_sec * 1000000000ull + (uint64_t)ru.ru_stime.tv_usec * 1000;
	u->cpu = (uint64_t)ru.ru_utime.tv_sec * 1000000000ull + (uint64_t)ru.ru_utime.tv_usec * 1000 +
		 u->sys;
	u->csw = (uint64_t)(ru.ru_nvcsw + ru.ru_nivcsw);
}

static void usage_store(struct slot *s, const struct usage *a)
{
	struct usage b;

	usage_take(&b);
	s->cpu = b.cpu - a->cpu;
	s->cpu_sys = b.sys - a->sys;
	s->csw = b.csw - a->csw;
}

static int make_links(int n)
{
	int i;

	/* Each from a process of its own: a link is per sender. */
	for (i = 0; i < n; i++) {
		pid_t pid = fork();
		int st;

		if (pid < 0)
			return -1;
		if (pid == 0)
			_exit(mp_link_create(getppid(), 0, 0, 0) < 0 ? 1 : 0);
		if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st)) {
			mech_set_err("link helper", ECHILD);
			return -1;
		}
	}
	return 0;
}

static void pp_server(struct job *j, struct slot *s)
{
	struct chan *c = j->c;
	long total = j->warm + j->iters, k;
	struct usage u0 = { 0 };

	for (k = 0; k <= total; k++) {
		if (k == j->warm)
			usage_take(&u0);
		if (k)
			memcpy(chan_spayload(c), chan_rpayload(c), sizeof(uint64_t));
		if (mech_serve(c, k == 0, k == total) < 0) {
			slot_fail(s, mech_errstr());
			_exit(1);
		}
	}
	usage_store(s, &u0);
}

static void pp_client(struct job *j, struct slot *s)
{
	struct chan *c = j->c;
	uint64_t *seq = (uint64_t *)chan_spayload(c);
	uint64_t *got = (uint64_t *)chan_rpayload(c);
	struct usage u0 = { 0 };
	long i;

	for (i = 0; i < j->warm + j->iters; i++) {
		if (i == j->warm) {
			usage_take(&u0);
			s->t0 = now_ns();
			if (j->ts)
				j->ts[0] = s->t0;
		}
		*seq = (uint64_t)i;
		*got = ~0ULL;
		if (mech_roundtrip(c) < 0) {
			slot_fail(s, mech_errstr());
			_exit(1);
		}
		if (*got != (uint64_t)i) {
			snprintf(s->msg, sizeof(s->msg), "round trip %ld: reply %llu", i,
				 (unsigned long long)*got);
			s->err = 1;
			_exit(1);
		}
		if (j->ts && i >= j->warm)
			j->ts[i - j->warm + 1] = now_ns();
	}
	s->t1 = now_ns();
	usage_store(s, &u0);
	s->n = j->iters;
}

static void st_receiver(struct job *j, struct slot *s)
{
	struct chan *c = j->c;
	long total = j->warm + j->iters, got = 0, n0 = 0;
	struct usage u0 = { 0 };
	uint64_t expect = 0;
	int check = j->nsenders == 1 && c->mech != M_BATCH;

	while (got < total) {
		long want = total - got;
		int n = mech_recvv(c, DIR_A, want > 1024 ? 1024 : (unsigned int)want);

		if (n < 0) {
			slot_fail(s, mech_errstr());
			_exit(1);
		}
		if (check && *(uint64_t *)chan_rpayload(c) != expect++) {
			snprintf(s->msg, sizeof(s->msg), "message %ld out of order", got);
			s->err = 1;
			_exit(1);
		}
		got += n;
		if (!s->t0 && got >= j->warm) {
			s->t0 = now_ns();
			usage_take(&u0);
			n0 = got;
		}
	}
	s->t1 = now_ns();
	usage_store(s, &u0);
	s->n = got - n0;
	s->total = got;
}

static void st_sender(struct job *j, struct slot *s, int idx)
{
	struct chan *c = j->c;
	long total = j->warm + j->iters;
	long share = total / j->nsenders + (idx == 0 ? total % j->nsenders : 0);
	uint64_t *seq = (uint64_t *)chan_spayload(c);
	struct usage u0;
	long sent = 0;

	usage_take(&u0);
	while (sent < share) {
		long left = share - sent;
		int n;

		*seq = (uint64_t)sent;
		n = mech_sendv(c, DIR_A, left > 1024 ? 1024 : (unsigned int)left);
		if (n <= 0) {
			slot_fail(s, mech_errstr());
			_exit(1);
		}
		sent += n;
	}
	usage_store(s, &u0);
	s->total = sent;
	s->cpu_all = s->cpu;
}

/* One process, both ends: send a batch, take it back; no one sleeps. */
static void self_loop(struct job *j, struct slot *s)
{
	struct chan *c = j->c;
	long total = j->warm + j->iters, done = 0;
	unsigned int burst = c->batch > 1 ? c->batch : 1;
	struct usage u0 = { 0 };

	while (done < total) {
		long left = total - done;
		unsigned int n = left < burst ? (unsigned int)left : burst, k = 0;

		if (done >= j->warm && !s->t0) {
			s->t0 = now_ns();
			usage_take(&u0);
			s->total = done;
		}
		while (k < n) {
			int r = mech_sendv(c, DIR_A, n - k);

			if (r <= 0) {
				slot_fail(s, mech_errstr());
				_exit(1);
			}
			k += (unsigned int)r;
		}
		for (k = 0; k < n;) {
			int r = mech_recvv(c, DIR_A, n - k);

			if (r <= 0) {
				slot_fail(s, mech_errstr());
				_exit(1);
			}
			k += (unsigned int)r;
		}
		done += n;
	}
	s->t1 = now_ns();
	usage_store(s, &u0);
	s->n = done - s->total;
}

enum kind { K_PP_SERVER, K_PP_CLIENT, K_ST_RECEIVER, K_ST_SENDER, K_SELF };

static void child_main(struct job *j, enum kind k, int role, int idx)
{
	struct slot *s = &j->ctl->res[role];
	struct chan *c = j->c;
	int failed;

	alarm((unsigned int)child_timeout);
	failed = mech_child_init(c, role) < 0;
	if (!failed && k == K_PP_SERVER && j->extra_links)
		failed = make_links(j->extra_links) < 0;
	meet(j->ctl, s, failed);
	meet(j->ctl, s, mech_child_link(c) < 0);
	if (k == K_PP_CLIENT && j->ts)
		memset(j->ts, 0, (size_t)(j->iters + 1) * sizeof(*j->ts));
	barrier_wait(&j->ctl->bar);

	switch (k) {
	case K_PP_SERVER:
		pp_server(j, s);
		break;
	case K_PP_CLIENT:
		pp_client(j, s);
		break;
	case K_ST_RECEIVER:
		st_receiver(j, s);
		break;
	case K_ST_SENDER:
		st_sender(j, s, idx);
		break;
	case K_SELF:
		self_loop(j, s);
		break;
	}
	mech_child_fini(c);
	_exit(0);
}

/* Wait for every child; on the first failure, stop the others. */
static int reap_all(pid_t *pids, int n, struct ctl *ctl, struct trial *t)
{
	int left = n, failed = 0, i;

	while (left > 0) {
		int st;
		pid_t pid = waitpid(-1, &st, 0);

		if (pid < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (i = 0; i < n; i++) {
			if (pids[i] != pid)
				continue;
			pids[i] = 0;
			left--;
			if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
				break;
			if (!failed) {
				failed = 1;
				if (ctl->res[i].err)
					snprintf(t->note, sizeof(t->note), "%s", ctl->res[i].msg);
				else if (WIFSIGNALED(st))
					snprintf(t->note, sizeof(t->note), "process %d: %s%s", i,
						 strsignal(WTERMSIG(st)),
						 WTERMSIG(st) == SIGALRM ? " (timeout)" : "");
				else
					snprintf(t->note, sizeof(t->note), "process %d: exit %d", i,
						 WEXITSTATUS(st));
			}
			for (int k = 0; k < n; k++)
				if (pids[k] > 0)
					kill(pids[k], SIGKILL);
			break;
		}
	}
	return failed ? -1 : 0;
}

static struct ctl *ctl_new(int nproc)
{
	struct ctl *ctl = shm_alloc(sizeof(*ctl));

	if (ctl)
		barrier_init(&ctl->bar, (uint32_t)nproc);
	return ctl;
}

static int spawn(struct job *j, enum kind k, int role, int idx, pid_t *pids)
{
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0)
		child_main(j, k, role, idx);
	pids[role] = pid;
	return 0;
}

long warmup_for(long iters)
{
	long w = iters / 10;

	return w < 5 ? 5 : w > 1000 ? 1000 : w;
}

/*
 * Ping-pong over @npairs independent pairs (roles 2k: server, 2k+1:
 * client). One pair: p50/p99 from its timestamps; more: the aggregate
 * rate over the window in which they all ran.
 */
static int run_pp(enum mech_id m, size_t size, long iters, int npairs,
		  int extra_links, struct trial *t)
{
	int nproc = 2 * npairs, i, ret = -1;
	struct chan chans[MAXCHAN];
	struct job jobs[MAXCHAN];
	pid_t pids[MAXPROC] = { 0 };
	uint64_t *ts = NULL;
	size_t tslen = (size_t)(iters + 1) * sizeof(uint64_t);
	struct ctl *ctl;
	int made = 0;

	memset(t, 0, sizeof(*t));
	if (npairs > MAXCHAN)
		return -1;
	ctl = ctl_new(nproc);
	if (!ctl) {
		snprintf(t->note, sizeof(t->note), "mmap: %s", strerror(errno));
		return -1;
	}
	if (npairs == 1) {
		ts = shm_alloc(tslen);
		if (!ts) {
			snprintf(t->note, sizeof(t->note), "mmap: %s", strerror(errno));
			goto out;
		}
	}
	for (i = 0; i < npairs; i++, made++) {
		if (mech_setup(&chans[i], m, size, 1, &ctl->sh) < 0) {
			snprintf(t->note, sizeof(t->note), "%s", mech_errstr());
			goto out;
		}
		chans[i].server = 2 * i;
		chans[i].client = 2 * i + 1;
		jobs[i] = (struct job){ .ctl = ctl, .c = &chans[i], .iters = iters,
					.warm = warmup_for(iters), .nsenders = 1,
					.extra_links = extra_links, .ts = ts };
	}
	for (i = 0; i < npairs; i++) {
		if (spawn(&jobs[i], K_PP_SERVER, 2 * i, 0, pids) < 0 ||
		    spawn(&jobs[i], K_PP_CLIENT, 2 * i + 1, 0, pids) < 0) {
			snprintf(t->note, sizeof(t->note), "fork: %s", strerror(errno));
			for (int k = 0; k < nproc; k++)
				if (pids[k] > 0)
					kill(pids[k], SIGKILL);
			reap_all(pids, nproc, ctl, t);
			goto out;
		}
	}
	if (reap_all(pids, nproc, ctl, t) < 0)
		goto out;

	{
		uint64_t tmin = UINT64_MAX, tmax = 0, cpu = 0, sys = 0, csw = 0;
		long ops = 0;

		for (i = 0; i < npairs; i++) {
			struct slot *cl = &ctl->res[2 * i + 1], *sv = &ctl->res[2 * i];

			if (cl->t0 < tmin)
				tmin = cl->t0;
			if (cl->t1 > tmax)
				tmax = cl->t1;
			ops += cl->n;
			cpu += cl->cpu + sv->cpu;
			sys += cl->cpu_sys + sv->cpu_sys;
			csw += cl->csw + sv->csw;
		}
		if (tmax <= tmin || !ops) {
			snprintf(t->note, sizeof(t->note), "empty window");
			goto out;
		}
		t->per_s = (double)ops * 1e9 / (double)(tmax - tmin);
		t->mean_ns = (double)(tmax - tmin) / (double)ops * npairs;
		t->mb_s = t->per_s * 2.0 * (double)size / 1e6;
		t->cpu_ns = (double)cpu / (double)ops;
		t->sys_share = cpu ? (double)sys / (double)cpu : 0;
		t->csw = (double)csw / (double)ops;
	}
	if (ts) {
		uint64_t *d = malloc((size_t)iters * sizeof(*d));

		if (!d)
			goto out;
		for (i = 0; i < iters; i++)
			d[i] = ts[i + 1] - ts[i];
		t->p50_ns = percentile_u64(d, iters, 50);
		t->p99_ns = percentile_u64(d, iters, 99);
		t->min_ns = (double)d[0];	/* sorted by percentile_u64 */
		free(d);
	}
	t->ok = 1;
	ret = 0;
out:
	for (i = 0; i < made; i++)
		mech_teardown(&chans[i]);
	if (ts)
		shm_free(ts, tslen);
	shm_free(ctl, sizeof(*ctl));
	return ret;
}

int run_pingpong(enum mech_id m, size_t size, long iters, int nmailboxes,
		 struct trial *t)
{
	(void)nmailboxes;
	return run_pp(m, size, iters, 1, 0, t);
}

int run_pairs(enum mech_id m, size_t size, long iters, int npairs,
	      struct trial *t)
{
	return run_pp(m, size, iters, npairs, 0, t);
}

int run_pingpong_links(size_t size, long iters, int nlinks, struct trial *t)
{
	return run_pp(M_DIRECT, size, iters, 1, nlinks > 1 ? nlinks - 1 : 0, t);
}

/* One way: @nsenders senders (roles 1..n) into one receiver (role 0). */
int run_stream(enum mech_id m, size_t size, long msgs, int nsenders,
	       struct trial *t)
{
	int nproc = nsenders + 1, i, ret = -1;
	pid_t pids[MAXPROC] = { 0 };
	struct ctl *ctl;
	struct chan c;
	struct job j;

	memset(t, 0, sizeof(*t));
	if (nproc > MAXPROC)
		return -1;
	ctl = ctl_new(nproc);
	if (!ctl) {
		snprintf(t->note, sizeof(t->note), "mmap: %s", strerror(errno));
		return -1;
	}
	if (mech_setup(&c, m, size, nsenders, &ctl->sh) < 0) {
		snprintf(t->note, sizeof(t->note), "%s", mech_errstr());
		shm_free(ctl, sizeof(*ctl));
		return -1;
	}
	c.server = 0;
	c.client = 1;
	j = (struct job){ .ctl = ctl, .c = &c, .iters = msgs, .warm = warmup_for(msgs),
			  .nsenders = nsenders };
	if (spawn(&j, K_ST_RECEIVER, 0, 0, pids) < 0)
		goto fork_failed;
	for (i = 1; i <= nsenders; i++)
		if (spawn(&j, K_ST_SENDER, i, i - 1, pids) < 0)
			goto fork_failed;
	if (reap_all(pids, nproc, ctl, t) < 0)
		goto out;

	{
		struct slot *r = &ctl->res[0];
		double cpu = 0, sys = 0, csw = 0;

		if (r->t1 <= r->t0 || !r->n) {
			snprintf(t->note, sizeof(t->note), "empty window");
			goto out;
		}
		t->per_s = (double)r->n * 1e9 / (double)(r->t1 - r->t0);
		t->mb_s = t->per_s * (double)size / 1e6;
		/* Senders' CPU over all they sent, the receiver's over its window. */
		for (i = 1; i <= nsenders; i++) {
			cpu += (double)ctl->res[i].cpu_all / (double)r->total;
			sys += (double)ctl->res[i].cpu_sys / (double)r->total;
			csw += (double)ctl->res[i].csw / (double)r->total;
		}
		cpu += (double)r->cpu / (double)r->n;
		sys += (double)r->cpu_sys / (double)r->n;
		csw += (double)r->csw / (double)r->n;
		t->csw = csw;
		t->cpu_ns = cpu;
		t->sys_share = cpu > 0 ? sys / cpu : 0;
	}
	t->ok = 1;
	ret = 0;
	goto out;

fork_failed:
	snprintf(t->note, sizeof(t->note), "fork: %s", strerror(errno));
	for (i = 0; i < nproc; i++)
		if (pids[i] > 0)
			kill(pids[i], SIGKILL);
	reap_all(pids, nproc, ctl, t);
out:
	mech_teardown(&c);
	shm_free(ctl, sizeof(*ctl));
	return ret;
}

/* One process sends to itself and takes it back: the kernel's work per
 * message (send + receive) with no wakeup and no context switch. */
int run_self(enum mech_id m, size_t size, long msgs, struct trial *t)
{
	pid_t pids[1] = { 0 };
	struct ctl *ctl;
	struct chan c;
	struct job j;
	int ret = -1;

	memset(t, 0, sizeof(*t));
	ctl = ctl_new(1);
	if (!ctl) {
		snprintf(t->note, sizeof(t->note), "mmap: %s", strerror(errno));
		return -1;
	}
	if (mech_setup(&c, m, size, 1, &ctl->sh) < 0) {
		snprintf(t->note, sizeof(t->note), "%s", mech_errstr());
		shm_free(ctl, sizeof(*ctl));
		return -1;
	}
	c.self = 1;
	j = (struct job){ .ctl = ctl, .c = &c, .iters = msgs, .warm = warmup_for(msgs),
			  .nsenders = 1 };
	if (spawn(&j, K_SELF, 0, 0, pids) < 0) {
		snprintf(t->note, sizeof(t->note), "fork: %s", strerror(errno));
		goto out;
	}
	if (reap_all(pids, 1, ctl, t) < 0)
		goto out;
	{
		struct slot *r = &ctl->res[0];

		if (r->t1 <= r->t0 || !r->n) {
			snprintf(t->note, sizeof(t->note), "empty window");
			goto out;
		}
		t->per_s = (double)r->n * 1e9 / (double)(r->t1 - r->t0);
		t->mean_ns = (double)(r->t1 - r->t0) / (double)r->n;
		t->mb_s = t->per_s * (double)size / 1e6;
		t->cpu_ns = (double)r->cpu / (double)r->n;
		t->sys_share = r->cpu ? (double)r->cpu_sys / (double)r->cpu : 0;
		t->csw = (double)r->csw / (double)r->n;
	}
	t->ok = 1;
	ret = 0;
out:
	mech_teardown(&c);
	shm_free(ctl, sizeof(*ctl));
	return ret;
}

/* --- the fixed cost of a call ------------------------------------------ */

const struct call_op call_ops[] = {
	{ M_NONE, "getppid()" },
	{ M_NONE, "clock_gettime(CLOCK_MONOTONIC)" },
	{ M_MAILBOX, "ioctl(/dev/msgpass) of an unknown command: ENOTTY" },
	{ M_MAILBOX, "mp_version(): MP_IOC_VERSION" },
	{ M_MAILBOX, "mp_msgrcv(IPC_NOWAIT), empty mailbox: ENOMSG" },
	{ M_DIRECT, "mp_receive(IPC_NOWAIT), empty inbox: ENOMSG" },
	{ M_SYSV, "msgrcv(IPC_NOWAIT), empty queue: ENOMSG" },
	{ M_POSIX, "mq_receive(), O_NONBLOCK, empty queue: EAGAIN" },
	{ M_PIPE, "read(), O_NONBLOCK, empty pipe: EAGAIN" },
	{ M_UNIX, "recv(MSG_DONTWAIT), empty socket: EAGAIN" },
};
const int nr_call_ops = sizeof(call_ops) / sizeof(call_ops[0]);

/* In a child: time @iters calls of operation @op that find nothing to do. */
static int calls_here(int op, long iters, struct trial *t)
{
	struct { long mtype; char text[64]; } m;
	struct mp_version v;
	struct timespec ts;
	struct mq_attr attr = { .mq_maxmsg = 4, .mq_msgsize = 64 };
	char name[64];
	int id = -1, fd[2] = { -1, -1 }, r = 0;
	uint64_t t0, t1;
	long i;

	switch (op) {
	case 4:
		id = mp_msgget(IPC_PRIVATE, IPC_CREAT | 0600);
		break;
	case 6:
		id = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
		break;
	case 7:
		snprintf(name, sizeof(name), "/msgpass-bench-calls-%d", (int)getpid());
		id = (int)mq_open(name, O_CREAT | O_RDWR | O_NONBLOCK, 0600, &attr);
		mq_unlink(name);
		break;
	case 8:
		r = pipe2(fd, O_NONBLOCK);
		break;
	case 9:
		r = socketpair(AF_UNIX, SOCK_SEQPACKET, 0, fd);
		break;
	default:
		if (call_ops[op].mech != M_NONE)
			r = mp_fd() < 0 ? -1 : 0;
	}
	if (r < 0 || ((op == 4 || op == 6 || op == 7) && id < 0)) {
		snprintf(t->note, sizeof(t->note), "setup: %s", strerror(errno));
		return -1;
	}
	t0 = now_ns();
	for (i = 0; i < iters; i++) {
		switch (op) {
		case 0:
			r = (int)getppid();
			break;
		case 1:
			r = clock_gettime(CLOCK_MONOTONIC, &ts);
			break;
		case 2:
			r = ioctl(mp_fd(), _IO(MP_IOC_MAGIC, 0x7f));
			break;
		case 3:
			r = mp_version(&v);
			break;
		case 4:
			r = (int)mp_msgrcv(id, &m, sizeof(m.text), 0, IPC_NOWAIT);
			break;
		case 5:
			r = (int)mp_receive(MP_ANY, &m, sizeof(m.text), 0, IPC_NOWAIT);
			break;
		case 6:
			r = (int)msgrcv(id, &m, sizeof(m.text), 0, IPC_NOWAIT);
			break;
		case 7:
			r = (int)mq_receive((mqd_t)id, m.text, sizeof(m.text), NULL);
			break;
		case 8:
			r = (int)read(fd[0], m.text, sizeof(m.text));
			break;
		case 9:
			r = (int)recv(fd[0], m.text, sizeof(m.text), MSG_DONTWAIT);
			break;
		}
	}
	t1 = now_ns();
	(void)r;
	if (op == 4)
		mp_msgctl(id, IPC_RMID, NULL);
	if (op == 6)
		msgctl(id, IPC_RMID, NULL);
	t->mean_ns = (double)(t1 - t0) / (double)iters;
	t->per_s = 1e9 / t->mean_ns;
	t->ok = 1;
	return 0;
}

int run_calls(int op, long iters, struct trial *t)
{
	struct trial *shared = shm_alloc(sizeof(*shared));
	pid_t pid;
	int st;

	memset(t, 0, sizeof(*t));
	if (!shared)
		return -1;
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		alarm((unsigned int)child_timeout);
		_exit(calls_here(op, iters, shared) < 0 ? 1 : 0);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		snprintf(shared->note, sizeof(shared->note), "child died");
	*t = *shared;
	shm_free(shared, sizeof(*shared));
	return t->ok ? 0 : -1;
}

/* --- the System V application workload ---------------------------------- */

/*
 * An ordinary System V program: a server with a request queue and a reply
 * queue, made by key; a client that finds them by key, sends requests of
 * types 1 to 4 in turn (64 B: a sequence number and text) and waits for
 * the reply to each by its type, the request's + 100. The server takes
 * requests with msgtyp -4 (the first of the lowest type up to 4), answers
 * on the reply queue and reads its request queue's state (IPC_STAT) every
 * 100 requests. The very same code runs over the kernel's calls (sysv) and
 * over libmsgpass's (sysvlib), through a table of the four functions.
 */

#define APP_BODY	64
#define APP_TYPES	4
#define APP_REPLY	100	/* a reply's type: the request's + 100 */
#define APP_STAT_EVERY	100

struct sysv_api {
	int (*get)(key_t key, int flags);
	int (*snd)(int id, const void *msg, size_t len, int flags);
	ssize_t (*rcv)(int id, void *msg, size_t len, long type, int flags);
	int (*ctl)(int id, int cmd, struct msqid_ds *ds);
};

static const struct sysv_api api_sysv = { msgget, msgsnd, msgrcv, msgctl };
static const struct sysv_api api_lib = { mp_msgget, mp_msgsnd, mp_msgrcv, mp_msgctl };

struct app_msg {
	long mtype;
	uint64_t seq;
	char text[APP_BODY - sizeof(uint64_t)];
};

struct app_job {
	struct ctl *ctl;
	const struct sysv_api *api;
	key_t key;		/* requests; replies: key + 1 */
	int req, rep;		/* the server's queue IDs */
	long iters, warm;
};

static void app_fail(struct slot *s, const char *what, long k)
{
	snprintf(s->msg, sizeof(s->msg), "%s: message %ld: %s", what, k,
		 errno ? strerror(errno) : "wrong message");
	s->err = 1;
	_exit(1);
}

static void app_server(struct app_job *j, struct slot *s)
{
	const struct sysv_api *api = j->api;
	long total = j->warm + j->iters, k;
	struct usage u0 = { 0 };
	struct app_msg m;
	struct msqid_ds ds;
	unsigned long queued = 0;

	for (k = 0; k < total; k++) {
		ssize_t n;

		if (k == j->warm)
			usage_take(&u0);
		errno = 0;
		n = api->rcv(j->req, &m, APP_BODY, -APP_TYPES, 0);
		if (n != APP_BODY || m.mtype != 1 + k % APP_TYPES || m.seq != (uint64_t)k)
			app_fail(s, "server: msgrcv", k);
		if ((k + 1) % APP_STAT_EVERY == 0) {
			if (api->ctl(j->req, IPC_STAT, &ds) < 0)
				app_fail(s, "server: IPC_STAT", k);
			queued += ds.msg_qnum;
		}
		m.mtype += APP_REPLY;
		if (api->snd(j->rep, &m, APP_BODY, 0) < 0)
			app_fail(s, "server: msgsnd", k);
	}
	usage_store(s, &u0);
	/* One request at a time: the queue was empty at every IPC_STAT. */
	if (queued) {
		errno = 0;
		app_fail(s, "server: IPC_STAT: msg_qnum not 0", k);
	}
}

static void app_client(struct app_job *j, struct slot *s, int req, int rep)
{
	const struct sysv_api *api = j->api;
	long total = j->warm + j->iters, i;
	struct usage u0 = { 0 };
	struct app_msg m, r;

	memset(&m, 'q', sizeof(m));
	for (i = 0; i < total; i++) {
		ssize_t n;

		if (i == j->warm) {
			usage_take(&u0);
			s->t0 = now_ns();
		}
		m.mtype = 1 + i % APP_TYPES;
		m.seq = (uint64_t)i;
		errno = 0;
		if (api->snd(req, &m, APP_BODY, 0) < 0)
			app_fail(s, "client: msgsnd", i);
		n = api->rcv(rep, &r, APP_BODY, m.mtype + APP_REPLY, 0);
		if (n != APP_BODY || r.mtype != m.mtype + APP_REPLY || r.seq != (uint64_t)i)
			app_fail(s, "client: msgrcv", i);
	}
	s->t1 = now_ns();
	usage_store(s, &u0);
	s->n = j->iters;
}

static void app_child(struct app_job *j, int role)
{
	struct slot *s = &j->ctl->res[role];
	int req = -1, rep = -1, failed = 0;

	alarm((unsigned int)child_timeout);
	if (role == 1) {
		/* The client finds the server's queues by key. */
		req = j->api->get(j->key, 0);
		rep = j->api->get(j->key + 1, 0);
		if (req < 0 || rep < 0) {
			mech_set_err("client: msgget", errno);
			failed = 1;
		}
	}
	meet(j->ctl, s, failed);
	if (role == 0)
		app_server(j, s);
	else
		app_client(j, s, req, rep);
	_exit(0);
}

/* The server's queues, by a key of their own: 0, or -1 (errno). */
static int app_queues(struct app_job *j)
{
	int tries;

	j->req = j->rep = -1;
	for (tries = 0; tries < 1000; tries++) {
		j->key = (key_t)(0x6d700000 + ((getpid() & 0xfff) << 8) + 2 * tries);
		j->req = j->api->get(j->key, IPC_CREAT | IPC_EXCL | 0600);
		if (j->req < 0 && errno == EEXIST)
			continue;
		if (j->req < 0)
			return -1;
		j->rep = j->api->get(j->key + 1, IPC_CREAT | IPC_EXCL | 0600);
		if (j->rep >= 0)
			return 0;
		j->api->ctl(j->req, IPC_RMID, NULL);
		j->req = -1;
		if (errno != EEXIST)
			return -1;
	}
	errno = EEXIST;
	return -1;
}

int run_sysvapp(enum mech_id m, long iters, struct trial *t)
{
	struct app_job j = { .api = m == M_SYSVLIB ? &api_lib : &api_sysv, .iters = iters,
			     .warm = warmup_for(iters) };
	pid_t pids[2] = { 0 };
	int i, ret = -1;

	memset(t, 0, sizeof(*t));
	j.ctl = ctl_new(2);
	if (!j.ctl) {
		snprintf(t->note, sizeof(t->note), "mmap: %s", strerror(errno));
		return -1;
	}
	if (app_queues(&j) < 0) {
		snprintf(t->note, sizeof(t->note), "%s: %s",
			 m == M_SYSVLIB ? "mp_msgget" : "msgget", strerror(errno));
		goto out;
	}
	for (i = 0; i < 2; i++) {
		fflush(NULL);
		pids[i] = fork();
		if (pids[i] < 0) {
			snprintf(t->note, sizeof(t->note), "fork: %s", strerror(errno));
			if (i)
				kill(pids[0], SIGKILL);
			pids[i] = 0;
			reap_all(pids, i, j.ctl, t);
			goto out;
		}
		if (pids[i] == 0)
			app_child(&j, i);
	}
	if (reap_all(pids, 2, j.ctl, t) < 0)
		goto out;
	{
		struct slot *cl = &j.ctl->res[1], *sv = &j.ctl->res[0];
		double msgs = 2.0 * (double)cl->n;

		if (cl->t1 <= cl->t0 || !cl->n) {
			snprintf(t->note, sizeof(t->note), "empty window");
			goto out;
		}
		/* A message: a request or a reply. */
		t->mean_ns = (double)(cl->t1 - cl->t0) / msgs;
		t->per_s = 1e9 / t->mean_ns;
		t->mb_s = t->per_s * APP_BODY / 1e6;
		t->cpu_ns = (double)(cl->cpu + sv->cpu) / msgs;
		t->sys_share = cl->cpu + sv->cpu ? (double)(cl->cpu_sys + sv->cpu_sys) /
						   (double)(cl->cpu + sv->cpu) : 0;
		t->csw = (double)(cl->csw + sv->csw) / msgs;
	}
	t->ok = 1;
	ret = 0;
out:
	if (j.req >= 0)
		j.api->ctl(j.req, IPC_RMID, NULL);
	if (j.rep >= 0)
		j.api->ctl(j.rep, IPC_RMID, NULL);
	shm_free(j.ctl, sizeof(*j.ctl));
	return ret;
}

/* --- scaling: idle objects that live while the pair exchanges ---------- */

int bg_mailboxes_make(int n, int *ids)
{
	struct mp_attr attr = {
		.flags = MP_ATTR_MODE_RECEIVE,
	};
	int i;

	for (i = 0; i < n; i++) {
		ids[i] = mp_msgget_attr(IPC_PRIVATE, NULL, IPC_CREAT | 0600, &attr);
		if (ids[i] < 0) {
			mech_set_err("mp_msgget_attr", errno);
			bg_mailboxes_drop(i, ids, 0);
			return -1;
		}
	}
	return 0;
}

int bg_sysv_make(int n, int *ids)
{
	int i;

	for (i = 0; i < n; i++) {
		ids[i] = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
		if (ids[i] < 0) {
			mech_set_err("msgget", errno);
			bg_mailboxes_drop(i, ids, 1);
			return -1;
		}
	}
	return 0;
}

void bg_mailboxes_drop(int n, int *ids, int sysv)
{
	int i;

	for (i = 0; i < n; i++) {
		if (sysv)
			msgctl(ids[i], IPC_RMID, NULL);
		else
			mp_msgctl(ids[i], IPC_RMID, NULL);
	}
}

/* --- kernel memory per queued message ---------------------------------- */

struct slabent {
	char name[64];
	long active;
	long objsize;
};

static int slab_read(struct slabent **out)
{
	FILE *f = fopen("/proc/slabinfo", "r");
	struct slabent *v = NULL;
	char line[512];
	int n = 0, cap = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		struct slabent e;
		long num;

		if (line[0] == '#' || !strncmp(line, "slabinfo", 8))
			continue;
		if (sscanf(line, "%63s %ld %ld %ld", e.name, &e.active, &num, &e.objsize) != 4)
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 256;
			v = realloc(v, (size_t)cap * sizeof(*v));
			if (!v) {
				fclose(f);
				return -1;
			}
		}
		v[n++] = e;
	}
	fclose(f);
	*out = v;
	return n;
}

/* Queue @count messages into a fresh object; keep them there. */
struct memobj {
	enum mech_id m;
	int id;
	int fd[2];
};

static int mem_fill(struct memobj *o, size_t size, long count, char *buf)
{
	long i;

	o->id = -1;
	o->fd[0] = o->fd[1] = -1;
	*(long *)buf = 1;
	switch (o->m) {
	case M_MAILBOX: {
		struct mp_attr attr = {
			.flags = MP_ATTR_MAX_BYTES | MP_ATTR_MSG_MAX | MP_ATTR_CAPACITY,
			.capacity = MP_UNLIMITED,
			.max_bytes = (uint64_t)count * size + 1,
			.msg_max = size > 8192 ? size : 8192,
		};

		o->id = mp_msgget_attr(IPC_PRIVATE, NULL, IPC_CREAT | 0600, &attr);
		if (o->id < 0)
			return -1;
		for (i = 0; i < count; i++)
			if (mp_msgsnd(o->id, buf, size, IPC_NOWAIT) < 0)
				return -1;
		return 0;
	}
	case M_DIRECT:
		if (mp_link_create(getpid(), MP_ATTR_MAX_BYTES, 0, (uint64_t)count * size + 1) < 0 &&
		    errno != EEXIST)
			return -1;
		for (i = 0; i < count; i++)
			if (mp_send(getpid(), buf, size, IPC_NOWAIT) < 0)
				return -1;
		return 0;
	case M_SYSV: {
		struct msqid_ds ds;

		o->id = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
		if (o->id < 0 || msgctl(o->id, IPC_STAT, &ds) < 0)
			return -1;
		ds.msg_qbytes = (unsigned long)count * (size ? size : 1) + count;
		if (msgctl(o->id, IPC_SET, &ds) < 0)
			return -1;
		for (i = 0; i < count; i++)
			if (msgsnd(o->id, buf, size, IPC_NOWAIT) < 0)
				return -1;
		return 0;
	}
	case M_POSIX: {
		struct mq_attr attr = { .mq_maxmsg = count, .mq_msgsize = (long)size };
		char name[64];

		snprintf(name, sizeof(name), "/msgpass-bench-mem-%d", (int)getpid());
		o->id = (int)mq_open(name, O_CREAT | O_EXCL | O_RDWR, 0600, &attr);
		if (o->id < 0)
			return -1;
		mq_unlink(name);
		for (i = 0; i < count; i++)
			if (mq_send((mqd_t)o->id, buf + sizeof(long), size, 0) < 0)
				return -1;
		return 0;
	}
	case M_UNIX: {
		/* truesize: the skb head and the data rounded up to a power of two */
		long sz = count * (long)(2 * size + 4096) / 2 + (1 << 20);

		if (sz > INT_MAX / 2)
			sz = INT_MAX / 2;

		if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, o->fd) < 0)
			return -1;
		{
			int isz = (int)sz;

			setsockopt(o->fd[0], SOL_SOCKET, SO_SNDBUFFORCE, &isz, sizeof(isz));
		}
		for (i = 0; i < count; i++)
			if (send(o->fd[0], buf + sizeof(long), size, MSG_DONTWAIT) != (ssize_t)size)
				return -1;
		return 0;
	}
	default:
		errno = ENOSYS;
		return -1;
	}
}

static void mem_drop(struct memobj *o, size_t size, char *buf)
{
	switch (o->m) {
	case M_MAILBOX:
		if (o->id >= 0)
			mp_msgctl(o->id, IPC_RMID, NULL);
		break;
	case M_DIRECT:
		while (mp_receive(MP_ANY, buf, size, 0, IPC_NOWAIT) >= 0)
			;
		break;
	case M_SYSV:
		if (o->id >= 0)
			msgctl(o->id, IPC_RMID, NULL);
		break;
	case M_POSIX:
		if (o->id >= 0)
			mq_close((mqd_t)o->id);
		break;
	case M_UNIX:
		if (o->fd[0] >= 0)
			close(o->fd[0]);
		if (o->fd[1] >= 0)
			close(o->fd[1]);
		break;
	default:
		break;
	}
}

static int memory_here(enum mech_id m, size_t size, long count, struct memcost *mc)
{
	struct slabent *a = NULL, *b = NULL;
	struct memobj o = { .m = m };
	char *buf = calloc(1, sizeof(long) + size + 8);
	long i, k;
	int na, nb, ret = -1;
	double total = 0;
	size_t off = 0;

	memset(mc, 0, sizeof(*mc));
	mc->count = count;
	if (!buf)
		return -1;
	/* Settle: let RCU-freed objects of earlier trials go. */
	usleep(20000);
	na = slab_read(&a);
	if (mem_fill(&o, size, count, buf) < 0) {
		snprintf(mc->note, sizeof(mc->note), "%s", strerror(errno));
		goto out;
	}
	nb = slab_read(&b);
	if (na < 0 || nb < 0) {
		snprintf(mc->note, sizeof(mc->note), "/proc/slabinfo: %s", strerror(errno));
		goto out;
	}
	for (i = 0; i < nb; i++) {
		long before = 0;
		double d;

		for (k = 0; k < na; k++) {
			if (!strcmp(a[k].name, b[i].name)) {
				before = a[k].active;
				break;
			}
		}
		d = (double)(b[i].active - before);
		total += d * (double)b[i].objsize;
		/* Name the caches that grew by at least one object per four messages. */
		if (d >= count / 4.0 && off < sizeof(mc->caches) - 64)
			off += (size_t)snprintf(mc->caches + off, sizeof(mc->caches) - off,
						"%s%.2fx %s(%ld)", off ? " + " : "",
						d / (double)count, b[i].name, b[i].objsize);
	}
	mc->slab_bytes = total / (double)count;
	mc->ok = 1;
	ret = 0;
out:
	mem_drop(&o, size, buf);
	free(a);
	free(b);
	free(buf);
	return ret;
}

/* In a child of its own: a process's links and quota start afresh. */
int run_memory(enum mech_id m, size_t size, long count, struct memcost *mc)
{
	struct memcost *shared = shm_alloc(sizeof(*shared));
	pid_t pid;
	int st;

	memset(mc, 0, sizeof(*mc));
	if (!shared) {
		snprintf(mc->note, sizeof(mc->note), "mmap: %s", strerror(errno));
		return -1;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		snprintf(mc->note, sizeof(mc->note), "fork: %s", strerror(errno));
		shm_free(shared, sizeof(*shared));
		return -1;
	}
	if (pid == 0) {
		alarm((unsigned int)child_timeout);
		_exit(memory_here(m, size, count, shared) < 0 ? 1 : 0);
	}
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		snprintf(shared->note, sizeof(shared->note), "child died");
	*mc = *shared;
	shm_free(shared, sizeof(*shared));
	return mc->ok ? 0 : -1;
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the direct-communication selftests (direct_test,
 * call_test, direct_concurrency_test).
 */
#ifndef MP_DIRECT_H
#define MP_DIRECT_H

#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>

#include "mp_test.h"

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
static inline int dt_put(int fd, char c) { return mp_pipe_put(fd, c); }
static inline int dt_get(int fd) { return mp_pipe_get(fd, DT_WAIT_MS); }
static inline int dt_put_int(int fd, int v) { return mp_pipe_put_int(fd, v); }
static inline int dt_get_int(int fd, int *v) { return mp_pipe_get_int(fd, v, DT_WAIT_MS); }
static inline int dt_ready_now(int fd) { return mp_pipe_ready_now(fd); }

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

#endif /* MP_DIRECT_H */

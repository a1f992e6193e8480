/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the msgpass example programs: narration, checks that
 * end the program on anything unexpected, child processes, and a few
 * ways for processes to wait for one another.
 *
 * Every line a program prints names the process that prints it:
 *
 *	[A pid 123] sends 'hello' to mailbox Q (id 65536)
 *
 * Each line goes out in one write(2), so lines from several processes
 * never mix, and nothing sits in a stdio buffer across fork().
 *
 * An example exits 0 when everything happened as described and 1 when
 * anything did not; a process still waiting after EX_TIMEOUT seconds
 * says so and exits 1, removing the mailboxes it made. The examples are
 * smoke tests as well as tutorials.
 */
#ifndef MSGPASS_EXAMPLE_H
#define MSGPASS_EXAMPLE_H

#include <errno.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "msgpass.h"

/* Longest any process of an example may take, in seconds. */
#define EX_TIMEOUT	30

/* The uid and gid the examples run as when started by root. */
#define EX_USER		1000
#define EX_GROUP	1000

/* A System V message as the examples send it. */
struct ex_msg {
	long mtype;
	char mtext[200];
};

static char ex_role[32] = "main";
static struct timespec ex_t0;

/* Milliseconds since ex_start(), on CLOCK_MONOTONIC (children share it). */
static inline double ex_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - ex_t0.tv_sec) * 1e3 +
	       (t.tv_nsec - ex_t0.tv_nsec) / 1e6;
}

static inline void ex_vprint(const char *prefix, const char *fmt, va_list ap)
{
	char line[512];
	int n = 0;

	if (prefix)
		n = snprintf(line, sizeof(line), "%s", prefix);
	else
		n = snprintf(line, sizeof(line), "[%s pid %d] ", ex_role,
			     (int)getpid());
	if (n < (int)sizeof(line))
		n += vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	if (n >= (int)sizeof(line) - 1)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	if (write(STDOUT_FILENO, line, n) < 0)
		_exit(1);
}

/* A narrated line, prefixed with the role and pid of the process. */
__attribute__((format(printf, 1, 2)))
static inline void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ex_vprint(NULL, fmt, ap);
	va_end(ap);
}

/* A line of commentary, not spoken by any process. */
__attribute__((format(printf, 1, 2)))
static inline void note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ex_vprint("   ", fmt, ap);
	va_end(ap);
}

/* The children this process has spawned and not yet waited for. */
static struct {
	pid_t pid;
	char role[32];
} ex_children[8];

/* Kill every child not yet waited for (safe in a signal handler). */
static void ex_kill_children(void)
{
	for (size_t i = 0; i < sizeof(ex_children) / sizeof(ex_children[0]); i++)
		if (ex_children[i].pid > 0)
			kill(ex_children[i].pid, SIGKILL);
}

/*
 * Something unexpected happened: say what, and end with status 1. The
 * children go too, so that none is left behind, waiting.
 */
__attribute__((format(printf, 1, 2), noreturn))
static inline void fail(const char *fmt, ...)
{
	char prefix[64];
	va_list ap;

	snprintf(prefix, sizeof(prefix), "[%s pid %d] UNEXPECTED: ", ex_role,
		 (int)getpid());
	va_start(ap, fmt);
	ex_vprint(prefix, fmt, ap);
	va_end(ap);
	ex_kill_children();
	exit(1);
}

/* The symbolic name of the errno values the examples meet. */
static inline const char *ex_errname(int err)
{
	switch (err) {
	case 0:		return "success";
	case E2BIG:	return "E2BIG";
	case EACCES:	return "EACCES";
	case EAGAIN:	return "EAGAIN";
	case EALREADY:	return "EALREADY";
	case EBADFD:	return "EBADFD";
	case EDQUOT:	return "EDQUOT";
	case EEXIST:	return "EEXIST";
	case EFAULT:	return "EFAULT";
	case EIDRM:	return "EIDRM";
	case EINTR:	return "EINTR";
	case EINVAL:	return "EINVAL";
	case ENOENT:	return "ENOENT";
	case ENOMEM:	return "ENOMEM";
	case ENOMSG:	return "ENOMSG";
	case ENOSPC:	return "ENOSPC";
	case ENOTCONN:	return "ENOTCONN";
	case ENOTTY:	return "ENOTTY";
	case EPERM:	return "EPERM";
	case ESRCH:	return "ESRCH";
	case ETIMEDOUT:	return "ETIMEDOUT";
	default:	return "E?";
	}
}

/* "EACCES (Permission denied)" for @err. */
static inline const char *ex_err(int err)
{
	static char buf[96];

	snprintf(buf, sizeof(buf), "%s (%s)", ex_errname(err), strerror(err));
	return buf;
}

/* A call that must succeed: end the program when it returned -1. */
#define MUST(call) ({							\
	__typeof__(call) ex_r_ = (call);				\
	if (ex_r_ == -1)						\
		fail("%s failed: %s", #call, ex_err(errno));		\
	ex_r_;								\
})

/* A call that must fail with @err: end the program when it does not. */
#define MUST_FAIL(err, call) do {					\
	errno = 0;							\
	if ((call) != -1)						\
		fail("%s succeeded; expected %s", #call,		\
		     ex_errname(err));					\
	if (errno != (err))						\
		fail("%s failed with %s; expected %s", #call,		\
		     ex_err(errno), ex_errname(err));			\
} while (0)

static void ex_remove_all(void);

/* What a process says when it hangs; made before the alarm can fire. */
static char ex_hung[128];
static size_t ex_hung_len;

/*
 * The alarm fired: something that should have happened did not. Say so,
 * remove this process's mailboxes (an ioctl, safe in a signal handler)
 * and end with status 1.
 */
static void ex_on_alarm(int sig __attribute__((unused)))
{
	if (write(STDOUT_FILENO, ex_hung, ex_hung_len) < 0)
		_exit(1);
	ex_kill_children();
	ex_remove_all();
	_exit(1);
}

/* Arm the watchdog of the calling process (after ex_role is set). */
static inline void ex_watchdog(void)
{
	int n = snprintf(ex_hung, sizeof(ex_hung),
			 "[%s pid %d] UNEXPECTED: still waiting after %d s: something hung\n",
			 ex_role, (int)getpid(), EX_TIMEOUT);

	ex_hung_len = n < (int)sizeof(ex_hung) ? (size_t)n : sizeof(ex_hung) - 1;
	alarm(EX_TIMEOUT);
}

/* Call once, first thing in main(). */
static inline void ex_start(const char *role)
{
	struct sigaction sa = { .sa_handler = ex_on_alarm };

	snprintf(ex_role, sizeof(ex_role), "%s", role);
	clock_gettime(CLOCK_MONOTONIC, &ex_t0);
	/* Unbuffered: every line reaches the terminal at once, in order. */
	setvbuf(stdout, NULL, _IONBF, 0);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	ex_watchdog();
}

/* Become @uid/@gid (no supplementary groups). Needs root. */
static inline void ex_become(uid_t uid, gid_t gid)
{
	if (setgroups(0, NULL) || setresgid(gid, gid, gid) ||
	    setresuid(uid, uid, uid))
		fail("cannot become uid %d gid %d: %s", (int)uid, (int)gid,
		     ex_err(errno));
}

/*
 * Permission checks mean little to root (CAP_IPC_OWNER passes them), so
 * an example started by root goes on as an ordinary user. Returns 1 when
 * it did.
 */
static inline int ex_unprivileged(void)
{
	if (geteuid() != 0)
		return 0;
	ex_become(EX_USER, EX_GROUP);
	note("(started by root: going on as uid %d, an ordinary user, so that permission checks apply)",
	     EX_USER);
	return 1;
}

/*
 * End the program if a child has already failed: what the caller waits
 * for would then never come. The child is left for ex_wait() to reap.
 */
static inline void ex_check_children(void)
{
	for (size_t i = 0; i < sizeof(ex_children) / sizeof(ex_children[0]); i++) {
		siginfo_t si = { 0 };

		if (!ex_children[i].pid)
			continue;
		if (waitid(P_PID, ex_children[i].pid, &si,
			   WEXITED | WNOHANG | WNOWAIT) || si.si_pid == 0)
			continue;
		if (si.si_code != CLD_EXITED || si.si_status != 0)
			fail("%s (pid %d) failed; giving up",
			     ex_children[i].role, (int)ex_children[i].pid);
	}
}

/*
 * Fork a child that takes the name @role, runs @fn(@arg) and exits 0
 * (@fn ends the child with status 1 through fail() on anything
 * unexpected). Returns the child's pid, in the parent.
 */
static inline pid_t ex_spawn(const char *role, void (*fn)(void *), void *arg)
{
	pid_t pid = fork();

	if (pid < 0)
		fail("fork: %s", ex_err(errno));
	if (pid == 0) {
		memset(ex_children, 0, sizeof(ex_children));
		snprintf(ex_role, sizeof(ex_role), "%s", role);
		ex_watchdog();
		fn(arg);
		exit(0);
	}
	for (size_t i = 0; i < sizeof(ex_children) / sizeof(ex_children[0]); i++) {
		if (!ex_children[i].pid) {
			ex_children[i].pid = pid;
			snprintf(ex_children[i].role,
				 sizeof(ex_children[i].role), "%s", role);
			break;
		}
	}
	return pid;
}

/* Wait for child @pid, named @role; 0 when it exited 0, else 1. */
static inline int ex_wait(pid_t pid, const char *role)
{
	int status;

	if (waitpid(pid, &status, 0) < 0)
		fail("waitpid %s: %s", role, ex_err(errno));
	for (size_t i = 0; i < sizeof(ex_children) / sizeof(ex_children[0]); i++)
		if (ex_children[i].pid == pid)
			ex_children[i].pid = 0;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFSIGNALED(status))
		say("%s (pid %d) was killed by signal %d%s", role, (int)pid,
		    WTERMSIG(status),
		    WTERMSIG(status) == SIGALRM ? " (it hung: timed out)" : "");
	else
		say("%s (pid %d) exited with status %d: something went wrong",
		    role, (int)pid, WEXITSTATUS(status));
	return 1;
}

/*
 * One-way signals between two processes, over a pipe: ex_post() sends a
 * small integer, ex_take() waits for one. Make the pipe before fork().
 */
static inline void ex_post(int pipefd[2], long v)
{
	if (write(pipefd[1], &v, sizeof(v)) != sizeof(v))
		fail("pipe write: %s", ex_err(errno));
}

static inline long ex_take(int pipefd[2])
{
	struct pollfd pfd = { .fd = pipefd[0], .events = POLLIN };
	long v;
	ssize_t n;

	/* Do not wait for a child that has failed. */
	while (poll(&pfd, 1, 100) == 0)
		ex_check_children();
	do
		n = read(pipefd[0], &v, sizeof(v));
	while (n < 0 && errno == EINTR);
	if (n != sizeof(v))
		fail("pipe read: %s", n < 0 ? ex_err(errno) : "the other side is gone");
	return v;
}

static inline void ex_pipe(int pipefd[2])
{
	if (pipe(pipefd))
		fail("pipe: %s", ex_err(errno));
}

static inline void ex_sleep_ms(long ms)
{
	struct timespec t = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&t, &t) && errno == EINTR)
		;
}

/*
 * Wait until a process is asleep in a send to mailbox @id (@senders) or
 * in a receive from it (!@senders): the moment to show what happens to
 * a blocked process. Returns how many are asleep.
 */
static inline unsigned int ex_wait_sleeper(int id, int senders)
{
	struct mp_mbox_info info;
	unsigned int n;

	for (;;) {
		MUST(mp_mbox_info(id, &info));
		n = senders ? info.waiting_senders : info.waiting_receivers;
		if (n)
			return n;
		ex_check_children();
		ex_sleep_ms(10);
	}
}

/* Send the string @text with type @type; the message's body is the text. */
static inline int ex_send(int id, long type, const char *text, int flags)
{
	struct ex_msg m = { .mtype = type };

	snprintf(m.mtext, sizeof(m.mtext), "%s", text);
	return mp_msgsnd(id, &m, strlen(m.mtext), flags);
}

/*
 * Receive into @m (type selection @type), NUL-terminating the text, and
 * fill @hdr when not NULL. Returns the body length or -1.
 */
static inline ssize_t ex_recv(int id, struct ex_msg *m, long type, int flags,
			      struct mp_msghdr *hdr)
{
	ssize_t n = mp_msgrcv_ext(id, m, sizeof(m->mtext) - 1, type, flags,
				  NULL, hdr);

	if (n >= 0)
		m->mtext[n] = '\0';
	return n;
}

/* Fail unless @got is the text @want. */
static inline void ex_expect_text(const char *got, const char *want)
{
	if (strcmp(got, want))
		fail("received '%s'; expected '%s'", got, want);
}

/*
 * Mailboxes made by this process, removed at exit (also when it fails),
 * so that an example leaves nothing behind.
 */
static int ex_owned[8];
static int ex_nowned;
static pid_t ex_owner;

static void ex_remove_all(void)
{
	if (getpid() != ex_owner)
		return;
	for (int i = 0; i < ex_nowned; i++)
		if (ex_owned[i] >= 0)
			mp_msgctl(ex_owned[i], IPC_RMID, NULL);
}

static inline void ex_remove_at_exit(int id)
{
	if (!ex_nowned) {
		ex_owner = getpid();
		atexit(ex_remove_all);
	}
	if (ex_nowned < (int)(sizeof(ex_owned) / sizeof(ex_owned[0])))
		ex_owned[ex_nowned++] = id;
}

/* Remove @id now (it must exist), and forget it. */
static inline void ex_remove(int id)
{
	MUST(mp_msgctl(id, IPC_RMID, NULL));
	for (int i = 0; i < ex_nowned; i++)
		if (ex_owned[i] == id)
			ex_owned[i] = -1;
}

#endif /* MSGPASS_EXAMPLE_H */

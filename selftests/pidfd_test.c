// SPDX-License-Identifier: GPL-2.0
/*
 * The sender of a message as a pidfd, with no pid-reuse race.
 *
 * A header carries the sender's pid and its start time
 * (sender_start_ns); MP_IOC_PIDFD_INFO tells the start time of the
 * process a pidfd refers to; mp_sender_pidfd() opens a pidfd on the pid
 * and keeps it only if the two agree. Here: the info is right (checked
 * against /proc), the pidfd really is the sender (a signal sent through
 * it kills the sender), and a sender that is gone, or whose pid a later
 * process got, is never named (ESRCH). Kernel notes have no sender. An
 * older caller's shorter header is still filled.
 */
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "mp_test.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open		434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal	424
#endif

#define WAIT_MS	20000

struct pmsg {
	long mtype;
	char mtext[16];
};

static int pidfd_open(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

static int pidfd_info(int pidfd, struct mp_pidfd_info *info)
{
	memset(info, 0, sizeof(*info));
	info->pidfd = pidfd;
	return ioctl(mp_fd(), MP_IOC_PIDFD_INFO, info);
}

/*
 * A child that does @what and then waits for a byte on @go (or dies with
 * us); at pid @want if not 0.
 */
static pid_t child_at(int go[2], int (*what)(void *), void *arg, pid_t want)
{
	pid_t pid;

	if (pipe(go))
		return -1;
	pid = want ? mp_fork_at(want) : fork();
	if (pid == 0) {
		char c;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(go[1]);
		if (what(arg))
			_exit(1);
		if (read(go[0], &c, 1) < 0)
			_exit(2);
		_exit(0);
	}
	close(go[0]);
	if (pid < 0)
		close(go[1]);
	return pid;
}

static pid_t child(int go[2], int (*what)(void *), void *arg)
{
	return child_at(go, what, arg, 0);
}

static int reap(pid_t pid)
{
	int st;

	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return st;
}

static int send_to_mbox(void *arg)
{
	struct pmsg m = { .mtype = 1, .mtext = "hi" };

	return mp_msgsnd(*(int *)arg, &m, sizeof(m.mtext), 0);
}

static int send_to_pid(void *arg)
{
	struct pmsg m = { .mtype = 1, .mtext = "hi" };

	return mp_send(*(pid_t *)arg, &m, sizeof(m.mtext), 0);
}

static int do_nothing(void *arg)
{
	return 0;
}

FIXTURE(pf) {
	int id;
};

FIXTURE_SETUP(pf)
{
	self->id = mp_msgget(IPC_PRIVATE, IPC_CREAT | 0600);
	ASSERT_LE(0, self->id);
}

FIXTURE_TEARDOWN(pf)
{
	mp_msgctl(self->id, IPC_RMID, NULL);
}

/* Start time as /proc/PID/stat has it, in clock ticks. */
static long long proc_start_ticks(pid_t pid)
{
	char path[64], buf[1024], *p;
	long long v = -1;
	FILE *f;
	int i;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (!fgets(buf, sizeof(buf), f)) {
		fclose(f);
		return -1;
	}
	fclose(f);
	p = strrchr(buf, ')');
	/* Field 22 is starttime; after ')' come field 3 onwards. */
	for (i = 3; p && i <= 22; i++)
		p = strchr(p + 1, ' ');
	if (p)
		v = strtoll(p + 1, NULL, 10);
	return v;
}

TEST_F(pf, pidfd_info_names_the_process_and_its_start)
{
	struct mp_pidfd_info info;
	long long ticks = proc_start_ticks(getpid());
	long hz = sysconf(_SC_CLK_TCK);
	int fd = pidfd_open(getpid());

	ASSERT_LE(0, fd);
	ASSERT_LT(0, ticks);
	ASSERT_EQ(0, pidfd_info(fd, &info));
	EXPECT_EQ(getpid(), info.pid);
	EXPECT_LT(0, info.start_ns);
	EXPECT_EQ(ticks, (long long)(info.start_ns / (1000000000ULL / hz)));
	close(fd);
}

TEST_F(pf, pidfd_info_refuses_what_is_no_pidfd)
{
	struct mp_pidfd_info info;
	int fd = pidfd_open(getpid());

	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, pidfd_info(0, &info));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(-1, pidfd_info(-1, &info));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(-1, pidfd_info(mp_fd(), &info));
	EXPECT_EQ(EBADF, errno);
	memset(&info, 0, sizeof(info));
	info.pidfd = fd;
	info.flags = 1;
	EXPECT_EQ(-1, ioctl(mp_fd(), MP_IOC_PIDFD_INFO, &info));
	EXPECT_EQ(EINVAL, errno);
	info.flags = 0;
	info.__reserved[1] = 1;
	EXPECT_EQ(-1, ioctl(mp_fd(), MP_IOC_PIDFD_INFO, &info));
	EXPECT_EQ(EINVAL, errno);
	close(fd);
}

TEST_F(pf, pidfd_info_of_a_reaped_process_is_esrch)
{
	struct mp_pidfd_info info;
	int go[2], fd;
	pid_t pid = child(go, do_nothing, NULL);

	ASSERT_LT(0, pid);
	fd = pidfd_open(pid);
	ASSERT_LE(0, fd);
	close(go[1]);
	ASSERT_EQ(0, reap(pid));
	EXPECT_EQ(-1, pidfd_info(fd, &info));
	EXPECT_EQ(ESRCH, errno);
	close(fd);
}

/* The pidfd is the sender's: a signal through it is what ends the sender. */
static void sender_pidfd_is_the_sender(struct __test_metadata *_metadata,
				       int id, bool direct)
{
	struct mp_msghdr h;
	struct mp_pidfd_info info;
	struct pmsg r;
	pid_t me = getpid();
	int go[2], fd, st;
	pid_t pid = direct ? child(go, send_to_pid, &me) : child(go, send_to_mbox, &id);

	ASSERT_LT(0, pid);
	if (direct) {
		ASSERT_EQ(sizeof(r.mtext), mp_receive_ext(pid, &r, sizeof(r.mtext), 0, 0, NULL, &h));
	} else {
		ASSERT_EQ(sizeof(r.mtext), mp_msgrcv_ext(id, &r, sizeof(r.mtext), 0, 0, NULL, &h));
	}
	EXPECT_EQ(pid, h.sender_pid);
	EXPECT_LT(0, h.sender_start_ns);
	fd = mp_sender_pidfd(&h, 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, pidfd_info(fd, &info));
	EXPECT_EQ(pid, info.pid);
	EXPECT_EQ(h.sender_start_ns, info.start_ns);
	ASSERT_EQ(0, syscall(SYS_pidfd_send_signal, fd, SIGKILL, NULL, 0));
	st = reap(pid);
	EXPECT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	close(go[1]);
	close(fd);
}

TEST_F(pf, sender_pidfd_of_a_mailbox_message_is_the_sender)
{
	sender_pidfd_is_the_sender(_metadata, self->id, false);
}

TEST_F(pf, sender_pidfd_of_a_direct_message_is_the_sender)
{
	sender_pidfd_is_the_sender(_metadata, self->id, true);
}

TEST_F(pf, sender_reaped_before_the_receive_is_named_by_nobody)
{
	struct mp_msghdr h;
	struct pmsg r;
	int go[2];
	pid_t pid = child(go, send_to_mbox, &self->id);

	ASSERT_LT(0, pid);
	close(go[1]);
	ASSERT_EQ(0, reap(pid));
	ASSERT_EQ(sizeof(r.mtext), mp_msgrcv_ext(self->id, &r, sizeof(r.mtext), 0, 0, NULL, &h));
	EXPECT_EQ(0, h.sender_start_ns);
	EXPECT_EQ(-1, mp_sender_pidfd(&h, 0));
	EXPECT_EQ(ESRCH, errno);
}

TEST_F(pf, sender_pidfd_never_names_a_later_process_with_the_sender_pid)
{
	struct mp_msghdr h;
	struct pmsg r;
	int go[2], go2[2], fd;
	pid_t pid = child(go, send_to_mbox, &self->id), later;

	ASSERT_LT(0, pid);
	/* Received while the sender lives: the header has its start time. */
	ASSERT_EQ(sizeof(r.mtext), mp_msgrcv_ext(self->id, &r, sizeof(r.mtext), 0, 0, NULL, &h));
	ASSERT_LT(0, h.sender_start_ns);
	close(go[1]);
	ASSERT_EQ(0, reap(pid));
	later = child_at(go2, do_nothing, NULL, pid);
	if (later != pid)
		SKIP(return, "cannot make a process reuse pid %d: %s", pid, strerror(errno));
	/* The number opens the later process... */
	fd = pidfd_open(pid);
	EXPECT_LE(0, fd);
	if (fd >= 0)
		close(fd);
	/* ...which is not the sender. */
	EXPECT_EQ(-1, mp_sender_pidfd(&h, 0));
	EXPECT_EQ(ESRCH, errno);
	close(go2[1]);
	EXPECT_EQ(0, reap(later));
}

TEST_F(pf, kernel_notes_have_no_sender_pidfd)
{
	struct mp_msghdr h;
	struct { long mtype; struct mp_death_note n; } r;
	int go[2];
	/* A child with an endpoint: it sends once, then waits. */
	pid_t pid = child(go, send_to_mbox, &self->id);

	ASSERT_LT(0, pid);
	ASSERT_EQ(sizeof(struct pmsg) - sizeof(long),
		  mp_msgrcv(self->id, &r, sizeof(struct pmsg) - sizeof(long), 0, 0));
	ASSERT_EQ(0, mp_watch_process(pid, 9, 42, -1));
	close(go[1]);
	ASSERT_EQ(0, reap(pid));
	ASSERT_EQ(sizeof(r.n), mp_receive_ext(MP_ANY, &r, sizeof(r.n), 9, 0, NULL, &h));
	EXPECT_TRUE(h.flags & MP_MSG_KERNEL);
	EXPECT_EQ(0, h.sender_pid);
	EXPECT_EQ(0, h.sender_start_ns);
	EXPECT_EQ(-1, mp_sender_pidfd(&h, 0));
	EXPECT_EQ(ESRCH, errno);
}

TEST_F(pf, a_caller_with_the_first_header_size_gets_that_much)
{
	struct pmsg m = { .mtype = 3, .mtext = "x" }, r;
	unsigned char h[sizeof(struct mp_msghdr)];
	struct mp_msgrcv_args a = {
		.id = self->id,
		.msgflg = IPC_NOWAIT,
		.msgp = (uintptr_t)&r,
		.msgsz = sizeof(r.mtext),
		.hdr = (uintptr_t)h,
		.hdr_size = MP_MSGHDR_SIZE_VER0,
	};

	ASSERT_EQ(0, mp_msgsnd(self->id, &m, sizeof(m.mtext), 0));
	memset(h, 0xa5, sizeof(h));
	a.hdr_size = MP_MSGHDR_SIZE_VER0 - 8;
	EXPECT_EQ(-1, ioctl(mp_fd(), MP_IOC_MSGRCV, &a));
	EXPECT_EQ(EINVAL, errno);
	a.hdr_size = MP_MSGHDR_SIZE_VER0;
	ASSERT_EQ(sizeof(r.mtext), ioctl(mp_fd(), MP_IOC_MSGRCV, &a));
	EXPECT_EQ(3, ((struct mp_msghdr *)h)->type);
	EXPECT_EQ(getpid(), ((struct mp_msghdr *)h)->sender_pid);
	/* Nothing written beyond what the caller said it has. */
	for (size_t i = MP_MSGHDR_SIZE_VER0; i < sizeof(h); i++)
		EXPECT_EQ(0xa5, h[i]);
}

TEST_HARNESS_MAIN

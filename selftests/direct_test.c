// SPDX-License-Identifier: GPL-2.0
/*
 * Direct communication: links, Receive(P) and Receive(ANY), names,
 * call/reply and peer-death notification.
 */
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>

#include "mp_test.h"

struct tmsg {
	long mtype;
	char mtext[64];
};

/* A pipe-based barrier: the child says it is ready, the parent waits. */
static void wait_byte(int fd)
{
	char c;

	while (read(fd, &c, 1) < 0 && errno == EINTR)
		;
}

static int reap(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

TEST(send_to_self_and_receive_any)
{
	struct tmsg m = { .mtype = 3 }, r;
	struct mp_msghdr h;

	strcpy(m.mtext, "hi");
	ASSERT_EQ(0, mp_send(getpid(), &m, 3, 0));
	ASSERT_EQ(3, mp_receive_ext(MP_ANY, &r, sizeof(r.mtext), 0, 0, NULL, &h));
	EXPECT_EQ(3, r.mtype);
	EXPECT_STREQ("hi", r.mtext);
	EXPECT_EQ(getpid(), h.sender_pid);
	EXPECT_EQ(getpid(), h.receiver);
	EXPECT_EQ(1, h.seq);
}

TEST(send_to_pid_without_endpoint_is_esrch)
{
	struct tmsg m = { .mtype = 1 };
	pid_t pid = fork();

	ASSERT_LE(0, pid);
	if (pid == 0) {
		pause();
		_exit(0);
	}
	/* The child never opened the device. */
	EXPECT_EQ(-1, mp_send(pid, &m, 1, 0));
	EXPECT_EQ(ESRCH, errno);
	kill(pid, SIGKILL);
	reap(pid);
	EXPECT_EQ(-1, mp_send(0, &m, 1, 0));
	EXPECT_EQ(EINVAL, errno);
}

TEST(child_to_parent_link_with_sequence_numbers)
{
	struct mp_msghdr h;
	struct tmsg r;
	pid_t pid;

	ASSERT_LE(0, mp_fd());
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct tmsg m = { .mtype = 1 };

		for (int i = 0; i < 10; i++) {
			m.mtext[0] = i;
			if (mp_send(getppid(), &m, 1, 0))
				_exit(1);
		}
		_exit(0);
	}
	for (int i = 0; i < 10; i++) {
		ASSERT_EQ(1, mp_receive_ext(pid, &r, sizeof(r.mtext), 0, 0, NULL, &h));
		EXPECT_EQ(i, r.mtext[0]);
		EXPECT_EQ(i + 1, (int)h.seq);
		EXPECT_EQ(pid, h.sender_pid);
	}
	EXPECT_EQ(0, reap(pid));
}

TEST(messages_stay_receivable_after_sender_exits)
{
	struct tmsg r;
	pid_t pid;

	ASSERT_LE(0, mp_fd());
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct tmsg m = { .mtype = 7 };

		strcpy(m.mtext, "bye");
		_exit(mp_send(getppid(), &m, 4, 0) ? 1 : 0);
	}
	ASSERT_EQ(0, reap(pid));
	ASSERT_EQ(4, mp_receive(pid, &r, sizeof(r.mtext), 0, IPC_NOWAIT));
	EXPECT_STREQ("bye", r.mtext);
}

TEST(receive_from_p_takes_only_its_link)
{
	int ready[2];
	struct tmsg r;
	pid_t a, b;

	ASSERT_LE(0, mp_fd());
	ASSERT_EQ(0, pipe(ready));
	a = fork();
	ASSERT_LE(0, a);
	if (a == 0) {
		struct tmsg m = { .mtype = 1, .mtext = "A" };

		_exit(mp_send(getppid(), &m, 2, 0) ? 1 : 0);
	}
	ASSERT_EQ(0, reap(a));
	b = fork();
	ASSERT_LE(0, b);
	if (b == 0) {
		struct tmsg m = { .mtype = 1, .mtext = "B" };

		_exit(mp_send(getppid(), &m, 2, 0) ? 1 : 0);
	}
	ASSERT_EQ(0, reap(b));
	ASSERT_EQ(2, mp_receive(b, &r, sizeof(r.mtext), 0, IPC_NOWAIT));
	EXPECT_STREQ("B", r.mtext);
	EXPECT_EQ(-1, mp_receive(b, &r, sizeof(r.mtext), 0, IPC_NOWAIT));
	EXPECT_EQ(ENOMSG, errno);
	ASSERT_EQ(2, mp_receive(MP_ANY, &r, sizeof(r.mtext), 0, IPC_NOWAIT));
	EXPECT_STREQ("A", r.mtext);
	close(ready[0]);
	close(ready[1]);
}

TEST(blocked_sender_wakes_with_econnreset_when_receiver_exits)
{
	int ready[2], go[2];
	pid_t rcv, snd;

	ASSERT_EQ(0, pipe(ready));
	ASSERT_EQ(0, pipe(go));
	rcv = fork();
	ASSERT_LE(0, rcv);
	if (rcv == 0) {
		char c;

		/* Zero-capacity link: the sender waits for a receive that never comes. */
		if (mp_fd() < 0)
			_exit(1);
		write(ready[1], "r", 1);
		read(go[0], &c, 1);
		_exit(0);
	}
	wait_byte(ready[0]);
	snd = fork();
	ASSERT_LE(0, snd);
	if (snd == 0) {
		struct tmsg m = { .mtype = 1 };

		if (mp_link_create(rcv, MP_ATTR_CAPACITY, 0, 0))
			_exit(2);
		write(ready[1], "s", 1);
		if (mp_send(rcv, &m, 1, 0) == 0)
			_exit(3);
		_exit(errno == ECONNRESET ? 0 : 4);
	}
	wait_byte(ready[0]);
	usleep(100 * 1000);
	write(go[1], "g", 1);
	EXPECT_EQ(0, reap(rcv));
	EXPECT_EQ(0, reap(snd));
}

TEST(links_are_listed_with_counters)
{
	struct mp_link_info li[4];
	struct tmsg m = { .mtype = 1 };
	size_t total = 0;
	ssize_t n;

	ASSERT_EQ(0, mp_send(getpid(), &m, 5, 0));
	n = mp_links(0, MP_LINKS_IN, li, 4, &total);
	ASSERT_LE(1, n);
	EXPECT_EQ((size_t)n, total);
	for (ssize_t i = 0; i < n; i++) {
		if (li[i].from != getpid())
			continue;
		EXPECT_EQ(getpid(), li[i].to);
		EXPECT_EQ(1, li[i].qnum);
		EXPECT_EQ(5, li[i].qbytes);
	}
	ASSERT_EQ(5, mp_receive(getpid(), &m, sizeof(m.mtext), 0, IPC_NOWAIT));
}

TEST(names_register_resolve_collide_and_release)
{
	int ready[2];
	pid_t pid;

	ASSERT_EQ(0, pipe(ready));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (mp_name_register("logger"))
			_exit(1);
		write(ready[1], "x", 1);
		pause();
		_exit(0);
	}
	wait_byte(ready[0]);
	EXPECT_EQ(pid, mp_name_resolve("logger"));
	EXPECT_EQ(-1, mp_name_register("logger"));
	EXPECT_EQ(EADDRINUSE, errno);
	EXPECT_EQ(-1, mp_name_unregister("logger"));
	EXPECT_EQ(EPERM, errno);
	kill(pid, SIGKILL);
	reap(pid);
	EXPECT_EQ(-1, mp_name_resolve("logger"));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(0, mp_name_register("logger"));
	EXPECT_EQ(getpid(), mp_name_resolve("logger"));
	EXPECT_EQ(0, mp_name_unregister("logger"));
}

static void serve(int n)
{
	struct tmsg req, rep = { .mtype = 2 };
	struct mp_msghdr h;
	uint64_t id = 0;

	size_t replen = 0;

	for (int i = 0; i < n; i++) {
		ssize_t len = mp_reply_receive(id, &rep, replen, MP_ANY,
					       &req, sizeof(req.mtext), 0, 0, &h);

		if (len < 0)
			_exit(8);
		snprintf(rep.mtext, sizeof(rep.mtext), "re:%.8s", req.mtext);
		replen = strlen(rep.mtext) + 1;
		id = h.call_id;
		if (!(h.flags & MP_MSG_CALL))
			_exit(9);
	}
	if (mp_reply(id, &rep, replen))
		_exit(10);
}

TEST(call_reply_over_a_link)
{
	struct tmsg req = { .mtype = 1 }, rep;
	int ready[2];
	pid_t srv;

	ASSERT_EQ(0, pipe(ready));
	srv = fork();
	ASSERT_LE(0, srv);
	if (srv == 0) {
		if (mp_fd() < 0)
			_exit(1);
		write(ready[1], "x", 1);
		serve(3);
		_exit(0);
	}
	wait_byte(ready[0]);
	for (int i = 0; i < 3; i++) {
		ssize_t n;

		snprintf(req.mtext, sizeof(req.mtext), "q%d", i);
		n = mp_call(srv, &req, strlen(req.mtext) + 1, &rep, sizeof(rep.mtext),
			    NULL, NULL);
		EXPECT_EQ(6, n);
		if (n != 6)
			break;
		EXPECT_EQ(2, rep.mtype);
		EXPECT_STREQ(req.mtext, rep.mtext + 3);
	}
	EXPECT_EQ(0, reap(srv));
}

TEST(call_fails_with_econnreset_when_server_exits)
{
	struct tmsg req = { .mtype = 1 }, rep;
	int ready[2];
	pid_t srv;

	ASSERT_EQ(0, pipe(ready));
	srv = fork();
	ASSERT_LE(0, srv);
	if (srv == 0) {
		struct tmsg r;

		if (mp_fd() < 0)
			_exit(1);
		write(ready[1], "x", 1);
		/* Take the request, then exit without answering. */
		mp_receive(MP_ANY, &r, sizeof(r.mtext), 0, 0);
		_exit(0);
	}
	wait_byte(ready[0]);
	EXPECT_EQ(-1, mp_call(srv, &req, 1, &rep, sizeof(rep.mtext), NULL, NULL));
	EXPECT_EQ(ECONNRESET, errno);
	reap(srv);
}

TEST(call_times_out_and_late_reply_is_enoent)
{
	struct mp_callopt opt = { .flags = MP_CALL_TIMEOUT, .timeout_ns = 50000000 };
	struct tmsg req = { .mtype = 1 }, rep;
	int ready[2], done[2];
	pid_t srv;

	ASSERT_EQ(0, pipe(ready));
	ASSERT_EQ(0, pipe(done));
	srv = fork();
	ASSERT_LE(0, srv);
	if (srv == 0) {
		struct tmsg r, a = { .mtype = 1 };
		struct mp_msghdr h;
		char c;

		if (mp_fd() < 0)
			_exit(1);
		write(ready[1], "x", 1);
		if (mp_receive_ext(MP_ANY, &r, sizeof(r.mtext), 0, 0, NULL, &h) < 0)
			_exit(2);
		read(done[0], &c, 1);	/* the caller has timed out */
		if (mp_reply(h.call_id, &a, 1) == 0)
			_exit(3);
		_exit(errno == ENOENT ? 0 : 4);
	}
	wait_byte(ready[0]);
	EXPECT_EQ(-1, mp_call(srv, &req, 1, &rep, sizeof(rep.mtext), &opt, NULL));
	EXPECT_EQ(ETIMEDOUT, errno);
	write(done[1], "d", 1);
	EXPECT_EQ(0, reap(srv));
}

TEST(peer_death_notification_once)
{
	struct mp_death_note note;
	struct { long mtype; struct mp_death_note n; } m;
	struct mp_msghdr h;
	int ready[2];
	pid_t pid;

	ASSERT_LE(0, mp_fd());
	ASSERT_EQ(0, pipe(ready));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (mp_fd() < 0)
			_exit(1);
		write(ready[1], "x", 1);
		pause();
		_exit(0);
	}
	wait_byte(ready[0]);
	ASSERT_EQ(0, mp_watch_process(pid, 99, 0xabc, -1));
	kill(pid, SIGKILL);
	reap(pid);
	ASSERT_EQ((ssize_t)sizeof(note), mp_receive_ext(MP_ANY, &m, sizeof(m.n), 99, 0, NULL, &h));
	EXPECT_EQ(MP_WATCH_PROCESS, m.n.kind);
	EXPECT_EQ(pid, m.n.target);
	EXPECT_EQ(MP_GONE_EXIT, m.n.reason);
	EXPECT_EQ(0xabc, m.n.cookie);
	EXPECT_EQ(0, h.sender_pid);
	EXPECT_EQ(-1, mp_receive(MP_ANY, &m, sizeof(m.n), 99, IPC_NOWAIT));
	EXPECT_EQ(ENOMSG, errno);
}

TEST(mailbox_removal_notification)
{
	struct { long mtype; struct mp_death_note n; } m;
	int id = mp_msgget(IPC_PRIVATE, IPC_CREAT | 0600);

	ASSERT_LE(0, id);
	ASSERT_EQ(0, mp_watch_mbox(id, 5, 7, -1));
	ASSERT_EQ(0, mp_msgctl(id, IPC_RMID, NULL));
	ASSERT_EQ((ssize_t)sizeof(m.n), mp_receive(MP_ANY, &m, sizeof(m.n), 5, IPC_NOWAIT));
	EXPECT_EQ(MP_WATCH_MAILBOX, m.n.kind);
	EXPECT_EQ(id, m.n.target);
	EXPECT_EQ(MP_GONE_REMOVED, m.n.reason);
}

TEST(inbox_is_pollable)
{
	struct tmsg m = { .mtype = 1 };
	struct pollfd p = { .fd = mp_fd(), .events = POLLIN };

	ASSERT_LE(0, p.fd);
	ASSERT_EQ(0, poll(&p, 1, 0));
	ASSERT_EQ(0, mp_send(getpid(), &m, 1, 0));
	ASSERT_EQ(1, poll(&p, 1, 1000));
	EXPECT_TRUE(p.revents & POLLIN);
	ASSERT_EQ(1, mp_receive(MP_ANY, &m, 1, 0, IPC_NOWAIT));
	EXPECT_EQ(0, poll(&p, 1, 0));
}

TEST_HARNESS_MAIN

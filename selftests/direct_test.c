// SPDX-License-Identifier: GPL-2.0
/*
 * Direct communication: links, Receive(P) and Receive(ANY), names,
 * call/reply and peer-death notification.
 */
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>

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

#include "mp_direct.h"
	return n;
}

FIXTURE(direct) {
	struct mp_version v;
};

FIXTURE_SETUP(direct)
{
	ASSERT_EQ(0, mp_version(&self->v)) TH_LOG("mp_version: %s", strerror(errno));
	ASSERT_TRUE(self->v.features & MP_FEAT_DIRECT);
	ASSERT_TRUE(self->v.features & MP_FEAT_NAMES);
	ASSERT_TRUE(self->v.features & MP_FEAT_WATCH);
}

FIXTURE_TEARDOWN(direct)
{
	dt_cleanup();
}

/* --- links: exchange, order, sequence numbers, header ------------------ */

/* An int as a message body, and back. */
static int dt_body_int(const struct dmsg *m)
{
	int v;

	memcpy(&v, m->mtext, sizeof(v));
	return v;
}

TEST_F(direct, ping_pong_both_ways_with_gap_free_seq_and_header)
{
	const int rounds = 20;
	struct mp_msghdr h;
	struct dmsg m;
	int ready[2];
	pid_t pid;

	ASSERT_LE(0, mp_fd());
	ASSERT_EQ(0, pipe(ready));
	pid = dt_fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		pid_t parent = getppid();

		if (mp_fd() < 0)
			_exit(DT_NOSYNC);
		dt_put(ready[1], 'r');
		for (int i = 0; i < rounds; i++) {
			struct mp_sendopt o = { .priority = i % 5 };
			int v;

			if (dt_recv(parent, &m, 0, 0, &h) != sizeof(v))
				_exit(DT_BAD);
			v = dt_body_int(&m);
			if (v != i || m.mtype != 10 + i || h.sender_pid != parent ||
			    h.seq != (uint64_t)i + 1 || h.priority != (uint32_t)i % 3 ||
			    h.len != sizeof(v) || h.type != 10 + i)
				_exit(DT_BAD2);
			v += 1000;
			m.mtype = 20 + i;
			memcpy(m.mtext, &v, sizeof(v));
			if (mp_send_ext(parent, &m, sizeof(v), 0, &o))
				_exit(errno);
		}
		_exit(0);
	}
	ASSERT_EQ('r', dt_get(ready[0]));
	for (int i = 0; i < rounds; i++) {
		struct mp_sendopt o = { .priority = i % 3 };
		int64_t t0, t1;

		m.mtype = 10 + i;
		memcpy(m.mtext, &i, sizeof(i));
		/* The stamp is taken at the kernel tick's resolution. */
		t0 = dt_ns(CLOCK_REALTIME_COARSE);
		ASSERT_EQ(0, mp_send_ext(pid, &m, sizeof(i), 0, &o)) TH_LOG("%s", strerror(errno));
		ASSERT_EQ((ssize_t)sizeof(int), dt_recv(MP_ANY, &m, 0, 0, &h))
			TH_LOG("round %d: %s", i, strerror(errno));
		t1 = dt_ns(CLOCK_REALTIME);
		EXPECT_EQ(1000 + i, dt_body_int(&m));
		EXPECT_EQ(20 + i, m.mtype);
		EXPECT_EQ(20 + i, h.type);
		EXPECT_EQ(sizeof(int), h.len);
		EXPECT_EQ((uint64_t)i + 1, h.seq);
		EXPECT_EQ(pid, h.sender_pid);
		EXPECT_EQ(geteuid(), h.sender_uid);
		EXPECT_EQ(getpid(), h.receiver);
		EXPECT_EQ((uint32_t)i % 5, h.priority);
		EXPECT_EQ(0, h.flags);
		EXPECT_EQ(0, h.call_id);
		EXPECT_LE(t0, (int64_t)h.stime_ns);
		EXPECT_GE(t1, (int64_t)h.stime_ns);
	}
	EXPECT_EQ(0, dt_reap(pid));
}

TEST_F(direct, receive_from_p_reports_own_pid_as_receiver)
{
	struct mp_msghdr h;
	struct dmsg m;
	pid_t pid;

	ASSERT_LE(0, mp_fd());
	pid = dt_fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(dt_send(getppid(), 1, "x", 0) ? errno : 0);
	ASSERT_EQ(0, dt_reap(pid));
	ASSERT_EQ(1, dt_recv(pid, &m, 0, IPC_NOWAIT, &h));
	EXPECT_EQ(pid, h.sender_pid);
	EXPECT_EQ(getpid(), h.receiver);
}

/* Fork a child that sends each of @texts (with @prios) to us, and reap it. */
static pid_t dt_sender_done(const char *const *texts, const unsigned int *prios, int n)
{
	pid_t pid = dt_fork();

	if (pid == 0) {
		for (int i = 0; i < n; i++)
			if (dt_send_ext(getppid(), 1, texts[i], 0, 0, prios ? prios[i] : 0, 0))
				_exit(errno);
		_exit(0);
	}
	if (pid < 0 || dt_reap(pid) != 0)
		return -1;
	return pid;
}

TEST_F(direct, receive_any_takes_equal_priority_links_in_arrival_order)
{
	static const char *const a[] = { "a1", "a2" }, *const b[] = { "b1" };
	struct dmsg m;

	ASSERT_LE(0, mp_fd());
	ASSERT_LT(0, dt_sender_done(a, NULL, 2));
	ASSERT_LT(0, dt_sender_done(b, NULL, 1));
	ASSERT_EQ(2, dt_recv(MP_ANY, &m, 0, IPC_NOWAIT, NULL));
	EXPECT_STREQ("a1", m.mtext);
	ASSERT_EQ(2, dt_recv(MP_ANY, &m, 0, IPC_NOWAIT, NULL));
	EXPECT_STREQ("a2", m.mtext);
	ASSERT_EQ(2, dt_recv(MP_ANY, &m, 0, IPC_NOWAIT, NULL));
	EXPECT_STREQ("b1", m.mtext);
}

TEST_F(direct, receive_any_takes_highest_priority_first_across_links)
{
	static const char *const a[] = { "p1", "p4" }, *const b[] = { "p2", "p3" };
	static const unsigned int ap[] = { 1, 4 }, bp[] = { 2, 3 };
	struct mp_msghdr h;
	struct dmsg m;
	pid_t pa, pb;

	ASSERT_LE(0, mp_fd());
	pa = dt_sender_done(a, ap, 2);
	ASSERT_LT(0, pa);
	pb = dt_sender_done(b, bp, 2);
	ASSERT_LT(0, pb);
	ASSERT_EQ(2, dt_recv(MP_ANY, &m, 0, IPC_NOWAIT, &h));
	EXPECT_STREQ("p4", m.mtext);
	EXPECT_EQ(pa, h.sender_pid);
	EXPECT_EQ(4, h.priority);
	ASSERT_EQ(2, dt_recv(MP_ANY, &m, 0, IPC_NOWAIT, &h));
	EXPECT_STREQ("p3", m.mtext);
	EXPECT_EQ(pb, h.sender_pid);
	ASSERT_EQ(2, dt_recv(MP_ANY, &m, 0, IPC_NOWAIT, &h));
	EXPECT_STREQ("p2", m.mtext);
	EXPECT_EQ(pb, h.sender_pid);
	ASSERT_EQ(2, dt_recv(MP_ANY, &m, 0, IPC_NOWAIT, &h));
	EXPECT_STREQ("p1", m.mtext);
	EXPECT_EQ(pa, h.sender_pid);
}

TEST_F(direct, receive_from_p_selects_by_type_within_its_link_only)
{
	struct dmsg m;
	pid_t a, b;

	ASSERT_LE(0, mp_fd());
	a = dt_fork();
	ASSERT_LE(0, a);
	if (a == 0)
		_exit(dt_send(getppid(), 1, "a1", 0) || dt_send(getppid(), 2, "a2", 0) ? errno : 0);
	ASSERT_EQ(0, dt_reap(a));
	b = dt_fork();
	ASSERT_LE(0, b);
	if (b == 0)
		_exit(dt_send(getppid(), 2, "b2", 0) ? errno : 0);
	ASSERT_EQ(0, dt_reap(b));
	/* B's link has no type 1, though A's has. */
	EXPECT_EQ(-1, dt_recv(b, &m, 1, IPC_NOWAIT, NULL));
	EXPECT_EQ(ENOMSG, errno);
	ASSERT_EQ(2, dt_recv(a, &m, 2, IPC_NOWAIT, NULL));
	EXPECT_STREQ("a2", m.mtext);
	ASSERT_EQ(-1, dt_recv(a, &m, 2, IPC_NOWAIT, NULL));
	EXPECT_EQ(ENOMSG, errno);
	ASSERT_EQ(2, dt_recv(MP_ANY, &m, -2, IPC_NOWAIT, NULL));
	EXPECT_STREQ("a1", m.mtext);
	ASSERT_EQ(2, dt_recv(MP_ANY, &m, 0, IPC_NOWAIT, NULL));
	EXPECT_STREQ("b2", m.mtext);
}

/* The body of the many-senders messages. */
struct dt_tagged {
	int idx;
	int n;
	uint32_t check;
};

static uint32_t dt_check(int idx, int n)
{
	return (uint32_t)idx * 2654435761u ^ (uint32_t)n * 40503u ^ 0x5a5a5a5au;
}

TEST_F(direct, many_senders_interleaved_receives_lose_duplicate_and_reorder_nothing)
{
	enum { SENDERS = 8, PER = 200 };
	int next[SENDERS] = { 0 }, go[2], got = 0, rr = 0;
	pid_t pids[SENDERS];
	struct mp_msghdr h;
	struct dmsg m;

	ASSERT_LE(0, mp_fd());
	ASSERT_EQ(0, pipe(go));
	for (int i = 0; i < SENDERS; i++) {
		pids[i] = dt_fork();
		ASSERT_LE(0, pids[i]);
		if (pids[i] == 0) {
			struct dt_tagged t = { .idx = i };
			struct dmsg s = { .mtype = 1 + i % 3 };

			close(go[1]);
			if (dt_get(go[0]) != -1)	/* EOF: everyone starts */
				_exit(DT_NOSYNC);
			for (t.n = 0; t.n < PER; t.n++) {
				t.check = dt_check(i, t.n);
				memcpy(s.mtext, &t, sizeof(t));
				if (mp_send(getppid(), &s, sizeof(t), 0))
					_exit(errno);
			}
			_exit(0);
		}
	}
	close(go[1]);
	while (got < SENDERS * PER) {
		struct dt_tagged t;
		pid_t from = MP_ANY;
		int idx;

		/* Every other receive names a sender that still owes messages. */
		if (got % 2) {
			while (next[rr % SENDERS] >= PER)
				rr++;
			from = pids[rr++ % SENDERS];
		}
		ASSERT_EQ((ssize_t)sizeof(t), dt_recv(from, &m, 0, 0, &h))
			TH_LOG("message %d: %s", got, strerror(errno));
		memcpy(&t, m.mtext, sizeof(t));
		ASSERT_LE(0, t.idx);
		ASSERT_GT(SENDERS, t.idx);
		idx = t.idx;
		if (from != MP_ANY) {
			ASSERT_EQ(from, pids[idx]);
		}
		ASSERT_EQ(pids[idx], h.sender_pid);
		ASSERT_EQ(next[idx], t.n) TH_LOG("sender %d: lost, duplicated or reordered", idx);
		ASSERT_EQ((uint64_t)t.n + 1, h.seq);
		ASSERT_EQ(dt_check(idx, t.n), t.check);
		ASSERT_EQ(1 + idx % 3, m.mtype);
		next[idx]++;
		got++;
	}
	for (int i = 0; i < SENDERS; i++) {
		EXPECT_EQ(PER, next[i]);
		EXPECT_EQ(0, dt_reap(pids[i]));
	}
	EXPECT_EQ(-1, dt_recv(MP_ANY, &m, 0, IPC_NOWAIT, NULL));
	EXPECT_EQ(ENOMSG, errno);
}

/* --- sender and receiver exits ---------------------------------------- */

TEST_F(direct, link_of_exited_sender_is_listed_gone_and_still_drains)
{
	struct mp_link_info li;
	struct mp_msghdr h;
	struct dmsg m;
	pid_t pid;

	ASSERT_LE(0, mp_fd());
	pid = dt_fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(dt_send(getppid(), 1, "one", 0) || dt_send(getppid(), 2, "two", 0) ? errno : 0);
	ASSERT_EQ(0, dt_reap(pid));
	ASSERT_EQ(0, dt_link(getpid(), pid, &li));
	EXPECT_EQ(pid, li.from);
	EXPECT_EQ(getpid(), li.to);
	EXPECT_TRUE(li.flags & MP_LINK_SENDER_GONE);
	EXPECT_EQ(2, li.qnum);
	EXPECT_EQ(6, li.qbytes);
	EXPECT_EQ(2, li.sent);
	EXPECT_EQ(0, li.received);
	ASSERT_EQ(3, dt_recv(pid, &m, 0, IPC_NOWAIT, &h));
	EXPECT_STREQ("one", m.mtext);
	EXPECT_EQ(pid, h.sender_pid);
	EXPECT_EQ(1, h.seq);
	ASSERT_EQ(3, dt_recv(pid, &m, 0, IPC_NOWAIT, &h));
	EXPECT_STREQ("two", m.mtext);
	EXPECT_EQ(2, h.seq);
	EXPECT_EQ(-1, dt_recv(pid, &m, 0, IPC_NOWAIT, NULL));
	EXPECT_EQ(ENOMSG, errno);
	ASSERT_EQ(0, dt_link(getpid(), pid, &li));
	EXPECT_EQ(0, li.qnum);
	EXPECT_EQ(2, li.received);
}

TEST_F(direct, receiver_exit_wakes_every_blocked_sender_with_econnreset)
{
	int ready[2];
	pid_t r, full, rdv;

	ASSERT_EQ(0, pipe(ready));
	r = dt_spawn_idle();
	ASSERT_LT(0, r);
	/* One sender blocked on a full link, one on a rendezvous. */
	full = dt_fork();
	ASSERT_LE(0, full);
	if (full == 0) {
		if (mp_link_create(r, MP_ATTR_CAPACITY, 1, 0) || dt_send(r, 1, "a", 0))
			_exit(DT_NOSYNC);
		dt_put(ready[1], 'f');
		_exit(dt_send(r, 1, "b", 0) ? errno : DT_BAD);
	}
	ASSERT_EQ('f', dt_get(ready[0]));
	rdv = dt_fork();
	ASSERT_LE(0, rdv);
	if (rdv == 0) {
		if (mp_link_create(r, MP_ATTR_CAPACITY, 0, 0))
			_exit(DT_NOSYNC);
		dt_put(ready[1], 'z');
		_exit(dt_send(r, 1, "c", 0) ? errno : DT_BAD);
	}
	ASSERT_EQ('z', dt_get(ready[0]));
	ASSERT_EQ(0, dt_wait_blocked(full));
	ASSERT_EQ(0, dt_wait_qnum(r, rdv, 1));
	ASSERT_EQ(0, dt_wait_blocked(rdv));
	EXPECT_EQ(1, dt_qnum(r, full));
	EXPECT_TRUE(dt_running(full));
	EXPECT_TRUE(dt_running(rdv));
	EXPECT_TRUE(dt_kill(r));
	EXPECT_EQ(ECONNRESET, dt_reap(full));
	EXPECT_EQ(ECONNRESET, dt_reap(rdv));
}

TEST_F(direct, send_to_exited_receiver_is_esrch)
{
	pid_t r = dt_spawn_idle();

	ASSERT_LT(0, r);
	ASSERT_EQ(0, dt_send(r, 1, "x", 0));
	EXPECT_TRUE(dt_kill(r));
	EXPECT_EQ(-1, dt_send(r, 1, "y", 0));
	EXPECT_EQ(ESRCH, errno);
}

/* --- capacity: rendezvous, bounded links, sync sends, timeouts -------- */

TEST_F(direct, zero_capacity_nowait_send_without_waiting_receiver_is_eagain)
{
	struct mp_link_info li;
	pid_t r = dt_spawn_idle();

	ASSERT_LT(0, r);
	ASSERT_EQ(0, mp_link_create(r, MP_ATTR_CAPACITY, 0, 0));
	EXPECT_EQ(-1, dt_send(r, 1, "x", IPC_NOWAIT));
	EXPECT_EQ(EAGAIN, errno);
	ASSERT_EQ(0, dt_link(r, getpid(), &li));
	EXPECT_EQ(0, li.capacity);
	EXPECT_EQ(0, li.qnum);
}

TEST_F(direct, zero_capacity_nowait_send_to_waiting_receiver_succeeds)
{
	int ready[2];
	pid_t r;

	ASSERT_LE(0, mp_fd());
	ASSERT_EQ(0, pipe(ready));
	r = dt_fork();
	ASSERT_LE(0, r);
	if (r == 0) {
		struct dmsg m;

		if (mp_fd() < 0)
			_exit(DT_NOSYNC);
		dt_put(ready[1], 'r');
		if (dt_recv(getppid(), &m, 0, 0, NULL) != 4)
			_exit(errno ? errno : DT_BAD);
		_exit(strcmp(m.mtext, "meet") ? DT_BAD2 : 0);
	}
	ASSERT_EQ('r', dt_get(ready[0]));
	ASSERT_EQ(0, mp_link_create(r, MP_ATTR_CAPACITY, 0, 0));
	ASSERT_EQ(0, dt_wait_blocked(r));
	EXPECT_EQ(0, dt_send(r, 1, "meet", IPC_NOWAIT)) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(0, dt_reap(r));
}

TEST_F(direct, zero_capacity_send_returns_only_once_received)
{
	int ready[2], done[2];
	struct mp_msghdr h;
	struct dmsg m;
	pid_t s;

	ASSERT_LE(0, mp_fd());
	ASSERT_EQ(0, pipe(ready));
	ASSERT_EQ(0, pipe(done));
	s = dt_fork();
	ASSERT_LE(0, s);
	if (s == 0) {
		if (mp_link_create(getppid(), MP_ATTR_CAPACITY, 0, 0))
			_exit(DT_NOSYNC);
		dt_put(ready[1], 'r');
		if (dt_send(getppid(), 1, "rdv", 0))
			_exit(errno);
		dt_put(done[1], 'd');
		_exit(0);
	}
	ASSERT_EQ('r', dt_get(ready[0]));
	ASSERT_EQ(0, dt_wait_qnum(getpid(), s, 1));
	ASSERT_EQ(0, dt_wait_blocked(s));
	EXPECT_FALSE(dt_ready_now(done[0]));
	EXPECT_TRUE(dt_running(s));
	ASSERT_EQ(3, dt_recv(s, &m, 0, IPC_NOWAIT, &h));
	EXPECT_STREQ("rdv", m.mtext);
	EXPECT_TRUE(h.flags & MP_MSG_SYNC);
	EXPECT_EQ('d', dt_get(done[0]));
	EXPECT_EQ(0, dt_reap(s));
}

TEST_F(direct, bounded_link_nowait_send_when_full_is_eagain)
{
	struct mp_link_info li;
	pid_t r = dt_spawn_idle();

	ASSERT_LT(0, r);
	ASSERT_EQ(0, mp_link_create(r, MP_ATTR_CAPACITY, 2, 0));
	ASSERT_EQ(0, dt_send(r, 1, "1", IPC_NOWAIT));
	ASSERT_EQ(0, dt_send(r, 1, "2", IPC_NOWAIT));
	EXPECT_EQ(-1, dt_send(r, 1, "3", IPC_NOWAIT));
	EXPECT_EQ(EAGAIN, errno);
	ASSERT_EQ(0, dt_link(r, getpid(), &li));
	EXPECT_EQ(2, li.capacity);
	EXPECT_EQ(2, li.qnum);
	EXPECT_EQ(2, li.sent);
}

TEST_F(direct, bounded_link_send_times_out_when_full)
{
	const uint64_t tmo = 100 * 1000000ULL;
	pid_t r = dt_spawn_idle();
	int64_t t0, dt;

	ASSERT_LT(0, r);
	ASSERT_EQ(0, mp_link_create(r, MP_ATTR_CAPACITY, 2, 0));
	ASSERT_EQ(0, dt_send(r, 1, "1", 0));
	ASSERT_EQ(0, dt_send(r, 1, "2", 0));
	t0 = dt_ns(CLOCK_MONOTONIC);
	EXPECT_EQ(-1, dt_send_ext(r, 1, "3", 0, MP_SEND_TIMEOUT, 0, tmo));
	EXPECT_EQ(ETIMEDOUT, errno);
	dt = dt_ns(CLOCK_MONOTONIC) - t0;
	EXPECT_LE((int64_t)tmo, dt);
	EXPECT_EQ(2, dt_qnum(r, getpid()));
}

TEST_F(direct, bounded_link_blocked_sender_resumes_after_a_receive)
{
	int ready[2], done[2];
	struct mp_msghdr h;
	struct dmsg m;
	pid_t s;

	ASSERT_LE(0, mp_fd());
	ASSERT_EQ(0, pipe(ready));
	ASSERT_EQ(0, pipe(done));
	s = dt_fork();
	ASSERT_LE(0, s);
	if (s == 0) {
		if (mp_link_create(getppid(), MP_ATTR_CAPACITY, 2, 0) ||
		    dt_send(getppid(), 1, "0", 0) || dt_send(getppid(), 1, "1", 0))
			_exit(DT_NOSYNC);
		dt_put(ready[1], 'r');
		if (dt_send(getppid(), 1, "2", 0))
			_exit(errno);
		dt_put(done[1], 'd');
		_exit(0);
	}
	ASSERT_EQ('r', dt_get(ready[0]));
	ASSERT_EQ(0, dt_wait_blocked(s));
	EXPECT_EQ(2, dt_qnum(getpid(), s));
	EXPECT_FALSE(dt_ready_now(done[0]));
	ASSERT_EQ(1, dt_recv(s, &m, 0, IPC_NOWAIT, &h));
	EXPECT_STREQ("0", m.mtext);
	EXPECT_EQ('d', dt_get(done[0]));
	EXPECT_EQ(0, dt_reap(s));
	for (int i = 1; i < 3; i++) {
		ASSERT_EQ(1, dt_recv(s, &m, 0, IPC_NOWAIT, &h));
		EXPECT_EQ('0' + i, m.mtext[0]);
		EXPECT_EQ((uint64_t)i + 1, h.seq);
	}
}

TEST_F(direct, full_link_does_not_hold_back_other_links)
{
	pid_t r = dt_spawn_idle(), s;

	ASSERT_LT(0, r);
	ASSERT_EQ(0, mp_link_create(r, MP_ATTR_CAPACITY, 1, 0));
	ASSERT_EQ(0, dt_send(r, 1, "mine", 0));
	ASSERT_EQ(-1, dt_send(r, 1, "more", IPC_NOWAIT));
	ASSERT_EQ(EAGAIN, errno);
	s = dt_fork();
	ASSERT_LE(0, s);
	if (s == 0)
		_exit(dt_send(r, 1, "other", IPC_NOWAIT) ? errno : 0);
	EXPECT_EQ(0, dt_reap(s));
	EXPECT_EQ(1, dt_qnum(r, s));
}

TEST_F(direct, link_byte_bound_blocks_like_its_capacity)
{
	struct mp_link_info li;
	pid_t r = dt_spawn_idle();

	ASSERT_LT(0, r);
	ASSERT_EQ(0, mp_link_create(r, MP_ATTR_MAX_BYTES, 0, 10));
	ASSERT_EQ(0, dt_send(r, 1, "12345678", IPC_NOWAIT));
	EXPECT_EQ(-1, dt_send(r, 1, "abc", IPC_NOWAIT));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_EQ(0, dt_send(r, 1, "ab", IPC_NOWAIT));
	ASSERT_EQ(0, dt_link(r, getpid(), &li));
	EXPECT_EQ(MP_UNLIMITED, li.capacity);
	EXPECT_EQ(10, li.max_bytes);
	EXPECT_EQ(2, li.qnum);
	EXPECT_EQ(10, li.qbytes);
}

TEST_F(direct, sync_send_returns_only_once_received)
{
	int ready[2], done[2];
	struct mp_msghdr h;
	struct dmsg m;
	pid_t s;

	ASSERT_LE(0, mp_fd());
	ASSERT_EQ(0, pipe(ready));
	ASSERT_EQ(0, pipe(done));
	s = dt_fork();
	ASSERT_LE(0, s);
	if (s == 0) {
		if (mp_fd() < 0)
			_exit(DT_NOSYNC);
		dt_put(ready[1], 'r');
		if (dt_send_ext(getppid(), 1, "sync", 0, MP_SEND_SYNC, 0, 0))
			_exit(errno);
		dt_put(done[1], 'd');
		_exit(0);
	}
	ASSERT_EQ('r', dt_get(ready[0]));
	ASSERT_EQ(0, dt_wait_qnum(getpid(), s, 1));
	ASSERT_EQ(0, dt_wait_blocked(s));
	EXPECT_FALSE(dt_ready_now(done[0]));
	EXPECT_TRUE(dt_running(s));
	ASSERT_EQ(4, dt_recv(MP_ANY, &m, 0, IPC_NOWAIT, &h));
	EXPECT_STREQ("sync", m.mtext);
	EXPECT_TRUE(h.flags & MP_MSG_SYNC);
	EXPECT_EQ('d', dt_get(done[0]));
	EXPECT_EQ(0, dt_reap(s));
}

TEST_F(direct, sync_send_that_times_out_is_withdrawn)
{
	const uint64_t tmo = 100 * 1000000ULL;
	pid_t r = dt_spawn_idle();
	int64_t t0;

	ASSERT_LT(0, r);
	t0 = dt_ns(CLOCK_MONOTONIC);
	EXPECT_EQ(-1, dt_send_ext(r, 1, "x", 0, MP_SEND_SYNC | MP_SEND_TIMEOUT, 0, tmo));
	EXPECT_EQ(ETIMEDOUT, errno);
	EXPECT_LE((int64_t)tmo, dt_ns(CLOCK_MONOTONIC) - t0);
	EXPECT_EQ(0, dt_qnum(r, getpid()));
}

TEST_F(direct, receive_times_out_with_etimedout)
{
	struct mp_recvopt o = { .flags = MP_RECV_TIMEOUT, .timeout_ns = 100 * 1000000ULL };
	pid_t idle = dt_spawn_idle();
	struct dmsg m;
	int64_t t0;

	ASSERT_LT(0, idle);
	t0 = dt_ns(CLOCK_MONOTONIC);
	EXPECT_EQ(-1, mp_receive_ext(MP_ANY, &m, sizeof(m.mtext), 0, 0, &o, NULL));
	EXPECT_EQ(ETIMEDOUT, errno);
	EXPECT_LE((int64_t)o.timeout_ns, dt_ns(CLOCK_MONOTONIC) - t0);
	/* From one process, while another's message waits. */
	ASSERT_EQ(0, dt_send(getpid(), 1, "self", 0));
	t0 = dt_ns(CLOCK_MONOTONIC);
	EXPECT_EQ(-1, mp_receive_ext(idle, &m, sizeof(m.mtext), 0, 0, &o, NULL));
	EXPECT_EQ(ETIMEDOUT, errno);
	EXPECT_LE((int64_t)o.timeout_ns, dt_ns(CLOCK_MONOTONIC) - t0);
	EXPECT_EQ(4, dt_recv(getpid(), &m, 0, IPC_NOWAIT, NULL));
}

TEST_F(direct, receive_nowait_from_empty_inbox_is_enomsg)
{
	struct dmsg m;

	ASSERT_LE(0, mp_fd());
	EXPECT_EQ(-1, dt_recv(MP_ANY, &m, 0, IPC_NOWAIT, NULL));
	EXPECT_EQ(ENOMSG, errno);
	EXPECT_EQ(-1, dt_recv(getpid(), &m, 0, IPC_NOWAIT, NULL));
	EXPECT_EQ(ENOMSG, errno);
}

/* --- receive options: E2BIG, MSG_NOERROR, peek, MSG_COPY, priority ---- */

TEST_F(direct, receive_into_small_buffer_is_e2big_and_message_stays)
{
	struct dmsg m;

	ASSERT_EQ(0, dt_send(getpid(), 1, "0123456789", 0));
	EXPECT_EQ(-1, mp_receive(MP_ANY, &m, 4, 0, IPC_NOWAIT));
	EXPECT_EQ(E2BIG, errno);
	EXPECT_EQ(-1, mp_receive(getpid(), &m, 4, 0, IPC_NOWAIT));
	EXPECT_EQ(E2BIG, errno);
	EXPECT_EQ(10, dt_recv(getpid(), &m, 0, IPC_NOWAIT, NULL));
	EXPECT_STREQ("0123456789", m.mtext);
}

TEST_F(direct, receive_with_msg_noerror_truncates)
{
	struct mp_msghdr h;
	struct dmsg m;

	ASSERT_EQ(0, dt_send(getpid(), 1, "0123456789", 0));
	memset(&m, 0, sizeof(m));
	EXPECT_EQ(4, mp_receive_ext(getpid(), &m, 4, 0, IPC_NOWAIT | MSG_NOERROR, NULL, &h));
	EXPECT_EQ(0, memcmp(m.mtext, "0123", 4));
	EXPECT_EQ(0, m.mtext[4]);
	EXPECT_EQ(10, h.len);
	EXPECT_TRUE(h.flags & MP_MSG_TRUNCATED);
	EXPECT_EQ(-1, dt_recv(MP_ANY, &m, 0, IPC_NOWAIT, NULL));
	EXPECT_EQ(ENOMSG, errno);
}

TEST_F(direct, receive_peek_leaves_the_message)
{
	struct mp_recvopt o = { .flags = MP_RECV_PEEK };
	struct mp_msghdr h;
	struct dmsg m;

	ASSERT_EQ(0, dt_send(getpid(), 5, "peek", 0));
	memset(&m, 0, sizeof(m));
	EXPECT_EQ(4, mp_receive_ext(getpid(), &m, sizeof(m.mtext), 0, IPC_NOWAIT, &o, &h));
	EXPECT_STREQ("peek", m.mtext);
	EXPECT_EQ(1, h.seq);
	EXPECT_EQ(4, dt_recv(MP_ANY, &m, 0, IPC_NOWAIT, &h));
	EXPECT_STREQ("peek", m.mtext);
	EXPECT_EQ(1, h.seq);
	EXPECT_EQ(-1, dt_recv(MP_ANY, &m, 0, IPC_NOWAIT, NULL));
	EXPECT_EQ(ENOMSG, errno);
}

TEST_F(direct, msg_copy_reads_by_position_without_taking)
{
	struct dmsg m;

	ASSERT_EQ(0, dt_send(getpid(), 1, "first", 0));
	ASSERT_EQ(0, dt_send(getpid(), 1, "second", 0));
	memset(&m, 0, sizeof(m));
	EXPECT_EQ(6, mp_receive(getpid(), &m, sizeof(m.mtext), 1, IPC_NOWAIT | MSG_COPY));
	EXPECT_STREQ("second", m.mtext);
	EXPECT_EQ(5, dt_recv(MP_ANY, &m, 0, IPC_NOWAIT, NULL));
	EXPECT_STREQ("first", m.mtext);
	EXPECT_EQ(6, dt_recv(MP_ANY, &m, 0, IPC_NOWAIT, NULL));
	EXPECT_STREQ("second", m.mtext);
}

TEST_F(direct, receive_min_prio_skips_lower_priorities)
{
	struct mp_recvopt o = { .flags = MP_RECV_MIN_PRIO, .min_priority = 5 };
	struct dmsg m;

	ASSERT_EQ(0, dt_send_ext(getpid(), 1, "low", 0, 0, 1, 0));
	memset(&m, 0, sizeof(m));
	EXPECT_EQ(-1, mp_receive_ext(MP_ANY, &m, sizeof(m.mtext), 0, IPC_NOWAIT, &o, NULL));
	EXPECT_EQ(ENOMSG, errno);
	ASSERT_EQ(0, dt_send_ext(getpid(), 1, "high", 0, 0, 7, 0));
	EXPECT_EQ(4, mp_receive_ext(MP_ANY, &m, sizeof(m.mtext), 0, IPC_NOWAIT, &o, NULL));
	EXPECT_EQ(0, memcmp(m.mtext, "high", 4));
	EXPECT_EQ(3, dt_recv(MP_ANY, &m, 0, IPC_NOWAIT, NULL));
	EXPECT_STREQ("low", m.mtext);
}

/* --- fork -------------------------------------------------------------- */

TEST_F(direct, forked_child_sends_with_its_own_pid)
{
	struct mp_msghdr h;
	struct dmsg m;
	pid_t pid;

	ASSERT_LE(0, mp_fd());
	pid = dt_fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(dt_send(getppid(), 1, "kid", 0) ? errno : 0);
	ASSERT_EQ(0, dt_reap(pid));
	ASSERT_EQ(3, dt_recv(MP_ANY, &m, 0, IPC_NOWAIT, &h));
	EXPECT_EQ(pid, h.sender_pid);
	EXPECT_NE(getpid(), h.sender_pid);
	/* The child's exit did not end the parent's endpoint. */
	ASSERT_EQ(0, dt_send(getpid(), 1, "me", 0));
	ASSERT_EQ(2, dt_recv(MP_ANY, &m, 0, IPC_NOWAIT, &h));
	EXPECT_EQ(getpid(), h.sender_pid);
}

TEST_F(direct, forked_child_has_an_endpoint_of_its_own)
{
	int ready[2];
	long before;
	pid_t pid;

	ASSERT_LE(0, mp_fd());
	ASSERT_EQ(0, pipe(ready));
	before = mp_test_endpoints();
	ASSERT_LT(0, before);
	pid = dt_fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (mp_fd() < 0)
			_exit(DT_NOSYNC);
		dt_put(ready[1], 'r');
		for (;;)
			pause();
	}
	ASSERT_EQ('r', dt_get(ready[0]));
	EXPECT_EQ(before + 1, mp_test_endpoints());
	/* Messages to it are its own, not the parent's. */
	ASSERT_EQ(0, dt_send(pid, 1, "x", 0));
	EXPECT_EQ(1, dt_qnum(pid, getpid()));
	EXPECT_EQ(-1, dt_qnum(getpid(), getpid()));
	EXPECT_TRUE(dt_kill(pid));
	EXPECT_EQ(before, mp_test_endpoints());
}

TEST_F(direct, inherited_descriptor_is_refused_with_ebadfd)
{
	struct dmsg m;
	int fd;
	pid_t pid;

	fd = dup(mp_fd());
	ASSERT_LE(0, fd);
	pid = dt_fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct dmsg s = { .mtype = 1, .mtext = "forged" };
		struct mp_msgsnd_args sa = {
			.id = getppid(),
			.msgp = (uintptr_t)&s,
			.msgsz = 6,
		};
		struct mp_msgrcv_args ra = {
			.id = MP_ANY,
			.msgflg = IPC_NOWAIT,
			.msgp = (uintptr_t)&s,
			.msgsz = sizeof(s.mtext),
		};

		if (ioctl(fd, MP_IOC_SEND, &sa) != -1)
			_exit(DT_BAD);
		if (errno != EBADFD)
			_exit(errno);
		if (ioctl(fd, MP_IOC_RECV, &ra) != -1)
			_exit(DT_BAD2);
		_exit(errno == EBADFD ? 0 : errno);
	}
	EXPECT_EQ(0, dt_reap(pid));
	/* Nothing went out in the parent's name. */
	EXPECT_EQ(-1, dt_recv(MP_ANY, &m, 0, IPC_NOWAIT, NULL));
	EXPECT_EQ(ENOMSG, errno);
	close(fd);
}

/* --- send and receive errors -------------------------------------------- */

TEST_F(direct, send_to_pid_zero_or_below_is_einval)
{
	EXPECT_EQ(-1, dt_send(0, 1, "x", 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, dt_send(-1, 1, "x", 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, dt_send(-getpid(), 1, "x", 0));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(direct, send_with_type_below_one_is_einval)
{
	EXPECT_EQ(-1, dt_send(getpid(), 0, "x", 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, dt_send(getpid(), -3, "x", 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, mp_receive(MP_ANY, &(struct dmsg){ 0 }, 16, 0, IPC_NOWAIT));
	EXPECT_EQ(ENOMSG, errno);
}

TEST_F(direct, send_with_unknown_flag_is_einval)
{
	struct dmsg m = { .mtype = 1 };
	struct mp_msgsnd_args a = {
		.id = getpid(),
		.msgp = (uintptr_t)&m,
		.msgsz = 1,
		.flags = 1ULL << 40,
	};

	EXPECT_EQ(-1, ioctl(mp_fd(), MP_IOC_SEND, &a));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(direct, send_with_reserved_field_set_is_einval)
{
	struct dmsg m = { .mtype = 1 };
	struct mp_msgsnd_args a = {
		.id = getpid(),
		.msgp = (uintptr_t)&m,
		.msgsz = 1,
	};

	a.__reserved[1] = 1;
	EXPECT_EQ(-1, ioctl(mp_fd(), MP_IOC_SEND, &a));
	EXPECT_EQ(EINVAL, errno);
	a.__reserved[1] = 0;
	a.__pad = 1;
	EXPECT_EQ(-1, ioctl(mp_fd(), MP_IOC_SEND, &a));
	EXPECT_EQ(EINVAL, errno);
	a.__pad = 0;
	EXPECT_EQ(0, ioctl(mp_fd(), MP_IOC_SEND, &a));
	EXPECT_EQ(1, mp_receive(MP_ANY, &m, 1, 0, IPC_NOWAIT));
}

TEST_F(direct, send_with_priority_above_max_is_einval)
{
	EXPECT_EQ(-1, dt_send_ext(getpid(), 1, "x", 0, 0, MP_PRIO_MAX + 1, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, dt_send_ext(getpid(), 1, "x", 0, 0, MP_PRIO_MAX, 0));
}

TEST_F(direct, send_larger_than_max_msg_size_is_einval)
{
	struct dmsg m = { .mtype = 1 };

	/* The size is refused before any byte is read. */
	EXPECT_EQ(-1, mp_send(getpid(), &m, self->v.max_msg_size + 1, 0));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(direct, send_from_bad_pointer_is_efault)
{
	long page = sysconf(_SC_PAGESIZE);
	char *p = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	long one = 1;

	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, mprotect(p + page, page, PROT_NONE));
	EXPECT_EQ(-1, mp_send(getpid(), NULL, 1, 0));
	EXPECT_EQ(EFAULT, errno);
	/* The type is readable, the body is not. */
	memcpy(p + page - sizeof(long), &one, sizeof(one));
	EXPECT_EQ(-1, mp_send(getpid(), p + page - sizeof(long), 16, 0));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, mp_receive(MP_ANY, &(struct dmsg){ 0 }, 16, 0, IPC_NOWAIT));
	EXPECT_EQ(ENOMSG, errno);
	munmap(p, 2 * page);
}

TEST_F(direct, receive_into_bad_pointer_is_efault_and_message_stays)
{
	struct mp_msghdr h;
	struct dmsg m;

	ASSERT_EQ(0, dt_send(getpid(), 1, "keep", 0));
	EXPECT_EQ(-1, mp_receive(MP_ANY, NULL, 16, 0, IPC_NOWAIT));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, mp_receive_ext(getpid(), &m, sizeof(m.mtext), 0, IPC_NOWAIT, NULL,
				     (struct mp_msghdr *)8));
	EXPECT_EQ(EFAULT, errno);
	ASSERT_EQ(4, dt_recv(MP_ANY, &m, 0, IPC_NOWAIT, &h));
	EXPECT_STREQ("keep", m.mtext);
	EXPECT_EQ(1, h.seq);
}

TEST_F(direct, receive_with_reserved_field_set_is_einval)
{
	struct dmsg m;
	struct mp_msgrcv_args a = {
		.id = MP_ANY,
		.msgflg = IPC_NOWAIT,
		.msgp = (uintptr_t)&m,
		.msgsz = sizeof(m.mtext),
	};

	ASSERT_EQ(0, dt_send(getpid(), 1, "x", 0));
	a.__reserved[0] = 1;
	EXPECT_EQ(-1, ioctl(mp_fd(), MP_IOC_RECV, &a));
	EXPECT_EQ(EINVAL, errno);
	a.__reserved[0] = 0;
	a.flags = 1ULL << 50;
	EXPECT_EQ(-1, ioctl(mp_fd(), MP_IOC_RECV, &a));
	EXPECT_EQ(EINVAL, errno);
	a.flags = 0;
	EXPECT_EQ(1, ioctl(mp_fd(), MP_IOC_RECV, &a));
}

/* --- explicit links ---------------------------------------------------- */

TEST_F(direct, link_create_sets_capacity_and_bytes)
{
	struct mp_link_info li;
	pid_t r = dt_spawn_idle();

	ASSERT_LT(0, r);
	ASSERT_EQ(0, mp_link_create(r, MP_ATTR_CAPACITY | MP_ATTR_MAX_BYTES, 3, 100));
	ASSERT_EQ(0, dt_link(r, getpid(), &li));
	EXPECT_EQ(r, li.to);
	EXPECT_EQ(3, li.capacity);
	EXPECT_EQ(100, li.max_bytes);
	EXPECT_EQ(0, li.flags);
	EXPECT_EQ(0, li.sent);
}

TEST_F(direct, link_created_by_first_send_has_defaults)
{
	struct mp_link_info li;
	pid_t r = dt_spawn_idle();

	ASSERT_LT(0, r);
	ASSERT_EQ(0, dt_send(r, 1, "x", 0));
	ASSERT_EQ(0, dt_link(r, getpid(), &li));
	EXPECT_EQ(MP_UNLIMITED, li.capacity);
	EXPECT_EQ((uint64_t)mp_test_param("msgmnb"), li.max_bytes);
	EXPECT_EQ(1, li.sent);
}

TEST_F(direct, link_create_twice_is_eexist)
{
	pid_t r = dt_spawn_idle();

	ASSERT_LT(0, r);
	ASSERT_EQ(0, mp_link_create(r, MP_ATTR_CAPACITY, 4, 0));
	EXPECT_EQ(-1, mp_link_create(r, MP_ATTR_CAPACITY, 8, 0));
	EXPECT_EQ(EEXIST, errno);
	EXPECT_EQ(0, dt_qnum(r, getpid()));
}

TEST_F(direct, link_create_after_first_send_is_eexist)
{
	pid_t r = dt_spawn_idle();

	ASSERT_LT(0, r);
	ASSERT_EQ(0, dt_send(r, 1, "x", 0));
	EXPECT_EQ(-1, mp_link_create(r, MP_ATTR_CAPACITY, 0, 0));
	EXPECT_EQ(EEXIST, errno);
}

TEST_F(direct, link_create_to_pid_without_endpoint_is_esrch)
{
	pid_t pid = dt_fork();

	ASSERT_LE(0, pid);
	if (pid == 0) {
		for (;;)
			pause();
	}
	EXPECT_EQ(-1, mp_link_create(pid, MP_ATTR_CAPACITY, 1, 0));
	EXPECT_EQ(ESRCH, errno);
	EXPECT_TRUE(dt_kill(pid));
}

TEST_F(direct, link_create_with_bad_arguments_is_einval)
{
	pid_t r = dt_spawn_idle();

	ASSERT_LT(0, r);
	EXPECT_EQ(-1, mp_link_create(0, MP_ATTR_CAPACITY, 1, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, mp_link_create(-1, MP_ATTR_CAPACITY, 1, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, mp_link_create(r, MP_ATTR_MSG_MAX, 1, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, dt_link(r, getpid(), NULL));
}

TEST_F(direct, link_bytes_above_msgmnb_need_cap_sys_resource)
{
	long long mnb = mp_test_param("msgmnb");
	pid_t r = dt_spawn_idle(), pid;

	ASSERT_LT(0, mnb);
	ASSERT_LT(0, r);
	pid = dt_fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (dt_drop_privs())
			_exit(DT_NOPRIV);
		if (mp_link_create(r, MP_ATTR_MAX_BYTES, 0, mnb + 1) != -1)
			_exit(DT_BAD);
		if (errno != EPERM)
			_exit(errno);
		/* Up to msgmnb is anyone's. */
		_exit(mp_link_create(r, MP_ATTR_MAX_BYTES, 0, mnb) ? errno : 0);
	}
	EXPECT_EQ(0, dt_reap(pid));
	EXPECT_EQ(0, mp_link_create(r, MP_ATTR_MAX_BYTES, 0, mnb + 1));
}

/*
 * A child that sends one message to @to whenever it reads a byte from
 * @cmd, and writes the errno (0: sent) to @res.
 */
static pid_t dt_spawn_sender(pid_t to, int cmd, int res)
{
	pid_t pid = dt_fork();

	if (pid == 0) {
		for (;;) {
			int c = dt_get(cmd);

			if (c < 0)
				_exit(0);
			dt_put_int(res, dt_send(to, 1, "x", IPC_NOWAIT) ? errno : 0);
		}
	}
	return pid;
}

static int dt_sender_try(int cmd, int res)
{
	int v = -1;

	if (dt_put(cmd, 's') || dt_get_int(res, &v))
		return -1;
	return v;
}

TEST_F(direct, links_into_a_process_are_limited_emlink)
{
	int cmd[2], res[2];
	pid_t a, b, c;

	ASSERT_LE(0, mp_fd());
	if (dt_param_set("max_links", 2))
		SKIP(return, "the max_links parameter cannot be set");
	ASSERT_EQ(0, pipe(cmd));
	ASSERT_EQ(0, pipe(res));
	a = dt_spawn_sender(getpid(), cmd[0], res[1]);
	ASSERT_LT(0, a);
	ASSERT_EQ(0, dt_sender_try(cmd[1], res[0]));
	b = dt_fork();
	ASSERT_LE(0, b);
	if (b == 0)
		_exit(dt_send(getppid(), 1, "b", 0) ? errno : 0);
	ASSERT_EQ(0, dt_reap(b));
	c = dt_fork();
	ASSERT_LE(0, c);
	if (c == 0)
		_exit(dt_errno_code(dt_send(getppid(), 1, "c", 0)));
	EXPECT_EQ(EMLINK, dt_reap(c));
	/* Existing links still carry messages. */
	EXPECT_EQ(0, dt_sender_try(cmd[1], res[0]));
	EXPECT_EQ(2, dt_qnum(getpid(), a));
}

TEST_F(direct, empty_links_of_exited_senders_are_reclaimed)
{
	struct dmsg m;
	pid_t a, b, c;

	ASSERT_LE(0, mp_fd());
	if (dt_param_set("max_links", 2))
		SKIP(return, "the max_links parameter cannot be set");
	a = dt_fork();
	ASSERT_LE(0, a);
	if (a == 0)
		_exit(dt_send(getppid(), 1, "a", 0) ? errno : 0);
	ASSERT_EQ(0, dt_reap(a));
	b = dt_fork();
	ASSERT_LE(0, b);
	if (b == 0)
		_exit(dt_send(getppid(), 1, "b", 0) ? errno : 0);
	ASSERT_EQ(0, dt_reap(b));
	/* Both senders are gone, but their links hold messages. */
	c = dt_fork();
	ASSERT_LE(0, c);
	if (c == 0)
		_exit(dt_errno_code(dt_send(getppid(), 1, "c", 0)));
	EXPECT_EQ(EMLINK, dt_reap(c));
	ASSERT_EQ(1, dt_recv(a, &m, 0, IPC_NOWAIT, NULL));
	c = dt_fork();
	ASSERT_LE(0, c);
	if (c == 0)
		_exit(dt_send(getppid(), 1, "c", 0) ? errno : 0);
	EXPECT_EQ(0, dt_reap(c));
	EXPECT_EQ(-1, dt_link(getpid(), a, NULL));
	EXPECT_EQ(1, dt_qnum(getpid(), b));
	EXPECT_EQ(1, dt_qnum(getpid(), c));
}

/* --- mp_links() ---------------------------------------------------------- */

TEST_F(direct, links_out_lists_the_callers_links)
{
	struct mp_link_info li[8];
	size_t total = 0;
	pid_t r1 = dt_spawn_idle(), r2 = dt_spawn_idle();
	ssize_t n;
	int seen = 0;

	ASSERT_LT(0, r1);
	ASSERT_LT(0, r2);
	ASSERT_EQ(0, dt_send(r1, 1, "a", 0));
	ASSERT_EQ(0, mp_link_create(r2, MP_ATTR_CAPACITY, 5, 0));
	n = mp_links(0, MP_LINKS_OUT, li, 8, &total);
	ASSERT_EQ(2, n);
	EXPECT_EQ(2, total);
	for (ssize_t i = 0; i < n; i++) {
		EXPECT_EQ(getpid(), li[i].from);
		if (li[i].to == r1) {
			seen |= 1;
			EXPECT_EQ(1, li[i].qnum);
			EXPECT_EQ(1, li[i].qbytes);
		} else if (li[i].to == r2) {
			seen |= 2;
			EXPECT_EQ(5, li[i].capacity);
			EXPECT_EQ(0, li[i].qnum);
		}
	}
	EXPECT_EQ(3, seen);
	/* Another process lists them too, by pid, in and out. */
	n = mp_links(r1, MP_LINKS_IN | MP_LINKS_OUT, li, 8, &total);
	ASSERT_EQ(1, n);
	EXPECT_EQ(getpid(), li[0].from);
	EXPECT_EQ(r1, li[0].to);
}

TEST_F(direct, links_reports_total_beyond_the_room_given)
{
	struct mp_link_info li[1];
	size_t total = 0;
	pid_t r1 = dt_spawn_idle(), r2 = dt_spawn_idle(), r3 = dt_spawn_idle();

	ASSERT_LT(0, r1);
	ASSERT_LT(0, r2);
	ASSERT_LT(0, r3);
	ASSERT_EQ(0, dt_send(r1, 1, "a", 0));
	ASSERT_EQ(0, dt_send(r2, 1, "a", 0));
	ASSERT_EQ(0, dt_send(r3, 1, "a", 0));
	EXPECT_EQ(1, mp_links(0, MP_LINKS_OUT, li, 1, &total));
	EXPECT_EQ(3, total);
	total = 0;
	EXPECT_EQ(0, mp_links(0, MP_LINKS_OUT, NULL, 0, &total));
	EXPECT_EQ(3, total);
}

TEST_F(direct, links_without_direction_is_einval)
{
	struct mp_link_info li[1];

	EXPECT_EQ(-1, mp_links(0, 0, li, 1, NULL));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, mp_links(0, 0x4, li, 1, NULL));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(direct, links_of_pid_without_endpoint_is_esrch)
{
	struct mp_link_info li[1];
	pid_t pid = dt_fork();

	ASSERT_LE(0, pid);
	if (pid == 0) {
		for (;;)
			pause();
	}
	EXPECT_EQ(-1, mp_links(pid, MP_LINKS_IN, li, 1, NULL));
	EXPECT_EQ(ESRCH, errno);
	EXPECT_TRUE(dt_kill(pid));
}

TEST_F(direct, links_into_bad_buffer_is_efault)
{
	ASSERT_EQ(0, dt_send(getpid(), 1, "x", 0));
	EXPECT_EQ(-1, mp_links(0, MP_LINKS_IN, (struct mp_link_info *)8, 4, NULL));
	EXPECT_EQ(EFAULT, errno);
}

/* --- names --------------------------------------------------------------- */

/* A name no other test (or run) uses. */
static const char *dt_name(char *buf, size_t len, const char *tag)
{
	snprintf(buf, len, "dt-%s-%d", tag, (int)getpid());
	return buf;
}

TEST_F(direct, name_registered_twice_is_eaddrinuse)
{
	char n[64];

	dt_name(n, sizeof(n), "twice");
	ASSERT_EQ(0, mp_name_register(n));
	EXPECT_EQ(-1, mp_name_register(n));
	EXPECT_EQ(EADDRINUSE, errno);
	EXPECT_EQ(getpid(), mp_name_resolve(n));
	EXPECT_EQ(0, mp_name_unregister(n));
}

TEST_F(direct, name_taken_by_another_process_is_eaddrinuse)
{
	int ready[2];
	char n[64];
	pid_t pid;

	dt_name(n, sizeof(n), "other");
	ASSERT_EQ(0, pipe(ready));
	pid = dt_fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (mp_name_register(n))
			_exit(errno);
		dt_put(ready[1], 'r');
		for (;;)
			pause();
	}
	ASSERT_EQ('r', dt_get(ready[0]));
	EXPECT_EQ(-1, mp_name_register(n));
	EXPECT_EQ(EADDRINUSE, errno);
	EXPECT_EQ(pid, mp_name_resolve(n));
	EXPECT_TRUE(dt_kill(pid));
}

TEST_F(direct, names_are_released_when_their_process_exits)
{
	char n1[64], n2[64];
	pid_t pid;

	dt_name(n1, sizeof(n1), "rel1");
	dt_name(n2, sizeof(n2), "rel2");
	pid = dt_fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(mp_name_register(n1) || mp_name_register(n2) ? errno : 0);
	ASSERT_EQ(0, dt_reap(pid));
	EXPECT_EQ(-1, mp_name_resolve(n1));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(-1, mp_name_resolve(n2));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(0, mp_name_register(n1));
	EXPECT_EQ(getpid(), mp_name_resolve(n1));
}

TEST_F(direct, name_of_64_bytes_is_enametoolong)
{
	char n[80];
	size_t l;

	snprintf(n, sizeof(n), "dt-long-%d-", (int)getpid());
	l = strlen(n);
	memset(n + l, 'a', 63 - l);
	n[63] = 0;
	ASSERT_EQ(63, strlen(n));
	EXPECT_EQ(0, mp_name_register(n));
	EXPECT_EQ(getpid(), mp_name_resolve(n));
	n[63] = 'b';
	n[64] = 0;
	EXPECT_EQ(-1, mp_name_register(n));
	EXPECT_EQ(ENAMETOOLONG, errno);
	EXPECT_EQ(-1, mp_name_resolve(n));
	EXPECT_EQ(ENAMETOOLONG, errno);
}

TEST_F(direct, empty_name_is_einval)
{
	EXPECT_EQ(-1, mp_name_register(""));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, mp_name_resolve(""));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, mp_name_unregister(""));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(direct, name_at_bad_pointer_is_efault)
{
	EXPECT_EQ(-1, mp_name_register((const char *)8));
	EXPECT_EQ(EFAULT, errno);
}

TEST_F(direct, names_per_user_are_limited_edquot)
{
	long long limit = mp_test_param("names_per_user");
	pid_t pid;

	ASSERT_LT(0, limit);
	ASSERT_GT(200, limit);
	pid = dt_fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		char n[64];

		if (dt_drop_privs())
			_exit(DT_NOPRIV);
		for (int i = 0; i < limit; i++) {
			snprintf(n, sizeof(n), "dt-quota-%d-%d", (int)getpid(), i);
			if (mp_name_register(n))
				_exit(DT_BAD);
		}
		snprintf(n, sizeof(n), "dt-quota-%d-over", (int)getpid());
		if (mp_name_register(n) != -1)
			_exit(DT_BAD2);
		if (errno != EDQUOT)
			_exit(errno);
		/* Giving one up makes room. */
		snprintf(n, sizeof(n), "dt-quota-%d-0", (int)getpid());
		if (mp_name_unregister(n))
			_exit(DT_BAD3);
		snprintf(n, sizeof(n), "dt-quota-%d-over", (int)getpid());
		_exit(mp_name_register(n) ? DT_BAD4 : 0);
	}
	EXPECT_EQ(0, dt_reap(pid));
}

TEST_F(direct, names_limit_spares_cap_sys_resource)
{
	long long limit = mp_test_param("names_per_user");
	char n[64];

	ASSERT_LT(0, limit);
	ASSERT_GT(200, limit);
	for (int i = 0; i <= limit; i++) {
		snprintf(n, sizeof(n), "dt-root-%d-%d", (int)getpid(), i);
		ASSERT_EQ(0, mp_name_register(n)) TH_LOG("name %d: %s", i, strerror(errno));
	}
}

TEST_F(direct, unregister_of_another_process_name_is_eperm)
{
	int ready[2];
	char n[64];
	pid_t pid;

	dt_name(n, sizeof(n), "theirs");
	ASSERT_EQ(0, pipe(ready));
	pid = dt_fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (mp_name_register(n))
			_exit(errno);
		dt_put(ready[1], 'r');
		for (;;)
			pause();
	}
	ASSERT_EQ('r', dt_get(ready[0]));
	EXPECT_EQ(-1, mp_name_unregister(n));
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(pid, mp_name_resolve(n));
	EXPECT_TRUE(dt_kill(pid));
}

TEST_F(direct, unknown_name_is_enoent)
{
	char n[64];

	dt_name(n, sizeof(n), "nobody-has-it");
	EXPECT_EQ(-1, mp_name_resolve(n));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(-1, mp_name_unregister(n));
	EXPECT_EQ(ENOENT, errno);
	ASSERT_EQ(0, mp_name_register(n));
	ASSERT_EQ(0, mp_name_unregister(n));
	EXPECT_EQ(-1, mp_name_unregister(n));
	EXPECT_EQ(ENOENT, errno);
}

TEST_F(direct, resolved_name_is_a_send_address)
{
	struct mp_msghdr h;
	int ready[2];
	char n[64];
	pid_t pid, to;

	dt_name(n, sizeof(n), "addr");
	ASSERT_LE(0, mp_fd());
	ASSERT_EQ(0, pipe(ready));
	pid = dt_fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct dmsg m;

		if (mp_name_register(n))
			_exit(errno);
		dt_put(ready[1], 'r');
		if (dt_recv(MP_ANY, &m, 0, 0, &h) != 5)
			_exit(DT_BAD);
		_exit(strcmp(m.mtext, "hello") || h.sender_pid != getppid() ? DT_BAD2 : 0);
	}
	ASSERT_EQ('r', dt_get(ready[0]));
	to = mp_name_resolve(n);
	ASSERT_EQ(pid, to);
	ASSERT_EQ(0, dt_send(to, 1, "hello", 0));
	EXPECT_EQ(0, dt_reap(pid));
}

/* --- endpoints and polling -------------------------------------------- */

/* A peer-death note as received. */
struct dt_note {
	long mtype;
	struct mp_death_note n;
};

TEST_F(direct, endpoint_ends_when_its_last_descriptor_closes)
{
	int ready[2], cmd[2];
	struct dt_note m;
	pid_t pid;

	ASSERT_EQ(0, pipe(ready));
	ASSERT_EQ(0, pipe(cmd));
	pid = dt_fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		/* Two open()s, one endpoint; no libmsgpass descriptor. */
		int a = open(MSGPASS_DEVICE, O_RDWR), b = open(MSGPASS_DEVICE, O_RDWR);

		if (a < 0 || b < 0)
			_exit(DT_NOSYNC);
		dt_put(ready[1], 'r');
		dt_get(cmd[0]);
		close(a);
		dt_put(ready[1], 'a');
		dt_get(cmd[0]);
		close(b);
		dt_put(ready[1], 'b');
		for (;;)
			pause();
	}
	ASSERT_EQ('r', dt_get(ready[0]));
	ASSERT_EQ(0, mp_watch_process(pid, 21, 0, -1));
	ASSERT_EQ(0, dt_put(cmd[1], 'c'));
	ASSERT_EQ('a', dt_get(ready[0]));
	/* One descriptor left: still an endpoint. */
	EXPECT_EQ(0, dt_send(pid, 1, "still", 0));
	EXPECT_EQ(-1, mp_receive(MP_ANY, &m, sizeof(m.n), 21, IPC_NOWAIT));
	EXPECT_EQ(ENOMSG, errno);
	ASSERT_EQ(0, dt_put(cmd[1], 'c'));
	ASSERT_EQ('b', dt_get(ready[0]));
	/* The last one closed: the endpoint ended, the process lives on. */
	EXPECT_TRUE(dt_running(pid));
	EXPECT_EQ((ssize_t)sizeof(m.n), mp_receive(MP_ANY, &m, sizeof(m.n), 21, IPC_NOWAIT));
	EXPECT_EQ(MP_GONE_EXIT, m.n.reason);
	EXPECT_EQ(pid, m.n.target);
	EXPECT_EQ(-1, dt_send(pid, 1, "gone", 0));
	EXPECT_EQ(ESRCH, errno);
	EXPECT_TRUE(dt_kill(pid));
}

TEST_F(direct, inbox_polls_writable_always)
{
	struct pollfd p = { .fd = mp_fd(), .events = POLLIN | POLLOUT };

	ASSERT_LE(0, p.fd);
	ASSERT_EQ(1, poll(&p, 1, 0));
	EXPECT_EQ(POLLOUT, p.revents & (POLLIN | POLLOUT));
	ASSERT_EQ(0, dt_send(getpid(), 1, "x", 0));
	ASSERT_EQ(1, poll(&p, 1, 0));
	EXPECT_EQ(POLLIN | POLLOUT, p.revents & (POLLIN | POLLOUT));
}

TEST_F(direct, inbox_poll_wakes_when_a_message_arrives)
{
	int ready[2];
	pid_t pid;

	ASSERT_EQ(0, pipe(ready));
	pid = dt_fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct pollfd p = { .fd = mp_fd(), .events = POLLIN };

		if (p.fd < 0)
			_exit(DT_NOSYNC);
		dt_put(ready[1], 'r');
		if (poll(&p, 1, DT_WAIT_MS) != 1)
			_exit(DT_BAD);
		if (!(p.revents & POLLIN))
			_exit(DT_BAD2);
		_exit(mp_receive(MP_ANY, &(struct dmsg){ 0 }, 16, 0, IPC_NOWAIT) == 4 ? 0 : DT_BAD3);
	}
	ASSERT_EQ('r', dt_get(ready[0]));
	ASSERT_EQ(0, dt_wait_syscall(pid, SYS_poll));
	ASSERT_EQ(0, dt_send(pid, 1, "wake", 0));
	EXPECT_EQ(0, dt_reap(pid));
}

/* --- peer death -------------------------------------------------------- */

TEST_F(direct, watch_process_note_goes_into_a_mailbox)
{
	struct mp_msghdr h;
	struct dt_note m;
	int id = dt_track(mp_msgget(IPC_PRIVATE, IPC_CREAT | 0600));
	pid_t pid = dt_spawn_idle();

	ASSERT_LE(0, id);
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, mp_watch_process(pid, 42, 0xfeedULL, id));
	EXPECT_TRUE(dt_kill(pid));
	ASSERT_EQ((ssize_t)sizeof(m.n), mp_msgrcv_ext(id, &m, sizeof(m.n), 0, IPC_NOWAIT,
						     NULL, &h));
	EXPECT_EQ(42, m.mtype);
	EXPECT_EQ(MP_WATCH_PROCESS, m.n.kind);
	EXPECT_EQ(pid, m.n.target);
	EXPECT_EQ(MP_GONE_EXIT, m.n.reason);
	EXPECT_EQ(0xfeedULL, m.n.cookie);
	EXPECT_EQ(0, h.sender_pid);
	EXPECT_EQ(-1, mp_msgrcv(id, &m, sizeof(m.n), 0, IPC_NOWAIT));
	EXPECT_EQ(ENOMSG, errno);
	/* Not into the inbox as well. */
	EXPECT_EQ(-1, mp_receive(MP_ANY, &m, sizeof(m.n), 0, IPC_NOWAIT));
	EXPECT_EQ(ENOMSG, errno);
}

TEST_F(direct, watch_mailbox_removed_note_goes_into_a_mailbox)
{
	struct dt_note m;
	int id = dt_track(mp_msgget(IPC_PRIVATE, IPC_CREAT | 0600));
	int to = dt_track(mp_msgget(IPC_PRIVATE, IPC_CREAT | 0600));

	ASSERT_LE(0, id);
	ASSERT_LE(0, to);
	ASSERT_EQ(0, mp_watch_mbox(id, 7, 77, to));
	ASSERT_EQ(0, mp_msgctl(id, IPC_RMID, NULL));
	ASSERT_EQ((ssize_t)sizeof(m.n), mp_msgrcv(to, &m, sizeof(m.n), 7, IPC_NOWAIT));
	EXPECT_EQ(MP_WATCH_MAILBOX, m.n.kind);
	EXPECT_EQ(id, m.n.target);
	EXPECT_EQ(MP_GONE_REMOVED, m.n.reason);
	EXPECT_EQ(77, m.n.cookie);
	EXPECT_EQ(-1, mp_msgrcv(to, &m, sizeof(m.n), 0, IPC_NOWAIT));
	EXPECT_EQ(ENOMSG, errno);
}

TEST_F(direct, watch_mailbox_of_exiting_owner_says_owner_exit)
{
	struct mp_msghdr h;
	struct dt_note m;
	int p[2], go[2], id = -1;
	pid_t pid;

	ASSERT_EQ(0, pipe(p));
	ASSERT_EQ(0, pipe(go));
	pid = dt_fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct mp_attr a = { .lifetime = MP_LIFETIME_PROCESS };
		int mid = mp_msgget_attr(IPC_PRIVATE, NULL, IPC_CREAT | 0600, &a);

		if (mid < 0)
			_exit(errno);
		dt_put_int(p[1], mid);
		dt_get(go[0]);
		_exit(0);
	}
	ASSERT_EQ(0, dt_get_int(p[0], &id));
	dt_track(id);
	ASSERT_EQ(0, mp_watch_mbox(id, 3, 33, -1));
	ASSERT_EQ(0, dt_put(go[1], 'g'));
	ASSERT_EQ(0, dt_reap(pid));
	ASSERT_EQ((ssize_t)sizeof(m.n), mp_receive_ext(MP_ANY, &m, sizeof(m.n), 3, IPC_NOWAIT,
						      NULL, &h));
	EXPECT_EQ(MP_WATCH_MAILBOX, m.n.kind);
	EXPECT_EQ(id, m.n.target);
	EXPECT_EQ(MP_GONE_OWNER_EXIT, m.n.reason);
	EXPECT_EQ(33, m.n.cookie);
	EXPECT_EQ(0, h.sender_pid);
	EXPECT_EQ(-1, mp_msgctl(id, IPC_STAT, &(struct msqid_ds){ 0 }));
	EXPECT_EQ(EINVAL, errno);
}

/*
 * A note obeys its mailbox's capacity: into a full mailbox it does not
 * go; it goes to the watcher's own inbox instead, marked as the kernel's.
 */
TEST_F(direct, watch_note_to_a_full_mailbox_goes_to_the_inbox)
{
	struct mp_attr a = { .flags = MP_ATTR_CAPACITY, .capacity = 1 };
	struct mp_mbox_info in;
	struct mp_msghdr h;
	struct dt_note m;
	int id = dt_track(mp_msgget_attr(IPC_PRIVATE, NULL, IPC_CREAT | 0600, &a));
	pid_t pid = dt_spawn_idle();

	ASSERT_LE(0, id);
	ASSERT_LT(0, pid);
	m.mtype = 1;
	ASSERT_EQ(0, mp_msgsnd(id, &m, 1, 0));
	ASSERT_EQ(-1, mp_msgsnd(id, &m, 1, IPC_NOWAIT));
	ASSERT_EQ(EAGAIN, errno);
	ASSERT_EQ(0, mp_watch_process(pid, 9, 1, id));
	EXPECT_TRUE(dt_kill(pid));
	ASSERT_EQ(0, mp_mbox_info(id, &in));
	EXPECT_EQ(1, in.qnum);
	EXPECT_EQ(-1, mp_msgrcv(id, &m, sizeof(m.n), 9, IPC_NOWAIT));
	EXPECT_EQ(ENOMSG, errno);
	ASSERT_EQ((ssize_t)sizeof(m.n), mp_receive_ext(MP_ANY, &m, sizeof(m.n), 9, IPC_NOWAIT,
						      NULL, &h));
	EXPECT_EQ(pid, m.n.target);
	EXPECT_EQ(MP_GONE_EXIT, m.n.reason);
	EXPECT_TRUE(h.flags & MP_MSG_KERNEL);
	EXPECT_EQ(0, h.sender_pid);
	EXPECT_EQ(MP_UID_KERNEL, h.sender_uid);
}

TEST_F(direct, watch_fires_exactly_once_then_is_gone)
{
	struct dt_note m;
	pid_t pid = dt_spawn_idle();

	ASSERT_LT(0, pid);
	ASSERT_EQ(0, mp_watch_process(pid, 11, 5, -1));
	EXPECT_TRUE(dt_kill(pid));
	ASSERT_EQ((ssize_t)sizeof(m.n), mp_receive(MP_ANY, &m, sizeof(m.n), 11, IPC_NOWAIT));
	EXPECT_EQ(pid, m.n.target);
	EXPECT_EQ(-1, mp_receive(MP_ANY, &m, sizeof(m.n), 0, IPC_NOWAIT));
	EXPECT_EQ(ENOMSG, errno);
	EXPECT_EQ(-1, mp_unwatch_process(pid));
	EXPECT_EQ(ENOENT, errno);
}

TEST_F(direct, unwatch_process_cancels_the_note)
{
	struct dt_note m;
	pid_t pid = dt_spawn_idle();

	ASSERT_LT(0, pid);
	ASSERT_EQ(0, mp_watch_process(pid, 12, 0, -1));
	EXPECT_EQ(0, mp_unwatch_process(pid));
	EXPECT_EQ(-1, mp_unwatch_process(pid));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_TRUE(dt_kill(pid));
	EXPECT_EQ(-1, mp_receive(MP_ANY, &m, sizeof(m.n), 0, IPC_NOWAIT));
	EXPECT_EQ(ENOMSG, errno);
}

TEST_F(direct, unwatch_mailbox_cancels_the_note)
{
	struct dt_note m;
	int id = dt_track(mp_msgget(IPC_PRIVATE, IPC_CREAT | 0600));

	ASSERT_LE(0, id);
	ASSERT_EQ(0, mp_watch_mbox(id, 13, 0, -1));
	EXPECT_EQ(0, mp_unwatch_mbox(id));
	EXPECT_EQ(-1, mp_unwatch_mbox(id));
	EXPECT_EQ(ENOENT, errno);
	ASSERT_EQ(0, mp_msgctl(id, IPC_RMID, NULL));
	EXPECT_EQ(-1, mp_receive(MP_ANY, &m, sizeof(m.n), 0, IPC_NOWAIT));
	EXPECT_EQ(ENOMSG, errno);
}

TEST_F(direct, unwatch_without_a_watch_is_enoent)
{
	int id = dt_track(mp_msgget(IPC_PRIVATE, IPC_CREAT | 0600));

	ASSERT_LE(0, id);
	EXPECT_EQ(-1, mp_unwatch_process(getpid()));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(-1, mp_unwatch_mbox(id));
	EXPECT_EQ(ENOENT, errno);
}

TEST_F(direct, watch_pid_without_endpoint_is_esrch)
{
	pid_t pid = dt_fork();

	ASSERT_LE(0, pid);
	if (pid == 0) {
		for (;;)
			pause();
	}
	EXPECT_EQ(-1, mp_watch_process(pid, 1, 0, -1));
	EXPECT_EQ(ESRCH, errno);
	EXPECT_TRUE(dt_kill(pid));
	EXPECT_EQ(-1, mp_watch_process(pid, 1, 0, -1));
	EXPECT_EQ(ESRCH, errno);
}

TEST_F(direct, watch_with_type_zero_is_einval)
{
	int id = dt_track(mp_msgget(IPC_PRIVATE, IPC_CREAT | 0600));
	pid_t pid = dt_spawn_idle();

	ASSERT_LE(0, id);
	ASSERT_LT(0, pid);
	EXPECT_EQ(-1, mp_watch_process(pid, 0, 0, -1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, mp_watch_mbox(id, 0, 0, -1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, mp_watch_process(pid, -5, 0, -1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, mp_unwatch_process(pid));
	EXPECT_EQ(ENOENT, errno);
}

TEST_F(direct, watch_bad_mailbox_is_einval)
{
	int id = mp_msgget(IPC_PRIVATE, IPC_CREAT | 0600);

	ASSERT_LE(0, id);
	ASSERT_EQ(0, mp_msgctl(id, IPC_RMID, NULL));
	EXPECT_EQ(-1, mp_watch_mbox(id, 1, 0, -1));
	EXPECT_EQ(EINVAL, errno);
	/* Nor may a note go to a mailbox that is not there. */
	EXPECT_EQ(-1, mp_watch_process(getpid(), 1, 0, id));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(direct, watch_mailbox_without_permission_is_eacces)
{
	int id = dt_track(mp_msgget(IPC_PRIVATE, IPC_CREAT | 0600));
	pid_t pid;

	ASSERT_LE(0, id);
	pid = dt_fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (dt_drop_privs())
			_exit(DT_NOPRIV);
		_exit(dt_errno_code(mp_watch_mbox(id, 1, 0, -1)));
	}
	EXPECT_EQ(EACCES, dt_reap(pid));
}

TEST_F(direct, watch_note_into_mailbox_without_write_permission_is_eacces)
{
	int id = dt_track(mp_msgget(IPC_PRIVATE, IPC_CREAT | 0644));
	pid_t target = dt_spawn_idle(), pid;

	ASSERT_LE(0, id);
	ASSERT_LT(0, target);
	pid = dt_fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (dt_drop_privs())
			_exit(DT_NOPRIV);
		/* It may watch the mailbox (read permission), not write to it. */
		if (mp_watch_mbox(id, 1, 0, -1))
			_exit(DT_BAD);
		_exit(dt_errno_code(mp_watch_process(target, 1, 0, id)));
	}
	EXPECT_EQ(EACCES, dt_reap(pid));
}

TEST_F(direct, watches_are_limited_enospc)
{
	pid_t pid = dt_fork();

	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct mp_attr a = { .lifetime = MP_LIFETIME_PROCESS };
		int i, id, first = -1;

		/* Its mailboxes go with it (process lifetime). */
		for (i = 0; i < 256; i++) {
			id = mp_msgget_attr(IPC_PRIVATE, NULL, IPC_CREAT | 0600, &a);
			if (id < 0)
				_exit(DT_NOSYNC);
			if (first < 0)
				first = id;
			if (mp_watch_mbox(id, 1, i, -1))
				_exit(DT_BAD);
		}
		id = mp_msgget_attr(IPC_PRIVATE, NULL, IPC_CREAT | 0600, &a);
		if (id < 0)
			_exit(DT_NOSYNC);
		if (mp_watch_mbox(id, 1, i, -1) != -1)
			_exit(DT_BAD2);
		if (errno != ENOSPC)
			_exit(errno);
		/* One cancelled makes room for one more. */
		if (mp_unwatch_mbox(first))
			_exit(DT_BAD3);
		_exit(mp_watch_mbox(id, 1, i, -1) ? DT_BAD4 : 0);
	}
	EXPECT_EQ(0, dt_reap(pid));
}

TEST_F(direct, watcher_exit_drops_its_watches)
{
	struct mp_mbox_info in;
	int ready[2];
	int id = dt_track(mp_msgget(IPC_PRIVATE, IPC_CREAT | 0600));
	pid_t target = dt_spawn_idle(), w;

	ASSERT_LE(0, id);
	ASSERT_LT(0, target);
	ASSERT_EQ(0, pipe(ready));
	w = dt_fork();
	ASSERT_LE(0, w);
	if (w == 0)
		_exit(mp_watch_process(target, 1, 0, id) ? errno : 0);
	ASSERT_EQ(0, dt_reap(w));
	EXPECT_TRUE(dt_kill(target));
	ASSERT_EQ(0, mp_mbox_info(id, &in));
	EXPECT_EQ(0, in.qnum);
	EXPECT_EQ(0, in.sent);
}

TEST_F(direct, every_watcher_of_a_process_is_told)
{
	struct dt_note m;
	int id = dt_track(mp_msgget(IPC_PRIVATE, IPC_CREAT | 0600));
	int ready[2], go[2];
	pid_t target = dt_spawn_idle(), w;

	ASSERT_LE(0, id);
	ASSERT_LT(0, target);
	ASSERT_EQ(0, pipe(ready));
	ASSERT_EQ(0, pipe(go));
	w = dt_fork();
	ASSERT_LE(0, w);
	if (w == 0) {
		struct mp_recvopt o = {
			.flags = MP_RECV_TIMEOUT,
			.timeout_ns = DT_WAIT_MS * 1000000ULL,
		};

		if (mp_watch_process(target, 2, 200, -1))
			_exit(DT_NOSYNC);
		dt_put(ready[1], 'r');
		if (mp_receive_ext(MP_ANY, &m, sizeof(m.n), 0, 0, &o, NULL) != sizeof(m.n))
			_exit(errno);
		_exit(m.n.target != target || m.n.cookie != 200 ? DT_BAD : 0);
	}
	ASSERT_EQ('r', dt_get(ready[0]));
	ASSERT_EQ(0, mp_watch_process(target, 2, 100, id));
	EXPECT_TRUE(dt_kill(target));
	EXPECT_EQ(0, dt_reap(w));
	ASSERT_EQ((ssize_t)sizeof(m.n), mp_msgrcv(id, &m, sizeof(m.n), 0, IPC_NOWAIT));
	EXPECT_EQ(100, m.n.cookie);
	EXPECT_EQ(target, m.n.target);
}

TEST_HARNESS_MAIN

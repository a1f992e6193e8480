// SPDX-License-Identifier: GPL-2.0
/*
 * Call and reply: mp_call() over a link and mp_call_mbox() through a
 * mailbox port, the server's mp_reply(), mp_reply_receive() and
 * mp_reply_receive_mbox(), and every way a call can end: replied, reply
 * too long, cut, timed out, interrupted, server gone, port removed.
 */
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>

#include "mp_test.h"

#include "mp_direct.h"
	return n;
}

FIXTURE(call) {
	struct mp_version v;
};

FIXTURE_SETUP(call)
{
	ASSERT_EQ(0, mp_version(&self->v)) TH_LOG("mp_version: %s", strerror(errno));
	ASSERT_TRUE(self->v.features & MP_FEAT_CALL);
}

FIXTURE_TEARDOWN(call)
{
	dt_cleanup();
}

#define CT_REPLY_TYPE	2

/* Call @to (a pid, or with @mbox a mailbox ID) with @text; reply in @r. */
static ssize_t ct_call(int to, int mbox, const char *text, struct dmsg *r,
		       size_t room, const struct mp_callopt *opt,
		       struct mp_msghdr *h)
{
	struct dmsg q = { .mtype = 1 };
	size_t n = strlen(text);
	ssize_t ret;

	memcpy(q.mtext, text, n);
	memset(r, 0, sizeof(*r));
	if (mbox)
		ret = mp_call_mbox(to, &q, n, r, room, opt, h);
	else
		ret = mp_call(to, &q, n, r, room, opt, h);
	if (ret >= 0 && ret < (ssize_t)sizeof(r->mtext))
		r->mtext[ret] = 0;
	return ret;
}

/* A child's check of a call: 0 when it got "re:" + @text, else a code. */
static int ct_call_code(int to, int mbox, const char *text)
{
	char want[128];
	struct dmsg r;
	ssize_t n;

	snprintf(want, sizeof(want), "re:%s", text);
	n = ct_call(to, mbox, text, &r, sizeof(r.mtext) - 1, NULL, NULL);
	if (n < 0)
		return errno;
	if (n != (ssize_t)strlen(want) || strcmp(r.mtext, want))
		return DT_BAD5;
	return r.mtype == CT_REPLY_TYPE ? 0 : DT_BAD4;
}

/* Answer call @id with "re:" + @text. */
static int ct_reply(uint64_t id, const char *text)
{
	struct dmsg r = { .mtype = CT_REPLY_TYPE };

	snprintf(r.mtext, sizeof(r.mtext), "re:%s", text);
	return mp_reply(id, &r, strlen(r.mtext));
}

/*
 * Serve @n calls from the inbox (@msqid < 0) or from mailbox @msqid with
 * mp_reply_receive*(), answering each with "re:" + its body; then exit
 * with 0, or a code saying what went wrong.
 */
static void ct_serve(int n, int msqid)
{
	struct dmsg q, r = { .mtype = CT_REPLY_TYPE };
	uint64_t id = 0, last = 0;
	struct mp_msghdr h;
	size_t rlen = 0;

	for (int i = 0; i < n; i++) {
		ssize_t len;

		memset(&q, 0, sizeof(q));
		if (msqid < 0)
			len = mp_reply_receive(id, &r, rlen, MP_ANY, &q, sizeof(q.mtext) - 1,
					       0, 0, &h);
		else
			len = mp_reply_receive_mbox(id, &r, rlen, msqid, &q,
						    sizeof(q.mtext) - 1, 0, 0, &h);
		if (len < 0)
			_exit(errno);
		if (!(h.flags & MP_MSG_CALL) || !h.call_id || h.call_id == last)
			_exit(DT_BAD);
		if (h.len != (uint64_t)len || q.mtype != 1)
			_exit(DT_BAD2);
		q.mtext[len] = 0;
		snprintf(r.mtext, sizeof(r.mtext), "re:%.64s", q.mtext);
		rlen = strlen(r.mtext);
		id = last = h.call_id;
	}
	_exit(mp_reply(id, &r, rlen) ? DT_BAD3 : 0);
}

/* A server child with its endpoint open, serving @n calls: its pid. */
static pid_t ct_spawn_server(int n, int msqid)
{
	int p[2], c;
	pid_t pid;

	if (pipe(p))
		return -1;
	pid = dt_fork();
	if (pid == 0) {
		close(p[0]);
		if (mp_fd() < 0)
			_exit(DT_NOSYNC);
		dt_put(p[1], 'r');
		ct_serve(n, msqid);
	}
	close(p[1]);
	c = pid > 0 ? dt_get(p[0]) : -1;
	close(p[0]);
	return c == 'r' ? pid : -1;
}

/* Receive the next call request into @q (NUL-terminated): its call ID, or 0. */
static uint64_t ct_take(pid_t from, struct dmsg *q, struct mp_msghdr *h)
{
	if (dt_recv(from, q, 0, 0, h) < 0 || !(h->flags & MP_MSG_CALL))
		return 0;
	return h->call_id;
}

/* --- calls that are answered --------------------------------------------- */

TEST_F(call, call_over_a_link_returns_the_reply_and_its_header)
{
	pid_t srv = ct_spawn_server(3, -1);
	struct mp_msghdr h;
	struct dmsg r;

	ASSERT_LT(0, srv);
	for (int i = 0; i < 3; i++) {
		char q[16];

		snprintf(q, sizeof(q), "q%d", i);
		ASSERT_EQ(5, ct_call(srv, 0, q, &r, sizeof(r.mtext), NULL, &h))
			TH_LOG("call %d: %s", i, strerror(errno));
		EXPECT_EQ(CT_REPLY_TYPE, r.mtype);
		EXPECT_EQ(0, strncmp(r.mtext, "re:", 3));
		EXPECT_STREQ(q, r.mtext + 3);
		EXPECT_EQ(CT_REPLY_TYPE, h.type);
		EXPECT_EQ(5, h.len);
		EXPECT_EQ(srv, h.sender_pid);
		EXPECT_EQ(0, h.flags & (MP_MSG_TRUNCATED | MP_MSG_CALL));
	}
	EXPECT_EQ(0, dt_reap(srv));
}

/*
 * Descriptors travel both ways: the request carries the write end of a
 * pipe the server writes into; the reply carries the read end of a pipe
 * the server filled.
 */
TEST_F(call, call_and_reply_carry_descriptors)
{
	struct { long mtype; char t[8]; } req = { .mtype = 1 }, rep;
	int to_srv[2], ready[2], got = -1;
	struct mp_callopt opt = { .nr_fds = 1, .reply_fd_room = 1 };
	struct mp_msghdr h;
	char buf[32] = "";
	pid_t srv;

	ASSERT_EQ(0, pipe(to_srv));
	ASSERT_EQ(0, pipe(ready));
	srv = dt_fork();
	ASSERT_LE(0, srv);
	if (srv == 0) {
		struct mp_recvopt ro = { .fd_room = 1 };
		struct { long mtype; char t[8]; } q, r = { .mtype = 2 };
		struct mp_msghdr qh;
		int fd = -1, back[2];

		ro.fds = &fd;
		if (mp_fd() < 0)
			_exit(DT_NOSYNC);
		dt_put(ready[1], 'r');
		if (mp_receive_ext(MP_ANY, &q, sizeof(q.t), 0, 0, &ro, &qh) < 0)
			_exit(errno);
		if (qh.nr_fds != 1 || fd < 0 || !(qh.flags & MP_MSG_CALL))
			_exit(DT_BAD);
		if (write(fd, "from server", 11) != 11 || pipe(back))
			_exit(DT_BAD2);
		if (write(back[1], "in reply", 8) != 8)
			_exit(DT_BAD3);
		close(back[1]);
		_exit(mp_reply_fds(qh.call_id, &r, 1, &back[0], 1) ? errno : 0);
	}
	ASSERT_EQ('r', dt_get(ready[0]));
	opt.fds = &to_srv[1];
	opt.reply_fds = &got;
	ASSERT_EQ(1, mp_call(srv, &req, 1, &rep, sizeof(rep.t), &opt, &h));
	EXPECT_EQ(1, h.nr_fds);
	ASSERT_LE(0, got);
	EXPECT_EQ(8, read(got, buf, sizeof(buf)));
	EXPECT_EQ(0, memcmp(buf, "in reply", 8));
	EXPECT_EQ(11, read(to_srv[0], buf, sizeof(buf)));
	EXPECT_EQ(0, memcmp(buf, "from server", 11));
	EXPECT_EQ(0, dt_reap(srv));
	close(got);
	close(to_srv[0]);
	close(to_srv[1]);
}

/* More descriptors in the reply than the caller has room for: ENOBUFS. */
TEST_F(call, reply_with_more_descriptors_than_room_is_enobufs)
{
	struct { long mtype; char t[8]; } req = { .mtype = 1 }, rep;
	int ready[2];
	pid_t srv;

	ASSERT_EQ(0, pipe(ready));
	srv = dt_fork();
	ASSERT_LE(0, srv);
	if (srv == 0) {
		struct { long mtype; char t[8]; } q, r = { .mtype = 2 };
		struct mp_msghdr qh;
		int p[2];

		if (mp_fd() < 0 || pipe(p))
			_exit(DT_NOSYNC);
		dt_put(ready[1], 'r');
		if (mp_receive_ext(MP_ANY, &q, sizeof(q.t), 0, 0, NULL, &qh) < 0)
			_exit(errno);
		if (mp_reply_fds(qh.call_id, &r, 1, p, 1) == 0 || errno != ENOBUFS)
			_exit(DT_BAD);
		/* The call is still open: a reply without descriptors goes. */
		_exit(mp_reply(qh.call_id, &r, 1) ? errno : 0);
	}
	ASSERT_EQ('r', dt_get(ready[0]));
	EXPECT_EQ(1, mp_call(srv, &req, 1, &rep, sizeof(rep.t), NULL, NULL));
	EXPECT_EQ(0, dt_reap(srv));
}

TEST_F(call, request_arrives_as_a_call_message_from_the_caller)
{
	struct mp_msghdr h;
	struct dmsg q;
	uint64_t id;
	pid_t c;

	ASSERT_LE(0, mp_fd());
	c = dt_fork();
	ASSERT_LE(0, c);
	if (c == 0)
		_exit(ct_call_code(getppid(), 0, "hello"));
	id = ct_take(MP_ANY, &q, &h);
	ASSERT_NE(0, id);
	EXPECT_STREQ("hello", q.mtext);
	EXPECT_EQ(1, q.mtype);
	EXPECT_EQ(c, h.sender_pid);
	EXPECT_EQ(getpid(), h.receiver);
	EXPECT_TRUE(h.flags & MP_MSG_CALL);
	EXPECT_EQ(5, h.len);
	ASSERT_EQ(0, ct_reply(id, "hello"));
	EXPECT_EQ(0, dt_reap(c));
}

TEST_F(call, call_through_a_mailbox_port)
{
	int id = dt_track(mp_msgget(IPC_PRIVATE, IPC_CREAT | 0600));
	struct mp_msghdr h;
	struct dmsg r;
	pid_t srv;

	ASSERT_LE(0, id);
	srv = ct_spawn_server(4, id);
	ASSERT_LT(0, srv);
	for (int i = 0; i < 4; i++) {
		char q[16];

		snprintf(q, sizeof(q), "m%d", i);
		ASSERT_EQ(5, ct_call(id, 1, q, &r, sizeof(r.mtext), NULL, &h))
			TH_LOG("call %d: %s", i, strerror(errno));
		EXPECT_EQ(CT_REPLY_TYPE, r.mtype);
		EXPECT_STREQ(q, r.mtext + 3);
		EXPECT_EQ(srv, h.sender_pid);
	}
	EXPECT_EQ(0, dt_reap(srv));
	EXPECT_EQ(-1, mp_msgrcv(id, &r, sizeof(r.mtext), 0, IPC_NOWAIT));
	EXPECT_EQ(ENOMSG, errno);
}

TEST_F(call, mailbox_call_request_is_taken_with_msgrcv_ext)
{
	int id = dt_track(mp_msgget(IPC_PRIVATE, IPC_CREAT | 0600));
	struct mp_msghdr h;
	struct dmsg q;
	pid_t c;

	ASSERT_LE(0, id);
	c = dt_fork();
	ASSERT_LE(0, c);
	if (c == 0)
		_exit(ct_call_code(id, 1, "port"));
	memset(&q, 0, sizeof(q));
	ASSERT_EQ(4, mp_msgrcv_ext(id, &q, sizeof(q.mtext) - 1, 0, 0,
				   &(struct mp_recvopt){ .flags = MP_RECV_TIMEOUT,
							 .timeout_ns = DT_WAIT_MS * 1000000ULL },
				   &h));
	EXPECT_STREQ("port", q.mtext);
	EXPECT_TRUE(h.flags & MP_MSG_CALL);
	EXPECT_NE(0, h.call_id);
	EXPECT_EQ(c, h.sender_pid);
	EXPECT_EQ(id, h.receiver);
	ASSERT_EQ(0, ct_reply(h.call_id, "port"));
	EXPECT_EQ(0, dt_reap(c));
}

TEST_F(call, reply_receive_with_call_id_zero_only_receives)
{
	struct mp_msghdr h;
	struct dmsg q;

	ASSERT_EQ(0, dt_send(getpid(), 4, "plain", 0));
	memset(&q, 0, sizeof(q));
	EXPECT_EQ(5, mp_reply_receive(0, NULL, 0, MP_ANY, &q, sizeof(q.mtext), 0, IPC_NOWAIT,
				      &h));
	EXPECT_EQ(0, memcmp(q.mtext, "plain", 5));
	EXPECT_EQ(4, q.mtype);
	EXPECT_EQ(0, h.flags & MP_MSG_CALL);
	EXPECT_EQ(0, h.call_id);
	EXPECT_EQ(-1, mp_reply_receive(0, NULL, 0, MP_ANY, &q, sizeof(q.mtext), 0, IPC_NOWAIT,
				       &h));
	EXPECT_EQ(ENOMSG, errno);
}

TEST_F(call, higher_priority_requests_are_taken_first)
{
	struct mp_msghdr h;
	struct dmsg q;
	pid_t lo, hi;
	uint64_t id;

	ASSERT_LE(0, mp_fd());
	lo = dt_fork();
	ASSERT_LE(0, lo);
	if (lo == 0) {
		struct mp_callopt o = { .priority = 1 };
		struct dmsg r;

		_exit(ct_call(getppid(), 0, "lo", &r, sizeof(r.mtext), &o, NULL) == 5 ? 0 : DT_BAD);
	}
	ASSERT_EQ(0, dt_wait_qnum(getpid(), lo, 1));
	hi = dt_fork();
	ASSERT_LE(0, hi);
	if (hi == 0) {
		struct mp_callopt o = { .priority = 9 };
		struct dmsg r;

		_exit(ct_call(getppid(), 0, "hi", &r, sizeof(r.mtext), &o, NULL) == 5 ? 0 : DT_BAD);
	}
	ASSERT_EQ(0, dt_wait_qnum(getpid(), hi, 1));
	id = ct_take(MP_ANY, &q, &h);
	ASSERT_NE(0, id);
	EXPECT_STREQ("hi", q.mtext);
	EXPECT_EQ(9, h.priority);
	ASSERT_EQ(0, ct_reply(id, "hi"));
	id = ct_take(MP_ANY, &q, &h);
	ASSERT_NE(0, id);
	EXPECT_STREQ("lo", q.mtext);
	EXPECT_EQ(1, h.priority);
	ASSERT_EQ(0, ct_reply(id, "lo"));
	EXPECT_EQ(0, dt_reap(hi));
	EXPECT_EQ(0, dt_reap(lo));
}

/* The body of the many-callers requests and replies. */
struct ct_req {
	int idx;
	int k;
	uint32_t magic;
};

static uint32_t ct_magic(int idx, int k)
{
	return (uint32_t)idx * 2246822519u ^ (uint32_t)k * 3266489917u ^ 0xc0ffee;
}

/*
 * @callers children each make @rounds calls; the parent takes one request
 * from every caller before it answers any, and answers them in reverse.
 */
static void ct_many_callers(struct __test_metadata *_metadata, int callers, int rounds)
{
	struct mp_msghdr h;
	pid_t pids[32];
	uint64_t ids[32];
	struct dmsg q;
	int slot[32];

	ASSERT_GE(32, callers);
	ASSERT_LE(0, mp_fd());
	for (int i = 0; i < callers; i++) {
		pids[i] = dt_fork();
		ASSERT_LE(0, pids[i]);
		if (pids[i] == 0) {
			for (int k = 0; k < rounds; k++) {
				struct ct_req rq = { i, k, ct_magic(i, k) }, rp;
				struct dmsg s = { .mtype = 1 + i }, r;
				size_t want = sizeof(rp) + i;
				ssize_t n;

				memcpy(s.mtext, &rq, sizeof(rq));
				n = mp_call(getppid(), &s, sizeof(rq), &r, sizeof(r.mtext), NULL, NULL);
				if (n < 0)
					_exit(errno);
				memcpy(&rp, r.mtext, sizeof(rp));
				if (n != (ssize_t)want || r.mtype != 100 + i)
					_exit(DT_BAD);
				if (rp.idx != i || rp.k != k || rp.magic != ~ct_magic(i, k))
					_exit(DT_BAD2);
				for (size_t b = sizeof(rp); b < want; b++)
					if (r.mtext[b] != (char)(i + k))
						_exit(DT_BAD3);
			}
			_exit(0);
		}
	}
	for (int k = 0; k < rounds; k++) {
		/* Every caller has one call open: take them all. */
		memset(slot, -1, sizeof(slot));
		for (int j = 0; j < callers; j++) {
			struct ct_req rq;

			ids[j] = ct_take(MP_ANY, &q, &h);
			ASSERT_NE(0, ids[j]) TH_LOG("round %d: %s", k, strerror(errno));
			memcpy(&rq, q.mtext, sizeof(rq));
			ASSERT_LE(0, rq.idx);
			ASSERT_GT(callers, rq.idx);
			ASSERT_EQ(1 + rq.idx, q.mtype);
			ASSERT_EQ(pids[rq.idx], h.sender_pid);
			ASSERT_EQ(k, rq.k);
			ASSERT_EQ(ct_magic(rq.idx, k), rq.magic);
			ASSERT_EQ(-1, slot[rq.idx]) TH_LOG("two calls open from caller %d", rq.idx);
			slot[rq.idx] = j;
		}
		/* Answer them in another order than they came. */
		for (int idx = callers - 1; idx >= 0; idx--) {
			struct ct_req rp = { idx, k, ~ct_magic(idx, k) };
			struct dmsg r = { .mtype = 100 + idx };
			int j = slot[idx];

			memcpy(r.mtext, &rp, sizeof(rp));
			memset(r.mtext + sizeof(rp), (char)(idx + k), idx);
			ASSERT_EQ(0, mp_reply(ids[j], &r, sizeof(rp) + idx))
				TH_LOG("reply to %d: %s", idx, strerror(errno));
		}
	}
	for (int i = 0; i < callers; i++) {
		EXPECT_EQ(0, dt_reap(pids[i])) TH_LOG("caller %d", i);
	}
	EXPECT_EQ(-1, dt_recv(MP_ANY, &q, 0, IPC_NOWAIT, NULL));
	EXPECT_EQ(ENOMSG, errno);
}

TEST_F(call, sixteen_concurrent_callers_each_get_their_own_reply)
{
	ct_many_callers(_metadata, 16, 10);
}

/* --- replies that do not fit ---------------------------------------------- */

TEST_F(call, reply_longer_than_room_is_e2big_and_call_stays_open)
{
	struct dmsg q, r = { .mtype = 3 };
	struct mp_msghdr h;
	uint64_t id;
	pid_t c;

	ASSERT_LE(0, mp_fd());
	c = dt_fork();
	ASSERT_LE(0, c);
	if (c == 0) {
		struct dmsg rr;
		ssize_t n = ct_call(getppid(), 0, "small", &rr, 8, NULL, NULL);

		if (n < 0)
			_exit(errno);
		_exit(n == 8 && !strcmp(rr.mtext, "87654321") && rr.mtype == 3 ? 0 : DT_BAD);
	}
	id = ct_take(MP_ANY, &q, &h);
	ASSERT_NE(0, id);
	memcpy(r.mtext, "0123456789abcdef", 16);
	EXPECT_EQ(-1, mp_reply(id, &r, 9));
	EXPECT_EQ(E2BIG, errno);
	EXPECT_EQ(-1, mp_reply(id, &r, 16));
	EXPECT_EQ(E2BIG, errno);
	EXPECT_TRUE(dt_running(c));
	memcpy(r.mtext, "87654321", 8);
	EXPECT_EQ(0, mp_reply(id, &r, 8)) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(0, dt_reap(c));
}

TEST_F(call, call_with_msg_noerror_takes_a_cut_reply)
{
	struct dmsg q, r = { .mtype = 3 };
	struct mp_msghdr h;
	uint64_t id;
	pid_t c;

	ASSERT_LE(0, mp_fd());
	c = dt_fork();
	ASSERT_LE(0, c);
	if (c == 0) {
		struct mp_callopt o = { .msgflg = MSG_NOERROR };
		struct mp_msghdr rh;
		struct dmsg rr;
		ssize_t n = ct_call(getppid(), 0, "cut", &rr, 4, &o, &rh);

		if (n < 0)
			_exit(errno);
		if (n != 4 || memcmp(rr.mtext, "0123", 4) || rr.mtext[4])
			_exit(DT_BAD);
		_exit(rh.len == 10 && (rh.flags & MP_MSG_TRUNCATED) ? 0 : DT_BAD2);
	}
	id = ct_take(MP_ANY, &q, &h);
	ASSERT_NE(0, id);
	memcpy(r.mtext, "0123456789", 10);
	EXPECT_EQ(0, mp_reply(id, &r, 10)) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(0, dt_reap(c));
}

/* --- who may answer what -------------------------------------------------- */

TEST_F(call, reply_by_a_process_that_did_not_take_the_call_is_eperm)
{
	struct mp_msghdr h;
	struct dmsg q;
	uint64_t id;
	pid_t c, other;

	ASSERT_LE(0, mp_fd());
	c = dt_fork();
	ASSERT_LE(0, c);
	if (c == 0)
		_exit(ct_call_code(getppid(), 0, "mine"));
	id = ct_take(MP_ANY, &q, &h);
	ASSERT_NE(0, id);
	other = dt_fork();
	ASSERT_LE(0, other);
	if (other == 0)
		_exit(dt_errno_code(ct_reply(id, "forged")));
	EXPECT_EQ(EPERM, dt_reap(other));
	EXPECT_TRUE(dt_running(c));
	ASSERT_EQ(0, ct_reply(id, "mine"));
	EXPECT_EQ(0, dt_reap(c));
}

TEST_F(call, reply_to_unknown_call_id_is_enoent)
{
	EXPECT_EQ(-1, ct_reply(0x7fffabcd12345678ULL, "x"));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(-1, ct_reply(1, "x"));
	EXPECT_EQ(ENOENT, errno);
}

TEST_F(call, second_reply_to_a_call_is_enoent)
{
	struct mp_msghdr h;
	struct dmsg q;
	uint64_t id;
	pid_t c;

	ASSERT_LE(0, mp_fd());
	c = dt_fork();
	ASSERT_LE(0, c);
	if (c == 0)
		_exit(ct_call_code(getppid(), 0, "once"));
	id = ct_take(MP_ANY, &q, &h);
	ASSERT_NE(0, id);
	ASSERT_EQ(0, ct_reply(id, "once"));
	EXPECT_EQ(-1, ct_reply(id, "twice"));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(0, dt_reap(c));
}

TEST_F(call, reply_with_type_below_one_is_einval)
{
	struct dmsg q, r = { .mtype = 0 };
	struct mp_msghdr h;
	uint64_t id;
	pid_t c;

	ASSERT_LE(0, mp_fd());
	c = dt_fork();
	ASSERT_LE(0, c);
	if (c == 0)
		_exit(ct_call_code(getppid(), 0, "typed"));
	id = ct_take(MP_ANY, &q, &h);
	ASSERT_NE(0, id);
	EXPECT_EQ(-1, mp_reply(id, &r, 1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_TRUE(dt_running(c));
	ASSERT_EQ(0, ct_reply(id, "typed"));
	EXPECT_EQ(0, dt_reap(c));
}

/* --- callers that give up ----------------------------------------------- */

TEST_F(call, caller_timeout_after_take_late_reply_is_enoent_and_next_call_gets_own_reply)
{
	int ready[2], go[2], gave_up[2], took[2];
	pid_t srv, c;

	ASSERT_EQ(0, pipe(ready));
	ASSERT_EQ(0, pipe(go));
	ASSERT_EQ(0, pipe(gave_up));
	ASSERT_EQ(0, pipe(took));
	srv = dt_fork();
	ASSERT_LE(0, srv);
	if (srv == 0) {
		uint64_t id1, id2;
		struct mp_msghdr h;
		struct dmsg q;

		if (mp_fd() < 0)
			_exit(DT_NOSYNC);
		dt_put(ready[1], 'r');
		id1 = ct_take(MP_ANY, &q, &h);
		if (!id1 || strcmp(q.mtext, "first"))
			_exit(DT_BAD);
		dt_put(took[1], 't');
		if (dt_get(gave_up[0]) != 'x')
			_exit(DT_NOSYNC);
		id2 = ct_take(MP_ANY, &q, &h);
		if (!id2 || strcmp(q.mtext, "second"))
			_exit(DT_BAD2);
		/* The stale reply finds no call, even with a newer one open. */
		if (ct_reply(id1, "first") != -1)
			_exit(DT_BAD3);
		if (errno != ENOENT)
			_exit(errno);
		_exit(ct_reply(id2, "second") ? DT_BAD4 : 0);
	}
	ASSERT_EQ('r', dt_get(ready[0]));
	c = dt_fork();
	ASSERT_LE(0, c);
	if (c == 0) {
		struct mp_callopt o = { .flags = MP_CALL_TIMEOUT, .timeout_ns = 200000000ULL };
		struct dmsg r;

		if (dt_get(go[0]) != 'g')
			_exit(DT_NOSYNC);
		if (ct_call(srv, 0, "first", &r, sizeof(r.mtext), &o, NULL) != -1)
			_exit(DT_BAD);
		if (errno != ETIMEDOUT)
			_exit(errno);
		dt_put(gave_up[1], 'x');
		_exit(ct_call_code(srv, 0, "second"));
	}
	/* The server waits before the request comes: it takes it, whenever the timeout fires. */
	ASSERT_EQ(0, dt_wait_blocked(srv));
	ASSERT_EQ(0, dt_put(go[1], 'g'));
	EXPECT_EQ('t', dt_get(took[0]));
	EXPECT_EQ(0, dt_reap(c));
	EXPECT_EQ(0, dt_reap(srv));
}

TEST_F(call, caller_timeout_while_queued_withdraws_the_request)
{
	struct mp_msghdr h;
	struct dmsg q;
	int gave_up[2], go[2];
	uint64_t id;
	pid_t c;

	ASSERT_LE(0, mp_fd());
	ASSERT_EQ(0, pipe(gave_up));
	ASSERT_EQ(0, pipe(go));
	c = dt_fork();
	ASSERT_LE(0, c);
	if (c == 0) {
		struct mp_callopt o = { .flags = MP_CALL_TIMEOUT, .timeout_ns = 100000000ULL };
		int64_t t0 = dt_ns(CLOCK_MONOTONIC);
		struct dmsg r;

		if (ct_call(getppid(), 0, "stale", &r, sizeof(r.mtext), &o, NULL) != -1)
			_exit(DT_BAD);
		if (errno != ETIMEDOUT)
			_exit(errno);
		if (dt_ns(CLOCK_MONOTONIC) - t0 < (int64_t)o.timeout_ns)
			_exit(DT_BAD2);
		dt_put(gave_up[1], 'x');
		if (dt_get(go[0]) != 'g')
			_exit(DT_NOSYNC);
		_exit(ct_call_code(getppid(), 0, "fresh"));
	}
	ASSERT_EQ('x', dt_get(gave_up[0]));
	/* Nothing is left to take. */
	EXPECT_EQ(-1, dt_recv(MP_ANY, &q, 0, IPC_NOWAIT, NULL));
	EXPECT_EQ(ENOMSG, errno);
	EXPECT_EQ(0, dt_qnum(getpid(), c));
	ASSERT_EQ(0, dt_put(go[1], 'g'));
	id = ct_take(MP_ANY, &q, &h);
	ASSERT_NE(0, id);
	EXPECT_STREQ("fresh", q.mtext);
	ASSERT_EQ(0, ct_reply(id, "fresh"));
	EXPECT_EQ(0, dt_reap(c));
}

static void ct_nop(int sig)
{
}

/* A child's SIGUSR1 handler, with SA_RESTART: a call must still not restart. */
static int ct_catch_usr1(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = ct_nop;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	return sigaction(SIGUSR1, &sa, NULL);
}

TEST_F(call, caller_interrupted_after_take_late_reply_is_enoent_and_next_call_gets_own_reply)
{
	int ready[2], gave_up[2], took[2];
	pid_t srv, c;

	ASSERT_EQ(0, pipe(ready));
	ASSERT_EQ(0, pipe(gave_up));
	ASSERT_EQ(0, pipe(took));
	srv = dt_fork();
	ASSERT_LE(0, srv);
	if (srv == 0) {
		uint64_t id1, id2;
		struct mp_msghdr h;
		struct dmsg q;

		if (mp_fd() < 0)
			_exit(DT_NOSYNC);
		dt_put(ready[1], 'r');
		id1 = ct_take(MP_ANY, &q, &h);
		if (!id1 || strcmp(q.mtext, "first"))
			_exit(DT_BAD);
		dt_put(took[1], 't');
		if (dt_get(gave_up[0]) != 'x')
			_exit(DT_NOSYNC);
		id2 = ct_take(MP_ANY, &q, &h);
		if (!id2 || strcmp(q.mtext, "second"))
			_exit(DT_BAD2);
		if (ct_reply(id1, "first") != -1)
			_exit(DT_BAD3);
		if (errno != ENOENT)
			_exit(errno);
		_exit(ct_reply(id2, "second") ? DT_BAD4 : 0);
	}
	ASSERT_EQ('r', dt_get(ready[0]));
	c = dt_fork();
	ASSERT_LE(0, c);
	if (c == 0) {
		struct dmsg r;

		if (ct_catch_usr1())
			_exit(DT_NOSYNC);
		if (ct_call(srv, 0, "first", &r, sizeof(r.mtext), NULL, NULL) != -1)
			_exit(DT_BAD);
		if (errno != EINTR)
			_exit(errno);
		dt_put(gave_up[1], 'x');
		_exit(ct_call_code(srv, 0, "second"));
	}
	/* The server has the request: the caller is inside its call. */
	ASSERT_EQ('t', dt_get(took[0]));
	ASSERT_EQ(0, kill(c, SIGUSR1));
	EXPECT_EQ(0, dt_reap(c));
	EXPECT_EQ(0, dt_reap(srv));
}

TEST_F(call, caller_interrupted_while_queued_withdraws_the_request)
{
	struct mp_msghdr h;
	struct dmsg q;
	int gave_up[2], go[2];
	uint64_t id;
	pid_t c;

	ASSERT_LE(0, mp_fd());
	ASSERT_EQ(0, pipe(gave_up));
	ASSERT_EQ(0, pipe(go));
	c = dt_fork();
	ASSERT_LE(0, c);
	if (c == 0) {
		struct dmsg r;

		if (ct_catch_usr1())
			_exit(DT_NOSYNC);
		if (ct_call(getppid(), 0, "stale", &r, sizeof(r.mtext), NULL, NULL) != -1)
			_exit(DT_BAD);
		if (errno != EINTR)
			_exit(errno);
		dt_put(gave_up[1], 'x');
		if (dt_get(go[0]) != 'g')
			_exit(DT_NOSYNC);
		_exit(ct_call_code(getppid(), 0, "fresh"));
	}
	/* The request is queued: the caller is inside its call. */
	ASSERT_EQ(0, dt_wait_qnum(getpid(), c, 1));
	ASSERT_EQ(0, kill(c, SIGUSR1));
	ASSERT_EQ('x', dt_get(gave_up[0]));
	EXPECT_EQ(-1, dt_recv(MP_ANY, &q, 0, IPC_NOWAIT, NULL));
	EXPECT_EQ(ENOMSG, errno);
	EXPECT_EQ(0, dt_qnum(getpid(), c));
	ASSERT_EQ(0, dt_put(go[1], 'g'));
	id = ct_take(MP_ANY, &q, &h);
	ASSERT_NE(0, id);
	EXPECT_STREQ("fresh", q.mtext);
	ASSERT_EQ(0, ct_reply(id, "fresh"));
	EXPECT_EQ(0, dt_reap(c));
}

TEST_F(call, reply_to_a_killed_caller_is_enoent)
{
	struct mp_msghdr h;
	struct dmsg q;
	uint64_t id;
	pid_t c;

	ASSERT_LE(0, mp_fd());
	c = dt_fork();
	ASSERT_LE(0, c);
	if (c == 0)
		_exit(ct_call_code(getppid(), 0, "doomed"));
	id = ct_take(MP_ANY, &q, &h);
	ASSERT_NE(0, id);
	EXPECT_TRUE(dt_kill(c));
	EXPECT_EQ(-1, ct_reply(id, "doomed"));
	EXPECT_EQ(ENOENT, errno);
}

TEST_F(call, killed_caller_request_is_withdrawn)
{
	struct dmsg q;
	pid_t c;

	ASSERT_LE(0, mp_fd());
	c = dt_fork();
	ASSERT_LE(0, c);
	if (c == 0)
		_exit(ct_call_code(getppid(), 0, "doomed"));
	ASSERT_EQ(0, dt_wait_qnum(getpid(), c, 1));
	EXPECT_TRUE(dt_kill(c));
	EXPECT_EQ(-1, dt_recv(MP_ANY, &q, 0, IPC_NOWAIT, NULL));
	EXPECT_EQ(ENOMSG, errno);
}

TEST_F(call, call_times_out_within_its_bound)
{
	struct mp_callopt o = { .flags = MP_CALL_TIMEOUT, .timeout_ns = 100000000ULL };
	pid_t srv = dt_spawn_idle();
	struct dmsg r;
	int64_t t0;

	ASSERT_LT(0, srv);
	t0 = dt_ns(CLOCK_MONOTONIC);
	EXPECT_EQ(-1, ct_call(srv, 0, "anyone?", &r, sizeof(r.mtext), &o, NULL));
	EXPECT_EQ(ETIMEDOUT, errno);
	EXPECT_LE((int64_t)o.timeout_ns, dt_ns(CLOCK_MONOTONIC) - t0);
	EXPECT_EQ(0, dt_qnum(srv, getpid()));
}

/* --- servers and ports that go away --------------------------------------- */

TEST_F(call, server_exit_after_taking_the_call_is_econnreset)
{
	int ready[2];
	struct dmsg r;
	pid_t srv;

	ASSERT_EQ(0, pipe(ready));
	srv = dt_fork();
	ASSERT_LE(0, srv);
	if (srv == 0) {
		struct mp_msghdr h;
		struct dmsg q;

		if (mp_fd() < 0)
			_exit(DT_NOSYNC);
		dt_put(ready[1], 'r');
		/* Take the request, then end without answering. */
		_exit(ct_take(MP_ANY, &q, &h) ? 0 : DT_BAD);
	}
	ASSERT_EQ('r', dt_get(ready[0]));
	EXPECT_EQ(-1, ct_call(srv, 0, "hello?", &r, sizeof(r.mtext), NULL, NULL));
	EXPECT_EQ(ECONNRESET, errno);
	EXPECT_EQ(0, dt_reap(srv));
}

TEST_F(call, server_exit_with_the_call_still_queued_is_econnreset)
{
	pid_t srv = dt_spawn_idle(), c;

	ASSERT_LT(0, srv);
	c = dt_fork();
	ASSERT_LE(0, c);
	if (c == 0)
		_exit(ct_call_code(srv, 0, "queued"));
	ASSERT_EQ(0, dt_wait_qnum(srv, c, 1));
	EXPECT_TRUE(dt_kill(srv));
	EXPECT_EQ(ECONNRESET, dt_reap(c));
}

TEST_F(call, mailbox_server_exit_after_taking_the_call_is_econnreset)
{
	int id = dt_track(mp_msgget(IPC_PRIVATE, IPC_CREAT | 0600));
	struct dmsg r;
	pid_t srv;

	ASSERT_LE(0, id);
	srv = dt_fork();
	ASSERT_LE(0, srv);
	if (srv == 0) {
		struct dmsg q;

		if (mp_msgrcv(id, &q, sizeof(q.mtext), 0, 0) < 0)
			_exit(errno);
		_exit(0);
	}
	EXPECT_EQ(-1, ct_call(id, 1, "hello?", &r, sizeof(r.mtext), NULL, NULL));
	EXPECT_EQ(ECONNRESET, errno);
	EXPECT_EQ(0, dt_reap(srv));
}

TEST_F(call, mailbox_port_removed_with_the_call_queued_is_eidrm)
{
	int id = dt_track(mp_msgget(IPC_PRIVATE, IPC_CREAT | 0600));
	int64_t end = dt_ns(CLOCK_MONOTONIC) + DT_WAIT_MS * 1000000LL;
	struct mp_mbox_info in;
	pid_t c;

	ASSERT_LE(0, id);
	c = dt_fork();
	ASSERT_LE(0, c);
	if (c == 0)
		_exit(ct_call_code(id, 1, "queued"));
	for (;;) {
		ASSERT_EQ(0, mp_mbox_info(id, &in));
		if (in.qnum == 1)
			break;
		ASSERT_GT(end, dt_ns(CLOCK_MONOTONIC));
		dt_msleep(1);
	}
	ASSERT_EQ(0, mp_msgctl(id, IPC_RMID, NULL));
	EXPECT_EQ(EIDRM, dt_reap(c));
}

/* --- calls that cannot be made -------------------------------------------- */

TEST_F(call, call_to_pid_without_endpoint_is_esrch)
{
	struct dmsg r;
	pid_t pid = dt_fork();

	ASSERT_LE(0, pid);
	if (pid == 0) {
		for (;;)
			pause();
	}
	EXPECT_EQ(-1, ct_call(pid, 0, "x", &r, sizeof(r.mtext), NULL, NULL));
	EXPECT_EQ(ESRCH, errno);
	EXPECT_TRUE(dt_kill(pid));
}

TEST_F(call, call_with_bad_arguments_is_einval)
{
	struct dmsg q = { .mtype = 0 }, r;
	pid_t srv = dt_spawn_idle();

	ASSERT_LT(0, srv);
	EXPECT_EQ(-1, mp_call(srv, &q, 1, &r, sizeof(r.mtext), NULL, NULL));
	EXPECT_EQ(EINVAL, errno);
	q.mtype = 1;
	EXPECT_EQ(-1, mp_call(0, &q, 1, &r, sizeof(r.mtext), NULL, NULL));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, mp_call(srv, &q, 1, &r, sizeof(r.mtext),
			      &(struct mp_callopt){ .priority = MP_PRIO_MAX + 1 }, NULL));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, dt_link(srv, getpid(), NULL));
}

TEST_F(call, call_from_bad_pointer_is_efault)
{
	struct dmsg r;
	pid_t srv = dt_spawn_idle();

	ASSERT_LT(0, srv);
	EXPECT_EQ(-1, mp_call(srv, NULL, 1, &r, sizeof(r.mtext), NULL, NULL));
	EXPECT_EQ(EFAULT, errno);
}

TEST_F(call, call_to_bad_mailbox_is_einval)
{
	int id = mp_msgget(IPC_PRIVATE, IPC_CREAT | 0600);
	struct dmsg r;

	ASSERT_LE(0, id);
	ASSERT_EQ(0, mp_msgctl(id, IPC_RMID, NULL));
	EXPECT_EQ(-1, ct_call(id, 1, "x", &r, sizeof(r.mtext), NULL, NULL));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(call, call_to_broadcast_mailbox_is_einval)
{
	struct mp_attr a = { .kind = MP_KIND_BROADCAST };
	int id = dt_track(mp_msgget_attr(IPC_PRIVATE, NULL, IPC_CREAT | 0600, &a));
	struct dmsg r;

	ASSERT_LE(0, id);
	EXPECT_EQ(-1, ct_call(id, 1, "x", &r, sizeof(r.mtext), NULL, NULL));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(call, call_to_mailbox_without_write_permission_is_eacces)
{
	int id = dt_track(mp_msgget(IPC_PRIVATE, IPC_CREAT | 0644));
	struct mp_mbox_info in;
	pid_t c;

	ASSERT_LE(0, id);
	c = dt_fork();
	ASSERT_LE(0, c);
	if (c == 0) {
		struct dmsg r;

		if (dt_drop_privs())
			_exit(DT_NOPRIV);
		_exit(dt_errno_code(ct_call(id, 1, "x", &r, sizeof(r.mtext), NULL, NULL)));
	}
	EXPECT_EQ(EACCES, dt_reap(c));
	ASSERT_EQ(0, mp_mbox_info(id, &in));
	EXPECT_EQ(0, in.sent);
}

TEST_HARNESS_MAIN

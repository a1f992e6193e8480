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

#include "mp_direct.h"
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

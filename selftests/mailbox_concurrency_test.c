// SPDX-License-Identifier: GPL-2.0
/*
 * Many senders and receivers on one mailbox: every message is received
 * exactly once, each sender's messages keep their order within a
 * priority, sequence numbers are gap-free; the same with a small
 * capacity (senders block), zero capacity (every send a rendezvous), no
 * bound, threads sharing one process's endpoint, broadcast to several
 * subscribers, and removal in the middle of the traffic.
 *
 * Receivers record what they got in shared memory; the parent checks it
 * once everyone is done. Nothing here depends on timing.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>

#include "mp_mbox.h"

#define MS		1000000ULL
#define SENDERS		8
#define RECEIVERS	4
#define PER_SENDER	2000
#define TOTAL		(SENDERS * PER_SENDER)
#define NPRIO		4
#define MAGIC		0x6d707463u
#define T_DATA		1
#define T_STOP		2
#define CALL_TIMEOUT	(60000 * MS)	/* a wait this long means a hang */

struct body {
	uint32_t sender;
	uint32_t counter;
	uint32_t prio;
	uint32_t magic;
};

struct wire {
	long mtype;
	struct body b;
};

/* What receivers report, in memory shared with the parent. */
struct board {
	_Atomic uint32_t got[SENDERS][PER_SENDER];
	_Atomic uint32_t seq[TOTAL + RECEIVERS + 2];
	_Atomic uint32_t received;
	_Atomic uint32_t errors;
	_Atomic uint32_t order_errors;
	char first_error[200];
	_Atomic int first_set;
};

/* A queue of capacity 4 that read permission lets receive. */
static int new_cap4_mode_receive(void)
{
	struct mp_attr a = { .flags = MP_ATTR_MODE_RECEIVE | MP_ATTR_CAPACITY, .capacity = 4 };

	return mpt_new_attr(&a, 0600);
}

/* A broadcast mailbox of capacity 16 that read permission lets receive. */
static int new_mbox_bcast16(void)
{
	struct mp_attr a = {
		.flags = MP_ATTR_MODE_RECEIVE | MP_ATTR_CAPACITY,
		.kind = MP_KIND_BROADCAST, .capacity = 16,
	};

	return mpt_new_attr(&a, 0600);
}

static struct board *board_new(void)
{
	void *p = mmap(NULL, sizeof(struct board), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static void board_error(struct board *bd, const char *fmt, uint64_t a, uint64_t b)
{
	int no = 0;

	atomic_fetch_add(&bd->errors, 1);
	if (atomic_compare_exchange_strong(&bd->first_set, &no, 1))
		snprintf(bd->first_error, sizeof(bd->first_error), fmt,
			 (unsigned long long)a, (unsigned long long)b);
}

static int send_one(int id, uint32_t sender, uint32_t counter, uint32_t prio)
{
	struct mp_sendopt o = {
		.flags = MP_SEND_TIMEOUT, .priority = prio, .timeout_ns = CALL_TIMEOUT,
	};
	struct wire w = {
		.mtype = T_DATA,
		.b = { .sender = sender, .counter = counter, .prio = prio, .magic = MAGIC },
	};

	return mp_msgsnd_ext(id, &w, sizeof(w.b), 0, &o);
}

/* A sender: @n messages, priorities cycling through 0..NPRIO-1 (if @prio). */
static int sender_run(int id, uint32_t sender, int n, int prio)
{
	for (int c = 0; c < n; c++) {
		if (send_one(id, sender, c, prio ? (uint32_t)c % NPRIO : 0))
			return errno ? errno : MPT_BAD;
	}
	return 0;
}

/*
 * A queue receiver: takes messages until a T_STOP one, records each in
 * @bd and checks that each sender's messages come in order within a
 * priority.
 */
static int receiver_run(int id, struct board *bd)
{
	struct mp_recvopt o = { .flags = MP_RECV_TIMEOUT, .timeout_ns = CALL_TIMEOUT };
	int64_t last[SENDERS][NPRIO];
	struct mp_msghdr h;
	struct wire w;

	for (int s = 0; s < SENDERS; s++)
		for (int p = 0; p < NPRIO; p++)
			last[s][p] = -1;
	for (;;) {
		ssize_t n = mp_msgrcv_ext(id, &w, sizeof(w.b), 0, 0, &o, &h);

		if (n < 0) {
			board_error(bd, "receive failed: errno %llu (%llu)", errno, 0);
			return errno;
		}
		if (h.seq < ARRAY_SIZE(bd->seq))
			atomic_fetch_add(&bd->seq[h.seq], 1);
		else
			board_error(bd, "seq %llu out of range (%llu)", h.seq, 0);
		if (w.mtype == T_STOP)
			return 0;
		if (n != sizeof(w.b) || w.mtype != T_DATA || w.b.magic != MAGIC ||
		    w.b.sender >= SENDERS || w.b.counter >= PER_SENDER || w.b.prio >= NPRIO) {
			board_error(bd, "garbled message, len %llu type %llu", n, w.mtype);
			continue;
		}
		if (h.priority != w.b.prio)
			board_error(bd, "priority %llu in header, %llu sent", h.priority, w.b.prio);
		if ((int64_t)w.b.counter <= last[w.b.sender][w.b.prio]) {
			atomic_fetch_add(&bd->order_errors, 1);
			board_error(bd, "sender %llu: counter %llu out of order", w.b.sender, w.b.counter);
		}
		last[w.b.sender][w.b.prio] = w.b.counter;
		atomic_fetch_add(&bd->got[w.b.sender][w.b.counter], 1);
		atomic_fetch_add(&bd->received, 1);
	}
}

/* ---------------------------------------------------------------------
 * Queue mailboxes of every shape, processes
 */

FIXTURE(conc) {
	struct board *bd;
	struct mp_counters_info c0;
};

FIXTURE_VARIANT(conc) {
	int sysv;		/* made by mp_msgget(): System V defaults */
	uint64_t capacity;	/* else: this capacity ... */
	int unbounded;		/* ... or none at all */
};

FIXTURE_VARIANT_ADD(conc, system_v_queue) { .sysv = 1 };
FIXTURE_VARIANT_ADD(conc, capacity_4) { .capacity = 4 };
FIXTURE_VARIANT_ADD(conc, zero_capacity) { .capacity = 0 };
FIXTURE_VARIANT_ADD(conc, unbounded) { .unbounded = 1 };

FIXTURE_SETUP(conc)
{
	struct mp_version v;

	ASSERT_EQ(0, mp_version(&v));
	ASSERT_TRUE(v.features & MP_FEAT_MAILBOX);
	self->bd = board_new();
	ASSERT_NE(NULL, self->bd);
	ASSERT_EQ(0, mp_counters(&self->c0));
}

FIXTURE_TEARDOWN(conc)
{
	mpt_cleanup();
	if (self->bd)
		munmap(self->bd, sizeof(*self->bd));
}

static int make_queue(const FIXTURE_VARIANT(conc) *variant)
{
	struct mp_attr a = { .flags = MP_ATTR_MODE_RECEIVE | MP_ATTR_CAPACITY };

	if (variant->sysv)
		return mpt_new(0600);
	if (variant->unbounded) {
		a.flags |= MP_ATTR_MAX_BYTES;
		a.capacity = MP_UNLIMITED;
		a.max_bytes = MP_UNLIMITED;
	} else {
		a.capacity = variant->capacity;
	}
	return mpt_new_attr(&a, 0600);
}

TEST_F_TIMEOUT(conc, every_message_received_exactly_once_in_sender_order, 600)
{
	struct mp_counters_info c1;
	struct mp_mbox_info in;
	pid_t snd[SENDERS], rcv[RECEIVERS];
	struct board *bd = self->bd;
	int id = make_queue(variant);

	ASSERT_LE(0, id) TH_LOG("make mailbox: %s", strerror(errno));
	for (int r = 0; r < RECEIVERS; r++) {
		rcv[r] = mpt_fork();
		ASSERT_LE(0, rcv[r]);
		if (rcv[r] == 0)
			_exit(receiver_run(id, bd));
	}
	for (int s = 0; s < SENDERS; s++) {
		snd[s] = mpt_fork();
		ASSERT_LE(0, snd[s]);
		if (snd[s] == 0)
			_exit(sender_run(id, s, PER_SENDER, 1));
	}
	for (int s = 0; s < SENDERS; s++) {
		EXPECT_EQ(0, mpt_wait_ms(snd[s], 500000)) TH_LOG("sender %d", s);
	}
	/* Everything is sent: one stop message per receiver, after all of it. */
	for (int r = 0; r < RECEIVERS; r++) {
		struct wire w = { .mtype = T_STOP };

		ASSERT_EQ(0, mp_msgsnd(id, &w, sizeof(w.b), 0)) TH_LOG("stop: %s", strerror(errno));
	}
	for (int r = 0; r < RECEIVERS; r++) {
		EXPECT_EQ(0, mpt_wait_ms(rcv[r], 100000)) TH_LOG("receiver %d", r);
	}

	EXPECT_EQ(0, bd->errors) TH_LOG("first error: %s", bd->first_error);
	EXPECT_EQ(0, bd->order_errors);
	EXPECT_EQ(TOTAL, bd->received);
	for (int s = 0; s < SENDERS; s++) {
		for (int c = 0; c < PER_SENDER; c++) {
			ASSERT_EQ(1, bd->got[s][c]) TH_LOG("sender %d message %d", s, c);
		}
	}
	/* seq: gap-free from 1 over every message, stop messages included. */
	EXPECT_EQ(0, bd->seq[0]);
	for (int q = 1; q <= TOTAL + RECEIVERS; q++) {
		ASSERT_EQ(1, bd->seq[q]) TH_LOG("seq %d", q);
	}
	ASSERT_EQ(0, mp_mbox_info(id, &in));
	EXPECT_EQ(0, in.qnum);
	EXPECT_EQ(0, in.qbytes);
	EXPECT_EQ(TOTAL + RECEIVERS, in.sent);
	EXPECT_EQ(TOTAL + RECEIVERS, in.received);
	EXPECT_EQ(0, in.waiting_senders);
	EXPECT_EQ(0, in.waiting_receivers);
	ASSERT_EQ(0, mp_msgctl(id, IPC_RMID, NULL));
	ASSERT_EQ(0, mp_counters(&c1));
	EXPECT_EQ(self->c0.mailboxes, c1.mailboxes);
	EXPECT_EQ(self->c0.messages, c1.messages);
	EXPECT_EQ(self->c0.bytes, c1.bytes);
}

TEST_F(conc, removal_during_traffic_ends_everyone_and_frees_all)
{
	struct mp_counters_info c1;
	struct mp_mbox_info in;
	pid_t kid[8];
	int id = make_queue(variant);
	int64_t end;

	ASSERT_LE(0, id);
	for (int k = 0; k < 8; k++) {
		kid[k] = mpt_fork();
		ASSERT_LE(0, kid[k]);
		if (kid[k] == 0) {
			int e;

			if (k < 4) {
				/* Senders: until the mailbox goes. */
				for (uint32_t c = 0;; c++)
					if (send_one(id, k, c % PER_SENDER, c % NPRIO))
						break;
			} else {
				struct mp_recvopt o = {
					.flags = MP_RECV_TIMEOUT, .timeout_ns = CALL_TIMEOUT,
				};
				struct wire w;

				while (mp_msgrcv_ext(id, &w, sizeof(w.b), 0, 0, &o, NULL) >= 0)
					;
			}
			e = errno;
			_exit(e == EIDRM || e == EINVAL ? 0 : e);
		}
	}
	/* Let some traffic flow (bounded), then pull the mailbox away. */
	end = mpt_ns(CLOCK_MONOTONIC) + 60000 * (int64_t)MS;
	do {
		ASSERT_EQ(0, mp_mbox_info(id, &in));
		if (in.received >= 200)
			break;
		mpt_msleep(5);
	} while (mpt_ns(CLOCK_MONOTONIC) < end);
	EXPECT_LE(200, in.received);
	ASSERT_EQ(0, mp_msgctl(id, IPC_RMID, NULL));
	for (int k = 0; k < 8; k++) {
		EXPECT_EQ(0, mpt_wait_ms(kid[k], 100000)) TH_LOG("child %d", k);
	}
	ASSERT_EQ(0, mp_counters(&c1));
	EXPECT_EQ(self->c0.mailboxes, c1.mailboxes);
	EXPECT_EQ(self->c0.messages, c1.messages);
	EXPECT_EQ(self->c0.bytes, c1.bytes);
}

/* ---------------------------------------------------------------------
 * Threads of one process (one endpoint)
 */

struct targ {
	int id;
	int index;
	int ret;
	struct board *bd;
};

static void *sender_thread(void *p)
{
	struct targ *t = p;

	t->ret = sender_run(t->id, t->index, PER_SENDER, 1);
	return NULL;
}

static void *receiver_thread(void *p)
{
	struct targ *t = p;

	t->ret = receiver_run(t->id, t->bd);
	return NULL;
}

TEST_F_TIMEOUT(mb, threads_sharing_an_endpoint_each_message_once, 600)
{
	struct targ st[SENDERS], rt[RECEIVERS];
	pthread_t sth[SENDERS], rth[RECEIVERS];
	struct board *bd = board_new();
	int id;

	ASSERT_NE(NULL, bd);
	id = new_cap4_mode_receive();
	ASSERT_LE(0, id);
	for (int r = 0; r < RECEIVERS; r++) {
		rt[r] = (struct targ){ .id = id, .index = r, .bd = bd };
		ASSERT_EQ(0, pthread_create(&rth[r], NULL, receiver_thread, &rt[r]));
	}
	for (int s = 0; s < SENDERS; s++) {
		st[s] = (struct targ){ .id = id, .index = s, .bd = bd };
		ASSERT_EQ(0, pthread_create(&sth[s], NULL, sender_thread, &st[s]));
	}
	for (int s = 0; s < SENDERS; s++) {
		ASSERT_EQ(0, pthread_join(sth[s], NULL));
		EXPECT_EQ(0, st[s].ret) TH_LOG("sender thread %d", s);
	}
	for (int r = 0; r < RECEIVERS; r++) {
		struct wire w = { .mtype = T_STOP };

		ASSERT_EQ(0, mp_msgsnd(id, &w, sizeof(w.b), 0));
	}
	for (int r = 0; r < RECEIVERS; r++) {
		ASSERT_EQ(0, pthread_join(rth[r], NULL));
		EXPECT_EQ(0, rt[r].ret) TH_LOG("receiver thread %d", r);
	}
	EXPECT_EQ(0, bd->errors) TH_LOG("first error: %s", bd->first_error);
	EXPECT_EQ(TOTAL, bd->received);
	for (int s = 0; s < SENDERS; s++) {
		for (int c = 0; c < PER_SENDER; c++) {
			ASSERT_EQ(1, bd->got[s][c]) TH_LOG("sender %d message %d", s, c);
		}
	}
	EXPECT_EQ(0, mpt_qnum(id));
	munmap(bd, sizeof(*bd));
}

/* ---------------------------------------------------------------------
 * Broadcast
 */

#define BSUBS		4
#define BSENDERS	4
#define BPER		500
#define BTOTAL		(BSENDERS * BPER)

/* A subscriber: exactly BTOTAL messages, seq 1..BTOTAL, each sender in order. */
static int subscriber_run(int id, int ready_fd)
{
	struct mp_recvopt o = { .flags = MP_RECV_TIMEOUT, .timeout_ns = CALL_TIMEOUT };
	int64_t next[BSENDERS] = { 0 };
	struct mp_msghdr h;
	struct wire w;

	if (mp_mbox_subscribe(id))
		return errno;
	mpt_put(ready_fd, 'r');
	for (int i = 0; i < BTOTAL; i++) {
		if (mp_msgrcv_ext(id, &w, sizeof(w.b), 0, 0, &o, &h) != sizeof(w.b))
			return errno ? errno : MPT_BAD;
		if (w.b.magic != MAGIC || w.b.sender >= BSENDERS)
			return MPT_BAD2;
		if (h.seq != (uint64_t)i + 1)
			return MPT_BAD3;
		if (w.b.counter != next[w.b.sender])
			return MPT_BAD4;
		next[w.b.sender]++;
	}
	if (mp_msgrcv(id, &w, sizeof(w.b), 0, IPC_NOWAIT) != -1 || errno != ENOMSG)
		return MPT_BAD5;
	return 0;
}

TEST_F_TIMEOUT(mb, broadcast_every_subscriber_gets_everything_in_order, 600)
{
	pid_t sub[BSUBS], snd[BSENDERS];
	struct mp_counters_info c0, c1;
	struct mp_mbox_info in;
	int p[2], id;

	ASSERT_TRUE(self->v.features & MP_FEAT_BROADCAST);
	ASSERT_EQ(0, mp_counters(&c0));
	id = new_mbox_bcast16();
	ASSERT_LE(0, id);
	ASSERT_EQ(0, pipe(p));
	for (int i = 0; i < BSUBS; i++) {
		sub[i] = mpt_fork();
		ASSERT_LE(0, sub[i]);
		if (sub[i] == 0)
			_exit(subscriber_run(id, p[1]));
	}
	for (int i = 0; i < BSUBS; i++) {
		ASSERT_EQ('r', mpt_get(p[0]));
	}
	ASSERT_EQ(0, mp_mbox_info(id, &in));
	EXPECT_EQ(BSUBS, in.subscribers);
	for (int s = 0; s < BSENDERS; s++) {
		snd[s] = mpt_fork();
		ASSERT_LE(0, snd[s]);
		if (snd[s] == 0)
			_exit(sender_run(id, s, BPER, 1));
	}
	for (int s = 0; s < BSENDERS; s++) {
		EXPECT_EQ(0, mpt_wait_ms(snd[s], 500000)) TH_LOG("sender %d", s);
	}
	for (int i = 0; i < BSUBS; i++) {
		EXPECT_EQ(0, mpt_wait_ms(sub[i], 100000)) TH_LOG("subscriber %d", i);
	}
	ASSERT_EQ(0, mp_mbox_info(id, &in));
	EXPECT_EQ(BTOTAL, in.sent);
	EXPECT_EQ(0, in.subscribers);
	EXPECT_EQ(0, in.overruns);
	ASSERT_EQ(0, mp_msgctl(id, IPC_RMID, NULL));
	ASSERT_EQ(0, mp_counters(&c1));
	EXPECT_EQ(c0.mailboxes, c1.mailboxes);
	EXPECT_EQ(c0.messages, c1.messages);
	EXPECT_EQ(c0.bytes, c1.bytes);
	close(p[0]);
	close(p[1]);
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: MIT
/*
 * batches: many messages in one system call, as sendmmsg() and recvmmsg()
 * do for sockets. Each message of a batch is sent (received) whole or
 * not at all, with the same rules as a single one, and the batch stops
 * at the first that cannot go; the call says how many went.
 *
 *  1. Over a link: the sender sends 1000 messages, first one at a time
 *     (1000 calls), then in batches of 100 with mp_sendv() (10 calls);
 *     the receiver takes the first 1000 one at a time and the next 1000
 *     in batches of 100 with mp_receivev(): all in order, none lost.
 *  2. Into a mailbox that holds 150 messages, with IPC_NOWAIT: a batch of
 *     100 goes in whole; of the next 100 only 50 fit, the batch stops
 *     there and entry 50 says why (EAGAIN). A receive of up to 200 takes
 *     the 150 there are; the rest of the batch follows. A batch holds at
 *     most 1024 messages.
 */
#include "example.h"

#define TOTAL		1000
#define BATCH		100
#define BOX_CAPACITY	150

/* A message: its number, as the body. */
struct num_msg {
	long mtype;
	unsigned int n;
};

static pid_t receiver_pid;

/* Point batch entries @v at messages @m, numbered from @first. */
static void prepare(struct mp_batch_msg *v, struct num_msg *m,
		    unsigned int count, unsigned int first)
{
	memset(v, 0, count * sizeof(*v));
	for (unsigned int i = 0; i < count; i++) {
		m[i].mtype = 1;
		m[i].n = first + i;
		v[i].msgp = (uintptr_t)&m[i];
		v[i].msgsz = sizeof(m[i].n);
	}
}

/* Make @v room for @count messages in @m, marked as not received yet. */
static void room(struct mp_batch_msg *v, struct num_msg *m, unsigned int count)
{
	prepare(v, m, count, 0);
	for (unsigned int i = 0; i < count; i++)
		m[i].n = ~0U;
}

static void sender(void *unused __attribute__((unused)))
{
	static struct num_msg m[BATCH];
	static struct mp_batch_msg v[BATCH];
	struct num_msg one = { .mtype = 1 };
	double t;
	int n;

	t = ex_ms();
	for (unsigned int i = 0; i < TOTAL; i++) {
		one.n = i;
		MUST(mp_send(receiver_pid, &one, sizeof(one.n), 0));
	}
	say("sends messages 0..%d one at a time: %d calls of mp_send(), %.1f ms",
	    TOTAL - 1, TOTAL, ex_ms() - t);

	t = ex_ms();
	for (unsigned int b = 0; b < TOTAL / BATCH; b++) {
		prepare(v, m, BATCH, TOTAL + b * BATCH);
		n = MUST(mp_sendv(receiver_pid, v, BATCH, 0));
		if (n != BATCH)
			fail("batch %u: %d sent; expected %d", b + 1, n, BATCH);
	}
	say("sends messages %d..%d in batches of %d: %d calls of mp_sendv(), %.1f ms",
	    TOTAL, 2 * TOTAL - 1, BATCH, TOTAL / BATCH, ex_ms() - t);
}

/* Check that the @count entries received in @v, @m are messages @first... */
static void check_batch(const struct mp_batch_msg *v, const struct num_msg *m,
			int count, unsigned int first)
{
	for (int i = 0; i < count; i++)
		if (v[i].result != sizeof(m[i].n) || m[i].n != first + i)
			fail("entry %d: %lld bytes, message %u; expected message %u",
			     i, (long long)v[i].result, m[i].n, first + i);
}

static void over_a_link(void)
{
	static struct num_msg m[BATCH];
	static struct mp_batch_msg v[BATCH];
	struct num_msg one;
	pid_t child;
	double t;
	int n;

	child = ex_spawn("sender", sender, NULL);
	if (ex_wait(child, "the sender"))
		fail("the sender did not do what was expected");

	t = ex_ms();
	for (unsigned int i = 0; i < TOTAL; i++) {
		MUST(mp_receive(child, &one, sizeof(one.n), 0, IPC_NOWAIT));
		if (one.n != i)
			fail("message %u; expected %u", one.n, i);
	}
	say("takes messages 0..%d one at a time, in order: %d calls of mp_receive(), %.1f ms",
	    TOTAL - 1, TOTAL, ex_ms() - t);

	t = ex_ms();
	for (unsigned int b = 0; b < TOTAL / BATCH; b++) {
		room(v, m, BATCH);
		n = MUST(mp_receivev(child, v, BATCH, 0, IPC_NOWAIT));
		if (n != BATCH)
			fail("batch %u: %d received; expected %d", b + 1, n,
			     BATCH);
		check_batch(v, m, n, TOTAL + b * BATCH);
	}
	say("takes messages %d..%d in batches of %d, in order: %d calls of mp_receivev(), %.1f ms",
	    TOTAL, 2 * TOTAL - 1, BATCH, TOTAL / BATCH, ex_ms() - t);
	MUST_FAIL(ENOMSG, mp_receivev(child, v, BATCH, 0, IPC_NOWAIT));
	say("one more batch, with IPC_NOWAIT: %s: all %d arrived, each once",
	    ex_err(ENOMSG), 2 * TOTAL);
}

static void into_a_mailbox(void)
{
	static struct num_msg m[2 * BATCH], in[2 * BATCH];
	static struct mp_batch_msg v[2 * BATCH], rv[2 * BATCH];
	static struct mp_batch_msg big[1025];
	struct mp_attr attr = {
		.flags = MP_ATTR_CAPACITY,
		.capacity = BOX_CAPACITY,
	};
	int box, n;

	box = MUST(mp_msgget_attr(IPC_PRIVATE, NULL, IPC_CREAT | 0600, &attr));
	ex_remove_at_exit(box);
	say("creates mailbox B (id %d), which holds at most %d messages", box,
	    BOX_CAPACITY);

	prepare(v, m, 2 * BATCH, 0);
	n = MUST(mp_msgsndv(box, v, BATCH, IPC_NOWAIT));
	say("mp_msgsndv(B, messages 0..%d, IPC_NOWAIT): %d sent", BATCH - 1, n);
	if (n != BATCH)
		fail("expected %d", BATCH);
	n = MUST(mp_msgsndv(box, v + BATCH, BATCH, IPC_NOWAIT));
	say("mp_msgsndv(B, messages %d..%d, IPC_NOWAIT): %d sent; entry %d says %s",
	    BATCH, 2 * BATCH - 1, n, n, ex_err((int)-v[BATCH + n].result));
	if (n != BOX_CAPACITY - BATCH || v[BATCH + n].result != -EAGAIN)
		fail("expected %d sent and EAGAIN", BOX_CAPACITY - BATCH);

	room(rv, in, 2 * BATCH);
	n = MUST(mp_msgrcvv(box, rv, 2 * BATCH, 0, IPC_NOWAIT));
	say("mp_msgrcvv(B, room for %d): %d received, messages %u..%u",
	    2 * BATCH, n, in[0].n, in[n - 1].n);
	if (n != BOX_CAPACITY)
		fail("expected %d", BOX_CAPACITY);
	check_batch(rv, in, n, 0);

	n = MUST(mp_msgsndv(box, v + BOX_CAPACITY, 2 * BATCH - BOX_CAPACITY,
			    IPC_NOWAIT));
	say("sends the rest of the batch, from entry %d: %d sent",
	    BOX_CAPACITY - BATCH, n);
	room(rv, in, 2 * BATCH);
	n = MUST(mp_msgrcvv(box, rv, 2 * BATCH, 0, IPC_NOWAIT));
	say("mp_msgrcvv(B, room for %d): %d received, messages %u..%u",
	    2 * BATCH, n, in[0].n, in[n - 1].n);
	if (n != 2 * BATCH - BOX_CAPACITY)
		fail("expected %d", 2 * BATCH - BOX_CAPACITY);
	check_batch(rv, in, n, BOX_CAPACITY);

	MUST_FAIL(EINVAL, mp_msgsndv(box, big, 1025, IPC_NOWAIT));
	say("a batch of 1025 messages: %s: at most 1024 in one call",
	    ex_err(EINVAL));
	ex_remove(box);
}

int main(void)
{
	ex_start("receiver");
	ex_unprivileged();
	receiver_pid = getpid();
	MUST(mp_fd());

	note("1. %d messages over a link, one at a time, then %d more in batches of %d.",
	     TOTAL, TOTAL, BATCH);
	over_a_link();

	note("2. Batches into a mailbox that holds %d messages.", BOX_CAPACITY);
	into_a_mailbox();
	return 0;
}

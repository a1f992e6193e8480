// SPDX-License-Identifier: MIT
/*
 * rendezvous: a zero-capacity mailbox holds no message, so every send
 * waits until a receiver takes the message. When both sides have
 * blocked, sender and receiver meet: the textbook's rendezvous.
 *
 * Times are milliseconds since the program started (CLOCK_MONOTONIC,
 * shared by both processes).
 *
 *  1. The sender comes first: its send blocks until the receiver comes.
 *  2. The receiver comes first: the send hands the message straight over.
 *  3. A non-blocking send (IPC_NOWAIT) succeeds only if a receiver is
 *     already waiting; otherwise it fails with EAGAIN.
 *  4. MP_SEND_SYNC gives the same meeting on a mailbox with room: the
 *     message waits in the queue and its sender waits with it.
 *
 * The receiver (main) owns the mailboxes; the sender is its child.
 */
#include "example.h"

#define DELAY_MS	500	/* how late the other side comes */
#define SLACK_MS	100	/* timers may fire a little early or late */

static int zero, roomy;		/* capacity 0, capacity 8 */
static int go[2], done[2];	/* main <-> sender: start a part, part done */

static void expect_waited(double ms, const char *what)
{
	if (ms < DELAY_MS - SLACK_MS)
		fail("%s took %.0f ms; expected about %d ms", what, ms,
		     DELAY_MS);
}

static void sender(void *unused __attribute__((unused)))
{
	struct mp_sendopt sync = { .flags = MP_SEND_SYNC };
	struct ex_msg m = { .mtype = 1 };
	double t, d;

	/* 1: the sender comes first. */
	ex_take(go);
	t = ex_ms();
	say("t=%4.0f sends 'ping 1' to zero-capacity mailbox Z and blocks: nobody receives yet",
	    t);
	MUST(ex_send(zero, 1, "ping 1", 0));
	d = ex_ms() - t;
	say("t=%4.0f send returns: the receiver has taken 'ping 1' (blocked %.0f ms)",
	    t + d, d);
	expect_waited(d, "the send");
	ex_post(done, 1);

	/* 2: the receiver comes first. */
	ex_take(go);
	ex_sleep_ms(DELAY_MS);
	t = ex_ms();
	say("t=%4.0f sends 'ping 2': a receiver is already waiting", t);
	MUST(ex_send(zero, 1, "ping 2", 0));
	d = ex_ms() - t;
	say("t=%4.0f send returns after %.0f ms: handed straight to the receiver",
	    t + d, d);
	ex_post(done, 2);

	/* 3: non-blocking sends. */
	ex_take(go);
	MUST_FAIL(EAGAIN, mp_msgsnd(zero, &m, 0, IPC_NOWAIT));
	say("t=%4.0f sends with IPC_NOWAIT, nobody waiting: %s", ex_ms(),
	    ex_err(EAGAIN));
	ex_post(done, 3);
	say("t=%4.0f sees %u receiver waiting on Z; sends 'ping 3' with IPC_NOWAIT",
	    ex_ms(), ex_wait_sleeper(zero, 0));
	MUST(ex_send(zero, 1, "ping 3", IPC_NOWAIT));
	say("t=%4.0f the non-blocking send succeeded", ex_ms());

	/* 4: MP_SEND_SYNC on a mailbox with room. */
	ex_take(go);
	t = ex_ms();
	say("t=%4.0f sends 'ping 4' to mailbox B (capacity 8) with MP_SEND_SYNC", t);
	strcpy(m.mtext, "ping 4");
	MUST(mp_msgsnd_ext(roomy, &m, strlen(m.mtext), 0, &sync));
	d = ex_ms() - t;
	say("t=%4.0f synchronous send returns: the receiver has taken 'ping 4' (blocked %.0f ms)",
	    t + d, d);
	expect_waited(d, "the synchronous send");
}

/*
 * Receive @text from @id; @sync: whether its sender is waiting for it
 * (MP_MSG_SYNC in the header). Returns how long the receive waited, in ms.
 */
static double receive(int id, const char *mbox, const char *text, int sync)
{
	struct mp_msghdr h;
	struct ex_msg m;
	double t = ex_ms(), d;

	say("t=%4.0f receives from mailbox %s", t, mbox);
	MUST(ex_recv(id, &m, 0, 0, &h));
	d = ex_ms() - t;
	say("t=%4.0f got '%s' (waited %.0f ms)%s", t + d, m.mtext, d,
	    h.flags & MP_MSG_SYNC ? "; its sender was waiting for it" : "");
	ex_expect_text(m.mtext, text);
	if (!(h.flags & MP_MSG_SYNC) != !sync)
		fail("MP_MSG_SYNC is %s in the header; expected it %s",
		     h.flags & MP_MSG_SYNC ? "set" : "clear",
		     sync ? "set" : "clear");
	return d;
}

int main(void)
{
	struct mp_attr attr = {
		.flags = MP_ATTR_CAPACITY,
		.kind = MP_KIND_QUEUE,
		.lifetime = MP_LIFETIME_SYSTEM,
	};
	struct mp_mbox_info info;
	pid_t child;

	ex_start("receiver");
	ex_unprivileged();

	attr.capacity = 0;
	zero = MUST(mp_msgget_attr(IPC_PRIVATE, NULL, IPC_CREAT | 0600, &attr));
	ex_remove_at_exit(zero);
	attr.capacity = 8;
	roomy = MUST(mp_msgget_attr(IPC_PRIVATE, NULL, IPC_CREAT | 0600, &attr));
	ex_remove_at_exit(roomy);
	say("creates mailbox Z (id %d) with capacity 0, and mailbox B (id %d) with capacity 8",
	    zero, roomy);

	ex_pipe(go);
	ex_pipe(done);
	child = ex_spawn("sender", sender, NULL);

	note("1. The sender comes first, the receiver %d ms later.", DELAY_MS);
	ex_post(go, 1);
	ex_sleep_ms(DELAY_MS);
	receive(zero, "Z", "ping 1", 1);
	ex_take(done);

	note("2. The receiver comes first, the sender %d ms later.", DELAY_MS);
	ex_post(go, 2);
	expect_waited(receive(zero, "Z", "ping 2", 0), "the receive");
	ex_take(done);

	note("3. Non-blocking sends to a zero-capacity mailbox.");
	ex_post(go, 3);
	ex_take(done);
	receive(zero, "Z", "ping 3", 0);

	note("4. A synchronous send to a mailbox with room.");
	ex_post(go, 4);
	ex_sleep_ms(DELAY_MS);
	MUST(mp_mbox_info(roomy, &info));
	say("t=%4.0f mailbox B holds %llu message, and %u sender waits for it to be taken",
	    ex_ms(), (unsigned long long)info.qnum, info.waiting_senders);
	if (info.qnum != 1 || info.waiting_senders != 1)
		fail("expected 1 message queued and 1 sender waiting");
	receive(roomy, "B", "ping 4", 1);

	if (ex_wait(child, "the sender"))
		fail("the sender did not see what was expected");
	ex_remove(zero);
	ex_remove(roomy);
	return 0;
}

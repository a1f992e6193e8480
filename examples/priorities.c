// SPDX-License-Identifier: MIT
/*
 * priorities: the message header, and one receive call that combines
 * priority order, a lowest priority, a non-destructive peek, a timeout
 * and the System V type selection.
 *
 * A sender process sends five messages with mp_msgsnd_ext() and
 * priorities 0 to 200, then exits: its messages stay queued in the
 * mailbox, which belongs to main. Main then
 *
 *  1. peeks at the next message (MP_RECV_PEEK): it stays queued;
 *  2. takes only the urgent ones (MP_RECV_MIN_PRIO 10), highest priority
 *     first, in send order within a priority, until ENOMSG;
 *  3. takes the rest by System V type: the lowest type <= 3 first;
 *  4. waits 200 ms for a message that does not come (MP_RECV_TIMEOUT):
 *     ETIMEDOUT.
 *
 * Every message's header says who sent it, when, its sequence number in
 * the mailbox (send order) and its priority; the kernel stamps them all.
 */
#include "example.h"

static int box;

static const struct {
	long type;
	unsigned int prio;
	const char *text;
} letters[] = {
	{ 3, 0, "routine report" },
	{ 1, 10, "meeting moved" },
	{ 2, 200, "fire alarm" },
	{ 1, 0, "lunch menu" },
	{ 2, 10, "server restarted" },
};

#define N_LETTERS	(sizeof(letters) / sizeof(letters[0]))

static void sender(void *unused __attribute__((unused)))
{
	struct mp_sendopt opt = { 0 };
	struct ex_msg m;

	for (size_t i = 0; i < N_LETTERS; i++) {
		m.mtype = letters[i].type;
		snprintf(m.mtext, sizeof(m.mtext), "%s", letters[i].text);
		opt.priority = letters[i].prio;
		say("sends '%s' (type %ld, priority %u)", m.mtext, m.mtype,
		    opt.priority);
		MUST(mp_msgsnd_ext(box, &m, strlen(m.mtext), 0, &opt));
	}
	say("exits; its messages stay in the mailbox");
}

/* Take one message; check that it is @want. */
static void take(long type, int flags, const struct mp_recvopt *opt,
		 const char *how, const char *want)
{
	struct mp_msghdr h;
	struct ex_msg m;
	ssize_t n;

	n = MUST(mp_msgrcv_ext(box, &m, sizeof(m.mtext) - 1, type, flags, opt,
			       &h));
	m.mtext[n] = '\0';
	say("%s: '%s' (type %lld, priority %u, seq %llu, %llu bytes, from pid %d uid %u)",
	    how, m.mtext, (long long)h.type, h.priority,
	    (unsigned long long)h.seq, (unsigned long long)h.len,
	    h.sender_pid, h.sender_uid);
	ex_expect_text(m.mtext, want);
	if (h.type != m.mtype || h.len != (unsigned long long)n ||
	    h.receiver != box)
		fail("the header does not match the message");
}

int main(void)
{
	struct mp_recvopt peek = { .flags = MP_RECV_PEEK };
	struct mp_recvopt urgent = {
		.flags = MP_RECV_MIN_PRIO,
		.min_priority = 10,
	};
	struct mp_recvopt wait = {
		.flags = MP_RECV_TIMEOUT,
		.timeout_ns = 200 * 1000000ULL,
	};
	struct ex_msg m;
	double t;

	ex_start("main");
	ex_unprivileged();
	box = MUST(mp_msgget(IPC_PRIVATE, IPC_CREAT | 0600));
	ex_remove_at_exit(box);
	say("creates mailbox (id %d)", box);

	if (ex_wait(ex_spawn("sender", sender, NULL), "the sender"))
		fail("the sender did not do what was expected");

	note("1. Peek: the next message is copied and stays queued.");
	take(0, 0, &peek, "peeks", "fire alarm");
	take(0, 0, &peek, "peeks again", "fire alarm");

	note("2. Only priority 10 and above: highest first, send order within a priority.");
	take(0, IPC_NOWAIT, &urgent, "takes", "fire alarm");
	take(0, IPC_NOWAIT, &urgent, "takes", "meeting moved");
	take(0, IPC_NOWAIT, &urgent, "takes", "server restarted");
	MUST_FAIL(ENOMSG, mp_msgrcv_ext(box, &m, sizeof(m.mtext), 0,
					IPC_NOWAIT, &urgent, NULL));
	say("asks for one more of priority >= 10: %s", ex_err(ENOMSG));

	note("3. By System V type: msgtyp -3 takes the lowest type <= 3 first.");
	take(-3, IPC_NOWAIT, NULL, "takes", "lunch menu");
	take(-3, IPC_NOWAIT, NULL, "takes", "routine report");

	note("4. A receive with a 200 ms timeout on the empty mailbox.");
	t = ex_ms();
	MUST_FAIL(ETIMEDOUT, mp_msgrcv_ext(box, &m, sizeof(m.mtext), 0, 0,
					   &wait, NULL));
	say("receive gave up after %.0f ms: %s", ex_ms() - t,
	    ex_err(ETIMEDOUT));
	if (ex_ms() - t < 150)
		fail("the timeout fired early");

	ex_remove(box);
	return 0;
}

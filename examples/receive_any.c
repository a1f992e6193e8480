// SPDX-License-Identifier: MIT
/*
 * receive_any: one receiver, three senders. Receive(P) takes only what
 * came over the link from process P; Receive(ANY) (mp_receive() with
 * MP_ANY) takes the next message from any link: the highest priority
 * first, and in order of arrival across the links.
 *
 *	A --- link A->R ---+
 *	B --- link B->R ---+---> R's inbox (R is main)
 *	C --- link C->R ---+
 *
 * R sets the senders' turns, so the order of arrival is known:
 * a1 b1 c1 a2 b2 c2, then 'b3 urgent', which B sends with priority 200.
 * Then R
 *
 *  1. takes Receive(C) twice: c1, c2, from C's link alone, though older
 *     messages from A and B wait; a third Receive(C) finds nothing
 *     (ENOMSG with IPC_NOWAIT), though four messages wait;
 *  2. takes Receive(ANY) until the inbox is empty: 'b3 urgent' first (the
 *     highest priority, though it came last), then a1 b1 a2 b2;
 *  3. waits for its inbox with poll() on its msgpass descriptor (mp_fd()),
 *     which is readable when a message is there, until C sends again.
 *
 * Every header says which link a message came over (its sender pid) and
 * its number on that link: each link counts 1, 2, 3, ... on its own.
 */
#include "example.h"

#define SENDERS		3
#define LATE_MS		300	/* how late C's last message comes */

static const struct {
	int who;		/* 0 A, 1 B, 2 C */
	const char *text;
	unsigned int prio;
	unsigned long long seq;	/* its number on its link */
} script[] = {
	{ 0, "a1", 0, 1 }, { 1, "b1", 0, 1 }, { 2, "c1", 0, 1 },
	{ 0, "a2", 0, 2 }, { 1, "b2", 0, 2 }, { 2, "c2", 0, 2 },
	{ 1, "b3 urgent", 200, 3 },
	{ 2, "c3", 0, 3 },	/* part 3, after LATE_MS */
};

#define LATE	7		/* the index of c3 */

static const char *names[SENDERS] = { "A", "B", "C" };
static pid_t pids[SENDERS];
static int go[SENDERS][2], done[2];
static pid_t r_pid;

/* A sender: send each line of the script R names, until R says -1. */
static void sender(void *arg)
{
	int me = (int)(long)arg;
	struct mp_sendopt opt = { 0 };
	struct ex_msg m = { .mtype = 1 };
	long i;

	MUST(mp_fd());			/* an endpoint, before R may need it */
	ex_post(done, 0);
	while ((i = ex_take(go[me])) >= 0) {
		if (i == LATE)
			ex_sleep_ms(LATE_MS);
		snprintf(m.mtext, sizeof(m.mtext), "%s", script[i].text);
		opt.priority = script[i].prio;
		say("Send(R, '%s')%s", m.mtext,
		    opt.priority ? ", priority 200" : "");
		MUST(mp_send_ext(r_pid, &m, strlen(m.mtext), 0, &opt));
		ex_post(done, i);
	}
}

/* Which sender @pid is. */
static const char *name_of(pid_t pid)
{
	for (int i = 0; i < SENDERS; i++)
		if (pids[i] == pid)
			return names[i];
	return "?";
}

/* Receive(@from) with @flags: it must be script line @want. */
static void take(pid_t from, int flags, int want)
{
	struct mp_msghdr h;
	struct ex_msg m;
	ssize_t n;

	n = MUST(mp_receive_ext(from, &m, sizeof(m.mtext) - 1, 0, flags, NULL,
				&h));
	m.mtext[n] = '\0';
	say("Receive(%s) gets '%s' from %s (pid %d): message %llu of its link, priority %u",
	    from == MP_ANY ? "ANY" : name_of(from), m.mtext,
	    name_of(h.sender_pid), h.sender_pid, (unsigned long long)h.seq,
	    h.priority);
	ex_expect_text(m.mtext, script[want].text);
	if (h.sender_pid != pids[script[want].who] ||
	    h.seq != script[want].seq || h.priority != script[want].prio)
		fail("the header does not match what %s sent",
		     names[script[want].who]);
}

int main(void)
{
	struct pollfd pfd;
	struct ex_msg m;
	int failed = 0;
	double t;

	ex_start("R");
	ex_unprivileged();
	r_pid = getpid();
	MUST(mp_fd());
	say("the receiver: its inbox takes whatever is sent to pid %d",
	    (int)r_pid);
	ex_pipe(done);
	for (long i = 0; i < SENDERS; i++) {
		ex_pipe(go[i]);
		pids[i] = ex_spawn(names[i], sender, (void *)i);
		ex_take(done);
	}

	for (int i = 0; i < LATE; i++) {
		ex_post(go[script[i].who], i);
		ex_take(done);
	}

	note("1. Receive(C): only what came over the link from C.");
	take(pids[2], 0, 2);
	take(pids[2], 0, 5);
	MUST_FAIL(ENOMSG, mp_receive(pids[2], &m, sizeof(m.mtext), 0,
				     IPC_NOWAIT));
	say("Receive(C) again, with IPC_NOWAIT: %s, though 4 messages from A and B wait",
	    ex_err(ENOMSG));

	note("2. Receive(ANY): highest priority first, then in order of arrival.");
	take(MP_ANY, 0, 6);
	take(MP_ANY, 0, 0);
	take(MP_ANY, 0, 1);
	take(MP_ANY, 0, 3);
	take(MP_ANY, 0, 4);
	MUST_FAIL(ENOMSG, mp_receive(MP_ANY, &m, sizeof(m.mtext), 0,
				     IPC_NOWAIT));
	say("Receive(ANY) again, with IPC_NOWAIT: %s: the inbox is empty",
	    ex_err(ENOMSG));

	note("3. Waiting for the inbox with poll() on mp_fd().");
	pfd.fd = mp_fd();
	pfd.events = POLLIN;
	if (poll(&pfd, 1, 0) != 0)
		fail("the empty inbox polls readable");
	say("polls its msgpass descriptor: not readable, the inbox is empty; waits");
	ex_post(go[2], LATE);
	t = ex_ms();
	if (poll(&pfd, 1, -1) != 1 || !(pfd.revents & POLLIN))
		fail("poll: %s, revents %#x", ex_err(errno), pfd.revents);
	say("poll returns after %.0f ms: readable, a message is in the inbox",
	    ex_ms() - t);
	take(MP_ANY, IPC_NOWAIT, LATE);
	ex_take(done);

	for (int i = 0; i < SENDERS; i++)
		ex_post(go[i], -1);
	for (int i = 0; i < SENDERS; i++)
		failed |= ex_wait(pids[i], "a sender");
	if (failed)
		fail("a sender did not do what was expected");
	return 0;
}

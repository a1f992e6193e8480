// SPDX-License-Identifier: MIT
/*
 * direct_link: direct communication. Processes name each other:
 * Send(P, message) sends a message to process P, Receive(Q, message)
 * receives a message from process Q.
 *
 *	P (main) ---- link P->Q ----> Q (child)
 *	P        <--- link Q->P -----
 *
 * Every process that uses msgpass is an endpoint, named by its pid, with
 * one inbox. A link is one-way, at most one per ordered pair of
 * processes, made by the first send over it; it numbers its messages 1,
 * 2, 3, ... in send order, so the two links here count separately.
 *
 *  1. Q has not used msgpass yet: it is no endpoint, and a send to it
 *     fails with ESRCH. (After fork() a child is a process of its own: it
 *     does not share its parent's endpoint.)
 *  2. Three round trips: P sends 'ping k' with mp_send(Q), Q takes it
 *     with mp_receive(P) and answers 'pong k' with mp_send(P).
 *     mp_links() shows the two links and their counts.
 *  3. Q sends two more messages and exits. Its inbox, and with it the
 *     link P->Q, is gone; its messages to P stay, and P receives them by
 *     Q's pid after Q has ended.
 *  4. A send to Q, now gone: ESRCH.
 */
#include "example.h"

#define ROUNDS	3

static pid_t p_pid;
static int to_q[2], to_p[2];	/* P -> Q, Q -> P: go on */

/* Send(@to, @text). */
static int send_to(pid_t to, const char *text)
{
	struct ex_msg m = { .mtype = 1 };

	snprintf(m.mtext, sizeof(m.mtext), "%s", text);
	return mp_send(to, &m, strlen(m.mtext), 0);
}

/* Receive(@from): it must be @want, message @seq of the link. */
static void receive_from(pid_t from, const char *want, unsigned long long seq)
{
	struct mp_msghdr h;
	struct ex_msg m;
	ssize_t n;

	n = MUST(mp_receive_ext(from, &m, sizeof(m.mtext) - 1, 0, 0, NULL, &h));
	m.mtext[n] = '\0';
	say("Receive(%d) gets '%s': sent by pid %d to pid %d, message %llu of link %d->%d",
	    (int)from, m.mtext, h.sender_pid, h.receiver,
	    (unsigned long long)h.seq, h.sender_pid, h.receiver);
	ex_expect_text(m.mtext, want);
	if (h.sender_pid != from || h.receiver != getpid())
		fail("the header says %d -> %d; expected %d -> %d",
		     h.sender_pid, h.receiver, (int)from, (int)getpid());
	if (h.seq != seq)
		fail("sequence number %llu; expected %llu",
		     (unsigned long long)h.seq, seq);
}

static void q_process(void *unused __attribute__((unused)))
{
	char text[32];

	ex_take(to_q);			/* P has tried to send too early */
	MUST(mp_fd());
	say("opens /dev/msgpass: now an endpoint, named by its pid %d",
	    (int)getpid());
	ex_post(to_p, 0);

	for (int k = 1; k <= ROUNDS; k++) {
		snprintf(text, sizeof(text), "ping %d", k);
		receive_from(p_pid, text, k);
		snprintf(text, sizeof(text), "pong %d", k);
		say("Send(%d, '%s')", (int)p_pid, text);
		MUST(send_to(p_pid, text));
	}

	ex_take(to_q);			/* P has listed the links */
	MUST(send_to(p_pid, "bye 1"));
	MUST(send_to(p_pid, "bye 2"));
	say("Send(%d, 'bye 1'), Send(%d, 'bye 2'), and exits without waiting for P to receive them",
	    (int)p_pid, (int)p_pid);
}

/* List the links into and out of P; return how many there are. */
static size_t list_links(void)
{
	struct mp_link_info li[8];
	size_t total = 0;
	ssize_t n;

	n = MUST(mp_links(0, MP_LINKS_IN | MP_LINKS_OUT, li, 8, &total));
	for (ssize_t i = 0; i < n; i++)
		say("  link %d->%d: %llu sent, %llu received, %llu waiting%s",
		    li[i].from, li[i].to, (unsigned long long)li[i].sent,
		    (unsigned long long)li[i].received,
		    (unsigned long long)li[i].qnum,
		    li[i].flags & MP_LINK_SENDER_GONE ?
		    " (its sender has ended)" : "");
	return total;
}

int main(void)
{
	char text[32];
	pid_t q;

	ex_start("P");
	ex_unprivileged();
	p_pid = getpid();
	MUST(mp_fd());
	say("opens /dev/msgpass: an endpoint, named by its pid %d", (int)p_pid);
	ex_pipe(to_q);
	ex_pipe(to_p);
	q = ex_spawn("Q", q_process, NULL);

	note("1. Q, just forked, has not used msgpass yet.");
	MUST_FAIL(ESRCH, send_to(q, "too early"));
	say("Send(%d, 'too early'): %s: Q is no endpoint yet (a forked child does not share its parent's)",
	    (int)q, ex_err(ESRCH));
	ex_post(to_q, 1);
	ex_take(to_p);

	note("2. Three round trips: a link each way, each numbering its own messages.");
	for (int k = 1; k <= ROUNDS; k++) {
		snprintf(text, sizeof(text), "ping %d", k);
		say("Send(%d, '%s')", (int)q, text);
		MUST(send_to(q, text));
		snprintf(text, sizeof(text), "pong %d", k);
		receive_from(q, text, k);
	}
	say("mp_links() lists the links into and out of P:");
	if (list_links() != 2)
		fail("expected 2 links");

	note("3. Q sends two more messages, and ends.");
	ex_post(to_q, 2);
	if (ex_wait(q, "Q"))
		fail("Q did not see what was expected");
	say("Q has ended; its inbox went with it, and so did the link into it:");
	if (list_links() != 1)
		fail("expected 1 link");
	receive_from(q, "bye 1", ROUNDS + 1);
	receive_from(q, "bye 2", ROUNDS + 2);
	say("(link Q->P went on counting where the pongs stopped: %d and %d)",
	    ROUNDS + 1, ROUNDS + 2);

	note("4. Q is gone.");
	MUST_FAIL(ESRCH, send_to(q, "anyone there?"));
	say("Send(%d, 'anyone there?'): %s: no process %d uses msgpass any more",
	    (int)q, ex_err(ESRCH), (int)q);
	return 0;
}

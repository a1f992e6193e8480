// SPDX-License-Identifier: MIT
/*
 * peer_death: being told when a peer goes away. A process asks to be
 * sent a message when a process ends (mp_watch_process()) or when a
 * mailbox goes (mp_watch_mbox()). The note comes exactly once, as an
 * ordinary message sent by the kernel (sender pid 0), whose body is a
 * struct mp_death_note: what went, why, and the cookie given with the
 * watch.
 *
 * main watches
 *	worker W (a process)            -> note to main's inbox   MP_GONE_EXIT
 *	mailbox M, owned by W           -> note to main's inbox   MP_GONE_OWNER_EXIT
 *	mailbox S                       -> note to mailbox N      MP_GONE_REMOVED
 *	helper H, then unwatches it     -> no note
 *
 *  1. main removes S (IPC_RMID): its note arrives in mailbox N.
 *  2. W is killed (SIGKILL): the kernel ends its endpoint and removes M,
 *     which lived as long as its owner; two notes arrive in main's inbox.
 *  3. H exits: no note, its watch was cancelled. And no note came twice.
 *  4. Watching W now fails with ESRCH: it is gone; its watch ended when
 *     it fired (ENOENT to cancel it).
 */
#include "example.h"

#define NOTE_TYPE	1

enum { COOKIE_W = 101, COOKIE_M, COOKIE_S, COOKIE_H };

struct note_msg {
	long mtype;
	struct mp_death_note note;
};

static int to_main[2], to_w[2], to_h[2];

static void worker(void *unused __attribute__((unused)))
{
	struct mp_attr attr = {
		.kind = MP_KIND_QUEUE,
		.lifetime = MP_LIFETIME_PROCESS,
	};
	int m;

	m = MUST(mp_msgget_attr(IPC_PRIVATE, NULL, IPC_CREAT | 0622, &attr));
	say("makes mailbox M (id %d), which lives as long as I do", m);
	ex_post(to_main, m);
	say("works, until something happens to it");
	ex_take(to_w);			/* never comes: W is killed */
}

static void helper(void *unused __attribute__((unused)))
{
	MUST(mp_fd());
	ex_post(to_main, 0);
	ex_take(to_h);
	say("exits");
}

static const char *reason_name(unsigned int reason)
{
	switch (reason) {
	case MP_GONE_EXIT:		return "MP_GONE_EXIT";
	case MP_GONE_REMOVED:		return "MP_GONE_REMOVED";
	case MP_GONE_OWNER_EXIT:	return "MP_GONE_OWNER_EXIT";
	default:			return "?";
	}
}

/* The notes seen, by cookie; and what each should say. */
static int seen[COOKIE_H + 1];
static struct {
	unsigned int kind;
	int target;
	unsigned int reason;
} expected[COOKIE_H + 1];

/* Receive a note from mailbox @box, or the inbox when @box is -1; check it. */
static void take_note(int box)
{
	struct mp_death_note *d;
	struct note_msg n;
	struct mp_msghdr h;
	ssize_t len;

	if (box < 0)
		len = MUST(mp_receive_ext(MP_ANY, &n, sizeof(n.note), 0, 0,
					  NULL, &h));
	else
		len = MUST(mp_msgrcv_ext(box, &n, sizeof(n.note), 0, 0, NULL,
					 &h));
	d = &n.note;
	say("note (type %ld, from pid %d: the kernel) in %s: %s %d gone, %s, cookie %llu",
	    n.mtype, h.sender_pid, box < 0 ? "my inbox" : "mailbox N",
	    d->kind == MP_WATCH_PROCESS ? "process" : "mailbox", d->target,
	    reason_name(d->reason), (unsigned long long)d->cookie);
	if (len != sizeof(*d) || n.mtype != NOTE_TYPE || h.sender_pid != 0)
		fail("that is not a note");
	if (d->cookie < COOKIE_W || d->cookie > COOKIE_H)
		fail("no watch has cookie %llu", (unsigned long long)d->cookie);
	if (seen[d->cookie]++)
		fail("the note for cookie %llu came twice",
		     (unsigned long long)d->cookie);
	if (d->kind != expected[d->cookie].kind ||
	    d->target != expected[d->cookie].target ||
	    d->reason != expected[d->cookie].reason)
		fail("expected %s %d, %s",
		     expected[d->cookie].kind == MP_WATCH_PROCESS ?
		     "process" : "mailbox", expected[d->cookie].target,
		     reason_name(expected[d->cookie].reason));
}

/* Reap @pid, which was killed with SIGKILL. */
static void reap_killed(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid)
		fail("waitpid W: %s", ex_err(errno));
	for (size_t i = 0; i < sizeof(ex_children) / sizeof(ex_children[0]); i++)
		if (ex_children[i].pid == pid)
			ex_children[i].pid = 0;
	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL)
		fail("W was not killed");
}

int main(void)
{
	struct note_msg n;
	pid_t w, hp;
	int m, s, nbox;

	ex_start("main");
	ex_unprivileged();
	nbox = MUST(mp_msgget(IPC_PRIVATE, IPC_CREAT | 0600));
	ex_remove_at_exit(nbox);
	s = MUST(mp_msgget(IPC_PRIVATE, IPC_CREAT | 0600));
	ex_remove_at_exit(s);
	say("makes mailbox S (id %d), and mailbox N (id %d) for notes", s, nbox);
	ex_pipe(to_main);
	ex_pipe(to_w);
	ex_pipe(to_h);
	w = ex_spawn("W", worker, NULL);
	m = ex_take(to_main);
	hp = ex_spawn("H", helper, NULL);
	ex_take(to_main);

	MUST(mp_watch_process(w, NOTE_TYPE, COOKIE_W, -1));
	expected[COOKIE_W].kind = MP_WATCH_PROCESS;
	expected[COOKIE_W].target = w;
	expected[COOKIE_W].reason = MP_GONE_EXIT;
	say("watches process W (pid %d), cookie %d: note to my inbox", (int)w,
	    COOKIE_W);
	MUST(mp_watch_mbox(m, NOTE_TYPE, COOKIE_M, -1));
	expected[COOKIE_M].kind = MP_WATCH_MAILBOX;
	expected[COOKIE_M].target = m;
	expected[COOKIE_M].reason = MP_GONE_OWNER_EXIT;
	say("watches mailbox M (id %d), cookie %d: note to my inbox", m,
	    COOKIE_M);
	MUST(mp_watch_mbox(s, NOTE_TYPE, COOKIE_S, nbox));
	expected[COOKIE_S].kind = MP_WATCH_MAILBOX;
	expected[COOKIE_S].target = s;
	expected[COOKIE_S].reason = MP_GONE_REMOVED;
	say("watches mailbox S (id %d), cookie %d: note to mailbox N", s,
	    COOKIE_S);
	MUST(mp_watch_process(hp, NOTE_TYPE, COOKIE_H, -1));
	MUST(mp_unwatch_process(hp));
	say("watches process H (pid %d), cookie %d, and cancels that watch",
	    (int)hp, COOKIE_H);

	note("1. main removes S.");
	ex_remove(s);
	say("removes S");
	take_note(nbox);

	note("2. W is killed.");
	kill(w, SIGKILL);
	reap_killed(w);
	say("has killed W (pid %d); M went with it", (int)w);
	take_note(-1);
	take_note(-1);

	note("3. H exits; nothing more comes.");
	ex_post(to_h, 1);
	if (ex_wait(hp, "H"))
		fail("H did not do what was expected");
	MUST_FAIL(ENOMSG, mp_receive(MP_ANY, &n, sizeof(n.note), 0, IPC_NOWAIT));
	MUST_FAIL(ENOMSG, mp_msgrcv(nbox, &n, sizeof(n.note), 0, IPC_NOWAIT));
	say("looks for more notes: %s in my inbox and in N: one note per watch, none for H",
	    ex_err(ENOMSG));
	if (!seen[COOKIE_W] || !seen[COOKIE_M] || !seen[COOKIE_S] ||
	    seen[COOKIE_H])
		fail("a note is missing, or H's came");

	note("4. Too late.");
	MUST_FAIL(ESRCH, mp_watch_process(w, NOTE_TYPE, COOKIE_W, -1));
	say("watches W again: %s: no such process uses msgpass", ex_err(ESRCH));
	MUST_FAIL(ENOENT, mp_unwatch_process(w));
	say("cancels its watch on W: %s: the watch ended when it fired",
	    ex_err(ENOENT));
	MUST_FAIL(EINVAL, mp_watch_mbox(m, NOTE_TYPE, COOKIE_M, -1));
	say("watches M again: %s: no such mailbox", ex_err(EINVAL));
	ex_remove(nbox);
	return 0;
}

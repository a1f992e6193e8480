// SPDX-License-Identifier: MIT
/*
 * shared_mailboxes: the textbook's figure of indirect communication.
 *
 *	        +-------------+
 *	  A ----| mailbox  Q  |---- B        A, B and C share mailbox Q.
 *	  |     +-------------+              A and C also share mailbox P.
 *	  |            |
 *	  |     +-------------+              A and C can talk through P or Q;
 *	  +-----| mailbox  P  |---- C        B and C, and A and B, through Q
 *	        +-------------+              only. Without a shared mailbox
 *	                                     there is no communication.
 *
 * Q and P are System V style mailboxes (made by mp_msgget()): their mode
 * bits say who may send (write) and receive (read). Q is mode 0666, so
 * everyone shares it; P is mode 0660 with group 2000, and only A and C
 * are in that group. Sharing a mailbox means having the right to use it:
 * B can guess P's ID, and is still refused.
 *
 * On a shared mailbox, the message type says whom a message is for:
 * type 1 is for A, 2 for B, 3 for C. Each receives only its own type.
 *
 * Run as root, A, B and C become uids 1001, 1002 and 1003. Run as an
 * ordinary user they all keep the caller's uid, and B's refusal (which
 * needs B to be someone else) is skipped.
 */
#include "example.h"

#define GROUP_AC	2000	/* the group that shares P */

enum { TYPE_A = 1, TYPE_B = 2, TYPE_C = 3 };

struct scene {
	int q, p;		/* the two mailboxes */
	pid_t a, b, c;		/* the three processes */
	int privileged;		/* they run as different users */
	int go[3][2];		/* main -> A, B, C: the cast is known */
};

static struct scene S;

static const char *who(pid_t pid)
{
	return pid == S.a ? "A" : pid == S.b ? "B" : pid == S.c ? "C" : "?";
}

/* Take the pids of the others from main, and become our own user. */
static void enter(int idx, uid_t uid, gid_t gid)
{
	S.a = ex_take(S.go[idx]);
	S.b = ex_take(S.go[idx]);
	S.c = ex_take(S.go[idx]);
	if (S.privileged) {
		ex_become(uid, gid);
		say("runs as uid %d gid %d", (int)uid, (int)gid);
	}
}

/* Receive the message of type @type from @id; check text and sender. */
static void receive_from(int id, const char *mbox, long type, pid_t from,
		    const char *text)
{
	struct mp_msghdr h;
	struct ex_msg m;

	MUST(ex_recv(id, &m, type, 0, &h));
	say("receives '%s' from mailbox %s: sent by %s (pid %d, uid %u)",
	    m.mtext, mbox, who(h.sender_pid), h.sender_pid, h.sender_uid);
	ex_expect_text(m.mtext, text);
	if (h.sender_pid != from)
		fail("the kernel says pid %d sent it; expected %d",
		     h.sender_pid, (int)from);
}

static void send_to(int id, const char *mbox, long type, const char *text)
{
	say("sends '%s' to mailbox %s (id %d) as type %ld", text, mbox, id,
	    type);
	MUST(ex_send(id, type, text, 0));
}

static void process_a(void *unused __attribute__((unused)))
{
	enter(0, 1001, GROUP_AC);
	send_to(S.q, "Q", TYPE_B, "hello B, this is A");
	send_to(S.q, "Q", TYPE_C, "hello C, this is A");
	send_to(S.p, "P", TYPE_C, "C, A here: a word just for you");
	receive_from(S.p, "P", TYPE_A, S.c, "A, C here: got it, thanks");
	receive_from(S.q, "Q", TYPE_A, S.b, "hi A, B here");
}

static void process_b(void *unused __attribute__((unused)))
{
	struct ex_msg m = { .mtype = TYPE_C };

	enter(1, 1002, 1002);
	receive_from(S.q, "Q", TYPE_B, S.a, "hello B, this is A");
	send_to(S.q, "Q", TYPE_A, "hi A, B here");
	send_to(S.q, "Q", TYPE_C, "hi C, B here");

	if (!S.privileged) {
		say("(not root: B runs as the same user as A and C, so it cannot be shown being refused P)");
		return;
	}
	say("does not share mailbox P, but guesses its ID (%d) and tries it:",
	    S.p);
	MUST_FAIL(EACCES, mp_msgsnd(S.p, &m, 0, IPC_NOWAIT));
	say("  send to P: %s", ex_err(EACCES));
	MUST_FAIL(EACCES, mp_msgrcv(S.p, &m, sizeof(m.mtext), 0, IPC_NOWAIT));
	say("  receive from P: %s", ex_err(EACCES));
}

static void process_c(void *unused __attribute__((unused)))
{
	struct mp_msghdr h;
	struct ex_msg m;
	int from_a = 0, from_b = 0;

	enter(2, 1003, GROUP_AC);
	/* A and B both write to C on Q; either may come first. */
	for (int i = 0; i < 2; i++) {
		MUST(ex_recv(S.q, &m, TYPE_C, 0, &h));
		say("receives '%s' from mailbox Q: sent by %s (pid %d, uid %u)",
		    m.mtext, who(h.sender_pid), h.sender_pid, h.sender_uid);
		if (h.sender_pid == S.a) {
			ex_expect_text(m.mtext, "hello C, this is A");
			from_a++;
		} else if (h.sender_pid == S.b) {
			ex_expect_text(m.mtext, "hi C, B here");
			from_b++;
		} else {
			fail("unknown sender pid %d", h.sender_pid);
		}
	}
	if (from_a != 1 || from_b != 1)
		fail("expected one message from A and one from B on Q");
	receive_from(S.p, "P", TYPE_C, S.a, "C, A here: a word just for you");
	send_to(S.p, "P", TYPE_A, "A, C here: got it, thanks");
}

int main(void)
{
	struct msqid_ds ds;
	int failed = 0;

	ex_start("main");
	S.privileged = geteuid() == 0;

	S.q = MUST(mp_msgget(IPC_PRIVATE, IPC_CREAT | 0666));
	ex_remove_at_exit(S.q);
	say("creates mailbox Q (id %d), mode 0666: anyone may send to it and receive from it",
	    S.q);

	S.p = MUST(mp_msgget(IPC_PRIVATE, IPC_CREAT | 0660));
	ex_remove_at_exit(S.p);
	MUST(mp_msgctl(S.p, IPC_STAT, &ds));
	ds.msg_perm.gid = GROUP_AC;
	MUST(mp_msgctl(S.p, IPC_SET, &ds));
	say("creates mailbox P (id %d), mode 0660, group %d: only members of group %d may use it",
	    S.p, GROUP_AC, GROUP_AC);
	note("A and C are in group %d, B is not. Message type = recipient: 1 for A, 2 for B, 3 for C.",
	     GROUP_AC);

	for (int i = 0; i < 3; i++)
		ex_pipe(S.go[i]);
	S.a = ex_spawn("A", process_a, NULL);
	S.b = ex_spawn("B", process_b, NULL);
	S.c = ex_spawn("C", process_c, NULL);
	for (int i = 0; i < 3; i++) {
		ex_post(S.go[i], S.a);
		ex_post(S.go[i], S.b);
		ex_post(S.go[i], S.c);
	}

	failed |= ex_wait(S.a, "A");
	failed |= ex_wait(S.b, "B");
	failed |= ex_wait(S.c, "C");
	if (failed)
		fail("a process did not do what was expected");

	MUST(mp_msgctl(S.q, IPC_STAT, &ds));
	if (ds.msg_qnum != 0)
		fail("mailbox Q still holds %lu messages", ds.msg_qnum);
	say("removes Q and P");
	ex_remove(S.q);
	ex_remove(S.p);

	note("Who can talk to whom:");
	note("  A <-> B   through Q");
	note("  A <-> C   through Q and through P");
	note("  B <-> C   through Q");
	if (S.privileged)
		note("  B  -  P   refused: B does not share mailbox P");
	return 0;
}

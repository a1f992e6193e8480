// SPDX-License-Identifier: MIT
/*
 * ownership: a mailbox owned by a process. Its owner receives, its users
 * send; ownership can be passed on; the mailbox disappears when its
 * owning process terminates.
 *
 *	founder: makes mailbox M (process-owned), receives letter 1,
 *	         passes M to heir, exits         -> M survives
 *	heir:    receives letter 2, exits        -> M is gone
 *	main:    a user of M: sends the letters, cannot receive, and sees M
 *	         outlive the founder and vanish with the heir
 *	postman: blocked sending to M when M goes: wakes with EIDRM
 *
 * M is made with mp_msgget_attr() and MP_LIFETIME_PROCESS, under the name
 * "example-owned.<pid>", mode 0622: anyone may send, only the owner (and
 * the processes it grants the right to) may receive. It holds at most 2
 * messages.
 *
 * A process can be made an owner only once it has a msgpass endpoint,
 * that is once it has opened /dev/msgpass (libmsgpass does that on the
 * first call); otherwise mp_mbox_set_owner() fails with ESRCH.
 */
#include "example.h"

static char name[MP_NAME_MAX + 1];
static pid_t founder_pid, heir_pid;
static int to_founder[2], to_heir[2], to_main[2];

static void founder(void *unused __attribute__((unused)))
{
	struct mp_attr attr = {
		.flags = MP_ATTR_CAPACITY,
		.capacity = 2,
		.kind = MP_KIND_QUEUE,
		.lifetime = MP_LIFETIME_PROCESS,
	};
	struct ex_msg m;
	int id;

	id = MUST(mp_msgget_attr(IPC_PRIVATE, name, IPC_CREAT | IPC_EXCL | 0622,
				 &attr));
	say("creates mailbox M '%s' (id %d), capacity 2, owned by me: it lives as long as its owner",
	    name, id);
	ex_post(to_main, id);

	ex_take(to_founder);			/* the letters are in */
	MUST(ex_recv(id, &m, 0, 0, NULL));
	say("as the owner, receives '%s'", m.mtext);
	ex_expect_text(m.mtext, "letter 1");

	heir_pid = ex_take(to_founder);
	MUST(mp_mbox_set_owner(id, heir_pid));
	say("passes the ownership of M to the heir (pid %d)", (int)heir_pid);
	MUST_FAIL(EACCES, mp_msgrcv(id, &m, sizeof(m.mtext), 0, IPC_NOWAIT));
	say("tries to receive again: %s: it is no longer the owner",
	    ex_err(EACCES));
	say("exits");
}

static void heir(void *unused __attribute__((unused)))
{
	struct mp_version v;
	struct ex_msg m;
	int id;

	MUST(mp_version(&v));
	say("opens /dev/msgpass (msgpass ABI %u.%u), so that it can be named an owner",
	    v.abi_major, v.abi_minor);
	ex_post(to_main, 0);

	ex_take(to_heir);			/* M is ours now */
	id = MUST(mp_msgget_attr(IPC_PRIVATE, name, 0, NULL));
	MUST(ex_recv(id, &m, 0, IPC_NOWAIT, NULL));
	say("finds M by name (id %d) and, as its new owner, receives '%s'",
	    id, m.mtext);
	ex_expect_text(m.mtext, "letter 2");
	ex_post(to_main, 0);

	ex_take(to_heir);			/* time to go */
	say("exits, leaving 2 letters unread in M");
}

static int postbox;

static void postman(void *unused __attribute__((unused)))
{
	say("sends 'letter 5' to M, which is full: waits for room");
	MUST_FAIL(EIDRM, ex_send(postbox, 1, "letter 5", 0));
	say("wakes up: %s: M was removed while it waited", ex_err(EIDRM));
}

int main(void)
{
	struct mp_mbox_info info;
	struct ex_msg m = { .mtype = 1 };
	pid_t postman_pid;
	int id, failed = 0;

	ex_start("main");
	ex_unprivileged();
	snprintf(name, sizeof(name), "example-owned.%d", (int)getpid());
	ex_pipe(to_founder);
	ex_pipe(to_heir);
	ex_pipe(to_main);

	heir_pid = ex_spawn("heir", heir, NULL);
	ex_take(to_main);			/* the heir has an endpoint */
	founder_pid = ex_spawn("founder", founder, NULL);
	id = ex_take(to_main);			/* M exists */

	MUST(ex_send(id, 1, "letter 1", 0));
	MUST(ex_send(id, 1, "letter 2", 0));
	say("a user of M: sends 'letter 1' and 'letter 2' to it");
	MUST_FAIL(EACCES, mp_msgrcv(id, &m, sizeof(m.mtext), 0, IPC_NOWAIT));
	say("tries to receive from M: %s: only its owner receives",
	    ex_err(EACCES));
	ex_post(to_founder, 1);
	ex_post(to_founder, heir_pid);

	failed |= ex_wait(founder_pid, "the founder");
	if (failed)
		fail("the founder did not do what was expected");
	MUST(mp_mbox_info(id, &info));
	say("the founder is gone, M is not: owner pid %d (the heir), %llu letter waiting",
	    info.owner_pid, (unsigned long long)info.qnum);
	if (info.owner_pid != heir_pid || info.qnum != 1)
		fail("expected owner %d and 1 message", (int)heir_pid);

	ex_post(to_heir, 1);			/* take your letter */
	ex_take(to_main);
	MUST(ex_send(id, 1, "letter 3", 0));
	MUST(ex_send(id, 1, "letter 4", 0));
	say("sends 'letter 3' and 'letter 4': M is full again");
	postbox = id;
	postman_pid = ex_spawn("postman", postman, NULL);
	ex_wait_sleeper(id, 1);

	ex_post(to_heir, 2);			/* exit */
	failed |= ex_wait(heir_pid, "the heir");
	failed |= ex_wait(postman_pid, "the postman");
	if (failed)
		fail("a process did not do what was expected");

	MUST_FAIL(EINVAL, mp_msgsnd(id, &m, 0, IPC_NOWAIT));
	say("the heir is gone, and so is M: sending to id %d: %s", id,
	    ex_err(EINVAL));
	MUST_FAIL(EINVAL, mp_mbox_info(id, &info));
	say("asking about id %d: %s", id, ex_err(EINVAL));
	MUST_FAIL(ENOENT, mp_msgget_attr(IPC_PRIVATE, name, 0, NULL));
	say("looking up '%s': %s", name, ex_err(ENOENT));
	return 0;
}

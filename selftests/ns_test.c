// SPDX-License-Identifier: GPL-2.0
/*
 * IPC namespaces: as System V's queues, msgpass's mailboxes, keys,
 * names, process names and msgmni are per IPC namespace, and processes
 * reach each other directly only within one. A child that unshares its
 * IPC namespace (as a container does) before its first msgpass call sees
 * none of the parent's, and the parent none of its; when the last task
 * of a namespace is gone, its mailboxes go too.
 *
 * Each test forks a child that unshares CLONE_NEWIPC and reports over a
 * pipe; waits are bounded, and no verdict depends on timing.
 */
#include <sched.h>
#include <sys/msg.h>

#include "mp_test.h"

#define WAIT_MS		10000
#define KEY		0x6e73	/* "ns" */

struct nmsg {
	long mtype;
	char mtext[16];
};

/* Fork a child in a new IPC namespace running @fn; its exit status. */
static pid_t ns_child(int (*fn)(void *arg, int out), void *arg, int *rd)
{
	int p[2];
	pid_t pid;

	if (pipe(p))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		close(p[0]);
		if (unshare(CLONE_NEWIPC))
			_exit(100);
		_exit(fn(arg, p[1]));
	}
	close(p[1]);
	*rd = p[0];
	return pid;
}

static int ns_wait(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static long ns_mailboxes(void)
{
	struct mp_counters_info c;

	return mp_counters(&c) ? -1 : (long)c.mailboxes;
}

/* In the child: the parent's key, ID and name are not there. */
static int child_sees_nothing(void *arg, int out)
{
	int parent_id = *(int *)arg, id, name_id;
	struct msqid_ds ds;

	if (mp_msgget(KEY, 0) != -1 || errno != ENOENT)
		return 1;
	if (mp_msgctl(parent_id, IPC_STAT, &ds) != -1 || errno != EINVAL)
		return 2;
	/* IPC_CREAT without IPC_EXCL makes its own, never the parent's. */
	id = mp_msgget(KEY, IPC_CREAT | 0600);
	if (id < 0 || id == parent_id)
		return 3;
	name_id = mp_msgget_attr(IPC_PRIVATE, "ns-test-name", IPC_CREAT | IPC_EXCL | 0600, NULL);
	if (name_id < 0 || mp_msgctl(name_id, IPC_RMID, NULL))
		return 4;
	if (mp_name_resolve("ns-test-ep") != -1 || errno != ENOENT)
		return 5;
	if (mp_name_register("ns-test-ep"))
		return 6;
	/* The parent's process is not reachable directly either. */
	if (mp_send(getppid(), &(struct nmsg){ .mtype = 1 }, 1, IPC_NOWAIT) != -1 ||
	    errno != ESRCH)
		return 7;
	if (mp_msgctl(id, IPC_RMID, NULL))
		return 8;
	mp_pipe_put(out, 'k');
	return 0;
}

/* No state of its own: the fixture is there for the time limit, a backstop. */
FIXTURE(ns) {};
FIXTURE_SETUP(ns) {}
FIXTURE_TEARDOWN(ns) {}

TEST_F_TIMEOUT(ns, keys_ids_names_and_processes_are_per_namespace, 600)
{
	int id, name_id, rd, status;
	pid_t pid;

	id = mp_msgget(KEY, IPC_CREAT | 0600);
	ASSERT_LE(0, id);
	name_id = mp_msgget_attr(IPC_PRIVATE, "ns-test-name", IPC_CREAT | IPC_EXCL | 0600, NULL);
	ASSERT_LE(0, name_id);
	ASSERT_EQ(0, mp_name_register("ns-test-ep"));

	pid = ns_child(child_sees_nothing, &id, &rd);
	ASSERT_LT(0, pid);
	EXPECT_EQ('k', mp_pipe_get(rd, WAIT_MS));
	status = ns_wait(pid);
	EXPECT_EQ(0, status) TH_LOG("child failed at step %d", status);
	close(rd);

	/* The parent's are untouched. */
	EXPECT_EQ(id, mp_msgget(KEY, 0));
	EXPECT_EQ(getpid(), mp_name_resolve("ns-test-ep"));
	EXPECT_EQ(0, mp_msgctl(id, IPC_RMID, NULL));
	EXPECT_EQ(0, mp_msgctl(name_id, IPC_RMID, NULL));
	EXPECT_EQ(0, mp_name_unregister("ns-test-ep"));
}

/* In the child: make a system-lifetime mailbox with a message, and end. */
static int child_leaves_a_mailbox(void *arg, int out)
{
	struct nmsg m = { .mtype = 1 };
	int id = mp_msgget(IPC_PRIVATE, IPC_CREAT | 0600);

	if (id < 0 || mp_msgsnd(id, &m, sizeof(m.mtext), 0))
		return 1;
	mp_pipe_put(out, 'k');
	return 0;
}

TEST_F_TIMEOUT(ns, a_namespace_s_mailboxes_go_with_its_last_task, 600)
{
	long before = ns_mailboxes(), now = -1;
	int rd, i;
	pid_t pid;

	ASSERT_LE(0, before);
	pid = ns_child(child_leaves_a_mailbox, NULL, &rd);
	ASSERT_LT(0, pid);
	ASSERT_EQ('k', mp_pipe_get(rd, WAIT_MS));
	ASSERT_EQ(0, ns_wait(pid));
	close(rd);
	EXPECT_EQ(before + 1, ns_mailboxes()) TH_LOG("the mailbox was made");
	/* The namespace is gone; msgpass notices within seconds (bounded: 20 s). */
	for (i = 0; i < 200; i++) {
		now = ns_mailboxes();
		if (now == before)
			break;
		usleep(100 * 1000);
	}
	EXPECT_EQ(before, now);
}

/* In the child: msgmni mailboxes of its own, whatever the parent has. */
static int child_counts_its_own(void *arg, int out)
{
	long msgmni = *(long *)arg;
	int ids[8], i, ret = 0;

	for (i = 0; i < msgmni; i++) {
		ids[i] = mp_msgget(IPC_PRIVATE, IPC_CREAT | 0600);
		if (ids[i] < 0)
			ret = 1;
	}
	if (!ret && (mp_msgget(IPC_PRIVATE, IPC_CREAT | 0600) != -1 || errno != ENOSPC))
		ret = 2;
	for (i = 0; i < msgmni; i++) {
		if (ids[i] >= 0)
			mp_msgctl(ids[i], IPC_RMID, NULL);
	}
	mp_pipe_put(out, 'k');
	return ret;
}

TEST_F_TIMEOUT(ns, msgmni_is_per_namespace, 600)
{
	long old = mp_test_param("msgmni"), msgmni = 3;
	int ids[3], i, rd, status;
	FILE *f;
	pid_t pid;

	ASSERT_LT(0, old);
	f = fopen("/sys/module/msgpass/parameters/msgmni", "w");
	ASSERT_NE(NULL, f);
	/* The other tests' and the harness's mailboxes are gone by now. */
	fprintf(f, "%ld", msgmni + 0L);
	fclose(f);
	for (i = 0; i < 3; i++)
		ids[i] = mp_msgget(IPC_PRIVATE, IPC_CREAT | 0600);
	pid = ns_child(child_counts_its_own, &msgmni, &rd);
	if (pid > 0) {
		EXPECT_EQ('k', mp_pipe_get(rd, WAIT_MS));
		status = ns_wait(pid);
		EXPECT_EQ(0, status) TH_LOG("child failed at step %d", status);
		close(rd);
	}
	for (i = 0; i < 3; i++) {
		EXPECT_LE(0, ids[i]);
		if (ids[i] >= 0)
			mp_msgctl(ids[i], IPC_RMID, NULL);
	}
	f = fopen("/sys/module/msgpass/parameters/msgmni", "w");
	ASSERT_NE(NULL, f);
	fprintf(f, "%ld", old);
	fclose(f);
	ASSERT_LT(0, pid);
}

TEST_HARNESS_MAIN

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
#include <sys/mount.h>
#include <sys/msg.h>
#include <sys/stat.h>

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

static long qnum_of(int id)
{
	struct msqid_ds ds;

	return mp_msgctl(id, IPC_STAT, &ds) ? -1 : (long)ds.msg_qnum;
}

/* In the child: the parent's key, ID and name are not there. */
static int child_sees_nothing(void *arg, int out)
{
	int parent_id = *(int *)arg, id, name_id;
	struct msqid_ds ds;

	if (mp_msgget(KEY, 0) != -1 || errno != ENOENT)
		return 1;
	/*
	 * IDs are per namespace, as System V's: the parent's ID names
	 * nothing here (or, once this namespace has a mailbox, that one).
	 */
	if (mp_msgctl(parent_id, IPC_STAT, &ds) != -1 || errno != EINVAL)
		return 2;
	/* IPC_CREAT without IPC_EXCL makes its own, never the parent's (empty). */
	id = mp_msgget(KEY, IPC_CREAT | 0600);
	if (id < 0 || mp_msgctl(id, IPC_STAT, &ds) || ds.msg_qnum != 0)
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
	ASSERT_EQ(0, mp_msgsnd(id, &(struct nmsg){ .mtype = 1 }, 1, 0));
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
	EXPECT_EQ(1, qnum_of(id));
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

/* In the child: the ID its first mailbox gets, over the pipe. */
static int child_first_id(void *arg, int out)
{
	int id = mp_msgget(IPC_PRIVATE, IPC_CREAT | 0600);

	if (id < 0 || mp_pipe_put_int(out, id))
		return 1;
	mp_msgctl(id, IPC_RMID, NULL);
	return 0;
}

/*
 * Each namespace has its own index space, as System V's: the first
 * mailbox of two new namespaces gets the same ID, and no namespace can
 * use up another's IDs (with one space, three namespaces of 32000
 * mailboxes took all 65536 and the host got ENOSPC).
 */
TEST_F_TIMEOUT(ns, each_namespace_has_its_own_ids, 600)
{
	int ids[2] = { -1, -2 }, rd;

	for (int i = 0; i < 2; i++) {
		pid_t pid = ns_child(child_first_id, NULL, &rd);

		ASSERT_LT(0, pid);
		EXPECT_EQ(0, mp_pipe_get_int(rd, &ids[i], WAIT_MS));
		EXPECT_EQ(0, ns_wait(pid));
		close(rd);
	}
	EXPECT_LE(0, ids[0]);
	EXPECT_EQ(ids[0], ids[1]);
}

/* In the child: a system-lifetime mailbox; then wait for a byte to end. */
static int child_keeps_a_mailbox(void *arg, int out)
{
	int go = *(int *)arg;

	if (mp_msgget(KEY, IPC_CREAT | 0600) < 0)
		return 1;
	mp_pipe_put(out, 'k');
	return mp_pipe_get(go, WAIT_MS) < 0 ? 2 : 0;
}

/*
 * A namespace that no task is in any more but that a descriptor (or a
 * mount) still holds is alive: it can be entered again, and its
 * mailboxes stay. Two namespaces end: one held through /proc/PID/ns/ipc,
 * one not. Once the second one's mailbox is gone the reaper has looked
 * at both; the held one's must still be there, and go once let go.
 */
TEST_F_TIMEOUT(ns, a_namespace_held_by_a_descriptor_keeps_its_mailboxes, 600)
{
	long before = ns_mailboxes(), now = -1;
	int go[2][2], rd[2], held = -1, i;
	pid_t pid[2];
	char path[64];

	ASSERT_LE(0, before);
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, pipe(go[i]));
		pid[i] = ns_child(child_keeps_a_mailbox, &go[i][0], &rd[i]);
		ASSERT_LT(0, pid[i]);
		ASSERT_EQ('k', mp_pipe_get(rd[i], WAIT_MS));
	}
	snprintf(path, sizeof(path), "/proc/%d/ns/ipc", pid[0]);
	held = open(path, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, held);
	for (i = 0; i < 2; i++) {
		mp_pipe_put(go[i][1], 'x');
		EXPECT_EQ(0, ns_wait(pid[i]));
		close(rd[i]);
	}
	ASSERT_EQ(before + 2, ns_mailboxes());
	for (i = 0; i < 200; i++) {
		now = ns_mailboxes();
		if (now <= before + 1)
			break;
		usleep(100 * 1000);
	}
	EXPECT_EQ(before + 1, now) TH_LOG("the held namespace lost its mailbox");

	/* Enter it again: its mailbox is there by key. */
	pid[0] = fork();
	if (pid[0] == 0) {
		/* A new process (no endpoint yet) in the held namespace. */
		if (setns(held, CLONE_NEWIPC))
			_exit(1);
		_exit(mp_msgget(KEY, 0) >= 0 ? 0 : 2);
	}
	ASSERT_LT(0, pid[0]);
	EXPECT_EQ(0, ns_wait(pid[0]));

	close(held);
	for (i = 0; i < 200; i++) {
		now = ns_mailboxes();
		if (now == before)
			break;
		usleep(100 * 1000);
	}
	EXPECT_EQ(before, now) TH_LOG("let go, its mailbox goes");
}

/*
 * msgpass never opens a path of the caller's to hold its namespace: a
 * user who points /proc/thread-self/ns/ipc at /dev/msgpass itself (or
 * at a FIFO) in a mount namespace of its own neither hangs itself, nor
 * blocks anyone else's use of msgpass or of any other misc device.
 */
static int child_with_a_false_proc(void *arg, int out)
{
	const char *target = arg;
	int fd, id;

	if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    mount("none", "/proc", "tmpfs", 0, NULL) ||
	    mkdir("/proc/thread-self", 0755) || mkdir("/proc/thread-self/ns", 0755))
		return 1;
	if (!strcmp(target, "fifo") ? mkfifo("/proc/thread-self/ns/ipc", 0600) :
	    symlink(target, "/proc/thread-self/ns/ipc"))
		return 2;
	fd = open(MSGPASS_DEVICE, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return 3;
	close(fd);
	id = mp_msgget(IPC_PRIVATE, IPC_CREAT | 0600);
	if (id < 0)
		return 4;
	mp_msgctl(id, IPC_RMID, NULL);
	mp_pipe_put(out, 'k');
	return 0;
}

TEST_F_TIMEOUT(ns, a_false_proc_neither_hangs_nor_blocks_anyone, 600)
{
	static const char * const targets[] = { MSGPASS_DEVICE, "fifo" };

	for (int t = 0; t < 2; t++) {
		int rd, id;
		pid_t pid = ns_child(child_with_a_false_proc, (void *)targets[t], &rd);

		ASSERT_LT(0, pid);
		EXPECT_EQ('k', mp_pipe_get(rd, WAIT_MS)) TH_LOG("%s", targets[t]);
		EXPECT_EQ(0, ns_wait(pid)) TH_LOG("%s", targets[t]);
		close(rd);
		/* And everyone else goes on. */
		id = mp_msgget(IPC_PRIVATE, IPC_CREAT | 0600);
		EXPECT_LE(0, id);
		EXPECT_EQ(0, mp_msgctl(id, IPC_RMID, NULL));
	}
}

TEST_HARNESS_MAIN

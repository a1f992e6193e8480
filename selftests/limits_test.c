// SPDX-License-Identifier: GPL-2.0
/*
 * Limits and isolation: every limit is a module parameter and hitting it
 * gives its documented errno and loses nothing; a full memory cgroup
 * fails sends cleanly instead of calling the OOM killer; an unprivileged
 * user cannot reach another user's mailbox or name; and nothing the
 * kernel copies out carries stale kernel bytes in its padding.
 */
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "mp_test.h"

#define PARAMS "/sys/module/msgpass/parameters/"
#define CGROOT "/sys/fs/cgroup"

struct tmsg {
	long mtype;
	char mtext[256];
};

static long read_param(const char *name)
{
	return mp_test_param(name);
}

static int write_str(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, val, strlen(val));
	close(fd);
	return n == (ssize_t)strlen(val) ? 0 : -1;
}

static int write_param(const char *name, long v)
{
	char path[128], buf[32];

	snprintf(path, sizeof(path), PARAMS "%s", name);
	snprintf(buf, sizeof(buf), "%ld", v);
	return write_str(path, buf);
}

/* Run @fn as user and group 65534 in a child; its exit status. */
static int as_nobody(int (*fn)(void *), void *arg)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
			_exit(100);
		_exit(fn(arg));
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

FIXTURE(limits) {
	long max_msg_size, msgmni, quota, msgmax;
	int ids[8];
	int nr_ids;
};

FIXTURE_SETUP(limits)
{
	self->max_msg_size = read_param("max_msg_size");
	self->msgmni = read_param("msgmni");
	self->quota = read_param("user_quota_bytes");
	self->msgmax = read_param("msgmax");
	ASSERT_LT(0, self->max_msg_size);
	self->nr_ids = 0;
}

FIXTURE_TEARDOWN(limits)
{
	for (int i = 0; i < self->nr_ids; i++)
		mp_msgctl(self->ids[i], IPC_RMID, NULL);
	write_param("max_msg_size", self->max_msg_size);
	write_param("msgmni", self->msgmni);
	write_param("user_quota_bytes", self->quota);
	write_param("msgmax", self->msgmax);
}

static int track(struct _test_data_limits *self, int id)
{
	if (id >= 0 && self->nr_ids < 8)
		self->ids[self->nr_ids++] = id;
	return id;
}

TEST_F(limits, max_msg_size_parameter_bounds_every_message_einval)
{
	struct mp_attr a = { .flags = MP_ATTR_MSG_MAX, .msg_max = 4096 };
	static struct { long mtype; char t[2048]; } m = { .mtype = 1 };
	int id = track(self, mp_msgget_attr(IPC_PRIVATE, NULL, IPC_CREAT | 0600, &a));

	ASSERT_LE(0, id);
	ASSERT_EQ(0, write_param("max_msg_size", 1000));
	EXPECT_EQ(0, mp_msgsnd(id, &m, 1000, IPC_NOWAIT));
	EXPECT_EQ(-1, mp_msgsnd(id, &m, 1001, IPC_NOWAIT));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, mp_send(getpid(), &m, 1001, IPC_NOWAIT));
	EXPECT_EQ(EINVAL, errno);
	/* A mailbox cannot be made to take more than the parameter allows. */
	a.msg_max = 1001;
	EXPECT_EQ(-1, mp_msgget_attr(IPC_PRIVATE, NULL, IPC_CREAT | 0600, &a));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(limits, msgmni_parameter_bounds_mailboxes_enospc)
{
	struct mp_counters_info c;
	int id;

	ASSERT_EQ(0, mp_counters(&c));
	ASSERT_EQ(0, write_param("msgmni", (long)c.mailboxes + 1));
	id = track(self, mp_msgget(IPC_PRIVATE, IPC_CREAT | 0600));
	ASSERT_LE(0, id);
	EXPECT_EQ(-1, mp_msgget(IPC_PRIVATE, IPC_CREAT | 0600));
	EXPECT_EQ(ENOSPC, errno);
	/* Removing one makes room again. */
	ASSERT_EQ(0, mp_msgctl(id, IPC_RMID, NULL));
	id = track(self, mp_msgget(IPC_PRIVATE, IPC_CREAT | 0600));
	EXPECT_LE(0, id);
}

TEST_F(limits, msgmax_parameter_is_a_new_mailboxs_default)
{
	struct mp_mbox_info info;
	int id;

	ASSERT_EQ(0, write_param("msgmax", 1234));
	id = track(self, mp_msgget(IPC_PRIVATE, IPC_CREAT | 0600));
	ASSERT_LE(0, id);
	ASSERT_EQ(0, mp_mbox_info(id, &info));
	EXPECT_EQ(1234, info.msg_max);
}

TEST_F(limits, user_quota_is_edquot_and_nothing_half_queued)
{
	struct mp_attr a = {
		.flags = MP_ATTR_CAPACITY | MP_ATTR_MAX_BYTES,
		.capacity = MP_UNLIMITED, .max_bytes = MP_UNLIMITED,
	};
	struct mp_counters_info before, after;
	struct msqid_ds ds;
	struct tmsg m = { .mtype = 1 };
	int id, sent = 0;

	ASSERT_EQ(0, mp_counters(&before));
	ASSERT_EQ(0, write_param("user_quota_bytes", 10000 + (long)before.bytes));
	id = track(self, mp_msgget_attr(IPC_PRIVATE, NULL, IPC_CREAT | 0600, &a));
	ASSERT_LE(0, id);
	while (sent < 1000 && mp_msgsnd(id, &m, sizeof(m.mtext), IPC_NOWAIT) == 0)
		sent++;
	EXPECT_EQ(EDQUOT, errno);
	EXPECT_EQ(10000 / 256, sent);
	ASSERT_EQ(0, mp_msgctl(id, IPC_STAT, &ds));
	EXPECT_EQ(sent, (int)ds.msg_qnum);
	EXPECT_EQ(sent * 256, (int)ds.__msg_cbytes);
	/* Receiving frees quota: one more fits. */
	ASSERT_EQ(256, mp_msgrcv(id, &m, sizeof(m.mtext), 0, IPC_NOWAIT));
	EXPECT_EQ(0, mp_msgsnd(id, &m, sizeof(m.mtext), IPC_NOWAIT));
	ASSERT_EQ(0, mp_msgctl(id, IPC_RMID, NULL));
	ASSERT_EQ(0, mp_counters(&after));
	EXPECT_EQ(before.bytes, after.bytes);
	EXPECT_EQ(before.messages, after.messages);
}

/*
 * A full memory cgroup: an unbounded queue inside a cgroup with a small
 * memory.max fills up and the send fails with ENOMEM; nobody is killed.
 */
static int fill_in_cgroup(void *arg)
{
	static struct { long mtype; char t[1 << 20]; } m = { .mtype = 1 };
	struct mp_attr a = {
		.flags = MP_ATTR_CAPACITY | MP_ATTR_MAX_BYTES | MP_ATTR_MSG_MAX,
		.capacity = MP_UNLIMITED, .max_bytes = MP_UNLIMITED, .msg_max = 1 << 20,
	};
	int *out = arg, id, sent = 0;

	id = mp_msgget_attr(IPC_PRIVATE, NULL, IPC_CREAT | 0600, &a);
	if (id < 0)
		return 10;
	out[0] = id;
	while (sent < 256 && mp_msgsnd(id, &m, sizeof(m.t), IPC_NOWAIT) == 0)
		sent++;
	out[1] = sent;
	return errno == ENOMEM ? 0 : 11;
}

TEST_F(limits, full_memory_cgroup_is_enomem_not_an_oom_kill)
{
	char cg[] = CGROOT "/msgpass-test", path[256], buf[512];
	int *shared, status, fd;
	long oom_kills = -1;
	pid_t pid;

	if (access(CGROOT "/cgroup.controllers", R_OK)) {
		mkdir(CGROOT, 0755);
		if (mount("none", CGROOT, "cgroup2", 0, NULL))
			SKIP(return, "no cgroup2 here");
	}
	if (write_str(CGROOT "/cgroup.subtree_control", "+memory"))
		SKIP(return, "no memory controller here");
	rmdir(cg);
	ASSERT_EQ(0, mkdir(cg, 0755));
	snprintf(path, sizeof(path), "%s/memory.max", cg);
	ASSERT_EQ(0, write_str(path, "24M"));
	ASSERT_EQ(0, write_param("user_quota_bytes", 0));	/* the cgroup limits first */

	shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, shared);
	shared[0] = -1;
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		char me[32];

		snprintf(path, sizeof(path), "%s/cgroup.procs", cg);
		snprintf(me, sizeof(me), "%d", getpid());
		if (write_str(path, me))
			_exit(12);
		_exit(fill_in_cgroup(shared));
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status)) TH_LOG("the filler died of signal %d", WTERMSIG(status));
	EXPECT_EQ(0, WEXITSTATUS(status)) TH_LOG("status %d after %d MiB", WEXITSTATUS(status),
						 shared[1]);
	EXPECT_LT(0, shared[1]);
	EXPECT_GT(24, shared[1]);

	snprintf(path, sizeof(path), "%s/memory.events", cg);
	fd = open(path, O_RDONLY);
	if (fd >= 0) {
		ssize_t n = read(fd, buf, sizeof(buf) - 1);
		char *p;

		if (n > 0) {
			buf[n] = 0;
			p = strstr(buf, "oom_kill ");
			if (p)
				oom_kills = strtol(p + 9, NULL, 10);
		}
		close(fd);
	}
	EXPECT_EQ(0, oom_kills);
	if (shared[0] >= 0)
		EXPECT_EQ(0, mp_msgctl(shared[0], IPC_RMID, NULL));
	EXPECT_EQ(0, rmdir(cg));
	munmap(shared, 4096);
}

/* --- isolation: an unprivileged user and someone else's mailbox --- */

static int nobody_tries(void *arg)
{
	int id = *(int *)arg;
	struct msqid_ds ds;
	struct mp_mbox_info info;
	struct tmsg m;

	if (mp_msgrcv(id, &m, sizeof(m.mtext), 0, IPC_NOWAIT) != -1 || errno != EACCES)
		return 1;
	if (mp_msgctl(id, IPC_STAT, &ds) != -1 || errno != EACCES)
		return 2;
	if (mp_mbox_info(id, &info) != -1 || errno != EACCES)
		return 3;
	memset(&ds, 0, sizeof(ds));
	if (mp_msgctl(id, IPC_SET, &ds) != -1 || errno != EPERM)
		return 4;
	if (mp_msgctl(id, IPC_RMID, NULL) != -1 || errno != EPERM)
		return 5;
	/* Grants are not how System V mailboxes work: their mode bits are. */
	if (mp_mbox_grant(id, getpid()) != -1 || errno != EINVAL)
		return 6;
	if (mp_mbox_set_owner(id, getpid()) != -1 || errno != EPERM)
		return 7;
	if (mp_mbox_fd(id, 0) != -1 || errno != EACCES)
		return 8;
	if (mp_watch_mbox(id, 1, 0, -1) != -1 || errno != EACCES)
		return 9;
	m.mtype = 1;
	if (mp_msgsnd(id, &m, 1, IPC_NOWAIT) != -1 || errno != EACCES)
		return 10;
	return 0;
}

TEST_F(limits, unprivileged_user_cannot_touch_another_users_mailbox)
{
	int id = track(self, mp_msgget(IPC_PRIVATE, IPC_CREAT | 0600));
	struct tmsg m = { .mtype = 1 };

	ASSERT_LE(0, id);
	ASSERT_EQ(0, mp_msgsnd(id, &m, 1, IPC_NOWAIT));
	EXPECT_EQ(0, as_nobody(nobody_tries, &id));
	/* And the message is still there. */
	EXPECT_EQ(1, mp_msgrcv(id, &m, sizeof(m.mtext), 0, IPC_NOWAIT));
}

static int nobody_takes_name(void *arg)
{
	const char *name = arg;

	if (mp_name_register(name) != -1 || errno != EADDRINUSE)
		return 1;
	if (mp_name_unregister(name) != -1 || errno != EPERM)
		return 2;
	return 0;
}

TEST_F(limits, unprivileged_user_cannot_take_over_a_name)
{
	ASSERT_EQ(0, mp_name_register("limits-held"));
	EXPECT_EQ(0, as_nobody(nobody_takes_name, "limits-held"));
	EXPECT_EQ(getpid(), mp_name_resolve("limits-held"));
	EXPECT_EQ(0, mp_name_unregister("limits-held"));
}

static int nobody_fills(void *arg)
{
	struct mp_attr a = { .flags = MP_ATTR_CAPACITY, .capacity = MP_UNLIMITED };
	struct tmsg m = { .mtype = 1 };
	int id, sent = 0;

	(void)arg;
	/* Unprivileged: no unlimited byte bound; the quota stops it. */
	a.flags |= MP_ATTR_MAX_BYTES;
	a.max_bytes = MP_UNLIMITED;
	if (mp_msgget_attr(IPC_PRIVATE, NULL, IPC_CREAT | 0600, &a) != -1 || errno != EPERM)
		return 1;
	a.flags &= ~MP_ATTR_MAX_BYTES;
	id = mp_msgget_attr(IPC_PRIVATE, NULL, IPC_CREAT | 0600, &a);
	if (id < 0)
		return 2;
	while (sent < 100000 && mp_msgsnd(id, &m, sizeof(m.mtext), IPC_NOWAIT) == 0)
		sent++;
	/* Bounded by msgmnb bytes, as System V. */
	if (errno != EAGAIN || sent != 16384 / 256)
		return 3;
	mp_msgctl(id, IPC_RMID, NULL);
	return 0;
}

TEST_F(limits, unprivileged_user_cannot_make_an_unbounded_queue)
{
	EXPECT_EQ(0, as_nobody(nobody_fills, NULL));
}

/* --- nothing stale reaches user space --- */

TEST_F(limits, headers_and_infos_carry_no_stale_bytes)
{
	struct { long mtype; struct mp_death_note n; } note;
	struct tmsg m = { .mtype = 1 };
	struct mp_link_info li[2];
	struct mp_mbox_info info;
	struct mp_msghdr h;
	struct msqid_ds ds;
	size_t total = 0;
	int id = track(self, mp_msgget_attr(IPC_PRIVATE, "padding", IPC_CREAT | 0600, NULL));

	ASSERT_LE(0, id);
	ASSERT_EQ(0, mp_msgsnd(id, &m, 3, IPC_NOWAIT));
	memset(&h, 0xa5, sizeof(h));
	ASSERT_EQ(3, mp_msgrcv_ext(id, &m, sizeof(m.mtext), 0, 0, NULL, &h));
	EXPECT_EQ(0, h.__pad2);
	EXPECT_EQ(0, h.overrun);
	EXPECT_EQ(0, h.call_id);
	EXPECT_EQ(0, h.nr_fds);

	memset(&info, 0xa5, sizeof(info));
	ASSERT_EQ(0, mp_mbox_info(id, &info));
	EXPECT_EQ(0, info.__pad);
	for (size_t i = strlen(info.name); i < sizeof(info.name); i++) {
		ASSERT_EQ(0, info.name[i]) TH_LOG("name byte %zu", i);
	}

	memset(&ds, 0xa5, sizeof(ds));
	ASSERT_EQ(0, mp_msgctl(id, IPC_STAT, &ds));
	EXPECT_EQ(0, ds.msg_perm.__glibc_reserved1);
	EXPECT_EQ(0, ds.msg_perm.__glibc_reserved2);
	EXPECT_EQ(0, ds.__glibc_reserved4);
	EXPECT_EQ(0, ds.__glibc_reserved5);
	EXPECT_EQ(0, ds.msg_perm.mode & ~0777);

	ASSERT_EQ(0, mp_send(getpid(), &m, 1, IPC_NOWAIT));
	memset(li, 0xa5, sizeof(li));
	ASSERT_LE(1, mp_links(0, MP_LINKS_IN, li, 1, &total));
	EXPECT_EQ(0, li[0].__pad);
	EXPECT_EQ(0, li[0].__reserved[0]);
	EXPECT_EQ(0, li[0].__reserved[1]);
	ASSERT_EQ(1, mp_receive(getpid(), &m, sizeof(m.mtext), 0, IPC_NOWAIT));

	ASSERT_EQ(0, mp_watch_mbox(id, 77, 5, -1));
	ASSERT_EQ(0, mp_msgctl(id, IPC_RMID, NULL));
	self->nr_ids = 0;
	memset(&note, 0xa5, sizeof(note));
	ASSERT_EQ((ssize_t)sizeof(note.n), mp_receive(MP_ANY, &note, sizeof(note.n), 77, IPC_NOWAIT));
	EXPECT_EQ(0, note.n.__pad);
	EXPECT_EQ(0, note.n.__reserved[0]);
	EXPECT_EQ(0, note.n.__reserved[1]);
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * Mailboxes beyond System V: names, attributes, priorities, message
 * headers, timeouts, synchronous sends, zero capacity, peeking,
 * ownership and lifetime, broadcast, unbounded mailboxes and quotas,
 * pollable descriptors, mp_mbox_set_attr(), mp_mbox_info() and the
 * module's counters.
 *
 * Timing is never what a test checks: children are known to be asleep
 * from mp_mbox_info()'s waiting counts, order is proved by pipes, and
 * timeouts are checked against a lower bound and a generous upper one.
 */
#include <stddef.h>

#include "mp_mbox.h"

#define MIB		(1024ULL * 1024)
#define MS		1000000ULL

#define NEED(feat) \
	ASSERT_TRUE(self->v.features & (feat)) TH_LOG("feature " #feat " not reported")

static long msgmax(void)
{
	return (long)mpt_param("msgmax", MPT_MSGMAX_DEFAULT);
}

static long msgmnb(void)
{
	return (long)mpt_param("msgmnb", MPT_MSGMNB_DEFAULT);
}

/* A mailbox owned by the caller: @flags MP_ATTR_*, @capacity if given. */
static int new_mbox(uint64_t flags, uint32_t kind, uint32_t lifetime, uint64_t capacity, int mode)
{
	struct mp_attr a = {
		.flags = flags, .kind = kind, .lifetime = lifetime, .capacity = capacity,
	};

	return mpt_new_attr(&a, mode);
}

static int new_bcast(uint64_t flags, uint64_t capacity, int mode)
{
	return new_mbox(flags | MP_ATTR_CAPACITY, MP_KIND_BROADCAST, MP_LIFETIME_SYSTEM,
			capacity, mode);
}

/* Zero capacity; read permission lets receive (children receive too). */
static int new_zero_cap(void)
{
	return new_mbox(MP_ATTR_CAPACITY | MP_ATTR_MODE_RECEIVE, MP_KIND_QUEUE,
			MP_LIFETIME_SYSTEM, 0, 0600);
}

static long mailbox_count(void)
{
	struct mp_counters_info c;

	if (mp_counters(&c))
		return -1;
	return (long)c.mailboxes;
}

/*
 * A child that opened /dev/msgpass (when @endpoint) and then idles until
 * killed; its pid once it is ready, or -1.
 */
static pid_t idle_child(int endpoint, int nobody)
{
	int p[2];
	pid_t pid;

	if (pipe(p))
		return -1;
	pid = mpt_fork();
	if (pid == 0) {
		close(p[0]);
		if (nobody && mpt_drop_privs())
			_exit(MPT_NOPRIV);
		if (endpoint && mp_fd() < 0)
			_exit(MPT_BAD);
		mpt_put(p[1], 'r');
		for (;;)
			pause();
	}
	close(p[1]);
	if (pid > 0 && mpt_get(p[0]) != 'r')
		pid = -1;
	close(p[0]);
	return pid;
}

static void stop_child(pid_t pid)
{
	kill(pid, SIGKILL);
	mpt_wait(pid);
}

/* ---------------------------------------------------------------------
 * Names
 */

TEST_F(mb, name_ipc_creat_creates_then_finds_same_mailbox)
{
	struct mp_attr a = { 0 };
	struct mp_mbox_info in;
	char name[64];
	int id;

	mpt_name(name, sizeof(name));
	id = mpt_track(mp_msgget_attr(IPC_PRIVATE, name, IPC_CREAT | 0600, &a));
	ASSERT_LE(0, id) TH_LOG("create %s: %s", name, strerror(errno));
	EXPECT_EQ(id, mp_msgget_attr(IPC_PRIVATE, name, 0600, NULL));
	EXPECT_EQ(id, mp_msgget_attr(IPC_PRIVATE, name, IPC_CREAT | 0600, &a));
	ASSERT_EQ(0, mp_mbox_info(id, &in));
	EXPECT_STREQ(name, in.name);
	EXPECT_EQ(IPC_PRIVATE, in.key);
}

TEST_F(mb, name_not_found_without_ipc_creat_is_enoent)
{
	char name[64];

	mpt_name(name, sizeof(name));
	EXPECT_EQ(-1, mp_msgget_attr(IPC_PRIVATE, name, 0600, NULL));
	EXPECT_EQ(ENOENT, errno);
}

TEST_F(mb, name_ipc_creat_excl_on_existing_is_eexist)
{
	char name[64];
	int id;

	mpt_name(name, sizeof(name));
	id = mpt_track(mp_msgget_attr(IPC_PRIVATE, name, IPC_CREAT | IPC_EXCL | 0600, NULL));
	ASSERT_LE(0, id);
	EXPECT_EQ(-1, mp_msgget_attr(IPC_PRIVATE, name, IPC_CREAT | IPC_EXCL | 0600, NULL));
	EXPECT_EQ(EEXIST, errno);
}

TEST_F(mb, name_of_63_bytes_is_accepted)
{
	struct mp_mbox_info in;
	char name[64];
	int id;

	snprintf(name, sizeof(name), "%d-", (int)getpid());
	for (size_t i = strlen(name); i < 63; i++)
		name[i] = 'n';
	name[63] = 0;
	ASSERT_EQ(63, strlen(name));
	id = mpt_track(mp_msgget_attr(IPC_PRIVATE, name, IPC_CREAT | 0600, NULL));
	ASSERT_LE(0, id) TH_LOG("%s", strerror(errno));
	ASSERT_EQ(0, mp_mbox_info(id, &in));
	EXPECT_STREQ(name, in.name);
}

TEST_F(mb, name_of_64_bytes_is_enametoolong)
{
	char name[65];

	memset(name, 'n', 64);
	name[64] = 0;
	EXPECT_EQ(-1, mpt_track(mp_msgget_attr(IPC_PRIVATE, name, IPC_CREAT | 0600, NULL)));
	EXPECT_EQ(ENAMETOOLONG, errno);
}

TEST_F(mb, empty_name_is_einval)
{
	EXPECT_EQ(-1, mpt_track(mp_msgget_attr(IPC_PRIVATE, "", IPC_CREAT | 0600, NULL)));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(mb, name_with_key_is_einval)
{
	char name[64];

	mpt_name(name, sizeof(name));
	EXPECT_EQ(-1, mpt_track(mp_msgget_attr(mpt_key(), name, IPC_CREAT | 0600, NULL)));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(mb, name_bad_pointer_is_efault)
{
	EXPECT_EQ(-1, mpt_track(mp_msgget_attr(IPC_PRIVATE, mpt_unmapped(), IPC_CREAT | 0600, NULL)));
	EXPECT_EQ(EFAULT, errno);
}

TEST_F(mb, name_is_released_when_mailbox_is_removed)
{
	char name[64];
	int id, id2;

	mpt_name(name, sizeof(name));
	id = mpt_track(mp_msgget_attr(IPC_PRIVATE, name, IPC_CREAT | 0600, NULL));
	ASSERT_LE(0, id);
	ASSERT_EQ(0, mp_msgctl(id, IPC_RMID, NULL));
	EXPECT_EQ(-1, mp_msgget_attr(IPC_PRIVATE, name, 0600, NULL));
	EXPECT_EQ(ENOENT, errno);
	id2 = mpt_track(mp_msgget_attr(IPC_PRIVATE, name, IPC_CREAT | IPC_EXCL | 0600, NULL));
	ASSERT_LE(0, id2);
	EXPECT_NE(id, id2);
}

TEST_F(mb, name_lookup_requesting_more_than_granted_is_eacces)
{
	char name[64];
	int id;

	mpt_name(name, sizeof(name));
	id = mpt_track(mp_msgget_attr(IPC_PRIVATE, name, IPC_CREAT | 0604, NULL));
	ASSERT_LE(0, id);
	EXPECT_EQ(EACCES, MPT_AS_NOBODY(mpt_errno_code(mp_msgget_attr(IPC_PRIVATE, name, 0600, NULL))));
	EXPECT_EQ(0, MPT_AS_NOBODY(mpt_code_eq(mp_msgget_attr(IPC_PRIVATE, name, 0400, NULL), id)));
}

TEST_F(mb, name_and_key_namespaces_are_separate)
{
	key_t key = mpt_key();
	char name[64];
	int kid, nid;

	snprintf(name, sizeof(name), "%d", (int)key);
	kid = mpt_track(mp_msgget(key, IPC_CREAT | IPC_EXCL | 0600));
	ASSERT_LE(0, kid);
	EXPECT_EQ(-1, mp_msgget_attr(IPC_PRIVATE, name, 0600, NULL));
	EXPECT_EQ(ENOENT, errno);
	nid = mpt_track(mp_msgget_attr(IPC_PRIVATE, name, IPC_CREAT | IPC_EXCL | 0600, NULL));
	ASSERT_LE(0, nid);
	EXPECT_NE(kid, nid);
	EXPECT_EQ(kid, mp_msgget(key, 0600));
}

TEST_F(mb, existing_mailbox_ignores_attr)
{
	struct mp_attr a = { .flags = MP_ATTR_CAPACITY, .capacity = 1 };
	struct mp_attr b = { .flags = MP_ATTR_CAPACITY, .capacity = 7, .kind = MP_KIND_BROADCAST };
	struct mp_mbox_info in;
	char name[64];
	int id;

	mpt_name(name, sizeof(name));
	id = mpt_track(mp_msgget_attr(IPC_PRIVATE, name, IPC_CREAT | 0600, &a));
	ASSERT_LE(0, id);
	EXPECT_EQ(id, mp_msgget_attr(IPC_PRIVATE, name, IPC_CREAT | 0600, &b));
	ASSERT_EQ(0, mp_mbox_info(id, &in));
	EXPECT_EQ(1, in.capacity);
	EXPECT_EQ(MP_KIND_QUEUE, in.kind);
}

TEST_F(mb, name_without_attr_makes_system_v_mailbox)
{
	struct mp_mbox_info in;
	struct mpt_msg m;
	char name[64];
	int id;

	mpt_name(name, sizeof(name));
	id = mpt_track(mp_msgget_attr(IPC_PRIVATE, name, IPC_CREAT | 0604, NULL));
	ASSERT_LE(0, id);
	ASSERT_EQ(0, mp_mbox_info(id, &in));
	EXPECT_EQ(msgmnb(), (long)in.max_bytes);
	EXPECT_EQ(msgmax(), (long)in.msg_max);
	EXPECT_EQ(MP_LIFETIME_SYSTEM, in.lifetime);
	/* Mode bits decide who receives: other may read. */
	ASSERT_EQ(0, mpt_send(id, 1, "x", IPC_NOWAIT));
	EXPECT_EQ(0, MPT_AS_NOBODY(mpt_code_eq(mpt_recv(id, &m, 0, IPC_NOWAIT), 1)));
}

/* ---------------------------------------------------------------------
 * Attribute validation
 */

TEST_F(mb, attr_unknown_flag_is_einval)
{
	struct mp_attr a = { .flags = MP_ATTR_ALL + 1 };
	long before = mailbox_count();

	EXPECT_EQ(-1, mpt_new_attr(&a, 0600));
	EXPECT_EQ(EINVAL, errno);
	a.flags = 1ULL << 63;
	EXPECT_EQ(-1, mpt_new_attr(&a, 0600));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(before, mailbox_count());
}

TEST_F(mb, attr_nonzero_reserved_is_einval)
{
	struct mp_attr a = { 0 };
	long before = mailbox_count();

	for (size_t i = 0; i < ARRAY_SIZE(a.__reserved); i++) {
		memset(&a, 0, sizeof(a));
		a.__reserved[i] = 1;
		EXPECT_EQ(-1, mpt_new_attr(&a, 0600));
		EXPECT_EQ(EINVAL, errno);
	}
	EXPECT_EQ(before, mailbox_count());
}

TEST_F(mb, attr_bad_kind_is_einval)
{
	struct mp_attr a = { .kind = 2 };

	EXPECT_EQ(-1, mpt_new_attr(&a, 0600));
	EXPECT_EQ(EINVAL, errno);
	a.kind = ~0U;
	EXPECT_EQ(-1, mpt_new_attr(&a, 0600));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(mb, attr_bad_lifetime_is_einval)
{
	struct mp_attr a = { .lifetime = 2 };

	EXPECT_EQ(-1, mpt_new_attr(&a, 0600));
	EXPECT_EQ(EINVAL, errno);
	a.lifetime = ~0U;
	EXPECT_EQ(-1, mpt_new_attr(&a, 0600));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(mb, attr_msg_max_above_max_msg_size_is_einval)
{
	struct mp_attr a = { .flags = MP_ATTR_MSG_MAX, .msg_max = self->v.max_msg_size + 1 };

	EXPECT_EQ(-1, mpt_new_attr(&a, 0600));
	EXPECT_EQ(EINVAL, errno);
	a.msg_max = MP_UNLIMITED;
	EXPECT_EQ(-1, mpt_new_attr(&a, 0600));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(mb, attr_msg_max_of_max_msg_size_is_accepted)
{
	struct mp_attr a = { .flags = MP_ATTR_MSG_MAX, .msg_max = self->v.max_msg_size };
	struct mp_mbox_info in;
	int id = mpt_new_attr(&a, 0600);

	ASSERT_LE(0, id) TH_LOG("%s", strerror(errno));
	ASSERT_EQ(0, mp_mbox_info(id, &in));
	EXPECT_EQ(self->v.max_msg_size, in.msg_max);
}

TEST_F(mb, attr_msg_max_bounds_message_size)
{
	struct mp_attr a = {
		.flags = MP_ATTR_MSG_MAX | MP_ATTR_MAX_BYTES,
		.msg_max = 65536, .max_bytes = 65536,
	};
	long *m = calloc(1, sizeof(long) + 65537);
	int id = mpt_new_attr(&a, 0600);

	ASSERT_NE(NULL, m);
	ASSERT_LE(0, id) TH_LOG("%s", strerror(errno));
	m[0] = 1;
	EXPECT_EQ(-1, mp_msgsnd(id, m, 65537, IPC_NOWAIT));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, mp_msgsnd(id, m, 65536, IPC_NOWAIT)) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(65536, mp_msgrcv(id, m, 65536, 0, IPC_NOWAIT));
	free(m);
}

TEST_F(mb, attr_lossy_on_queue_is_einval)
{
	struct mp_attr a = { .flags = MP_ATTR_LOSSY, .kind = MP_KIND_QUEUE };

	EXPECT_EQ(-1, mpt_new_attr(&a, 0600));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(mb, attr_unlimited_max_bytes_unprivileged_is_eperm)
{
	struct mp_attr a = { .flags = MP_ATTR_MAX_BYTES, .max_bytes = MP_UNLIMITED };

	EXPECT_EQ(EPERM, MPT_AS_NOBODY(mpt_errno_code(mp_msgget_attr(IPC_PRIVATE, NULL,
								 IPC_CREAT | 0600, &a))));
}

TEST_F(mb, attr_max_bytes_above_msgmnb_unprivileged_is_eperm)
{
	struct mp_attr a = { .flags = MP_ATTR_MAX_BYTES, .max_bytes = msgmnb() + 1 };

	EXPECT_EQ(EPERM, MPT_AS_NOBODY(mpt_errno_code(mp_msgget_attr(IPC_PRIVATE, NULL,
								 IPC_CREAT | 0600, &a))));
}

TEST_F(mb, attr_max_bytes_of_msgmnb_unprivileged_is_accepted)
{
	struct mp_attr a = { .flags = MP_ATTR_MAX_BYTES, .max_bytes = msgmnb() };
	long before = mailbox_count();
	pid_t pid;

	pid = mpt_fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int id;

		if (mpt_drop_privs())
			_exit(MPT_NOPRIV);
		id = mp_msgget_attr(IPC_PRIVATE, NULL, IPC_CREAT | 0600, &a);
		if (id < 0)
			_exit(errno);
		_exit(mp_msgctl(id, IPC_RMID, NULL) ? MPT_BAD : 0);
	}
	EXPECT_EQ(0, mpt_wait(pid));
	EXPECT_EQ(before, mailbox_count());
}

TEST_F(mb, attr_unlimited_max_bytes_as_root_is_accepted)
{
	struct mp_attr a = { .flags = MP_ATTR_MAX_BYTES, .max_bytes = MP_UNLIMITED };
	struct mp_mbox_info in;
	struct msqid_ds ds;
	int id = mpt_new_attr(&a, 0600);

	ASSERT_LE(0, id) TH_LOG("%s", strerror(errno));
	ASSERT_EQ(0, mp_mbox_info(id, &in));
	EXPECT_EQ(MP_UNLIMITED, in.max_bytes);
	ASSERT_EQ(0, mp_msgctl(id, IPC_STAT, &ds));
	EXPECT_EQ(ULONG_MAX, ds.msg_qbytes);
}

TEST_F(mb, attr_without_fields_gets_defaults_and_caller_owns_it)
{
	struct mp_attr a = { 0 };
	struct mp_mbox_info in;
	int id = mpt_new_attr(&a, 0640);

	ASSERT_LE(0, id);
	ASSERT_EQ(0, mp_mbox_info(id, &in));
	EXPECT_EQ(id, in.id);
	EXPECT_EQ(MP_KIND_QUEUE, in.kind);
	EXPECT_EQ(MP_LIFETIME_SYSTEM, in.lifetime);
	EXPECT_EQ(msgmnb(), (long)in.max_bytes);
	EXPECT_EQ(msgmax(), (long)in.msg_max);
	EXPECT_EQ(getpid(), in.owner_pid);
	EXPECT_EQ(0640, in.mode & 0777);
	EXPECT_EQ(0, in.flags);
}

/* ---------------------------------------------------------------------
 * Priorities
 */

TEST_F(mb, higher_priority_is_received_first_fifo_within)
{
	static const struct { const char *t; unsigned int p; } s[] = {
		{ "a", 1 }, { "b", 5 }, { "c", 1 }, { "d", 5 }, { "e", 0 }, { "f", 255 },
	};
	static const char *const order[] = { "f", "b", "d", "a", "c", "e" };
	struct mp_msghdr h;
	struct mpt_msg m;
	int id = mpt_new(0600);

	ASSERT_LE(0, id);
	for (size_t i = 0; i < ARRAY_SIZE(s); i++) {
		if (s[i].p) {
			ASSERT_EQ(0, mpt_send_ext(id, 1, s[i].t, IPC_NOWAIT, 0, s[i].p, 0));
		} else {
			ASSERT_EQ(0, mpt_send(id, 1, s[i].t, IPC_NOWAIT));
		}
	}
	for (size_t i = 0; i < ARRAY_SIZE(order); i++) {
		ASSERT_EQ(1, mpt_recv_ext(id, &m, 0, IPC_NOWAIT, NULL, &h));
		EXPECT_STREQ(order[i], m.mtext);
	}
}

TEST_F(mb, priority_above_max_is_einval)
{
	int id = mpt_new(0600);

	ASSERT_LE(0, id);
	EXPECT_EQ(-1, mpt_send_ext(id, 1, "x", IPC_NOWAIT, 0, MP_PRIO_MAX + 1, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, mpt_send_ext(id, 1, "x", IPC_NOWAIT, 0, ~0U, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, mpt_qnum(id));
	EXPECT_EQ(0, mpt_send_ext(id, 1, "x", IPC_NOWAIT, 0, MP_PRIO_MAX, 0));
}

TEST_F(mb, type_selection_applies_within_priority_order)
{
	struct mpt_msg m;
	int id = mpt_new(0600);

	ASSERT_LE(0, id);
	ASSERT_EQ(0, mpt_send_ext(id, 1, "t1p0", IPC_NOWAIT, 0, 0, 0));
	ASSERT_EQ(0, mpt_send_ext(id, 2, "t2p5", IPC_NOWAIT, 0, 5, 0));
	ASSERT_EQ(0, mpt_send_ext(id, 1, "t1p9", IPC_NOWAIT, 0, 9, 0));
	ASSERT_EQ(0, mpt_send_ext(id, 3, "t3p9", IPC_NOWAIT, 0, 9, 0));
	/* First of type 1 in priority order: the priority-9 one. */
	EXPECT_EQ(4, mpt_recv(id, &m, 1, IPC_NOWAIT));
	EXPECT_STREQ("t1p9", m.mtext);
	/* First not of type 3: the priority-5 type 2. */
	EXPECT_EQ(4, mpt_recv(id, &m, 3, IPC_NOWAIT | MSG_EXCEPT));
	EXPECT_STREQ("t2p5", m.mtext);
	/* Lowest type <= 3: type 1 (priority 0) before type 3 (priority 9). */
	EXPECT_EQ(4, mpt_recv(id, &m, -3, IPC_NOWAIT));
	EXPECT_STREQ("t1p0", m.mtext);
	EXPECT_EQ(4, mpt_recv(id, &m, 0, IPC_NOWAIT));
	EXPECT_STREQ("t3p9", m.mtext);
}

TEST_F(mb, min_prio_receives_only_at_or_above)
{
	struct mp_recvopt o = { .flags = MP_RECV_MIN_PRIO, .min_priority = 3 };
	struct mp_msghdr h;
	struct mpt_msg m;
	int id = mpt_new(0600);

	ASSERT_LE(0, id);
	ASSERT_EQ(0, mpt_send_ext(id, 1, "p1", IPC_NOWAIT, 0, 1, 0));
	ASSERT_EQ(0, mpt_send_ext(id, 1, "p3", IPC_NOWAIT, 0, 3, 0));
	ASSERT_EQ(0, mpt_send_ext(id, 1, "p2", IPC_NOWAIT, 0, 2, 0));
	EXPECT_EQ(2, mpt_recv_ext(id, &m, 0, IPC_NOWAIT, &o, &h));
	EXPECT_STREQ("p3", m.mtext);
	EXPECT_EQ(3, h.priority);
	EXPECT_EQ(-1, mpt_recv_ext(id, &m, 0, IPC_NOWAIT, &o, &h));
	EXPECT_EQ(ENOMSG, errno);
	EXPECT_EQ(2, mpt_qnum(id));
	EXPECT_EQ(2, mpt_recv(id, &m, 0, IPC_NOWAIT));
	EXPECT_STREQ("p2", m.mtext);
}

TEST_F(mb, unknown_send_flags_are_einval)
{
	int id = mpt_new(0600);

	ASSERT_LE(0, id);
	EXPECT_EQ(-1, mpt_send_ext(id, 1, "x", IPC_NOWAIT, MP_SEND_ALL + 1, 0, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, mpt_send_ext(id, 1, "x", IPC_NOWAIT, 1ULL << 63, 0, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, mpt_qnum(id));
}

TEST_F(mb, unknown_recv_flags_are_einval)
{
	struct mp_recvopt o = { .flags = MP_RECV_ALL + 1 };
	struct mpt_msg m;
	int id = mpt_new(0600);

	ASSERT_LE(0, id);
	ASSERT_EQ(0, mpt_send(id, 1, "x", IPC_NOWAIT));
	EXPECT_EQ(-1, mpt_recv_ext(id, &m, 0, IPC_NOWAIT, &o, NULL));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(1, mpt_qnum(id));
}

/* ---------------------------------------------------------------------
 * Message headers
 */

TEST_F(mb, header_seq_is_gap_free_from_one_in_send_order)
{
	struct mp_msghdr h;
	struct mpt_msg m;
	int id = mpt_new(0600);

	ASSERT_LE(0, id);
	for (int i = 0; i < 6; i++) {
		ASSERT_EQ(0, mpt_send_ext(id, 1 + i % 2, "s", IPC_NOWAIT, 0, i == 4 ? 9 : 0, 0));
	}
	/* seq is the send order whatever order they are taken in. */
	ASSERT_EQ(1, mpt_recv_ext(id, &m, 0, IPC_NOWAIT, NULL, &h));
	EXPECT_EQ(5, h.seq);
	ASSERT_EQ(1, mpt_recv_ext(id, &m, 2, IPC_NOWAIT, NULL, &h));
	EXPECT_EQ(2, h.seq);
	for (int want = 1; want <= 6; want++) {
		if (want == 2 || want == 5)
			continue;
		ASSERT_EQ(1, mpt_recv_ext(id, &m, 0, IPC_NOWAIT, NULL, &h));
		EXPECT_EQ(want, h.seq);
	}
	ASSERT_EQ(0, mpt_send(id, 1, "s", IPC_NOWAIT));
	ASSERT_EQ(1, mpt_recv_ext(id, &m, 0, IPC_NOWAIT, NULL, &h));
	EXPECT_EQ(7, h.seq);
}

TEST_F(mb, header_reports_sender_mailbox_type_len_priority)
{
	struct mp_msghdr h;
	struct mpt_msg m;
	int id = mpt_new(0600);
	pid_t pid;

	ASSERT_LE(0, id);
	pid = mpt_fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(mpt_send_ext(id, 42, "header", IPC_NOWAIT, 0, 7, 0) ? errno : 0);
	ASSERT_EQ(0, mpt_wait(pid));
	memset(&h, 0xa5, sizeof(h));
	ASSERT_EQ(6, mpt_recv_ext(id, &m, 0, IPC_NOWAIT, NULL, &h));
	EXPECT_EQ(42, h.type);
	EXPECT_EQ(6, h.len);
	EXPECT_EQ(1, h.seq);
	EXPECT_EQ(pid, h.sender_pid);
	EXPECT_EQ(geteuid(), h.sender_uid);
	EXPECT_EQ(id, h.receiver);
	EXPECT_EQ(7, h.priority);
	EXPECT_EQ(0, h.flags);
	EXPECT_EQ(0, h.overrun);
	EXPECT_EQ(0, h.__pad);
}

TEST_F(mb, header_sender_uid_is_senders_effective_uid)
{
	struct mp_msghdr h;
	struct mpt_msg m;
	int id = mpt_new(0622);

	ASSERT_LE(0, id);
	ASSERT_EQ(0, MPT_AS_NOBODY(mpt_code_eq(mpt_send(id, 1, "n", IPC_NOWAIT), 0)));
	ASSERT_EQ(1, mpt_recv_ext(id, &m, 0, IPC_NOWAIT, NULL, &h));
	EXPECT_EQ(MPT_NOBODY, h.sender_uid);
}

TEST_F(mb, header_stime_ns_is_realtime_of_send)
{
	int64_t t0, t1;
	struct mp_msghdr h;
	struct mpt_msg m;
	int id = mpt_new(0600);

	ASSERT_LE(0, id);
	/*
	 * The stamp is CLOCK_REALTIME_COARSE's: read that clock around the
	 * send, and it lies between, however late the last tick was.
	 */
	t0 = mpt_ns(CLOCK_REALTIME_COARSE);
	ASSERT_EQ(0, mpt_send(id, 1, "t", IPC_NOWAIT));
	t1 = mpt_ns(CLOCK_REALTIME_COARSE);
	ASSERT_EQ(1, mpt_recv_ext(id, &m, 0, IPC_NOWAIT, NULL, &h));
	EXPECT_LE(t0, (int64_t)h.stime_ns);
	EXPECT_GE(t1, (int64_t)h.stime_ns);
	/* And it is the real time of day, not some other clock. */
	EXPECT_LE((int64_t)h.stime_ns, mpt_ns(CLOCK_REALTIME));
}

TEST_F(mb, header_truncated_flag_and_full_len_with_msg_noerror)
{
	struct mp_msghdr h;
	struct mpt_msg m;
	int id = mpt_new(0600);

	ASSERT_LE(0, id);
	ASSERT_EQ(0, mpt_send(id, 1, "0123456789", IPC_NOWAIT));
	memset(&m, 0, sizeof(m));
	EXPECT_EQ(3, mp_msgrcv_ext(id, &m, 3, 0, IPC_NOWAIT | MSG_NOERROR, NULL, &h));
	EXPECT_EQ(10, h.len);
	EXPECT_TRUE(h.flags & MP_MSG_TRUNCATED);
	ASSERT_EQ(0, mpt_send(id, 1, "012", IPC_NOWAIT));
	EXPECT_EQ(3, mp_msgrcv_ext(id, &m, 3, 0, IPC_NOWAIT | MSG_NOERROR, NULL, &h));
	EXPECT_EQ(3, h.len);
	EXPECT_FALSE(h.flags & MP_MSG_TRUNCATED);
}

/* ---------------------------------------------------------------------
 * Timeouts
 */

TEST_F(mb, send_timeout_on_full_mailbox_is_etimedout)
{
	int id = mpt_new_cap(1, 0600);
	int64_t t0, dt;

	ASSERT_LE(0, id);
	ASSERT_EQ(0, mpt_send(id, 1, "full", IPC_NOWAIT));
	t0 = mpt_ns(CLOCK_MONOTONIC);
	EXPECT_EQ(-1, mpt_send_ext(id, 1, "late", 0, MP_SEND_TIMEOUT, 0, 300 * MS));
	EXPECT_EQ(ETIMEDOUT, errno);
	dt = mpt_ns(CLOCK_MONOTONIC) - t0;
	EXPECT_LE(300 * (int64_t)MS, dt);
	EXPECT_GT(5300 * (int64_t)MS, dt);
	EXPECT_EQ(1, mpt_qnum(id));
}

TEST_F(mb, receive_timeout_on_empty_mailbox_is_etimedout)
{
	struct mp_recvopt o = { .flags = MP_RECV_TIMEOUT, .timeout_ns = 300 * MS };
	struct mpt_msg m;
	int id = mpt_new(0600);
	int64_t t0, dt;

	ASSERT_LE(0, id);
	t0 = mpt_ns(CLOCK_MONOTONIC);
	EXPECT_EQ(-1, mpt_recv_ext(id, &m, 0, 0, &o, NULL));
	EXPECT_EQ(ETIMEDOUT, errno);
	dt = mpt_ns(CLOCK_MONOTONIC) - t0;
	EXPECT_LE(300 * (int64_t)MS, dt);
	EXPECT_GT(5300 * (int64_t)MS, dt);
}

TEST_F(mb, receive_with_timeout_gets_message_that_arrives_in_time)
{
	struct mp_recvopt o = { .flags = MP_RECV_TIMEOUT, .timeout_ns = 20000 * MS };
	struct mpt_msg m;
	int id = mpt_new(0600);
	pid_t pid;

	ASSERT_LE(0, id);
	pid = mpt_fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (mpt_wait_waiters(id, 1, 0))
			_exit(MPT_NOWAIT);
		_exit(mpt_send(id, 1, "in time", IPC_NOWAIT) ? errno : 0);
	}
	EXPECT_EQ(7, mpt_recv_ext(id, &m, 0, 0, &o, NULL));
	EXPECT_STREQ("in time", m.mtext);
	EXPECT_EQ(0, mpt_wait(pid));
}

/* ---------------------------------------------------------------------
 * Synchronous sends
 */

TEST_F(mb, sync_send_returns_only_after_receiver_took_message)
{
	int id = mpt_new(0600), p[2];
	pid_t pid;

	ASSERT_LE(0, id);
	ASSERT_EQ(0, pipe(p));
	pid = mpt_fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int64_t end = mpt_ns(CLOCK_MONOTONIC) + MPT_WAIT_MS * MS;
		struct mp_msghdr h;
		struct mpt_msg m;

		close(p[0]);
		while (mpt_qnum(id) < 1 && mpt_ns(CLOCK_MONOTONIC) < end)
			mpt_msleep(2);
		/* Give a broken (non-waiting) send every chance to return. */
		mpt_msleep(200);
		mpt_put(p[1], 'R');
		if (mpt_recv_ext(id, &m, 0, IPC_NOWAIT, NULL, &h) != 4)
			_exit(errno);
		if (strcmp(m.mtext, "sync"))
			_exit(MPT_BAD);
		_exit(h.flags & MP_MSG_SYNC ? 0 : MPT_BAD2);
	}
	close(p[1]);
	/* The timeout only turns a missed wake-up into a failure. */
	ASSERT_EQ(0, mpt_send_ext(id, 1, "sync", 0, MP_SEND_SYNC | MP_SEND_TIMEOUT, 0, 8000 * MS))
		TH_LOG("%s", strerror(errno));
	/* The receiver wrote before it received: that write is visible now. */
	EXPECT_TRUE(mpt_ready_now(p[0])) TH_LOG("sync send returned before the receive");
	EXPECT_EQ(0, mpt_wait(pid));
	EXPECT_EQ(0, mpt_qnum(id));
	close(p[0]);
}

TEST_F(mb, sync_send_timeout_withdraws_message)
{
	struct mp_counters_info c0, c1;
	struct mpt_msg m;
	int id = mpt_new(0600);
	int64_t t0;

	ASSERT_LE(0, id);
	ASSERT_EQ(0, mp_counters(&c0));
	t0 = mpt_ns(CLOCK_MONOTONIC);
	EXPECT_EQ(-1, mpt_send_ext(id, 1, "gone", 0, MP_SEND_SYNC | MP_SEND_TIMEOUT, 0, 200 * MS));
	EXPECT_EQ(ETIMEDOUT, errno);
	EXPECT_LE(200 * (int64_t)MS, mpt_ns(CLOCK_MONOTONIC) - t0);
	EXPECT_EQ(0, mpt_qnum(id));
	EXPECT_EQ(-1, mpt_recv(id, &m, 0, IPC_NOWAIT));
	EXPECT_EQ(ENOMSG, errno);
	ASSERT_EQ(0, mp_counters(&c1));
	EXPECT_EQ(c0.messages, c1.messages);
	EXPECT_EQ(c0.bytes, c1.bytes);
}

TEST_F(mb, sync_send_interrupted_withdraws_message)
{
	struct mpt_msg m;
	int id = mpt_new(0600);
	int64_t end;
	pid_t pid;

	ASSERT_LE(0, id);
	pid = mpt_fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (mpt_catch(SIGUSR1, 1))
			_exit(MPT_BAD2);
		_exit(mpt_errno_code(mpt_send_ext(id, 1, "gone", 0, MP_SEND_SYNC, 0, 0)));
	}
	/* Queued means the sender is inside the call. */
	end = mpt_ns(CLOCK_MONOTONIC) + MPT_WAIT_MS * MS;
	while (mpt_qnum(id) < 1 && mpt_ns(CLOCK_MONOTONIC) < end)
		mpt_msleep(2);
	ASSERT_EQ(1, mpt_qnum(id)) TH_LOG("the sync sender never queued its message");
	ASSERT_EQ(0, kill(pid, SIGUSR1));
	EXPECT_EQ(EINTR, mpt_wait(pid));
	EXPECT_EQ(0, mpt_qnum(id));
	EXPECT_EQ(-1, mpt_recv(id, &m, 0, IPC_NOWAIT));
	EXPECT_EQ(ENOMSG, errno);
}

/* ---------------------------------------------------------------------
 * Zero capacity
 */

TEST_F(mb, zero_capacity_nowait_send_without_receiver_is_eagain)
{
	int id = new_zero_cap();

	ASSERT_LE(0, id);
	EXPECT_EQ(-1, mpt_send(id, 1, "x", IPC_NOWAIT));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_EQ(0, mpt_qnum(id));
}

TEST_F(mb, zero_capacity_nowait_send_with_waiting_receiver_succeeds)
{
	int id = new_zero_cap();
	pid_t pid;

	ASSERT_LE(0, id);
	pid = mpt_fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct mpt_msg m;

		if (mpt_recv(id, &m, 0, 0) != 4)
			_exit(errno);
		_exit(strcmp(m.mtext, "meet") ? MPT_BAD : 0);
	}
	ASSERT_EQ(0, mpt_wait_waiters(id, 1, 0)) TH_LOG("the receiver never blocked");
	EXPECT_EQ(0, mpt_send(id, 1, "meet", IPC_NOWAIT)) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(0, mpt_wait(pid));
	EXPECT_EQ(0, mpt_qnum(id));
}

TEST_F(mb, zero_capacity_blocking_send_is_rendezvous)
{
	int id = new_zero_cap(), p[2];
	pid_t pid;

	ASSERT_LE(0, id);
	ASSERT_EQ(0, pipe(p));
	pid = mpt_fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct mpt_msg m;

		close(p[0]);
		if (mpt_wait_waiters(id, 0, 1))
			_exit(MPT_NOWAIT);
		mpt_msleep(200);
		mpt_put(p[1], 'R');
		if (mpt_recv(id, &m, 0, IPC_NOWAIT) != 4)
			_exit(errno);
		_exit(strcmp(m.mtext, "meet") ? MPT_BAD : 0);
	}
	close(p[1]);
	/* The timeout only turns a missed rendezvous into a failure. */
	ASSERT_EQ(0, mpt_send_ext(id, 1, "meet", 0, MP_SEND_TIMEOUT, 0, 15000 * MS))
		TH_LOG("%s", strerror(errno));
	EXPECT_TRUE(mpt_ready_now(p[0])) TH_LOG("send returned before the receive");
	EXPECT_EQ(0, mpt_wait(pid));
	close(p[0]);
}

/* ---------------------------------------------------------------------
 * Peek
 */

TEST_F(mb, peek_copies_message_and_leaves_it_queued)
{
	struct mp_recvopt o = { .flags = MP_RECV_PEEK };
	struct mp_msghdr h1, h2;
	struct mpt_msg m;
	int id = mpt_new(0600);

	ASSERT_LE(0, id);
	ASSERT_EQ(0, mpt_send(id, 1, "peek", IPC_NOWAIT));
	ASSERT_EQ(0, mpt_send(id, 1, "next", IPC_NOWAIT));
	EXPECT_EQ(4, mpt_recv_ext(id, &m, 0, IPC_NOWAIT, &o, &h1));
	EXPECT_STREQ("peek", m.mtext);
	EXPECT_EQ(4, mpt_recv_ext(id, &m, 0, IPC_NOWAIT, &o, &h1));
	EXPECT_STREQ("peek", m.mtext);
	EXPECT_EQ(2, mpt_qnum(id));
	EXPECT_EQ(4, mpt_recv_ext(id, &m, 0, IPC_NOWAIT, NULL, &h2));
	EXPECT_STREQ("peek", m.mtext);
	EXPECT_EQ(h1.seq, h2.seq);
	EXPECT_EQ(1, mpt_qnum(id));
}

TEST_F(mb, blocking_peek_wakes_on_send_and_leaves_message)
{
	int id = mpt_new(0600);
	pid_t pid;

	ASSERT_LE(0, id);
	pid = mpt_fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct mp_recvopt o = { .flags = MP_RECV_PEEK };
		struct mpt_msg m;

		if (mpt_recv_ext(id, &m, 0, 0, &o, NULL) != 4)
			_exit(errno);
		_exit(strcmp(m.mtext, "seen") ? MPT_BAD : 0);
	}
	ASSERT_EQ(0, mpt_wait_waiters(id, 1, 0)) TH_LOG("the peeker never blocked");
	ASSERT_EQ(0, mpt_send(id, 1, "seen", IPC_NOWAIT));
	EXPECT_EQ(0, mpt_wait(pid));
	EXPECT_EQ(1, mpt_qnum(id));
}

/* ---------------------------------------------------------------------
 * Ownership and lifetime
 */

TEST_F(mb, owned_mailbox_other_user_cannot_receive_but_can_send)
{
	int id = new_mbox(0, MP_KIND_QUEUE, MP_LIFETIME_SYSTEM, 0, 0666);
	struct mpt_msg m;

	ASSERT_LE(0, id);
	ASSERT_EQ(0, mpt_send(id, 1, "mine", IPC_NOWAIT));
	EXPECT_EQ(EACCES, MPT_AS_NOBODY(mpt_errno_code(mpt_recv(id, &m, 0, IPC_NOWAIT))));
	EXPECT_EQ(0, MPT_AS_NOBODY(mpt_code_eq(mpt_send(id, 1, "more", IPC_NOWAIT), 0)));
	EXPECT_EQ(2, mpt_qnum(id));
	EXPECT_EQ(4, mpt_recv(id, &m, 0, IPC_NOWAIT));
}

TEST_F(mb, owned_mailbox_other_root_process_cannot_receive)
{
	int id = new_mbox(0, MP_KIND_QUEUE, MP_LIFETIME_SYSTEM, 0, 0666);
	struct mpt_msg m;

	ASSERT_LE(0, id);
	ASSERT_EQ(0, mpt_send(id, 1, "mine", IPC_NOWAIT));
	EXPECT_EQ(EACCES, MPT_IN_CHILD(mpt_errno_code(mpt_recv(id, &m, 0, IPC_NOWAIT))));
	EXPECT_EQ(1, mpt_qnum(id));
}

TEST_F(mb, grant_lets_process_receive_and_revoke_stops_it)
{
	int id = new_mbox(0, MP_KIND_QUEUE, MP_LIFETIME_SYSTEM, 0, 0666);
	int down[2], up[2];
	pid_t pid;

	ASSERT_LE(0, id);
	ASSERT_EQ(0, pipe(down));
	ASSERT_EQ(0, pipe(up));
	pid = mpt_fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct mpt_msg m;

		if (mpt_drop_privs() || mp_fd() < 0)
			_exit(MPT_NOPRIV);
		mpt_put(up[1], 'r');
		while (mpt_get(down[0]) == 'g')
			mpt_put(up[1], (char)mpt_code_eq(mpt_recv(id, &m, 0, IPC_NOWAIT), 1));
		_exit(0);
	}
	ASSERT_EQ('r', mpt_get(up[0]));
	ASSERT_EQ(0, mpt_send(id, 1, "a", IPC_NOWAIT));
	ASSERT_EQ(0, mpt_send(id, 1, "b", IPC_NOWAIT));
	ASSERT_EQ(0, mpt_put(down[1], 'g'));
	EXPECT_EQ(EACCES, mpt_get(up[0]));
	ASSERT_EQ(0, mp_mbox_grant(id, pid)) TH_LOG("grant: %s", strerror(errno));
	ASSERT_EQ(0, mpt_put(down[1], 'g'));
	EXPECT_EQ(0, mpt_get(up[0]));
	ASSERT_EQ(0, mp_mbox_revoke(id, pid)) TH_LOG("revoke: %s", strerror(errno));
	ASSERT_EQ(0, mpt_put(down[1], 'g'));
	EXPECT_EQ(EACCES, mpt_get(up[0]));
	ASSERT_EQ(0, mpt_put(down[1], 'q'));
	EXPECT_EQ(0, mpt_wait(pid));
	EXPECT_EQ(1, mpt_qnum(id));
}

TEST_F(mb, grant_by_non_owner_is_eperm)
{
	int id = new_mbox(0, MP_KIND_QUEUE, MP_LIFETIME_SYSTEM, 0, 0666);
	pid_t other = idle_child(1, 0);

	ASSERT_LE(0, id);
	ASSERT_LT(0, other);
	EXPECT_EQ(EPERM, MPT_AS_NOBODY(mpt_errno_code(mp_mbox_grant(id, other))));
	EXPECT_EQ(EPERM, MPT_AS_NOBODY(mpt_errno_code(mp_mbox_grant(id, getpid()))));
	stop_child(other);
}

TEST_F(mb, revoke_by_non_owner_is_eperm)
{
	int id = new_mbox(0, MP_KIND_QUEUE, MP_LIFETIME_SYSTEM, 0, 0666);
	pid_t other = idle_child(1, 0);

	ASSERT_LE(0, id);
	ASSERT_LT(0, other);
	ASSERT_EQ(0, mp_mbox_grant(id, other));
	EXPECT_EQ(EPERM, MPT_AS_NOBODY(mpt_errno_code(mp_mbox_revoke(id, other))));
	EXPECT_EQ(0, mp_mbox_revoke(id, other));
	stop_child(other);
}

TEST_F(mb, revoke_never_granted_is_enoent)
{
	int id = new_mbox(0, MP_KIND_QUEUE, MP_LIFETIME_SYSTEM, 0, 0600);
	pid_t other = idle_child(1, 0);

	ASSERT_LE(0, id);
	ASSERT_LT(0, other);
	EXPECT_EQ(-1, mp_mbox_revoke(id, other));
	EXPECT_EQ(ENOENT, errno);
	stop_child(other);
}

TEST_F(mb, grant_twice_is_one_grant)
{
	int id = new_mbox(0, MP_KIND_QUEUE, MP_LIFETIME_SYSTEM, 0, 0600);
	pid_t other = idle_child(1, 0);

	ASSERT_LE(0, id);
	ASSERT_LT(0, other);
	EXPECT_EQ(0, mp_mbox_grant(id, other));
	EXPECT_EQ(0, mp_mbox_grant(id, other));
	EXPECT_EQ(0, mp_mbox_revoke(id, other));
	EXPECT_EQ(-1, mp_mbox_revoke(id, other));
	EXPECT_EQ(ENOENT, errno);
	stop_child(other);
}

/*
 * A grant names a live process; it need not have opened the device yet,
 * so a parent can grant a child right after fork().
 */
TEST_F(mb, grant_to_live_process_without_endpoint_succeeds)
{
	int id = new_mbox(0, MP_KIND_QUEUE, MP_LIFETIME_SYSTEM, 0, 0600);
	pid_t other = idle_child(0, 0);

	ASSERT_LE(0, id);
	ASSERT_LT(0, other);
	EXPECT_EQ(0, mp_mbox_grant(id, other));
	EXPECT_EQ(0, mp_mbox_revoke(id, other));
	stop_child(other);
}

TEST_F(mb, grant_to_pid_of_no_process_is_esrch)
{
	int id = new_mbox(0, MP_KIND_QUEUE, MP_LIFETIME_SYSTEM, 0, 0600);
	pid_t dead;

	ASSERT_LE(0, id);
	/* A pid nobody has any more. */
	dead = mpt_fork();
	ASSERT_LE(0, dead);
	if (dead == 0)
		_exit(0);
	ASSERT_EQ(0, mpt_wait(dead));
	EXPECT_EQ(-1, mp_mbox_grant(id, dead));
	EXPECT_EQ(ESRCH, errno);
}

TEST_F(mb, grant_on_system_v_or_mode_receive_mailbox_is_einval)
{
	int sysv = mpt_new(0600);
	int moder = new_mbox(MP_ATTR_MODE_RECEIVE, MP_KIND_QUEUE, MP_LIFETIME_SYSTEM, 0, 0600);
	pid_t other = idle_child(1, 0);

	ASSERT_LE(0, sysv);
	ASSERT_LE(0, moder);
	ASSERT_LT(0, other);
	EXPECT_EQ(-1, mp_mbox_grant(sysv, other));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, mp_mbox_grant(moder, other));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, mp_mbox_revoke(sysv, other));
	EXPECT_EQ(EINVAL, errno);
	stop_child(other);
}

TEST_F(mb, grants_are_limited_to_64)
{
	int id = new_mbox(0, MP_KIND_QUEUE, MP_LIFETIME_SYSTEM, 0, 0600);
	pid_t kids[65];

	ASSERT_LE(0, id);
	for (int i = 0; i < 65; i++) {
		kids[i] = idle_child(1, 0);
		ASSERT_LT(0, kids[i]);
	}
	for (int i = 0; i < 64; i++) {
		ASSERT_EQ(0, mp_mbox_grant(id, kids[i])) TH_LOG("grant %d: %s", i, strerror(errno));
	}
	EXPECT_EQ(-1, mp_mbox_grant(id, kids[64]));
	EXPECT_EQ(ENOSPC, errno);
	/* Granting again someone already granted is still fine. */
	EXPECT_EQ(0, mp_mbox_grant(id, kids[0]));
	for (int i = 0; i < 65; i++)
		stop_child(kids[i]);
}

TEST_F(mb, set_owner_transfers_receive_right)
{
	int down[2], up[2], id;
	struct mp_mbox_info in;
	pid_t oldp, newp;

	ASSERT_EQ(0, pipe(down));
	ASSERT_EQ(0, pipe(up));
	newp = idle_child(1, 0);
	ASSERT_LT(0, newp);
	/* The old owner is nobody, so no capability muddles its EACCES. */
	oldp = mpt_fork();
	ASSERT_LE(0, oldp);
	if (oldp == 0) {
		struct mpt_msg m;
		int mid, target;

		if (mpt_drop_privs())
			_exit(MPT_NOPRIV);
		mid = new_mbox(0, MP_KIND_QUEUE, MP_LIFETIME_SYSTEM, 0, 0666);
		if (mid < 0)
			_exit(MPT_BAD);
		mpt_put_int(up[1], mid);
		if (mpt_get_int(down[0], &target))
			_exit(MPT_NOSYNC);
		if (mpt_send(mid, 1, "x", IPC_NOWAIT))
			_exit(MPT_BAD2);
		if (mp_mbox_set_owner(mid, target))
			_exit(MPT_BAD3);
		_exit(mpt_errno_code(mpt_recv(mid, &m, 0, IPC_NOWAIT)));
	}
	ASSERT_EQ(0, mpt_get_int(up[0], &id));
	mpt_track(id);
	ASSERT_EQ(0, mp_mbox_info(id, &in));
	EXPECT_EQ(oldp, in.owner_pid);
	ASSERT_EQ(0, mpt_put_int(down[1], newp));
	EXPECT_EQ(EACCES, mpt_wait(oldp));
	ASSERT_EQ(0, mp_mbox_info(id, &in));
	EXPECT_EQ(newp, in.owner_pid);
	EXPECT_EQ(1, in.qnum);
	stop_child(newp);
}

TEST_F(mb, set_owner_new_owner_can_receive)
{
	int id = new_mbox(0, MP_KIND_QUEUE, MP_LIFETIME_SYSTEM, 0, 0666);
	int down[2], up[2];
	pid_t pid;

	ASSERT_LE(0, id);
	ASSERT_EQ(0, pipe(down));
	ASSERT_EQ(0, pipe(up));
	pid = mpt_fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct mpt_msg m;

		if (mpt_drop_privs() || mp_fd() < 0)
			_exit(MPT_NOPRIV);
		mpt_put(up[1], 'r');
		if (mpt_get(down[0]) != 'g')
			_exit(MPT_NOSYNC);
		_exit(mpt_code_eq(mpt_recv(id, &m, 0, IPC_NOWAIT), 3));
	}
	ASSERT_EQ('r', mpt_get(up[0]));
	ASSERT_EQ(0, mpt_send(id, 1, "new", IPC_NOWAIT));
	ASSERT_EQ(0, mp_mbox_set_owner(id, pid)) TH_LOG("%s", strerror(errno));
	ASSERT_EQ(0, mpt_put(down[1], 'g'));
	EXPECT_EQ(0, mpt_wait(pid));
}

TEST_F(mb, set_owner_makes_new_owner_uid_and_gid_the_owner_ids)
{
	int id = new_mbox(0, MP_KIND_QUEUE, MP_LIFETIME_SYSTEM, 0, 0600);
	pid_t other = idle_child(1, 1);
	struct mp_mbox_info in;
	struct msqid_ds ds;

	ASSERT_LE(0, id);
	ASSERT_LT(0, other);
	ASSERT_EQ(0, mp_mbox_set_owner(id, other)) TH_LOG("%s", strerror(errno));
	ASSERT_EQ(0, mp_mbox_info(id, &in));
	EXPECT_EQ(other, in.owner_pid);
	EXPECT_EQ(MPT_NOBODY, in.uid);
	EXPECT_EQ(MPT_NOBODY, in.gid);
	EXPECT_EQ(geteuid(), in.cuid);
	EXPECT_EQ(getegid(), in.cgid);
	ASSERT_EQ(0, mp_msgctl(id, IPC_STAT, &ds));
	EXPECT_EQ(MPT_NOBODY, ds.msg_perm.uid);
	EXPECT_EQ(MPT_NOBODY, ds.msg_perm.gid);
	stop_child(other);
}

TEST_F(mb, set_owner_process_lifetime_follows_new_owner)
{
	int up[2], down[2], id;
	struct mp_mbox_info in;
	pid_t oldp, newp;

	ASSERT_EQ(0, pipe(up));
	ASSERT_EQ(0, pipe(down));
	newp = idle_child(1, 0);
	ASSERT_LT(0, newp);
	oldp = mpt_fork();
	ASSERT_LE(0, oldp);
	if (oldp == 0) {
		int mid = new_mbox(0, MP_KIND_QUEUE, MP_LIFETIME_PROCESS, 0, 0600);

		if (mid < 0)
			_exit(MPT_BAD);
		if (mp_mbox_set_owner(mid, newp))
			_exit(errno);
		mpt_put_int(up[1], mid);
		_exit(0);
	}
	ASSERT_EQ(0, mpt_get_int(up[0], &id));
	mpt_track(id);
	ASSERT_EQ(0, mpt_wait(oldp));
	/* The creator is gone; the mailbox lives on with its new owner. */
	ASSERT_EQ(0, mp_mbox_info(id, &in)) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(newp, in.owner_pid);
	EXPECT_EQ(MP_LIFETIME_PROCESS, in.lifetime);
	stop_child(newp);
	EXPECT_EQ(-1, mp_mbox_info(id, &in));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(mb, set_owner_bad_pid_is_einval)
{
	int id = new_mbox(0, MP_KIND_QUEUE, MP_LIFETIME_SYSTEM, 0, 0600);

	ASSERT_LE(0, id);
	EXPECT_EQ(-1, mp_mbox_set_owner(id, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, mp_mbox_set_owner(id, -1));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(mb, set_owner_to_pid_without_endpoint_is_esrch)
{
	int id = new_mbox(0, MP_KIND_QUEUE, MP_LIFETIME_SYSTEM, 0, 0600);
	pid_t other = idle_child(0, 0);
	struct mp_mbox_info in;

	ASSERT_LE(0, id);
	ASSERT_LT(0, other);
	EXPECT_EQ(-1, mp_mbox_set_owner(id, other));
	EXPECT_EQ(ESRCH, errno);
	ASSERT_EQ(0, mp_mbox_info(id, &in));
	EXPECT_EQ(getpid(), in.owner_pid);
	stop_child(other);
}

TEST_F(mb, set_owner_by_non_owner_is_eperm)
{
	int id = new_mbox(0, MP_KIND_QUEUE, MP_LIFETIME_SYSTEM, 0, 0666);
	struct mp_mbox_info in;

	ASSERT_LE(0, id);
	EXPECT_EQ(EPERM, MPT_AS_NOBODY(mp_fd() < 0 ? MPT_BAD :
				       mpt_errno_code(mp_mbox_set_owner(id, getpid()))));
	ASSERT_EQ(0, mp_mbox_info(id, &in));
	EXPECT_EQ(getpid(), in.owner_pid);
}

TEST_F(mb, process_lifetime_mailbox_is_removed_when_owner_exits)
{
	struct mp_counters_info c0, c1;
	struct mp_mbox_info in;
	int up[2], id;
	pid_t pid;

	ASSERT_EQ(0, pipe(up));
	ASSERT_EQ(0, mp_counters(&c0));
	pid = mpt_fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int mid = new_mbox(0, MP_KIND_QUEUE, MP_LIFETIME_PROCESS, 0, 0600);

		if (mid < 0)
			_exit(errno);
		if (mpt_send(mid, 1, "lost", IPC_NOWAIT) || mpt_send(mid, 1, "too", IPC_NOWAIT))
			_exit(MPT_BAD);
		mpt_put_int(up[1], mid);
		_exit(0);
	}
	ASSERT_EQ(0, mpt_get_int(up[0], &id));
	mpt_track(id);
	ASSERT_EQ(0, mpt_wait(pid));
	EXPECT_EQ(-1, mp_mbox_info(id, &in));
	EXPECT_EQ(EINVAL, errno);
	ASSERT_EQ(0, mp_counters(&c1));
	EXPECT_EQ(c0.mailboxes, c1.mailboxes);
	EXPECT_EQ(c0.messages, c1.messages);
	EXPECT_EQ(c0.bytes, c1.bytes);
}

TEST_F(mb, process_lifetime_owner_exit_wakes_blocked_receiver_with_eidrm)
{
	struct mp_recvopt o = { .flags = MP_RECV_TIMEOUT, .timeout_ns = 20000 * MS };
	struct mpt_msg m;
	int up[2], id;
	pid_t pid;

	ASSERT_EQ(0, pipe(up));
	pid = mpt_fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int mid = new_mbox(MP_ATTR_MODE_RECEIVE, MP_KIND_QUEUE, MP_LIFETIME_PROCESS, 0, 0666);

		if (mid < 0)
			_exit(errno);
		mpt_put_int(up[1], mid);
		/* Exit once the parent is asleep on it (or anyway). */
		_exit(mpt_wait_waiters(mid, 1, 0) ? MPT_NOWAIT : 0);
	}
	ASSERT_EQ(0, mpt_get_int(up[0], &id));
	mpt_track(id);
	EXPECT_EQ(-1, mpt_recv_ext(id, &m, 0, 0, &o, NULL));
	EXPECT_EQ(EIDRM, errno);
	EXPECT_EQ(0, mpt_wait(pid));
}

TEST_F(mb, process_lifetime_owner_exit_wakes_blocked_sender_with_eidrm)
{
	int up[2], id;
	pid_t pid;

	ASSERT_EQ(0, pipe(up));
	pid = mpt_fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int mid = new_mbox(MP_ATTR_CAPACITY, MP_KIND_QUEUE, MP_LIFETIME_PROCESS, 0, 0666);

		if (mid < 0)
			_exit(errno);
		mpt_put_int(up[1], mid);
		_exit(mpt_wait_waiters(mid, 0, 1) ? MPT_NOWAIT : 0);
	}
	ASSERT_EQ(0, mpt_get_int(up[0], &id));
	mpt_track(id);
	EXPECT_EQ(-1, mpt_send_ext(id, 1, "x", 0, MP_SEND_TIMEOUT, 0, 20000 * MS));
	EXPECT_EQ(EIDRM, errno);
	EXPECT_EQ(0, mpt_wait(pid));
}

TEST_F(mb, system_lifetime_mailbox_survives_creator_exit)
{
	struct mp_mbox_info in;
	char name[64];
	pid_t pid;
	int id;

	mpt_name(name, sizeof(name));
	pid = mpt_fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct mp_attr a = { .lifetime = MP_LIFETIME_SYSTEM };
		int mid = mp_msgget_attr(IPC_PRIVATE, name, IPC_CREAT | 0600, &a);

		if (mid < 0)
			_exit(errno);
		_exit(mpt_send(mid, 1, "kept", IPC_NOWAIT) ? MPT_BAD : 0);
	}
	ASSERT_EQ(0, mpt_wait(pid));
	id = mpt_track(mp_msgget_attr(IPC_PRIVATE, name, 0600, NULL));
	ASSERT_LE(0, id) TH_LOG("%s", strerror(errno));
	ASSERT_EQ(0, mp_mbox_info(id, &in));
	EXPECT_EQ(1, in.qnum);
	EXPECT_EQ(0, mp_msgctl(id, IPC_RMID, NULL));
}

TEST_F(mb, mode_receive_lets_read_permission_receive)
{
	int id = new_mbox(MP_ATTR_MODE_RECEIVE, MP_KIND_QUEUE, MP_LIFETIME_SYSTEM, 0, 0604);
	struct mpt_msg m;

	ASSERT_LE(0, id);
	ASSERT_EQ(0, mpt_send(id, 1, "open", IPC_NOWAIT));
	EXPECT_EQ(0, MPT_AS_NOBODY(mpt_code_eq(mpt_recv(id, &m, 0, IPC_NOWAIT), 4)));
	EXPECT_EQ(0, mpt_qnum(id));
}

TEST_F(mb, mode_receive_without_read_permission_is_eacces)
{
	int id = new_mbox(MP_ATTR_MODE_RECEIVE, MP_KIND_QUEUE, MP_LIFETIME_SYSTEM, 0, 0602);
	struct mpt_msg m;

	ASSERT_LE(0, id);
	ASSERT_EQ(0, mpt_send(id, 1, "shut", IPC_NOWAIT));
	EXPECT_EQ(EACCES, MPT_AS_NOBODY(mpt_errno_code(mpt_recv(id, &m, 0, IPC_NOWAIT))));
	EXPECT_EQ(1, mpt_qnum(id));
}

/* ---------------------------------------------------------------------
 * Broadcast
 */

TEST_F(mb, subscribe_on_queue_mailbox_is_einval)
{
	int id = new_mbox(0, MP_KIND_QUEUE, MP_LIFETIME_SYSTEM, 0, 0600);

	ASSERT_LE(0, id);
	EXPECT_EQ(-1, mp_mbox_subscribe(id));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, mp_mbox_subscribe(mpt_new(0600)));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(mb, subscribe_twice_is_ealready)
{
	int id;

	NEED(MP_FEAT_BROADCAST);
	id = new_bcast(0, 8, 0600);
	ASSERT_LE(0, id);
	ASSERT_EQ(0, mp_mbox_subscribe(id));
	EXPECT_EQ(-1, mp_mbox_subscribe(id));
	EXPECT_EQ(EALREADY, errno);
}

TEST_F(mb, unsubscribe_when_not_subscribed_is_enotconn)
{
	int id;

	NEED(MP_FEAT_BROADCAST);
	id = new_bcast(0, 8, 0600);
	ASSERT_LE(0, id);
	EXPECT_EQ(-1, mp_mbox_unsubscribe(id));
	EXPECT_EQ(ENOTCONN, errno);
	ASSERT_EQ(0, mp_mbox_subscribe(id));
	EXPECT_EQ(0, mp_mbox_unsubscribe(id));
	EXPECT_EQ(-1, mp_mbox_unsubscribe(id));
	EXPECT_EQ(ENOTCONN, errno);
}

TEST_F(mb, broadcast_receive_when_not_subscribed_is_enotconn)
{
	struct mpt_msg m;
	int id;

	NEED(MP_FEAT_BROADCAST);
	id = new_bcast(0, 8, 0600);
	ASSERT_LE(0, id);
	EXPECT_EQ(-1, mpt_recv(id, &m, 0, IPC_NOWAIT));
	EXPECT_EQ(ENOTCONN, errno);
	ASSERT_EQ(0, mp_mbox_subscribe(id));
	ASSERT_EQ(0, mp_mbox_unsubscribe(id));
	EXPECT_EQ(-1, mpt_recv(id, &m, 0, IPC_NOWAIT));
	EXPECT_EQ(ENOTCONN, errno);
}

TEST_F(mb, subscribe_without_receive_right_is_eacces)
{
	int id;

	NEED(MP_FEAT_BROADCAST);
	id = new_bcast(0, 8, 0666);
	ASSERT_LE(0, id);
	EXPECT_EQ(EACCES, MPT_AS_NOBODY(mpt_errno_code(mp_mbox_subscribe(id))));
}

TEST_F(mb, broadcast_every_subscriber_gets_every_message_once_in_order)
{
	enum { SUBS = 3, MSGS = 40 };
	pid_t pid[SUBS];
	int id;

	NEED(MP_FEAT_BROADCAST);
	id = new_bcast(MP_ATTR_MODE_RECEIVE, 8, 0600);
	ASSERT_LE(0, id);
	for (int s = 0; s < SUBS; s++) {
		pid[s] = mpt_fork();
		ASSERT_LE(0, pid[s]);
		if (pid[s] == 0) {
			struct mp_recvopt o = { .flags = MP_RECV_TIMEOUT, .timeout_ns = 20000 * MS };
			struct mp_msghdr h;
			struct mpt_msg m;
			uint64_t last = 0;
			char want[16];

			if (mp_mbox_subscribe(id))
				_exit(errno);
			for (int i = 0; i < MSGS; i++) {
				if (mpt_recv_ext(id, &m, 0, 0, &o, &h) < 0)
					_exit(errno);
				snprintf(want, sizeof(want), "m%d", i);
				if (strcmp(want, m.mtext))
					_exit(MPT_BAD);
				if (h.seq <= last)
					_exit(MPT_BAD2);
				last = h.seq;
			}
			if (mpt_recv(id, &m, 0, IPC_NOWAIT) != -1 || errno != ENOMSG)
				_exit(MPT_BAD3);
			_exit(0);
		}
	}
	ASSERT_EQ(0, mpt_wait_subscribers(id, SUBS)) TH_LOG("subscribers never subscribed");
	for (int i = 0; i < MSGS; i++) {
		char t[16];

		snprintf(t, sizeof(t), "m%d", i);
		/* Priority is ignored on a broadcast mailbox. */
		ASSERT_EQ(0, mpt_send_ext(id, 1 + i % 3, t, 0, 0, (i * 7) % 11, 0))
			TH_LOG("send %d: %s", i, strerror(errno));
	}
	for (int s = 0; s < SUBS; s++) {
		EXPECT_EQ(0, mpt_wait(pid[s]));
	}
}

TEST_F(mb, broadcast_message_sent_before_subscribe_is_not_received)
{
	struct mpt_msg m;
	int id;

	NEED(MP_FEAT_BROADCAST);
	id = new_bcast(0, 8, 0600);
	ASSERT_LE(0, id);
	ASSERT_EQ(0, mpt_send(id, 1, "early", IPC_NOWAIT));
	ASSERT_EQ(0, mp_mbox_subscribe(id));
	EXPECT_EQ(-1, mpt_recv(id, &m, 0, IPC_NOWAIT));
	EXPECT_EQ(ENOMSG, errno);
	ASSERT_EQ(0, mpt_send(id, 1, "late", IPC_NOWAIT));
	EXPECT_EQ(4, mpt_recv(id, &m, 0, IPC_NOWAIT));
	EXPECT_STREQ("late", m.mtext);
}

TEST_F(mb, broadcast_send_without_subscribers_is_dropped)
{
	struct mp_counters_info c0, c1;
	int id;

	NEED(MP_FEAT_BROADCAST);
	id = new_bcast(0, 1, 0600);
	ASSERT_LE(0, id);
	ASSERT_EQ(0, mp_counters(&c0));
	EXPECT_EQ(0, mpt_send(id, 1, "void", IPC_NOWAIT));
	EXPECT_EQ(0, mpt_send(id, 1, "void", IPC_NOWAIT));
	EXPECT_EQ(0, mpt_qnum(id));
	ASSERT_EQ(0, mp_counters(&c1));
	EXPECT_EQ(c0.messages, c1.messages);
	EXPECT_EQ(c0.bytes, c1.bytes);
}

TEST_F(mb, broadcast_receive_with_type_is_einval)
{
	struct mpt_msg m;
	int id;

	NEED(MP_FEAT_BROADCAST);
	id = new_bcast(0, 8, 0600);
	ASSERT_LE(0, id);
	ASSERT_EQ(0, mp_mbox_subscribe(id));
	ASSERT_EQ(0, mpt_send(id, 1, "x", IPC_NOWAIT));
	EXPECT_EQ(-1, mpt_recv(id, &m, 1, IPC_NOWAIT));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, mpt_recv(id, &m, -1, IPC_NOWAIT));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(1, mpt_recv(id, &m, 0, IPC_NOWAIT));
}

TEST_F(mb, broadcast_receive_with_min_prio_is_einval)
{
	struct mp_recvopt o = { .flags = MP_RECV_MIN_PRIO, .min_priority = 0 };
	struct mpt_msg m;
	int id;

	NEED(MP_FEAT_BROADCAST);
	id = new_bcast(0, 8, 0600);
	ASSERT_LE(0, id);
	ASSERT_EQ(0, mp_mbox_subscribe(id));
	ASSERT_EQ(0, mpt_send(id, 1, "x", IPC_NOWAIT));
	EXPECT_EQ(-1, mpt_recv_ext(id, &m, 0, IPC_NOWAIT, &o, NULL));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(mb, broadcast_msg_copy_is_einval)
{
	struct mpt_msg m;
	int id;

	NEED(MP_FEAT_BROADCAST);
	id = new_bcast(0, 8, 0600);
	ASSERT_LE(0, id);
	ASSERT_EQ(0, mp_mbox_subscribe(id));
	ASSERT_EQ(0, mpt_send(id, 1, "x", IPC_NOWAIT));
	EXPECT_EQ(-1, mpt_recv(id, &m, 0, IPC_NOWAIT | MSG_COPY));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(mb, broadcast_slowest_subscriber_bounds_capacity)
{
	int down[2], up[2], id;
	struct mpt_msg m;
	pid_t pid;

	NEED(MP_FEAT_BROADCAST);
	id = new_bcast(MP_ATTR_MODE_RECEIVE, 2, 0600);
	ASSERT_LE(0, id);
	ASSERT_EQ(0, pipe(down));
	ASSERT_EQ(0, pipe(up));
	ASSERT_EQ(0, mp_mbox_subscribe(id));
	pid = mpt_fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct mp_recvopt o = { .flags = MP_RECV_TIMEOUT, .timeout_ns = 20000 * MS };
		int code = 0;

		if (mp_mbox_subscribe(id))
			_exit(errno);
		mpt_put(up[1], 'r');
		for (int i = 0; i < 2 && !code; i++)
			code = mpt_code_eq(mpt_recv_ext(id, &m, 0, 0, &o, NULL), 1);
		mpt_put(up[1], (char)code);
		mpt_get(down[0]);
		_exit(0);
	}
	ASSERT_EQ('r', mpt_get(up[0]));
	ASSERT_EQ(0, mpt_send(id, 1, "1", IPC_NOWAIT));
	ASSERT_EQ(0, mpt_send(id, 1, "2", IPC_NOWAIT));
	ASSERT_EQ(0, mpt_get(up[0])) TH_LOG("the fast subscriber did not get both");
	/* The fast one took both; the slow one (us) none: still full. */
	EXPECT_EQ(-1, mpt_send(id, 1, "3", IPC_NOWAIT));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_EQ(1, mpt_recv(id, &m, 0, IPC_NOWAIT));
	EXPECT_STREQ("1", m.mtext);
	EXPECT_EQ(0, mpt_send(id, 1, "3", IPC_NOWAIT));
	ASSERT_EQ(0, mpt_put(down[1], 'q'));
	EXPECT_EQ(0, mpt_wait(pid));
}

TEST_F(mb, broadcast_full_blocks_sender_until_slowest_takes)
{
	struct mpt_msg m;
	pid_t pid;
	int id;

	NEED(MP_FEAT_BROADCAST);
	id = new_bcast(0, 1, 0600);
	ASSERT_LE(0, id);
	ASSERT_EQ(0, mp_mbox_subscribe(id));
	ASSERT_EQ(0, mpt_send(id, 1, "a", IPC_NOWAIT));
	pid = mpt_fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(mpt_send(id, 1, "b", 0) ? errno : 0);
	ASSERT_EQ(0, mpt_wait_waiters(id, 0, 1)) TH_LOG("the sender never blocked");
	EXPECT_EQ(1, mpt_recv(id, &m, 0, IPC_NOWAIT));
	EXPECT_STREQ("a", m.mtext);
	EXPECT_EQ(0, mpt_wait(pid));
	EXPECT_EQ(1, mpt_recv(id, &m, 0, IPC_NOWAIT));
	EXPECT_STREQ("b", m.mtext);
}

TEST_F(mb, broadcast_lossy_drops_oldest_and_reports_overrun)
{
	struct mp_mbox_info in;
	struct mp_msghdr h;
	struct mpt_msg m;
	int id;

	NEED(MP_FEAT_BROADCAST);
	id = new_bcast(MP_ATTR_LOSSY, 2, 0600);
	ASSERT_LE(0, id);
	ASSERT_EQ(0, mp_mbox_subscribe(id));
	for (int i = 0; i < 5; i++) {
		char t[8];

		snprintf(t, sizeof(t), "m%d", i);
		ASSERT_EQ(0, mpt_send(id, 1, t, IPC_NOWAIT)) TH_LOG("send %d: %s", i, strerror(errno));
	}
	ASSERT_EQ(0, mp_mbox_info(id, &in));
	EXPECT_EQ(3, in.overruns);
	ASSERT_EQ(2, mpt_recv_ext(id, &m, 0, IPC_NOWAIT, NULL, &h));
	EXPECT_STREQ("m3", m.mtext);
	EXPECT_EQ(3, h.overrun);
	ASSERT_EQ(2, mpt_recv_ext(id, &m, 0, IPC_NOWAIT, NULL, &h));
	EXPECT_STREQ("m4", m.mtext);
	EXPECT_EQ(0, h.overrun);
	EXPECT_EQ(-1, mpt_recv(id, &m, 0, IPC_NOWAIT));
	EXPECT_EQ(ENOMSG, errno);
}

TEST_F(mb, broadcast_unsubscribe_releases_untaken_messages)
{
	struct mp_counters_info c0, c1;
	int id;

	NEED(MP_FEAT_BROADCAST);
	id = new_bcast(0, 2, 0600);
	ASSERT_LE(0, id);
	ASSERT_EQ(0, mp_counters(&c0));
	ASSERT_EQ(0, mp_mbox_subscribe(id));
	ASSERT_EQ(0, mpt_send(id, 1, "a", IPC_NOWAIT));
	ASSERT_EQ(0, mpt_send(id, 1, "b", IPC_NOWAIT));
	EXPECT_EQ(-1, mpt_send(id, 1, "c", IPC_NOWAIT));
	EXPECT_EQ(EAGAIN, errno);
	ASSERT_EQ(0, mp_mbox_unsubscribe(id));
	EXPECT_EQ(0, mpt_send(id, 1, "d", IPC_NOWAIT));
	ASSERT_EQ(0, mp_counters(&c1));
	EXPECT_EQ(c0.messages, c1.messages);
	EXPECT_EQ(c0.bytes, c1.bytes);
}

TEST_F(mb, broadcast_subscription_ends_when_subscriber_exits)
{
	struct mp_mbox_info in;
	pid_t pid;
	int id;

	NEED(MP_FEAT_BROADCAST);
	id = new_bcast(MP_ATTR_MODE_RECEIVE, 1, 0600);
	ASSERT_LE(0, id);
	pid = mpt_fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(mp_mbox_subscribe(id) ? errno : 0);
	ASSERT_EQ(0, mpt_wait(pid));
	ASSERT_EQ(0, mp_mbox_info(id, &in));
	EXPECT_EQ(0, in.subscribers);
	/* Nobody left to hold messages: sends never fill it. */
	EXPECT_EQ(0, mpt_send(id, 1, "a", IPC_NOWAIT));
	EXPECT_EQ(0, mpt_send(id, 1, "b", IPC_NOWAIT));
}

TEST_F(mb, broadcast_sync_send_returns_after_every_subscriber_took_it)
{
	int p[2], q[2], id;
	pid_t pid[2];

	NEED(MP_FEAT_BROADCAST);
	id = new_bcast(MP_ATTR_MODE_RECEIVE, 4, 0600);
	ASSERT_LE(0, id);
	ASSERT_EQ(0, pipe(p));
	ASSERT_EQ(0, pipe(q));
	for (int s = 0; s < 2; s++) {
		pid[s] = mpt_fork();
		ASSERT_LE(0, pid[s]);
		if (pid[s] == 0) {
			struct mp_recvopt o = { .flags = MP_RECV_TIMEOUT, .timeout_ns = 20000 * MS };
			struct mpt_msg m;
			int code;

			close(q[1]);
			if (mp_mbox_subscribe(id))
				_exit(errno);
			if (s == 1) {
				/*
				 * The slow one writes before it receives; the
				 * sleep gives a broken send every chance to
				 * return early (it proves nothing by itself).
				 */
				mpt_msleep(300);
				mpt_put(p[1], 'R');
			}
			code = mpt_code_eq(mpt_recv_ext(id, &m, 0, 0, &o, NULL), 4);
			/*
			 * Stay subscribed until the send returned, so that
			 * only taking the message (not leaving) can end it.
			 */
			mpt_get(q[0]);
			_exit(code);
		}
	}
	close(p[1]);
	close(q[0]);
	ASSERT_EQ(0, mpt_wait_subscribers(id, 2));
	/* The timeout only turns a missed wake-up into a failure. */
	EXPECT_EQ(0, mpt_send_ext(id, 1, "both", 0, MP_SEND_SYNC | MP_SEND_TIMEOUT, 0, 8000 * MS))
		TH_LOG("sync send: %s", strerror(errno));
	EXPECT_TRUE(mpt_ready_now(p[0])) TH_LOG("sync send returned before every subscriber took it");
	close(q[1]);
	for (int s = 0; s < 2; s++) {
		EXPECT_EQ(0, mpt_wait(pid[s]));
	}
	close(p[0]);
}

/* ---------------------------------------------------------------------
 * Unbounded mailboxes and the per-user quota
 */

TEST_F(mb, unbounded_mailbox_never_blocks_sender)
{
	struct mp_attr a = {
		.flags = MP_ATTR_CAPACITY | MP_ATTR_MAX_BYTES,
		.capacity = MP_UNLIMITED, .max_bytes = MP_UNLIMITED,
	};
	struct mp_mbox_info in;
	char body[101];
	int id = mpt_new_attr(&a, 0600);

	ASSERT_LE(0, id) TH_LOG("%s", strerror(errno));
	memset(body, 'u', 100);
	body[100] = 0;
	for (int i = 0; i < 3000; i++) {
		ASSERT_EQ(0, mpt_send(id, 1, body, IPC_NOWAIT)) TH_LOG("send %d: %s", i, strerror(errno));
	}
	ASSERT_EQ(0, mp_mbox_info(id, &in));
	EXPECT_EQ(3000, in.qnum);
	EXPECT_EQ(300000, in.qbytes);
	EXPECT_EQ(MP_UNLIMITED, in.capacity);
	EXPECT_EQ(MP_UNLIMITED, in.max_bytes);
}

TEST_F(mb, unbounded_mailbox_over_user_quota_is_edquot)
{
	long long quota = mpt_param("user_quota_bytes", 64 * MIB);
	uint64_t size = 4 * MIB < self->v.max_msg_size ? 4 * MIB : self->v.max_msg_size;
	struct mp_attr a = {
		.flags = MP_ATTR_CAPACITY | MP_ATTR_MAX_BYTES | MP_ATTR_MSG_MAX,
		.capacity = MP_UNLIMITED, .max_bytes = MP_UNLIMITED, .msg_max = size,
	};
	struct mp_counters_info c0, c1;
	long *m;
	int id, n, id2;

	if (quota / (long long)size > 64)
		SKIP(return, "user_quota_bytes %lld is too big to reach cheaply", quota);
	ASSERT_EQ(0, mp_counters(&c0));
	m = calloc(1, sizeof(long) + size);
	ASSERT_NE(NULL, m);
	m[0] = 1;
	id = mpt_new_attr(&a, 0600);
	ASSERT_LE(0, id) TH_LOG("%s", strerror(errno));
	errno = 0;
	for (n = 0; n <= quota / (long long)size; n++) {
		if (mp_msgsnd(id, m, size, IPC_NOWAIT))
			break;
	}
	EXPECT_EQ(EDQUOT, errno);
	EXPECT_EQ((quota - (long long)c0.bytes) / (long long)size, n);
	/* Nothing half-queued. */
	EXPECT_EQ(n, mpt_qnum(id));
	ASSERT_EQ(0, mp_counters(&c1));
	EXPECT_EQ(c0.bytes + n * size, c1.bytes);
	ASSERT_EQ(0, mp_msgctl(id, IPC_RMID, NULL));
	ASSERT_EQ(0, mp_counters(&c1));
	EXPECT_EQ(c0.mailboxes, c1.mailboxes);
	EXPECT_EQ(c0.messages, c1.messages);
	EXPECT_EQ(c0.bytes, c1.bytes);
	/* The quota was given back. */
	id2 = mpt_new_attr(&a, 0600);
	ASSERT_LE(0, id2);
	EXPECT_EQ(0, mp_msgsnd(id2, m, size, IPC_NOWAIT)) TH_LOG("%s", strerror(errno));
	free(m);
}

/* ---------------------------------------------------------------------
 * Pollable descriptors
 */

TEST_F(mb, mbox_fd_pollin_after_send_and_not_after_receive)
{
	struct mpt_msg m;
	int id, fd;

	NEED(MP_FEAT_POLL);
	id = mpt_new(0600);
	ASSERT_LE(0, id);
	fd = mp_mbox_fd(id, 0);
	ASSERT_LE(0, fd) TH_LOG("%s", strerror(errno));
	EXPECT_FALSE(mpt_revents(fd, 0) & POLLIN);
	ASSERT_EQ(0, mpt_send(id, 1, "x", IPC_NOWAIT));
	EXPECT_TRUE(mpt_revents(fd, 0) & POLLIN);
	ASSERT_EQ(1, mpt_recv(id, &m, 0, IPC_NOWAIT));
	EXPECT_FALSE(mpt_revents(fd, 0) & POLLIN);
	close(fd);
}

TEST_F(mb, mbox_fd_pollout_when_space_and_not_when_full)
{
	struct mpt_msg m;
	int id, fd;

	NEED(MP_FEAT_POLL);
	id = mpt_new_cap(1, 0600);
	ASSERT_LE(0, id);
	fd = mp_mbox_fd(id, 0);
	ASSERT_LE(0, fd);
	EXPECT_TRUE(mpt_revents(fd, 0) & POLLOUT);
	ASSERT_EQ(0, mpt_send(id, 1, "x", IPC_NOWAIT));
	EXPECT_FALSE(mpt_revents(fd, 0) & POLLOUT);
	ASSERT_EQ(1, mpt_recv(id, &m, 0, IPC_NOWAIT));
	EXPECT_TRUE(mpt_revents(fd, 0) & POLLOUT);
	close(fd);
}

TEST_F(mb, mbox_fd_poll_wakes_when_message_arrives)
{
	pid_t pid;
	int id, fd;

	NEED(MP_FEAT_POLL);
	id = mpt_new(0600);
	ASSERT_LE(0, id);
	fd = mp_mbox_fd(id, 0);
	ASSERT_LE(0, fd);
	pid = mpt_fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		mpt_msleep(100);
		_exit(mpt_send(id, 1, "x", IPC_NOWAIT) ? errno : 0);
	}
	{
		struct pollfd p = { .fd = fd, .events = POLLIN };

		EXPECT_EQ(1, poll(&p, 1, MPT_WAIT_MS));
		EXPECT_TRUE(p.revents & POLLIN);
	}
	EXPECT_EQ(0, mpt_wait(pid));
	close(fd);
}

TEST_F(mb, mbox_fd_reports_pollhup_pollerr_after_removal)
{
	struct mp_counters_info c0, c1;
	int id, fd, r;

	NEED(MP_FEAT_POLL);
	ASSERT_EQ(0, mp_counters(&c0));
	id = mpt_new(0600);
	ASSERT_LE(0, id);
	fd = mp_mbox_fd(id, 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, mp_msgctl(id, IPC_RMID, NULL));
	r = mpt_revents(fd, 0);
	EXPECT_TRUE(r & POLLHUP);
	EXPECT_TRUE(r & POLLERR);
	/* The descriptor kept nothing alive. */
	ASSERT_EQ(0, mp_counters(&c1));
	EXPECT_EQ(c0.mailboxes, c1.mailboxes);
	close(fd);
}

TEST_F(mb, mbox_fd_poll_wakes_on_removal)
{
	pid_t pid;
	int id, fd;

	NEED(MP_FEAT_POLL);
	id = mpt_new(0600);
	ASSERT_LE(0, id);
	fd = mp_mbox_fd(id, 0);
	ASSERT_LE(0, fd);
	pid = mpt_fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		mpt_msleep(100);
		_exit(mp_msgctl(id, IPC_RMID, NULL) ? errno : 0);
	}
	{
		struct pollfd p = { .fd = fd, .events = POLLIN };

		EXPECT_EQ(1, poll(&p, 1, MPT_WAIT_MS));
		EXPECT_TRUE(p.revents & POLLHUP);
	}
	EXPECT_EQ(0, mpt_wait(pid));
	close(fd);
}

TEST_F(mb, mbox_fd_without_permission_is_eacces)
{
	int id;

	NEED(MP_FEAT_POLL);
	id = mpt_new(0600);
	ASSERT_LE(0, id);
	EXPECT_EQ(EACCES, MPT_AS_NOBODY(mpt_errno_code(mp_mbox_fd(id, 0))));
}

TEST_F(mb, mbox_fd_with_write_permission_only_is_allowed)
{
	int id;

	NEED(MP_FEAT_POLL);
	id = mpt_new(0602);
	ASSERT_LE(0, id);
	EXPECT_EQ(0, MPT_AS_NOBODY(mp_mbox_fd(id, 0) >= 0 ? 0 : errno));
}

TEST_F(mb, mbox_fd_bad_flags_is_einval)
{
	int id;

	NEED(MP_FEAT_POLL);
	id = mpt_new(0600);
	ASSERT_LE(0, id);
	EXPECT_EQ(-1, mp_mbox_fd(id, O_NONBLOCK));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, mp_mbox_fd(id, 1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, mp_mbox_fd(id, O_CLOEXEC | 0x1));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(mb, mbox_fd_bad_id_is_einval)
{
	int id;

	NEED(MP_FEAT_POLL);
	id = mpt_new(0600);
	ASSERT_LE(0, id);
	EXPECT_EQ(-1, mp_mbox_fd(-1, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, mp_mbox_fd(id ^ (1 << 16), 0));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(mb, mbox_fd_cloexec_flag_is_honoured)
{
	int id, a, b;

	NEED(MP_FEAT_POLL);
	id = mpt_new(0600);
	ASSERT_LE(0, id);
	a = mp_mbox_fd(id, O_CLOEXEC);
	ASSERT_LE(0, a);
	b = mp_mbox_fd(id, 0);
	ASSERT_LE(0, b);
	EXPECT_TRUE(fcntl(a, F_GETFD) & FD_CLOEXEC);
	EXPECT_FALSE(fcntl(b, F_GETFD) & FD_CLOEXEC);
	close(a);
	close(b);
}

TEST_F(mb, zero_capacity_pollout_only_with_waiting_receiver)
{
	pid_t pid;
	int id, fd;

	NEED(MP_FEAT_POLL);
	id = new_zero_cap();
	ASSERT_LE(0, id);
	fd = mp_mbox_fd(id, 0);
	ASSERT_LE(0, fd);
	EXPECT_FALSE(mpt_revents(fd, 0) & POLLOUT);
	pid = mpt_fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct mpt_msg m;

		_exit(mpt_code_eq(mpt_recv(id, &m, 0, 0), 1));
	}
	ASSERT_EQ(0, mpt_wait_waiters(id, 1, 0)) TH_LOG("the receiver never blocked");
	EXPECT_TRUE(mpt_revents(fd, 0) & POLLOUT);
	EXPECT_EQ(0, mpt_send(id, 1, "x", IPC_NOWAIT));
	EXPECT_EQ(0, mpt_wait(pid));
	close(fd);
}

TEST_F(mb, mbox_fd_no_pollin_for_process_without_receive_right)
{
	int id;

	NEED(MP_FEAT_POLL);
	id = new_mbox(0, MP_KIND_QUEUE, MP_LIFETIME_SYSTEM, 0, 0666);
	ASSERT_LE(0, id);
	ASSERT_EQ(0, mpt_send(id, 1, "mine", IPC_NOWAIT));
	EXPECT_EQ(POLLOUT, MPT_AS_NOBODY(({
		int f = mp_mbox_fd(id, 0);
		f < 0 ? MPT_BAD : mpt_revents(f, 0) & (POLLIN | POLLOUT);
	})));
}

/* ---------------------------------------------------------------------
 * mp_mbox_set_attr
 */

TEST_F(mb, set_attr_changes_capacity)
{
	struct mp_attr a = { .flags = MP_ATTR_CAPACITY, .capacity = 2 };
	struct mp_mbox_info in;
	int id = mpt_new_cap(1, 0600);

	ASSERT_LE(0, id);
	ASSERT_EQ(0, mpt_send(id, 1, "a", IPC_NOWAIT));
	EXPECT_EQ(-1, mpt_send(id, 1, "b", IPC_NOWAIT));
	EXPECT_EQ(EAGAIN, errno);
	ASSERT_EQ(0, mp_mbox_set_attr(id, &a)) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(0, mpt_send(id, 1, "b", IPC_NOWAIT));
	ASSERT_EQ(0, mp_mbox_info(id, &in));
	EXPECT_EQ(2, in.capacity);
}

TEST_F(mb, set_attr_growing_capacity_wakes_blocked_sender)
{
	struct mp_attr a = { .flags = MP_ATTR_CAPACITY, .capacity = 2 };
	int id = mpt_new_cap(1, 0600);
	pid_t pid;

	ASSERT_LE(0, id);
	ASSERT_EQ(0, mpt_send(id, 1, "a", IPC_NOWAIT));
	pid = mpt_fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(mpt_send(id, 1, "b", 0) ? errno : 0);
	ASSERT_EQ(0, mpt_wait_waiters(id, 0, 1)) TH_LOG("the sender never blocked");
	ASSERT_EQ(0, mp_mbox_set_attr(id, &a));
	EXPECT_EQ(0, mpt_wait(pid));
	EXPECT_EQ(2, mpt_qnum(id));
}

TEST_F(mb, set_attr_msg_max_bounds_later_sends)
{
	struct mp_attr a = { .flags = MP_ATTR_MSG_MAX, .msg_max = 4 };
	struct mp_mbox_info in;
	int id = mpt_new(0600);

	ASSERT_LE(0, id);
	ASSERT_EQ(0, mp_mbox_set_attr(id, &a)) TH_LOG("%s", strerror(errno));
	ASSERT_EQ(0, mp_mbox_info(id, &in));
	EXPECT_EQ(4, in.msg_max);
	EXPECT_EQ(0, mpt_send(id, 1, "four", IPC_NOWAIT));
	EXPECT_EQ(-1, mpt_send(id, 1, "fives", IPC_NOWAIT));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(mb, set_attr_other_flags_are_einval)
{
	struct mp_attr a = { 0 };
	struct mp_mbox_info in;
	int id = mpt_new_cap(4, 0600);

	ASSERT_LE(0, id);
	a.flags = MP_ATTR_LOSSY;
	EXPECT_EQ(-1, mp_mbox_set_attr(id, &a));
	EXPECT_EQ(EINVAL, errno);
	a.flags = MP_ATTR_MODE_RECEIVE;
	EXPECT_EQ(-1, mp_mbox_set_attr(id, &a));
	EXPECT_EQ(EINVAL, errno);
	a.flags = MP_ATTR_CAPACITY | (1ULL << 40);
	a.capacity = 8;
	EXPECT_EQ(-1, mp_mbox_set_attr(id, &a));
	EXPECT_EQ(EINVAL, errno);
	ASSERT_EQ(0, mp_mbox_info(id, &in));
	EXPECT_EQ(4, in.capacity);
}

TEST_F(mb, set_attr_msg_max_above_limit_is_einval)
{
	struct mp_attr a = { .flags = MP_ATTR_MSG_MAX, .msg_max = self->v.max_msg_size + 1 };
	struct mp_mbox_info in;
	int id = mpt_new(0600);

	ASSERT_LE(0, id);
	EXPECT_EQ(-1, mp_mbox_set_attr(id, &a));
	EXPECT_EQ(EINVAL, errno);
	ASSERT_EQ(0, mp_mbox_info(id, &in));
	EXPECT_EQ(msgmax(), (long)in.msg_max);
}

TEST_F(mb, set_attr_by_non_owner_is_eperm)
{
	struct mp_attr a = { .flags = MP_ATTR_CAPACITY, .capacity = 2 };
	int id = mpt_new_cap(1, 0666);

	ASSERT_LE(0, id);
	EXPECT_EQ(EPERM, MPT_AS_NOBODY(mpt_errno_code(mp_mbox_set_attr(id, &a))));
}

TEST_F(mb, set_attr_unlimited_max_bytes_unprivileged_is_eperm)
{
	struct mp_attr a = { .flags = MP_ATTR_MAX_BYTES, .max_bytes = MP_UNLIMITED };
	struct msqid_ds ds;
	int id = mpt_new_cap(4, 0600);

	ASSERT_LE(0, id);
	ASSERT_EQ(0, mp_msgctl(id, IPC_STAT, &ds));
	ds.msg_perm.uid = MPT_NOBODY;
	ASSERT_EQ(0, mp_msgctl(id, IPC_SET, &ds));
	EXPECT_EQ(EPERM, MPT_AS_NOBODY(mpt_errno_code(mp_mbox_set_attr(id, &a))));
	a.max_bytes = msgmnb() / 2;
	EXPECT_EQ(0, MPT_AS_NOBODY(mpt_code_eq(mp_mbox_set_attr(id, &a), 0)));
}

/* ---------------------------------------------------------------------
 * mp_mbox_info and counters
 */

TEST_F(mb, info_reports_attributes)
{
	struct mp_attr a = {
		.flags = MP_ATTR_CAPACITY | MP_ATTR_MAX_BYTES | MP_ATTR_MSG_MAX | MP_ATTR_MODE_RECEIVE,
		.kind = MP_KIND_QUEUE, .lifetime = MP_LIFETIME_PROCESS,
		.capacity = 5, .max_bytes = 1000, .msg_max = 100,
	};
	struct mp_mbox_info in;
	char name[64];
	int id;

	mpt_name(name, sizeof(name));
	id = mpt_track(mp_msgget_attr(IPC_PRIVATE, name, IPC_CREAT | 0640, &a));
	ASSERT_LE(0, id) TH_LOG("%s", strerror(errno));
	memset(&in, 0xa5, sizeof(in));
	ASSERT_EQ(0, mp_mbox_info(id, &in));
	EXPECT_EQ(id, in.id);
	EXPECT_EQ(IPC_PRIVATE, in.key);
	EXPECT_EQ(MP_KIND_QUEUE, in.kind);
	EXPECT_EQ(MP_LIFETIME_PROCESS, in.lifetime);
	EXPECT_EQ(MP_ATTR_MODE_RECEIVE, in.flags);
	EXPECT_EQ(getpid(), in.owner_pid);
	EXPECT_EQ(geteuid(), in.uid);
	EXPECT_EQ(getegid(), in.gid);
	EXPECT_EQ(geteuid(), in.cuid);
	EXPECT_EQ(getegid(), in.cgid);
	EXPECT_EQ(0640, in.mode & 0777);
	EXPECT_EQ(5, in.capacity);
	EXPECT_EQ(1000, in.max_bytes);
	EXPECT_EQ(100, in.msg_max);
	EXPECT_EQ(0, in.qnum);
	EXPECT_EQ(0, in.qbytes);
	EXPECT_EQ(0, in.sent);
	EXPECT_EQ(0, in.received);
	EXPECT_EQ(0, in.overruns);
	EXPECT_EQ(0, in.subscribers);
	EXPECT_EQ(0, in.waiting_senders);
	EXPECT_EQ(0, in.waiting_receivers);
	EXPECT_STREQ(name, in.name);
}

TEST_F(mb, info_reports_key_of_keyed_mailbox)
{
	struct mp_mbox_info in;
	key_t key = mpt_key();
	int id = mpt_track(mp_msgget(key, IPC_CREAT | 0600));

	ASSERT_LE(0, id);
	ASSERT_EQ(0, mp_mbox_info(id, &in));
	EXPECT_EQ(key, in.key);
	EXPECT_STREQ("", in.name);
	EXPECT_EQ(msgmnb(), (long)in.max_bytes);
}

TEST_F(mb, info_counts_queue_and_traffic)
{
	struct mp_mbox_info in;
	struct mpt_msg m;
	int id = mpt_new(0600);

	ASSERT_LE(0, id);
	ASSERT_EQ(0, mpt_send(id, 1, "abc", IPC_NOWAIT));
	ASSERT_EQ(0, mpt_send(id, 1, "defgh", IPC_NOWAIT));
	ASSERT_EQ(0, mpt_send(id, 1, "ij", IPC_NOWAIT));
	ASSERT_EQ(3, mpt_recv(id, &m, 0, IPC_NOWAIT));
	ASSERT_EQ(0, mp_mbox_info(id, &in));
	EXPECT_EQ(2, in.qnum);
	EXPECT_EQ(7, in.qbytes);
	EXPECT_EQ(3, in.sent);
	EXPECT_EQ(1, in.received);
}

TEST_F(mb, info_without_read_permission_is_eacces)
{
	struct mp_mbox_info in;
	int id = mpt_new(0602);

	ASSERT_LE(0, id);
	EXPECT_EQ(EACCES, MPT_AS_NOBODY(mpt_errno_code(mp_mbox_info(id, &in))));
}

TEST_F(mb, info_bad_id_is_einval)
{
	struct mp_mbox_info in;

	EXPECT_EQ(-1, mp_mbox_info(-1, &in));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(mb, info_bad_buffer_is_efault)
{
	int id = mpt_new(0600);

	ASSERT_LE(0, id);
	EXPECT_EQ(-1, mp_mbox_info(id, mpt_unmapped()));
	EXPECT_EQ(EFAULT, errno);
}

TEST_F(mb, counters_return_to_start_after_removal)
{
	struct mp_attr unb = {
		.flags = MP_ATTR_CAPACITY | MP_ATTR_MAX_BYTES,
		.capacity = MP_UNLIMITED, .max_bytes = MP_UNLIMITED,
	};
	struct mp_counters_info c0, c1, c2;
	int ids[3];

	ASSERT_EQ(0, mp_counters(&c0));
	ids[0] = mpt_new(0600);
	ids[1] = mpt_new_cap(8, 0600);
	ids[2] = mpt_new_attr(&unb, 0600);
	for (int i = 0; i < 3; i++) {
		ASSERT_LE(0, ids[i]);
	}
	for (int i = 0; i < 3; i++) {
		ASSERT_EQ(0, mpt_send(ids[i], 1, "1234", IPC_NOWAIT));
		ASSERT_EQ(0, mpt_send_ext(ids[i], 2, "56", IPC_NOWAIT, 0, 3, 0));
	}
	ASSERT_EQ(0, mp_counters(&c1));
	EXPECT_EQ(c0.mailboxes + 3, c1.mailboxes);
	EXPECT_EQ(c0.messages + 6, c1.messages);
	EXPECT_EQ(c0.bytes + 18, c1.bytes);
	for (int i = 0; i < 3; i++) {
		ASSERT_EQ(0, mp_msgctl(ids[i], IPC_RMID, NULL));
	}
	ASSERT_EQ(0, mp_counters(&c2));
	EXPECT_EQ(c0.mailboxes, c2.mailboxes);
	EXPECT_EQ(c0.messages, c2.messages);
	EXPECT_EQ(c0.bytes, c2.bytes);
}

/*
 * Last (tests run in file order): every test removed what it made, so
 * nothing may be left, whatever error paths the tests went through.
 */
TEST_F(mb, nothing_is_left_after_all_tests)
{
	struct mp_counters_info c;

	ASSERT_EQ(0, mp_counters(&c));
	EXPECT_EQ(0, c.mailboxes);
	EXPECT_EQ(0, c.messages);
	EXPECT_EQ(0, c.bytes);
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * The System V contract of mp_msgget(), mp_msgsnd(), mp_msgrcv() and
 * mp_msgctl(): what msgget(2), msgsnd(2), msgrcv(2) and msgctl(2)
 * promise, error by error.
 *
 * Tests run as root; "another user" is a forked child that became
 * nobody (65534). Children that must block are known to be asleep from
 * mp_mbox_info()'s waiting counts, never from elapsed time.
 */
#include <stddef.h>

#include "mp_mbox.h"

static long msgmax(void)
{
	return (long)mpt_param("msgmax", MPT_MSGMAX_DEFAULT);
}

static long msgmnb(void)
{
	return (long)mpt_param("msgmnb", MPT_MSGMNB_DEFAULT);
}

/* Send msgmax-byte messages until the queue is full; how many went in. */
static int fill_queue(int id)
{
	struct mpt_msg *m = calloc(1, sizeof(*m));
	int n = 0;

	if (!m)
		return -1;
	m->mtype = 1;
	while (n < 1000 && mp_msgsnd(id, m, msgmax(), IPC_NOWAIT) == 0) {
		n++;
		m->mtext[0]++;
	}
	if (errno != EAGAIN)
		n = -1;
	free(m);
	return n;
}

/* ---------------------------------------------------------------------
 * msgget
 */

TEST_F(mb, ipc_private_creates_distinct_ids)
{
	int a = mpt_new(0600), b = mpt_new(0600), c;

	ASSERT_LE(0, a);
	ASSERT_LE(0, b);
	EXPECT_NE(a, b);
	/* IPC_PRIVATE creates even without IPC_CREAT. */
	c = mpt_track(mp_msgget(IPC_PRIVATE, 0600));
	ASSERT_LE(0, c);
	EXPECT_NE(a, c);
	EXPECT_NE(b, c);
}

TEST_F(mb, key_not_found_without_ipc_creat_is_enoent)
{
	EXPECT_EQ(-1, mp_msgget(mpt_key(), 0600));
	EXPECT_EQ(ENOENT, errno);
}

TEST_F(mb, key_ipc_creat_creates_then_finds_same_mailbox)
{
	key_t key = mpt_key();
	int id = mpt_track(mp_msgget(key, IPC_CREAT | 0600));

	ASSERT_LE(0, id);
	EXPECT_EQ(id, mp_msgget(key, IPC_CREAT | 0600));
	EXPECT_EQ(id, mp_msgget(key, 0600));
	EXPECT_EQ(id, mp_msgget(key, 0));
}

TEST_F(mb, key_ipc_creat_excl_on_existing_is_eexist)
{
	key_t key = mpt_key();
	int id = mpt_track(mp_msgget(key, IPC_CREAT | IPC_EXCL | 0600));

	ASSERT_LE(0, id);
	EXPECT_EQ(-1, mp_msgget(key, IPC_CREAT | IPC_EXCL | 0600));
	EXPECT_EQ(EEXIST, errno);
}

TEST_F(mb, ipc_excl_without_ipc_creat_finds_existing)
{
	key_t key = mpt_key();
	int id = mpt_track(mp_msgget(key, IPC_CREAT | 0600));

	ASSERT_LE(0, id);
	EXPECT_EQ(id, mp_msgget(key, IPC_EXCL | 0600));
}

TEST_F(mb, keyed_mailbox_removed_is_not_found_again)
{
	key_t key = mpt_key();
	int id = mpt_track(mp_msgget(key, IPC_CREAT | 0600)), id2;

	ASSERT_LE(0, id);
	ASSERT_EQ(0, mp_msgctl(id, IPC_RMID, NULL));
	EXPECT_EQ(-1, mp_msgget(key, 0600));
	EXPECT_EQ(ENOENT, errno);
	id2 = mpt_track(mp_msgget(key, IPC_CREAT | 0600));
	ASSERT_LE(0, id2);
	EXPECT_NE(id, id2);
}

TEST_F(mb, unknown_msgget_flags_are_ignored)
{
	key_t key = mpt_key();
	int id = mpt_track(mp_msgget(key, IPC_CREAT | 0600 | IPC_NOWAIT | 0x100000));

	ASSERT_LE(0, id);
	EXPECT_EQ(id, mp_msgget(key, 0600 | 0x200000));
}

TEST_F(mb, msgget_requesting_more_than_granted_is_eacces)
{
	key_t key = mpt_key();
	int id = mpt_track(mp_msgget(key, IPC_CREAT | 0604));

	ASSERT_LE(0, id);
	EXPECT_EQ(EACCES, MPT_AS_NOBODY(mpt_errno_code(mp_msgget(key, 0600))));
	EXPECT_EQ(EACCES, MPT_AS_NOBODY(mpt_errno_code(mp_msgget(key, 0200))));
}

TEST_F(mb, msgget_requesting_granted_bits_finds_mailbox)
{
	key_t key = mpt_key();
	int id = mpt_track(mp_msgget(key, IPC_CREAT | 0604));

	ASSERT_LE(0, id);
	EXPECT_EQ(0, MPT_AS_NOBODY(mpt_code_eq(mp_msgget(key, 0400), id)));
	EXPECT_EQ(0, MPT_AS_NOBODY(mpt_code_eq(mp_msgget(key, 0004), id)));
	EXPECT_EQ(0, MPT_AS_NOBODY(mpt_code_eq(mp_msgget(key, 0), id)));
}

TEST_F(mb, msgget_ipc_creat_on_existing_still_checks_mode)
{
	key_t key = mpt_key();
	int id = mpt_track(mp_msgget(key, IPC_CREAT | 0600));

	ASSERT_LE(0, id);
	EXPECT_EQ(EACCES, MPT_AS_NOBODY(mpt_errno_code(mp_msgget(key, IPC_CREAT | 0600))));
}

TEST_F(mb, root_cap_ipc_owner_bypasses_mode_bits)
{
	key_t key = mpt_key();
	int id = mpt_track(mp_msgget(key, IPC_CREAT | 0000));
	struct msqid_ds ds;
	struct mpt_msg m;

	ASSERT_LE(0, id);
	EXPECT_EQ(id, mp_msgget(key, 0666));
	EXPECT_EQ(0, mpt_send(id, 1, "root", IPC_NOWAIT));
	EXPECT_EQ(0, mp_msgctl(id, IPC_STAT, &ds));
	EXPECT_EQ(4, mpt_recv(id, &m, 0, IPC_NOWAIT));
	EXPECT_STREQ("root", m.mtext);
}

TEST_F(mb, removed_id_stays_invalid_after_new_mailboxes)
{
	struct msqid_ds ds;
	int id = mpt_new(0600);

	ASSERT_LE(0, id);
	ASSERT_EQ(0, mp_msgctl(id, IPC_RMID, NULL));
	for (int i = 0; i < 8; i++) {
		int n = mpt_new(0600);

		ASSERT_LE(0, n);
		EXPECT_NE(id, n);
	}
	EXPECT_EQ(-1, mp_msgctl(id, IPC_STAT, &ds));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, mpt_send(id, 1, "x", IPC_NOWAIT));
	EXPECT_EQ(EINVAL, errno);
}

/* ---------------------------------------------------------------------
 * msgsnd
 */

TEST_F(mb, msgsnd_mtype_zero_is_einval)
{
	int id = mpt_new(0600);

	ASSERT_LE(0, id);
	EXPECT_EQ(-1, mpt_send(id, 0, "x", IPC_NOWAIT));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, mpt_qnum(id));
}

TEST_F(mb, msgsnd_mtype_negative_is_einval)
{
	int id = mpt_new(0600);

	ASSERT_LE(0, id);
	EXPECT_EQ(-1, mpt_send(id, -1, "x", IPC_NOWAIT));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, mpt_send(id, LONG_MIN, "x", IPC_NOWAIT));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, mpt_qnum(id));
}

TEST_F(mb, msgsnd_msgmax_bytes_is_accepted)
{
	struct mpt_msg *m = calloc(1, sizeof(*m));
	int id = mpt_new(0600);

	ASSERT_NE(NULL, m);
	ASSERT_LE(0, id);
	ASSERT_LE(msgmax(), (long)sizeof(m->mtext));
	m->mtype = 1;
	EXPECT_EQ(0, mp_msgsnd(id, m, msgmax(), IPC_NOWAIT));
	EXPECT_EQ(1, mpt_qnum(id));
	free(m);
}

TEST_F(mb, msgsnd_larger_than_msgmax_is_einval)
{
	struct mpt_msg *m = calloc(1, sizeof(*m));
	int id = mpt_new(0600);

	ASSERT_NE(NULL, m);
	ASSERT_LE(0, id);
	ASSERT_LE(msgmax() + 1, (long)sizeof(m->mtext));
	m->mtype = 1;
	EXPECT_EQ(-1, mp_msgsnd(id, m, msgmax() + 1, IPC_NOWAIT));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, mpt_qnum(id));
	free(m);
}

TEST_F(mb, msgsnd_negative_size_is_einval)
{
	struct mpt_msg m = { .mtype = 1 };
	int id = mpt_new(0600);

	ASSERT_LE(0, id);
	EXPECT_EQ(-1, mp_msgsnd(id, &m, (size_t)-1, IPC_NOWAIT));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, mp_msgsnd(id, &m, (size_t)LONG_MIN, IPC_NOWAIT));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(mb, msgsnd_bad_id_is_einval)
{
	int id = mpt_new(0600);

	ASSERT_LE(0, id);
	EXPECT_EQ(-1, mpt_send(-1, 1, "x", IPC_NOWAIT));
	EXPECT_EQ(EINVAL, errno);
	/* Same index, other sequence number. */
	EXPECT_EQ(-1, mpt_send(id ^ (1 << 16), 1, "x", IPC_NOWAIT));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, mpt_send(INT_MAX, 1, "x", IPC_NOWAIT));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(mb, msgsnd_removed_id_is_einval)
{
	int id = mpt_new(0600);

	ASSERT_LE(0, id);
	ASSERT_EQ(0, mp_msgctl(id, IPC_RMID, NULL));
	EXPECT_EQ(-1, mpt_send(id, 1, "x", IPC_NOWAIT));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(mb, msgsnd_full_queue_with_ipc_nowait_is_eagain)
{
	int id = mpt_new(0600), n;

	ASSERT_LE(0, id);
	n = fill_queue(id);
	EXPECT_EQ(msgmnb() / msgmax(), n);
	EXPECT_EQ(-1, mpt_send(id, 1, "x", IPC_NOWAIT));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_EQ(n, mpt_qnum(id));
}

TEST_F(mb, message_count_is_bounded_by_qbytes)
{
	struct mpt_msg m = { .mtype = 1 };
	struct msqid_ds ds;
	int id = mpt_new(0600);

	ASSERT_LE(0, id);
	ASSERT_EQ(0, mp_msgctl(id, IPC_STAT, &ds));
	ds.msg_qbytes = 4;
	ASSERT_EQ(0, mp_msgctl(id, IPC_SET, &ds));
	for (int i = 0; i < 4; i++) {
		ASSERT_EQ(0, mp_msgsnd(id, &m, 0, IPC_NOWAIT)) TH_LOG("empty message %d: %s", i, strerror(errno));
	}
	EXPECT_EQ(-1, mp_msgsnd(id, &m, 0, IPC_NOWAIT));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_EQ(4, mpt_qnum(id));
}

TEST_F(mb, msgsnd_bad_buffer_is_efault)
{
	int id = mpt_new(0600);
	void *bad = mpt_unmapped();

	ASSERT_LE(0, id);
	ASSERT_NE(NULL, bad);
	EXPECT_EQ(-1, mp_msgsnd(id, NULL, 4, IPC_NOWAIT));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, mp_msgsnd(id, bad, 4, IPC_NOWAIT));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(0, mpt_qnum(id));
}

TEST_F(mb, msgsnd_body_past_end_of_mapping_is_efault)
{
	char *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int id = mpt_new(0600);
	long *mtype;

	ASSERT_LE(0, id);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, munmap(p + 4096, 4096));
	/* The type and a few body bytes are mapped, the rest is not. */
	mtype = (long *)(p + 4096 - sizeof(long) - 16);
	*mtype = 1;
	EXPECT_EQ(-1, mp_msgsnd(id, mtype, 100, IPC_NOWAIT));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(0, mpt_qnum(id));
	munmap(p, 4096);
}

TEST_F(mb, msgsnd_without_write_permission_is_eacces)
{
	int id = mpt_new(0644);

	ASSERT_LE(0, id);
	EXPECT_EQ(EACCES, MPT_AS_NOBODY(mpt_errno_code(mpt_send(id, 1, "x", IPC_NOWAIT))));
	EXPECT_EQ(0, mpt_qnum(id));
}

TEST_F(mb, msgsnd_with_other_write_permission_succeeds)
{
	int id = mpt_new(0602);

	ASSERT_LE(0, id);
	EXPECT_EQ(0, MPT_AS_NOBODY(mpt_code_eq(mpt_send(id, 1, "x", IPC_NOWAIT), 0)));
	EXPECT_EQ(1, mpt_qnum(id));
}

TEST_F(mb, msgsnd_ignores_unknown_msgflg_bits)
{
	int id = mpt_new(0600);

	ASSERT_LE(0, id);
	EXPECT_EQ(0, mpt_send(id, 1, "x", IPC_NOWAIT | 0x1000000));
	EXPECT_EQ(1, mpt_qnum(id));
}

TEST_F(mb, blocked_sender_is_woken_when_receiver_makes_room)
{
	struct mpt_msg m;
	int id = mpt_new(0600), n;
	pid_t pid;

	ASSERT_LE(0, id);
	n = fill_queue(id);
	ASSERT_LT(0, n);
	pid = mpt_fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(mpt_send(id, 2, "late", 0) ? errno : 0);
	ASSERT_EQ(0, mpt_wait_waiters(id, 0, 1)) TH_LOG("the sender never blocked");
	EXPECT_EQ(n, mpt_qnum(id));
	EXPECT_EQ(msgmax(), mpt_recv(id, &m, 0, IPC_NOWAIT));
	EXPECT_EQ(0, mpt_wait(pid));
	/* FIFO: the rest of the filler first, then the late message. */
	for (int i = 1; i < n; i++) {
		EXPECT_EQ(msgmax(), mpt_recv(id, &m, 0, IPC_NOWAIT));
		EXPECT_EQ(1, m.mtype);
	}
	EXPECT_EQ(4, mpt_recv(id, &m, 0, IPC_NOWAIT));
	EXPECT_EQ(2, m.mtype);
	EXPECT_STREQ("late", m.mtext);
}

TEST_F(mb, blocked_sender_gets_eidrm_on_ipc_rmid)
{
	int id = mpt_new(0600);
	pid_t pid;

	ASSERT_LE(0, id);
	ASSERT_LT(0, fill_queue(id));
	pid = mpt_fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(mpt_errno_code(mpt_send(id, 1, "x", 0)));
	ASSERT_EQ(0, mpt_wait_waiters(id, 0, 1)) TH_LOG("the sender never blocked");
	ASSERT_EQ(0, mp_msgctl(id, IPC_RMID, NULL));
	EXPECT_EQ(EIDRM, mpt_wait(pid));
}

TEST_F(mb, blocked_sender_signal_is_eintr_even_with_sa_restart)
{
	int id = mpt_new(0600), n;
	pid_t pid;

	ASSERT_LE(0, id);
	n = fill_queue(id);
	ASSERT_LT(0, n);
	pid = mpt_fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (mpt_catch(SIGUSR1, 1))
			_exit(MPT_BAD2);
		_exit(mpt_errno_code(mpt_send(id, 1, "x", 0)));
	}
	ASSERT_EQ(0, mpt_wait_waiters(id, 0, 1)) TH_LOG("the sender never blocked");
	ASSERT_EQ(0, kill(pid, SIGUSR1));
	EXPECT_EQ(EINTR, mpt_wait(pid));
	EXPECT_EQ(n, mpt_qnum(id));
}

/* ---------------------------------------------------------------------
 * msgrcv
 */

TEST_F(mb, msgrcv_type_zero_is_fifo)
{
	static const char *const text[] = { "one", "two", "three", "four" };
	static const long type[] = { 3, 1, 2, 1 };
	struct mpt_msg m;
	int id = mpt_new(0600);

	ASSERT_LE(0, id);
	for (int i = 0; i < 4; i++) {
		ASSERT_EQ(0, mpt_send(id, type[i], text[i], IPC_NOWAIT));
	}
	for (int i = 0; i < 4; i++) {
		EXPECT_EQ((ssize_t)strlen(text[i]), mpt_recv(id, &m, 0, IPC_NOWAIT));
		EXPECT_EQ(type[i], m.mtype);
		EXPECT_STREQ(text[i], m.mtext);
	}
}

TEST_F(mb, msgrcv_returns_bytes_copied)
{
	struct mpt_msg m;
	int id = mpt_new(0600);

	ASSERT_LE(0, id);
	ASSERT_EQ(0, mpt_send(id, 1, "", IPC_NOWAIT));
	ASSERT_EQ(0, mpt_send(id, 1, "12345678901", IPC_NOWAIT));
	EXPECT_EQ(0, mpt_recv(id, &m, 0, IPC_NOWAIT));
	EXPECT_EQ(11, mpt_recv(id, &m, 0, IPC_NOWAIT));
}

TEST_F(mb, msgrcv_positive_type_takes_first_of_that_type)
{
	struct mpt_msg m;
	int id = mpt_new(0600);

	ASSERT_LE(0, id);
	ASSERT_EQ(0, mpt_send(id, 1, "a1", IPC_NOWAIT));
	ASSERT_EQ(0, mpt_send(id, 2, "b1", IPC_NOWAIT));
	ASSERT_EQ(0, mpt_send(id, 1, "a2", IPC_NOWAIT));
	ASSERT_EQ(0, mpt_send(id, 2, "b2", IPC_NOWAIT));
	EXPECT_EQ(2, mpt_recv(id, &m, 2, IPC_NOWAIT));
	EXPECT_STREQ("b1", m.mtext);
	EXPECT_EQ(2, mpt_recv(id, &m, 2, IPC_NOWAIT));
	EXPECT_STREQ("b2", m.mtext);
	EXPECT_EQ(-1, mpt_recv(id, &m, 2, IPC_NOWAIT));
	EXPECT_EQ(ENOMSG, errno);
	EXPECT_EQ(2, mpt_recv(id, &m, 0, IPC_NOWAIT));
	EXPECT_STREQ("a1", m.mtext);
}

TEST_F(mb, msgrcv_msg_except_takes_first_not_of_type)
{
	struct mpt_msg m;
	int id = mpt_new(0600);

	ASSERT_LE(0, id);
	ASSERT_EQ(0, mpt_send(id, 1, "a1", IPC_NOWAIT));
	ASSERT_EQ(0, mpt_send(id, 1, "a2", IPC_NOWAIT));
	ASSERT_EQ(0, mpt_send(id, 3, "c1", IPC_NOWAIT));
	ASSERT_EQ(0, mpt_send(id, 2, "b1", IPC_NOWAIT));
	EXPECT_EQ(2, mpt_recv(id, &m, 1, IPC_NOWAIT | MSG_EXCEPT));
	EXPECT_STREQ("c1", m.mtext);
	EXPECT_EQ(2, mpt_recv(id, &m, 1, IPC_NOWAIT | MSG_EXCEPT));
	EXPECT_STREQ("b1", m.mtext);
	EXPECT_EQ(-1, mpt_recv(id, &m, 1, IPC_NOWAIT | MSG_EXCEPT));
	EXPECT_EQ(ENOMSG, errno);
	EXPECT_EQ(2, mpt_qnum(id));
}

TEST_F(mb, msgrcv_negative_type_takes_lowest_type_up_to_abs)
{
	struct mpt_msg m;
	int id = mpt_new(0600);

	ASSERT_LE(0, id);
	ASSERT_EQ(0, mpt_send(id, 5, "e", IPC_NOWAIT));
	ASSERT_EQ(0, mpt_send(id, 3, "c1", IPC_NOWAIT));
	ASSERT_EQ(0, mpt_send(id, 7, "g", IPC_NOWAIT));
	ASSERT_EQ(0, mpt_send(id, 2, "b", IPC_NOWAIT));
	ASSERT_EQ(0, mpt_send(id, 3, "c2", IPC_NOWAIT));
	EXPECT_EQ(1, mpt_recv(id, &m, -4, IPC_NOWAIT));
	EXPECT_STREQ("b", m.mtext);
	EXPECT_EQ(2, mpt_recv(id, &m, -4, IPC_NOWAIT));
	EXPECT_STREQ("c1", m.mtext);
	EXPECT_EQ(2, mpt_recv(id, &m, -4, IPC_NOWAIT));
	EXPECT_STREQ("c2", m.mtext);
	EXPECT_EQ(-1, mpt_recv(id, &m, -4, IPC_NOWAIT));
	EXPECT_EQ(ENOMSG, errno);
	EXPECT_EQ(1, mpt_recv(id, &m, -5, IPC_NOWAIT));
	EXPECT_STREQ("e", m.mtext);
}

TEST_F(mb, msgrcv_type_long_min_takes_lowest_type)
{
	struct mpt_msg m;
	int id = mpt_new(0600);

	ASSERT_LE(0, id);
	ASSERT_EQ(0, mpt_send(id, LONG_MAX, "max", IPC_NOWAIT));
	ASSERT_EQ(0, mpt_send(id, 9, "nine", IPC_NOWAIT));
	EXPECT_EQ(4, mpt_recv(id, &m, LONG_MIN, IPC_NOWAIT));
	EXPECT_STREQ("nine", m.mtext);
	EXPECT_EQ(3, mpt_recv(id, &m, LONG_MIN, IPC_NOWAIT));
	EXPECT_STREQ("max", m.mtext);
}

TEST_F(mb, msgrcv_too_small_buffer_is_e2big_and_message_stays)
{
	struct mpt_msg m;
	int id = mpt_new(0600);

	ASSERT_LE(0, id);
	ASSERT_EQ(0, mpt_send(id, 1, "0123456789", IPC_NOWAIT));
	EXPECT_EQ(-1, mp_msgrcv(id, &m, 9, 0, IPC_NOWAIT));
	EXPECT_EQ(E2BIG, errno);
	EXPECT_EQ(1, mpt_qnum(id));
	EXPECT_EQ(10, mpt_recv(id, &m, 0, IPC_NOWAIT));
	EXPECT_STREQ("0123456789", m.mtext);
}

TEST_F(mb, msgrcv_msg_noerror_truncates_and_drops_the_rest)
{
	struct mpt_msg m;
	int id = mpt_new(0600);

	ASSERT_LE(0, id);
	ASSERT_EQ(0, mpt_send(id, 1, "0123456789", IPC_NOWAIT));
	memset(&m, 0, sizeof(m));
	EXPECT_EQ(4, mp_msgrcv(id, &m, 4, 0, IPC_NOWAIT | MSG_NOERROR));
	EXPECT_EQ(0, memcmp(m.mtext, "0123", 4));
	EXPECT_EQ(0, m.mtext[4]) TH_LOG("wrote past msgsz");
	EXPECT_EQ(0, mpt_qnum(id));
	EXPECT_EQ(-1, mpt_recv(id, &m, 0, IPC_NOWAIT));
	EXPECT_EQ(ENOMSG, errno);
}

TEST_F(mb, msgrcv_ipc_nowait_on_empty_is_enomsg)
{
	struct mpt_msg m;
	int id = mpt_new(0600);

	ASSERT_LE(0, id);
	EXPECT_EQ(-1, mpt_recv(id, &m, 0, IPC_NOWAIT));
	EXPECT_EQ(ENOMSG, errno);
}

TEST_F(mb, msgrcv_ipc_nowait_without_matching_type_is_enomsg)
{
	struct mpt_msg m;
	int id = mpt_new(0600);

	ASSERT_LE(0, id);
	ASSERT_EQ(0, mpt_send(id, 5, "x", IPC_NOWAIT));
	EXPECT_EQ(-1, mpt_recv(id, &m, 4, IPC_NOWAIT));
	EXPECT_EQ(ENOMSG, errno);
	EXPECT_EQ(-1, mpt_recv(id, &m, -4, IPC_NOWAIT));
	EXPECT_EQ(ENOMSG, errno);
	EXPECT_EQ(-1, mpt_recv(id, &m, 5, IPC_NOWAIT | MSG_EXCEPT));
	EXPECT_EQ(ENOMSG, errno);
	EXPECT_EQ(1, mpt_qnum(id));
}

TEST_F(mb, msgrcv_bad_buffer_is_efault_and_message_is_kept_in_place)
{
	void *bad = mpt_unmapped();
	struct mpt_msg m;
	int id = mpt_new(0600);

	ASSERT_LE(0, id);
	ASSERT_NE(NULL, bad);
	ASSERT_EQ(0, mpt_send(id, 1, "first", IPC_NOWAIT));
	ASSERT_EQ(0, mpt_send(id, 1, "second", IPC_NOWAIT));
	EXPECT_EQ(-1, mp_msgrcv(id, bad, 100, 0, IPC_NOWAIT));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, mp_msgrcv(id, NULL, 100, 0, IPC_NOWAIT));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(2, mpt_qnum(id));
	EXPECT_EQ(5, mpt_recv(id, &m, 0, IPC_NOWAIT));
	EXPECT_STREQ("first", m.mtext);
	EXPECT_EQ(6, mpt_recv(id, &m, 0, IPC_NOWAIT));
	EXPECT_STREQ("second", m.mtext);
}

TEST_F(mb, msgrcv_body_past_end_of_mapping_is_efault_and_message_kept)
{
	char *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char body[200];
	struct mpt_msg m;
	int id = mpt_new(0600);

	ASSERT_LE(0, id);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, munmap(p + 4096, 4096));
	memset(body, 'z', sizeof(body) - 1);
	body[sizeof(body) - 1] = 0;
	ASSERT_EQ(0, mpt_send(id, 1, body, IPC_NOWAIT));
	EXPECT_EQ(-1, mp_msgrcv(id, p + 4096 - sizeof(long) - 16, 300, 0, IPC_NOWAIT));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(1, mpt_qnum(id));
	EXPECT_EQ(199, mpt_recv(id, &m, 0, IPC_NOWAIT));
	EXPECT_STREQ(body, m.mtext);
	munmap(p, 4096);
}

TEST_F(mb, msgrcv_negative_size_is_einval)
{
	struct mpt_msg m;
	int id = mpt_new(0600);

	ASSERT_LE(0, id);
	ASSERT_EQ(0, mpt_send(id, 1, "x", IPC_NOWAIT));
	EXPECT_EQ(-1, mp_msgrcv(id, &m, (size_t)-1, 0, IPC_NOWAIT));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(1, mpt_qnum(id));
}

TEST_F(mb, msgrcv_bad_id_is_einval)
{
	struct mpt_msg m;
	int id = mpt_new(0600);

	ASSERT_LE(0, id);
	EXPECT_EQ(-1, mpt_recv(-1, &m, 0, IPC_NOWAIT));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, mpt_recv(id ^ (1 << 16), &m, 0, IPC_NOWAIT));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(mb, msgrcv_removed_id_is_einval)
{
	struct mpt_msg m;
	int id = mpt_new(0600);

	ASSERT_LE(0, id);
	ASSERT_EQ(0, mpt_send(id, 1, "x", IPC_NOWAIT));
	ASSERT_EQ(0, mp_msgctl(id, IPC_RMID, NULL));
	EXPECT_EQ(-1, mpt_recv(id, &m, 0, IPC_NOWAIT));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(mb, msgrcv_without_read_permission_is_eacces)
{
	int id = mpt_new(0602);
	struct mpt_msg m;

	ASSERT_LE(0, id);
	ASSERT_EQ(0, mpt_send(id, 1, "x", IPC_NOWAIT));
	EXPECT_EQ(EACCES, MPT_AS_NOBODY(mpt_errno_code(mpt_recv(id, &m, 0, IPC_NOWAIT))));
	EXPECT_EQ(1, mpt_qnum(id));
}

TEST_F(mb, msgrcv_with_other_read_permission_succeeds)
{
	int id = mpt_new(0604);
	struct mpt_msg m;

	ASSERT_LE(0, id);
	ASSERT_EQ(0, mpt_send(id, 1, "x", IPC_NOWAIT));
	EXPECT_EQ(0, MPT_AS_NOBODY(mpt_code_eq(mpt_recv(id, &m, 0, IPC_NOWAIT), 1)));
	EXPECT_EQ(0, mpt_qnum(id));
}

TEST_F(mb, msg_copy_copies_message_at_position)
{
	struct mpt_msg m;
	int id = mpt_new(0600);

	ASSERT_LE(0, id);
	ASSERT_EQ(0, mpt_send(id, 7, "p0", IPC_NOWAIT));
	ASSERT_EQ(0, mpt_send(id, 8, "p1", IPC_NOWAIT));
	ASSERT_EQ(0, mpt_send(id, 9, "p2", IPC_NOWAIT));
	EXPECT_EQ(2, mpt_recv(id, &m, 1, MSG_COPY | IPC_NOWAIT));
	EXPECT_EQ(8, m.mtype);
	EXPECT_STREQ("p1", m.mtext);
	EXPECT_EQ(2, mpt_recv(id, &m, 0, MSG_COPY | IPC_NOWAIT));
	EXPECT_STREQ("p0", m.mtext);
	EXPECT_EQ(2, mpt_recv(id, &m, 2, MSG_COPY | IPC_NOWAIT));
	EXPECT_STREQ("p2", m.mtext);
	EXPECT_EQ(3, mpt_qnum(id));
	/* The queue is untouched. */
	EXPECT_EQ(2, mpt_recv(id, &m, 0, IPC_NOWAIT));
	EXPECT_STREQ("p0", m.mtext);
}

TEST_F(mb, msg_copy_without_ipc_nowait_is_einval)
{
	struct mpt_msg m;
	int id = mpt_new(0600);

	ASSERT_LE(0, id);
	ASSERT_EQ(0, mpt_send(id, 1, "x", IPC_NOWAIT));
	EXPECT_EQ(-1, mpt_recv(id, &m, 0, MSG_COPY));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(1, mpt_qnum(id));
}

TEST_F(mb, msg_copy_with_msg_except_is_einval)
{
	struct mpt_msg m;
	int id = mpt_new(0600);

	ASSERT_LE(0, id);
	ASSERT_EQ(0, mpt_send(id, 1, "x", IPC_NOWAIT));
	EXPECT_EQ(-1, mpt_recv(id, &m, 0, MSG_COPY | MSG_EXCEPT | IPC_NOWAIT));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(1, mpt_qnum(id));
}

TEST_F(mb, msg_copy_past_end_is_enomsg)
{
	struct mpt_msg m;
	int id = mpt_new(0600);

	ASSERT_LE(0, id);
	EXPECT_EQ(-1, mpt_recv(id, &m, 0, MSG_COPY | IPC_NOWAIT));
	EXPECT_EQ(ENOMSG, errno);
	ASSERT_EQ(0, mpt_send(id, 1, "a", IPC_NOWAIT));
	ASSERT_EQ(0, mpt_send(id, 1, "b", IPC_NOWAIT));
	EXPECT_EQ(-1, mpt_recv(id, &m, 2, MSG_COPY | IPC_NOWAIT));
	EXPECT_EQ(ENOMSG, errno);
	EXPECT_EQ(2, mpt_qnum(id));
}

TEST_F(mb, blocked_receiver_is_woken_by_send)
{
	int id = mpt_new(0600);
	pid_t pid;

	ASSERT_LE(0, id);
	pid = mpt_fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct mpt_msg m;
		ssize_t n = mpt_recv(id, &m, 0, 0);

		if (n < 0)
			_exit(errno);
		_exit(n == 5 && m.mtype == 3 && !strcmp(m.mtext, "hello") ? 0 : MPT_BAD);
	}
	ASSERT_EQ(0, mpt_wait_waiters(id, 1, 0)) TH_LOG("the receiver never blocked");
	ASSERT_EQ(0, mpt_send(id, 3, "hello", IPC_NOWAIT));
	EXPECT_EQ(0, mpt_wait(pid));
	EXPECT_EQ(0, mpt_qnum(id));
}

TEST_F(mb, blocked_receiver_ignores_messages_of_other_types)
{
	struct mpt_msg m;
	int id = mpt_new(0600);
	pid_t pid;

	ASSERT_LE(0, id);
	pid = mpt_fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		ssize_t n = mpt_recv(id, &m, 2, 0);

		if (n < 0)
			_exit(errno);
		_exit(m.mtype == 2 && !strcmp(m.mtext, "two") ? 0 : MPT_BAD);
	}
	ASSERT_EQ(0, mpt_wait_waiters(id, 1, 0)) TH_LOG("the receiver never blocked");
	ASSERT_EQ(0, mpt_send(id, 1, "one", IPC_NOWAIT));
	ASSERT_EQ(0, mpt_send(id, 2, "two", IPC_NOWAIT));
	EXPECT_EQ(0, mpt_wait(pid));
	EXPECT_EQ(3, mpt_recv(id, &m, 0, IPC_NOWAIT));
	EXPECT_STREQ("one", m.mtext);
}

TEST_F(mb, blocked_receiver_with_small_buffer_gets_e2big_and_message_stays)
{
	struct mpt_msg m;
	int id = mpt_new(0600);
	pid_t pid;

	ASSERT_LE(0, id);
	pid = mpt_fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(mpt_errno_code(mp_msgrcv(id, &m, 4, 0, 0)));
	ASSERT_EQ(0, mpt_wait_waiters(id, 1, 0)) TH_LOG("the receiver never blocked");
	ASSERT_EQ(0, mpt_send(id, 1, "0123456789", IPC_NOWAIT));
	EXPECT_EQ(E2BIG, mpt_wait(pid));
	EXPECT_EQ(1, mpt_qnum(id));
	EXPECT_EQ(10, mpt_recv(id, &m, 0, IPC_NOWAIT));
}

TEST_F(mb, blocked_receiver_gets_eidrm_on_ipc_rmid)
{
	struct mpt_msg m;
	int id = mpt_new(0600);
	pid_t pid;

	ASSERT_LE(0, id);
	pid = mpt_fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(mpt_errno_code(mpt_recv(id, &m, 0, 0)));
	ASSERT_EQ(0, mpt_wait_waiters(id, 1, 0)) TH_LOG("the receiver never blocked");
	ASSERT_EQ(0, mp_msgctl(id, IPC_RMID, NULL));
	EXPECT_EQ(EIDRM, mpt_wait(pid));
}

TEST_F(mb, ipc_rmid_wakes_every_blocked_receiver)
{
	struct mpt_msg m;
	int id = mpt_new(0600);
	pid_t pid[3];

	ASSERT_LE(0, id);
	for (int i = 0; i < 3; i++) {
		pid[i] = mpt_fork();
		ASSERT_LE(0, pid[i]);
		if (pid[i] == 0)
			_exit(mpt_errno_code(mpt_recv(id, &m, i, 0)));
	}
	ASSERT_EQ(0, mpt_wait_waiters(id, 3, 0)) TH_LOG("the receivers never blocked");
	ASSERT_EQ(0, mp_msgctl(id, IPC_RMID, NULL));
	for (int i = 0; i < 3; i++) {
		EXPECT_EQ(EIDRM, mpt_wait(pid[i]));
	}
}

TEST_F(mb, blocked_receiver_signal_is_eintr_even_with_sa_restart)
{
	struct mpt_msg m;
	int id = mpt_new(0600);
	pid_t pid;

	ASSERT_LE(0, id);
	pid = mpt_fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (mpt_catch(SIGUSR1, 1))
			_exit(MPT_BAD2);
		_exit(mpt_errno_code(mpt_recv(id, &m, 0, 0)));
	}
	ASSERT_EQ(0, mpt_wait_waiters(id, 1, 0)) TH_LOG("the receiver never blocked");
	ASSERT_EQ(0, kill(pid, SIGUSR1));
	EXPECT_EQ(EINTR, mpt_wait(pid));
	/* The mailbox is unharmed. */
	ASSERT_EQ(0, mpt_send(id, 1, "x", IPC_NOWAIT));
	EXPECT_EQ(1, mpt_recv(id, &m, 0, IPC_NOWAIT));
}

/* ---------------------------------------------------------------------
 * msgctl
 */

TEST_F(mb, ipc_stat_reports_new_mailbox)
{
	time_t t0 = time(NULL), t1;
	key_t key = mpt_key();
	struct msqid_ds ds;
	int id = mpt_track(mp_msgget(key, IPC_CREAT | 0640));

	ASSERT_LE(0, id);
	t1 = time(NULL);
	memset(&ds, 0xa5, sizeof(ds));
	ASSERT_EQ(0, mp_msgctl(id, IPC_STAT, &ds));
	EXPECT_EQ(key, ds.msg_perm.__key);
	EXPECT_EQ(geteuid(), ds.msg_perm.uid);
	EXPECT_EQ(getegid(), ds.msg_perm.gid);
	EXPECT_EQ(geteuid(), ds.msg_perm.cuid);
	EXPECT_EQ(getegid(), ds.msg_perm.cgid);
	EXPECT_EQ(0640, ds.msg_perm.mode & 0777);
	EXPECT_EQ(0, ds.msg_qnum);
	EXPECT_EQ(0, ds.__msg_cbytes);
	EXPECT_EQ(msgmnb(), (long)ds.msg_qbytes);
	EXPECT_EQ(0, ds.msg_lspid);
	EXPECT_EQ(0, ds.msg_lrpid);
	EXPECT_EQ(0, ds.msg_stime);
	EXPECT_EQ(0, ds.msg_rtime);
	EXPECT_LE(t0, ds.msg_ctime);
	EXPECT_GE(t1, ds.msg_ctime);
}

TEST_F(mb, ipc_stat_private_mailbox_key_is_ipc_private)
{
	struct msqid_ds ds;
	int id = mpt_new(0600);

	ASSERT_LE(0, id);
	ASSERT_EQ(0, mp_msgctl(id, IPC_STAT, &ds));
	EXPECT_EQ(IPC_PRIVATE, ds.msg_perm.__key);
}

TEST_F(mb, ipc_stat_reports_queue_and_last_sender_receiver)
{
	struct msqid_ds ds;
	struct mpt_msg m;
	int id = mpt_new(0600);
	pid_t snd, rcv;
	time_t t0, t1;

	ASSERT_LE(0, id);
	t0 = time(NULL);
	snd = mpt_fork();
	ASSERT_LE(0, snd);
	if (snd == 0)
		_exit(mpt_send(id, 1, "12345", IPC_NOWAIT) || mpt_send(id, 1, "678", IPC_NOWAIT) ? errno : 0);
	ASSERT_EQ(0, mpt_wait(snd));
	t1 = time(NULL);
	ASSERT_EQ(0, mp_msgctl(id, IPC_STAT, &ds));
	EXPECT_EQ(2, ds.msg_qnum);
	EXPECT_EQ(8, ds.__msg_cbytes);
	EXPECT_EQ(snd, ds.msg_lspid);
	EXPECT_EQ(0, ds.msg_lrpid);
	EXPECT_LE(t0, ds.msg_stime);
	EXPECT_GE(t1, ds.msg_stime);
	EXPECT_EQ(0, ds.msg_rtime);

	rcv = mpt_fork();
	ASSERT_LE(0, rcv);
	if (rcv == 0)
		_exit(mpt_recv(id, &m, 0, IPC_NOWAIT) == 5 ? 0 : MPT_BAD);
	ASSERT_EQ(0, mpt_wait(rcv));
	t1 = time(NULL);
	ASSERT_EQ(0, mp_msgctl(id, IPC_STAT, &ds));
	EXPECT_EQ(1, ds.msg_qnum);
	EXPECT_EQ(3, ds.__msg_cbytes);
	EXPECT_EQ(snd, ds.msg_lspid);
	EXPECT_EQ(rcv, ds.msg_lrpid);
	EXPECT_LE(t0, ds.msg_rtime);
	EXPECT_GE(t1, ds.msg_rtime);
}

TEST_F(mb, ipc_stat_without_read_permission_is_eacces)
{
	struct msqid_ds ds;
	int id = mpt_new(0620);

	ASSERT_LE(0, id);
	EXPECT_EQ(EACCES, MPT_AS_NOBODY(mpt_errno_code(mp_msgctl(id, IPC_STAT, &ds))));
}

TEST_F(mb, ipc_stat_with_other_read_permission_succeeds)
{
	struct msqid_ds ds;
	int id = mpt_new(0604);

	ASSERT_LE(0, id);
	EXPECT_EQ(0, MPT_AS_NOBODY(mpt_code_eq(mp_msgctl(id, IPC_STAT, &ds), 0)));
}

TEST_F(mb, ipc_stat_bad_id_is_einval)
{
	struct msqid_ds ds;
	int id = mpt_new(0600);

	ASSERT_LE(0, id);
	EXPECT_EQ(-1, mp_msgctl(-1, IPC_STAT, &ds));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, mp_msgctl(id ^ (1 << 16), IPC_STAT, &ds));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(mb, ipc_stat_bad_buffer_is_efault)
{
	int id = mpt_new(0600);

	ASSERT_LE(0, id);
	EXPECT_EQ(-1, mp_msgctl(id, IPC_STAT, NULL));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, mp_msgctl(id, IPC_STAT, mpt_unmapped()));
	EXPECT_EQ(EFAULT, errno);
}

TEST_F(mb, ipc_set_changes_mode_owner_and_qbytes)
{
	struct msqid_ds ds;
	time_t t0;
	int id = mpt_new(0600);

	ASSERT_LE(0, id);
	ASSERT_EQ(0, mp_msgctl(id, IPC_STAT, &ds));
	t0 = time(NULL);
	ds.msg_perm.mode = 0644;
	ds.msg_perm.uid = 1234;
	ds.msg_perm.gid = 4321;
	ds.msg_qbytes = 1000;
	ASSERT_EQ(0, mp_msgctl(id, IPC_SET, &ds));
	memset(&ds, 0, sizeof(ds));
	ASSERT_EQ(0, mp_msgctl(id, IPC_STAT, &ds));
	EXPECT_EQ(0644, ds.msg_perm.mode & 0777);
	EXPECT_EQ(1234, ds.msg_perm.uid);
	EXPECT_EQ(4321, ds.msg_perm.gid);
	EXPECT_EQ(geteuid(), ds.msg_perm.cuid);
	EXPECT_EQ(getegid(), ds.msg_perm.cgid);
	EXPECT_EQ(1000, ds.msg_qbytes);
	EXPECT_LE(t0, ds.msg_ctime);
	EXPECT_GE(time(NULL), ds.msg_ctime);
}

TEST_F(mb, ipc_set_mode_takes_only_low_nine_bits)
{
	struct msqid_ds ds;
	int id = mpt_new(0600);

	ASSERT_LE(0, id);
	ASSERT_EQ(0, mp_msgctl(id, IPC_STAT, &ds));
	ds.msg_perm.mode = 07640;
	ASSERT_EQ(0, mp_msgctl(id, IPC_SET, &ds));
	ASSERT_EQ(0, mp_msgctl(id, IPC_STAT, &ds));
	EXPECT_EQ(0640, ds.msg_perm.mode & 07777);
}

TEST_F(mb, ipc_set_qbytes_bounds_the_queue)
{
	struct msqid_ds ds;
	char body[1001];
	int id = mpt_new(0600);

	ASSERT_LE(0, id);
	ASSERT_EQ(0, mp_msgctl(id, IPC_STAT, &ds));
	ds.msg_qbytes = 1000;
	ASSERT_EQ(0, mp_msgctl(id, IPC_SET, &ds));
	memset(body, 'q', 1000);
	body[1000] = 0;
	EXPECT_EQ(0, mpt_send(id, 1, body, IPC_NOWAIT));
	EXPECT_EQ(-1, mpt_send(id, 1, "x", IPC_NOWAIT));
	EXPECT_EQ(EAGAIN, errno);
}

TEST_F(mb, ipc_set_raising_qbytes_wakes_blocked_sender)
{
	struct msqid_ds ds;
	int id = mpt_new(0600);
	pid_t pid;

	ASSERT_LE(0, id);
	ASSERT_LT(0, fill_queue(id));
	pid = mpt_fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(mpt_send(id, 1, "x", 0) ? errno : 0);
	ASSERT_EQ(0, mpt_wait_waiters(id, 0, 1)) TH_LOG("the sender never blocked");
	ASSERT_EQ(0, mp_msgctl(id, IPC_STAT, &ds));
	ds.msg_qbytes = msgmnb() * 2;
	ASSERT_EQ(0, mp_msgctl(id, IPC_SET, &ds));
	EXPECT_EQ(0, mpt_wait(pid));
}

TEST_F(mb, ipc_set_by_non_owner_is_eperm)
{
	struct msqid_ds ds;
	int id = mpt_new(0666);

	ASSERT_LE(0, id);
	ASSERT_EQ(0, mp_msgctl(id, IPC_STAT, &ds));
	ds.msg_perm.mode = 0600;
	EXPECT_EQ(EPERM, MPT_AS_NOBODY(mpt_errno_code(mp_msgctl(id, IPC_SET, &ds))));
	ASSERT_EQ(0, mp_msgctl(id, IPC_STAT, &ds));
	EXPECT_EQ(0666, ds.msg_perm.mode & 0777);
}

TEST_F(mb, ipc_set_by_owner_uid_succeeds)
{
	struct msqid_ds ds;
	int id = mpt_new(0600);

	ASSERT_LE(0, id);
	ASSERT_EQ(0, mp_msgctl(id, IPC_STAT, &ds));
	ds.msg_perm.uid = MPT_NOBODY;
	ds.msg_perm.gid = MPT_NOBODY;
	ASSERT_EQ(0, mp_msgctl(id, IPC_SET, &ds));
	ds.msg_perm.mode = 0640;
	EXPECT_EQ(0, MPT_AS_NOBODY(mp_msgctl(id, IPC_SET, &ds) ? errno : 0));
	ASSERT_EQ(0, mp_msgctl(id, IPC_STAT, &ds));
	EXPECT_EQ(0640, ds.msg_perm.mode & 0777);
}

TEST_F(mb, ipc_set_qbytes_above_msgmnb_unprivileged_is_eperm)
{
	struct msqid_ds ds;
	int id = mpt_new(0600);

	ASSERT_LE(0, id);
	ASSERT_EQ(0, mp_msgctl(id, IPC_STAT, &ds));
	ds.msg_perm.uid = MPT_NOBODY;
	ASSERT_EQ(0, mp_msgctl(id, IPC_SET, &ds));
	ds.msg_qbytes = msgmnb() + 1;
	EXPECT_EQ(EPERM, MPT_AS_NOBODY(mpt_errno_code(mp_msgctl(id, IPC_SET, &ds))));
	ASSERT_EQ(0, mp_msgctl(id, IPC_STAT, &ds));
	EXPECT_EQ(msgmnb(), (long)ds.msg_qbytes);
	/* Lowering it needs no privilege. */
	ds.msg_qbytes = msgmnb() / 2;
	EXPECT_EQ(0, MPT_AS_NOBODY(mp_msgctl(id, IPC_SET, &ds) ? errno : 0));
	ASSERT_EQ(0, mp_msgctl(id, IPC_STAT, &ds));
	EXPECT_EQ(msgmnb() / 2, (long)ds.msg_qbytes);
}

TEST_F(mb, ipc_set_qbytes_above_msgmnb_as_root_succeeds)
{
	struct msqid_ds ds;
	int id = mpt_new(0600);

	ASSERT_LE(0, id);
	ASSERT_EQ(0, mp_msgctl(id, IPC_STAT, &ds));
	ds.msg_qbytes = msgmnb() * 2;
	ASSERT_EQ(0, mp_msgctl(id, IPC_SET, &ds));
	ASSERT_EQ(0, mp_msgctl(id, IPC_STAT, &ds));
	EXPECT_EQ(msgmnb() * 2, (long)ds.msg_qbytes);
	EXPECT_EQ(msgmnb() * 2 / msgmax(), fill_queue(id));
}

TEST_F(mb, ipc_set_bad_buffer_is_efault)
{
	int id = mpt_new(0600);

	ASSERT_LE(0, id);
	EXPECT_EQ(-1, mp_msgctl(id, IPC_SET, NULL));
	EXPECT_EQ(EFAULT, errno);
}

TEST_F(mb, ipc_rmid_by_other_user_is_eperm)
{
	int id = mpt_new(0666);

	ASSERT_LE(0, id);
	EXPECT_EQ(EPERM, MPT_AS_NOBODY(mpt_errno_code(mp_msgctl(id, IPC_RMID, NULL))));
	EXPECT_EQ(0, mpt_qnum(id));
}

TEST_F(mb, ipc_rmid_by_owner_uid_succeeds)
{
	struct msqid_ds ds;
	int id = mpt_new(0600);

	ASSERT_LE(0, id);
	ASSERT_EQ(0, mp_msgctl(id, IPC_STAT, &ds));
	ds.msg_perm.uid = MPT_NOBODY;
	ASSERT_EQ(0, mp_msgctl(id, IPC_SET, &ds));
	EXPECT_EQ(0, MPT_AS_NOBODY(mp_msgctl(id, IPC_RMID, NULL) ? errno : 0));
	EXPECT_EQ(-1, mp_msgctl(id, IPC_STAT, &ds));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(mb, ipc_rmid_twice_is_einval)
{
	int id = mpt_new(0600);

	ASSERT_LE(0, id);
	ASSERT_EQ(0, mp_msgctl(id, IPC_RMID, NULL));
	EXPECT_EQ(-1, mp_msgctl(id, IPC_RMID, NULL));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(mb, ipc_rmid_frees_queued_messages)
{
	struct mp_counters_info c0, c1, c2;
	int id;

	ASSERT_EQ(0, mp_counters(&c0));
	id = mpt_new(0600);
	ASSERT_LE(0, id);
	ASSERT_EQ(0, mpt_send(id, 1, "abc", IPC_NOWAIT));
	ASSERT_EQ(0, mpt_send(id, 1, "defgh", IPC_NOWAIT));
	ASSERT_EQ(0, mp_counters(&c1));
	EXPECT_EQ(c0.mailboxes + 1, c1.mailboxes);
	EXPECT_EQ(c0.messages + 2, c1.messages);
	EXPECT_EQ(c0.bytes + 8, c1.bytes);
	ASSERT_EQ(0, mp_msgctl(id, IPC_RMID, NULL));
	ASSERT_EQ(0, mp_counters(&c2));
	EXPECT_EQ(c0.mailboxes, c2.mailboxes);
	EXPECT_EQ(c0.messages, c2.messages);
	EXPECT_EQ(c0.bytes, c2.bytes);
}

TEST_F(mb, ipc_info_reports_limits_and_highest_index)
{
	struct msginfo mi;
	int id = mpt_new(0600), r;

	ASSERT_LE(0, id);
	memset(&mi, 0, sizeof(mi));
	r = mp_msgctl(0, IPC_INFO, (struct msqid_ds *)&mi);
	ASSERT_LE(0, r) TH_LOG("IPC_INFO: %s", strerror(errno));
	EXPECT_LE(id & 0xffff, r);
	EXPECT_GE(0xffff, r);
	EXPECT_EQ(msgmax(), mi.msgmax);
	EXPECT_EQ(msgmnb(), mi.msgmnb);
	EXPECT_EQ(mpt_param("msgmni", MPT_MSGMNI_DEFAULT), mi.msgmni);
}

TEST_F(mb, msg_info_reports_usage)
{
	struct mp_counters_info c;
	struct msginfo a, b;
	int id = mpt_new(0600), r;

	ASSERT_LE(0, id);
	r = mp_msgctl(0, MSG_INFO, (struct msqid_ds *)&a);
	ASSERT_LE(0, r) TH_LOG("MSG_INFO: %s", strerror(errno));
	EXPECT_LE(id & 0xffff, r);
	ASSERT_EQ(0, mpt_send(id, 1, "0123456789", IPC_NOWAIT));
	ASSERT_EQ(0, mpt_send(id, 1, "01234", IPC_NOWAIT));
	ASSERT_LE(0, mp_msgctl(0, MSG_INFO, (struct msqid_ds *)&b));
	ASSERT_EQ(0, mp_counters(&c));
	EXPECT_EQ(a.msgmap + 2, b.msgmap);
	EXPECT_EQ(a.msgtql + 15, b.msgtql);
	EXPECT_EQ((int)c.mailboxes, b.msgpool);
	EXPECT_EQ((int)c.messages, b.msgmap);
	EXPECT_EQ((int)c.bytes, b.msgtql);
	EXPECT_EQ(msgmax(), b.msgmax);
	EXPECT_EQ(msgmnb(), b.msgmnb);
}

TEST_F(mb, info_bad_buffer_is_efault)
{
	EXPECT_EQ(-1, mp_msgctl(0, IPC_INFO, NULL));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, mp_msgctl(0, MSG_INFO, NULL));
	EXPECT_EQ(EFAULT, errno);
}

TEST_F(mb, msg_stat_by_index_returns_id_and_stats)
{
	struct msqid_ds ds;
	int id = mpt_new(0600);

	ASSERT_LE(0, id);
	ASSERT_EQ(0, mpt_send(id, 1, "abc", IPC_NOWAIT));
	memset(&ds, 0, sizeof(ds));
	EXPECT_EQ(id, mp_msgctl(id & 0xffff, MSG_STAT, &ds));
	EXPECT_EQ(1, ds.msg_qnum);
	EXPECT_EQ(3, ds.__msg_cbytes);
	EXPECT_EQ(0600, ds.msg_perm.mode & 0777);
	memset(&ds, 0, sizeof(ds));
	EXPECT_EQ(id, mp_msgctl(id & 0xffff, MP_MSG_STAT_ANY, &ds));
	EXPECT_EQ(1, ds.msg_qnum);
}

TEST_F(mb, msg_stat_unused_index_is_einval)
{
	struct msqid_ds ds;
	int id = mpt_new(0600);

	ASSERT_LE(0, id);
	ASSERT_EQ(0, mp_msgctl(id, IPC_RMID, NULL));
	EXPECT_EQ(-1, mp_msgctl(id & 0xffff, MSG_STAT, &ds));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, mp_msgctl(id & 0xffff, MP_MSG_STAT_ANY, &ds));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(mb, msg_stat_index_out_of_range_is_einval)
{
	struct msqid_ds ds;

	EXPECT_EQ(-1, mp_msgctl(65536, MSG_STAT, &ds));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, mp_msgctl(-1, MSG_STAT, &ds));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, mp_msgctl(65536, MP_MSG_STAT_ANY, &ds));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(mb, msg_stat_without_read_permission_is_eacces)
{
	struct msqid_ds ds;
	int id = mpt_new(0600);

	ASSERT_LE(0, id);
	EXPECT_EQ(EACCES, MPT_AS_NOBODY(mpt_errno_code(mp_msgctl(id & 0xffff, MSG_STAT, &ds))));
}

TEST_F(mb, msg_stat_any_needs_no_permission)
{
	struct msqid_ds ds;
	int id = mpt_new(0600);

	ASSERT_LE(0, id);
	EXPECT_EQ(0, MPT_AS_NOBODY(mpt_code_eq(mp_msgctl(id & 0xffff, MP_MSG_STAT_ANY, &ds), id)));
}

TEST_F(mb, msg_stat_bad_buffer_is_efault)
{
	int id = mpt_new(0600);

	ASSERT_LE(0, id);
	EXPECT_EQ(-1, mp_msgctl(id & 0xffff, MSG_STAT, NULL));
	EXPECT_EQ(EFAULT, errno);
}

TEST_F(mb, msgctl_unknown_cmd_is_einval)
{
	struct msqid_ds ds;
	int id = mpt_new(0600);

	ASSERT_LE(0, id);
	EXPECT_EQ(-1, mp_msgctl(id, 99, &ds));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, mp_msgctl(id, -1, &ds));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, mp_msgctl(id, 0x0fff, &ds));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, mpt_qnum(id));
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

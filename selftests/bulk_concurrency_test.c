// SPDX-License-Identifier: GPL-2.0
/*
 * Descriptors and batches under concurrency: many senders passing
 * descriptors to many receivers, each one arriving once and naming the
 * right file; a broadcast of descriptors to several subscribers; removal
 * of a mailbox full of descriptors with senders asleep on it; batches
 * from many senders keeping each sender's order. counters.files is back
 * where it was at the end of each.
 *
 * Workers record what they saw in shared memory; the test checks it once
 * everyone is done. Nothing depends on timing: every wait is for a state,
 * bounded only against hangs. Every worker dies with its test
 * (PR_SET_PDEATHSIG) and the fixture kills and reaps them all, so that
 * the module can be unloaded afterwards.
 */
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/prctl.h>

#include "mp_test.h"

#define HANG_MS		60000		/* a wait this long means a hang */
#define HANG_NS		(HANG_MS * 1000000ULL)
#define T_DATA		1
#define T_STOP		2

#include "mp_bulk.h"

/* The content of message @i of sender @s, in its memfd. */
static int note(char *buf, size_t size, int s, int i)
{
	return snprintf(buf, size, "sender %d message %d", s, i);
}

static int memfd_note(int s, int i)
{
	char buf[64];
	int len = note(buf, sizeof(buf), s, i);
	int fd = memfd_create("bulk_conc", MFD_CLOEXEC);

	if (fd < 0)
		return -1;
	if (write(fd, buf, len) != len) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Does descriptor @fd hold message @i of sender @s? */
static int holds_note(int fd, int s, int i)
{
	char want[64], got[64] = "";
	int len = note(want, sizeof(want), s, i);

	return pread(fd, got, sizeof(got) - 1, 0) == len && !strcmp(want, got);
}

struct fdmsg {
	long mtype;
	int s;
	int i;
};

/* ------------------------------------------------------------------ */

#define FD_SENDERS	4
#define FD_RECEIVERS	4
#define FD_PER_SENDER	150

struct fd_board {
	_Atomic int got[FD_SENDERS][FD_PER_SENDER];
	_Atomic int received;
	_Atomic int wrong_content;
	_Atomic int bad_header;
	_Atomic int errors;
	_Atomic int last_errno;
};

/* Take messages until T_STOP; check each descriptor's content. */
static int fd_receiver(int id, struct fd_board *bd, int bcast_sub)
{
	for (;;) {
		struct mp_recvopt ro = { .flags = MP_RECV_TIMEOUT | MP_RECV_FD_CLOEXEC,
					 .timeout_ns = HANG_NS, .fd_room = 1 };
		struct mp_msghdr h;
		struct fdmsg m;
		int fd = -1;
		ssize_t n;

		ro.fds = &fd;
		n = mp_msgrcv_ext(id, &m, sizeof(m) - sizeof(long), 0, 0, &ro, &h);
		if (n < 0) {
			bd->last_errno = errno;
			bd->errors++;
			return 1;
		}
		if (m.mtype == T_STOP)
			return h.nr_fds ? 2 : 0;
		if (h.nr_fds != 1 || fd < 0 || m.s < 0 || m.s >= FD_SENDERS ||
		    m.i < 0 || m.i >= FD_PER_SENDER) {
			bd->bad_header++;
		} else {
			if (!holds_note(fd, m.s, m.i))
				bd->wrong_content++;
			bd->got[m.s][m.i]++;
			bd->received++;
		}
		if (fd >= 0)
			close(fd);
		if (bcast_sub && bd->received == FD_SENDERS * FD_PER_SENDER)
			return 0;
	}
}

static int fd_sender(int id, int s)
{
	for (int i = 0; i < FD_PER_SENDER; i++) {
		struct fdmsg m = { .mtype = T_DATA, .s = s, .i = i };
		struct mp_sendopt so = { .flags = MP_SEND_TIMEOUT,
					 .timeout_ns = HANG_NS, .nr_fds = 1 };
		int fd = memfd_note(s, i);

		if (fd < 0)
			return 1;
		so.fds = &fd;
		if (mp_msgsnd_ext(id, &m, sizeof(m) - sizeof(long), 0, &so))
			return 2;
		close(fd);
	}
	return 0;
}

TEST_F(bulk, many_senders_pass_fds_to_many_receivers)
{
	struct mp_attr a = { .flags = MP_ATTR_CAPACITY | MP_ATTR_MODE_RECEIVE, .capacity = 8 };
	struct fd_board *bd = shared_map(sizeof(*bd));
	pid_t snd[FD_SENDERS], rcv[FD_RECEIVERS];
	long base = files_now();
	int id = new_mbox(&a), once = 0;

	ASSERT_NE(NULL, bd);
	ASSERT_LE(0, base);
	ASSERT_LE(0, id);
	for (int r = 0; r < FD_RECEIVERS; r++) {
		rcv[r] = spawn();
		ASSERT_LE(0, rcv[r]);
		if (rcv[r] == 0)
			_exit(fd_receiver(id, bd, 0));
	}
	for (int s = 0; s < FD_SENDERS; s++) {
		snd[s] = spawn();
		ASSERT_LE(0, snd[s]);
		if (snd[s] == 0)
			_exit(fd_sender(id, s));
	}
	for (int s = 0; s < FD_SENDERS; s++)
		EXPECT_EQ(0, reap(snd[s]));
	for (int r = 0; r < FD_RECEIVERS; r++) {
		struct fdmsg stop = { .mtype = T_STOP };

		ASSERT_EQ(0, mp_msgsnd(id, &stop, sizeof(stop) - sizeof(long), 0));
	}
	for (int r = 0; r < FD_RECEIVERS; r++)
		EXPECT_EQ(0, reap(rcv[r]));

	EXPECT_EQ(0, bd->errors) {
		TH_LOG("last errno %d", bd->last_errno);
	}
	EXPECT_EQ(0, bd->bad_header);
	EXPECT_EQ(0, bd->wrong_content);
	EXPECT_EQ(FD_SENDERS * FD_PER_SENDER, bd->received);
	for (int s = 0; s < FD_SENDERS; s++)
		for (int i = 0; i < FD_PER_SENDER; i++)
			once += bd->got[s][i] == 1;
	EXPECT_EQ(FD_SENDERS * FD_PER_SENDER, once);
	EXPECT_EQ(0, qnum(id));
	EXPECT_EQ(base, files_settle(base));
	munmap(bd, sizeof(*bd));
}

#define BC_SUBS		4

TEST_F(bulk, broadcast_of_fds_reaches_every_subscriber)
{
	struct mp_attr a = { .flags = MP_ATTR_CAPACITY | MP_ATTR_MODE_RECEIVE, .capacity = 8,
			     .kind = MP_KIND_BROADCAST };
	struct fd_board *bd[BC_SUBS];
	pid_t sub[BC_SUBS], snd[FD_SENDERS];
	struct mp_mbox_info info;
	long base = files_now();
	int id = new_mbox(&a), ready[2];

	ASSERT_LE(0, base);
	ASSERT_LE(0, id);
	ASSERT_EQ(0, pipe(ready));
	for (int k = 0; k < BC_SUBS; k++) {
		bd[k] = shared_map(sizeof(*bd[k]));
		ASSERT_NE(NULL, bd[k]);
		sub[k] = spawn();
		ASSERT_LE(0, sub[k]);
		if (sub[k] == 0) {
			if (mp_mbox_subscribe(id))
				_exit(3);
			if (write(ready[1], "r", 1) != 1)
				_exit(4);
			_exit(fd_receiver(id, bd[k], 1));
		}
	}
	for (int k = 0; k < BC_SUBS; k++) {
		char c;

		ASSERT_EQ(1, read(ready[0], &c, 1));
	}
	ASSERT_EQ(0, mp_mbox_info(id, &info));
	ASSERT_EQ(BC_SUBS, info.subscribers);
	for (int s = 0; s < FD_SENDERS; s++) {
		snd[s] = spawn();
		ASSERT_LE(0, snd[s]);
		if (snd[s] == 0)
			_exit(fd_sender(id, s));
	}
	for (int s = 0; s < FD_SENDERS; s++)
		EXPECT_EQ(0, reap(snd[s]));
	for (int k = 0; k < BC_SUBS; k++)
		EXPECT_EQ(0, reap(sub[k]));
	for (int k = 0; k < BC_SUBS; k++) {
		int once = 0;

		EXPECT_EQ(0, bd[k]->errors) {
			TH_LOG("subscriber %d: last errno %d", k, bd[k]->last_errno);
		}
		EXPECT_EQ(0, bd[k]->bad_header);
		EXPECT_EQ(0, bd[k]->wrong_content);
		for (int s = 0; s < FD_SENDERS; s++)
			for (int i = 0; i < FD_PER_SENDER; i++)
				once += bd[k]->got[s][i] == 1;
		EXPECT_EQ(FD_SENDERS * FD_PER_SENDER, once);
		munmap(bd[k], sizeof(*bd[k]));
	}
	EXPECT_EQ(base, files_settle(base));
}

#define RM_SENDERS	4

TEST_F(bulk, removal_with_senders_asleep_drops_every_file)
{
	struct mp_attr a = { .flags = MP_ATTR_CAPACITY | MP_ATTR_MODE_RECEIVE, .capacity = 32 };
	_Atomic int *sent = shared_map(RM_SENDERS * sizeof(int));
	struct mp_mbox_info info = { 0 };
	pid_t snd[RM_SENDERS];
	long base = files_now();
	int id = new_mbox(&a), p[2];

	ASSERT_NE(NULL, sent);
	ASSERT_LE(0, base);
	ASSERT_LE(0, id);
	ASSERT_EQ(0, pipe(p));
	for (int s = 0; s < RM_SENDERS; s++) {
		snd[s] = spawn();
		ASSERT_LE(0, snd[s]);
		if (snd[s] == 0) {
			/* Each message holds the write end; send until removed. */
			struct fdmsg m = { .mtype = T_DATA, .s = s };
			struct mp_sendopt so = { .flags = MP_SEND_TIMEOUT,
						 .timeout_ns = HANG_NS, .nr_fds = 1 };

			close(p[0]);
			so.fds = &p[1];
			for (;;) {
				if (mp_msgsnd_ext(id, &m, sizeof(m) - sizeof(long), 0, &so))
					_exit(errno == EIDRM ? 0 : 1);
				sent[s]++;
				m.i++;
			}
		}
	}
	close(p[1]);
	/* Full, and every sender asleep on it. */
	for (int i = 0; i < HANG_MS / 10; i++) {
		ASSERT_EQ(0, mp_mbox_info(id, &info));
		if (info.qnum == 32 && info.waiting_senders == RM_SENDERS)
			break;
		usleep(10000);
	}
	ASSERT_EQ(32, info.qnum);
	ASSERT_EQ(RM_SENDERS, info.waiting_senders);
	/* The queued ones, and maybe the ones their senders hold asleep. */
	EXPECT_LE(base + 32, files_now());
	EXPECT_GE(base + 32 + RM_SENDERS, files_now());
	ASSERT_EQ(0, mp_msgctl(id, IPC_RMID, NULL));
	for (int s = 0; s < RM_SENDERS; s++)
		EXPECT_EQ(0, reap(snd[s]));
	{
		int total = 0;

		for (int s = 0; s < RM_SENDERS; s++)
			total += sent[s];
		EXPECT_EQ(32, total);
	}
	/* Senders gone, messages freed: no write end is left anywhere. */
	{
		struct pollfd pf = { .fd = p[0], .events = POLLIN };
		char c;

		ASSERT_EQ(1, poll(&pf, 1, HANG_MS));
		EXPECT_TRUE(pf.revents & POLLHUP);
		EXPECT_EQ(0, read(p[0], &c, 1));
	}
	EXPECT_EQ(base, files_settle(base));
	close(p[0]);
	munmap(sent, RM_SENDERS * sizeof(int));
}

#define BT_SENDERS	4
#define BT_PER_SENDER	512
#define BT_BATCH	32
#define BT_RBATCH	24

struct bt_msg {
	long mtype;
	int s;
	int i;
};

TEST_F(bulk, batches_from_many_senders_keep_each_senders_order)
{
	struct mp_attr a = { .flags = MP_ATTR_CAPACITY | MP_ATTR_MODE_RECEIVE, .capacity = 40 };
	static struct bt_msg in[BT_RBATCH];
	static struct mp_batch_msg rv[BT_RBATCH];
	int next[BT_SENDERS] = { 0 }, total = 0, disorder = 0, bad = 0;
	pid_t snd[BT_SENDERS];
	int id = new_mbox(&a);

	ASSERT_LE(0, id);
	for (int s = 0; s < BT_SENDERS; s++) {
		snd[s] = spawn();
		ASSERT_LE(0, snd[s]);
		if (snd[s] == 0) {
			static struct bt_msg out[BT_BATCH];
			static struct mp_batch_msg sv[BT_BATCH];

			for (int i = 0; i < BT_PER_SENDER; ) {
				int n = BT_PER_SENDER - i < BT_BATCH ? BT_PER_SENDER - i : BT_BATCH;
				int ret;

				memset(sv, 0, sizeof(sv));
				for (int k = 0; k < n; k++) {
					out[k] = (struct bt_msg){ .mtype = T_DATA, .s = s, .i = i + k };
					sv[k].msgp = (uintptr_t)&out[k];
					sv[k].msgsz = sizeof(out[k]) - sizeof(long);
				}
				/* Blocks on the full mailbox: may send part, then the rest. */
				ret = mp_msgsndv(id, sv, n, 0);
				if (ret <= 0)
					_exit(1);
				i += ret;
			}
			_exit(0);
		}
	}
	while (total < BT_SENDERS * BT_PER_SENDER) {
		int n;

		memset(rv, 0, sizeof(rv));
		for (int k = 0; k < BT_RBATCH; k++) {
			rv[k].msgp = (uintptr_t)&in[k];
			rv[k].msgsz = sizeof(in[k]) - sizeof(long);
		}
		n = mp_msgrcvv(id, rv, BT_RBATCH, 0, 0);
		ASSERT_LT(0, n);
		for (int k = 0; k < n; k++) {
			int s = in[k].s;

			if (rv[k].result != sizeof(in[k]) - sizeof(long) ||
			    s < 0 || s >= BT_SENDERS) {
				bad++;
				continue;
			}
			disorder += in[k].i != next[s];
			next[s] = in[k].i + 1;
		}
		total += n;
	}
	for (int s = 0; s < BT_SENDERS; s++)
		EXPECT_EQ(0, reap(snd[s]));
	EXPECT_EQ(0, bad);
	EXPECT_EQ(0, disorder);
	EXPECT_EQ(BT_SENDERS * BT_PER_SENDER, total);
	for (int s = 0; s < BT_SENDERS; s++)
		EXPECT_EQ(BT_PER_SENDER, next[s]);
	EXPECT_EQ(0, qnum(id));
}

TEST_HARNESS_MAIN

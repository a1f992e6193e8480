// SPDX-License-Identifier: GPL-2.0
/*
 * Fault injection on msgpass's allocations: the n-th allocation of a call
 * fails, for every n until the call needs no more. Each call must then
 * either succeed or fail with ENOMEM, leaving nothing half-done: no
 * message half-queued, no object leaked (the module-wide counters tell).
 *
 * Needs a kernel with CONFIG_FAILSLAB and CONFIG_FAULT_INJECTION_DEBUG_FS
 * (make check-debug); elsewhere every test is skipped.
 */
#include <sys/socket.h>

#include "mp_test.h"

#define FAILSLAB "/sys/kernel/debug/failslab/"

struct tmsg {
	long mtype;
	char mtext[64];
};

static int write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, val, strlen(val));
	close(fd);
	return n < 0 ? -1 : 0;
}

static int fail_nth_fd = -1;

/* Arm: the @n-th allocation from now on, in this thread, fails. */
static void fail_nth(int n)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%d", n);
	if (pwrite(fail_nth_fd, buf, strlen(buf), 0) < 0)
		abort();
}

/* Was the armed failure used (true), or did the call need fewer? */
static bool fail_nth_fired(void)
{
	char buf[16] = "";

	if (pread(fail_nth_fd, buf, sizeof(buf) - 1, 0) < 0)
		abort();
	if (atoi(buf) == 0)
		return true;
	fail_nth(0);
	return false;
}

FIXTURE(faults) {
	struct mp_counters_info before;
	bool unavailable;
};

/* Every test starts with this: without fault injection, nothing to do. */
#define NEED_FAULT_INJECTION() do { \
	if (self->unavailable) \
		SKIP(return, "no fault injection in this kernel (make check-debug has it)"); \
} while (0)

FIXTURE_SETUP(faults)
{
	fail_nth_fd = open("/proc/thread-self/fail-nth", O_RDWR);
	self->unavailable = fail_nth_fd < 0 || access(FAILSLAB "ignore-gfp-wait", W_OK);
	if (self->unavailable)
		return;
	/* Fail sleeping allocations too, and quietly: no stack traces. */
	ASSERT_EQ(0, write_file(FAILSLAB "ignore-gfp-wait", "N"));
	ASSERT_EQ(0, write_file(FAILSLAB "verbose", "0"));
	ASSERT_LE(0, mp_fd());
	ASSERT_EQ(0, mp_counters(&self->before));
}

FIXTURE_TEARDOWN(faults)
{
	if (fail_nth_fd >= 0)
		close(fail_nth_fd);
}

static void expect_same_counters(struct __test_metadata *_metadata,
				 const struct mp_counters_info *a)
{
	struct mp_counters_info b;

	ASSERT_EQ(0, mp_counters(&b));
	EXPECT_EQ(a->mailboxes, b.mailboxes);
	EXPECT_EQ(a->messages, b.messages);
	EXPECT_EQ(a->bytes, b.bytes);
	EXPECT_EQ(a->files, b.files);
	EXPECT_EQ(a->links, b.links);
}

TEST_F(faults, msgget_fails_cleanly_at_every_allocation)
{
	int n, id, fired = 0;

	NEED_FAULT_INJECTION();

	for (n = 1; n < 50; n++) {
		fail_nth(n);
		id = mp_msgget_attr(IPC_PRIVATE, "faulty", IPC_CREAT | 0600, NULL);
		if (!fail_nth_fired()) {
			ASSERT_LE(0, id);
			ASSERT_EQ(0, mp_msgctl(id, IPC_RMID, NULL));
			break;
		}
		fired++;
		if (id >= 0) {
			/* The failure hit something that may fail (a cache refill). */
			ASSERT_EQ(0, mp_msgctl(id, IPC_RMID, NULL));
		} else {
			EXPECT_EQ(ENOMEM, errno) TH_LOG("allocation %d", n);
			/* Nothing half-made: the name is free again. */
			EXPECT_EQ(-1, mp_msgget_attr(IPC_PRIVATE, "faulty", 0, NULL));
			EXPECT_EQ(ENOENT, errno);
		}
		expect_same_counters(_metadata, &self->before);
	}
	EXPECT_LT(0, fired);
}

TEST_F(faults, msgsnd_fails_cleanly_at_every_allocation)
{
	static char big[3 * 4096 + 100];
	struct mp_attr attr = {
		.flags = MP_ATTR_MSG_MAX | MP_ATTR_MAX_BYTES,
		.msg_max = sizeof(big), .max_bytes = 1 << 20,
	};
	int id = mp_msgget_attr(IPC_PRIVATE, NULL, IPC_CREAT | 0600, &attr);
	struct mp_counters_info base;
	struct msqid_ds ds;
	int n, ret, sent = 0, fired = 0;

	NEED_FAULT_INJECTION();

	ASSERT_LE(0, id);
	ASSERT_EQ(0, mp_counters(&base));
	*(long *)big = 1;
	for (n = 1; n < 50; n++) {
		fail_nth(n);
		ret = mp_msgsnd(id, big, sizeof(big) - sizeof(long), IPC_NOWAIT);
		if (!fail_nth_fired()) {
			ASSERT_EQ(0, ret);
			sent++;
			break;
		}
		fired++;
		if (ret == 0)
			sent++;
		else
			EXPECT_EQ(ENOMEM, errno) TH_LOG("allocation %d", n);
		/* Exactly the messages that were sent are there, whole. */
		ASSERT_EQ(0, mp_msgctl(id, IPC_STAT, &ds));
		EXPECT_EQ(sent, (int)ds.msg_qnum);
		EXPECT_EQ(sent * (sizeof(big) - sizeof(long)), ds.__msg_cbytes);
	}
	EXPECT_LT(0, fired);
	ASSERT_EQ(0, mp_msgctl(id, IPC_RMID, NULL));
	expect_same_counters(_metadata, &self->before);
}

TEST_F(faults, direct_send_with_a_descriptor_fails_cleanly)
{
	struct tmsg m = { .mtype = 1 };
	struct mp_sendopt opt = { .nr_fds = 1 };
	int pfd[2], n, ret, fired = 0, sent = 0;

	NEED_FAULT_INJECTION();

	ASSERT_EQ(0, pipe(pfd));
	opt.fds = &pfd[1];
	for (n = 1; n < 50; n++) {
		fail_nth(n);
		ret = mp_send_ext(getpid(), &m, 8, IPC_NOWAIT, &opt);
		if (!fail_nth_fired()) {
			ASSERT_EQ(0, ret);
			sent++;
			break;
		}
		fired++;
		if (ret == 0)
			sent++;
		else
			EXPECT_EQ(ENOMEM, errno) TH_LOG("allocation %d", n);
	}
	EXPECT_LT(0, fired);
	for (int i = 0; i < sent; i++) {
		int got = -1;
		struct mp_recvopt ro = { .fds = &got, .fd_room = 1 };

		ASSERT_EQ(8, mp_receive_ext(getpid(), &m, sizeof(m.mtext), 0, IPC_NOWAIT, &ro, NULL));
		ASSERT_LE(0, got);
		close(got);
	}
	EXPECT_EQ(-1, mp_receive(MP_ANY, &m, sizeof(m.mtext), 0, IPC_NOWAIT));
	EXPECT_EQ(ENOMSG, errno);
	close(pfd[0]);
	close(pfd[1]);
	/* The link into this process stays; everything else is back. */
	{
		struct mp_counters_info c;

		ASSERT_EQ(0, mp_counters(&c));
		EXPECT_EQ(self->before.messages, c.messages);
		EXPECT_EQ(self->before.files, c.files);
	}
}

TEST_F(faults, name_and_watch_fail_cleanly)
{
	int n, ret, fired = 0;

	NEED_FAULT_INJECTION();

	for (n = 1; n < 20; n++) {
		fail_nth(n);
		ret = mp_name_register("faulty-name");
		if (!fail_nth_fired()) {
			ASSERT_EQ(0, ret);
			break;
		}
		fired++;
		if (ret == 0)
			break;
		EXPECT_EQ(ENOMEM, errno);
		EXPECT_EQ(-1, mp_name_resolve("faulty-name"));
	}
	EXPECT_EQ(getpid(), mp_name_resolve("faulty-name"));
	EXPECT_EQ(0, mp_name_unregister("faulty-name"));

	for (n = 1; n < 20; n++) {
		int id = mp_msgget(IPC_PRIVATE, IPC_CREAT | 0600);

		ASSERT_LE(0, id);
		fail_nth(n);
		ret = mp_watch_mbox(id, 9, 0, -1);
		if (!fail_nth_fired()) {
			ASSERT_EQ(0, ret);
			ASSERT_EQ(0, mp_unwatch_mbox(id));
			ASSERT_EQ(0, mp_msgctl(id, IPC_RMID, NULL));
			break;
		}
		fired++;
		if (ret)
			EXPECT_EQ(ENOMEM, errno);
		ASSERT_EQ(0, mp_msgctl(id, IPC_RMID, NULL));
		if (ret == 0) {
			struct { long t; struct mp_death_note n; } note;

			ASSERT_LT(0, mp_receive(MP_ANY, &note, sizeof(note.n), 9, IPC_NOWAIT));
		}
	}
	EXPECT_LT(0, fired);
	expect_same_counters(_metadata, &self->before);
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * Kill storm: processes blocked in receive, send, synchronous send and
 * call are killed (SIGKILL) or interrupted (SIGINT, with and without a
 * handler) at random while others keep exchanging.
 *
 * - Survivors stream numbered, checksummed messages through a small
 *   bounded mailbox: every one must arrive exactly once, whole, and in
 *   order per sender.
 * - Victims send synchronously to a collector: a send that returned 0
 *   was received; one cut short by a signal is retried with the same
 *   number and must never arrive twice.
 * - Other victims sleep in a receive on an empty mailbox, a send to a
 *   full one, a zero-capacity send nobody takes, and a call nobody
 *   answers.
 *
 * Afterwards nothing is left: no message, byte, file or mailbox.
 */
#include <signal.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <time.h>

#include "mp_test.h"

#define SURVIVORS	4
#define PER_SURVIVOR	400
#define VICTIMS		8
#define VICTIM_GENS	512	/* victim incarnations tracked */
#define PER_GEN		256
#define MIN_SIGNALS	150

struct smsg {
	long mtype;
	int sender;
	int n;
	unsigned int sum;
	char pad[20];
};

struct board {
	/* survivors */
	atomic_int got[SURVIVORS][PER_SURVIVOR];
	atomic_int order_errors;
	atomic_int sum_errors;
	atomic_int received;
	/* victims' synchronous sends */
	atomic_int completed[VICTIM_GENS];	/* sends that returned 0 */
	atomic_uchar seen[VICTIM_GENS][PER_GEN];
	atomic_int dup_errors;
	atomic_int gen_next;
	atomic_int stop;
};

static unsigned int checksum(const struct smsg *m)
{
	return (unsigned int)m->sender * 2654435761u ^ (unsigned int)m->n * 40503u;
}

static void on_sigint(int sig)
{
	(void)sig;
}

/* Parent death takes the children along, whatever happens to the test. */
static void orphan_guard(void)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
}

static int survivor_sender(int id, int s)
{
	for (int n = 0; n < PER_SURVIVOR; n++) {
		struct smsg m = { .mtype = 1, .sender = s, .n = n };

		m.sum = checksum(&m);
		while (mp_msgsnd(id, &m, sizeof(m) - sizeof(long), 0)) {
			if (errno != EINTR)
				return 1;
		}
	}
	return 0;
}

static int survivor_receiver(int id, struct board *b)
{
	int last[SURVIVORS];

	for (int s = 0; s < SURVIVORS; s++)
		last[s] = -1;
	for (;;) {
		struct smsg m;
		ssize_t n = mp_msgrcv(id, &m, sizeof(m) - sizeof(long), 0, 0);

		if (n < 0)
			return errno == EIDRM ? 0 : 1;
		if (m.mtype == 2)
			return 0;	/* the end */
		if (n != sizeof(m) - sizeof(long) || m.sender < 0 || m.sender >= SURVIVORS ||
		    m.n < 0 || m.n >= PER_SURVIVOR || m.sum != checksum(&m)) {
			b->sum_errors++;
			continue;
		}
		if (m.n <= last[m.sender])
			b->order_errors++;
		last[m.sender] = m.n;
		b->got[m.sender][m.n]++;
		b->received++;
	}
}

/* Takes the victims' synchronous sends; checks each arrives once. */
static int collector(int id, struct board *b)
{
	for (;;) {
		struct smsg m;
		ssize_t n = mp_msgrcv(id, &m, sizeof(m) - sizeof(long), 0, 0);

		if (n < 0)
			return errno == EIDRM ? 0 : 1;
		if (m.mtype == 2)
			return 0;
		if (m.sender < 0 || m.sender >= VICTIM_GENS || m.n < 0 || m.n >= PER_GEN ||
		    m.sum != checksum(&m)) {
			b->sum_errors++;
			continue;
		}
		if (atomic_fetch_add(&b->seen[m.sender][m.n], 1))
			b->dup_errors++;
	}
}

struct ids {
	int stream;	/* survivors */
	int sync;	/* victims -> collector */
	int empty;	/* nobody sends */
	int full;	/* nobody receives */
	int zero;	/* zero capacity, nobody receives */
	pid_t blackhole;	/* takes calls, never answers */
};

static int victim(const struct ids *ids, struct board *b, int kind)
{
	int gen = atomic_fetch_add(&b->gen_next, 1);
	struct smsg m = { .mtype = 1 };

	if (gen >= VICTIM_GENS)
		return 0;
	/* Half of them survive SIGINT (EINTR, then retry), half die of it. */
	if (gen % 2) {
		struct sigaction sa = { .sa_handler = on_sigint, .sa_flags = SA_RESTART };

		sigaction(SIGINT, &sa, NULL);
	}
	m.sender = gen;
	for (;;) {
		switch (kind) {
		case 0: {
			/* Synchronous sends that must arrive at most once. */
			int n = b->completed[gen];

			if (n >= PER_GEN)
				return 0;
			m.n = n;
			m.sum = checksum(&m);
			if (mp_msgsnd_ext(ids->sync, &m, sizeof(m) - sizeof(long), 0,
					  &(struct mp_sendopt){ .flags = MP_SEND_SYNC }) == 0)
				b->completed[gen]++;
			else if (errno != EINTR)
				return 1;
			break;
		}
		case 1:
			if (mp_msgrcv(ids->empty, &m, sizeof(m), 0, 0) >= 0 || errno != EINTR)
				return 1;
			break;
		case 2:
			if (mp_msgsnd(ids->full, &m, 8, 0) == 0 || errno != EINTR)
				return 1;
			break;
		case 3:
			if (mp_msgsnd(ids->zero, &m, 8, 0) == 0 || errno != EINTR)
				return 1;
			break;
		default: {
			struct smsg r;

			if (mp_call(ids->blackhole, &m, 8, &r, sizeof(r), NULL, NULL) >= 0 ||
			    errno != EINTR)
				return 1;
			break;
		}
		}
		if (b->stop)
			return 0;
	}
}

static int blackhole(void)
{
	for (;;) {
		struct smsg m;

		if (mp_receive(MP_ANY, &m, sizeof(m), 0, 0) < 0 && errno != EINTR)
			return 0;
	}
}

static unsigned int rnd(unsigned int *seed)
{
	*seed = *seed * 1103515245 + 12345;
	return *seed >> 8;
}

static int new_box(uint64_t flags, uint64_t capacity)
{
	struct mp_attr a = { .flags = flags | MP_ATTR_MODE_RECEIVE, .capacity = capacity };

	return mp_msgget_attr(IPC_PRIVATE, NULL, IPC_CREAT | 0600, &a);
}

/* No state of its own: the fixture is there for the time limit, a backstop. */
FIXTURE(ks) {};
FIXTURE_SETUP(ks) {}
FIXTURE_TEARDOWN(ks) {}

TEST_F_TIMEOUT(ks, kill_storm_loses_and_duplicates_nothing, 1800)
{
	struct board *b = mmap(NULL, sizeof(*b), PROT_READ | PROT_WRITE,
			       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pid_t senders[SURVIVORS], receivers[2], coll, victims[VICTIMS];
	struct mp_counters_info c0, c;
	unsigned int seed = (unsigned int)time(NULL) ^ (unsigned int)getpid();
	struct smsg fill = { .mtype = 1 };
	struct ids ids;
	int status, kills = 0, ints = 0, ready[2];
	struct timespec start;

	ASSERT_NE(MAP_FAILED, b);
	ASSERT_EQ(0, mp_counters(&c0));
	TH_LOG("seed %u", seed);
	ids.stream = new_box(MP_ATTR_CAPACITY, 4);
	ids.sync = new_box(0, 0);
	ids.empty = new_box(0, 0);
	ids.full = new_box(MP_ATTR_CAPACITY, 1);
	ids.zero = new_box(MP_ATTR_CAPACITY, 0);
	ASSERT_LE(0, ids.stream);
	ASSERT_LE(0, ids.sync);
	ASSERT_LE(0, ids.empty);
	ASSERT_LE(0, ids.full);
	ASSERT_LE(0, ids.zero);
	ASSERT_EQ(0, mp_msgsnd(ids.full, &fill, 8, IPC_NOWAIT));

	ASSERT_EQ(0, pipe(ready));
	ids.blackhole = fork();
	ASSERT_LE(0, ids.blackhole);
	if (ids.blackhole == 0) {
		orphan_guard();
		if (mp_fd() < 0)
			_exit(1);
		write(ready[1], "x", 1);
		_exit(blackhole());
	}
	{
		char x;

		ASSERT_EQ(1, read(ready[0], &x, 1));
	}

	coll = fork();
	ASSERT_LE(0, coll);
	if (coll == 0) {
		orphan_guard();
		_exit(collector(ids.sync, b));
	}
	for (int r = 0; r < 2; r++) {
		receivers[r] = fork();
		ASSERT_LE(0, receivers[r]);
		if (receivers[r] == 0) {
			orphan_guard();
			_exit(survivor_receiver(ids.stream, b));
		}
	}
	for (int s = 0; s < SURVIVORS; s++) {
		senders[s] = fork();
		ASSERT_LE(0, senders[s]);
		if (senders[s] == 0) {
			orphan_guard();
			_exit(survivor_sender(ids.stream, s));
		}
	}
	for (int v = 0; v < VICTIMS; v++)
		victims[v] = -1;

	/* The storm: respawn victims, kill or interrupt them at random. */
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (int round = 0; ; round++) {
		int alive = 0;
		struct timespec now;

		for (int s = 0; s < SURVIVORS; s++) {
			if (senders[s] > 0 && waitpid(senders[s], &status, WNOHANG) == senders[s]) {
				EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
				senders[s] = 0;
			}
			alive += senders[s] > 0;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		/* Storm on until the survivors are done and enough signals landed. */
		if ((!alive && kills + ints >= MIN_SIGNALS) || now.tv_sec - start.tv_sec > 120)
			break;
		for (int v = 0; v < VICTIMS; v++) {
			if (victims[v] > 0 && waitpid(victims[v], &status, WNOHANG) == victims[v])
				victims[v] = -1;
			if (victims[v] < 0 && b->gen_next < VICTIM_GENS) {
				victims[v] = fork();
				ASSERT_LE(0, victims[v]);
				if (victims[v] == 0) {
					orphan_guard();
					_exit(victim(&ids, b, v % 5));
				}
			}
		}
		usleep(2000 + rnd(&seed) % 8000);
		{
			int v = rnd(&seed) % VICTIMS;

			if (victims[v] > 0) {
				if (rnd(&seed) % 3) {
					kill(victims[v], SIGINT);
					ints++;
				} else {
					kill(victims[v], SIGKILL);
					kills++;
				}
			}
		}
	}
	b->stop = 1;
	for (int v = 0; v < VICTIMS; v++) {
		if (victims[v] > 0) {
			kill(victims[v], SIGKILL);
			waitpid(victims[v], &status, 0);
		}
	}
	for (int s = 0; s < SURVIVORS; s++) {
		if (senders[s] > 0) {
			kill(senders[s], SIGKILL);
			waitpid(senders[s], &status, 0);
			TH_LOG("survivor sender %d did not finish in time", s);
		}
	}
	for (int r = 0; r < 2; r++) {
		struct smsg end = { .mtype = 2 };

		EXPECT_EQ(0, mp_msgsnd(ids.stream, &end, sizeof(end) - sizeof(long), 0));
	}
	{
		struct smsg end = { .mtype = 2 };

		EXPECT_EQ(0, mp_msgsnd(ids.sync, &end, sizeof(end) - sizeof(long), 0));
	}
	for (int r = 0; r < 2; r++) {
		ASSERT_EQ(receivers[r], waitpid(receivers[r], &status, 0));
		EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	ASSERT_EQ(coll, waitpid(coll, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	kill(ids.blackhole, SIGKILL);
	waitpid(ids.blackhole, &status, 0);
	{
		int done = 0;

		for (int g = 0; g < VICTIM_GENS; g++)
			done += b->completed[g];
		TH_LOG("%d SIGKILLs, %d SIGINTs, %d victim incarnations, %d synchronous sends completed",
		       kills, ints, atomic_load(&b->gen_next), done);
	}

	/* Survivors: every message exactly once, in order, intact. */
	EXPECT_EQ(SURVIVORS * PER_SURVIVOR, b->received);
	for (int s = 0; s < SURVIVORS; s++) {
		for (int n = 0; n < PER_SURVIVOR; n++) {
			if (b->got[s][n] != 1) {
				EXPECT_EQ(1, b->got[s][n]) TH_LOG("sender %d message %d", s, n);
				break;
			}
		}
	}
	EXPECT_EQ(0, b->order_errors);
	EXPECT_EQ(0, b->sum_errors);
	/* Victims: a completed synchronous send arrived; nothing twice. */
	EXPECT_EQ(0, b->dup_errors);
	for (int g = 0; g < VICTIM_GENS && g < b->gen_next; g++) {
		for (int n = 0; n < b->completed[g]; n++) {
			if (b->seen[g][n] != 1) {
				EXPECT_EQ(1, b->seen[g][n]) TH_LOG("victim %d send %d", g, n);
				break;
			}
		}
		/* At most the one in flight when it was killed came after. */
		for (int n = b->completed[g] + 1; n < PER_GEN; n++)
			EXPECT_EQ(0, b->seen[g][n]);
	}

	EXPECT_EQ(0, mp_msgctl(ids.stream, IPC_RMID, NULL));
	EXPECT_EQ(0, mp_msgctl(ids.sync, IPC_RMID, NULL));
	EXPECT_EQ(0, mp_msgctl(ids.empty, IPC_RMID, NULL));
	EXPECT_EQ(0, mp_msgctl(ids.full, IPC_RMID, NULL));
	EXPECT_EQ(0, mp_msgctl(ids.zero, IPC_RMID, NULL));
	ASSERT_EQ(0, mp_counters(&c));
	EXPECT_EQ(c0.mailboxes, c.mailboxes);
	EXPECT_EQ(c0.messages, c.messages);
	EXPECT_EQ(c0.bytes, c.bytes);
	EXPECT_EQ(c0.files, c.files);
	munmap(b, sizeof(*b));
}

TEST_HARNESS_MAIN

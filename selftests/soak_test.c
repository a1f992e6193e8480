// SPDX-License-Identifier: GPL-2.0
/*
 * Concurrency soak: for a bounded time (SOAK_SECONDS, default 8), at
 * once:
 *   - senders into two ordinary mailboxes with competing receivers,
 *   - a publisher into a broadcast mailbox with several subscribers,
 *   - processes exchanging over direct links, Receive(ANY),
 * every message numbered and checksummed. Afterwards: each message was
 * received exactly once (every subscriber once for the broadcast), in
 * order per sender and queue, intact; and nothing is left.
 */
#include <stdatomic.h>
#include <stdbool.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <signal.h>
#include <time.h>

#include "mp_test.h"

#define MB_SENDERS	4	/* per ordinary mailbox */
#define MB_RECEIVERS	2
#define SUBSCRIBERS	3
#define LINK_PEERS	4
#define MAX_MSGS	20000	/* per sender, at most */

enum { STREAM_MB0, STREAM_MB1, STREAM_BCAST, STREAM_LINK, NR_STREAMS };

struct smsg {
	long mtype;
	int stream, sender, n;
	unsigned int sum;
	char body[48];
};

struct board {
	atomic_int stop;
	pid_t peers[LINK_PEERS];
	atomic_int sent[NR_STREAMS][8];			/* per sender */
	atomic_uchar got[NR_STREAMS][8][MAX_MSGS];	/* per sender, per number */
	atomic_int bcast_got[SUBSCRIBERS];
	atomic_int errors, order_errors, dup_errors;
};

static unsigned int checksum(const struct smsg *m)
{
	unsigned int h = 2166136261u;

	h = (h ^ (unsigned int)m->stream) * 16777619u;
	h = (h ^ (unsigned int)m->sender) * 16777619u;
	h = (h ^ (unsigned int)m->n) * 16777619u;
	for (size_t i = 0; i < sizeof(m->body); i++)
		h = (h ^ (unsigned char)m->body[i]) * 16777619u;
	return h;
}

static void fill(struct smsg *m, int stream, int sender, int n)
{
	m->mtype = 1;
	m->stream = stream;
	m->sender = sender;
	m->n = n;
	for (size_t i = 0; i < sizeof(m->body); i++)
		m->body[i] = (char)(n * 7 + i + sender);
	m->sum = checksum(m);
}

/* Check a message; record it; 'last' keeps per-sender order. */
static void take(struct board *b, const struct smsg *m, ssize_t len, int *last, bool record)
{
	if (len != sizeof(*m) - sizeof(long) || m->stream < 0 || m->stream >= NR_STREAMS ||
	    m->sender < 0 || m->sender >= 8 || m->n < 0 || m->n >= MAX_MSGS ||
	    m->sum != checksum(m)) {
		b->errors++;
		return;
	}
	if (m->n <= last[m->sender])
		b->order_errors++;
	last[m->sender] = m->n;
	if (record && atomic_fetch_add(&b->got[m->stream][m->sender][m->n], 1))
		b->dup_errors++;
}

static void guard(void)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
}

static int mb_sender(struct board *b, int id, int stream, int s)
{
	for (int n = 0; n < MAX_MSGS && !b->stop; n++) {
		struct smsg m;

		fill(&m, stream, s, n);
		if (mp_msgsnd(id, &m, sizeof(m) - sizeof(long), 0))
			return 1;
		b->sent[stream][s] = n + 1;
	}
	return 0;
}

static int mb_receiver(struct board *b, int id)
{
	int last[8];

	for (int i = 0; i < 8; i++)
		last[i] = -1;
	for (;;) {
		struct smsg m;
		ssize_t len = mp_msgrcv(id, &m, sizeof(m) - sizeof(long), 0, 0);

		if (len < 0)
			return 1;
		if (m.mtype == 2)
			return 0;
		take(b, &m, len, last, true);
	}
}

static int subscriber(struct board *b, int id, int k, int ready_fd)
{
	int last[8];

	for (int i = 0; i < 8; i++)
		last[i] = -1;
	if (mp_mbox_subscribe(id))
		return 1;
	if (write(ready_fd, "s", 1) != 1)
		return 1;
	for (;;) {
		struct smsg m;
		ssize_t len = mp_msgrcv(id, &m, sizeof(m) - sizeof(long), 0, 0);

		if (len < 0)
			return 2;
		if (m.mtype == 2)
			return 0;
		take(b, &m, len, last, false);
		b->bcast_got[k]++;
	}
}

/*
 * A link peer in a ring: sends to the next peer, receives from any. It
 * never blocks on a send (a full ring would deadlock), and blocks on a
 * receive only once it has nothing left to send: then the end marker of
 * its predecessor is all it waits for.
 */
static int link_peer(struct board *b, int k, int ready_fd, int go_fd)
{
	bool sent_end = false, got_end = false;
	int last[8], sent = 0;
	pid_t next;
	char c;

	for (int i = 0; i < 8; i++)
		last[i] = -1;
	if (mp_fd() < 0 || write(ready_fd, "p", 1) != 1 || read(go_fd, &c, 1) != 1)
		return 1;
	next = b->peers[(k + 1) % LINK_PEERS];
	while (!sent_end || !got_end) {
		struct smsg m;
		ssize_t len;

		if (!sent_end) {
			if (!b->stop && sent < MAX_MSGS) {
				fill(&m, STREAM_LINK, k, sent);
				if (mp_send(next, &m, sizeof(m) - sizeof(long), IPC_NOWAIT) == 0)
					b->sent[STREAM_LINK][k] = ++sent;
				else if (errno != EAGAIN)
					return 2;
			} else {
				m.mtype = 2;
				if (mp_send(next, &m, sizeof(m) - sizeof(long), IPC_NOWAIT) == 0)
					sent_end = true;
				else if (errno != EAGAIN)
					return 3;
			}
		}
		while (!got_end) {
			len = mp_receive(MP_ANY, &m, sizeof(m) - sizeof(long), 0,
					 sent_end ? 0 : IPC_NOWAIT);
			if (len < 0) {
				if (errno == ENOMSG)
					break;
				return 4;
			}
			if (m.mtype == 2)
				got_end = true;
			else
				take(b, &m, len, last, true);
		}
	}
	return 0;
}

static pid_t spawn(void)
{
	pid_t pid = fork();

	if (pid == 0)
		guard();
	return pid;
}

/* No state of its own: the fixture is there for the time limit, a backstop. */
FIXTURE(soak) {};
FIXTURE_SETUP(soak) {}
FIXTURE_TEARDOWN(soak) {}

TEST_F_TIMEOUT(soak, soak_mailboxes_broadcast_and_links_at_once, 1800)
{
	struct board *b = mmap(NULL, sizeof(*b), PROT_READ | PROT_WRITE,
			       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	const char *env = getenv("SOAK_SECONDS");
	int seconds = env ? atoi(env) : 8;
	struct mp_attr q = { .flags = MP_ATTR_CAPACITY | MP_ATTR_MODE_RECEIVE, .capacity = 8 };
	struct mp_attr bc = { .flags = MP_ATTR_CAPACITY | MP_ATTR_MODE_RECEIVE,
			      .kind = MP_KIND_BROADCAST, .capacity = 16 };
	pid_t mbs[2][MB_SENDERS], mbr[2][MB_RECEIVERS], subs[SUBSCRIBERS], pub, peers[LINK_PEERS];
	struct mp_counters_info c0, c;
	int box[2], bcast, ready[2], go[2], status;
	long total;
	char ch;

	ASSERT_NE(MAP_FAILED, b);
	ASSERT_EQ(0, mp_counters(&c0));
	box[0] = mp_msgget_attr(IPC_PRIVATE, NULL, IPC_CREAT | 0600, &q);
	box[1] = mp_msgget_attr(IPC_PRIVATE, NULL, IPC_CREAT | 0600, &q);
	bcast = mp_msgget_attr(IPC_PRIVATE, NULL, IPC_CREAT | 0600, &bc);
	ASSERT_LE(0, box[0]);
	ASSERT_LE(0, box[1]);
	ASSERT_LE(0, bcast);
	ASSERT_EQ(0, pipe(ready));
	ASSERT_EQ(0, pipe(go));

	for (int k = 0; k < SUBSCRIBERS; k++) {
		subs[k] = spawn();
		ASSERT_LE(0, subs[k]);
		if (subs[k] == 0)
			_exit(subscriber(b, bcast, k, ready[1]));
	}
	for (int k = 0; k < LINK_PEERS; k++) {
		peers[k] = spawn();
		ASSERT_LE(0, peers[k]);
		/* Every peer needs every pid: they come through the board. */
		if (peers[k] == 0)
			_exit(link_peer(b, k, ready[1], go[0]));
		b->peers[k] = peers[k];
	}
	for (int k = 0; k < SUBSCRIBERS + LINK_PEERS; k++)
		ASSERT_EQ(1, read(ready[0], &ch, 1));
	for (int k = 0; k < LINK_PEERS; k++)
		ASSERT_EQ(1, write(go[1], "g", 1));

	for (int m = 0; m < 2; m++) {
		for (int r = 0; r < MB_RECEIVERS; r++) {
			mbr[m][r] = spawn();
			ASSERT_LE(0, mbr[m][r]);
			if (mbr[m][r] == 0)
				_exit(mb_receiver(b, box[m]));
		}
		for (int s = 0; s < MB_SENDERS; s++) {
			mbs[m][s] = spawn();
			ASSERT_LE(0, mbs[m][s]);
			if (mbs[m][s] == 0)
				_exit(mb_sender(b, box[m], STREAM_MB0 + m, s));
		}
	}
	pub = spawn();
	ASSERT_LE(0, pub);
	if (pub == 0)
		_exit(mb_sender(b, bcast, STREAM_BCAST, 0));

	sleep(seconds);
	b->stop = 1;

	for (int m = 0; m < 2; m++)
		for (int s = 0; s < MB_SENDERS; s++) {
			ASSERT_EQ(mbs[m][s], waitpid(mbs[m][s], &status, 0));
			EXPECT_EQ(0, WEXITSTATUS(status));
		}
	ASSERT_EQ(pub, waitpid(pub, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
	for (int m = 0; m < 2; m++) {
		struct smsg end = { .mtype = 2 };

		for (int r = 0; r < MB_RECEIVERS; r++)
			ASSERT_EQ(0, mp_msgsnd(box[m], &end, sizeof(end) - sizeof(long), 0));
		for (int r = 0; r < MB_RECEIVERS; r++) {
			ASSERT_EQ(mbr[m][r], waitpid(mbr[m][r], &status, 0));
			EXPECT_EQ(0, WEXITSTATUS(status));
		}
	}
	{
		struct smsg end = { .mtype = 2 };

		ASSERT_EQ(0, mp_msgsnd(bcast, &end, sizeof(end) - sizeof(long), 0));
	}
	for (int k = 0; k < SUBSCRIBERS; k++) {
		ASSERT_EQ(subs[k], waitpid(subs[k], &status, 0));
		EXPECT_EQ(0, WEXITSTATUS(status));
		EXPECT_EQ(b->sent[STREAM_BCAST][0], b->bcast_got[k]);
	}
	for (int k = 0; k < LINK_PEERS; k++) {
		ASSERT_EQ(peers[k], waitpid(peers[k], &status, 0));
		EXPECT_EQ(0, WEXITSTATUS(status)) TH_LOG("link peer %d", k);
	}

	EXPECT_EQ(0, b->errors);
	EXPECT_EQ(0, b->order_errors);
	EXPECT_EQ(0, b->dup_errors);
	total = 0;
	for (int st = 0; st < NR_STREAMS; st++) {
		if (st == STREAM_BCAST)
			continue;
		for (int s = 0; s < 8; s++) {
			int sent = b->sent[st][s];

			if (st == STREAM_LINK && s >= LINK_PEERS)
				continue;
			for (int n = 0; n < sent; n++) {
				if (b->got[st][s][n] != 1) {
					EXPECT_EQ(1, b->got[st][s][n])
						TH_LOG("stream %d sender %d message %d", st, s, n);
					break;
				}
			}
			total += sent;
		}
	}
	TH_LOG("%d s: %ld messages through mailboxes and links, %d broadcast x %d",
	       seconds, total, b->sent[STREAM_BCAST][0], SUBSCRIBERS);
	EXPECT_LT(0, total);
	EXPECT_EQ(0, mp_msgctl(box[0], IPC_RMID, NULL));
	EXPECT_EQ(0, mp_msgctl(box[1], IPC_RMID, NULL));
	EXPECT_EQ(0, mp_msgctl(bcast, IPC_RMID, NULL));
	ASSERT_EQ(0, mp_counters(&c));
	EXPECT_EQ(c0.messages, c.messages);
	EXPECT_EQ(c0.bytes, c.bytes);
	EXPECT_EQ(c0.mailboxes, c.mailboxes);
	munmap(b, sizeof(*b));
}

TEST_HARNESS_MAIN

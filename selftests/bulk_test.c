// SPDX-License-Identifier: GPL-2.0
/*
 * Descriptors carried in messages, big messages, and batches.
 *
 * Descriptors: passed between processes over a mailbox, a direct link and
 * a broadcast mailbox; O_CLOEXEC on request; the last reference goes when
 * a message is freed unreceived (IPC_RMID, owner exit, receiver exit);
 * every refused send or receive leaves counters.files where it was and
 * the message where it was (ENOBUFS, EMFILE, EBADF, EINVAL); peeking
 * installs descriptors; the sealed-memfd helpers.
 *
 * Big messages: max_msg_size exactly, one byte more, a mailbox's msg_max,
 * a direct link made big enough.
 *
 * Batches: in order, partial success, bounds on count, fewer than asked,
 * E2BIG in the middle, a signal in the middle, direct links.
 *
 * Every test runs in its own process (the harness forks it); the fixture
 * kills and reaps the test's children and removes its mailboxes even when
 * an assertion fails, so that the module can be unloaded afterwards.
 * Children die with their test (PR_SET_PDEATHSIG) and report through
 * their exit status or memory shared with the test. Nothing here depends
 * on timing: every wait is for a state, bounded only against hangs.
 */
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>

#include "mp_test.h"

#define MiB		(1UL << 20)
#define SEC_NS		1000000000ULL
#define HANG_MS		20000		/* a wait this long means a hang */
#define NSUBS		8
#define FDSET_MAX	2048

struct tmsg {
	long mtype;
	char mtext[128];
};

#include "mp_bulk.h"

static ino_t ino_of(int fd)
{
	struct stat st;

	if (fstat(fd, &st))
		return 0;
	return st.st_ino;
}

/* Which descriptors are open now. */
static void fd_snapshot(unsigned char *open_now)
{
	for (int fd = 0; fd < FDSET_MAX; fd++)
		open_now[fd] = fcntl(fd, F_GETFD) >= 0;
}

/* The lowest free descriptor number (nothing is left open). */
static int lowest_free_fd(void)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	if (fd >= 0)
		close(fd);
	return fd;
}

/*
 * Wait until no writer is left on pipe read end @fd, then read: 0 (EOF)
 * once the last reference to the write end has gone; -2 if it never
 * went.
 */
static ssize_t read_after_hup(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char c;

	if (poll(&p, 1, HANG_MS) != 1 || !(p.revents & POLLHUP))
		return -2;
	return read(fd, &c, 1);
}

static struct mp_attr attr_of(uint64_t flags, uint64_t capacity,
			      uint64_t max_bytes, uint64_t msg_max)
{
	struct mp_attr a = {
		.flags = flags,
		.capacity = capacity,
		.max_bytes = max_bytes,
		.msg_max = msg_max,
	};

	return a;
}

static uint64_t max_msg_size(void)
{
	struct mp_version v;

	if (mp_version(&v))
		return 0;
	return v.max_msg_size;
}

/* Deterministic content, and a checksum independent of memcmp. */
static void fill(unsigned char *p, size_t len, unsigned int seed)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (unsigned char)((i * 2654435761u + seed) >> 13) ^ (unsigned char)i;
}

static uint64_t fnv1a(const unsigned char *p, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* A System V message: a long type, then @len bytes of body. */
static void *big_msg(size_t len, unsigned int seed)
{
	long *m = malloc(sizeof(long) + len);

	if (!m)
		return NULL;
	m[0] = 1;
	fill((unsigned char *)(m + 1), len, seed);
	return m;
}

/* A memfd holding @s. */
static int memfd_with(const char *s)
{
	int fd = memfd_create("bulk_test", MFD_CLOEXEC);

	if (fd < 0)
		return -1;
	if (write(fd, s, strlen(s)) != (ssize_t)strlen(s)) {
		close(fd);
		return -1;
	}
	return fd;
}

static int send_fds(int id, const int *fds, unsigned int nr)
{
	struct mp_sendopt o = { .fds = fds, .nr_fds = nr };
	struct tmsg m = { .mtype = 1, .mtext = "fd" };

	return mp_msgsnd_ext(id, &m, 3, IPC_NOWAIT, &o);
}

/* ================================================================== */
/* Descriptors between processes. */

TEST_F(bulk, fd_passes_between_processes_over_a_mailbox)
{
	static const char text[] = "through a mailbox";
	unsigned char before[FDSET_MAX];
	struct { long mtype; ino_t ino; } r;
	struct mp_recvopt ro;
	struct mp_msghdr h;
	char buf[64] = "";
	long base = files_now();
	int id = new_mbox(NULL), fd = -1;
	pid_t pid;

	ASSERT_LE(0, base);
	ASSERT_LE(0, id);
	pid = spawn();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct { long mtype; ino_t ino; } m = { .mtype = 1 };
		struct mp_sendopt o = { .nr_fds = 1 };
		int mfd = memfd_with(text);

		if (mfd < 0)
			_exit(1);
		m.ino = ino_of(mfd);
		o.fds = &mfd;
		if (mp_msgsnd_ext(id, &m, sizeof(m.ino), 0, &o))
			_exit(2);
		close(mfd);
		_exit(0);
	}
	ASSERT_EQ(0, reap(pid));
	/* The sender is gone and closed its descriptor: the message holds the file. */
	EXPECT_EQ(base + 1, files_now());
	EXPECT_EQ(1, qnum(id));

	fd_snapshot(before);
	ro = (struct mp_recvopt){ .fds = &fd, .fd_room = 1 };
	ASSERT_EQ((ssize_t)sizeof(r.ino),
		  mp_msgrcv_ext(id, &r, sizeof(r.ino), 0, IPC_NOWAIT, &ro, &h));
	EXPECT_EQ(1, h.nr_fds);
	EXPECT_EQ(pid, h.sender_pid);
	ASSERT_LE(0, fd);
	ASSERT_GT(FDSET_MAX, fd);
	EXPECT_FALSE(before[fd]);
	EXPECT_EQ(r.ino, ino_of(fd));
	EXPECT_EQ((ssize_t)strlen(text), pread(fd, buf, sizeof(buf), 0));
	EXPECT_STREQ(text, buf);
	/* Received: the message's reference went to the new descriptor. */
	EXPECT_EQ(base, files_now());
	close(fd);
}

TEST_F(bulk, fd_passes_between_processes_over_a_direct_link)
{
	static const char text[] = "through a link";
	unsigned char before[FDSET_MAX];
	struct { long mtype; ino_t ino; } r;
	struct mp_recvopt ro;
	struct mp_msghdr h;
	char buf[64] = "";
	long base = files_now();
	int fd = -1;
	pid_t pid;

	ASSERT_LE(0, base);
	ASSERT_LE(0, mp_fd());
	pid = spawn();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct { long mtype; ino_t ino; } m = { .mtype = 4 };
		struct mp_sendopt o = { .nr_fds = 1 };
		int mfd = memfd_with(text);

		if (mfd < 0)
			_exit(1);
		m.ino = ino_of(mfd);
		o.fds = &mfd;
		if (mp_send_ext(getppid(), &m, sizeof(m.ino), 0, &o))
			_exit(2);
		close(mfd);
		_exit(0);
	}
	ASSERT_EQ(0, reap(pid));
	EXPECT_EQ(base + 1, files_now());

	fd_snapshot(before);
	ro = (struct mp_recvopt){ .fds = &fd, .fd_room = 1 };
	ASSERT_EQ((ssize_t)sizeof(r.ino),
		  mp_receive_ext(pid, &r, sizeof(r.ino), 0, IPC_NOWAIT, &ro, &h));
	EXPECT_EQ(4, r.mtype);
	EXPECT_EQ(1, h.nr_fds);
	EXPECT_EQ(pid, h.sender_pid);
	ASSERT_LE(0, fd);
	ASSERT_GT(FDSET_MAX, fd);
	EXPECT_FALSE(before[fd]);
	EXPECT_EQ(r.ino, ino_of(fd));
	EXPECT_EQ((ssize_t)strlen(text), pread(fd, buf, sizeof(buf), 0));
	EXPECT_STREQ(text, buf);
	EXPECT_EQ(base, files_now());
	close(fd);
}

/* What each broadcast subscriber saw, in memory shared with the test. */
struct sub_report {
	int subscribed;
	ssize_t ret;
	int err;
	unsigned int nr_fds;
	int fds[2];
	int fd_was_open[2];
	int ino_ok;
	int content_ok;
	int write_ok;
};

TEST_F(bulk, fds_reach_each_of_eight_broadcast_subscribers)
{
	static const char text[] = "one message, eight readers";
	struct mp_attr a = attr_of(MP_ATTR_MODE_RECEIVE, 0, 0, 0);
	struct sub_report *rep = shared_map(NSUBS * sizeof(*rep));
	struct { long mtype; ino_t ino; } m = { .mtype = 1 };
	struct mp_sendopt so = { .nr_fds = 2 };
	struct mp_mbox_info info;
	int ready[2], data[2], sfds[2];
	pid_t pids[NSUBS];
	char got[NSUBS + 1];
	long base = files_now();
	int id, mfd;

	ASSERT_NE(NULL, rep);
	ASSERT_LE(0, base);
	a.kind = MP_KIND_BROADCAST;
	id = new_mbox(&a);
	ASSERT_LE(0, id);
	ASSERT_EQ(0, pipe(ready));

	for (int i = 0; i < NSUBS; i++) {
		pids[i] = spawn();
		ASSERT_LE(0, pids[i]);
		if (pids[i] == 0) {
			struct mp_recvopt ro = { .flags = MP_RECV_TIMEOUT,
						 .timeout_ns = HANG_MS * 1000000ULL,
						 .fd_room = 2 };
			struct { long mtype; ino_t ino; } r;
			unsigned char before[FDSET_MAX];
			struct sub_report *me = &rep[i];
			struct mp_msghdr h;
			char buf[64] = "";
			char tag = (char)('a' + i);

			me->fds[0] = me->fds[1] = -1;
			me->subscribed = mp_mbox_subscribe(id) == 0;
			fd_snapshot(before);
			if (write(ready[1], "r", 1) != 1)
				_exit(1);
			ro.fds = me->fds;
			me->ret = mp_msgrcv_ext(id, &r, sizeof(r.ino), 0, 0, &ro, &h);
			me->err = errno;
			if (me->ret < 0)
				_exit(2);
			me->nr_fds = h.nr_fds;
			for (int k = 0; k < 2; k++)
				me->fd_was_open[k] = me->fds[k] < 0 || me->fds[k] >= FDSET_MAX ||
						     before[me->fds[k]];
			me->ino_ok = ino_of(me->fds[0]) == r.ino;
			me->content_ok = pread(me->fds[0], buf, sizeof(buf), 0) ==
					 (ssize_t)strlen(text) && !strcmp(buf, text);
			me->write_ok = write(me->fds[1], &tag, 1) == 1;
			_exit(0);
		}
	}
	for (int i = 0; i < NSUBS; i++) {
		char c;

		ASSERT_EQ(1, read(ready[0], &c, 1));
	}
	ASSERT_EQ(0, mp_mbox_info(id, &info));
	ASSERT_EQ(NSUBS, info.subscribers);

	/* Made after the fork: no subscriber has them but through the message. */
	mfd = memfd_with(text);
	ASSERT_LE(0, mfd);
	ASSERT_EQ(0, pipe(data));
	m.ino = ino_of(mfd);
	sfds[0] = mfd;
	sfds[1] = data[1];
	so.fds = sfds;
	ASSERT_EQ(0, mp_msgsnd_ext(id, &m, sizeof(m.ino), 0, &so));
	close(mfd);
	close(data[1]);

	for (int i = 0; i < NSUBS; i++)
		EXPECT_EQ(0, reap(pids[i]));
	for (int i = 0; i < NSUBS; i++) {
		struct sub_report *r = &rep[i];

		EXPECT_TRUE(r->subscribed);
		EXPECT_EQ((ssize_t)sizeof(m.ino), r->ret) {
			TH_LOG("subscriber %d: errno %d", i, r->err);
		}
		EXPECT_EQ(2, r->nr_fds);
		EXPECT_NE(r->fds[0], r->fds[1]);
		EXPECT_FALSE(r->fd_was_open[0]);
		EXPECT_FALSE(r->fd_was_open[1]);
		EXPECT_TRUE(r->ino_ok);
		EXPECT_TRUE(r->content_ok);
		EXPECT_TRUE(r->write_ok);
	}
	/* Each wrote its tag through its own descriptor for the one pipe. */
	memset(got, 0, sizeof(got));
	for (int n = 0; n < NSUBS; ) {
		ssize_t k = read(data[0], got + n, NSUBS - n);

		ASSERT_LT(0, k);
		n += k;
	}
	for (int i = 0; i < NSUBS; i++)
		EXPECT_NE(NULL, memchr(got, 'a' + i, NSUBS));
	/* Every subscriber took it and exited: the last write end is gone. */
	EXPECT_EQ(0, read_after_hup(data[0]));
	EXPECT_EQ(base, files_settle(base));
	close(data[0]);
	munmap(rep, NSUBS * sizeof(*rep));
}

/* ================================================================== */
/* Close-on-exec. */

TEST_F(bulk, recv_fd_cloexec_sets_fd_cloexec)
{
	struct mp_recvopt ro = { .flags = MP_RECV_FD_CLOEXEC, .fd_room = 1 };
	struct tmsg r;
	int id = new_mbox(NULL), p[2], fd = -1, fl;

	ASSERT_LE(0, id);
	ASSERT_EQ(0, pipe(p));	/* sent without O_CLOEXEC */
	ASSERT_EQ(0, send_fds(id, &p[0], 1));
	ro.fds = &fd;
	ASSERT_EQ(3, mp_msgrcv_ext(id, &r, sizeof(r.mtext), 0, IPC_NOWAIT, &ro, NULL));
	ASSERT_LE(0, fd);
	fl = fcntl(fd, F_GETFD);
	ASSERT_LE(0, fl);
	EXPECT_TRUE(fl & FD_CLOEXEC);
	close(fd);
	close(p[0]);
	close(p[1]);
}

TEST_F(bulk, recv_without_fd_cloexec_leaves_fd_inheritable)
{
	struct mp_recvopt ro = { .fd_room = 1 };
	struct tmsg r;
	int id = new_mbox(NULL), p[2], fd = -1, fl;

	ASSERT_LE(0, id);
	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));	/* the sender's flag does not travel */
	ASSERT_EQ(0, send_fds(id, &p[0], 1));
	ro.fds = &fd;
	ASSERT_EQ(3, mp_msgrcv_ext(id, &r, sizeof(r.mtext), 0, IPC_NOWAIT, &ro, NULL));
	ASSERT_LE(0, fd);
	fl = fcntl(fd, F_GETFD);
	ASSERT_LE(0, fl);
	EXPECT_FALSE(fl & FD_CLOEXEC);
	close(fd);
	close(p[0]);
	close(p[1]);
}

/* ================================================================== */
/* A message freed unreceived drops its files. */

TEST_F(bulk, unreceived_fd_is_released_by_ipc_rmid)
{
	long base = files_now();
	int id = new_mbox(NULL), p[2];

	ASSERT_LE(0, base);
	ASSERT_LE(0, id);
	ASSERT_EQ(0, pipe(p));
	ASSERT_EQ(0, send_fds(id, &p[1], 1));
	close(p[1]);
	EXPECT_EQ(base + 1, files_now());
	ASSERT_EQ(0, mp_msgctl(id, IPC_RMID, NULL));
	EXPECT_EQ(0, read_after_hup(p[0]));
	EXPECT_EQ(base, files_settle(base));
	close(p[0]);
}

TEST_F(bulk, unreceived_fd_is_released_when_process_lifetime_owner_exits)
{
	int *shid = shared_map(sizeof(int));
	int ready[2], go[2], p[2];
	long base = files_now();
	pid_t pid;
	char c;

	ASSERT_NE(NULL, shid);
	ASSERT_LE(0, base);
	*shid = -1;
	ASSERT_EQ(0, pipe(ready));
	ASSERT_EQ(0, pipe(go));
	ASSERT_EQ(0, pipe(p));
	pid = spawn();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct mp_attr a = attr_of(0, 0, 0, 0);
		int id;

		a.lifetime = MP_LIFETIME_PROCESS;
		id = mp_msgget_attr(IPC_PRIVATE, NULL, IPC_CREAT | 0600, &a);
		if (id < 0)
			_exit(1);
		*shid = id;
		if (send_fds(id, &p[1], 1))
			_exit(2);
		close(p[1]);
		if (write(ready[1], "r", 1) != 1)
			_exit(3);
		while (read(go[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	close(p[1]);	/* the message holds the only write end left */
	ASSERT_EQ(1, read(ready[0], &c, 1));
	ASSERT_LE(0, *shid);
	EXPECT_EQ(1, qnum(*shid));
	EXPECT_EQ(base + 1, files_now());
	ASSERT_EQ(1, write(go[1], "g", 1));
	ASSERT_EQ(0, reap(pid));
	EXPECT_EQ(0, read_after_hup(p[0]));
	EXPECT_EQ(base, files_settle(base));
	EXPECT_EQ(-1, qnum(*shid));
	close(p[0]);
	munmap(shid, sizeof(int));
}

TEST_F(bulk, unreceived_fd_is_released_when_direct_receiver_exits)
{
	struct tmsg m = { .mtype = 1 };
	struct mp_sendopt so = { .nr_fds = 1 };
	int ready[2], go[2], p[2];
	long base = files_now();
	pid_t pid;
	char c;

	ASSERT_LE(0, base);
	ASSERT_EQ(0, pipe(ready));
	ASSERT_EQ(0, pipe(go));
	pid = spawn();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (mp_fd() < 0)
			_exit(1);
		if (write(ready[1], "r", 1) != 1)
			_exit(2);
		while (read(go[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(0);	/* with the message still in its inbox */
	}
	ASSERT_EQ(1, read(ready[0], &c, 1));
	ASSERT_EQ(0, pipe(p));	/* after the fork: the child never had it */
	so.fds = &p[1];
	ASSERT_EQ(0, mp_send_ext(pid, &m, 1, IPC_NOWAIT, &so));
	close(p[1]);
	EXPECT_EQ(base + 1, files_now());
	ASSERT_EQ(1, write(go[1], "g", 1));
	ASSERT_EQ(0, reap(pid));
	EXPECT_EQ(0, read_after_hup(p[0]));
	EXPECT_EQ(base, files_settle(base));
	close(p[0]);
}

/* ================================================================== */
/* Refused sends: nothing queued, no file kept. */

TEST_F(bulk, send_with_a_closed_fd_is_ebadf_and_queues_nothing)
{
	long base = files_now();
	int id = new_mbox(NULL), p[2], fds[2];

	ASSERT_LE(0, base);
	ASSERT_LE(0, id);
	ASSERT_EQ(0, pipe(p));
	fds[0] = p[0];		/* good: taken before the bad one is seen */
	fds[1] = p[1];
	close(p[1]);		/* bad */
	EXPECT_EQ(-1, send_fds(id, fds, 2));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(0, qnum(id));
	EXPECT_EQ(base, files_now());
	close(p[0]);
}

TEST_F(bulk, send_with_a_negative_fd_is_ebadf_and_queues_nothing)
{
	long base = files_now();
	int id = new_mbox(NULL), fd = -1;

	ASSERT_LE(0, base);
	ASSERT_LE(0, id);
	EXPECT_EQ(-1, send_fds(id, &fd, 1));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(0, qnum(id));
	EXPECT_EQ(base, files_now());
}

TEST_F(bulk, direct_send_with_a_bad_fd_is_ebadf_and_queues_nothing)
{
	struct tmsg m = { .mtype = 1 };
	struct mp_sendopt so = { .nr_fds = 2 };
	long base = files_now();
	int p[2], fds[2];

	ASSERT_LE(0, base);
	ASSERT_EQ(0, pipe(p));
	fds[0] = p[0];
	fds[1] = p[1];
	close(p[1]);
	so.fds = fds;
	EXPECT_EQ(-1, mp_send_ext(getpid(), &m, 1, IPC_NOWAIT, &so));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(-1, mp_receive(MP_ANY, &m, sizeof(m.mtext), 0, IPC_NOWAIT));
	EXPECT_EQ(ENOMSG, errno);
	EXPECT_EQ(base, files_now());
	close(p[0]);
}

/* Attach a good descriptor then @bad: EINVAL, nothing queued or kept. */
static void expect_refused(struct __test_metadata *_metadata, int bad)
{
	long base = files_now();
	int id = new_mbox(NULL), p[2], fds[2];

	ASSERT_LE(0, base);
	ASSERT_LE(0, id);
	ASSERT_LE(0, bad);
	ASSERT_EQ(0, pipe(p));
	fds[0] = p[0];
	fds[1] = bad;
	EXPECT_EQ(-1, send_fds(id, fds, 2));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, send_fds(id, &bad, 1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, qnum(id));
	EXPECT_EQ(base, files_now());
	close(p[0]);
	close(p[1]);
}

TEST_F(bulk, sending_the_msgpass_device_fd_is_einval)
{
	expect_refused(_metadata, mp_fd());
}

TEST_F(bulk, sending_a_mailbox_poll_fd_is_einval)
{
	int id = new_mbox(NULL), pfd;

	ASSERT_LE(0, id);
	pfd = mp_mbox_fd(id, O_CLOEXEC);
	ASSERT_LE(0, pfd);
	expect_refused(_metadata, pfd);
	close(pfd);
}

TEST_F(bulk, sending_an_af_unix_socket_is_einval)
{
	int sv[2];

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	expect_refused(_metadata, sv[0]);
	close(sv[0]);
	close(sv[1]);
}

TEST_F(bulk, sending_more_than_253_fds_is_einval)
{
	int fds[MP_FDS_MAX + 1], p[2];
	long base = files_now();
	int id = new_mbox(NULL);

	ASSERT_LE(0, base);
	ASSERT_LE(0, id);
	ASSERT_EQ(253, MP_FDS_MAX);
	ASSERT_EQ(0, pipe(p));
	for (int i = 0; i <= MP_FDS_MAX; i++)
		fds[i] = p[0];
	EXPECT_EQ(-1, send_fds(id, fds, MP_FDS_MAX + 1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, qnum(id));
	EXPECT_EQ(base, files_now());
	close(p[0]);
	close(p[1]);
}

TEST_F(bulk, exactly_253_fds_travel_in_one_message)
{
	int fds[MP_FDS_MAX], got[MP_FDS_MAX], p[2];
	struct mp_recvopt ro = { .fds = got, .fd_room = MP_FDS_MAX };
	struct mp_msghdr h;
	struct tmsg r;
	long base = files_now();
	int id = new_mbox(NULL), distinct = 1, same = 1;

	ASSERT_LE(0, base);
	ASSERT_LE(0, id);
	ASSERT_EQ(0, pipe(p));
	for (int i = 0; i < MP_FDS_MAX; i++)
		fds[i] = p[0];
	ASSERT_EQ(0, send_fds(id, fds, MP_FDS_MAX));
	EXPECT_EQ(base + MP_FDS_MAX, files_now());
	ASSERT_EQ(3, mp_msgrcv_ext(id, &r, sizeof(r.mtext), 0, IPC_NOWAIT, &ro, &h));
	EXPECT_EQ(MP_FDS_MAX, h.nr_fds);
	for (int i = 0; i < MP_FDS_MAX; i++) {
		same &= ino_of(got[i]) == ino_of(p[0]);
		for (int k = 0; k < i; k++)
			distinct &= got[i] != got[k];
	}
	EXPECT_TRUE(same);
	EXPECT_TRUE(distinct);
	EXPECT_EQ(base, files_now());
	for (int i = 0; i < MP_FDS_MAX; i++)
		close(got[i]);
	close(p[0]);
	close(p[1]);
}

TEST_F(bulk, send_with_an_unreadable_fd_array_is_efault_and_keeps_no_file)
{
	long page = sysconf(_SC_PAGESIZE);
	long base = files_now();
	int id = new_mbox(NULL), p[2];
	char *map;
	int *fds;

	ASSERT_LE(0, base);
	ASSERT_LE(0, id);
	ASSERT_EQ(0, pipe(p));
	map = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, map);
	ASSERT_EQ(0, munmap(map + page, page));
	/* The first descriptor is readable and taken, the second is not. */
	fds = (int *)(map + page) - 1;
	fds[0] = p[0];
	EXPECT_EQ(-1, send_fds(id, fds, 2));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(0, qnum(id));
	EXPECT_EQ(base, files_now());
	munmap(map, page);
	close(p[0]);
	close(p[1]);
}

TEST_F(bulk, send_with_fds_to_a_full_mailbox_is_eagain_and_keeps_no_file)
{
	struct mp_attr a = attr_of(MP_ATTR_CAPACITY, 1, 0, 0);
	struct tmsg m = { .mtype = 1 };
	long base = files_now();
	int id = new_mbox(&a), p[2];

	ASSERT_LE(0, base);
	ASSERT_LE(0, id);
	ASSERT_EQ(0, pipe(p));
	ASSERT_EQ(0, mp_msgsnd(id, &m, 1, IPC_NOWAIT));
	EXPECT_EQ(-1, send_fds(id, p, 2));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_EQ(1, qnum(id));
	EXPECT_EQ(base, files_now());
	close(p[0]);
	close(p[1]);
}

TEST_F(bulk, timed_out_sync_send_with_fds_keeps_no_file)
{
	struct mp_sendopt so = { .flags = MP_SEND_SYNC | MP_SEND_TIMEOUT,
				 .timeout_ns = SEC_NS / 20, .nr_fds = 1 };
	struct tmsg m = { .mtype = 1 };
	long base = files_now();
	int id = new_mbox(NULL), p[2];

	ASSERT_LE(0, base);
	ASSERT_LE(0, id);
	ASSERT_EQ(0, pipe(p));
	so.fds = &p[1];
	/* Nobody receives: the message is withdrawn, and its file dropped. */
	EXPECT_EQ(-1, mp_msgsnd_ext(id, &m, 1, 0, &so));
	EXPECT_EQ(ETIMEDOUT, errno);
	EXPECT_EQ(0, qnum(id));
	EXPECT_EQ(base, files_now());
	close(p[1]);
	EXPECT_EQ(0, read_after_hup(p[0]));
	close(p[0]);
}

TEST_F(bulk, send_with_fds_to_a_rendezvous_mailbox_with_nowait_keeps_no_file)
{
	struct mp_attr a = attr_of(MP_ATTR_CAPACITY, 0, 0, 0);
	long base = files_now();
	int id = new_mbox(&a), p[2];

	ASSERT_LE(0, base);
	ASSERT_LE(0, id);
	ASSERT_EQ(0, pipe(p));
	EXPECT_EQ(-1, send_fds(id, p, 2));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_EQ(0, qnum(id));
	EXPECT_EQ(base, files_now());
	close(p[0]);
	close(p[1]);
}

/* ================================================================== */
/* Refused receives: the message stays, no descriptor appears. */

TEST_F(bulk, too_little_fd_room_is_enobufs_and_message_stays)
{
	int p[2], fds[3], got[3] = { -1, -1, -1 };
	struct mp_recvopt ro = { .fds = got, .fd_room = 2 };
	struct mp_msghdr h;
	struct tmsg r;
	long base = files_now();
	int id = new_mbox(NULL), low;

	ASSERT_LE(0, base);
	ASSERT_LE(0, id);
	ASSERT_EQ(0, pipe(p));
	fds[0] = p[0];
	fds[1] = p[1];
	fds[2] = p[0];
	ASSERT_EQ(0, send_fds(id, fds, 3));
	low = lowest_free_fd();
	EXPECT_EQ(-1, mp_msgrcv_ext(id, &r, sizeof(r.mtext), 0, IPC_NOWAIT, &ro, &h));
	EXPECT_EQ(ENOBUFS, errno);
	EXPECT_EQ(1, qnum(id));
	EXPECT_EQ(base + 3, files_now());
	EXPECT_EQ(low, lowest_free_fd());
	EXPECT_EQ(-1, got[0]);

	ro.fd_room = 3;
	ASSERT_EQ(3, mp_msgrcv_ext(id, &r, sizeof(r.mtext), 0, IPC_NOWAIT, &ro, &h));
	EXPECT_EQ(3, h.nr_fds);
	EXPECT_EQ(ino_of(p[0]), ino_of(got[0]));
	EXPECT_EQ(ino_of(p[1]), ino_of(got[1]));
	EXPECT_EQ(ino_of(p[0]), ino_of(got[2]));
	EXPECT_EQ(0, qnum(id));
	EXPECT_EQ(base, files_now());
	for (int i = 0; i < 3; i++)
		close(got[i]);
	close(p[0]);
	close(p[1]);
}

TEST_F(bulk, too_small_a_buffer_is_e2big_and_installs_no_fd)
{
	struct tmsg m = { .mtype = 1 }, r;
	struct mp_sendopt so = { .nr_fds = 1 };
	int got = -1, p[2], low;
	struct mp_recvopt ro = { .fds = &got, .fd_room = 1 };
	long base = files_now();
	int id = new_mbox(NULL);

	ASSERT_LE(0, base);
	ASSERT_LE(0, id);
	ASSERT_EQ(0, pipe(p));
	so.fds = &p[0];
	ASSERT_EQ(0, mp_msgsnd_ext(id, &m, 50, IPC_NOWAIT, &so));
	low = lowest_free_fd();
	EXPECT_EQ(-1, mp_msgrcv_ext(id, &r, 10, 0, IPC_NOWAIT, &ro, NULL));
	EXPECT_EQ(E2BIG, errno);
	EXPECT_EQ(-1, got);
	EXPECT_EQ(low, lowest_free_fd());
	EXPECT_EQ(1, qnum(id));
	EXPECT_EQ(base + 1, files_now());
	close(p[0]);
	close(p[1]);
}

TEST_F(bulk, receive_without_fd_room_is_enobufs_and_message_stays)
{
	long base = files_now();
	int id = new_mbox(NULL), p[2];
	struct tmsg r;

	ASSERT_LE(0, base);
	ASSERT_LE(0, id);
	ASSERT_EQ(0, pipe(p));
	ASSERT_EQ(0, send_fds(id, &p[0], 1));
	EXPECT_EQ(-1, mp_msgrcv(id, &r, sizeof(r.mtext), 0, IPC_NOWAIT));
	EXPECT_EQ(ENOBUFS, errno);
	EXPECT_EQ(1, qnum(id));
	EXPECT_EQ(base + 1, files_now());
	close(p[0]);
	close(p[1]);
}

TEST_F(bulk, direct_too_little_fd_room_is_enobufs_and_message_stays)
{
	struct tmsg m = { .mtype = 1 }, r;
	struct mp_sendopt so = { .nr_fds = 2 };
	int p[2], got[2] = { -1, -1 };
	struct mp_recvopt ro = { .fds = got, .fd_room = 1 };
	long base = files_now();

	ASSERT_LE(0, base);
	ASSERT_EQ(0, pipe(p));
	so.fds = p;
	ASSERT_EQ(0, mp_send_ext(getpid(), &m, 1, IPC_NOWAIT, &so));
	EXPECT_EQ(-1, mp_receive_ext(MP_ANY, &r, sizeof(r.mtext), 0, IPC_NOWAIT, &ro, NULL));
	EXPECT_EQ(ENOBUFS, errno);
	EXPECT_EQ(base + 2, files_now());
	ro.fd_room = 2;
	ASSERT_EQ(1, mp_receive_ext(MP_ANY, &r, sizeof(r.mtext), 0, IPC_NOWAIT, &ro, NULL));
	EXPECT_EQ(ino_of(p[0]), ino_of(got[0]));
	EXPECT_EQ(ino_of(p[1]), ino_of(got[1]));
	EXPECT_EQ(base, files_now());
	close(got[0]);
	close(got[1]);
	close(p[0]);
	close(p[1]);
}

/*
 * Fill the descriptor table under a lowered RLIMIT_NOFILE. The test runs
 * in its own process (the harness forks each test), so the limit and
 * the filler descriptors go with it. Returns how many fillers were
 * opened, into @fillers; the old limit is in @old.
 */
static int fill_fd_table(struct rlimit *old, int *fillers, int room)
{
	struct rlimit rl;
	int hi = -1, n = 0;

	if (getrlimit(RLIMIT_NOFILE, old))
		return -1;
	for (int fd = 0; fd < FDSET_MAX; fd++)
		if (fcntl(fd, F_GETFD) >= 0)
			hi = fd;
	rl.rlim_cur = hi + 1;
	rl.rlim_max = old->rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl))
		return -1;
	for (;;) {
		int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

		if (fd < 0)
			break;
		if (n == room)
			return -1;
		fillers[n++] = fd;
	}
	return errno == EMFILE ? n : -1;
}

TEST_F(bulk, full_descriptor_table_is_emfile_and_message_stays)
{
	struct mp_recvopt ro = { .fd_room = 1 };
	struct rlimit old;
	struct tmsg r;
	int fillers[FDSET_MAX], nfill, p[2], fd = -1;
	long base = files_now();
	int id = new_mbox(NULL);
	char c = 0;

	ASSERT_LE(0, base);
	ASSERT_LE(0, id);
	ASSERT_EQ(0, pipe(p));
	ASSERT_EQ(1, write(p[1], "x", 1));
	ASSERT_EQ(0, send_fds(id, &p[0], 1));
	close(p[0]);
	r.mtype = 2;
	memset(r.mtext, 'B', 5);
	ASSERT_EQ(0, mp_msgsnd(id, &r, 5, IPC_NOWAIT));	/* a second, after it */
	nfill = fill_fd_table(&old, fillers, FDSET_MAX);
	ASSERT_LE(0, nfill);

	ro.fds = &fd;
	EXPECT_EQ(-1, mp_msgrcv_ext(id, &r, sizeof(r.mtext), 0, IPC_NOWAIT, &ro, NULL));
	EXPECT_EQ(EMFILE, errno);
	EXPECT_EQ(-1, fd);
	EXPECT_EQ(2, qnum(id));
	EXPECT_EQ(base + 1, files_now());

	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &old));
	/* Still first in line, then the other. */
	ASSERT_EQ(3, mp_msgrcv_ext(id, &r, sizeof(r.mtext), 0, IPC_NOWAIT, &ro, NULL));
	EXPECT_EQ(1, r.mtype);
	ASSERT_LE(0, fd);
	EXPECT_EQ(1, read(fd, &c, 1));
	EXPECT_EQ('x', c);
	EXPECT_EQ(5, mp_msgrcv(id, &r, sizeof(r.mtext), 0, IPC_NOWAIT));
	EXPECT_EQ(2, r.mtype);
	EXPECT_EQ(0, qnum(id));
	EXPECT_EQ(base, files_now());
	close(fd);
	for (int i = 0; i < nfill; i++)
		close(fillers[i]);
	close(p[1]);
}

TEST_F(bulk, full_descriptor_table_is_emfile_and_broadcast_message_stays)
{
	struct mp_attr a = attr_of(0, 0, 0, 0);
	struct mp_recvopt ro = { .fd_room = 1 };
	struct mp_msghdr h;
	struct rlimit old;
	struct tmsg r;
	int fillers[FDSET_MAX], nfill, p[2], fd = -1, id, err;
	long base = files_now();
	ssize_t ret;

	ASSERT_LE(0, base);
	a.kind = MP_KIND_BROADCAST;
	id = new_mbox(&a);
	ASSERT_LE(0, id);
	ASSERT_EQ(0, mp_mbox_subscribe(id));
	ASSERT_EQ(0, pipe(p));
	ASSERT_EQ(0, send_fds(id, &p[0], 1));
	nfill = fill_fd_table(&old, fillers, FDSET_MAX);
	ASSERT_LE(0, nfill);

	ro.fds = &fd;
	EXPECT_EQ(-1, mp_msgrcv_ext(id, &r, sizeof(r.mtext), 0, IPC_NOWAIT, &ro, NULL));
	EXPECT_EQ(EMFILE, errno);
	EXPECT_EQ(base + 1, files_now());

	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &old));
	/* The subscriber gets it now, not an overrun. */
	ret = mp_msgrcv_ext(id, &r, sizeof(r.mtext), 0, IPC_NOWAIT, &ro, &h);
	err = errno;
	EXPECT_EQ(3, ret) {
		TH_LOG("second receive: errno %d", err);
	}
	if (ret < 0) {
		/* Where did it go? The next message tells. */
		struct tmsg n = { .mtype = 1 };

		if (!mp_msgsnd(id, &n, 1, IPC_NOWAIT) &&
		    mp_msgrcv_ext(id, &n, sizeof(n.mtext), 0, IPC_NOWAIT, NULL, &h) == 1)
			TH_LOG("the next message reports %llu overrun(s)",
			       (unsigned long long)h.overrun);
	} else {
		EXPECT_EQ(0, h.overrun);
		EXPECT_EQ(ino_of(p[0]), ino_of(fd));
	}
	if (fd >= 0)
		close(fd);
	for (int i = 0; i < nfill; i++)
		close(fillers[i]);
	close(p[0]);
	close(p[1]);
}

TEST_F(bulk, direct_full_descriptor_table_is_emfile_and_message_stays)
{
	struct tmsg m = { .mtype = 1 }, r;
	struct mp_sendopt so = { .nr_fds = 1 };
	struct mp_recvopt ro = { .fd_room = 1 };
	struct rlimit old;
	int fillers[FDSET_MAX], nfill, p[2], fd = -1;
	long base = files_now();

	ASSERT_LE(0, base);
	ASSERT_EQ(0, pipe(p));
	so.fds = &p[0];
	ASSERT_EQ(0, mp_send_ext(getpid(), &m, 1, IPC_NOWAIT, &so));
	nfill = fill_fd_table(&old, fillers, FDSET_MAX);
	ASSERT_LE(0, nfill);

	ro.fds = &fd;
	EXPECT_EQ(-1, mp_receive_ext(MP_ANY, &r, sizeof(r.mtext), 0, IPC_NOWAIT, &ro, NULL));
	EXPECT_EQ(EMFILE, errno);
	EXPECT_EQ(base + 1, files_now());

	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &old));
	ASSERT_EQ(1, mp_receive_ext(MP_ANY, &r, sizeof(r.mtext), 0, IPC_NOWAIT, &ro, NULL));
	EXPECT_EQ(ino_of(p[0]), ino_of(fd));
	EXPECT_EQ(base, files_now());
	if (fd >= 0)
		close(fd);
	for (int i = 0; i < nfill; i++)
		close(fillers[i]);
	close(p[0]);
	close(p[1]);
}

/* A thread that watches descriptor @fd and counts the times it saw it open. */
struct fd_watch {
	int fd;
	atomic_int stop;
	atomic_long seen;
	atomic_long looks;
};

static void *fd_watcher(void *arg)
{
	struct fd_watch *w = arg;

	while (!atomic_load(&w->stop)) {
		if (fcntl(w->fd, F_GETFD) >= 0)
			atomic_fetch_add(&w->seen, 1);
		atomic_fetch_add(&w->looks, 1);
	}
	return NULL;
}

/*
 * A receive that fails for want of room never puts a descriptor in the
 * table, not even for a moment: once installed, a number is the
 * receiver's (another thread may dup2 over it), and closing it again
 * could close something else. Room for one of two descriptors: EMFILE,
 * and a thread watching the free slot never sees it taken.
 */
TEST_F(bulk, receive_without_room_for_every_descriptor_installs_none)
{
	struct mp_recvopt ro = { .fd_room = 2, .flags = MP_RECV_PEEK };
	struct fd_watch w = { 0 };
	struct rlimit old, rl;
	struct tmsg r;
	int fillers[FDSET_MAX], nfill, p[2], fds[2] = { -1, -1 }, fails = 0;
	long base = files_now();
	int id = new_mbox(NULL);
	pthread_t th;

	ASSERT_LE(0, base);
	ASSERT_LE(0, id);
	ASSERT_EQ(0, pipe(p));
	ASSERT_EQ(0, send_fds(id, p, 2));
	nfill = fill_fd_table(&old, fillers, FDSET_MAX);
	ASSERT_LE(0, nfill);
	/* A full table, then room for one more: the slot at the limit. */
	ASSERT_EQ(0, getrlimit(RLIMIT_NOFILE, &rl));
	w.fd = (int)rl.rlim_cur;
	rl.rlim_cur++;
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &rl));
	ASSERT_EQ(w.fd, lowest_free_fd());
	ASSERT_EQ(0, pthread_create(&th, NULL, fd_watcher, &w));
	ro.fds = fds;
	for (int i = 0; i < 2000; i++) {
		if (mp_msgrcv_ext(id, &r, sizeof(r.mtext), 0, IPC_NOWAIT, &ro, NULL) == -1 &&
		    errno == EMFILE)
			fails++;
	}
	atomic_store(&w.stop, 1);
	pthread_join(th, NULL);
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &old));
	EXPECT_EQ(2000, fails);
	EXPECT_LT(0, atomic_load(&w.looks));
	EXPECT_EQ(0, atomic_load(&w.seen)) {
		TH_LOG("descriptor %d seen open %ld times in %ld looks", w.fd,
		       atomic_load(&w.seen), atomic_load(&w.looks));
	}
	EXPECT_EQ(1, qnum(id));
	EXPECT_EQ(base + 2, files_now());
	for (int i = 0; i < nfill; i++)
		close(fillers[i]);
	close(p[0]);
	close(p[1]);
}

/* Wait until a receiver sleeps on mailbox @id; 0 if none ever does. */
static int wait_receiver(int id)
{
	struct mp_mbox_info info;

	for (int i = 0; i < HANG_MS / 10; i++) {
		if (mp_mbox_info(id, &info))
			return 0;
		if (info.waiting_receivers)
			return 1;
		usleep(10000);
	}
	return 0;
}

/* What a child receiver saw, in memory shared with the test. */
struct rcv_report {
	int ready;
	ssize_t ret;
	int err;
};

TEST_F(bulk, waiting_receiver_with_full_descriptor_table_is_emfile_and_message_stays)
{
	struct rcv_report *rep = shared_map(sizeof(*rep));
	struct mp_recvopt ro = { .fd_room = 1 };
	struct tmsg r;
	long base = files_now();
	int id = new_mbox(NULL), p[2], fd = -1;
	pid_t pid;

	ASSERT_NE(NULL, rep);
	ASSERT_LE(0, base);
	ASSERT_LE(0, id);
	pid = spawn();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct mp_recvopt cro = { .flags = MP_RECV_TIMEOUT,
					  .timeout_ns = HANG_MS * 1000000ULL,
					  .fd_room = 1 };
		int fillers[FDSET_MAX], cfd = -1;
		struct rlimit old;
		struct tmsg cr;

		if (mp_fd() < 0)
			_exit(1);
		rep->ready = fill_fd_table(&old, fillers, FDSET_MAX) >= 0;
		cro.fds = &cfd;
		/* Asleep when the message comes: it is handed over, and must go back. */
		rep->ret = mp_msgrcv_ext(id, &cr, sizeof(cr.mtext), 0, 0, &cro, NULL);
		rep->err = errno;
		_exit(0);
	}
	ASSERT_TRUE(wait_receiver(id));
	ASSERT_EQ(0, pipe(p));
	ASSERT_EQ(0, send_fds(id, &p[0], 1));
	ASSERT_EQ(0, reap(pid));
	EXPECT_TRUE(rep->ready);
	EXPECT_EQ(-1, rep->ret);
	EXPECT_EQ(EMFILE, rep->err);
	EXPECT_EQ(1, qnum(id));
	EXPECT_EQ(base + 1, files_now());
	ro.fds = &fd;
	ASSERT_EQ(3, mp_msgrcv_ext(id, &r, sizeof(r.mtext), 0, IPC_NOWAIT, &ro, NULL));
	EXPECT_EQ(ino_of(p[0]), ino_of(fd));
	EXPECT_EQ(base, files_now());
	close(fd);
	close(p[0]);
	close(p[1]);
	munmap(rep, sizeof(*rep));
}

TEST_F(bulk, waiting_receiver_with_too_little_fd_room_is_enobufs_and_message_stays)
{
	struct rcv_report *rep = shared_map(sizeof(*rep));
	struct mp_recvopt ro = { .fd_room = 1 };
	struct tmsg r;
	long base = files_now();
	int id = new_mbox(NULL), p[2], fd = -1;
	pid_t pid;

	ASSERT_NE(NULL, rep);
	ASSERT_LE(0, base);
	ASSERT_LE(0, id);
	pid = spawn();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct mp_recvopt cro = { .flags = MP_RECV_TIMEOUT,
					  .timeout_ns = HANG_MS * 1000000ULL };
		struct tmsg cr;

		rep->ready = 1;
		rep->ret = mp_msgrcv_ext(id, &cr, sizeof(cr.mtext), 0, 0, &cro, NULL);
		rep->err = errno;
		_exit(0);
	}
	ASSERT_TRUE(wait_receiver(id));
	ASSERT_EQ(0, pipe(p));
	ASSERT_EQ(0, send_fds(id, &p[0], 1));
	ASSERT_EQ(0, reap(pid));
	EXPECT_EQ(-1, rep->ret);
	EXPECT_EQ(ENOBUFS, rep->err);
	EXPECT_EQ(1, qnum(id));
	EXPECT_EQ(base + 1, files_now());
	ro.fds = &fd;
	ASSERT_EQ(3, mp_msgrcv_ext(id, &r, sizeof(r.mtext), 0, IPC_NOWAIT, &ro, NULL));
	EXPECT_EQ(ino_of(p[0]), ino_of(fd));
	EXPECT_EQ(base, files_now());
	close(fd);
	close(p[0]);
	close(p[1]);
	munmap(rep, sizeof(*rep));
}

TEST_F(bulk, broadcast_too_little_fd_room_is_enobufs_and_message_stays)
{
	struct mp_attr a = attr_of(0, 0, 0, 0);
	struct mp_recvopt ro = { .fd_room = 1 };
	struct mp_msghdr h;
	struct tmsg r;
	long base = files_now();
	int id, p[2], fd = -1;

	ASSERT_LE(0, base);
	a.kind = MP_KIND_BROADCAST;
	id = new_mbox(&a);
	ASSERT_LE(0, id);
	ASSERT_EQ(0, mp_mbox_subscribe(id));
	ASSERT_EQ(0, pipe(p));
	ASSERT_EQ(0, send_fds(id, &p[0], 1));
	EXPECT_EQ(-1, mp_msgrcv(id, &r, sizeof(r.mtext), 0, IPC_NOWAIT));
	EXPECT_EQ(ENOBUFS, errno);
	EXPECT_EQ(base + 1, files_now());
	ro.fds = &fd;
	ASSERT_EQ(3, mp_msgrcv_ext(id, &r, sizeof(r.mtext), 0, IPC_NOWAIT, &ro, &h));
	EXPECT_EQ(0, h.overrun);
	EXPECT_EQ(ino_of(p[0]), ino_of(fd));
	EXPECT_EQ(base, files_now());
	close(fd);
	close(p[0]);
	close(p[1]);
}

/* ================================================================== */
/* Peek. */

TEST_F(bulk, peek_installs_fds_and_leaves_the_message)
{
	struct mp_recvopt ro = { .flags = MP_RECV_PEEK, .fd_room = 1 };
	struct mp_msghdr h;
	struct tmsg r;
	long base = files_now();
	int id = new_mbox(NULL), p[2], fd1 = -1, fd2 = -1;
	char c = 0;

	ASSERT_LE(0, base);
	ASSERT_LE(0, id);
	ASSERT_EQ(0, pipe(p));
	ASSERT_EQ(2, write(p[1], "pq", 2));
	ASSERT_EQ(0, send_fds(id, &p[0], 1));
	ro.fds = &fd1;
	ASSERT_EQ(3, mp_msgrcv_ext(id, &r, sizeof(r.mtext), 0, IPC_NOWAIT, &ro, &h));
	EXPECT_EQ(1, h.nr_fds);
	ASSERT_LE(0, fd1);
	EXPECT_NE(p[0], fd1);
	EXPECT_EQ(1, read(fd1, &c, 1));
	EXPECT_EQ('p', c);
	EXPECT_EQ(1, qnum(id));
	EXPECT_EQ(base + 1, files_now());

	ro.flags = 0;
	ro.fds = &fd2;
	ASSERT_EQ(3, mp_msgrcv_ext(id, &r, sizeof(r.mtext), 0, IPC_NOWAIT, &ro, &h));
	ASSERT_LE(0, fd2);
	EXPECT_NE(fd1, fd2);
	EXPECT_EQ(1, read(fd2, &c, 1));
	EXPECT_EQ('q', c);
	EXPECT_EQ(0, qnum(id));
	EXPECT_EQ(base, files_now());
	close(fd1);
	close(fd2);
	close(p[0]);
	close(p[1]);
}

/* ================================================================== */
/* Sealed memfds. */

TEST_F(bulk, memfd_8mib_round_trips_between_processes_over_a_mailbox)
{
	const size_t len = 8 * MiB;
	unsigned char *want = malloc(len);
	struct mp_mbox_info info;
	long base = files_now();
	int id = new_mbox(NULL);
	size_t got_len = 0;
	unsigned char *got;
	pid_t pid;

	ASSERT_NE(NULL, want);
	ASSERT_LE(0, base);
	ASSERT_LE(0, id);
	fill(want, len, 8);
	pid = spawn();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(mp_msgsnd_memfd(id, 5, want, len, 0) ? 1 : 0);
	ASSERT_EQ(0, reap(pid));
	/* Only the length travels as the body; the bytes stay in the file. */
	ASSERT_EQ(0, mp_mbox_info(id, &info));
	EXPECT_EQ(1, info.qnum);
	EXPECT_GT(64, info.qbytes);
	EXPECT_EQ(base + 1, files_now());

	got = mp_msgrcv_memfd(id, 5, IPC_NOWAIT, &got_len);
	ASSERT_NE(NULL, got);
	EXPECT_EQ(len, got_len);
	EXPECT_EQ(fnv1a(want, len), fnv1a(got, got_len));
	EXPECT_EQ(0, memcmp(want, got, len));
	EXPECT_EQ(0, munmap(got, got_len));
	EXPECT_EQ(base, files_now());
	free(want);
}

TEST_F(bulk, memfd_round_trips_between_processes_over_a_direct_link)
{
	const size_t len = 3 * MiB + 17;
	unsigned char *want = malloc(len);
	long base = files_now();
	size_t got_len = 0;
	unsigned char *got;
	pid_t pid;

	ASSERT_NE(NULL, want);
	ASSERT_LE(0, base);
	ASSERT_LE(0, mp_fd());
	fill(want, len, 3);
	pid = spawn();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(mp_send_memfd(getppid(), 6, want, len, 0) ? 1 : 0);
	ASSERT_EQ(0, reap(pid));
	EXPECT_EQ(base + 1, files_now());
	got = mp_receive_memfd(pid, 6, IPC_NOWAIT, &got_len);
	ASSERT_NE(NULL, got);
	EXPECT_EQ(len, got_len);
	EXPECT_EQ(fnv1a(want, len), fnv1a(got, got_len));
	EXPECT_EQ(0, memcmp(want, got, len));
	EXPECT_EQ(0, munmap(got, got_len));
	EXPECT_EQ(base, files_now());
	free(want);
}

TEST_F(bulk, memfd_send_of_zero_bytes_is_einval)
{
	long base = files_now();
	int id = new_mbox(NULL);
	char b = 0;

	ASSERT_LE(0, base);
	ASSERT_LE(0, id);
	EXPECT_EQ(-1, mp_msgsnd_memfd(id, 1, &b, 0, IPC_NOWAIT));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, qnum(id));
	EXPECT_EQ(-1, mp_send_memfd(getpid(), 1, &b, 0, IPC_NOWAIT));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, mp_receive(MP_ANY, &b, 0, 0, IPC_NOWAIT));
	EXPECT_EQ(ENOMSG, errno);
	EXPECT_EQ(base, files_now());
}

TEST_F(bulk, memfd_receive_of_a_short_plain_message_is_ebadmsg)
{
	struct tmsg m = { .mtype = 1, .mtext = "plain" };
	int id = new_mbox(NULL);
	size_t len = 0;

	ASSERT_LE(0, id);
	ASSERT_EQ(0, mp_msgsnd(id, &m, 5, IPC_NOWAIT));
	EXPECT_EQ(NULL, mp_msgrcv_memfd(id, 0, IPC_NOWAIT, &len));
	EXPECT_EQ(EBADMSG, errno);
}

TEST_F(bulk, memfd_receive_of_an_8_byte_plain_message_is_ebadmsg)
{
	struct tmsg m = { .mtype = 1, .mtext = "8 bytes" };
	int id = new_mbox(NULL);
	size_t len = 0;

	ASSERT_LE(0, id);
	ASSERT_EQ(0, mp_msgsnd(id, &m, 8, IPC_NOWAIT));
	EXPECT_EQ(NULL, mp_msgrcv_memfd(id, 0, IPC_NOWAIT, &len));
	EXPECT_EQ(EBADMSG, errno);
}

/* Longer than a by-reference message: refused, and left for a plain receive. */
TEST_F(bulk, memfd_receive_of_a_long_plain_message_is_e2big_and_it_stays)
{
	struct tmsg m = { .mtype = 1, .mtext = "a plain message longer than a length" };
	int id = new_mbox(NULL);
	size_t len = 0;

	ASSERT_LE(0, id);
	ASSERT_EQ(0, mp_msgsnd(id, &m, 100, IPC_NOWAIT));
	EXPECT_EQ(NULL, mp_msgrcv_memfd(id, 0, IPC_NOWAIT, &len));
	EXPECT_EQ(E2BIG, errno);
	EXPECT_EQ(100, mp_msgrcv(id, &m, 100, 0, IPC_NOWAIT));
	EXPECT_STREQ("a plain message longer than a length", m.mtext);
}

TEST_F(bulk, memfd_receive_of_a_pipe_is_ebadmsg_and_leaks_nothing)
{
	struct { long mtype; uint64_t len; } m = { .mtype = 1, .len = 1 };
	struct mp_sendopt so = { .nr_fds = 1 };
	long base = files_now();
	int id = new_mbox(NULL), p[2], low;
	size_t len = 0;

	ASSERT_LE(0, base);
	ASSERT_LE(0, id);
	ASSERT_EQ(0, pipe(p));
	so.fds = &p[0];
	ASSERT_EQ(0, mp_msgsnd_ext(id, &m, sizeof(m.len), IPC_NOWAIT, &so));
	low = lowest_free_fd();
	EXPECT_EQ(NULL, mp_msgrcv_memfd(id, 0, IPC_NOWAIT, &len));
	EXPECT_EQ(EBADMSG, errno);
	EXPECT_EQ(low, lowest_free_fd());
	EXPECT_EQ(base, files_now());
	close(p[0]);
	close(p[1]);
}

TEST_F(bulk, memfd_receive_of_an_unsealed_memfd_is_ebadmsg)
{
	struct { long mtype; uint64_t len; } m = { .mtype = 1, .len = 4 };
	struct mp_sendopt so = { .nr_fds = 1 };
	long base = files_now();
	int id = new_mbox(NULL), mfd = memfd_with("data"), low;
	size_t len = 0;

	ASSERT_LE(0, base);
	ASSERT_LE(0, id);
	ASSERT_LE(0, mfd);
	so.fds = &mfd;
	ASSERT_EQ(0, mp_msgsnd_ext(id, &m, sizeof(m.len), IPC_NOWAIT, &so));
	low = lowest_free_fd();
	EXPECT_EQ(NULL, mp_msgrcv_memfd(id, 0, IPC_NOWAIT, &len));
	EXPECT_EQ(EBADMSG, errno);
	EXPECT_EQ(low, lowest_free_fd());
	EXPECT_EQ(base, files_now());
	close(mfd);
}

/* ================================================================== */
/* Big messages. */

static int big_mbox(uint64_t msg_max)
{
	struct mp_attr a = attr_of(MP_ATTR_MSG_MAX | MP_ATTR_MAX_BYTES, 0,
				   8 * MiB, msg_max);

	return new_mbox(&a);
}

TEST_F(bulk, max_msg_size_message_round_trips_intact_over_a_mailbox)
{
	const size_t len = max_msg_size();
	struct mp_counters_info c, c2;
	struct mp_mbox_info info;
	struct mp_msghdr h;
	long *m, *r;
	int id;
	pid_t pid;

	ASSERT_EQ(4194304, len);
	id = big_mbox(len);
	ASSERT_LE(0, id);
	m = big_msg(len, 44);
	r = malloc(sizeof(long) + len);
	ASSERT_NE(NULL, m);
	ASSERT_NE(NULL, r);
	ASSERT_EQ(0, mp_counters(&c));
	pid = spawn();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(mp_msgsnd(id, m, len, 0) ? 1 : 0);
	ASSERT_EQ(0, reap(pid));
	ASSERT_EQ(0, mp_mbox_info(id, &info));
	EXPECT_EQ(1, info.qnum);
	EXPECT_EQ(len, info.qbytes);
	ASSERT_EQ(0, mp_counters(&c2));
	EXPECT_EQ(c.bytes + len, c2.bytes);
	memset(r, 0, sizeof(long) + len);
	ASSERT_EQ((ssize_t)len, mp_msgrcv_ext(id, r, len, 0, IPC_NOWAIT, NULL, &h));
	EXPECT_EQ(len, h.len);
	EXPECT_EQ(0, h.flags & MP_MSG_TRUNCATED);
	EXPECT_EQ(1, r[0]);
	EXPECT_EQ(fnv1a((unsigned char *)(m + 1), len), fnv1a((unsigned char *)(r + 1), len));
	EXPECT_EQ(0, memcmp(m + 1, r + 1, len));
	free(m);
	free(r);
}

TEST_F(bulk, one_byte_over_max_msg_size_is_einval)
{
	const size_t len = max_msg_size();
	int id;
	long *m;

	ASSERT_EQ(4194304, len);
	id = big_mbox(len);
	ASSERT_LE(0, id);
	m = big_msg(len + 1, 1);
	ASSERT_NE(NULL, m);
	EXPECT_EQ(-1, mp_msgsnd(id, m, len + 1, IPC_NOWAIT));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, qnum(id));
	EXPECT_EQ(-1, mp_send(getpid(), m, len + 1, IPC_NOWAIT));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, mp_receive(MP_ANY, m, len + 1, 0, IPC_NOWAIT));
	EXPECT_EQ(ENOMSG, errno);
	free(m);
}

TEST_F(bulk, one_byte_over_the_mailbox_msg_max_is_einval)
{
	const size_t max = 64 * 1024;
	int id = big_mbox(max);
	long *m = big_msg(max + 1, 2);

	ASSERT_LE(0, id);
	ASSERT_NE(NULL, m);
	EXPECT_EQ(-1, mp_msgsnd(id, m, max + 1, IPC_NOWAIT));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, qnum(id));
	EXPECT_EQ(0, mp_msgsnd(id, m, max, IPC_NOWAIT));
	EXPECT_EQ(1, qnum(id));
	free(m);
}

TEST_F(bulk, one_byte_over_the_default_msgmax_is_einval)
{
	long long msgmax = mp_test_param("msgmax");
	int id = new_mbox(NULL);
	long *m;

	ASSERT_EQ(8192, msgmax);
	ASSERT_LE(0, id);
	m = big_msg(msgmax + 1, 3);
	ASSERT_NE(NULL, m);
	EXPECT_EQ(-1, mp_msgsnd(id, m, msgmax + 1, IPC_NOWAIT));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, qnum(id));
	free(m);
}

TEST_F(bulk, mailbox_msg_max_above_max_msg_size_is_einval)
{
	struct mp_attr a = attr_of(MP_ATTR_MSG_MAX, 0, 0, max_msg_size() + 1);

	ASSERT_LT(1, a.msg_max);
	EXPECT_EQ(-1, new_mbox(&a));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(bulk, max_msg_size_message_round_trips_over_a_direct_link)
{
	const size_t len = max_msg_size();
	struct mp_msghdr h;
	long *m, *r;
	pid_t pid;

	ASSERT_EQ(4194304, len);
	m = big_msg(len, 77);
	r = malloc(sizeof(long) + len);
	ASSERT_NE(NULL, m);
	ASSERT_NE(NULL, r);
	ASSERT_LE(0, mp_fd());
	pid = spawn();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (mp_link_create(getppid(), MP_ATTR_MAX_BYTES, 0, 8 * MiB))
			_exit(1);
		_exit(mp_send(getppid(), m, len, IPC_NOWAIT) ? 2 : 0);
	}
	ASSERT_EQ(0, reap(pid));
	memset(r, 0, sizeof(long) + len);
	ASSERT_EQ((ssize_t)len, mp_receive_ext(pid, r, len, 0, IPC_NOWAIT, NULL, &h));
	EXPECT_EQ(len, h.len);
	EXPECT_EQ(pid, h.sender_pid);
	EXPECT_EQ(0, memcmp(m + 1, r + 1, len));
	free(m);
	free(r);
}

/* ================================================================== */
/* Batches. */

struct bmsg {
	long mtype;
	unsigned int idx;
	char pad[60];
};

/* Entry i: type 1 + i % 3, body the index and i % 50 more bytes. */
static void batch_prepare(struct bmsg *bufs, struct mp_batch_msg *v, unsigned int n)
{
	memset(v, 0, n * sizeof(*v));
	for (unsigned int i = 0; i < n; i++) {
		memset(&bufs[i], 0, sizeof(bufs[i]));
		bufs[i].mtype = 1 + i % 3;
		bufs[i].idx = i;
		memset(bufs[i].pad, 'a' + i % 26, sizeof(bufs[i].pad));
		v[i].msgp = (uintptr_t)&bufs[i];
		v[i].msgsz = sizeof(unsigned int) + i % 50;
	}
}

/* Room for n messages to receive into. */
static void batch_room(struct bmsg *bufs, struct mp_batch_msg *v, unsigned int n)
{
	memset(v, 0, n * sizeof(*v));
	memset(bufs, 0, n * sizeof(*bufs));
	for (unsigned int i = 0; i < n; i++) {
		v[i].msgp = (uintptr_t)&bufs[i];
		v[i].msgsz = sizeof(bufs[i]) - sizeof(long);
		v[i].result = -12345;
	}
}

/* Received entry @i carries sent message @idx, intact. */
static int batch_entry_ok(const struct bmsg *got, const struct mp_batch_msg *v,
			  unsigned int i, unsigned int idx)
{
	size_t len = sizeof(unsigned int) + idx % 50;

	if (v[i].result != (int64_t)len || got[i].mtype != 1 + idx % 3 ||
	    got[i].idx != idx)
		return 0;
	for (size_t k = 0; k < len - sizeof(unsigned int); k++)
		if (got[i].pad[k] != 'a' + idx % 26)
			return 0;
	return 1;
}

TEST_F(bulk, batch_of_100_is_sent_and_received_in_order)
{
	static struct bmsg out[100], in[100];
	static struct mp_batch_msg sv[100], rv[100];
	int id = new_mbox(NULL), bad = 0;

	ASSERT_LE(0, id);
	batch_prepare(out, sv, 100);
	ASSERT_EQ(100, mp_msgsndv(id, sv, 100, 0));
	for (int i = 0; i < 100; i++)
		bad += sv[i].result != 0;
	EXPECT_EQ(0, bad);
	EXPECT_EQ(100, qnum(id));
	batch_room(in, rv, 100);
	ASSERT_EQ(100, mp_msgrcvv(id, rv, 100, 0, IPC_NOWAIT));
	for (unsigned int i = 0; i < 100; i++) {
		if (!batch_entry_ok(in, rv, i, i)) {
			TH_LOG("entry %u: result %lld type %ld idx %u", i,
			       (long long)rv[i].result, in[i].mtype, in[i].idx);
			bad++;
		}
	}
	EXPECT_EQ(0, bad);
	EXPECT_EQ(0, qnum(id));
}

TEST_F(bulk, batch_on_a_full_bounded_mailbox_with_nowait_is_partial)
{
	struct mp_attr a = attr_of(MP_ATTR_CAPACITY, 5, 0, 0);
	struct bmsg out[8], in[8];
	struct mp_batch_msg sv[8], rv[8];
	int id = new_mbox(&a), bad = 0;

	ASSERT_LE(0, id);
	batch_prepare(out, sv, 8);
	ASSERT_EQ(5, mp_msgsndv(id, sv, 8, IPC_NOWAIT));
	EXPECT_EQ(-EAGAIN, sv[5].result);
	EXPECT_EQ(5, qnum(id));
	batch_room(in, rv, 8);
	ASSERT_EQ(5, mp_msgrcvv(id, rv, 8, 0, IPC_NOWAIT));
	for (unsigned int i = 0; i < 5; i++)
		bad += !batch_entry_ok(in, rv, i, i);
	EXPECT_EQ(0, bad);
}

TEST_F(bulk, batch_whose_first_entry_fails_is_minus_one)
{
	struct mp_attr a = attr_of(MP_ATTR_CAPACITY, 1, 0, 0);
	struct tmsg m = { .mtype = 1 };
	struct bmsg out[3];
	struct mp_batch_msg sv[3];
	int id = new_mbox(&a);

	ASSERT_LE(0, id);
	ASSERT_EQ(0, mp_msgsnd(id, &m, 1, IPC_NOWAIT));
	batch_prepare(out, sv, 3);
	EXPECT_EQ(-1, mp_msgsndv(id, sv, 3, IPC_NOWAIT));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_EQ(1, qnum(id));
}

TEST_F(bulk, batch_count_0_is_einval)
{
	struct bmsg b[1];
	struct mp_batch_msg v[1];
	int id = new_mbox(NULL);

	ASSERT_LE(0, id);
	batch_prepare(b, v, 1);
	EXPECT_EQ(-1, mp_msgsndv(id, v, 0, IPC_NOWAIT));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, qnum(id));
	ASSERT_EQ(0, mp_msgsnd(id, &b[0], sizeof(unsigned int), IPC_NOWAIT));
	batch_room(b, v, 1);
	EXPECT_EQ(-1, mp_msgrcvv(id, v, 0, 0, IPC_NOWAIT));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(1, qnum(id));
}

TEST_F(bulk, batch_count_1025_is_einval)
{
	static struct bmsg b[1025];
	static struct mp_batch_msg v[1025];
	int id = new_mbox(NULL);

	ASSERT_LE(0, id);
	batch_prepare(b, v, 1025);
	EXPECT_EQ(-1, mp_msgsndv(id, v, 1025, IPC_NOWAIT));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, qnum(id));
	ASSERT_EQ(0, mp_msgsnd(id, &b[0], sizeof(unsigned int), IPC_NOWAIT));
	batch_room(b, v, 1025);
	EXPECT_EQ(-1, mp_msgrcvv(id, v, 1025, 0, IPC_NOWAIT));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(1, qnum(id));
}

TEST_F(bulk, batch_count_1024_is_accepted)
{
	static struct bmsg out[1024], in[1024];
	static struct mp_batch_msg sv[1024], rv[1024];
	struct mp_attr a = attr_of(MP_ATTR_MAX_BYTES, 0, 1 * MiB, 0);
	int id = new_mbox(&a), bad = 0;

	ASSERT_LE(0, id);
	batch_prepare(out, sv, 1024);
	ASSERT_EQ(1024, mp_msgsndv(id, sv, 1024, IPC_NOWAIT));
	EXPECT_EQ(1024, qnum(id));
	batch_room(in, rv, 1024);
	ASSERT_EQ(1024, mp_msgrcvv(id, rv, 1024, 0, IPC_NOWAIT));
	for (unsigned int i = 0; i < 1024; i++)
		bad += !batch_entry_ok(in, rv, i, i);
	EXPECT_EQ(0, bad);
	EXPECT_EQ(0, qnum(id));
}

TEST_F(bulk, batch_receive_with_nowait_on_empty_is_enomsg)
{
	struct bmsg in[4];
	struct mp_batch_msg rv[4];
	int id = new_mbox(NULL);

	ASSERT_LE(0, id);
	batch_room(in, rv, 4);
	EXPECT_EQ(-1, mp_msgrcvv(id, rv, 4, 0, IPC_NOWAIT));
	EXPECT_EQ(ENOMSG, errno);
}

TEST_F(bulk, batch_receive_returns_fewer_when_fewer_are_queued)
{
	struct bmsg out[3], in[10];
	struct mp_batch_msg sv[3], rv[10];
	int id = new_mbox(NULL), bad = 0;

	ASSERT_LE(0, id);
	batch_prepare(out, sv, 3);
	ASSERT_EQ(3, mp_msgsndv(id, sv, 3, 0));
	batch_room(in, rv, 10);
	/* Waits only for the first: three there, three taken, no wait. */
	ASSERT_EQ(3, mp_msgrcvv(id, rv, 10, 0, 0));
	for (unsigned int i = 0; i < 3; i++)
		bad += !batch_entry_ok(in, rv, i, i);
	EXPECT_EQ(0, bad);
	EXPECT_EQ(0, qnum(id));
}

TEST_F(bulk, batch_receive_e2big_mid_batch_stops_and_leaves_the_message)
{
	struct tmsg m = { .mtype = 1 }, big;
	struct bmsg in[4];
	struct mp_batch_msg rv[4];
	int id = new_mbox(NULL);

	ASSERT_LE(0, id);
	memset(m.mtext, 's', sizeof(m.mtext));
	ASSERT_EQ(0, mp_msgsnd(id, &m, 4, IPC_NOWAIT));
	ASSERT_EQ(0, mp_msgsnd(id, &m, 4, IPC_NOWAIT));
	memset(m.mtext, 'B', sizeof(m.mtext));
	ASSERT_EQ(0, mp_msgsnd(id, &m, 100, IPC_NOWAIT));
	ASSERT_EQ(0, mp_msgsnd(id, &m, 4, IPC_NOWAIT));
	batch_room(in, rv, 4);
	for (int i = 0; i < 4; i++)
		rv[i].msgsz = 8;
	ASSERT_EQ(2, mp_msgrcvv(id, rv, 4, 0, IPC_NOWAIT));
	EXPECT_EQ(4, rv[0].result);
	EXPECT_EQ(4, rv[1].result);
	EXPECT_EQ(-E2BIG, rv[2].result);
	EXPECT_EQ(2, qnum(id));
	ASSERT_EQ(100, mp_msgrcv(id, &big, sizeof(big.mtext), 0, IPC_NOWAIT));
	EXPECT_EQ('B', big.mtext[99]);
}

TEST_F(bulk, batch_receive_e2big_on_the_first_is_minus_one)
{
	struct tmsg m = { .mtype = 1 };
	struct bmsg in[2];
	struct mp_batch_msg rv[2];
	int id = new_mbox(NULL);

	ASSERT_LE(0, id);
	ASSERT_EQ(0, mp_msgsnd(id, &m, 100, IPC_NOWAIT));
	batch_room(in, rv, 2);
	rv[0].msgsz = 8;
	EXPECT_EQ(-1, mp_msgrcvv(id, rv, 2, 0, IPC_NOWAIT));
	EXPECT_EQ(E2BIG, errno);
	EXPECT_EQ(1, qnum(id));
}

TEST_F(bulk, batch_receive_stops_at_a_message_carrying_fds)
{
	struct tmsg m = { .mtype = 1 };
	struct bmsg in[3];
	struct mp_batch_msg rv[3];
	long base = files_now();
	int id = new_mbox(NULL), p[2];

	ASSERT_LE(0, base);
	ASSERT_LE(0, id);
	ASSERT_EQ(0, pipe(p));
	ASSERT_EQ(0, mp_msgsnd(id, &m, 1, IPC_NOWAIT));
	ASSERT_EQ(0, send_fds(id, &p[0], 1));
	ASSERT_EQ(0, mp_msgsnd(id, &m, 1, IPC_NOWAIT));
	batch_room(in, rv, 3);
	/* A batch has no room for descriptors. */
	ASSERT_EQ(1, mp_msgrcvv(id, rv, 3, 0, IPC_NOWAIT));
	EXPECT_EQ(1, rv[0].result);
	EXPECT_EQ(-ENOBUFS, rv[1].result);
	EXPECT_EQ(2, qnum(id));
	EXPECT_EQ(base + 1, files_now());
	close(p[0]);
	close(p[1]);
}

TEST_F(bulk, batch_send_stops_at_an_oversized_entry)
{
	struct bmsg out[4];
	struct mp_batch_msg sv[4];
	struct mp_attr a = attr_of(MP_ATTR_MSG_MAX, 0, 0, 8);
	int id = new_mbox(&a);

	ASSERT_LE(0, id);
	batch_prepare(out, sv, 4);
	for (int i = 0; i < 4; i++)
		sv[i].msgsz = 8;
	sv[2].msgsz = 9;
	ASSERT_EQ(2, mp_msgsndv(id, sv, 4, IPC_NOWAIT));
	EXPECT_EQ(-EINVAL, sv[2].result);
	EXPECT_EQ(2, qnum(id));
}

TEST_F(bulk, batch_entries_keep_their_priorities)
{
	struct bmsg out[4], in[4];
	struct mp_batch_msg sv[4], rv[4];
	const unsigned int order[4] = { 1, 3, 0, 2 };
	int id = new_mbox(NULL), bad = 0;

	ASSERT_LE(0, id);
	batch_prepare(out, sv, 4);
	sv[1].priority = 5;
	sv[3].priority = 5;
	ASSERT_EQ(4, mp_msgsndv(id, sv, 4, IPC_NOWAIT));
	batch_room(in, rv, 4);
	ASSERT_EQ(4, mp_msgrcvv(id, rv, 4, 0, IPC_NOWAIT));
	for (unsigned int i = 0; i < 4; i++)
		bad += !batch_entry_ok(in, rv, i, order[i]);
	EXPECT_EQ(0, bad);
}

TEST_F(bulk, batch_receive_takes_only_the_selected_type)
{
	struct bmsg out[9], in[9];
	struct mp_batch_msg sv[9], rv[9];
	int id = new_mbox(NULL), bad = 0;

	ASSERT_LE(0, id);
	batch_prepare(out, sv, 9);	/* types 1, 2, 3, 1, 2, 3, ... */
	ASSERT_EQ(9, mp_msgsndv(id, sv, 9, IPC_NOWAIT));
	batch_room(in, rv, 9);
	ASSERT_EQ(3, mp_msgrcvv(id, rv, 9, 2, IPC_NOWAIT));
	for (unsigned int i = 0; i < 3; i++)
		bad += !batch_entry_ok(in, rv, i, 1 + 3 * i);
	EXPECT_EQ(0, bad);
	EXPECT_EQ(6, qnum(id));
}

TEST_F(bulk, batch_receive_with_msg_copy_is_einval)
{
	struct tmsg m = { .mtype = 1 };
	struct bmsg in[2];
	struct mp_batch_msg rv[2];
	int id = new_mbox(NULL);

	ASSERT_LE(0, id);
	ASSERT_EQ(0, mp_msgsnd(id, &m, 1, IPC_NOWAIT));
	batch_room(in, rv, 2);
	EXPECT_EQ(-1, mp_msgrcvv(id, rv, 2, 0, IPC_NOWAIT | MSG_COPY));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(1, qnum(id));
}

static volatile sig_atomic_t got_usr1;

static void on_usr1(int sig)
{
	got_usr1 = 1;
}

/*
 * A child that waits until a sender sleeps on mailbox @id, then
 * signals the test. It signals even when it gives up waiting (exit 1),
 * so the test never hangs.
 */
static pid_t spawn_interrupter(int id)
{
	pid_t pid = spawn();

	if (pid == 0) {
		struct mp_mbox_info info;
		int code = 1;

		for (int i = 0; i < HANG_MS / 10; i++) {
			if (mp_mbox_info(id, &info)) {
				code = 2;
				break;
			}
			if (info.waiting_senders) {
				code = 0;
				break;
			}
			usleep(10000);
		}
		kill(getppid(), SIGUSR1);
		_exit(code);
	}
	return pid;
}

TEST_F(bulk, batch_interrupted_by_a_signal_returns_the_count_sent)
{
	struct sigaction sa = { .sa_handler = on_usr1, .sa_flags = SA_RESTART };
	struct mp_attr a = attr_of(MP_ATTR_CAPACITY, 4, 0, 0);
	struct bmsg out[10], in[10];
	struct mp_batch_msg sv[10], rv[10];
	struct mp_mbox_info info;
	int id = new_mbox(&a), ret, bad = 0;
	pid_t pid;

	ASSERT_LE(0, id);
	ASSERT_EQ(0, sigemptyset(&sa.sa_mask));
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	got_usr1 = 0;
	pid = spawn_interrupter(id);
	ASSERT_LE(0, pid);
	batch_prepare(out, sv, 10);
	/* Four go in, the fifth sleeps until the signal. */
	ret = mp_msgsndv(id, sv, 10, 0);
	EXPECT_EQ(0, reap(pid));
	EXPECT_TRUE(got_usr1);
	ASSERT_EQ(4, ret);
	EXPECT_EQ(-EINTR, sv[4].result);
	ASSERT_EQ(0, mp_mbox_info(id, &info));
	EXPECT_EQ(4, info.qnum);
	EXPECT_EQ(4, info.sent);
	EXPECT_EQ(0, info.waiting_senders);
	batch_room(in, rv, 10);
	ASSERT_EQ(4, mp_msgrcvv(id, rv, 10, 0, IPC_NOWAIT));
	for (unsigned int i = 0; i < 4; i++)
		bad += !batch_entry_ok(in, rv, i, i);
	EXPECT_EQ(0, bad);
}

TEST_F(bulk, batch_interrupted_before_the_first_is_eintr)
{
	struct sigaction sa = { .sa_handler = on_usr1, .sa_flags = SA_RESTART };
	struct mp_attr a = attr_of(MP_ATTR_CAPACITY, 1, 0, 0);
	struct tmsg m = { .mtype = 1 };
	struct bmsg out[3];
	struct mp_batch_msg sv[3];
	int id = new_mbox(&a), ret, err;
	pid_t pid;

	ASSERT_LE(0, id);
	ASSERT_EQ(0, mp_msgsnd(id, &m, 1, IPC_NOWAIT));
	ASSERT_EQ(0, sigemptyset(&sa.sa_mask));
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	got_usr1 = 0;
	pid = spawn_interrupter(id);
	ASSERT_LE(0, pid);
	batch_prepare(out, sv, 3);
	ret = mp_msgsndv(id, sv, 3, 0);
	err = errno;
	EXPECT_EQ(0, reap(pid));
	EXPECT_TRUE(got_usr1);
	EXPECT_EQ(-1, ret);
	EXPECT_EQ(EINTR, err);
	EXPECT_EQ(1, qnum(id));
}

TEST_F(bulk, batch_over_a_direct_link_is_received_in_order)
{
	static struct bmsg out[50], in[64];
	static struct mp_batch_msg sv[50], rv[64];
	int bad = 0;
	pid_t pid;

	ASSERT_LE(0, mp_fd());
	batch_prepare(out, sv, 50);
	pid = spawn();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(mp_sendv(getppid(), sv, 50, 0) == 50 ? 0 : 1);
	ASSERT_EQ(0, reap(pid));
	batch_room(in, rv, 64);
	ASSERT_EQ(50, mp_receivev(MP_ANY, rv, 64, 0, IPC_NOWAIT));
	for (unsigned int i = 0; i < 50; i++)
		bad += !batch_entry_ok(in, rv, i, i);
	EXPECT_EQ(0, bad);
	EXPECT_EQ(-1, mp_receivev(MP_ANY, rv, 64, 0, IPC_NOWAIT));
	EXPECT_EQ(ENOMSG, errno);
}

TEST_F(bulk, batch_from_one_sender_over_a_direct_link)
{
	struct bmsg out[5], in[8];
	struct mp_batch_msg sv[5], rv[8];
	struct tmsg other = { .mtype = 1 };
	int bad = 0;
	pid_t pid;

	ASSERT_LE(0, mp_fd());
	ASSERT_EQ(0, mp_send(getpid(), &other, 1, IPC_NOWAIT));
	batch_prepare(out, sv, 5);
	pid = spawn();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(mp_sendv(getppid(), sv, 5, 0) == 5 ? 0 : 1);
	ASSERT_EQ(0, reap(pid));
	batch_room(in, rv, 8);
	/* Only the child's link: our own message to ourselves stays. */
	ASSERT_EQ(5, mp_receivev(pid, rv, 8, 0, IPC_NOWAIT));
	for (unsigned int i = 0; i < 5; i++)
		bad += !batch_entry_ok(in, rv, i, i);
	EXPECT_EQ(0, bad);
	EXPECT_EQ(1, mp_receive(getpid(), &other, sizeof(other.mtext), 0, IPC_NOWAIT));
}

TEST_F(bulk, batch_on_a_full_direct_link_with_nowait_is_partial)
{
	struct bmsg out[6], in[6];
	struct mp_batch_msg sv[6], rv[6];
	int bad = 0;

	ASSERT_EQ(0, mp_link_create(getpid(), MP_ATTR_CAPACITY, 3, 0));
	batch_prepare(out, sv, 6);
	ASSERT_EQ(3, mp_sendv(getpid(), sv, 6, IPC_NOWAIT));
	EXPECT_EQ(-EAGAIN, sv[3].result);
	batch_room(in, rv, 6);
	ASSERT_EQ(3, mp_receivev(getpid(), rv, 6, 0, IPC_NOWAIT));
	for (unsigned int i = 0; i < 3; i++)
		bad += !batch_entry_ok(in, rv, i, i);
	EXPECT_EQ(0, bad);
}

TEST_HARNESS_MAIN

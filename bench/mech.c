// SPDX-License-Identifier: GPL-2.0
/*
 * msgpass-bench: the mechanisms, behind one interface.
 *
 * A channel has two directions: A (client -> server, and every one-way
 * pattern: senders -> receiver) and B (server -> client). The parent
 * makes the kernel objects before it forks (mech_setup), every child
 * opens what it needs (mech_child_init), then, once all are there, makes
 * what needs the others' pids (mech_child_link: direct links).
 *
 * Every mechanism is given room for about QBYTES of queued messages, so
 * that no one of them wins a one-way pattern by a deeper queue alone:
 * System V msg_qbytes, the mailbox's max_bytes, the link's max_bytes,
 * the pipe's size and the socket's send buffer are all QBYTES, a POSIX
 * queue and the futex ring hold QBYTES / size messages (at least 4).
 * Binder has its own limit: a mapping of BINDER_MAP bytes per process.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/android/binder.h>
#include <mqueue.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/socket.h>
#include <unistd.h>

#include <msgpass.h>

#include "bench.h"

#define QBYTES		(4u << 20)	/* queued bytes every mechanism may hold */
#define BATCH_MAX	32		/* M_BATCH: messages per call */
#define BINDER_DEV	"/dev/binder"
#define BINDER_MAP	(4u << 20)	/* the most the driver uses of a mapping */

const char *const pat_name[P_NR] = {
	[P_PINGPONG] = "pingpong",
	[P_STREAM] = "stream",
	[P_FANIN] = "fanin",
	[P_PAIRS] = "pairs",
	[P_SCALING] = "scaling",
	[P_MEMORY] = "memory",
	[P_SELF] = "self",
	[P_CALLS] = "calls",
	[P_SYSVAPP] = "sysvapp",
};

#define PP	PAT_BIT(P_PINGPONG)
#define ST	PAT_BIT(P_STREAM)
#define FI	PAT_BIT(P_FANIN)
#define PA	PAT_BIT(P_PAIRS)
#define SC	PAT_BIT(P_SCALING)
#define ME	PAT_BIT(P_MEMORY)
#define SE	PAT_BIT(P_SELF)
#define SA	PAT_BIT(P_SYSVAPP)

const struct mech_info mech_info[M_NR] = {
	[M_MAILBOX] = { "mailbox", "msgpass mailbox (mp_msgsnd/mp_msgrcv)",
			PP | ST | FI | PA | SC | ME | SE, 1 },
	[M_DIRECT] = { "direct", "msgpass direct link (mp_send/mp_receive)",
		       PP | ST | FI | PA | SC | ME | SE, 1 },
	[M_SYNC] = { "sync", "msgpass mailbox, synchronous send (MP_SEND_SYNC)",
		     PP | ST, 1 },
	[M_CALL] = { "call", "msgpass call/reply (mp_call/mp_reply_receive)",
		     PP | PA, 1 },
	[M_BATCH] = { "batch", "msgpass mailbox, batches of 32 (mp_msgsndv/mp_msgrcvv)",
		      ST | FI | SE, 1 },
	[M_MEMFD] = { "memfd", "msgpass mailbox, data by sealed memfd (mp_msgsnd_memfd: copies it in)",
		      PP | ST | SE, 1 },
	[M_FDREF] = { "fdref", "msgpass mailbox, a sealed memfd the sender filled through mmap "
		      "(mp_msgsnd_ext with fds)", PP | ST | SE, 1 },
	[M_PIPE] = { "pipe", "two pipes", PP | ST | FI | PA | SE, 0 },
	[M_UNIX] = { "unix", "Unix SOCK_SEQPACKET socketpair", PP | ST | FI | PA | ME | SE, 0 },
	[M_SYSV] = { "sysv", "System V message queue", PP | ST | FI | PA | SC | ME | SE | SA, 0 },
	[M_POSIX] = { "posix", "POSIX message queue", PP | ST | FI | PA | ME | SE, 0 },
	[M_FUTEX] = { "futex", "futex wait/wake on shared memory (the floor)",
		      PP | ST | PA | SE, 0 },
	[M_BINDER] = { "binder", "Android Binder: BC_TRANSACTION to the context manager, BC_REPLY "
		       "(raw ioctls)", PP, 0 },
	[M_SYSVLIB] = { "sysvlib", "the System V application's code over libmsgpass "
			"(mp_msgget/mp_msgsnd/mp_msgrcv/mp_msgctl)", SA, 1 },
	[M_NONE] = { "none", "no mechanism: a bare system call", 0, 0 },
};

static __thread char errbuf[128];

const char *mech_errstr(void)
{
	return errbuf;
}

void mech_set_err(const char *what, int err)
{
	snprintf(errbuf, sizeof(errbuf), "%s: %s", what, strerror(err));
}

#define FAIL(what)	do { int e_ = errno ? errno : EIO; mech_set_err(what, e_); return -e_; } while (0)

const char *mech_cannot(enum mech_id m, enum pat_id p, size_t size)
{
	if (!(mech_info[m].patterns & PAT_BIT(p)))
		return "pattern does not apply";
	if (m == M_PIPE && p == P_FANIN && size > PIPE_BUF)
		return "pipe writes above PIPE_BUF (4 KiB) interleave between senders";
	if (size < sizeof(uint64_t) && p != P_MEMORY)
		return "bodies under 8 bytes are not measured";
	if (m == M_UNIX && p == P_MEMORY && size > 4096)
		return "above 4 KiB a message's data is in pages outside the slab: not counted";
	if (m == M_BINDER && access(BINDER_DEV, R_OK | W_OK) < 0)
		return "no " BINDER_DEV " (binder_linux not loaded)";
	if (m == M_BINDER && size > BINDER_MAP / 2)
		return "above 2 MiB a transaction does not fit the binder mapping";
	if (p == P_SYSVAPP && size != 64)
		return "the System V application sends 64 B messages";
	return NULL;
}

/* --- futex rings ------------------------------------------------------ */

struct ring {
	uint32_t head;		/* written by the producer */
	uint32_t pad1[15];
	uint32_t tail;		/* written by the consumer */
	uint32_t pad2[15];
	uint32_t cons_wait;
	uint32_t prod_wait;
	uint32_t depth;
	uint32_t stride;
	uint32_t pad3[12];
	char slots[];
};

static size_t ring_stride(size_t size)
{
	return (size + 63) & ~(size_t)63;
}

static struct ring *chan_ring(struct chan *c, int dir)
{
	size_t one = sizeof(struct ring) + (size_t)c->depth * ring_stride(c->size);

	one = (one + 4095) & ~(size_t)4095;
	return (struct ring *)((char *)c->shm + dir * one);
}

static void ring_put(struct ring *r, const void *src, size_t len)
{
	uint32_t h = __atomic_load_n(&r->head, __ATOMIC_RELAXED);

	for (;;) {
		uint32_t t = __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);

		if (h - t < r->depth)
			break;
		__atomic_store_n(&r->prod_wait, 1, __ATOMIC_SEQ_CST);
		if (__atomic_load_n(&r->tail, __ATOMIC_SEQ_CST) == t)
			futex_wait(&r->tail, t);
		__atomic_store_n(&r->prod_wait, 0, __ATOMIC_RELAXED);
	}
	memcpy(r->slots + (size_t)(h % r->depth) * r->stride, src, len);
	__atomic_store_n(&r->head, h + 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&r->cons_wait, __ATOMIC_SEQ_CST))
		futex_wake(&r->head, 1);
}

static void ring_get(struct ring *r, void *dst, size_t len)
{
	uint32_t t = __atomic_load_n(&r->tail, __ATOMIC_RELAXED);

	for (;;) {
		uint32_t h = __atomic_load_n(&r->head, __ATOMIC_ACQUIRE);

		if (h != t)
			break;
		__atomic_store_n(&r->cons_wait, 1, __ATOMIC_SEQ_CST);
		if (__atomic_load_n(&r->head, __ATOMIC_SEQ_CST) == t)
			futex_wait(&r->head, t);
		__atomic_store_n(&r->cons_wait, 0, __ATOMIC_RELAXED);
	}
	memcpy(dst, r->slots + (size_t)(t % r->depth) * r->stride, len);
	__atomic_store_n(&r->tail, t + 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&r->prod_wait, __ATOMIC_SEQ_CST))
		futex_wake(&r->tail, 1);
}

/* --- Android Binder ---------------------------------------------------- */

/*
 * The server becomes the context manager (handle 0); the client sends it
 * BC_TRANSACTION with the body inline (no objects), the server answers
 * with BC_REPLY. Each reads the other's body where the driver copied it,
 * in its own read-only mapping of the device, and gives the buffer back
 * with BC_FREE_BUFFER at the head of its next write, as libbinder does.
 * Per round trip the client makes one BINDER_WRITE_READ (free, transaction,
 * then read until the reply); the server two (free and reply, whose read
 * returns at BR_TRANSACTION_COMPLETE; then a read that waits for the next
 * transaction).
 */

/* Commands for the next write, in this process. */
static struct {
	char buf[512];
	size_t len;
} bout;

static void bout_put(uint32_t cmd, const void *arg, size_t len)
{
	if (bout.len + sizeof(cmd) + len > sizeof(bout.buf))
		return;		/* cannot happen: at most a free and a transaction */
	memcpy(bout.buf + bout.len, &cmd, sizeof(cmd));
	bout.len += sizeof(cmd);
	if (len)
		memcpy(bout.buf + bout.len, arg, len);
	bout.len += len;
}

/* Write what is pending; read nothing. */
static int binder_write(struct chan *c)
{
	struct binder_write_read bwr = {
		.write_size = bout.len,
		.write_buffer = (binder_uintptr_t)(uintptr_t)bout.buf,
	};

	if (!bout.len)
		return 0;
	if (ioctl(c->bfd, BINDER_WRITE_READ, &bwr) < 0)
		FAIL("BINDER_WRITE_READ");
	bout.len = 0;
	return 0;
}

/*
 * Write what is pending, then read: until @want (BR_TRANSACTION or
 * BR_REPLY) came, its transaction into @tr, or with @want 0 once. The
 * server's node needs no reference counting here (the context manager's
 * is held by the driver), but what the driver asks for is acknowledged.
 */
static int binder_io(struct chan *c, uint32_t want, struct binder_transaction_data *tr)
{
	uint32_t rbuf[128];
	int got = 0;

	do {
		struct binder_write_read bwr = {
			.write_size = bout.len,
			.write_buffer = (binder_uintptr_t)(uintptr_t)bout.buf,
			.read_size = sizeof(rbuf),
			.read_buffer = (binder_uintptr_t)(uintptr_t)rbuf,
		};
		size_t pos = 0;

		if (ioctl(c->bfd, BINDER_WRITE_READ, &bwr) < 0)
			FAIL("BINDER_WRITE_READ");
		if (bwr.write_consumed != bout.len) {
			snprintf(errbuf, sizeof(errbuf),
				 "BINDER_WRITE_READ: wrote %llu of %zu bytes",
				 (unsigned long long)bwr.write_consumed, bout.len);
			return -EIO;
		}
		bout.len = 0;
		while (pos + sizeof(uint32_t) <= bwr.read_consumed) {
			char *arg = (char *)rbuf + pos + sizeof(uint32_t);
			uint32_t cmd;

			memcpy(&cmd, (char *)rbuf + pos, sizeof(cmd));
			pos += sizeof(cmd) + _IOC_SIZE(cmd);
			if (pos > bwr.read_consumed) {
				snprintf(errbuf, sizeof(errbuf), "binder: command 0x%x cut short",
					 cmd);
				return -EIO;
			}
			switch (cmd) {
			case BR_NOOP:
			case BR_TRANSACTION_COMPLETE:
			case BR_SPAWN_LOOPER:
			case BR_RELEASE:
			case BR_DECREFS:
				break;
			case BR_INCREFS:
				bout_put(BC_INCREFS_DONE, arg, sizeof(struct binder_ptr_cookie));
				break;
			case BR_ACQUIRE:
				bout_put(BC_ACQUIRE_DONE, arg, sizeof(struct binder_ptr_cookie));
				break;
			case BR_TRANSACTION:
			case BR_REPLY:
				if (cmd != want || got) {
					snprintf(errbuf, sizeof(errbuf), "binder: unexpected %s",
						 cmd == BR_REPLY ? "BR_REPLY" : "BR_TRANSACTION");
					return -EBADMSG;
				}
				memcpy(tr, arg, sizeof(*tr));
				got = 1;
				break;
			case BR_DEAD_REPLY:
				snprintf(errbuf, sizeof(errbuf), "binder: BR_DEAD_REPLY");
				return -EPIPE;
			case BR_FAILED_REPLY:
				snprintf(errbuf, sizeof(errbuf), "binder: BR_FAILED_REPLY");
				return -EIO;
			default:
				snprintf(errbuf, sizeof(errbuf), "binder: unexpected command 0x%x",
					 cmd);
				return -EIO;
			}
		}
	} while (want && !got);
	return 0;
}

/* A transaction or reply came: check it, take the sequence number, free it
 * with the next write. The body stays where the driver put it. */
static int binder_take(struct chan *c, const struct binder_transaction_data *tr)
{
	binder_uintptr_t buf = tr->data.ptr.buffer;

	bout_put(BC_FREE_BUFFER, &buf, sizeof(buf));
	if (tr->data_size != c->size || tr->offsets_size) {
		snprintf(errbuf, sizeof(errbuf), "binder: got %llu bytes, want %zu",
			 (unsigned long long)tr->data_size, c->size);
		return -EBADMSG;
	}
	memcpy(chan_rpayload(c), (const void *)(uintptr_t)buf, sizeof(uint64_t));
	return 0;
}

static void binder_tr_fill(struct chan *c, struct binder_transaction_data *tr)
{
	memset(tr, 0, sizeof(*tr));
	tr->target.handle = 0;
	tr->code = 1;
	tr->data_size = c->size;
	tr->data.ptr.buffer = (binder_uintptr_t)(uintptr_t)chan_spayload(c);
}

static int binder_open(struct chan *c)
{
	struct binder_version v = { 0 };
	int i;

	c->bfd = open(BINDER_DEV, O_RDWR | O_CLOEXEC);
	if (c->bfd < 0)
		FAIL("open " BINDER_DEV);
	if (ioctl(c->bfd, BINDER_VERSION, &v) < 0)
		FAIL("BINDER_VERSION");
	if (v.protocol_version != BINDER_CURRENT_PROTOCOL_VERSION) {
		snprintf(errbuf, sizeof(errbuf), "binder: protocol %d, want %d",
			 v.protocol_version, BINDER_CURRENT_PROTOCOL_VERSION);
		return -EPROTO;
	}
	/* The driver refuses writable mappings. */
	c->bmap = mmap(NULL, BINDER_MAP, PROT_READ, MAP_PRIVATE, c->bfd, 0);
	if (c->bmap == MAP_FAILED) {
		c->bmap = NULL;
		FAIL("mmap " BINDER_DEV);
	}
	if (c->role != c->server)
		return 0;
	/* The last trial's server lets go of the context in a work item. */
	for (i = 0;; i++) {
		if (ioctl(c->bfd, BINDER_SET_CONTEXT_MGR, 0) == 0)
			break;
		if (errno != EBUSY || i == 2000)
			FAIL("BINDER_SET_CONTEXT_MGR");
		usleep(1000);
	}
	/* Only a looper thread is given the process's transactions. */
	bout_put(BC_ENTER_LOOPER, NULL, 0);
	return binder_write(c);
}

static void binder_close(struct chan *c)
{
	if (c->bfd < 0)
		return;
	binder_write(c);	/* the last free */
	if (c->bmap)
		munmap(c->bmap, BINDER_MAP);
	close(c->bfd);
	c->bmap = NULL;
	c->bfd = -1;
}

static int binder_call(struct chan *c)
{
	struct binder_transaction_data tr;

	binder_tr_fill(c, &tr);
	bout_put(BC_TRANSACTION, &tr, sizeof(tr));
	if (binder_io(c, BR_REPLY, &tr) < 0)
		return -1;
	return binder_take(c, &tr);
}

static int binder_serve(struct chan *c, int first, int last)
{
	struct binder_transaction_data tr;

	if (!first) {
		binder_tr_fill(c, &tr);
		bout_put(BC_REPLY, &tr, sizeof(tr));
		if (binder_io(c, 0, NULL) < 0)
			return -1;
	}
	if (last)
		return 0;
	if (binder_io(c, BR_TRANSACTION, &tr) < 0)
		return -1;
	return binder_take(c, &tr);
}

/* --- setup and teardown (parent) -------------------------------------- */

static unsigned int depth_for(size_t size)
{
	size_t d = QBYTES / (size ? size : 1);

	if (d < 4)
		d = 4;
	if (d > 65536)
		d = 65536;
	return (unsigned int)d;
}

static int mailbox_make(size_t size)
{
	struct mp_attr attr = {
		.flags = MP_ATTR_MAX_BYTES | MP_ATTR_MSG_MAX | MP_ATTR_MODE_RECEIVE,
		.max_bytes = QBYTES,
		.msg_max = size > 8192 ? size : 8192,
	};

	return mp_msgget_attr(IPC_PRIVATE, NULL, IPC_CREAT | 0600, &attr);
}

static int sysv_make(void)
{
	struct msqid_ds ds;
	int q = msgget(IPC_PRIVATE, IPC_CREAT | 0600);

	if (q < 0)
		return -1;
	if (msgctl(q, IPC_STAT, &ds) == 0) {
		ds.msg_qbytes = QBYTES;
		if (msgctl(q, IPC_SET, &ds) < 0) {
			int e = errno;

			msgctl(q, IPC_RMID, NULL);
			errno = e;
			return -1;
		}
	}
	return q;
}

static int posix_make(size_t size, unsigned int depth)
{
	static unsigned int seq;
	struct mq_attr attr = {
		.mq_maxmsg = depth,
		.mq_msgsize = (long)(size ? size : 1),
	};
	char name[64];
	mqd_t q;

	snprintf(name, sizeof(name), "/msgpass-bench-%d-%u", (int)getpid(), seq++);
	q = mq_open(name, O_CREAT | O_EXCL | O_RDWR, 0600, &attr);
	if (q == (mqd_t)-1)
		return -1;
	mq_unlink(name);
	return (int)q;
}

int mech_setup(struct chan *c, enum mech_id m, size_t size, int nsenders,
	       struct chan_shared *sh)
{
	int i;

	memset(c, 0, sizeof(*c));
	c->mech = m;
	c->size = size;
	c->nsenders = nsenders;
	c->sh = sh;
	c->depth = depth_for(size);
	c->batch = 1;
	c->bfd = -1;
	for (i = 0; i < 2; i++)
		c->q[i] = c->mq[i] = -1;
	for (i = 0; i < 4; i++)
		c->fd[i] = -1;

	switch (m) {
	case M_MAILBOX:
	case M_SYNC:
	case M_BATCH:
	case M_MEMFD:
	case M_FDREF:
		if (m == M_BATCH) {
			c->batch = QBYTES / (unsigned int)(size + sizeof(long));
			if (c->batch > BATCH_MAX)
				c->batch = BATCH_MAX;
			if (c->batch < 1)
				c->batch = 1;
		}
		for (i = 0; i < 2; i++) {
			c->q[i] = mailbox_make(size);
			if (c->q[i] < 0) {
				mech_set_err("mp_msgget_attr", errno);
				mech_teardown(c);
				return -1;
			}
		}
		break;
	case M_DIRECT:
	case M_CALL:
	case M_BINDER:
		break;
	case M_PIPE:
		for (i = 0; i < 2; i++) {
			if (pipe(c->fd + 2 * i) < 0) {
				mech_set_err("pipe", errno);
				mech_teardown(c);
				return -1;
			}
			/* As deep as the others; root may pass pipe-max-size. */
			if (fcntl(c->fd[2 * i + 1], F_SETPIPE_SZ, QBYTES) < 0)
				fcntl(c->fd[2 * i + 1], F_SETPIPE_SZ, 1 << 20);
		}
		break;
	case M_UNIX:
		if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, c->fd) < 0) {
			mech_set_err("socketpair", errno);
			return -1;
		}
		for (i = 0; i < 2; i++) {
			/* The kernel doubles it; QBYTES of data plus overhead. */
			int sz = (int)(QBYTES / 2 + size + 65536);

			if (setsockopt(c->fd[i], SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz)) < 0)
				setsockopt(c->fd[i], SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
		}
		break;
	case M_SYSV:
		for (i = 0; i < 2; i++) {
			c->q[i] = sysv_make();
			if (c->q[i] < 0) {
				mech_set_err("msgget", errno);
				mech_teardown(c);
				return -1;
			}
		}
		break;
	case M_POSIX:
		for (i = 0; i < 2; i++) {
			c->mq[i] = posix_make(size, c->depth);
			if (c->mq[i] < 0) {
				mech_set_err("mq_open", errno);
				mech_teardown(c);
				return -1;
			}
		}
		break;
	case M_FUTEX: {
		struct ring *r;

		c->shm_len = 2 * (((sizeof(struct ring) + (size_t)c->depth * ring_stride(size)) + 4095) &
				  ~(size_t)4095);
		c->shm = shm_alloc(c->shm_len);
		if (!c->shm) {
			mech_set_err("mmap", errno);
			return -1;
		}
		for (i = 0; i < 2; i++) {
			r = chan_ring(c, i);
			r->depth = c->depth;
			r->stride = (uint32_t)ring_stride(size);
		}
		break;
	}
	default:
		return -1;
	}
	return 0;
}

void mech_teardown(struct chan *c)
{
	int i;

	for (i = 0; i < 2; i++) {
		if (c->q[i] >= 0) {
			if (c->mech == M_SYSV)
				msgctl(c->q[i], IPC_RMID, NULL);
			else
				mp_msgctl(c->q[i], IPC_RMID, NULL);
			c->q[i] = -1;
		}
		if (c->mq[i] >= 0) {
			mq_close((mqd_t)c->mq[i]);
			c->mq[i] = -1;
		}
	}
	for (i = 0; i < 4; i++) {
		if (c->fd[i] >= 0)
			close(c->fd[i]);
		c->fd[i] = -1;
	}
	if (c->shm) {
		shm_free(c->shm, c->shm_len);
		c->shm = NULL;
	}
}

/* --- children --------------------------------------------------------- */

static void *buf_alloc(size_t len)
{
	void *p = NULL;

	if (posix_memalign(&p, 4096, len ? len : 1))
		return NULL;
	memset(p, 0x5a, len);	/* fault it in now, not while timed */
	return p;
}

static size_t slot_len(const struct chan *c)
{
	return (sizeof(long) + c->size + 7) & ~(size_t)7;
}

int mech_child_init(struct chan *c, int role)
{
	c->role = role;
	c->sbuf = buf_alloc(slot_len(c));
	c->rbuf = buf_alloc(slot_len(c) * c->batch);
	if (!c->sbuf || !c->rbuf) {
		mech_set_err("malloc", ENOMEM);
		return -1;
	}
	*(long *)c->sbuf = 1;
	if (c->mech == M_BATCH) {
		c->bmsgs = calloc(c->batch, sizeof(struct mp_batch_msg));
		if (!c->bmsgs) {
			mech_set_err("calloc", ENOMEM);
			return -1;
		}
	}
	if (mech_info[c->mech].msgpass && mp_fd() < 0)
		FAIL("open /dev/msgpass");
	if (c->mech == M_BINDER && binder_open(c) < 0)
		return -1;
	c->sh->pid[role] = getpid();
	return 0;
}

int mech_child_link(struct chan *c)
{
	if (c->mech != M_DIRECT && c->mech != M_CALL)
		return 0;
	if (c->self) {
		c->peer = c->from = getpid();
		if (mp_link_create(c->peer, MP_ATTR_MAX_BYTES, 0, QBYTES) < 0 && errno != EEXIST)
			FAIL("mp_link_create");
		return 0;
	}
	/* Who this process sends to, and who it receives from. */
	if (c->role == c->server) {
		c->peer = c->sh->pid[c->client];
		c->from = c->nsenders > 1 ? MP_ANY : c->sh->pid[c->client];
	} else {
		c->peer = c->sh->pid[c->server];
		c->from = c->sh->pid[c->server];
	}
	/* Room for a big message on the link: as QBYTES elsewhere. A call's
	 * reply needs no link. */
	if (c->mech == M_CALL && c->role == c->server)
		return 0;
	if (mp_link_create(c->peer, MP_ATTR_MAX_BYTES, 0, QBYTES) < 0 && errno != EEXIST)
		FAIL("mp_link_create");
	return 0;
}

void mech_child_fini(struct chan *c)
{
	if (c->mech == M_BINDER)
		binder_close(c);
	free(c->sbuf);
	free(c->rbuf);
	free(c->bmsgs);
	c->sbuf = c->rbuf = NULL;
	c->bmsgs = NULL;
}

static int write_full(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int read_full(int fd, char *p, size_t len)
{
	while (len) {
		ssize_t n = read(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0) {
			errno = EPIPE;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The socket end a direction sends from / receives on. */
static int unix_fd(const struct chan *c, int dir, int sending)
{
	/* A: client end 0 -> server end 1; B: server end 1 -> client end 0 */
	return (dir == DIR_A) == !!sending ? c->fd[0] : c->fd[1];
}

/*
 * Data by reference, made in place: the sender maps a fresh memfd, writes
 * the body into it (here a copy from its buffer stands for producing it
 * there), unmaps it, seals it as mp_msgsnd_memfd() does and sends only
 * the descriptor, with the body's length as mp_msgrcv_memfd() expects.
 */
static int fdref_send(struct chan *c, int dir)
{
	struct { long mtype; uint64_t len; } m = { 1, c->size };
	struct mp_sendopt o = { .nr_fds = 1 };
	int fd = memfd_create("msgpass-bench", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	void *p;

	if (fd < 0)
		FAIL("memfd_create");
	if (ftruncate(fd, (off_t)c->size) < 0) {
		close(fd);
		FAIL("ftruncate");
	}
	p = mmap(NULL, c->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		close(fd);
		FAIL("mmap");
	}
	memcpy(p, chan_spayload(c), c->size);
	munmap(p, c->size);
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0) {
		close(fd);
		FAIL("F_ADD_SEALS");
	}
	o.fds = &fd;
	if (mp_msgsnd_ext(c->q[dir], &m, sizeof(m.len), 0, &o) < 0) {
		close(fd);
		FAIL("mp_msgsnd_ext(fds)");
	}
	close(fd);
	return 0;
}

int mech_send(struct chan *c, int dir)
{
	size_t len = c->size;
	ssize_t n;

	switch (c->mech) {
	case M_MAILBOX:
	case M_BATCH:
		if (mp_msgsnd(c->q[dir], c->sbuf, len, 0) < 0)
			FAIL("mp_msgsnd");
		return 0;
	case M_SYNC: {
		struct mp_sendopt o = { .flags = MP_SEND_SYNC };

		if (mp_msgsnd_ext(c->q[dir], c->sbuf, len, 0, &o) < 0)
			FAIL("mp_msgsnd_ext(MP_SEND_SYNC)");
		return 0;
	}
	case M_MEMFD:
		if (mp_msgsnd_memfd(c->q[dir], 1, chan_spayload(c), len, 0) < 0)
			FAIL("mp_msgsnd_memfd");
		return 0;
	case M_FDREF:
		return fdref_send(c, dir);
	case M_DIRECT:
		if (mp_send(c->peer, c->sbuf, len, 0) < 0)
			FAIL("mp_send");
		return 0;
	case M_PIPE:
		if (write_full(c->fd[2 * dir + 1], chan_spayload(c), len) < 0)
			FAIL("write");
		return 0;
	case M_UNIX:
		n = send(unix_fd(c, dir, 1), chan_spayload(c), len, 0);
		if (n < 0)
			FAIL("send");
		if ((size_t)n != len) {
			mech_set_err("send: short", EMSGSIZE);
			return -EMSGSIZE;
		}
		return 0;
	case M_SYSV:
		if (msgsnd(c->q[dir], c->sbuf, len, 0) < 0)
			FAIL("msgsnd");
		return 0;
	case M_POSIX:
		if (mq_send((mqd_t)c->mq[dir], chan_spayload(c), len, 0) < 0)
			FAIL("mq_send");
		return 0;
	case M_FUTEX:
		ring_put(chan_ring(c, dir), chan_spayload(c), len);
		return 0;
	default:
		mech_set_err("send", ENOSYS);
		return -ENOSYS;
	}
}

static int check_len(ssize_t n, size_t want, const char *what)
{
	if (n < 0)
		FAIL(what);
	if ((size_t)n != want) {
		snprintf(errbuf, sizeof(errbuf), "%s: got %zd bytes, want %zu", what, n, want);
		return -EBADMSG;
	}
	return 0;
}

int mech_recv(struct chan *c, int dir)
{
	size_t len = c->size;

	switch (c->mech) {
	case M_MAILBOX:
	case M_SYNC:
	case M_BATCH:
		return check_len(mp_msgrcv(c->q[dir], c->rbuf, len, 0, 0), len, "mp_msgrcv");
	case M_MEMFD:
	case M_FDREF: {
		size_t got = 0, i;
		volatile char sink = 0;
		char *p = mp_msgrcv_memfd(c->q[dir], 0, 0, &got);

		if (!p)
			FAIL("mp_msgrcv_memfd");
		/* The data must be reachable: touch every page of it. */
		for (i = 0; i < got; i += 4096)
			sink += p[i];
		(void)sink;
		memcpy(chan_rpayload(c), p, got < 8 ? got : 8);
		munmap(p, got);
		return check_len((ssize_t)got, len, "mp_msgrcv_memfd");
	}
	case M_DIRECT:
		return check_len(mp_receive(c->from, c->rbuf, len, 0, 0), len, "mp_receive");
	case M_PIPE:
		if (read_full(c->fd[2 * dir], chan_rpayload(c), len) < 0)
			FAIL("read");
		return 0;
	case M_UNIX:
		return check_len(recv(unix_fd(c, dir, 0), chan_rpayload(c), len, 0), len, "recv");
	case M_SYSV:
		return check_len(msgrcv(c->q[dir], c->rbuf, len, 0, 0), len, "msgrcv");
	case M_POSIX:
		return check_len(mq_receive((mqd_t)c->mq[dir], chan_rpayload(c),
					    len ? len : 1, NULL), len, "mq_receive");
	case M_FUTEX:
		ring_get(chan_ring(c, dir), chan_rpayload(c), len);
		return 0;
	default:
		mech_set_err("recv", ENOSYS);
		return -ENOSYS;
	}
}

int mech_sendv(struct chan *c, int dir, unsigned int n)
{
	struct mp_batch_msg *m = c->bmsgs;
	unsigned int i;
	int ret;

	if (c->mech != M_BATCH)
		return mech_send(c, dir) < 0 ? -1 : 1;
	if (n > c->batch)
		n = c->batch;
	for (i = 0; i < n; i++) {
		m[i].msgp = (uint64_t)(uintptr_t)c->sbuf;
		m[i].msgsz = c->size;
	}
	ret = mp_msgsndv(c->q[dir], m, n, 0);
	if (ret < 0)
		FAIL("mp_msgsndv");
	return ret;
}

int mech_recvv(struct chan *c, int dir, unsigned int n)
{
	struct mp_batch_msg *m = c->bmsgs;
	unsigned int i;
	int ret;

	if (c->mech != M_BATCH)
		return mech_recv(c, dir) < 0 ? -1 : 1;
	if (n > c->batch)
		n = c->batch;
	for (i = 0; i < n; i++) {
		m[i].msgp = (uint64_t)(uintptr_t)(c->rbuf + i * slot_len(c));
		m[i].msgsz = c->size;
	}
	ret = mp_msgrcvv(c->q[dir], m, n, 0, 0);
	if (ret < 0)
		FAIL("mp_msgrcvv");
	for (i = 0; i < (unsigned int)ret; i++) {
		if (m[i].result != (int64_t)c->size) {
			snprintf(errbuf, sizeof(errbuf), "mp_msgrcvv: entry %u: %lld", i,
				 (long long)m[i].result);
			return -EBADMSG;
		}
	}
	return ret;
}

int mech_roundtrip(struct chan *c)
{
	if (c->mech == M_BINDER)
		return binder_call(c);
	if (c->mech == M_CALL)
		return check_len(mp_call(c->peer, c->sbuf, c->size, c->rbuf, c->size,
					 NULL, NULL), c->size, "mp_call");
	if (mech_send(c, DIR_A) < 0)
		return -1;
	return mech_recv(c, DIR_B);
}

int mech_serve(struct chan *c, int first, int last)
{
	struct mp_msghdr hdr;
	ssize_t n;

	if (c->mech == M_BINDER)
		return binder_serve(c, first, last);
	if (c->mech != M_CALL) {
		if (!first && mech_send(c, DIR_B) < 0)
			return -1;
		if (last)
			return 0;
		return mech_recv(c, DIR_A);
	}
	if (last) {
		if (mp_reply(c->call_id, c->sbuf, c->size) < 0)
			FAIL("mp_reply");
		return 0;
	}
	n = mp_reply_receive(first ? 0 : c->call_id, c->sbuf, c->size, c->from,
			     c->rbuf, c->size, 0, 0, &hdr);
	if (check_len(n, c->size, "mp_reply_receive") < 0)
		return -1;
	if (!(hdr.flags & MP_MSG_CALL)) {
		snprintf(errbuf, sizeof(errbuf), "mp_reply_receive: not a call");
		return -EBADMSG;
	}
	c->call_id = hdr.call_id;
	return 0;
}

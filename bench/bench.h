/* SPDX-License-Identifier: GPL-2.0 */
/*
 * msgpass-bench: msgpass side by side with the kernel's other IPC.
 *
 * bench.h: what the three parts share. msgpass-bench.c is the driver
 * (options, the run plan, tables, CSV, the goals report), mech.c the
 * mechanisms behind one interface, patterns.c the measurements.
 */
#ifndef MSGPASS_BENCH_H
#define MSGPASS_BENCH_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

/* --- mechanisms ------------------------------------------------------ */

enum mech_id {
	M_MAILBOX,	/* msgpass mailbox: mp_msgsnd / mp_msgrcv */
	M_DIRECT,	/* msgpass direct link: mp_send / mp_receive(pid) */
	M_SYNC,		/* msgpass mailbox, MP_SEND_SYNC */
	M_CALL,		/* msgpass call/reply: mp_call / mp_reply_receive */
	M_BATCH,	/* msgpass mailbox, batches: mp_msgsndv / mp_msgrcvv */
	M_MEMFD,	/* msgpass mailbox, data by sealed memfd (library helper) */
	M_FDREF,	/* msgpass mailbox, a sealed memfd filled in place */
	M_PIPE,		/* two pipes */
	M_UNIX,		/* Unix SOCK_SEQPACKET socketpair */
	M_SYSV,		/* System V message queue */
	M_POSIX,	/* POSIX message queue */
	M_FUTEX,	/* futex wait/wake on shared memory: the floor */
	M_BINDER,	/* Android Binder: BC_TRANSACTION / BC_REPLY to handle 0 */
	M_SYSVLIB,	/* P_SYSVAPP over libmsgpass: mp_msgget/mp_msgsnd/... */
	M_NONE,		/* no mechanism: a bare system call (P_CALLS) */
	M_NR
};

/* Patterns. */
enum pat_id {
	P_PINGPONG,	/* round trip, p50/p99 */
	P_STREAM,	/* one way, messages/s and MB/s */
	P_FANIN,	/* 16 senders -> 1 receiver vs 1 -> 1 */
	P_PAIRS,	/* N independent ping-pong pairs */
	P_SCALING,	/* 2 vs 10,000 live mailboxes (queues, links) */
	P_MEMORY,	/* kernel memory per queued message */
	P_SELF,		/* one process to itself: the work per message, no wakeups */
	P_CALLS,	/* the fixed cost of a call that finds nothing to do */
	P_SYSVAPP,	/* a System V client and server: typed requests, IPC_STAT */
	P_NR
};

#define MECH_BIT(m)	(1u << (m))
#define PAT_BIT(p)	(1u << (p))

struct mech_info {
	const char *name;	/* CSV and command-line name */
	const char *desc;	/* one line for the tables */
	unsigned int patterns;	/* PAT_BIT()s it takes part in */
	int msgpass;		/* needs /dev/msgpass */
};

extern const struct mech_info mech_info[M_NR];
extern const char *const pat_name[P_NR];

/* Directions of a channel: A client -> server (and every one-way
 * pattern), B server -> client. */
enum { DIR_A, DIR_B };

/* Shared between the parent and the children of one trial. */
struct chan_shared {
	pid_t pid[64];		/* children, by role index */
};

/*
 * One channel: the objects of one mechanism for one trial (one pair, or
 * one receiver with its senders). Made by mech_setup() in the parent
 * before it forks, used by the children, removed by mech_teardown().
 */
struct chan {
	enum mech_id mech;
	size_t size;		/* message body */
	unsigned int depth;	/* messages the buffer may hold (futex ring) */
	unsigned int batch;	/* M_BATCH: messages per call */
	int nsenders;		/* one-way patterns: senders */
	int server;		/* role index of the receiver / server */
	int client;		/* role index of the (first) sender / client */

	/* kernel objects */
	int q[2];		/* mailbox or System V queue IDs */
	int fd[4];		/* pipes: A rd, A wr, B rd, B wr; unix: 2 ends */
	int mq[2];		/* POSIX queues */
	void *shm;		/* futex rings */
	size_t shm_len;
	int bfd;		/* M_BINDER: /dev/binder, after fork */
	void *bmap;		/* M_BINDER: its mapping */

	int self;		/* P_SELF: one process is both ends */

	/* per process, after fork */
	int role;		/* this process's role index */
	pid_t peer;		/* direct, call: the pid messages go to */
	pid_t from;		/* direct: the pid messages come from (0: any) */
	char *sbuf;		/* a long, then the body (payload at +sizeof(long)) */
	char *rbuf;		/* room for the batch */
	void *bmsgs;		/* M_BATCH: struct mp_batch_msg[batch] */
	uint64_t call_id;	/* M_CALL server: the call to answer */
	struct chan_shared *sh;	/* pids */
};

/* The payload of the buffer a process sends from / receives into. */
static inline char *chan_spayload(struct chan *c)
{
	return c->sbuf + sizeof(long);
}

static inline char *chan_rpayload(struct chan *c)
{
	return c->rbuf + sizeof(long);
}

/* Parent: make the objects. 0, or -errno (the mechanism cannot). */
int mech_setup(struct chan *c, enum mech_id m, size_t size, int nsenders,
	       struct chan_shared *sh);
void mech_teardown(struct chan *c);
/* Child: open what the process needs, as role @role. */
int mech_child_init(struct chan *c, int role);
/* Child: after every process of the trial ran mech_child_init(). */
int mech_child_link(struct chan *c);
void mech_child_fini(struct chan *c);
/* One message of c->size bytes, from sbuf / into rbuf. */
int mech_send(struct chan *c, int dir);
int mech_recv(struct chan *c, int dir);
/* Several (M_BATCH): how many went / came, or -1. */
int mech_sendv(struct chan *c, int dir, unsigned int n);
int mech_recvv(struct chan *c, int dir, unsigned int n);
/* Ping-pong: one round trip, client side (send A, receive B). */
int mech_roundtrip(struct chan *c);
/* Ping-pong: the server's step: answer the last, take the next.
 * @first: nothing to answer yet; @last: answer only. */
int mech_serve(struct chan *c, int first, int last);
/* Why the last call failed, for the notes. */
const char *mech_errstr(void);
void mech_set_err(const char *what, int err);

/* Why @m cannot carry @size bytes in pattern @p, or NULL if it can. */
const char *mech_cannot(enum mech_id m, enum pat_id p, size_t size);

/* --- options --------------------------------------------------------- */

struct opts {
	unsigned int mechs;	/* MECH_BIT()s */
	unsigned int pats;	/* PAT_BIT()s */
	size_t sizes[16];
	int nsizes;
	size_t msizes[16];	/* the memory pattern's sizes (default: sizes) */
	int nmsizes;
	int reps;		/* repetitions (median reported) */
	double scale;		/* multiplies every iteration count */
	double target;		/* seconds a one-way trial aims at */
	int smoke;		/* tiny counts */
	int fanin;		/* senders in the fan-in */
	int pairs[8];		/* pair counts */
	int npairs;
	int mailboxes;		/* live mailboxes in the scaling pattern */
	int links;		/* live links in the scaling pattern */
	const char *csvdir;	/* where CSV goes, or NULL */
	int verbose;
	int quiet;
	int icount;		/* under QEMU -icount: results tagged smp 0 */
};

extern struct opts opt;

/* --- results --------------------------------------------------------- */

/* One trial's figures (one repetition of one mechanism at one point). */
struct trial {
	int ok;			/* 0: failed (see note) */
	double p50_ns, p99_ns, mean_ns, min_ns;	/* ping-pong */
	double per_s;		/* round trips or messages per second */
	double mb_s;		/* body MB/s (10^6 B), one way */
	double cpu_ns;		/* CPU (user + system, all processes) per op */
	double sys_share;	/* system part of it, 0..1 */
	double csw;		/* context switches (all processes) per op */
	char note[96];
};

/* A medianed point, stored for tables, CSV and the goals. */
struct point {
	int smp;		/* vCPUs; 0: -smp 1 under QEMU -icount (ns = instructions) */
	enum pat_id pat;
	enum mech_id mech;
	size_t size;
	long param;		/* senders, pairs, live objects; 0 */
	char metric[40];
	double value;
	int reps;
};

void res_add(enum pat_id p, enum mech_id m, size_t size, long param,
	     const char *metric, double value, int reps);
const struct point *res_find(int smp, enum pat_id p, enum mech_id m,
			     size_t size, long param, const char *metric);
void res_note(enum pat_id p, enum mech_id m, size_t size, long param,
	      const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void trial_csv(enum pat_id p, enum mech_id m, size_t size, long param,
	       int rep, const struct trial *t);

/* --- patterns -------------------------------------------------------- */

extern int child_timeout;	/* seconds a trial's process may run */

long warmup_for(long iters);

int run_pingpong(enum mech_id m, size_t size, long iters, int nmailboxes,
		 struct trial *t);
int run_stream(enum mech_id m, size_t size, long msgs, int nsenders,
	       struct trial *t);
int run_pairs(enum mech_id m, size_t size, long iters, int npairs,
	      struct trial *t);
/* Scaling: background objects made by the caller around run_pingpong(). */
int bg_mailboxes_make(int n, int *ids);
void bg_mailboxes_drop(int n, int *ids, int sysv);
int bg_sysv_make(int n, int *ids);
int run_pingpong_links(size_t size, long iters, int nlinks, struct trial *t);

struct memcost {
	int ok;
	long count;		/* messages queued */
	double slab_bytes;	/* slab growth per message */
	char caches[256];	/* where the slab growth went */
	char note[96];
};
int run_memory(enum mech_id m, size_t size, long count, struct memcost *mc);
int run_self(enum mech_id m, size_t size, long msgs, struct trial *t);

/* P_CALLS: the operations, by param. */
struct call_op {
	enum mech_id mech;
	const char *what;
};
extern const struct call_op call_ops[];
extern const int nr_call_ops;
int run_calls(int op, long iters, struct trial *t);
/* P_CALLS operations the goals use. */
enum { CALL_GETPPID = 0, CALL_ENOTTY = 2, CALL_MP_MSGRCV = 4, CALL_MSGRCV = 6 };

/* P_SYSVAPP: the System V application workload, over M_SYSV or M_SYSVLIB. */
int run_sysvapp(enum mech_id m, long iters, struct trial *t);

/* --- utilities ------------------------------------------------------- */

uint64_t now_ns(void);
uint64_t cpu_ns(double *sys_share_num);	/* this process: user + system */
void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void vlog(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void *shm_alloc(size_t len);
void shm_free(void *p, size_t len);
int cmp_double(const void *a, const void *b);
double median(double *v, int n);
double percentile_u64(uint64_t *v, long n, double pct);
const char *size_str(size_t size);

/* A barrier of @n processes on shared memory (futex). */
struct barrier {
	uint32_t count;
	uint32_t gen;
	uint32_t n;
};
void barrier_init(struct barrier *b, uint32_t n);
void barrier_wait(struct barrier *b);
int futex_wait(uint32_t *addr, uint32_t val);
int futex_wake(uint32_t *addr, int n);

#endif /* MSGPASS_BENCH_H */

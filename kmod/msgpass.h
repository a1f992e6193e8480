/* SPDX-License-Identifier: GPL-2.0 */
/*
 * msgpass: message-passing IPC for Linux.
 */
#ifndef MSGPASS_H
#define MSGPASS_H

/**
 * DOC: msgpass overview
 *
 * msgpass implements the textbook message-passing model in kernel memory,
 * driven through ioctls on the misc device /dev/msgpass.
 *
 * Objects:
 *
 * - &struct mp_endpoint: one per process that has /dev/msgpass open. It is
 *   created by the first open() in a thread group and shared by every later
 *   open() in the same thread group; it goes away with the last file that
 *   refers to it. A file used from a process other than the one that opened
 *   it (a child after fork()) is refused with EBADFD: a child never speaks
 *   with its parent's identity. libmsgpass reopens the device in the child.
 *
 * - &struct mp_mailbox: indirect communication. Found by ID through an
 *   xarray under RCU (lookups take no lock), by key or by name under
 *   mp_registry_lock. Each mailbox holds a &struct mp_queue.
 *
 * - &struct mp_queue: the message queue with its capacity, its sleeping
 *   senders and receivers, and, for a broadcast mailbox, its subscribers.
 *   All of it is under the queue's spinlock. A sender that finds a
 *   receiver asleep for a message it matches hands the message straight
 *   to it (as ipc/mqueue.c does); sleepers are woken through a wake_q
 *   after the lock is dropped.
 *
 * - &struct mp_msg: a header and a body from dedicated slab caches,
 *   reference counted so a copy out can run without the queue lock.
 *
 * Lock order (outer first):
 *
 * 1. mp_endpoints_lock (mutex): the endpoint registry. Only queue locks
 *    nest inside it (listing links).
 * 2. mp_registry_lock (mutex): creation and removal of mailboxes, the key
 *    and name maps, ownership, receive rights, subscriptions, and each
 *    endpoint's lists of what it owns and is subscribed to.
 * 3. &mp_queue.lock (spinlock): one queue's state. Never two at once.
 * 4. mp_calls_lock (spinlock): the state of every call, and each
 *    endpoint's list of calls it owes a reply to.
 *
 * Reference counts rather than nested locks keep objects alive across
 * sleeps: an object found under a lock is pinned with its kref before the
 * lock is dropped. Nothing allocates under a spinlock.
 */

/**
 * DOC: life cycles
 *
 * Each object lives through the states below. "Attach" is anything that
 * links another object to it; the point after which nothing may attach
 * is a flag set under the lock the attachers take, which they check, and
 * teardown asserts (WARN_ON_ONCE) that it was set.
 *
 * Endpoint (&struct mp_endpoint):
 *   LIVE      from the first open() of a process: in mp_endpoints, found
 *             by pid. Its own process attaches mailboxes, names,
 *             subscriptions, watches and calls to it (always alive while
 *             it is in an ioctl: the ioctl holds its file); other
 *             processes attach links (under its inbox lock, checking
 *             @inbox.dead) and owned mailboxes (MP_CTL_SET_OWNER, under
 *             mp_registry_lock, checking @dead).
 *   DYING     at the last close: out of mp_endpoints (mp_endpoints_lock),
 *             then @dead under mp_registry_lock, then @inbox.dead under
 *             its lock; teardown then takes off everything attached:
 *             watches it made, queued messages, links, calls owed,
 *             names, owned mailboxes, subscriptions; then fires the
 *             watches on it.
 *   FREED     with the last reference (senders and lookups may still
 *             hold one and see the dead inbox), after an RCU grace period.
 *
 * Mailbox (&struct mp_mailbox):
 *   LIVE      published in mp_mailboxes (and the key and name maps) once
 *             whole; senders, receivers, pollers, subscribers attach
 *             under its queue lock, checking @queue.dead.
 *   REMOVED   under mp_registry_lock: unpublished, @queue.dead set under
 *             the queue lock, waiters woken with EIDRM, messages freed,
 *             subscriptions and grants dropped, watchers told; lookups
 *             that pinned it see @queue.dead.
 *   FREED     with the last reference, after an RCU grace period.
 *
 * Link (&struct mp_link): made under the receiver's inbox lock (never
 * into a dead inbox), held by that list and by each message on it. It
 * leaves the list when the receiver dies, or when it is idle (no
 * message, no sender holding it) and room is needed under a links limit;
 * a sender that still holds it finishes with it, and it is freed with its
 * last reference.
 *
 * Call (struct mp_call, call.c): PENDING (request queued) -> TAKEN (on
 * the server's @calls, under mp_calls_lock) -> REPLIED; or FAILED
 * (request freed or refused, server ended) or ABANDONED (caller gave
 * up). Only the caller frees it, after it has left mp_calls.
 *
 * Watch (struct mp_watch, watch.c): on mp_watches and its watcher's list
 * under mp_registry_lock, only while the target is alive (checked under
 * that lock); it fires once, or goes with its watcher.
 *
 * Name (struct mp_ep_name, link.c) and subscription (&struct mp_sub):
 * made by their own endpoint under mp_registry_lock, gone with it (a
 * name also once its process is reaped, should the endpoint outlive it:
 * the next lookup of the name frees it).
 *
 * Namespace (&struct mp_ns, ns.c): made on first use in an IPC
 * namespace, outside mp_registry_lock (pinning it makes a file); held by
 * its endpoints, mailboxes and netlink dumps; its mailboxes go when
 * nothing outside msgpass holds the namespace, and it goes with its last
 * reference after that.
 *
 * Rights: a mailbox's owner and its grants name a process running one
 * program (&mp_mailbox.owner_exec, &mp_grant.exec_id): after execve()
 * the process holds none of them.
 */

#include <linux/hashtable.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/pid.h>
#include <linux/rbtree.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/refcount.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/uaccess.h>
#include <linux/uidgid.h>
#include <linux/wait.h>
#include <linux/xarray.h>

#include "../uapi/msgpass.h"

/* Module parameters (see main.c and message.c for their documentation). */
extern unsigned long mp_max_msg_size;
extern unsigned int mp_msgmax;
extern unsigned int mp_msgmnb;
extern unsigned int mp_msgmni;
extern unsigned long mp_user_quota_bytes;
extern unsigned int mp_max_links;
extern unsigned int mp_names_per_user;
extern unsigned int mp_max_links_per_user;
extern unsigned int mp_prio_max_other;

extern struct mutex mp_registry_lock;

struct ns_common;

/**
 * struct mp_mbox_table - a namespace's mailboxes by index, for lookups
 * @rcu: frees it once lookups in flight are done, when it grows
 * @size: slots
 * @slot: the mailboxes (RCU)
 */
struct mp_mbox_table {
	struct rcu_head rcu;
	unsigned int size;
	struct mp_mailbox __rcu *slot[];
};

/**
 * struct mp_ns - msgpass in one IPC namespace (ns.c)
 * @node: in mp_namespaces
 * @ns: the namespace, as an identity; pinned by @pin
 * @pin: an nsfs file of it, held open; NULL for the initial namespace
 * @refs: endpoints, mailboxes and dumps that point at it
 * @mailboxes: index -> mailbox (changed under mp_registry_lock): its own
 *	ID space, as System V's; indexes are allocated and walked here
 * @table: index -> mailbox, for lookups by ID under RCU (one load)
 * @slot_seq: index -> the sequence number it last had, as a value
 * @next_index: where the cyclic index allocation goes on
 * @keys: System V key -> mailbox
 * @names: mailbox name -> &struct mp_name_entry
 * @ep_names: process name -> &struct mp_ep_name
 * @nr_mailboxes: mailboxes in it (msgmni bounds them)
 *
 * All but @refs and lookups of @mailboxes under mp_registry_lock.
 */
struct mp_ns {
	struct list_head node;
	struct ns_common *ns;
	struct file *pin;
	atomic_t refs;
	struct xarray mailboxes;
	struct mp_mbox_table __rcu *table;
	struct xarray slot_seq;
	u32 next_index;
	struct xarray keys;
	DECLARE_HASHTABLE(names, 8);
	DECLARE_HASHTABLE(ep_names, 6);
	unsigned int nr_mailboxes;
};

const struct ns_common *mp_ns_current_id(void);
struct mp_ns *mp_ns_of_current(void);
struct mp_ns *mp_ns_get(struct mp_ns *n);
void mp_ns_put(struct mp_ns *n);
bool mp_ns_capable(const struct mp_ns *n, int cap);
void mp_ns_for_each(void (*fn)(struct mp_ns *n));
int mp_ns_init(void);
void mp_ns_exit(void);

/* &mp_msg.flags */
#define MP_M_QUEUED	0x01	/* on its queue's list (queue lock) */
#define MP_M_WAS_SYNC	0x02	/* its sender waited (or waits) for it to be taken */
#define MP_M_KERNEL	0x04	/* a note from the kernel: no sender process */
#define MP_M_LINK	0x08	/* it travels &mp_msg.link (holds a reference) */

/**
 * struct mp_msg_ext - what few messages have: descriptors, a long body
 * @segs: the body beyond the inline head, or NULL
 * @nr_files: open files carried
 * @files: those files (one reference each)
 */
struct mp_msg_ext {
	struct mp_msgseg *segs;
	unsigned int nr_files;
	struct file *files[];
};

/**
 * struct mp_msg - a message: header, head of the body, the rest
 * @node: in its queue (a priority level's list, or a broadcast queue's),
 *	under the queue lock
 * @ref: the queue's reference, plus one per copy out in progress
 * @len: body length
 * @type: System V type, > 0
 * @seq: sequence number on its link, or in its mailbox, from 1
 * @stime_ns: CLOCK_REALTIME send time
 * @sender: sender's thread group (NULL for a kernel note)
 * @user: the user its bytes are charged to
 * @link: with MP_M_LINK, the direct link it travels
 * @pending: broadcast: subscribers that have yet to take it
 * @fanout: broadcast: subscribers it was delivered to
 * @sync: the synchronous sender waiting for it to be taken, or NULL;
 *	under the queue lock
 * @call: the call it is the request of, or NULL (holds a reference)
 * @ext: descriptors and a long body, or NULL
 * @arrival: order of arrival in its queue, across links (wraps; compared
 *	as a difference)
 * @sender_uid: sender's effective uid
 * @prio: priority, 0..MP_PRIO_MAX
 * @flags: MP_M_*
 * @cache: its size class (message.c)
 * @__pad: zero
 * @data: the inline head of the body
 *
 * Kept small: an 8-byte message takes a 120-byte object.
 */
struct mp_msg {
	struct list_head node;
	refcount_t ref;
	u32 len;
	long type;
	u64 seq;
	u64 stime_ns;
	struct pid *sender;
	struct mp_user *user;
	union {
		struct mp_link *link;
		struct {
			u32 pending;
			u32 fanout;
		};
	};
	struct mp_waiter *sync;
	struct mp_call *call;
	struct mp_msg_ext *ext;
	u32 arrival;
	kuid_t sender_uid;
	u8 prio;
	u8 flags;
	u8 cache;
	u8 __pad;
	u8 data[];
};

static inline unsigned int mp_msg_nr_files(const struct mp_msg *msg)
{
	return msg->ext ? msg->ext->nr_files : 0;
}

struct mp_user;
struct mp_user *mp_user_get(kuid_t uid);
struct mp_msg *mp_msg_alloc(size_t len, struct mp_user *user);
void mp_msg_put(struct mp_msg *msg);
int mp_msg_copy_from_user(struct mp_msg *msg, const void __user *src);
int mp_msg_attach_fds(struct mp_msg *msg, u64 ufds, u32 nr);
bool mp_file_is_msgpass(const struct file *file);
bool mp_file_may_travel(struct file *file);
int mp_msg_copy_to_user(const struct mp_msg *msg, void __user *dst,
			size_t len);
int mp_msg_init(void);
int mp_users_for_each(int (*fn)(kuid_t uid, long bytes, void *data), void *data);
long mp_msg_count(long *bytes);
void mp_msg_exit(void);

/* How a receiver selects messages (&mp_select.mode). */
enum mp_select_mode {
	MP_SEL_ANY,	/* msgtyp == 0 */
	MP_SEL_EQ,	/* msgtyp > 0 */
	MP_SEL_NE,	/* msgtyp > 0 with MSG_EXCEPT */
	MP_SEL_LE,	/* msgtyp < 0: lowest type <= -msgtyp */
	MP_SEL_INDEX,	/* MSG_COPY: the msgtyp'th message */
};

/**
 * struct mp_select - what a receive takes
 * @mode: enum mp_select_mode
 * @type: the type (or index) it is about
 * @min_prio: lowest priority taken
 * @bufsz: room for the body
 * @noerror: truncate a longer body instead of failing with E2BIG
 * @peek: leave the message queued
 * @nowait: do not sleep
 * @deadline: CLOCK_MONOTONIC deadline, or NULL for none
 * @from_nr: a direct Receive(P): P, in @from_ns; 0 for any sender
 * @from_ns: the receiver's pid namespace, where @from_nr is a pid
 * @from: Receive(P) by pidfd: the process itself (held by the caller);
 *	then @from_nr is -1
 * @fd_room: most descriptors the receiver takes
 * @discard: MP_RECV_DISCARD: take it whatever its size and descriptors,
 *	and drop it
 * @no_calls: leave call requests alone (a batch receive cannot answer)
 * @rights: the receiver's right was checked at &mp_queue.rights_gen
 *	@rights_gen; once that changes it must be checked again
 * @rights_gen: see @rights
 */
struct mp_select {
	pid_t from_nr;
	struct pid_namespace *from_ns;
	struct pid *from;
	u32 fd_room;
	bool discard;
	bool no_calls;
	bool rights;
	u32 rights_gen;
	enum mp_select_mode mode;
	long type;
	u32 min_prio;
	size_t bufsz;
	bool noerror;
	bool peek;
	bool nowait;
	ktime_t *deadline;
};

/**
 * struct mp_waiter - a task asleep on a queue
 * @node: in &mp_queue.senders or &mp_queue.receivers
 * @task: the sleeper
 * @ready: set, under the queue lock, once its wait is over
 * @sel: receivers: what it takes
 * @msg: receivers: the message handed to it (with a reference)
 * @err: receivers: the error it was woken with
 */
struct mp_waiter {
	struct list_head node;
	struct task_struct *task;
	bool ready;
	const struct mp_select *sel;
	struct mp_msg *msg;
	int err;
};

/**
 * struct mp_sub - a broadcast subscriber
 * @node: in &mp_queue.subs, under the queue lock
 * @ep_node: in &mp_endpoint.subs, under mp_registry_lock
 * @ep: the subscribed endpoint
 * @queue: the queue it is subscribed to
 * @mb: the mailbox owning @queue (holds no reference)
 * @pos: the next message it takes, or NULL when it has taken them all
 * @overrun: messages it lost to a lossy queue since its last receive
 */
struct mp_sub {
	struct list_head node;
	struct list_head ep_node;
	struct mp_endpoint *ep;
	struct mp_queue *queue;
	struct mp_mailbox *mb;
	struct mp_msg *pos;
	u64 overrun;
};

/**
 * struct mp_link - a direct link, one way, from one process to another
 * @ref: the receiver's list holds one; so does each message on it
 * @node: in &mp_endpoint.links of the receiver, under its inbox lock
 * @from: the sending process
 * @capacity: most messages in flight (0: rendezvous)
 * @max_bytes: most body bytes in flight
 * @qnum: its messages waiting in the inbox
 * @qbytes: their body bytes
 * @seq: sequence number of its last message
 * @sent: messages sent over it
 * @received: messages taken from it
 * @uid: the sender's effective uid when it was made (per-user limit)
 * @explicit: made by MP_IOC_LINK with settings of its own
 *
 * Everything but @ref and @from is under the receiver's inbox lock.
 */
struct mp_link {
	struct kref ref;
	struct list_head node;
	struct pid *from;
	u64 capacity;
	u64 max_bytes;
	u64 qnum;
	u64 qbytes;
	u64 seq;
	u64 sent;
	u64 received;
	kuid_t uid;
	bool explicit;
};

void mp_link_put(struct mp_link *link);

/**
 * struct mp_queue - a message queue with its waiters
 * @lock: protects everything below
 * @levels: the messages, by priority: one &struct mp_level per priority
 *	that has messages, highest leftmost (not broadcast)
 * @idle: one empty level left in @levels, for the next message of its
 *	priority, or NULL
 * @msgs: broadcast: the messages, in send order
 * @qnum: messages queued
 * @qbytes: body bytes queued
 * @capacity: most messages, 0 (rendezvous) or MP_UNLIMITED
 * @max_bytes: most body bytes, or MP_UNLIMITED
 * @msg_max: largest body
 * @arrivals: messages that entered it, ever: the last arrival number,
 *	which is a mailbox message's sequence number
 * @senders: senders asleep for room or for their message to be taken
 * @receivers: receivers asleep for a message
 * @nr_senders: tasks on @senders
 * @nr_receivers: tasks on @receivers
 * @poll_wait: pollers of the mailbox
 * @dead: removed: every call fails with @dead_err
 * @dead_err: -EIDRM for a mailbox, -ECONNRESET for an inbox
 * @broadcast: every message goes to every subscriber
 * @lossy: broadcast: drop the oldest when full
 * @subs: broadcast subscribers
 * @nr_subs: entries on @subs
 * @overruns: messages dropped from a full lossy queue
 * @sent: messages sent, ever
 * @received: messages taken, ever
 * @stime: wall-clock seconds of the last send
 * @rtime: wall-clock seconds of the last receive
 * @lspid: last sender
 * @lrpid: last receiver
 * @id: the mailbox ID, for message headers
 * @rights_gen: bumped when a right to receive is taken away (revoke,
 *	ownership transfer): sleeping receivers check theirs again
 */
struct mp_queue {
	spinlock_t lock;	/* protects all of the queue */
	struct rb_root_cached levels;
	struct mp_level *idle;
	struct list_head msgs;
	u64 qnum;
	u64 qbytes;
	u64 capacity;
	u64 max_bytes;
	u64 msg_max;
	u64 arrivals;
	struct list_head senders;
	struct list_head receivers;
	unsigned int nr_senders;
	unsigned int nr_receivers;
	wait_queue_head_t poll_wait;
	bool dead;
	int dead_err;
	bool broadcast;
	bool lossy;
	struct list_head subs;
	unsigned int nr_subs;
	u64 overruns;
	u64 sent;
	u64 received;
	time64_t stime;
	time64_t rtime;
	struct pid *lspid;
	struct pid *lrpid;
	int id;
	u32 rights_gen;
};

/**
 * struct mp_level - the messages of one priority in a queue
 * @node: in &mp_queue.levels
 * @msgs: its messages, in order of arrival
 * @prio: the priority
 *
 * Levels are what keep a send's cost bounded whatever is queued: a
 * message goes at the tail of its level, found in a tree of at most 256
 * levels, never after a walk over the messages of others.
 */
struct mp_level {
	struct rb_node node;
	struct list_head msgs;
	u8 prio;
};

int mp_queue_caches_init(void);
void mp_queue_caches_exit(void);

/* Are all the words of a reserved array zero? (No memchr_inv() call.) */
static __always_inline bool mp_zero_words(const __u64 *p, size_t n)
{
	u64 acc = 0;
	size_t i;

	for (i = 0; i < n; i++)
		acc |= p[i];
	return !acc;
}

#define MP_WAKE_BATCH	8

/* Tasks to wake once a lock is dropped (the kernel's wake_q is not exported). */
struct mp_wake_list {
	unsigned int nr;
	struct task_struct *tasks[MP_WAKE_BATCH];
};

/* Start a wake list: only its count (its slots are written as used). */
static inline void mp_wake_init(struct mp_wake_list *wl)
{
	wl->nr = 0;
}

void __mp_wake_up(struct mp_wake_list *wl);

/**
 * mp_wake_up() - wake the tasks collected in a wake list, and empty it
 * @wl: the list
 *
 * Context: Any context but hard interrupts; no queue lock held.
 */
static inline void mp_wake_up(struct mp_wake_list *wl)
{
	if (wl->nr)
		__mp_wake_up(wl);
}

int __mp_queue_send(struct mp_queue *q, struct mp_msg *msg, bool nowait,
		    bool sync, ktime_t *deadline, struct mp_wake_list *defer);
bool mp_queue_try_send(struct mp_queue *q, struct mp_msg *msg);
struct mp_msg *mp_queue_try_receive(struct mp_queue *q, const struct mp_select *sel);
void mp_queue_init(struct mp_queue *q);
int mp_queue_send(struct mp_queue *q, struct mp_msg *msg, bool nowait,
		  bool sync, ktime_t *deadline);
struct mp_msg *mp_queue_receive(struct mp_queue *q, const struct mp_select *sel,
				u64 *overrun);
void mp_queue_put_back(struct mp_queue *q, struct mp_msg *msg, u64 overrun);
void mp_queue_taken(struct mp_queue *q);
void mp_queue_settle(struct mp_queue *q, struct mp_msg *back, u64 overrun, bool peek);
void mp_queue_kill(struct mp_queue *q);
void mp_queue_room_changed(struct mp_queue *q);
void mp_queue_rights_changed(struct mp_queue *q);
void mp_queue_withdraw(struct mp_queue *q, struct mp_msg *msg);
bool mp_queue_post(struct mp_queue *q, struct mp_msg *msg, bool fit);
__poll_t mp_queue_poll_mask(struct mp_queue *q, struct pid *pid);
bool mp_queue_fits(const struct mp_queue *q, size_t len);
void mp_queue_sub_add(struct mp_queue *q, struct mp_sub *sub);
void mp_queue_sub_del(struct mp_queue *q, struct mp_sub *sub);

/**
 * struct mp_grant - a process granted the right to receive
 * @node: in &mp_mailbox.grants
 * @pid: the process
 * @exec_id: the program it ran when granted (&task_struct.self_exec_id):
 *	a program it executes later has no right
 */
struct mp_grant {
	struct list_head node;
	struct pid *pid;
	u64 exec_id;
};

/**
 * struct mp_mailbox - a mailbox
 * @ref: lookups and pollers hold references; the registry holds one
 *	until the mailbox is removed
 * @rcu: frees it after lookups in flight are done
 * @id: its ID: sequence number above, xarray index below MP_ID_SHIFT
 * @key: System V key, or IPC_PRIVATE
 * @name: its name, or "" for none
 * @kind: MP_KIND_*
 * @lifetime: MP_LIFETIME_*
 * @mode_receive: read permission grants the right to receive (System V)
 * @sysv: made by plain msgget(), without attributes: System V's rules
 *	alone apply to it
 * @ns: the IPC namespace it lives in (holds a reference)
 * @uid: owner user, as msg_perm.uid (changed by IPC_SET); under the
 *	queue lock, read locklessly for permission checks
 * @gid: owner group
 * @cuid: creator user
 * @cgid: creator group
 * @mode: permission bits
 * @ctime: wall-clock seconds of the last change
 * @owner: owning process (mp_registry_lock, and queue lock to change)
 * @owner_exec: the program it runs (&task_struct.self_exec_id): after an
 *	execve() it owns nothing, as its endpoint is a new one
 * @owner_ep: the owning endpoint, for a process-lifetime mailbox
 * @owner_node: in &mp_endpoint.owned
 * @grants: processes that may receive (mp_registry_lock, queue lock)
 * @nr_grants: entries on @grants
 * @queue: its messages and waiters
 */
struct mp_mailbox {
	struct kref ref;
	struct rcu_head rcu;
	int id;
	int key;
	char name[MP_NAME_MAX + 1];
	u32 kind;
	u32 lifetime;
	bool mode_receive;
	bool sysv;
	struct mp_ns *ns;
	kuid_t uid;
	kgid_t gid;
	kuid_t cuid;
	kgid_t cgid;
	umode_t mode;
	time64_t ctime;
	struct pid *owner;
	u64 owner_exec;
	struct mp_endpoint *owner_ep;
	struct list_head owner_node;
	struct list_head grants;
	unsigned int nr_grants;
	struct mp_queue queue;
};

/**
 * struct mp_endpoint - a process that has /dev/msgpass open
 * @ref: its memory: held by the registry while it lives, and by whoever
 *	looked it up
 * @rcu: frees it after lockless lookups are done
 * @nr_files: files open on it, under mp_endpoints_lock
 * @pid: the thread group that opened the device
 * @inbox: direct messages to it, from every link
 * @links: incoming links (&mp_link.node), under @inbox.lock
 * @nr_links: entries on @links
 * @owned: process-lifetime mailboxes it owns (&mp_mailbox.owner_node),
 *	under mp_registry_lock
 * @subs: its broadcast subscriptions (&mp_sub.ep_node), under
 *	mp_registry_lock
 * @names: names it registered, under mp_registry_lock
 * @calls: calls it received and owes a reply to, under mp_calls_lock
 * @watches: watches it made, under mp_registry_lock
 * @nr_watches: entries on @watches
 * @uid: the effective uid of the process when it opened the device
 * @user: that user's accounting, which its messages are charged to
 * @exec_id: the program it ran then (&task_struct.self_exec_id)
 * @ns: the IPC namespace it opened the device in (holds a reference)
 * @accept: MP_ACCEPT_*: who may send to @inbox
 * @dead: set under mp_registry_lock when teardown starts; from then on
 *	nothing attaches to it (ownership, watches): see the life cycles
 */
struct mp_endpoint {
	struct kref ref;
	struct rcu_head rcu;
	unsigned int nr_files;
	struct pid *pid;
	struct mp_queue inbox;
	struct list_head links;
	unsigned int nr_links;
	struct list_head owned;
	struct list_head subs;
	struct list_head names;
	struct list_head calls;
	struct list_head watches;
	unsigned int nr_watches;
	kuid_t uid;
	struct mp_user *user;
	u64 exec_id;
	struct mp_ns *ns;
	u32 accept;
	bool dead;
};

struct mp_endpoint *mp_endpoint_open(void);
void mp_endpoint_close(struct mp_endpoint *ep);
struct mp_endpoint *mp_endpoint_get(struct pid *pid);
bool mp_endpoint_alive(struct pid *pid);
struct mp_endpoint *mp_endpoint_get_by_vnr(struct mp_ns *n, pid_t nr);
struct pid *mp_pid_get(s32 id, bool pidfd);
struct mp_endpoint *mp_endpoint_get_arg(struct mp_ns *n, s32 id, bool pidfd);
u64 mp_pid_start_ns(struct pid *pid);
long mp_ioctl_pidfd_info(void __user *uarg, size_t usize);
void mp_endpoint_put(struct mp_endpoint *ep);

/**
 * mp_endpoint_is_current() - is @ep the calling process's endpoint?
 * @ep: the endpoint
 *
 * The same process, running the same program: a file kept across an
 * execve() (of a setuid program, say) does not lend the old endpoint's
 * identity, rights and queue to what runs now.
 *
 * Context: Any context.
 * Return: true when the caller belongs to the thread group that opened it.
 */
static inline bool mp_endpoint_is_current(const struct mp_endpoint *ep)
{
	return ep->pid == task_tgid(current) &&
	       ep->exec_id == READ_ONCE(current->self_exec_id);
}

int mp_endpoint_for_each(int (*fn)(struct mp_endpoint *ep, void *data), void *data);
void mp_endpoint_teardown(struct mp_endpoint *ep);
struct mp_endpoint *mp_endpoint_next(unsigned long *idx);

/* Argument handling shared by every send and receive (message.c). */
ktime_t *mp_deadline(ktime_t *buf, bool timed, u64 timeout_ns);
int mp_send_args_from_user(struct mp_msgsnd_args *a, void __user *uarg,
			   size_t usize, long *mtype);
struct mp_msg *mp_msg_build(struct mp_endpoint *ep, const struct mp_msgsnd_args *a,
			    long mtype, u64 msg_max);
struct mp_msg *mp_msg_make(struct mp_endpoint *ep, u64 msgp, u64 len, u32 prio,
			   u64 fds, u32 nr_fds, long mtype, u64 msg_max);
int mp_recv_args_check(const struct mp_msgrcv_args *a, struct mp_select *sel,
		       ktime_t *deadline_buf);

long mp_msg_deliver(const struct mp_msgrcv_args *a, struct mp_msg *msg,
		    const struct mp_select *sel, u64 overrun,
		    struct mp_endpoint *ep, int receiver, struct mp_msg **back);

/**
 * mp_msg_deliver_plain() - deliver a message that is only a type and a body
 * @a: the receive's arguments (no header asked for)
 * @msg: the message (no descriptors, no long body, no call), with the
 *	caller's reference, consumed when delivered
 * @back: set to @msg when it must go back (a fault), else to NULL
 *
 * The usual receive's copy out, without the general mp_msg_deliver().
 *
 * Context: Process context; may fault and sleep.
 * Return: body bytes copied, or -EFAULT.
 */
static __always_inline long mp_msg_deliver_plain(const struct mp_msgrcv_args *a,
						 struct mp_msg *msg,
						 struct mp_msg **back)
{
	void __user *msgp = u64_to_user_ptr(a->msgp);
	size_t n = min_t(size_t, msg->len, a->msgsz);

	if (put_user(msg->type, (long __user *)msgp) ||
	    copy_to_user(msgp + sizeof(long), msg->data, n)) {
		*back = msg;
		return -EFAULT;
	}
	*back = NULL;
	mp_msg_put(msg);
	return n;
}

/* Can @msg be delivered by mp_msg_deliver_plain() to @a, taken with @sel? */
static inline bool mp_msg_plain(const struct mp_msgrcv_args *a, const struct mp_msg *msg,
				const struct mp_select *sel)
{
	return !a->hdr && !msg->ext && !msg->call && !sel->discard && !sel->peek;
}

/* Direct communication (link.c). */
long mp_ioctl_send(struct mp_endpoint *ep, void __user *uarg, size_t usize);
long mp_ioctl_recv(struct mp_endpoint *ep, void __user *uarg, size_t usize);
long mp_ioctl_link(struct mp_endpoint *ep, void __user *uarg, size_t usize);
long mp_ioctl_links(struct mp_endpoint *ep, void __user *uarg, size_t usize);
long mp_ioctl_name(struct mp_endpoint *ep, void __user *uarg, size_t usize);
long mp_inbox_receive(struct mp_endpoint *ep, const struct mp_msgrcv_args *a,
		      const struct mp_select *sel);
int mp_inbox_send(struct mp_endpoint *to, struct mp_msg *msg, bool nowait,
		  bool sync, ktime_t *deadline);
void mp_link_drop_all(struct mp_endpoint *ep);
void mp_names_drop(struct mp_endpoint *ep);
int mp_endpoint_names(struct mp_endpoint *ep, int (*fn)(const char *name, void *data),
		      void *data);
void mp_links_count(struct mp_endpoint *ep, u32 *in, u32 *out);
unsigned long mp_links_walk_all(struct mp_ns *n,
				int (*fn)(const struct mp_link_info *info, void *data),
				void *data, unsigned long skip);

/* Batches (batch.c). */
long mp_ioctl_sendv(struct mp_endpoint *ep, void __user *uarg, size_t usize);
long mp_ioctl_recvv(struct mp_endpoint *ep, void __user *uarg, size_t usize);

/* Call and reply (call.c). */
struct mp_call;
long mp_ioctl_call(struct mp_endpoint *ep, void __user *uarg, size_t usize);
long mp_ioctl_reply(struct mp_endpoint *ep, void __user *uarg, size_t usize);
u64 mp_call_id(const struct mp_call *call);
void mp_call_taken(struct mp_msg *msg, struct mp_endpoint *ep);
void mp_call_msg_freed(struct mp_msg *msg);
void mp_call_refused(struct mp_msg *msg);
void mp_calls_drop(struct mp_endpoint *ep);
void mp_call_exit(void);
int mp_call_init(void);

/* Introspection over generic netlink (netlink.c). */
int mp_nl_init(void);
void mp_nl_exit(void);
void mp_nl_event(u32 event, int mbox_id, struct pid *pid, const char *name, u64 value);

/* Peer death (watch.c). */
long mp_ioctl_watch(struct mp_endpoint *ep, void __user *uarg, size_t usize);
void mp_watch_fire_process(struct pid *pid);
void mp_watch_fire_mailbox(struct mp_ns *n, int id, u32 reason);
void mp_watches_drop(struct mp_endpoint *ep);

/* Permissions (perm.c): man/msgpass.7 has them as a table. */
bool mp_perm_mbox(const struct mp_mailbox *mb, int flag);
bool mp_perm_is_owner(const struct mp_mailbox *mb);
bool mp_perm_mbox_change(const struct mp_mailbox *mb);
bool mp_perm_mbox_grant(const struct mp_mailbox *mb);
int mp_perm_mbox_send(const struct mp_mailbox *mb, u32 prio);
int mp_perm_inbox_send(const struct mp_endpoint *to, u32 prio);
bool mp_perm_see_endpoint(const struct mp_endpoint *ep);
bool mp_perm_see_user(kuid_t uid);

/* Mailboxes (mailbox.c). */
struct mp_mailbox *mp_mailbox_get(struct mp_ns *n, int id);
struct mp_mailbox *mp_mailbox_lookup(struct mp_ns *n, int id);
void mp_mailbox_table_free(struct mp_ns *n);
void mp_mailbox_put(struct mp_mailbox *mb);
void mp_mailbox_release(struct kref *ref);
bool mp_mailbox_may_receive(struct mp_mailbox *mb);
bool mp_mailbox_alive(struct mp_ns *n, int id);
bool mp_file_is_mailbox(const struct file *file);
void mp_mailbox_fill_info(struct mp_mailbox *mb, struct mp_mbox_info *info);
int mp_mailbox_remove_checked(struct mp_mailbox *mb, bool ipc_owner);
struct mp_mailbox *mp_mailbox_next(struct mp_ns *n, unsigned long *idx);
struct mp_mailbox *mp_mailbox_get_by_name(struct mp_ns *n, const char *name);
unsigned int mp_mailboxes_owned_by(struct mp_endpoint *ep);
long mp_mailbox_receive(struct mp_endpoint *ep, const struct mp_msgrcv_args *a,
			struct mp_select *sel);
long mp_ioctl_msgget(struct mp_endpoint *ep, void __user *uarg, size_t usize);
long mp_ioctl_msgsnd(struct mp_endpoint *ep, void __user *uarg, size_t usize);
long mp_ioctl_msgrcv(struct mp_endpoint *ep, void __user *uarg, size_t usize);
long mp_ioctl_msgctl(struct mp_endpoint *ep, void __user *uarg, size_t usize);
long mp_ioctl_mbox_fd(struct mp_endpoint *ep, void __user *uarg, size_t usize);
void mp_endpoint_drop_mailboxes(struct mp_endpoint *ep);
void mp_mailboxes_drop_ns(struct mp_ns *n);
void mp_mailbox_exit(void);

/**
 * struct mp_counters - live object counts, for leak checks (messages and
 * their bytes are counted per CPU: mp_msg_count())
 * @endpoints: endpoints in existence
 * @mailboxes: mailboxes in existence
 * @files: open files held by messages
 * @links: direct links in existence
 */
struct mp_counters {
	atomic_long_t endpoints;
	atomic_long_t mailboxes;
	atomic_long_t files;
	atomic_long_t links;
};

/*
 * Largest size a caller may give for any structure (@hdr_size,
 * @attr_size, @msg_size, @info_size, @buf_size): a structure grows, but
 * a size of gigabytes is a mistake, not a future version.
 */
#define MP_STRUCT_MAX	PAGE_SIZE

int mp_args_from_user(void *dst, size_t ksize, const void __user *uarg, size_t usize);
int mp_args_from_user_short(void *dst, size_t ksize, size_t minsize,
			    const void __user *uarg, size_t usize);

/*
 * Copy @n bytes (a constant multiple of 8) of a caller's structure in,
 * a word at a time: no call, no usercopy bounds walk, no byte loop.
 */
static __always_inline int mp_args_words_in(void *dst, const void __user *uarg,
					    const size_t n)
{
	const u64 __user *u = uarg;
	u64 *d = dst;
	size_t i;

	if (!user_read_access_begin(uarg, n))
		return -EFAULT;
	for (i = 0; i < n / 8; i++)
		unsafe_get_user(d[i], &u[i], efault);
	user_read_access_end();
	return 0;
efault:
	user_read_access_end();
	return -EFAULT;
}

/**
 * mp_args_in() - copy in a command's arguments, the fast way
 * @dst: the kernel's structure
 * @ksize: its size (a constant, a multiple of 8)
 * @minsize: the shortest the command takes (a constant, a multiple of 8)
 * @uarg: the caller's structure
 * @usize: its size
 *
 * A caller's structure of the kernel's size, or of the shortest, is
 * copied a word at a time with sizes known when the module is built,
 * and the fields a short caller leaves out are zeroed by a few stores.
 * Any other size goes through mp_args_from_user_short().
 *
 * Context: Process context; may fault.
 * Return: 0, -EINVAL, -E2BIG or -EFAULT.
 */
static __always_inline int mp_args_in(void *dst, const size_t ksize,
				      const size_t minsize,
				      const void __user *uarg, size_t usize)
{
	BUILD_BUG_ON(minsize % 8 || ksize % 8 || minsize > ksize);
	if (likely(usize == ksize))
		return mp_args_words_in(dst, uarg, ksize);
	if (usize == minsize) {
		u64 *tail = dst + minsize;
		size_t i;

		for (i = 0; i < (ksize - minsize) / 8; i++)
			tail[i] = 0;
		return mp_args_words_in(dst, uarg, minsize);
	}
	return mp_args_from_user_short(dst, ksize, minsize, uarg, usize);
}

int mp_copy_struct_to_user(void __user *dst, size_t usize, const void *src,
			   size_t ksize);

extern struct mp_counters mp_counters;

/**
 * mp_recv_args_from_user() - copy in and check a receive's arguments
 * @a: where to put them
 * @uarg: the caller's &struct mp_msgrcv_args
 * @usize: its size
 * @sel: set to the selection they describe
 * @deadline_buf: room for the deadline @sel points to
 *
 * Context: Process context; may fault.
 * Return: 0, -EINVAL, -E2BIG or -EFAULT.
 */
static __always_inline int mp_recv_args_from_user(struct mp_msgrcv_args *a,
						  void __user *uarg, size_t usize,
						  struct mp_select *sel,
						  ktime_t *deadline_buf)
{
	int ret;

	ret = mp_args_in(a, sizeof(*a), MP_MSGRCV_ARGS_SIZE_MIN, uarg, usize);
	if (ret)
		return ret;
	if (usize != MP_MSGRCV_ARGS_SIZE_MIN || (a->msgflg & MP_MSG_COPY))
		return mp_recv_args_check(a, sel, deadline_buf);
	/* The shortest caller: no options, no header, no descriptors. */
	if ((long)a->msgsz < 0 || a->id < 0)
		return -EINVAL;
	sel->from_nr = 0;
	sel->from_ns = NULL;
	sel->from = NULL;
	sel->fd_room = 0;
	sel->discard = false;
	sel->no_calls = false;
	sel->rights = false;
	sel->rights_gen = 0;
	sel->min_prio = 0;
	sel->bufsz = a->msgsz;
	sel->noerror = a->msgflg & MP_MSG_NOERROR;
	sel->peek = false;
	sel->nowait = a->msgflg & MP_IPC_NOWAIT;
	sel->deadline = NULL;
	if (a->msgtyp == 0) {
		sel->mode = MP_SEL_ANY;
		sel->type = 0;
	} else if (a->msgtyp > 0) {
		sel->mode = a->msgflg & MP_MSG_EXCEPT ? MP_SEL_NE : MP_SEL_EQ;
		sel->type = a->msgtyp;
	} else {
		sel->mode = MP_SEL_LE;
		sel->type = a->msgtyp == LONG_MIN ? LONG_MAX : -a->msgtyp;
	}
	return 0;
}

#endif /* MSGPASS_H */

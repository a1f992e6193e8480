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
 * 1. mp_endpoints_lock (mutex): the endpoint registry. Never held while
 *    taking another lock.
 * 2. mp_registry_lock (mutex): creation and removal of mailboxes, the key
 *    and name maps, ownership, receive rights, subscriptions, and each
 *    endpoint's lists of what it owns and is subscribed to.
 * 3. &mp_queue.lock (spinlock): one queue's state. Never two at once.
 *
 * Reference counts rather than nested locks keep objects alive across
 * sleeps: an object found under a lock is pinned with its kref before the
 * lock is dropped. Nothing allocates under a spinlock.
 */

#include <linux/kref.h>
#include <linux/list.h>
#include <linux/pid.h>
#include <linux/rcupdate.h>
#include <linux/refcount.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/uidgid.h>
#include <linux/wait.h>

#include "../uapi/msgpass.h"

/* Module parameters (see main.c and message.c for their documentation). */
extern unsigned long mp_max_msg_size;
extern unsigned int mp_msgmax;
extern unsigned int mp_msgmnb;
extern unsigned int mp_msgmni;
extern unsigned long mp_user_quota_bytes;

extern struct mutex mp_registry_lock;

/**
 * struct mp_endpoint - a process that has /dev/msgpass open
 * @ref: one reference per open file, plus temporary ones
 * @pid: the thread group that opened the device
 * @owned: process-lifetime mailboxes it owns (&mp_mailbox.owner_node),
 *	under mp_registry_lock
 * @subs: its broadcast subscriptions (&mp_sub.ep_node), under
 *	mp_registry_lock
 */
struct mp_endpoint {
	struct kref ref;
	struct pid *pid;
	struct list_head owned;
	struct list_head subs;
};

struct mp_endpoint *mp_endpoint_get_current(void);
struct mp_endpoint *mp_endpoint_get_by_vnr(pid_t nr);
void mp_endpoint_put(struct mp_endpoint *ep);
bool mp_endpoint_is_current(const struct mp_endpoint *ep);

/**
 * struct mp_msg - a message: header, head of the body, more segments
 * @node: in the queue, under its lock
 * @ref: the queue's reference, plus one per copy out in progress
 * @type: System V type, > 0
 * @prio: priority, 0..MP_PRIO_MAX
 * @seq: sequence number in its queue, from 1
 * @stime_ns: CLOCK_REALTIME send time
 * @sender: sender's thread group
 * @sender_uid: sender's effective uid
 * @len: body length
 * @pending: broadcast: subscribers that have yet to take it
 * @fanout: broadcast: subscribers it was delivered to
 * @sync: the synchronous sender waiting for it to be taken, or NULL;
 *	under the queue lock
 * @counted: it is in mp_counters
 * @cache: the cache it came from
 * @user: the user its bytes are charged to
 * @segs: body beyond the inline head
 * @data: the inline head of the body
 */
struct mp_msg {
	struct list_head node;
	refcount_t ref;
	long type;
	u32 prio;
	u64 seq;
	u64 stime_ns;
	struct pid *sender;
	kuid_t sender_uid;
	size_t len;
	unsigned int pending;
	unsigned int fanout;
	struct mp_waiter *sync;
	bool counted;
	struct kmem_cache *cache;
	struct mp_user *user;
	struct mp_msgseg *segs;
	u8 data[];
};

struct mp_msg *mp_msg_alloc(size_t len);
void mp_msg_put(struct mp_msg *msg);
int mp_msg_copy_from_user(struct mp_msg *msg, const void __user *src);
int mp_msg_copy_to_user(const struct mp_msg *msg, void __user *dst,
			size_t len);
int mp_msg_init(void);
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
 */
struct mp_select {
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
 * struct mp_queue - a message queue with its waiters
 * @lock: protects everything below
 * @msgs: messages, highest priority first and in send order within a
 *	priority (broadcast: in send order)
 * @qnum: messages queued
 * @qbytes: body bytes queued
 * @capacity: most messages, 0 (rendezvous) or MP_UNLIMITED
 * @max_bytes: most body bytes, or MP_UNLIMITED
 * @msg_max: largest body
 * @seq: sequence number of the last message sent
 * @senders: senders asleep for room or for their message to be taken
 * @receivers: receivers asleep for a message
 * @nr_senders: tasks on @senders
 * @nr_receivers: tasks on @receivers
 * @poll_wait: pollers of the mailbox
 * @dead: removed: every call fails with EIDRM
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
 */
struct mp_queue {
	spinlock_t lock;	/* protects all of the queue */
	struct list_head msgs;
	u64 qnum;
	u64 qbytes;
	u64 capacity;
	u64 max_bytes;
	u64 msg_max;
	u64 seq;
	struct list_head senders;
	struct list_head receivers;
	unsigned int nr_senders;
	unsigned int nr_receivers;
	wait_queue_head_t poll_wait;
	bool dead;
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
};

void mp_queue_init(struct mp_queue *q);
int mp_queue_send(struct mp_queue *q, struct mp_msg *msg, bool nowait,
		  bool sync, ktime_t *deadline);
struct mp_msg *mp_queue_receive(struct mp_queue *q, const struct mp_select *sel,
				u64 *overrun);
void mp_queue_put_back(struct mp_queue *q, struct mp_msg *msg);
void mp_queue_kill(struct mp_queue *q);
void mp_queue_room_changed(struct mp_queue *q);
__poll_t mp_queue_poll_mask(struct mp_queue *q, struct pid *pid);
bool mp_queue_fits(const struct mp_queue *q, size_t len);
void mp_queue_sub_add(struct mp_queue *q, struct mp_sub *sub);
void mp_queue_sub_del(struct mp_queue *q, struct mp_sub *sub);

/**
 * struct mp_grant - a process granted the right to receive
 * @node: in &mp_mailbox.grants
 * @pid: the process
 */
struct mp_grant {
	struct list_head node;
	struct pid *pid;
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
 * @uid: owner user, as msg_perm.uid (changed by IPC_SET); under the
 *	queue lock, read locklessly for permission checks
 * @gid: owner group
 * @cuid: creator user
 * @cgid: creator group
 * @mode: permission bits
 * @ctime: wall-clock seconds of the last change
 * @owner: owning process (mp_registry_lock, and queue lock to change)
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
	kuid_t uid;
	kgid_t gid;
	kuid_t cuid;
	kgid_t cgid;
	umode_t mode;
	time64_t ctime;
	struct pid *owner;
	struct mp_endpoint *owner_ep;
	struct list_head owner_node;
	struct list_head grants;
	unsigned int nr_grants;
	struct mp_queue queue;
};

long mp_ioctl_msgget(struct mp_endpoint *ep, void __user *uarg, size_t usize);
long mp_ioctl_msgsnd(struct mp_endpoint *ep, void __user *uarg, size_t usize);
long mp_ioctl_msgrcv(struct mp_endpoint *ep, void __user *uarg, size_t usize);
long mp_ioctl_msgctl(struct mp_endpoint *ep, void __user *uarg, size_t usize);
long mp_ioctl_mbox_fd(struct mp_endpoint *ep, void __user *uarg, size_t usize);
void mp_endpoint_drop_mailboxes(struct mp_endpoint *ep);
void mp_mailbox_exit(void);

/**
 * struct mp_counters - live object counts, for leak checks
 * @endpoints: endpoints in existence
 * @mailboxes: mailboxes in existence
 * @messages: messages allocated
 * @bytes: body bytes of those messages
 */
struct mp_counters {
	atomic_long_t endpoints;
	atomic_long_t mailboxes;
	atomic_long_t messages;
	atomic_long_t bytes;
};

int mp_copy_struct_to_user(void __user *dst, size_t usize, const void *src,
			   size_t ksize);

extern struct mp_counters mp_counters;

#endif /* MSGPASS_H */

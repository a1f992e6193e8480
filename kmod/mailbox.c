// SPDX-License-Identifier: GPL-2.0
/*
 * msgpass mailboxes: the registry, permissions, ownership, and the
 * msgget/msgsnd/msgrcv/msgctl ioctls.
 */
#include <linux/anon_inodes.h>
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/hashtable.h>
#include <linux/ipc.h>
#include <linux/msg.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/stringhash.h>
#include <linux/uaccess.h>
#include <linux/xarray.h>

#include "msgpass.h"

/*
 * IDs are System V shaped: a sequence number above MP_ID_SHIFT, the
 * xarray index below. Indexes are handed out cyclically, and each index
 * slot keeps its own sequence number, bumped each time the slot is used
 * again: an ID comes back only after its slot has been reused 32768
 * times, that is after some 2^31 creations.
 */
#define MP_ID_SHIFT	16
#define MP_ID_INDEX	((1U << MP_ID_SHIFT) - 1)
#define MP_ID_SEQ_MAX	(INT_MAX >> MP_ID_SHIFT)
#define MP_GRANTS_MAX	64
#define MP_NAME_BITS	8

/* Creation, removal, ownership, rights, subscriptions: see msgpass.h. */
DEFINE_MUTEX(mp_registry_lock);
/*
 * IDs, keys, names and msgmni are per IPC namespace (&struct mp_ns), as
 * System V's: each namespace has its own index space.
 */

struct mp_name_entry {
	struct hlist_node node;
	struct mp_mailbox *mb;
};

/**
 * mp_mailbox_release() - free a mailbox with its last reference
 * @ref: its &mp_mailbox.ref
 *
 * Context: Any context but hard interrupts.
 */
void mp_mailbox_release(struct kref *ref)
{
	struct mp_mailbox *mb = container_of(ref, struct mp_mailbox, ref);

	put_pid(mb->owner);
	put_pid(mb->queue.lspid);
	put_pid(mb->queue.lrpid);
	mp_ns_put(mb->ns);
	kfree_rcu(mb, rcu);
}

/**
 * mp_mailbox_put() - drop a reference to a mailbox
 * @mb: the mailbox
 *
 * Context: Any context but hard interrupts.
 */
void mp_mailbox_put(struct mp_mailbox *mb)
{
	kref_put(&mb->ref, mp_mailbox_release);
}

/*
 * Lookups by ID read a plain array of the namespace's mailboxes under
 * RCU (one bounds check, one load); it grows by doubling, the old array
 * freed after a grace period. The xarray beside it allocates indexes and
 * walks the mailboxes.
 */
#define MP_TABLE_MIN	64

/**
 * mp_mailbox_lookup() - look a mailbox up by ID, without a reference
 * @n: the IPC namespace it is in
 * @id: the ID
 *
 * Context: Caller holds rcu_read_lock() (the mailbox stays valid until
 * it drops it) or mp_registry_lock.
 * Return: the mailbox, or NULL.
 */
struct mp_mailbox *mp_mailbox_lookup(struct mp_ns *n, int id)
{
	struct mp_mbox_table *t = rcu_dereference_check(n->table,
							lockdep_is_held(&mp_registry_lock));
	u32 idx = id & MP_ID_INDEX;
	struct mp_mailbox *mb;

	if (unlikely(id < 0 || !t || idx >= t->size))
		return NULL;
	mb = rcu_dereference_check(t->slot[idx], lockdep_is_held(&mp_registry_lock));
	return mb && READ_ONCE(mb->id) == id ? mb : NULL;
}

/* Room in the table for index @idx. */
static int mp_table_reserve(struct mp_ns *n, u32 idx)
{
	struct mp_mbox_table *t = rcu_dereference_protected(n->table,
							    lockdep_is_held(&mp_registry_lock));
	struct mp_mbox_table *new;
	unsigned int size = t ? t->size : MP_TABLE_MIN;

	if (t && idx < t->size)
		return 0;
	while (size <= idx)
		size *= 2;
	new = kvzalloc(struct_size(new, slot, size), GFP_KERNEL_ACCOUNT);
	if (!new)
		return -ENOMEM;
	new->size = size;
	if (t) {
		memcpy(new->slot, t->slot, t->size * sizeof(t->slot[0]));
		rcu_assign_pointer(n->table, new);
		kvfree_rcu(t, rcu);
	} else {
		rcu_assign_pointer(n->table, new);
	}
	return 0;
}

/**
 * mp_mailbox_table_free() - free a namespace's table (it is empty)
 * @n: the namespace
 *
 * Context: No lookup can find @n any more.
 */
void mp_mailbox_table_free(struct mp_ns *n)
{
	kvfree(rcu_dereference_protected(n->table, true));
}

/**
 * mp_mailbox_get() - look a mailbox up by ID
 * @n: the IPC namespace it is in (the caller's endpoint's)
 * @id: the ID
 *
 * Context: Any context; takes no lock.
 * Return: the mailbox with a reference, or NULL.
 */
struct mp_mailbox *mp_mailbox_get(struct mp_ns *n, int id)
{
	struct mp_mailbox *mb;

	rcu_read_lock();
	mb = mp_mailbox_lookup(n, id);
	if (mb && !kref_get_unless_zero(&mb->ref))
		mb = NULL;
	rcu_read_unlock();
	return mb;
}

/* Is the caller, running the program it was granted in, granted? */
static bool mp_mailbox_is_granted(struct mp_mailbox *mb)
{
	struct pid *me = task_tgid(current);
	u64 exec_id = READ_ONCE(current->self_exec_id);
	struct mp_grant *g;

	list_for_each_entry(g, &mb->grants, node) {
		if (g->pid == me && g->exec_id == exec_id)
			return true;
	}
	return false;
}

/**
 * mp_mailbox_may_receive() - may the caller receive from @mb?
 * @mb: the mailbox
 *
 * Context: Process context; takes the queue lock.
 * Return: true if it may.
 */
bool mp_mailbox_may_receive(struct mp_mailbox *mb)
{
	bool ok;

	if (mb->mode_receive)
		return mp_perm_mbox(mb, 0444);
	if (mp_perm_is_owner(mb))
		return true;
	spin_lock(&mb->queue.lock);
	ok = mp_perm_is_owner(mb) || mp_mailbox_is_granted(mb);
	spin_unlock(&mb->queue.lock);
	/*
	 * No capability stands in for the right to receive: the model's
	 * owner receives, and whom it grants. (System V's mode bits, and
	 * CAP_IPC_OWNER over them, apply with MP_ATTR_MODE_RECEIVE.)
	 */
	return ok;
}

static struct mp_mailbox *mp_mailbox_find_name(struct mp_ns *n, const char *name)
{
	struct mp_name_entry *e;

	lockdep_assert_held(&mp_registry_lock);
	hash_for_each_possible(n->names, e, node, full_name_hash(NULL, name, strlen(name))) {
		if (!strcmp(e->mb->name, name))
			return e->mb;
	}
	return NULL;
}

static int mp_attr_check(const struct mp_attr *attr)
{
	if (attr->flags & ~MP_ATTR_ALL)
		return -EINVAL;
	if (!mp_zero_words(attr->__reserved, ARRAY_SIZE(attr->__reserved)))
		return -EINVAL;
	if (attr->kind > MP_KIND_BROADCAST || attr->lifetime > MP_LIFETIME_PROCESS)
		return -EINVAL;
	if ((attr->flags & MP_ATTR_LOSSY) && attr->kind != MP_KIND_BROADCAST)
		return -EINVAL;
	return 0;
}

/* Capacity limits shared by creation and MP_CTL_SET_ATTR. */
static int mp_attr_limits(const struct mp_attr *attr)
{
	if ((attr->flags & MP_ATTR_MSG_MAX) &&
	    attr->msg_max > READ_ONCE(mp_max_msg_size))
		return -EINVAL;
	if ((attr->flags & MP_ATTR_MAX_BYTES) &&
	    attr->max_bytes > READ_ONCE(mp_msgmnb) && !capable(CAP_SYS_RESOURCE))
		return -EPERM;
	return 0;
}

static void mp_mailbox_set_limits(struct mp_mailbox *mb, const struct mp_attr *attr)
{
	struct mp_queue *q = &mb->queue;

	if (attr->flags & MP_ATTR_CAPACITY)
		q->capacity = attr->capacity;
	if (attr->flags & MP_ATTR_MAX_BYTES)
		q->max_bytes = attr->max_bytes;
	if (attr->flags & MP_ATTR_MSG_MAX)
		q->msg_max = attr->msg_max;
}

/*
 * Make a mailbox and publish it. A reserved xarray slot keeps lookups
 * from seeing it until it is whole.
 */
static int mp_mailbox_create(struct mp_endpoint *ep, struct mp_ns *n, int key,
			     const char *name, int msgflg, const struct mp_attr *attr)
{
	const struct cred *cred = current_cred();
	struct mp_name_entry *ne = NULL;
	struct mp_mailbox *mb;
	unsigned long seq;
	u32 idx;
	int err;

	lockdep_assert_held(&mp_registry_lock);
	if (n->nr_mailboxes >= READ_ONCE(mp_msgmni))
		return -ENOSPC;

	mb = kzalloc(sizeof(*mb), GFP_KERNEL_ACCOUNT);
	if (!mb)
		return -ENOMEM;
	if (name[0]) {
		ne = kmalloc(sizeof(*ne), GFP_KERNEL_ACCOUNT);
		if (!ne) {
			err = -ENOMEM;
			goto err_free;
		}
	}
	kref_init(&mb->ref);
	mp_queue_init(&mb->queue);
	INIT_LIST_HEAD(&mb->grants);
	INIT_LIST_HEAD(&mb->owner_node);
	mb->key = key;
	strscpy(mb->name, name, sizeof(mb->name));
	mb->uid = cred->euid;
	mb->cuid = cred->euid;
	mb->gid = cred->egid;
	mb->cgid = cred->egid;
	mb->mode = msgflg & 0777;
	mb->ctime = ktime_get_real_seconds();
	mb->owner = get_pid(task_tgid(current));
	mb->owner_exec = current->self_exec_id;
	mb->queue.capacity = MP_UNLIMITED;
	mb->queue.max_bytes = READ_ONCE(mp_msgmnb);
	mb->queue.msg_max = READ_ONCE(mp_msgmax);
	if (attr) {
		mb->kind = attr->kind;
		mb->lifetime = attr->lifetime;
		mb->mode_receive = attr->flags & MP_ATTR_MODE_RECEIVE;
		mb->queue.broadcast = attr->kind == MP_KIND_BROADCAST;
		mb->queue.lossy = attr->flags & MP_ATTR_LOSSY;
		mp_mailbox_set_limits(mb, attr);
	} else {
		mb->mode_receive = true;
		mb->sysv = true;
	}

	err = xa_alloc_cyclic(&n->mailboxes, &idx, NULL,
			      XA_LIMIT(0, MP_ID_INDEX), &n->next_index, GFP_KERNEL);
	if (err < 0) {
		err = err == -EBUSY ? -ENOSPC : err;
		goto err_free;
	}
	err = mp_table_reserve(n, idx);
	if (err)
		goto err_erase;
	seq = xa_to_value(xa_load(&n->slot_seq, idx) ?: xa_mk_value(0));
	seq = seq >= MP_ID_SEQ_MAX ? 0 : seq + 1;
	err = xa_err(xa_store(&n->slot_seq, idx, xa_mk_value(seq), GFP_KERNEL));
	if (err)
		goto err_erase;
	mb->id = (seq << MP_ID_SHIFT) | idx;
	mb->queue.id = mb->id;

	if (key != IPC_PRIVATE) {
		err = xa_err(xa_store(&n->keys, (u32)key, mb, GFP_KERNEL));
		if (err)
			goto err_erase;
	}
	if (ne) {
		ne->mb = mb;
		hash_add(n->names, &ne->node, full_name_hash(NULL, name, strlen(name)));
	}
	if (mb->lifetime == MP_LIFETIME_PROCESS) {
		WARN_ON_ONCE(ep->dead);
		mb->owner_ep = ep;
		list_add(&mb->owner_node, &ep->owned);
	}
	mb->ns = mp_ns_get(n);
	n->nr_mailboxes++;
	atomic_long_inc(&mp_counters.mailboxes);
	/* Publish: lookups find it from here on. */
	xa_store(&n->mailboxes, idx, mb, GFP_KERNEL);
	rcu_assign_pointer(rcu_dereference_protected(n->table, true)->slot[idx], mb);
	mp_nl_event(MSGPASS_EVENT_MBOX_CREATED, mb->id, mb->owner,
		    name[0] ? name : NULL, 0);
	return mb->id;

err_erase:
	xa_erase(&n->mailboxes, idx);
err_free:
	kfree(ne);
	put_pid(mb->owner);
	kfree(mb);
	return err;
}

static void mp_mailbox_unsubscribe(struct mp_sub *sub)
{
	lockdep_assert_held(&mp_registry_lock);
	mp_queue_sub_del(sub->queue, sub);
	list_del(&sub->ep_node);
	kfree(sub);
}

/*
 * Remove a mailbox: unpublish it, fail its callers with EIDRM, tell its
 * watchers why, free it.
 */
static void mp_mailbox_remove(struct mp_mailbox *mb, u32 reason)
{
	struct mp_queue *q = &mb->queue;
	struct mp_grant *g, *gtmp;
	struct mp_sub *sub, *stmp;

	lockdep_assert_held(&mp_registry_lock);
	xa_erase(&mb->ns->mailboxes, mb->id & MP_ID_INDEX);
	RCU_INIT_POINTER(rcu_dereference_protected(mb->ns->table, true)->slot[mb->id & MP_ID_INDEX],
			 NULL);
	if (mb->key != IPC_PRIVATE)
		xa_erase(&mb->ns->keys, (u32)mb->key);
	if (mb->name[0]) {
		struct mp_name_entry *e;
		struct hlist_node *tmp;

		hash_for_each_possible_safe(mb->ns->names, e, tmp, node,
					    full_name_hash(NULL, mb->name, strlen(mb->name))) {
			if (e->mb == mb) {
				hash_del(&e->node);
				kfree(e);
				break;
			}
		}
	}
	if (mb->owner_ep) {
		list_del_init(&mb->owner_node);
		mb->owner_ep = NULL;
	}
	mp_queue_kill(q);
	list_for_each_entry_safe(sub, stmp, &q->subs, node) {
		spin_lock(&q->lock);
		list_del(&sub->node);
		q->nr_subs--;
		spin_unlock(&q->lock);
		list_del(&sub->ep_node);
		kfree(sub);
	}
	list_for_each_entry_safe(g, gtmp, &mb->grants, node) {
		list_del(&g->node);
		put_pid(g->pid);
		kfree(g);
	}
	mb->ns->nr_mailboxes--;
	atomic_long_dec(&mp_counters.mailboxes);
	if (reason) {
		mp_nl_event(MSGPASS_EVENT_MBOX_REMOVED, mb->id, NULL, NULL, reason);
		mp_watch_fire_mailbox(mb->ns, mb->id, reason);
	}
	mp_mailbox_put(mb);
}

/**
 * mp_mailbox_next() - walk a namespace's mailboxes in index order
 * @n: the namespace
 * @idx: in: the first index to look at; out: the index found
 *
 * Context: Process context; takes no lock.
 * Return: the next mailbox with a reference, or NULL at the end.
 */
struct mp_mailbox *mp_mailbox_next(struct mp_ns *n, unsigned long *idx)
{
	struct mp_mailbox *mb;

	rcu_read_lock();
	for (;;) {
		mb = xa_find(&n->mailboxes, idx, MP_ID_INDEX, XA_PRESENT);
		if (!mb || kref_get_unless_zero(&mb->ref))
			break;
		(*idx)++;
	}
	rcu_read_unlock();
	return mb;
}

/**
 * mp_mailbox_get_by_name() - look a mailbox up by name
 * @n: the namespace
 * @name: the name
 *
 * Context: Process context; takes mp_registry_lock.
 * Return: the mailbox with a reference, or NULL.
 */
struct mp_mailbox *mp_mailbox_get_by_name(struct mp_ns *n, const char *name)
{
	struct mp_mailbox *mb;

	mutex_lock(&mp_registry_lock);
	mb = mp_mailbox_find_name(n, name);
	if (mb)
		kref_get(&mb->ref);
	mutex_unlock(&mp_registry_lock);
	return mb;
}

/**
 * mp_mailboxes_owned_by() - how many mailboxes a process owns
 * @ep: the process
 *
 * Context: Process context; takes mp_registry_lock.
 * Return: the count, in its namespace.
 */
unsigned int mp_mailboxes_owned_by(struct mp_endpoint *ep)
{
	struct mp_mailbox *mb;
	unsigned int n = 0;
	unsigned long idx;

	mutex_lock(&mp_registry_lock);
	xa_for_each(&ep->ns->mailboxes, idx, mb)
		n += mb->owner == ep->pid;
	mutex_unlock(&mp_registry_lock);
	return n;
}

/**
 * mp_mailbox_alive() - is there a mailbox with this ID?
 * @n: the namespace
 * @id: the ID
 *
 * Context: Caller holds mp_registry_lock (so the answer stands).
 * Return: true if there is.
 */
bool mp_mailbox_alive(struct mp_ns *n, int id)
{
	struct mp_mailbox *mb;

	lockdep_assert_held(&mp_registry_lock);
	mb = mp_mailbox_lookup(n, id);
	return mb && !mb->queue.dead;
}

/**
 * mp_endpoint_drop_mailboxes() - an endpoint is going: its process-owned
 * mailboxes and its subscriptions go with it
 * @ep: the endpoint, with no references left
 *
 * Context: Process context; takes mp_registry_lock.
 */
void mp_endpoint_drop_mailboxes(struct mp_endpoint *ep)
{
	struct mp_mailbox *mb, *tmp;
	struct mp_sub *sub, *stmp;

	mutex_lock(&mp_registry_lock);
	WARN_ON_ONCE(!ep->dead);
	list_for_each_entry_safe(mb, tmp, &ep->owned, owner_node)
		mp_mailbox_remove(mb, MP_GONE_OWNER_EXIT);
	list_for_each_entry_safe(sub, stmp, &ep->subs, ep_node)
		mp_mailbox_unsubscribe(sub);
	mutex_unlock(&mp_registry_lock);
}

/**
 * mp_mailboxes_drop_ns() - a namespace is gone: its mailboxes go with it
 * @n: the namespace, no longer used by any task
 *
 * Context: Caller holds mp_registry_lock.
 */
void mp_mailboxes_drop_ns(struct mp_ns *n)
{
	struct mp_mailbox *mb;
	unsigned long idx;

	lockdep_assert_held(&mp_registry_lock);
	xa_for_each(&n->mailboxes, idx, mb)
		mp_mailbox_remove(mb, MP_GONE_REMOVED);
}

static void mp_mailboxes_unload_ns(struct mp_ns *n)
{
	struct mp_mailbox *mb;
	unsigned long idx;

	xa_for_each(&n->mailboxes, idx, mb)
		mp_mailbox_remove(mb, 0);
}

/**
 * mp_mailbox_exit() - remove every mailbox (module unload)
 *
 * Context: Module exit; no file is open.
 */
void mp_mailbox_exit(void)
{
	mutex_lock(&mp_registry_lock);
	mp_ns_for_each(mp_mailboxes_unload_ns);
	mutex_unlock(&mp_registry_lock);
	rcu_barrier();
}

long mp_ioctl_msgget(struct mp_endpoint *ep, void __user *uarg, size_t usize)
{
	char name[MP_NAME_MAX + 1] = "";
	struct mp_msgget_args a;
	struct mp_attr attr;
	struct mp_mailbox *mb;
	struct mp_ns *n;
	long ret;

	ret = mp_args_from_user(&a, sizeof(a), uarg, usize);
	if (ret)
		return ret;
	if (a.__reserved)
		return -EINVAL;
	if (a.name) {
		ret = strncpy_from_user(name, u64_to_user_ptr(a.name), sizeof(name));
		if (ret < 0)
			return ret;
		if (ret == 0 || a.key != IPC_PRIVATE)
			return -EINVAL;
		if (ret == sizeof(name))
			return -ENAMETOOLONG;
	}
	if (a.attr) {
		if (a.attr_size < sizeof(attr) || a.attr_size > MP_STRUCT_MAX)
			return -EINVAL;
		ret = copy_struct_from_user(&attr, sizeof(attr),
					    u64_to_user_ptr(a.attr), a.attr_size);
		if (ret)
			return ret;
		ret = mp_attr_check(&attr);
		if (ret)
			return ret;
	} else if (a.attr_size) {
		return -EINVAL;
	}

	/* The namespace the caller opened the device in: see msgpass(7). */
	n = ep->ns;
	mutex_lock(&mp_registry_lock);
	if (name[0])
		mb = mp_mailbox_find_name(n, name);
	else if (a.key != IPC_PRIVATE)
		mb = xa_load(&n->keys, (u32)a.key);
	else
		mb = NULL;

	if (mb) {
		if ((a.msgflg & IPC_CREAT) && (a.msgflg & IPC_EXCL))
			ret = -EEXIST;
		else if (!mp_perm_mbox(mb, a.msgflg))
			ret = -EACCES;
		else
			ret = mb->id;
	} else if (!(a.msgflg & IPC_CREAT) && (name[0] || a.key != IPC_PRIVATE)) {
		ret = -ENOENT;
	} else {
		ret = a.attr ? mp_attr_limits(&attr) : 0;
		if (!ret)
			ret = mp_mailbox_create(ep, n, a.key, name, a.msgflg,
						a.attr ? &attr : NULL);
	}
	mutex_unlock(&mp_registry_lock);
	return ret;
}

long mp_ioctl_msgsnd(struct mp_endpoint *ep, void __user *uarg, size_t usize)
{
	struct mp_msgsnd_args a;
	struct mp_mailbox *mb;
	ktime_t deadline_buf;
	struct mp_msg *msg;
	long mtype;
	long ret;

	ret = mp_send_args_from_user(&a, uarg, usize, &mtype);
	if (ret)
		return ret;
	if (a.flags & MP_SEND_PIDFD)
		return -EINVAL;
	/*
	 * The message is made first, as System V's msgsnd() does (making it
	 * may sleep); the mailbox is then found under RCU and the usual
	 * send made there, with no reference; a send that must wait takes
	 * one and goes the long way. Past the body, System V's order: the
	 * size, the ID, then the permission.
	 */
	msg = mp_msg_build(ep, &a, mtype, READ_ONCE(mp_max_msg_size));
	if (IS_ERR(msg))
		return PTR_ERR(msg);
	rcu_read_lock();
	mb = mp_mailbox_lookup(ep->ns, a.id);
	ret = -EINVAL;
	if (!mb || a.msgsz > READ_ONCE(mb->queue.msg_max))
		goto fail;
	ret = mp_perm_mbox_send(mb, a.priority);
	if (ret)
		goto fail;
	if (!(a.flags & MP_SEND_SYNC) && mp_queue_try_send(&mb->queue, msg)) {
		rcu_read_unlock();
		return 0;
	}
	ret = -EIDRM;
	if (!kref_get_unless_zero(&mb->ref))
		goto fail;
	rcu_read_unlock();
	ret = mp_queue_send(&mb->queue, msg, a.msgflg & IPC_NOWAIT,
			    a.flags & MP_SEND_SYNC,
			    mp_deadline(&deadline_buf, a.flags & MP_SEND_TIMEOUT,
					a.timeout_ns));
	mp_mailbox_put(mb);
	return ret;

fail:
	rcu_read_unlock();
	mp_msg_put(msg);
	return ret;
}

/* Put a message back into mailbox @id, if it is still there. */
static void mp_mailbox_put_back(struct mp_ns *n, int id, struct mp_msg *msg, u64 overrun)
{
	struct mp_mailbox *mb = mp_mailbox_get(n, id);

	if (mb) {
		mp_queue_put_back(&mb->queue, msg, overrun);
		mp_mailbox_put(mb);
		return;
	}
	/* Gone with its mailbox: a call's caller learns it (EIDRM). */
	if (msg->call)
		mp_call_msg_freed(msg);
	mp_msg_put(msg);
}

/**
 * mp_mailbox_receive() - receive from a mailbox
 * @ep: the caller's endpoint
 * @a: checked receive arguments
 * @sel: the selection they describe (its rights fields are set here)
 *
 * Context: Process context; may sleep.
 * Return: body bytes copied, or a negative errno.
 */
long mp_mailbox_receive(struct mp_endpoint *ep, const struct mp_msgrcv_args *a,
			struct mp_select *sel)
{
	struct mp_msg *msg, *back;
	struct mp_mailbox *mb;
	u64 overrun = 0;
	long ret;

	/*
	 * Found under RCU and tried there with no reference; a receive
	 * that must wait (or a broadcast one, which settles with its queue
	 * once it delivered) takes one and goes the long way.
	 */
	rcu_read_lock();
	mb = mp_mailbox_lookup(ep->ns, a->id);
	ret = -EINVAL;
	if (!mb || (a->flags & MP_RECV_PIDFD))
		goto unlock;
	if (mb->queue.broadcast &&
	    (a->msgtyp || (a->flags & MP_RECV_MIN_PRIO) || (a->msgflg & MSG_COPY)))
		goto unlock;
	/*
	 * The model's right to receive (owner, grants) can be taken away
	 * while the caller sleeps: it is checked again whenever that
	 * happens (the generation is read before the check).
	 */
	sel->rights = !mb->mode_receive;
	sel->rights_gen = READ_ONCE(mb->queue.rights_gen);
	/* Pairs with the queue lock that changes owner or grants, then the generation. */
	smp_rmb();
	ret = -EACCES;
	if (!mp_mailbox_may_receive(mb))
		goto unlock;
	if (!mb->queue.broadcast && !sel->peek && !sel->discard) {
		/* Nothing there for one that does not wait: ENOMSG, no lock. */
		ret = -ENOMSG;
		if (sel->nowait && !READ_ONCE(mb->queue.qnum) && !READ_ONCE(mb->queue.dead))
			goto unlock;
		msg = mp_queue_try_receive(&mb->queue, sel);
		if (msg) {
			rcu_read_unlock();
			if (IS_ERR(msg))
				return PTR_ERR(msg);
			/* Copied out without RCU (faults may sleep). */
			if (likely(mp_msg_plain(a, msg, sel)))
				ret = mp_msg_deliver_plain(a, msg, &back);
			else
				ret = mp_msg_deliver(a, msg, sel, 0, ep, a->id, &back);
			if (back)
				mp_mailbox_put_back(ep->ns, a->id, back, 0);
			return ret;
		}
	}
	ret = -EINVAL;
	if (!kref_get_unless_zero(&mb->ref))
		goto unlock;
	rcu_read_unlock();

	for (;;) {
		msg = mp_queue_receive(&mb->queue, sel, &overrun);
		if (msg != ERR_PTR(-ESTALE))
			break;
		/* A right taken away meanwhile: checked again. */
		sel->rights_gen = READ_ONCE(mb->queue.rights_gen);
		/* As above: the generation, then the right it stands for. */
		smp_rmb();
		if (!mp_mailbox_may_receive(mb)) {
			msg = ERR_PTR(-EACCES);
			break;
		}
	}
	if (IS_ERR(msg)) {
		ret = PTR_ERR(msg);
	} else {
		if (likely(mp_msg_plain(a, msg, sel)))
			ret = mp_msg_deliver_plain(a, msg, &back);
		else
			ret = mp_msg_deliver(a, msg, sel, overrun, ep, a->id, &back);
		mp_queue_settle(&mb->queue, back, overrun, sel->peek);
	}
	mp_mailbox_put(mb);
	return ret;

unlock:
	rcu_read_unlock();
	return ret;
}

long mp_ioctl_msgrcv(struct mp_endpoint *ep, void __user *uarg, size_t usize)
{
	struct mp_msgrcv_args a;
	ktime_t deadline_buf;
	struct mp_select sel;
	long ret;

	ret = mp_recv_args_from_user(&a, uarg, usize, &sel, &deadline_buf);
	if (ret)
		return ret;
	return mp_mailbox_receive(ep, &a, &sel);
}

static void mp_fill_msqid(struct mp_mailbox *mb, struct msqid64_ds *ds)
{
	struct user_namespace *ns = current_user_ns();
	struct mp_queue *q = &mb->queue;

	memset(ds, 0, sizeof(*ds));
	spin_lock(&q->lock);
	ds->msg_perm.key = mb->key;
	ds->msg_perm.uid = from_kuid_munged(ns, mb->uid);
	ds->msg_perm.gid = from_kgid_munged(ns, mb->gid);
	ds->msg_perm.cuid = from_kuid_munged(ns, mb->cuid);
	ds->msg_perm.cgid = from_kgid_munged(ns, mb->cgid);
	ds->msg_perm.mode = mb->mode;
	ds->msg_perm.seq = mb->id >> MP_ID_SHIFT;
	ds->msg_stime = q->stime;
	ds->msg_rtime = q->rtime;
	ds->msg_ctime = mb->ctime;
	ds->msg_cbytes = q->qbytes;
	ds->msg_qnum = q->qnum;
	ds->msg_qbytes = q->max_bytes;
	ds->msg_lspid = pid_vnr(q->lspid);
	ds->msg_lrpid = pid_vnr(q->lrpid);
	spin_unlock(&q->lock);
}

static int mp_ctl_info_sysv(struct mp_ns *n, int cmd, void __user *buf)
{
	struct msginfo info = {
		.msgmax = min_t(unsigned int, READ_ONCE(mp_msgmax), INT_MAX),
		.msgmnb = min_t(unsigned int, READ_ONCE(mp_msgmnb), INT_MAX),
		.msgmni = min_t(unsigned int, READ_ONCE(mp_msgmni), INT_MAX),
		.msgssz = PAGE_SIZE,
		.msgseg = USHRT_MAX,
	};
	unsigned long idx = 0, max_idx = 0;
	u64 qnum = 0, qbytes = 0;
	struct mp_mailbox *mb;

	/* As System V's: this namespace's mailboxes, messages and bytes. */
	mutex_lock(&mp_registry_lock);
	xa_for_each(&n->mailboxes, idx, mb) {
		max_idx = idx;
		if (cmd != MSG_INFO)
			continue;
		spin_lock(&mb->queue.lock);
		qnum += mb->queue.qnum;
		qbytes += mb->queue.qbytes;
		spin_unlock(&mb->queue.lock);
	}
	if (cmd == MSG_INFO) {
		info.msgpool = n->nr_mailboxes;
		info.msgmap = min_t(u64, qnum, INT_MAX);
		info.msgtql = min_t(u64, qbytes, INT_MAX);
	} else {
		info.msgpool = info.msgmni;
		info.msgmap = info.msgmni;
		info.msgtql = info.msgmni;
	}
	mutex_unlock(&mp_registry_lock);

	if (copy_to_user(buf, &info, sizeof(info)))
		return -EFAULT;
	return max_idx;
}

/**
 * mp_mailbox_fill_info() - all about a mailbox, as the caller sees it
 * @mb: the mailbox
 * @info: filled in (pids and ids in the caller's namespaces)
 *
 * Context: Process context; takes the queue lock.
 */
void mp_mailbox_fill_info(struct mp_mailbox *mb, struct mp_mbox_info *info)
{
	struct user_namespace *ns = current_user_ns();
	struct mp_queue *q = &mb->queue;

	memset(info, 0, sizeof(*info));
	info->id = mb->id;
	info->key = mb->key;
	info->kind = mb->kind;
	info->lifetime = mb->lifetime;
	strscpy(info->name, mb->name, sizeof(info->name));
	spin_lock(&q->lock);
	info->flags = (mb->mode_receive ? MP_ATTR_MODE_RECEIVE : 0) |
		      (q->lossy ? MP_ATTR_LOSSY : 0);
	/* The owner's pid while it lives; 0 once it is gone. */
	info->owner_pid = pid_has_task(mb->owner, PIDTYPE_TGID) ? pid_vnr(mb->owner) : 0;
	info->uid = from_kuid_munged(ns, mb->uid);
	info->gid = from_kgid_munged(ns, mb->gid);
	info->cuid = from_kuid_munged(ns, mb->cuid);
	info->cgid = from_kgid_munged(ns, mb->cgid);
	info->mode = mb->mode;
	info->capacity = q->capacity;
	info->max_bytes = q->max_bytes;
	info->msg_max = q->msg_max;
	info->qnum = q->qnum;
	info->qbytes = q->qbytes;
	info->sent = q->sent;
	info->received = q->received;
	info->overruns = q->overruns;
	info->subscribers = q->nr_subs;
	info->waiting_senders = q->nr_senders;
	info->waiting_receivers = q->nr_receivers;
	info->lspid = pid_vnr(q->lspid);
	info->lrpid = pid_vnr(q->lrpid);
	info->stime = q->stime;
	info->rtime = q->rtime;
	info->ctime = mb->ctime;
	spin_unlock(&q->lock);
}

static int mp_ctl_info(struct mp_mailbox *mb, const struct mp_msgctl_args *a)
{
	struct mp_mbox_info *info;
	int ret;

	if (!a->buf || a->buf_size < offsetof(struct mp_mbox_info, lspid) ||
	    a->buf_size > MP_STRUCT_MAX)
		return -EINVAL;
	if (!mp_perm_mbox(mb, 0444))
		return -EACCES;
	info = kzalloc(sizeof(*info), GFP_KERNEL);
	if (!info)
		return -ENOMEM;
	mp_mailbox_fill_info(mb, info);
	ret = mp_copy_struct_to_user(u64_to_user_ptr(a->buf), a->buf_size,
				     info, sizeof(*info));
	kfree(info);
	return ret;
}

static int mp_ctl_set(struct mp_mailbox *mb, const struct msqid64_ds *ds)
{
	struct user_namespace *ns = current_user_ns();
	kuid_t uid = make_kuid(ns, ds->msg_perm.uid);
	kgid_t gid = make_kgid(ns, ds->msg_perm.gid);
	struct mp_queue *q = &mb->queue;

	if (!mp_perm_mbox_change(mb))
		return -EPERM;
	if (ds->msg_qbytes > READ_ONCE(mp_msgmnb) && !capable(CAP_SYS_RESOURCE))
		return -EPERM;
	if (!uid_valid(uid) || !gid_valid(gid))
		return -EINVAL;

	spin_lock(&q->lock);
	mb->uid = uid;
	mb->gid = gid;
	mb->mode = (mb->mode & ~0777) | (ds->msg_perm.mode & 0777);
	mb->ctime = ktime_get_real_seconds();
	q->max_bytes = ds->msg_qbytes;
	spin_unlock(&q->lock);
	mp_queue_room_changed(q);
	return 0;
}

static int mp_ctl_set_attr(struct mp_mailbox *mb, const struct mp_msgctl_args *a)
{
	struct mp_queue *q = &mb->queue;
	struct mp_attr attr;
	int ret;

	if (!a->buf || a->buf_size < sizeof(attr) || a->buf_size > MP_STRUCT_MAX)
		return -EINVAL;
	ret = copy_struct_from_user(&attr, sizeof(attr), u64_to_user_ptr(a->buf),
				    a->buf_size);
	if (ret)
		return ret;
	if ((attr.flags & ~(MP_ATTR_CAPACITY | MP_ATTR_MAX_BYTES | MP_ATTR_MSG_MAX)) ||
	    !mp_zero_words(attr.__reserved, ARRAY_SIZE(attr.__reserved)))
		return -EINVAL;
	if (!mp_perm_mbox_change(mb))
		return -EPERM;
	ret = mp_attr_limits(&attr);
	if (ret)
		return ret;

	spin_lock(&q->lock);
	mp_mailbox_set_limits(mb, &attr);
	mb->ctime = ktime_get_real_seconds();
	spin_unlock(&q->lock);
	mp_queue_room_changed(q);
	return 0;
}

static int mp_ctl_set_owner(struct mp_mailbox *mb, u64 arg, bool pidfd)
{
	const struct cred *cred;
	struct mp_endpoint *to;
	struct task_struct *task;
	kuid_t euid = INVALID_UID;
	kgid_t egid = INVALID_GID;
	int ret = 0;

	if ((!arg && !pidfd) || arg > INT_MAX)
		return -EINVAL;
	if (!mp_perm_mbox_change(mb))
		return -EPERM;
	to = mp_endpoint_get_arg(mb->ns, arg, pidfd);
	if (IS_ERR(to))
		return PTR_ERR(to);

	rcu_read_lock();
	task = pid_task(to->pid, PIDTYPE_TGID);
	if (task) {
		cred = __task_cred(task);
		euid = cred->euid;
		egid = cred->egid;
	}
	rcu_read_unlock();
	if (!task) {
		ret = -ESRCH;
		goto out;
	}

	mutex_lock(&mp_registry_lock);
	if (mb->queue.dead) {
		ret = -EIDRM;
	} else if (to->dead) {
		/* Its teardown has begun: it can own nothing any more. */
		ret = -ESRCH;
	} else {
		if (mb->owner_ep) {
			list_move(&mb->owner_node, &to->owned);
			mb->owner_ep = to;
		}
		spin_lock(&mb->queue.lock);
		put_pid(mb->owner);
		mb->owner = get_pid(to->pid);
		mb->owner_exec = to->exec_id;
		mb->uid = euid;
		mb->gid = egid;
		mb->ctime = ktime_get_real_seconds();
		spin_unlock(&mb->queue.lock);
		/* The old owner's receives asleep lose their right. */
		mp_queue_rights_changed(&mb->queue);
		mp_nl_event(MSGPASS_EVENT_MBOX_OWNER, mb->id, to->pid, NULL, 0);
	}
	mutex_unlock(&mp_registry_lock);
out:
	mp_endpoint_put(to);
	return ret;
}

/* Grants of processes that are gone go: they can never receive. */
static void mp_mailbox_prune_grants(struct mp_mailbox *mb)
{
	struct mp_grant *g, *tmp;

	lockdep_assert_held(&mp_registry_lock);
	list_for_each_entry_safe(g, tmp, &mb->grants, node) {
		bool gone;

		rcu_read_lock();
		gone = !pid_task(g->pid, PIDTYPE_TGID);
		rcu_read_unlock();
		if (!gone)
			continue;
		spin_lock(&mb->queue.lock);
		list_del(&g->node);
		mb->nr_grants--;
		spin_unlock(&mb->queue.lock);
		put_pid(g->pid);
		kfree(g);
	}
}

/* Revoke by pid number (the process may be gone already) or by pidfd. */
static int mp_ctl_revoke(struct mp_mailbox *mb, pid_t nr, struct pid *pid)
{
	struct mp_grant *g, *found = NULL;

	mutex_lock(&mp_registry_lock);
	list_for_each_entry(g, &mb->grants, node) {
		if (pid ? g->pid == pid : pid_vnr(g->pid) == nr) {
			found = g;
			break;
		}
	}
	if (found) {
		spin_lock(&mb->queue.lock);
		list_del(&found->node);
		mb->nr_grants--;
		spin_unlock(&mb->queue.lock);
		mp_queue_rights_changed(&mb->queue);
	}
	mutex_unlock(&mp_registry_lock);
	if (!found)
		return mb->queue.dead ? -EIDRM : -ENOENT;
	put_pid(found->pid);
	kfree(found);
	return 0;
}

static int mp_ctl_grant(struct mp_mailbox *mb, u64 arg, bool grant, bool pidfd)
{
	struct mp_grant *g, *new;
	struct task_struct *task;
	bool granted = false;
	struct pid *pid;
	int ret = 0;

	if ((!arg && !pidfd) || arg > INT_MAX)
		return -EINVAL;
	if (mb->mode_receive)
		return -EINVAL;
	if (!mp_perm_mbox_grant(mb))
		return -EPERM;
	if (!grant && !pidfd)
		return mp_ctl_revoke(mb, arg, NULL);
	pid = mp_pid_get(arg, pidfd);
	if (IS_ERR(pid))
		return PTR_ERR(pid);
	/* Only a process that exists can be granted (a pidfd may outlive it). */
	if (grant && !pid_has_task(pid, PIDTYPE_TGID)) {
		put_pid(pid);
		return -ESRCH;
	}
	if (!grant) {
		ret = mp_ctl_revoke(mb, 0, pid);
		put_pid(pid);
		return ret;
	}

	new = kmalloc(sizeof(*new), GFP_KERNEL_ACCOUNT);
	if (!new) {
		put_pid(pid);
		return -ENOMEM;
	}
	new->pid = pid;
	/* The program it runs now: one it executes later is granted nothing. */
	rcu_read_lock();
	task = pid_task(pid, PIDTYPE_TGID);
	new->exec_id = task ? READ_ONCE(task->self_exec_id) : 0;
	rcu_read_unlock();

	mutex_lock(&mp_registry_lock);
	mp_mailbox_prune_grants(mb);
	spin_lock(&mb->queue.lock);
	list_for_each_entry(g, &mb->grants, node) {
		if (g->pid == new->pid) {
			/* Granted again: to the program it runs now. */
			g->exec_id = new->exec_id;
			granted = true;
		}
	}
	spin_unlock(&mb->queue.lock);
	if (mb->queue.dead) {
		ret = -EIDRM;
	} else if (!granted) {
		if (mb->nr_grants >= MP_GRANTS_MAX) {
			ret = -ENOSPC;
		} else {
			spin_lock(&mb->queue.lock);
			list_add_tail(&new->node, &mb->grants);
			mb->nr_grants++;
			spin_unlock(&mb->queue.lock);
			new = NULL;
		}
	}
	mutex_unlock(&mp_registry_lock);
	if (new) {
		put_pid(new->pid);
		kfree(new);
	}
	return ret;
}

static struct mp_sub *mp_endpoint_find_sub(struct mp_endpoint *ep, struct mp_mailbox *mb)
{
	struct mp_sub *sub;

	lockdep_assert_held(&mp_registry_lock);
	list_for_each_entry(sub, &ep->subs, ep_node) {
		if (sub->mb == mb)
			return sub;
	}
	return NULL;
}

static int mp_ctl_subscribe(struct mp_endpoint *ep, struct mp_mailbox *mb, bool on)
{
	struct mp_sub *sub, *new = NULL;
	int ret = 0;

	if (!mb->queue.broadcast)
		return -EINVAL;
	if (on) {
		if (!mp_mailbox_may_receive(mb))
			return -EACCES;
		new = kzalloc(sizeof(*new), GFP_KERNEL_ACCOUNT);
		if (!new)
			return -ENOMEM;
	}

	mutex_lock(&mp_registry_lock);
	sub = mp_endpoint_find_sub(ep, mb);
	if (mb->queue.dead) {
		ret = -EIDRM;
	} else if (on) {
		if (sub) {
			ret = -EALREADY;
		} else {
			new->ep = ep;
			new->mb = mb;
			new->queue = &mb->queue;
			list_add(&new->ep_node, &ep->subs);
			mp_queue_sub_add(&mb->queue, new);
			new = NULL;
		}
	} else if (sub) {
		mp_mailbox_unsubscribe(sub);
	} else {
		ret = -ENOTCONN;
	}
	mutex_unlock(&mp_registry_lock);
	kfree(new);
	return ret;
}

/**
 * mp_mailbox_remove_checked() - remove a mailbox if the caller may
 * @mb: the mailbox
 * @ipc_owner: CAP_IPC_OWNER is enough too (introspection's rule)
 *
 * Context: Process context; takes mp_registry_lock.
 * Return: 0, -EPERM, or -EIDRM if it is gone already.
 */
int mp_mailbox_remove_checked(struct mp_mailbox *mb, bool ipc_owner)
{
	int ret = 0;

	mutex_lock(&mp_registry_lock);
	if (!mp_perm_mbox_change(mb) && !(ipc_owner && mp_ns_capable(mb->ns, CAP_IPC_OWNER)))
		ret = -EPERM;
	else if (mb->queue.dead)
		ret = -EIDRM;
	else
		mp_mailbox_remove(mb, MP_GONE_REMOVED);
	mutex_unlock(&mp_registry_lock);
	return ret;
}

long mp_ioctl_msgctl(struct mp_endpoint *ep, void __user *uarg, size_t usize)
{
	struct mp_msgctl_args a;
	void __user *buf;
	struct msqid64_ds ds;
	struct mp_mailbox *mb;
	bool pidfd;
	long ret;

	ret = mp_args_from_user(&a, sizeof(a), uarg, usize);
	if (ret)
		return ret;
	if (a.__pad || !mp_zero_words(a.__reserved, ARRAY_SIZE(a.__reserved)))
		return -EINVAL;
	buf = u64_to_user_ptr(a.buf);

	if ((a.cmd & MP_CTL_PIDFD) && (a.cmd & ~MP_CTL_PIDFD) != MP_CTL_SET_OWNER &&
	    (a.cmd & ~MP_CTL_PIDFD) != MP_CTL_GRANT && (a.cmd & ~MP_CTL_PIDFD) != MP_CTL_REVOKE)
		return -EINVAL;
	pidfd = a.cmd & MP_CTL_PIDFD;
	a.cmd &= ~MP_CTL_PIDFD;

	switch (a.cmd) {
	case IPC_INFO:
	case MSG_INFO:
		return mp_ctl_info_sysv(ep->ns, a.cmd, buf);
	case MSG_STAT:
	case MSG_STAT_ANY:
		/* As Linux: an ID or an index, taken as its index. */
		if (a.id < 0)
			return -EINVAL;
		rcu_read_lock();
		mb = xa_load(&ep->ns->mailboxes, a.id & MP_ID_INDEX);
		if (mb && !kref_get_unless_zero(&mb->ref))
			mb = NULL;
		rcu_read_unlock();
		if (!mb)
			return -EINVAL;
		if (a.cmd == MSG_STAT && !mp_perm_mbox(mb, 0444)) {
			ret = -EACCES;
		} else {
			mp_fill_msqid(mb, &ds);
			ret = copy_to_user(buf, &ds, sizeof(ds)) ? -EFAULT : mb->id;
		}
		mp_mailbox_put(mb);
		return ret;
	case IPC_SET:
		if (copy_from_user(&ds, buf, sizeof(ds)))
			return -EFAULT;
		break;
	case IPC_STAT:
	case IPC_RMID:
	case MP_CTL_INFO:
	case MP_CTL_SET_OWNER:
	case MP_CTL_GRANT:
	case MP_CTL_REVOKE:
	case MP_CTL_SUBSCRIBE:
	case MP_CTL_UNSUBSCRIBE:
	case MP_CTL_SET_ATTR:
		break;
	default:
		return -EINVAL;
	}

	mb = mp_mailbox_get(ep->ns, a.id);
	if (!mb)
		return -EINVAL;
	switch (a.cmd) {
	case IPC_STAT:
		if (!mp_perm_mbox(mb, 0444)) {
			ret = -EACCES;
			break;
		}
		mp_fill_msqid(mb, &ds);
		ret = copy_to_user(buf, &ds, sizeof(ds)) ? -EFAULT : 0;
		break;
	case IPC_SET:
		mutex_lock(&mp_registry_lock);
		ret = mb->queue.dead ? -EIDRM : mp_ctl_set(mb, &ds);
		mutex_unlock(&mp_registry_lock);
		break;
	case IPC_RMID:
		ret = mp_mailbox_remove_checked(mb, false);
		break;
	case MP_CTL_INFO:
		ret = mp_ctl_info(mb, &a);
		break;
	case MP_CTL_SET_OWNER:
		ret = mp_ctl_set_owner(mb, a.arg, pidfd);
		break;
	case MP_CTL_GRANT:
	case MP_CTL_REVOKE:
		ret = mp_ctl_grant(mb, a.arg, a.cmd == MP_CTL_GRANT, pidfd);
		break;
	case MP_CTL_SUBSCRIBE:
	case MP_CTL_UNSUBSCRIBE:
		ret = mp_ctl_subscribe(ep, mb, a.cmd == MP_CTL_SUBSCRIBE);
		break;
	case MP_CTL_SET_ATTR:
		mutex_lock(&mp_registry_lock);
		ret = mb->queue.dead ? -EIDRM : mp_ctl_set_attr(mb, &a);
		mutex_unlock(&mp_registry_lock);
		break;
	}
	mp_mailbox_put(mb);
	return ret;
}

/* A pollable descriptor for one mailbox, as seen by one process. */
struct mp_mbox_file {
	struct mp_mailbox *mb;
	struct pid *pid;
};

static __poll_t mp_mbox_file_poll(struct file *file, poll_table *pt)
{
	struct mp_mbox_file *mf = file->private_data;
	__poll_t mask;

	poll_wait(file, &mf->mb->queue.poll_wait, pt);
	mask = mp_queue_poll_mask(&mf->mb->queue, mf->pid);
	/* Readable only to a poller that may receive. */
	if ((mask & EPOLLIN) && !mp_mailbox_may_receive(mf->mb))
		mask &= ~(EPOLLIN | EPOLLRDNORM);
	return mask;
}

static int mp_mbox_file_release(struct inode *inode, struct file *file)
{
	struct mp_mbox_file *mf = file->private_data;

	mp_mailbox_put(mf->mb);
	put_pid(mf->pid);
	kfree(mf);
	return 0;
}

static const struct file_operations mp_mbox_fops = {
	.owner		= THIS_MODULE,
	.poll		= mp_mbox_file_poll,
	.release	= mp_mbox_file_release,
	.llseek		= noop_llseek,
};

/**
 * mp_file_is_mailbox() - is @file a mailbox descriptor?
 * @file: an open file
 *
 * Context: Any context.
 * Return: true if it is.
 */
bool mp_file_is_mailbox(const struct file *file)
{
	return file->f_op == &mp_mbox_fops;
}

long mp_ioctl_mbox_fd(struct mp_endpoint *ep, void __user *uarg, size_t usize)
{
	struct mp_mbox_fd_args a;
	struct mp_mbox_file *mf;
	struct mp_mailbox *mb;
	long ret;

	ret = mp_args_from_user(&a, sizeof(a), uarg, usize);
	if (ret)
		return ret;
	if ((a.flags & ~O_CLOEXEC) || !mp_zero_words(a.__reserved, ARRAY_SIZE(a.__reserved)))
		return -EINVAL;

	mb = mp_mailbox_get(ep->ns, a.id);
	if (!mb)
		return -EINVAL;
	if (!mp_perm_mbox(mb, 0444) && !mp_perm_mbox(mb, 0222)) {
		mp_mailbox_put(mb);
		return -EACCES;
	}
	mf = kmalloc(sizeof(*mf), GFP_KERNEL_ACCOUNT);
	if (!mf) {
		mp_mailbox_put(mb);
		return -ENOMEM;
	}
	mf->mb = mb;
	mf->pid = get_pid(task_tgid(current));
	ret = anon_inode_getfd("[msgpass-mailbox]", &mp_mbox_fops, mf,
			       O_RDWR | (a.flags & O_CLOEXEC));
	if (ret < 0) {
		put_pid(mf->pid);
		kfree(mf);
		mp_mailbox_put(mb);
	}
	return ret;
}

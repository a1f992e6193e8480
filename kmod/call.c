// SPDX-License-Identifier: GPL-2.0
/*
 * msgpass call and reply, as QNX message passing has them: one ioctl
 * sends a request and waits for its reply; one answers a request and may
 * wait for the next.
 *
 * A call is a request message that carries a &struct mp_call. The server
 * receives it like any message (from its inbox, or from a mailbox used
 * as a port) and learns its call ID; from then on the call is on the
 * server endpoint's list of calls it owes a reply to. The reply goes
 * straight to the call, never through a queue, so it reaches exactly
 * the caller that is waiting for it.
 *
 * A call ID is a 64-bit number never used twice, so a late reply to a
 * call that was given up (signal, timeout) finds nothing. Calls in
 * flight are found by ID in a hash table.
 *
 *   caller                    server
 *   MP_IOC_CALL: PENDING
 *     request -> queue
 *                             receive: TAKEN, on server->calls
 *                             MP_IOC_REPLY: REPLIED, reply -> call
 *   wakes, copies the reply
 *
 * A request freed before a server took it (queue removed, server gone)
 * fails the call; a server that ends fails the calls it had taken.
 */
#include <linux/hashtable.h>
#include <linux/ipc.h>
#include <linux/msg.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/wait.h>
#include <linux/xarray.h>

#include "msgpass.h"

enum mp_call_state {
	MP_CALL_PENDING,	/* request sent, not yet taken */
	MP_CALL_TAKEN,		/* a server has it */
	MP_CALL_REPLIED,	/* the reply is there */
	MP_CALL_FAILED,		/* @err says why */
	MP_CALL_ABANDONED,	/* the caller gave up */
};

/**
 * struct mp_call - a call in progress
 * @ref: the caller's, and the request message's while it carries it
 * @node: in mp_call_table, by @id, while the caller waits
 * @id: the call ID
 * @state: enum mp_call_state, under mp_calls_lock
 * @err: why it failed
 * @caller: the task that waits for it
 * @reply: the reply, once there
 * @reply_room: the caller's room for the reply body
 * @reply_fd_room: the caller's room for descriptors in the reply
 * @noerror: the caller takes a cut reply
 * @lost_err: what the caller gets if the request is freed untaken
 * @server: the endpoint that took it (no reference: it drops its calls
 *	before it goes)
 * @server_node: in &mp_endpoint.calls
 */
struct mp_call {
	refcount_t ref;
	struct hlist_node node;
	u64 id;
	enum mp_call_state state;
	int err;
	struct task_struct *caller;
	struct mp_msg *reply;
	size_t reply_room;
	u32 reply_fd_room;
	bool noerror;
	int lost_err;
	struct mp_endpoint *server;
	struct list_head server_node;
};

static DEFINE_SPINLOCK(mp_calls_lock);
#define MP_CALL_BITS	8
static DEFINE_HASHTABLE(mp_call_table, MP_CALL_BITS);	/* under mp_calls_lock */
static atomic64_t mp_calls_gen;
static struct kmem_cache *mp_call_cache;

/*
 * Every field of a call is written when it is made, so the allocator
 * need not zero it (a constructor turns init_on_alloc off for the cache).
 */
static void mp_call_ctor(void *obj)
{
	struct mp_call *call = obj;

	INIT_LIST_HEAD(&call->server_node);
}

static void mp_call_put(struct mp_call *call)
{
	if (refcount_dec_and_test(&call->ref)) {
		if (call->reply)
			mp_msg_put(call->reply);
		kmem_cache_free(mp_call_cache, call);
	}
}

/* The call in flight with ID @id, or NULL. */
static struct mp_call *mp_call_find(u64 id)
{
	struct mp_call *call;

	lockdep_assert_held(&mp_calls_lock);
	hash_for_each_possible(mp_call_table, call, node, id) {
		if (call->id == id)
			return call;
	}
	return NULL;
}

/**
 * mp_call_id() - the ID a server answers a call with
 * @call: the call
 *
 * Context: Any context.
 * Return: the call ID.
 */
u64 mp_call_id(const struct mp_call *call)
{
	return call->id;
}

/*
 * A call ends (or its caller gives it up). Its caller sleeps in
 * mp_call_wait() until the state says so; it leaves only through
 * mp_calls_lock, held here, so its task is there to wake.
 */
static void mp_call_finish(struct mp_call *call, enum mp_call_state state, int err)
{
	lockdep_assert_held(&mp_calls_lock);
	if (call->state == MP_CALL_TAKEN)
		list_del_init(&call->server_node);
	call->err = err;
	WRITE_ONCE(call->state, state);
	if (state != MP_CALL_ABANDONED)
		wake_up_process(call->caller);
}

/**
 * mp_call_taken() - a server received a call's request
 * @msg: the request, still carrying its call
 * @ep: the server
 *
 * Context: Process context; takes mp_calls_lock.
 */
void mp_call_taken(struct mp_msg *msg, struct mp_endpoint *ep)
{
	struct mp_call *call = msg->call;

	spin_lock(&mp_calls_lock);
	msg->call = NULL;
	if (call->state == MP_CALL_PENDING) {
		call->state = MP_CALL_TAKEN;
		call->server = ep;
		list_add(&call->server_node, &ep->calls);
	}
	spin_unlock(&mp_calls_lock);
	mp_call_put(call);
}

static void mp_call_msg_lost(struct mp_msg *msg, int err)
{
	struct mp_call *call = msg->call;

	spin_lock(&mp_calls_lock);
	msg->call = NULL;
	if (call->state == MP_CALL_PENDING)
		mp_call_finish(call, MP_CALL_FAILED, err ?: call->lost_err);
	spin_unlock(&mp_calls_lock);
	mp_call_put(call);
}

/**
 * mp_call_msg_freed() - a call's request is dropped without being taken
 * @msg: the request; it no longer carries the call afterwards
 *
 * The caller learns why: EIDRM (its mailbox went) or ECONNRESET.
 *
 * Context: Any context but hard interrupts; takes mp_calls_lock.
 */
void mp_call_msg_freed(struct mp_msg *msg)
{
	mp_call_msg_lost(msg, 0);
}

/**
 * mp_call_refused() - a receiver dropped a call's request unread
 * @msg: the request (MP_RECV_DISCARD); it no longer carries the call
 *
 * The caller's call fails with ECONNREFUSED.
 *
 * Context: Any context but hard interrupts; takes mp_calls_lock.
 */
void mp_call_refused(struct mp_msg *msg)
{
	mp_call_msg_lost(msg, -ECONNREFUSED);
}

/**
 * mp_calls_drop() - a server ends: fail the calls it owes a reply to
 * @ep: the server's endpoint
 *
 * Context: Process context; takes mp_calls_lock.
 */
void mp_calls_drop(struct mp_endpoint *ep)
{
	struct mp_call *call, *tmp;

	spin_lock(&mp_calls_lock);
	list_for_each_entry_safe(call, tmp, &ep->calls, server_node)
		mp_call_finish(call, MP_CALL_FAILED, -ECONNRESET);
	spin_unlock(&mp_calls_lock);
}

/* Take back a request that is still queued, so that no server sees it. */
static void mp_call_withdraw(struct mp_queue *q, struct mp_msg *msg)
{
	bool was_queued;

	spin_lock(&q->lock);
	was_queued = msg->flags & MP_M_QUEUED;
	if (was_queued)
		mp_queue_withdraw(q, msg);
	spin_unlock(&q->lock);
	if (was_queued) {
		mp_queue_room_changed(q);
		mp_msg_put(msg);
	}
}

static bool mp_call_done(struct mp_call *call)
{
	return READ_ONCE(call->state) >= MP_CALL_REPLIED;
}

/*
 * Sleep until the call is answered or fails (mp_call_finish() sets the
 * state, then wakes the caller), a signal comes, or the deadline passes.
 */
static int mp_call_wait(struct mp_call *call, ktime_t *deadline)
{
	int ret = 0;

	for (;;) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (mp_call_done(call))
			break;
		/* Never restarted: a restarted call would send its request again. */
		if (signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		if (!deadline) {
			schedule();
		} else if (!schedule_hrtimeout_range_clock(deadline, 0, HRTIMER_MODE_ABS,
							   CLOCK_MONOTONIC)) {
			ret = mp_call_done(call) ? 0 : -ETIMEDOUT;
			break;
		}
	}
	__set_current_state(TASK_RUNNING);
	return ret;
}

long mp_ioctl_call(struct mp_endpoint *ep, void __user *uarg, size_t usize)
{
	struct mp_endpoint *to = NULL;
	struct mp_mailbox *mb = NULL;
	struct mp_msgrcv_args ra;
	struct mp_select sel;
	struct mp_call_args a;
	struct mp_msg *msg, *reply, *back;
	ktime_t deadline_buf;
	struct mp_queue *q;
	struct mp_call *call;
	ktime_t *deadline;
	long mtype, ret;

	ret = mp_args_in(&a, sizeof(a), sizeof(a), uarg, usize);
	if (ret)
		return ret;
	if ((a.flags & ~MP_CALL_ALL) || a.__pad || a.__pad2 || a.__reserved ||
	    (a.msgflg & ~MSG_NOERROR) || a.priority > MP_PRIO_MAX ||
	    a.nr_req_fds > MP_FDS_MAX || (a.nr_req_fds && !a.req_fds) ||
	    (a.reply_fd_room && !a.reply_fds))
		return -EINVAL;
	if ((a.hdr && (a.hdr_size < MP_MSGHDR_SIZE_VER0 || a.hdr_size > MP_STRUCT_MAX)) ||
	    (!a.hdr && a.hdr_size))
		return -EINVAL;
	if ((long)a.req_size < 0 || (long)a.reply_size < 0 ||
	    a.req_size > READ_ONCE(mp_max_msg_size) ||
	    (a.to <= 0 && !(a.flags & MP_CALL_PIDFD)) ||
	    ((a.flags & MP_CALL_PIDFD) && (a.flags & MP_CALL_MAILBOX)))
		return -EINVAL;
	if (get_user(mtype, (long __user *)u64_to_user_ptr(a.req)))
		return -EFAULT;
	if (mtype < 1)
		return -EINVAL;
	deadline = mp_deadline(&deadline_buf, a.flags & MP_CALL_TIMEOUT, a.timeout_ns);

	if (a.flags & MP_CALL_MAILBOX) {
		mb = mp_mailbox_get(ep->ns, a.to);
		if (!mb)
			return -EINVAL;
		ret = mp_perm_mbox_send(mb, a.priority);
		if (ret)
			goto out;
		ret = -EINVAL;
		if (mb->kind == MP_KIND_BROADCAST)
			goto out;
		q = &mb->queue;
	} else {
		to = mp_endpoint_get_arg(ep->ns, a.to, a.flags & MP_CALL_PIDFD);
		if (IS_ERR(to))
			return PTR_ERR(to);
		ret = mp_perm_inbox_send(to, a.priority);
		if (ret)
			goto out;
		q = &to->inbox;
	}

	msg = mp_msg_make(ep, a.req, a.req_size, a.priority, a.req_fds, a.nr_req_fds,
			  mtype, mb ? READ_ONCE(mb->queue.msg_max) :
			  READ_ONCE(mp_max_msg_size));
	if (IS_ERR(msg)) {
		ret = PTR_ERR(msg);
		goto out;
	}

	ret = -ENOMEM;
	call = kmem_cache_alloc(mp_call_cache, GFP_KERNEL_ACCOUNT);
	if (!call) {
		mp_msg_put(msg);
		goto out;
	}
	refcount_set(&call->ref, 2);
	INIT_LIST_HEAD(&call->server_node);
	call->caller = current;
	call->state = MP_CALL_PENDING;
	call->err = 0;
	call->reply = NULL;
	call->server = NULL;
	call->reply_room = a.reply_size;
	call->reply_fd_room = a.reply_fd_room;
	call->noerror = a.msgflg & MSG_NOERROR;
	call->lost_err = mb ? -EIDRM : -ECONNRESET;
	call->id = atomic64_inc_return(&mp_calls_gen);
	spin_lock(&mp_calls_lock);
	hash_add(mp_call_table, &call->node, call->id);
	spin_unlock(&mp_calls_lock);
	msg->call = call;

	/* Keep the request, to take it back if the caller gives up. */
	refcount_inc(&msg->ref);
	if (mb)
		ret = mp_queue_send(q, msg, false, false, deadline);
	else
		ret = mp_inbox_send(to, msg, false, false, deadline);
	if (!ret)
		ret = mp_call_wait(call, deadline);

	spin_lock(&mp_calls_lock);
	hash_del(&call->node);
	reply = NULL;
	if (call->state == MP_CALL_REPLIED) {
		reply = call->reply;
		call->reply = NULL;
		ret = 0;
	} else if (call->state == MP_CALL_FAILED) {
		ret = call->err;
	} else {
		/* A signal or the deadline: the call is given up. */
		mp_call_finish(call, MP_CALL_ABANDONED, ret);
	}
	spin_unlock(&mp_calls_lock);

	if (call->state == MP_CALL_ABANDONED)
		mp_call_withdraw(q, msg);
	mp_msg_put(msg);
	mp_call_put(call);
	if (!reply)
		goto out;

	/* The reply, as a receive of it would deliver it. */
	ra.id = mb ? a.to : pid_vnr(ep->pid);
	ra.msgflg = 0;
	ra.msgp = a.reply;
	ra.msgsz = a.reply_size;
	ra.msgtyp = 0;
	ra.flags = 0;
	ra.hdr = a.hdr;
	ra.hdr_size = a.hdr_size;
	ra.fds = a.reply_fds;
	ra.fd_room = a.reply_fd_room;
	sel.discard = false;
	sel.peek = false;
	if (likely(mp_msg_plain(&ra, reply, &sel)))
		ret = mp_msg_deliver_plain(&ra, reply, &back);
	else
		ret = mp_msg_deliver(&ra, reply, &sel, 0, ep, ra.id, &back);
	/* A reply that cannot be delivered has nowhere to go back to. */
	if (back)
		mp_msg_put(back);
out:
	if (mb)
		mp_mailbox_put(mb);
	if (to)
		mp_endpoint_put(to);
	return ret;
}

long mp_ioctl_reply(struct mp_endpoint *ep, void __user *uarg, size_t usize)
{
	struct mp_reply_args a;
	ktime_t deadline_buf;
	struct mp_select sel;
	struct mp_call *call;
	struct mp_msg *msg;
	long mtype, ret;

	ret = mp_args_in(&a, sizeof(a), sizeof(a), uarg, usize);
	if (ret)
		return ret;
	if ((a.flags & ~MP_REPLY_ALL) || hweight64(a.flags) > 1 || a.__pad ||
	    a.nr_fds > MP_FDS_MAX || (a.nr_fds && !a.fds))
		return -EINVAL;
	if ((long)a.msgsz < 0 || a.msgsz > READ_ONCE(mp_max_msg_size))
		return -EINVAL;
	if (a.flags) {
		ret = mp_recv_args_check(&a.rcv, &sel, &deadline_buf);
		if (ret)
			return ret;
	}
	/* Call ID 0: nothing to answer yet, only the receive (a server's first). */
	if (!a.call_id) {
		if (!a.flags)
			return -EINVAL;
		goto receive;
	}
	if (get_user(mtype, (long __user *)u64_to_user_ptr(a.msgp)))
		return -EFAULT;
	if (mtype < 1)
		return -EINVAL;

	spin_lock(&mp_calls_lock);
	call = mp_call_find(a.call_id);
	if (!call || call->state != MP_CALL_TAKEN)
		ret = -ENOENT;
	else if (call->server != ep)
		ret = -EPERM;
	else if (a.msgsz > call->reply_room && !call->noerror)
		ret = -E2BIG;
	else if (a.nr_fds > call->reply_fd_room)
		ret = -ENOBUFS;
	else
		refcount_inc(&call->ref);
	spin_unlock(&mp_calls_lock);
	if (ret)
		return ret;

	msg = mp_msg_make(ep, a.msgp, a.msgsz, 0, a.fds, a.nr_fds, mtype,
			  READ_ONCE(mp_max_msg_size));
	if (IS_ERR(msg)) {
		mp_call_put(call);
		return PTR_ERR(msg);
	}

	spin_lock(&mp_calls_lock);
	if (call->state == MP_CALL_TAKEN) {
		call->reply = msg;
		msg = NULL;
		mp_call_finish(call, MP_CALL_REPLIED, 0);
	}
	spin_unlock(&mp_calls_lock);
	mp_call_put(call);
	if (msg) {
		/* The caller gave up while the reply was being made. */
		mp_msg_put(msg);
		return -ENOENT;
	}

receive:
	if (a.flags & MP_REPLY_RECV_INBOX)
		ret = mp_inbox_receive(ep, &a.rcv, &sel);
	else if (a.flags & MP_REPLY_RECV_MAILBOX)
		ret = mp_mailbox_receive(ep, &a.rcv, &sel);
	else
		return 0;
	/*
	 * A restart after a stop must not reply again: the reply went, so
	 * the caller's arguments are made to say "nothing to answer" and
	 * only the receive is restarted. Should that not be written, the
	 * call is not restarted.
	 */
	if (ret == -ERESTARTNOHAND && a.call_id &&
	    put_user(0ULL, &((struct mp_reply_args __user *)uarg)->call_id))
		ret = -EINTR;
	return ret;
}

/**
 * mp_call_exit() - module unload: no call can be left
 *
 * Context: Module exit.
 */
void mp_call_exit(void)
{
	WARN_ON(!hash_empty(mp_call_table));
	kmem_cache_destroy(mp_call_cache);
}

/**
 * mp_call_init() - create the cache of calls
 *
 * Context: Module init.
 * Return: 0 or -ENOMEM.
 */
int __init mp_call_init(void)
{
	mp_call_cache = kmem_cache_create("msgpass_call", sizeof(struct mp_call), 0,
					  SLAB_ACCOUNT, mp_call_ctor);
	return mp_call_cache ? 0 : -ENOMEM;
}

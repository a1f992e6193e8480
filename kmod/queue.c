// SPDX-License-Identifier: GPL-2.0
/*
 * msgpass queues: the messages of a mailbox, their capacity, and the
 * senders and receivers asleep on them.
 */
#include <linux/hrtimer.h>
#include <linux/poll.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/timekeeping.h>

#include "msgpass.h"

/*
 * Sleeping and waking.
 *
 * A sleeper puts a &struct mp_waiter on a list of the queue, sets its
 * state to TASK_INTERRUPTIBLE and drops the lock; a waker, holding the
 * lock, takes the waiter off the list, fills in what it hands over, sets
 * ->ready and queues the task on a wake_q that it wakes once the lock is
 * dropped:
 *
 *   sleeper                          waker
 *   spin_lock(q)
 *   list_add(w)
 *   set_current_state(INTERRUPTIBLE)
 *   spin_unlock(q)
 *                                    spin_lock(q)
 *                                    list_del(w); w->ready = true
 *                                    mp_wake_add(w->task)
 *                                    spin_unlock(q)
 *                                    mp_wake_up() -> TASK_RUNNING
 *   schedule()  (returns at once
 *                if already woken)
 *   spin_lock(q)
 *   reads w->ready
 *
 * The sleeper reads ->ready only under the lock, so it cannot miss the
 * hand-over, and the waker never touches the waiter after dropping the
 * lock, so the waiter may live on the sleeper's stack. A task woken for
 * any other reason (a signal, the deadline, a wake-up meant as "look
 * again") finds ->ready clear and decides under the lock.
 *
 * The kernel's wake_q is not available to modules, so &struct
 * mp_wake_list does its job: it pins each task to wake under the lock
 * and wakes them after. Should it fill up, the rest are woken at once,
 * under the lock, which is correct, only slower.
 */

static __always_inline void mp_wake_add(struct mp_wake_list *wl, struct task_struct *task)
{
	if (wl->nr < MP_WAKE_BATCH) {
		get_task_struct(task);
		wl->tasks[wl->nr++] = task;
	} else {
		wake_up_process(task);
	}
}

/**
 * __mp_wake_up() - wake the tasks collected in a wake list, and empty it
 * @wl: the list, not empty
 *
 * Context: Any context but hard interrupts; no queue lock held.
 */
void __mp_wake_up(struct mp_wake_list *wl)
{
	unsigned int i;

	for (i = 0; i < wl->nr; i++) {
		wake_up_process(wl->tasks[i]);
		put_task_struct(wl->tasks[i]);
	}
	wl->nr = 0;
}

/* Body byte and message bounds; System V bounds the count by the bytes. */
static __always_inline bool mp_room(u64 capacity, u64 max_bytes, u64 qnum, u64 qbytes,
				    size_t len)
{
	return qnum < min(capacity, max_bytes) && qbytes + len <= max_bytes &&
	       qbytes + len >= qbytes;
}

static __always_inline bool mp_queue_has_room(const struct mp_queue *q, size_t len)
{
	return mp_room(q->capacity, q->max_bytes, q->qnum, q->qbytes, len);
}

/* Room for @msg: on its link when it travels one, else in the queue. */
static __always_inline bool mp_queue_room_for(const struct mp_queue *q, const struct mp_msg *msg)
{
	const struct mp_link *l = msg->link;

	if (msg->flags & MP_M_LINK)
		return mp_room(l->capacity, l->max_bytes, l->qnum, l->qbytes, msg->len);
	return mp_queue_has_room(q, msg->len);
}

/*
 * A message goes straight to a receiver, its sender waiting until one
 * takes it, on a zero-capacity queue or link, and when it is larger than
 * the queue's or the link's byte capacity: it could never wait queued.
 */
static __always_inline bool mp_queue_rendezvous(const struct mp_queue *q, const struct mp_msg *msg)
{
	const struct mp_link *l = msg->link;

	if (msg->flags & MP_M_LINK)
		return l->capacity == 0 || msg->len > l->max_bytes;
	return q->capacity == 0 || msg->len > q->max_bytes;
}

/**
 * mp_queue_fits() - would a message of @len bytes fit now?
 * @q: the queue
 * @len: body length
 *
 * Context: Caller holds q->lock.
 * Return: true if it fits without waiting.
 */
bool mp_queue_fits(const struct mp_queue *q, size_t len)
{
	lockdep_assert_held(&q->lock);
	return mp_queue_has_room(q, len);
}

/**
 * mp_queue_init() - initialize an empty queue
 * @q: the queue
 *
 * Context: Any context.
 */
void mp_queue_init(struct mp_queue *q)
{
	spin_lock_init(&q->lock);
	q->levels = RB_ROOT_CACHED;
	q->idle = NULL;
	INIT_LIST_HEAD(&q->msgs);
	INIT_LIST_HEAD(&q->senders);
	INIT_LIST_HEAD(&q->receivers);
	INIT_LIST_HEAD(&q->subs);
	init_waitqueue_head(&q->poll_wait);
	q->dead_err = -EIDRM;
}

static __always_inline void mp_waiter_finish(struct mp_waiter *w, struct mp_msg *msg, int err,
					     struct mp_wake_list *wake_q)
{
	list_del_init(&w->node);
	w->msg = msg;
	w->err = err;
	w->ready = true;
	mp_wake_add(wake_q, w->task);
}

/* Wake every sender asleep for room: each looks again. */
static __always_inline void mp_queue_wake_senders(struct mp_queue *q, struct mp_wake_list *wake_q)
{
	struct mp_waiter *w;

	list_for_each_entry(w, &q->senders, node)
		mp_wake_add(wake_q, w->task);
}

/* Wake every receiver: each looks again (a message came back, ...). */
static void mp_queue_wake_receivers(struct mp_queue *q,
				    struct mp_wake_list *wake_q)
{
	struct mp_waiter *w, *tmp;

	list_for_each_entry_safe(w, tmp, &q->receivers, node)
		mp_waiter_finish(w, NULL, 0, wake_q);
}

static __always_inline void mp_queue_wake_pollers(struct mp_queue *q, __poll_t mask)
{
	if (wq_has_sleeper(&q->poll_wait))
		wake_up_interruptible_poll(&q->poll_wait, mask);
}

/* The synchronous sender of @msg, if any, is done waiting. */
static __always_inline void mp_msg_taken(struct mp_msg *msg, int err, struct mp_wake_list *wake_q)
{
	struct mp_waiter *w = msg->sync;

	if (!w)
		return;
	msg->sync = NULL;
	w->err = err;
	w->ready = true;
	mp_wake_add(wake_q, w->task);
}

/*
 * Receive(P): P is a pid in the receiver's pid namespace, whoever runs
 * the match (a sender handing a message over runs it in its own), or,
 * named by pidfd, the process itself. Kernel notes come from nobody.
 */
static __always_inline bool mp_select_from(const struct mp_select *sel, const struct mp_msg *msg)
{
	if (!sel->from_nr)
		return true;
	if (!msg->sender)
		return false;
	if (sel->from)
		return msg->sender == sel->from;
	return pid_nr_ns(msg->sender, sel->from_ns) == sel->from_nr;
}

static __always_inline bool mp_select_match(const struct mp_select *sel,
					    const struct mp_msg *msg)
{
	if (msg->prio < sel->min_prio || !mp_select_from(sel, msg))
		return false;
	if (sel->no_calls && msg->call)
		return false;
	switch (sel->mode) {
	case MP_SEL_ANY:
		return true;
	case MP_SEL_EQ:
		return msg->type == sel->type;
	case MP_SEL_NE:
		return msg->type != sel->type;
	case MP_SEL_LE:
		return msg->type <= sel->type;
	default:
		return false;
	}
}

/*
 * Priority levels. A non-broadcast queue keeps its messages in one list
 * per priority (&struct mp_level), in a tree, highest first; a message
 * goes to the tail of its level. A level that empties is kept as
 * &mp_queue.idle, so that a queue whose messages all have one priority
 * (the usual case) never touches the tree; a second empty level is
 * freed. Levels are allocated before the lock is taken (a send that
 * finds it needs one drops the lock and comes back).
 */
static struct kmem_cache *mp_level_cache;

static bool mp_level_less(struct rb_node *a, const struct rb_node *b)
{
	return rb_entry(a, struct mp_level, node)->prio >
	       rb_entry(b, struct mp_level, node)->prio;
}

static struct mp_level *mp_level_of(struct rb_node *rb)
{
	return rb ? rb_entry(rb, struct mp_level, node) : NULL;
}

/* The highest level with messages, or NULL. */
static struct mp_level *mp_level_first(struct mp_queue *q)
{
	struct mp_level *lv = mp_level_of(rb_first_cached(&q->levels));

	if (lv && lv == q->idle)
		lv = mp_level_of(rb_next(&lv->node));
	return lv;
}

/* The next lower level with messages, or NULL. */
static struct mp_level *mp_level_next(struct mp_queue *q, struct mp_level *lv)
{
	lv = mp_level_of(rb_next(&lv->node));
	if (lv && lv == q->idle)
		lv = mp_level_of(rb_next(&lv->node));
	return lv;
}

static struct mp_level *mp_level_find(struct mp_queue *q, u8 prio)
{
	struct rb_node *rb = q->levels.rb_root.rb_node;

	while (rb) {
		struct mp_level *lv = rb_entry(rb, struct mp_level, node);

		if (prio == lv->prio)
			return lv;
		rb = prio > lv->prio ? rb->rb_left : rb->rb_right;
	}
	return NULL;
}

/* The level for @prio, made from the idle one or @spare; NULL if none. */
static struct mp_level *mp_level_get(struct mp_queue *q, u8 prio,
				     struct mp_level **spare)
{
	struct mp_level *lv = q->idle;

	if (lv && lv->prio == prio) {
		q->idle = NULL;
		return lv;
	}
	lv = mp_level_find(q, prio);
	if (lv) {
		if (lv == q->idle)
			q->idle = NULL;
		return lv;
	}
	lv = q->idle;
	if (lv) {
		q->idle = NULL;
		rb_erase_cached(&lv->node, &q->levels);
	} else if (spare && *spare) {
		lv = *spare;
		*spare = NULL;
		INIT_LIST_HEAD(&lv->msgs);
	} else {
		return NULL;
	}
	lv->prio = prio;
	rb_add_cached(&lv->node, &q->levels, mp_level_less);
	return lv;
}

/* @lv has no message any more: keep it as the idle one, or free it. */
static __always_inline void mp_level_emptied(struct mp_queue *q, struct mp_level *lv)
{
	if (!q->idle) {
		q->idle = lv;
		return;
	}
	rb_erase_cached(&lv->node, &q->levels);
	kmem_cache_free(mp_level_cache, lv);
}

/* A level for a send that may need one: made before the queue lock. */
static struct mp_level *mp_level_alloc(void)
{
	return kmem_cache_alloc(mp_level_cache, GFP_KERNEL_ACCOUNT);
}

static __always_inline void mp_level_free(struct mp_level *lv)
{
	if (lv)
		kmem_cache_free(mp_level_cache, lv);
}

/* Is @a before @b in order of arrival? (Arrival numbers wrap.) */
static __always_inline bool mp_arrived_before(const struct mp_msg *a, const struct mp_msg *b)
{
	return (s32)(a->arrival - b->arrival) < 0;
}

/*
 * Put @msg in its queue: at the tail of its level (or of the broadcast
 * list), unless it arrived before some of them (it goes back after a
 * failed receive): then in its place. Return: 0, or -ENOMEM when a
 * level is needed and neither an idle one nor @spare is there.
 */
static __always_inline int mp_queue_link(struct mp_queue *q, struct mp_msg *msg,
					 struct mp_level **spare)
{
	struct list_head *at;
	struct mp_level *lv;

	if (q->broadcast) {
		at = &q->msgs;
	} else {
		struct mp_msg *pos;

		lv = mp_level_get(q, msg->prio, spare);
		if (!lv)
			return -ENOMEM;
		at = &lv->msgs;
		list_for_each_entry_reverse(pos, &lv->msgs, node) {
			if (mp_arrived_before(pos, msg))
				break;
			at = &pos->node;
		}
	}
	list_add_tail(&msg->node, at);
	msg->flags |= MP_M_QUEUED;
	q->qnum++;
	q->qbytes += msg->len;
	if (msg->flags & MP_M_LINK) {
		msg->link->qnum++;
		msg->link->qbytes += msg->len;
	}
	return 0;
}

static __always_inline void mp_queue_unlink(struct mp_queue *q, struct mp_msg *msg)
{
	struct list_head *prev = msg->node.prev, *next = msg->node.next;

	list_del_init(&msg->node);
	msg->flags &= ~MP_M_QUEUED;
	q->qnum--;
	q->qbytes -= msg->len;
	if (msg->flags & MP_M_LINK) {
		msg->link->qnum--;
		msg->link->qbytes -= msg->len;
	}
	/* Its level emptied when its neighbours are the level's head. */
	if (!q->broadcast && prev == next) {
		struct mp_level *lv = container_of(prev, struct mp_level, msgs);

		mp_level_emptied(q, lv);
	}
}

static struct mp_msg *mp_queue_find(struct mp_queue *q,
				    const struct mp_select *sel)
{
	struct mp_msg *msg, *found = NULL;
	struct mp_level *lv;
	long i = 0;

	if (!q->qnum)
		return NULL;
	if (sel->mode == MP_SEL_ANY && !sel->min_prio && !sel->from_nr && !sel->no_calls) {
		/* The usual receive: the first message of the highest level. */
		lv = mp_level_first(q);
		return lv ? list_first_entry(&lv->msgs, struct mp_msg, node) : NULL;
	}
	/* Every queued message, in the order receives take them. */
	for (lv = mp_level_first(q); lv; lv = mp_level_next(q, lv)) {
		list_for_each_entry(msg, &lv->msgs, node) {
			if (sel->mode == MP_SEL_INDEX) {
				/* Position among the messages the call considers. */
				if (msg->prio < sel->min_prio || !mp_select_from(sel, msg))
					continue;
				if (i++ == sel->type)
					return msg;
				continue;
			}
			if (msg->prio < sel->min_prio)
				return found;
			if (!mp_select_match(sel, msg))
				continue;
			if (sel->mode != MP_SEL_LE)
				return msg;
			if (!found || msg->type < found->type) {
				found = msg;
				if (msg->type == 1)
					return found;
			}
		}
	}
	return found;
}

static __always_inline void mp_queue_stamp_send(struct mp_queue *q, struct mp_msg *msg)
{
	msg->arrival = ++q->arrivals;
	if (msg->flags & MP_M_LINK) {
		msg->seq = ++msg->link->seq;
		msg->link->sent++;
	} else {
		msg->seq = q->arrivals;
	}
	q->sent++;
	/* The second of its stamp: no second clock read. */
	q->stime = div_u64(msg->stime_ns, NSEC_PER_SEC);
	if (q->lspid != msg->sender) {
		put_pid(q->lspid);
		q->lspid = get_pid(msg->sender);
	}
}

static __always_inline void mp_queue_stamp_receive(struct mp_queue *q, struct mp_msg *msg)
{
	struct pid *me = task_tgid(current);

	if (msg->flags & MP_M_LINK)
		msg->link->received++;
	q->received++;
	q->rtime = ktime_get_real_seconds();
	if (q->lrpid != me) {
		put_pid(q->lrpid);
		q->lrpid = get_pid(me);
	}
}

/*
 * Pipelined send, as in ipc/mqueue.c: a receiver asleep for a message
 * that @msg matches gets it straight away, without it being queued. A
 * receiver whose buffer is too small is woken with E2BIG, as System V
 * does, and the message goes on to the next one.
 */
static __always_inline bool mp_queue_handoff(struct mp_queue *q, struct mp_msg *msg,
					     struct mp_wake_list *wake_q)
{
	struct mp_waiter *w, *tmp;

	list_for_each_entry_safe(w, tmp, &q->receivers, node) {
		const struct mp_select *sel = w->sel;

		if (sel->peek || !mp_select_match(sel, msg) ||
		    (sel->rights && sel->rights_gen != q->rights_gen))
			continue;
		if (sel->discard) {
			/* Dropped unread: it needs no room. */
		} else if (msg->len > sel->bufsz && !sel->noerror) {
			mp_waiter_finish(w, NULL, -E2BIG, wake_q);
			continue;
		} else if (mp_msg_nr_files(msg) > sel->fd_room) {
			mp_waiter_finish(w, NULL, -ENOBUFS, wake_q);
			continue;
		}
		mp_queue_stamp_send(q, msg);
		mp_waiter_finish(w, msg, 0, wake_q);
		return true;
	}
	return false;
}

/* Receivers peeking at what arrives get a look at a queued message. */
static __always_inline void mp_queue_wake_peekers(struct mp_queue *q, struct mp_msg *msg,
						  struct mp_wake_list *wake_q)
{
	struct mp_waiter *w, *tmp;

	list_for_each_entry_safe(w, tmp, &q->receivers, node) {
		if (q->broadcast || !w->sel->peek) {
			if (q->broadcast)
				mp_waiter_finish(w, NULL, 0, wake_q);
			continue;
		}
		if (!mp_select_match(w->sel, msg))
			continue;
		mp_waiter_finish(w, NULL, 0, wake_q);
	}
}

/*
 * Free the messages every subscriber has taken, oldest first, up to
 * @stop: a message a receive has just taken stays queued until that
 * receive has delivered it (see mp_queue_taken()), so that it can go
 * back (mp_queue_put_back()) without ever leaving the queue.
 */
static void mp_queue_bcast_trim_until(struct mp_queue *q, struct mp_msg *stop,
				      struct list_head *done)
{
	struct mp_msg *msg, *tmp;

	list_for_each_entry_safe(msg, tmp, &q->msgs, node) {
		if (msg->pending || msg == stop)
			break;
		mp_queue_unlink(q, msg);
		list_add_tail(&msg->node, done);
	}
}

static void mp_queue_bcast_trim(struct mp_queue *q, struct list_head *done)
{
	mp_queue_bcast_trim_until(q, NULL, done);
}

/* One subscriber is done with @msg (taken, or it left). */
static void mp_queue_bcast_release(struct mp_queue *q, struct mp_msg *msg,
				   struct mp_wake_list *wake_q)
{
	if (--msg->pending == 0)
		mp_msg_taken(msg, 0, wake_q);
}

static struct mp_msg *mp_queue_next(struct mp_queue *q, struct mp_msg *msg)
{
	return list_is_last(&msg->node, &q->msgs) ? NULL :
		list_next_entry(msg, node);
}

/* A full lossy broadcast queue drops its oldest message. */
static void mp_queue_bcast_drop_oldest(struct mp_queue *q,
				       struct list_head *done,
				       struct mp_wake_list *wake_q)
{
	struct mp_msg *old = list_first_entry(&q->msgs, struct mp_msg, node);
	struct mp_sub *sub;

	list_for_each_entry(sub, &q->subs, node) {
		if (sub->pos == old) {
			sub->pos = mp_queue_next(q, old);
			sub->overrun++;
		}
	}
	q->overruns++;
	old->pending = 0;
	mp_msg_taken(old, 0, wake_q);
	mp_queue_unlink(q, old);
	list_add_tail(&old->node, done);
}

static void mp_queue_bcast_deliver(struct mp_queue *q, struct mp_msg *msg)
{
	struct mp_sub *sub;

	msg->pending = q->nr_subs;
	msg->fanout = q->nr_subs;
	list_for_each_entry(sub, &q->subs, node) {
		if (!sub->pos)
			sub->pos = msg;
	}
	mp_queue_link(q, msg, NULL);
}

/* Would a message of @prio need a new level (none idle, none of it)? */
static __always_inline bool mp_level_needed(struct mp_queue *q, u8 prio)
{
	return !q->broadcast && !q->idle && !mp_level_find(q, prio);
}

static __always_inline void mp_msg_put_list(struct list_head *list)
{
	struct mp_msg *msg, *tmp;

	list_for_each_entry_safe(msg, tmp, list, node) {
		list_del(&msg->node);
		mp_msg_put(msg);
	}
}

/*
 * Sleep until woken, signalled or past @deadline. Called and returns
 * with q->lock held. The wake-ups the caller has collected (@wl) and the
 * pollers it owes (*@poll) are issued once the lock is dropped, before
 * sleeping: a sender that sleeps until its message is taken must first
 * wake those who would take it. Return: 0 to look again, -ETIMEDOUT, or
 * -ERESTARTNOHAND when a signal is pending (so that, as System V's
 * calls, it is never restarted once a handler ran, but is restarted
 * after a stop).
 */
static int mp_queue_sleep(struct mp_queue *q, struct mp_waiter *w,
			  ktime_t *deadline, struct mp_wake_list *wl,
			  __poll_t *poll)
	__must_hold(&q->lock)
{
	int timed_out = 0;

	__set_current_state(TASK_INTERRUPTIBLE);
	spin_unlock(&q->lock);
	if (wl)
		mp_wake_up(wl);
	if (poll && *poll) {
		mp_queue_wake_pollers(q, *poll);
		*poll = 0;
	}
	if (deadline)
		timed_out = !schedule_hrtimeout_range_clock(deadline, 0,
							    HRTIMER_MODE_ABS,
							    CLOCK_MONOTONIC);
	else
		schedule();
	spin_lock(&q->lock);

	if (w->ready)
		return 0;
	if (signal_pending(current))
		return -ERESTARTNOHAND;
	return timed_out ? -ETIMEDOUT : 0;
}

/*
 * Wait, after queueing @msg, until a receiver takes it. On a signal or
 * the deadline the message is withdrawn if nobody took it, so that the
 * caller can retry without duplicating it.
 */
static int mp_queue_wait_taken(struct mp_queue *q, struct mp_msg *msg,
			       ktime_t *deadline, struct list_head *done,
			       struct mp_wake_list *wl, __poll_t *poll)
	__must_hold(&q->lock)
{
	struct mp_waiter w = { .task = current };
	int ret;

	INIT_LIST_HEAD(&w.node);
	msg->sync = &w;
	msg->flags |= MP_M_WAS_SYNC;
	q->nr_senders++;
	do {
		ret = mp_queue_sleep(q, &w, deadline, wl, poll);
	} while (!ret && !w.ready);
	q->nr_senders--;

	if (w.ready)
		return w.err;

	/*
	 * Not taken: a signal or the deadline. Withdraw it, unless some
	 * broadcast subscribers already took it: then it stays for the
	 * others, and the caller still learns that the wait was cut short.
	 */
	msg->sync = NULL;
	if (!q->broadcast || msg->pending == msg->fanout) {
		struct mp_sub *sub;

		list_for_each_entry(sub, &q->subs, node) {
			if (sub->pos == msg)
				sub->pos = mp_queue_next(q, msg);
		}
		mp_queue_unlink(q, msg);
		list_add_tail(&msg->node, done);
		/* Room was made: senders asleep for it look again. */
		mp_queue_wake_senders(q, wl);
		*poll |= EPOLLOUT | EPOLLWRNORM;
		return ret;
	}
	/*
	 * Some subscribers took it: it stays, and a restart would send it
	 * again, so a signal ends the call with EINTR.
	 */
	return ret == -ERESTARTNOHAND ? -EINTR : ret;
}

/* Straight to a receiver asleep for it, if one is (the queue is locked). */
static noinline bool mp_queue_try_handoff(struct mp_queue *q, struct mp_msg *msg)
	__releases(&q->lock)
{
	struct mp_wake_list wake_q;
	bool sent;

	mp_wake_init(&wake_q);
	sent = mp_queue_handoff(q, msg, &wake_q);
	spin_unlock(&q->lock);
	mp_wake_up(&wake_q);
	return sent;
}

/**
 * mp_queue_try_send() - the usual send, if it is one
 * @q: the queue
 * @msg: a stamped message, consumed if sent
 *
 * Room for it, or a receiver asleep for it; its priority level there:
 * sent without waiting. Anything else (and a synchronous send, which
 * never comes here) is left to __mp_queue_send().
 *
 * Context: Any context that may take q->lock: the caller may hold @q
 * under RCU only; does not sleep.
 * Return: true if sent.
 */
bool mp_queue_try_send(struct mp_queue *q, struct mp_msg *msg)
{
	spin_lock(&q->lock);
	if (unlikely(q->dead || q->broadcast))
		goto slow;
	if (!list_empty(&q->receivers))
		return mp_queue_try_handoff(q, msg);
	if (unlikely(mp_queue_rendezvous(q, msg) || !mp_queue_room_for(q, msg) ||
		     (!q->idle && !mp_level_find(q, msg->prio))))
		goto slow;
	mp_queue_stamp_send(q, msg);
	mp_queue_link(q, msg, NULL);
	spin_unlock(&q->lock);
	mp_queue_wake_pollers(q, EPOLLIN | EPOLLRDNORM);
	return true;
slow:
	spin_unlock(&q->lock);
	return false;
}

/**
 * mp_queue_try_receive() - the usual receive, if it is one
 * @q: the queue (not broadcast)
 * @sel: what to take (no peek, no discard)
 *
 * The first message @sel selects is there and fits: taken without
 * waiting. Anything else is left to mp_queue_receive().
 *
 * Context: Any context that may take q->lock: the caller may hold @q
 * under RCU only; does not sleep.
 * Return: the message (the queue's reference goes to the caller),
 * ERR_PTR(-ENOMSG) when nothing is there for a receive that does not
 * wait, or NULL: mp_queue_receive() decides.
 */
struct mp_msg *mp_queue_try_receive(struct mp_queue *q,
				    const struct mp_select *sel)
{
	struct mp_wake_list wake_q;
	struct mp_msg *msg;

	spin_lock(&q->lock);
	if (unlikely(q->dead || q->broadcast || (sel->rights && sel->rights_gen != q->rights_gen)))
		goto none;
	msg = mp_queue_find(q, sel);
	if (!msg && sel->nowait) {
		/* Nothing for it, and it does not wait: done. */
		spin_unlock(&q->lock);
		return ERR_PTR(-ENOMSG);
	}
	if (!msg || (msg->len > sel->bufsz && !sel->noerror) || msg->ext)
		goto none;
	mp_wake_init(&wake_q);
	mp_queue_stamp_receive(q, msg);
	mp_queue_unlink(q, msg);
	mp_msg_taken(msg, 0, &wake_q);
	mp_queue_wake_senders(q, &wake_q);
	spin_unlock(&q->lock);
	mp_wake_up(&wake_q);
	mp_queue_wake_pollers(q, EPOLLOUT | EPOLLWRNORM);
	return msg;
none:
	spin_unlock(&q->lock);
	return NULL;
}

static int mp_queue_send_slow(struct mp_queue *q, struct mp_msg *msg,
			      bool nowait, bool sync, ktime_t *deadline,
			      struct mp_wake_list *defer);
static struct mp_msg *mp_queue_receive_slow(struct mp_queue *q,
					    const struct mp_select *sel,
					    u64 *overrun);

/**
 * mp_queue_send() - send a message into a queue
 * @q: the queue
 * @msg: a stamped message; consumed whatever happens
 * @nowait: fail with -EAGAIN rather than wait for room or a receiver
 * @sync: return only once a receiver (every subscriber) took it
 * @deadline: CLOCK_MONOTONIC deadline for any wait, or NULL
 *
 * A zero-capacity queue makes every send synchronous: the message waits
 * only while its sender does.
 *
 * Context: Process context; takes q->lock; may sleep.
 * Return: 0, -EAGAIN, -EIDRM, -ETIMEDOUT or -ERESTARTNOHAND.
 */
int mp_queue_send(struct mp_queue *q, struct mp_msg *msg, bool nowait,
		  bool sync, ktime_t *deadline)
{
	return __mp_queue_send(q, msg, nowait, sync, deadline, NULL);
}

/**
 * __mp_queue_send() - mp_queue_send(), with the wake-ups left to the caller
 * @q: the queue
 * @msg: a stamped message; consumed whatever happens
 * @nowait: fail with -EAGAIN rather than wait
 * @sync: return only once a receiver took it
 * @deadline: CLOCK_MONOTONIC deadline for any wait, or NULL
 * @defer: the caller's wake list (a batch), or NULL: whom this send wakes
 *	is woken when the caller calls mp_wake_up(), or before this send
 *	sleeps, so that a batch never waits on a receiver it has not woken
 *
 * Context: Process context; takes q->lock; may sleep.
 * Return: as mp_queue_send().
 */
int __mp_queue_send(struct mp_queue *q, struct mp_msg *msg, bool nowait,
		    bool sync, ktime_t *deadline, struct mp_wake_list *defer)
{
	if (!sync && mp_queue_try_send(q, msg))
		return 0;
	return mp_queue_send_slow(q, msg, nowait, sync, deadline, defer);
}

/* Everything but the usual send: waiting, broadcast, hand-over, sync. */
static noinline int mp_queue_send_slow(struct mp_queue *q, struct mp_msg *msg,
				       bool nowait, bool sync, ktime_t *deadline,
				       struct mp_wake_list *defer)
{
	struct mp_waiter w = { .task = current };
	struct mp_wake_list local, *wq = defer ? defer : &local;
	struct mp_level *spare = NULL;
	__poll_t poll = 0;
	u64 overruns = 0;
	LIST_HEAD(done);
	int ret;

	mp_wake_init(&local);
	INIT_LIST_HEAD(&w.node);
	spin_lock(&q->lock);
	for (;;) {
		bool rendezvous = mp_queue_rendezvous(q, msg);

		ret = q->dead_err;
		if (q->dead)
			break;

		if (!q->broadcast) {
			if (mp_queue_handoff(q, msg, wq)) {
				msg = NULL;
				ret = 0;
				break;
			}
			if (rendezvous && nowait) {
				ret = -EAGAIN;
				break;
			}
		} else if (!q->nr_subs) {
			/* Nobody to deliver to: sent, and gone. */
			mp_queue_stamp_send(q, msg);
			list_add_tail(&msg->node, &done);
			msg = NULL;
			ret = 0;
			break;
		} else if (q->lossy && !rendezvous) {
			/* What everyone has taken goes before anything is lost. */
			mp_queue_bcast_trim(q, &done);
			while (!mp_queue_has_room(q, msg->len) && q->qnum) {
				mp_queue_bcast_drop_oldest(q, &done, wq);
				overruns = q->overruns;
			}
		}

		if (rendezvous || mp_queue_room_for(q, msg)) {
			if (!spare && mp_level_needed(q, msg->prio)) {
				/* A priority new to the queue: a level, made unlocked. */
				spin_unlock(&q->lock);
				spare = mp_level_alloc();
				spin_lock(&q->lock);
				ret = -ENOMEM;
				if (!spare)
					break;
				continue;
			}
			mp_queue_stamp_send(q, msg);
			if (q->broadcast)
				mp_queue_bcast_deliver(q, msg);
			else
				mp_queue_link(q, msg, &spare);
			mp_queue_wake_peekers(q, msg, wq);
			poll = EPOLLIN | EPOLLRDNORM;
			ret = 0;
			if (sync || rendezvous)
				ret = mp_queue_wait_taken(q, msg, deadline, &done,
							  wq, &poll);
			msg = NULL;
			break;
		}

		ret = -EAGAIN;
		if (nowait)
			break;
		list_add_tail(&w.node, &q->senders);
		q->nr_senders++;
		ret = mp_queue_sleep(q, &w, deadline, wq, NULL);
		list_del_init(&w.node);
		q->nr_senders--;
		w.ready = false;
		if (ret)
			break;
	}
	spin_unlock(&q->lock);
	mp_level_free(spare);
	if (!defer)
		mp_wake_up(wq);
	if (poll)
		mp_queue_wake_pollers(q, poll);
	if (msg)
		mp_msg_put(msg);
	mp_msg_put_list(&done);
	if (overruns)
		mp_nl_event(MSGPASS_EVENT_OVERRUN, q->id, NULL, NULL, overruns);
	return ret;
}

/* The subscription of the calling process, if it has one. */
static struct mp_sub *mp_queue_find_sub(struct mp_queue *q, struct pid *pid)
{
	struct mp_sub *sub;

	list_for_each_entry(sub, &q->subs, node) {
		if (sub->ep->pid == pid)
			return sub;
	}
	return NULL;
}

/*
 * Take (or, peeking, look at) the message @sel selects, if there is
 * one. Return: the message with a reference for the caller, NULL if
 * none is there, or an ERR_PTR.
 */
static struct mp_msg *mp_queue_take(struct mp_queue *q,
				    const struct mp_select *sel, u64 *overrun,
				    struct list_head *done,
				    struct mp_wake_list *wake_q)
{
	struct mp_msg *msg;
	struct mp_sub *sub = NULL;

	if (q->broadcast) {
		sub = mp_queue_find_sub(q, task_tgid(current));
		if (!sub)
			return ERR_PTR(-ENOTCONN);
		msg = sub->pos;
	} else {
		msg = mp_queue_find(q, sel);
	}
	if (!msg)
		return NULL;
	/* A message dropped unread (MP_RECV_DISCARD) needs no room. */
	if (!sel->discard && msg->len > sel->bufsz && !sel->noerror)
		return ERR_PTR(-E2BIG);
	if (!sel->discard && mp_msg_nr_files(msg) > sel->fd_room)
		return ERR_PTR(-ENOBUFS);

	if (sel->peek) {
		refcount_inc(&msg->ref);
		return msg;
	}

	mp_queue_stamp_receive(q, msg);
	if (sub) {
		/* The queue keeps its reference until every subscriber took it. */
		refcount_inc(&msg->ref);
		sub->pos = mp_queue_next(q, msg);
		*overrun = sub->overrun;
		sub->overrun = 0;
		mp_queue_bcast_release(q, msg, wake_q);
		mp_queue_bcast_trim_until(q, msg, done);
	} else {
		/* The queue's reference goes with it to the caller. */
		mp_queue_unlink(q, msg);
		mp_msg_taken(msg, 0, wake_q);
	}
	mp_queue_wake_senders(q, wake_q);
	return msg;
}

/**
 * mp_queue_receive() - receive a message from a queue
 * @q: the queue
 * @sel: what to take, and how to wait
 * @overrun: set to the messages a broadcast subscriber lost before this
 *
 * Context: Process context; takes q->lock; may sleep.
 * Return: the message, with a reference the caller drops with
 * mp_msg_put() (or hands back with mp_queue_put_back() when it could not
 * deliver it), or ERR_PTR(-ENOMSG, -E2BIG, -EIDRM, -ENOTCONN,
 * -ETIMEDOUT, -ERESTARTNOHAND).
 */
struct mp_msg *mp_queue_receive(struct mp_queue *q, const struct mp_select *sel,
				u64 *overrun)
{
	struct mp_msg *msg;

	*overrun = 0;
	if (!sel->peek && !sel->discard) {
		msg = mp_queue_try_receive(q, sel);
		if (msg)
			return msg;
	}
	return mp_queue_receive_slow(q, sel, overrun);
}

/* Everything but the usual receive: waiting, broadcast, peeks, errors. */
static noinline struct mp_msg *mp_queue_receive_slow(struct mp_queue *q,
						     const struct mp_select *sel,
						     u64 *overrun)
{
	struct mp_waiter w = { .task = current, .sel = sel };
	struct mp_wake_list wake_q;
	struct mp_msg *msg;
	LIST_HEAD(done);
	int ret;

	mp_wake_init(&wake_q);
	INIT_LIST_HEAD(&w.node);
	spin_lock(&q->lock);
	for (;;) {
		msg = ERR_PTR(q->dead_err);
		if (q->dead)
			break;
		/* A right taken away meanwhile: the caller checks it again. */
		msg = ERR_PTR(-ESTALE);
		if (sel->rights && sel->rights_gen != q->rights_gen)
			break;
		msg = mp_queue_take(q, sel, overrun, &done, &wake_q);
		if (msg)
			break;
		msg = ERR_PTR(-ENOMSG);
		if (sel->nowait)
			break;

		list_add_tail(&w.node, &q->receivers);
		q->nr_receivers++;
		/* A zero-capacity queue is writable while a receiver waits. */
		if (!q->capacity)
			mp_queue_wake_pollers(q, EPOLLOUT | EPOLLWRNORM);
		ret = mp_queue_sleep(q, &w, sel->deadline, &wake_q, NULL);
		list_del_init(&w.node);
		q->nr_receivers--;
		if (w.ready) {
			w.ready = false;
			if (w.err) {
				msg = ERR_PTR(w.err);
				break;
			}
			if (w.msg) {
				/* Handed over by its sender, never queued. */
				msg = w.msg;
				mp_queue_stamp_receive(q, msg);
				break;
			}
			continue;
		}
		if (ret) {
			msg = ERR_PTR(ret);
			break;
		}
	}
	spin_unlock(&q->lock);
	mp_wake_up(&wake_q);
	if (!IS_ERR(msg) && !sel->peek)
		mp_queue_wake_pollers(q, EPOLLOUT | EPOLLWRNORM);
	mp_msg_put_list(&done);
	return msg;
}

/*
 * A broadcast subscriber gives back the message it just took: its
 * position goes back one. The message stayed queued while the receive
 * delivered it (mp_queue_bcast_trim_until()), unless another task freed
 * it meanwhile (every subscriber had taken it, or a full lossy queue
 * dropped it): a message that left the queue is never linked into it
 * again, for the task that unlinked it may still hold it on a list of
 * its own; it then counts as an overrun. So does one a later receive of
 * another thread of the same process went past.
 */
static void mp_queue_bcast_put_back(struct mp_queue *q, struct mp_msg *msg,
				    u64 overrun)
{
	struct mp_sub *sub = mp_queue_find_sub(q, task_tgid(current));

	if (!sub)
		return;
	sub->overrun += overrun;
	if (!(msg->flags & MP_M_QUEUED) || sub->pos != mp_queue_next(q, msg)) {
		sub->overrun++;
		return;
	}
	msg->pending++;
	sub->pos = msg;
	q->received--;
}

/**
 * mp_queue_put_back() - requeue a message its receiver could not store
 * @q: the queue it was taken from
 * @msg: the message, with the caller's reference
 * @overrun: broadcast: the overrun count the receive took with it
 *
 * It goes back where it was, by priority and sequence number, so that it
 * is neither lost nor reordered.
 *
 * Context: Process context; takes q->lock.
 */
void mp_queue_put_back(struct mp_queue *q, struct mp_msg *msg, u64 overrun)
{
	struct mp_wake_list wake_q;
	struct mp_level *spare = NULL;

	mp_wake_init(&wake_q);
	spin_lock(&q->lock);
	if (q->dead) {
		spin_unlock(&q->lock);
		/* Gone with its queue: a call's caller learns it (EIDRM). */
		if (msg->call)
			mp_call_msg_freed(msg);
		mp_msg_put(msg);
		return;
	}
	if (q->broadcast) {
		mp_queue_bcast_put_back(q, msg, overrun);
		spin_unlock(&q->lock);
		mp_msg_put(msg);
		mp_queue_wake_pollers(q, EPOLLIN | EPOLLRDNORM);
		return;
	}
	if (mp_level_needed(q, msg->prio)) {
		/* Its level went when it was taken: a new one, never failing. */
		spin_unlock(&q->lock);
		spare = kmem_cache_alloc(mp_level_cache, GFP_KERNEL_ACCOUNT | __GFP_NOFAIL);
		spin_lock(&q->lock);
	}
	mp_queue_link(q, msg, &spare);
	q->received--;
	if (msg->flags & MP_M_LINK)
		msg->link->received--;
	mp_queue_wake_receivers(q, &wake_q);
	spin_unlock(&q->lock);
	mp_level_free(spare);
	mp_wake_up(&wake_q);
	mp_queue_wake_pollers(q, EPOLLIN | EPOLLRDNORM);
}

/**
 * mp_queue_taken() - a receive delivered the message it took
 * @q: the queue it came from
 *
 * A broadcast message every subscriber has now taken leaves the queue
 * (mp_queue_take() leaves it there while it may still come back), and
 * the room it held goes to the senders.
 *
 * Context: Process context; takes q->lock for a broadcast queue.
 */
void mp_queue_taken(struct mp_queue *q)
{
	struct mp_wake_list wake_q;
	LIST_HEAD(done);

	mp_wake_init(&wake_q);
	if (!q->broadcast)
		return;
	spin_lock(&q->lock);
	mp_queue_bcast_trim(q, &done);
	if (!list_empty(&done))
		mp_queue_wake_senders(q, &wake_q);
	spin_unlock(&q->lock);
	if (list_empty(&done))
		return;
	mp_wake_up(&wake_q);
	mp_queue_wake_pollers(q, EPOLLOUT | EPOLLWRNORM);
	mp_msg_put_list(&done);
}

/**
 * mp_queue_settle() - the end of a receive that took a message from @q
 * @q: the queue
 * @back: the message to put back (mp_msg_deliver() could not deliver
 *	it), or NULL when it was delivered
 * @overrun: broadcast: the overrun count the receive took with it
 * @peek: the receive only looked: nothing to settle
 *
 * Context: Process context; takes q->lock.
 */
void mp_queue_settle(struct mp_queue *q, struct mp_msg *back, u64 overrun, bool peek)
{
	if (back)
		mp_queue_put_back(q, back, overrun);
	else if (!peek && q->broadcast)
		mp_queue_taken(q);
}

/**
 * mp_queue_kill() - remove a queue: fail every call on it with EIDRM
 * @q: the queue
 *
 * Sleepers wake with EIDRM, queued messages are freed, subscribers stay
 * on @q->subs for the caller to free.
 *
 * Context: Process context; takes q->lock.
 */
void mp_queue_kill(struct mp_queue *q)
{
	struct mp_waiter *w, *tmp;
	struct rb_node *rb;
	struct mp_msg *msg;
	struct mp_wake_list wake_q;
	struct mp_sub *sub;
	LIST_HEAD(done);

	mp_wake_init(&wake_q);
	spin_lock(&q->lock);
	q->dead = true;
	list_for_each_entry_safe(w, tmp, &q->receivers, node)
		mp_waiter_finish(w, NULL, q->dead_err, &wake_q);
	mp_queue_wake_senders(q, &wake_q);
	/* Every message, of every level, and the levels themselves. */
	while ((rb = rb_first_cached(&q->levels))) {
		struct mp_level *lv = rb_entry(rb, struct mp_level, node);

		list_splice_tail_init(&lv->msgs, &q->msgs);
		rb_erase_cached(rb, &q->levels);
		kmem_cache_free(mp_level_cache, lv);
	}
	q->idle = NULL;
	list_for_each_entry(msg, &q->msgs, node) {
		mp_msg_taken(msg, q->dead_err, &wake_q);
		msg->flags &= ~MP_M_QUEUED;
	}
	list_splice_init(&q->msgs, &done);
	list_for_each_entry(sub, &q->subs, node)
		sub->pos = NULL;
	q->qnum = 0;
	q->qbytes = 0;
	spin_unlock(&q->lock);

	mp_wake_up(&wake_q);
	wake_up_interruptible_poll(&q->poll_wait, EPOLLERR | EPOLLHUP);
	/*
	 * A request in flight is pinned by its caller too (to withdraw it),
	 * so its call is failed here rather than when it is freed.
	 */
	list_for_each_entry(msg, &done, node) {
		if (msg->call)
			mp_call_msg_freed(msg);
	}
	mp_msg_put_list(&done);
}

/**
 * mp_queue_poll_mask() - readiness of a queue for a process
 * @q: the queue
 * @pid: the process (for its broadcast subscription)
 *
 * Context: Takes q->lock.
 * Return: EPOLLIN when a message is there for @pid, EPOLLOUT when a send
 * would not wait, EPOLLERR | EPOLLHUP once removed.
 */
__poll_t mp_queue_poll_mask(struct mp_queue *q, struct pid *pid)
{
	__poll_t mask = 0;

	spin_lock(&q->lock);
	if (q->dead) {
		mask = EPOLLERR | EPOLLHUP;
		goto out;
	}
	if (q->broadcast) {
		struct mp_sub *sub = mp_queue_find_sub(q, pid);

		if (sub && sub->pos)
			mask |= EPOLLIN | EPOLLRDNORM;
		if (q->lossy || !q->nr_subs || mp_queue_has_room(q, 0))
			mask |= EPOLLOUT | EPOLLWRNORM;
		goto out;
	}
	if (q->qnum)
		mask |= EPOLLIN | EPOLLRDNORM;
	if (q->capacity ? mp_queue_has_room(q, 0) : q->nr_receivers > 0)
		mask |= EPOLLOUT | EPOLLWRNORM;
out:
	spin_unlock(&q->lock);
	return mask;
}

/**
 * mp_queue_sub_add() - subscribe to a broadcast queue
 * @q: the queue
 * @sub: the subscription, filled in but for its position
 *
 * The subscriber takes the messages sent from now on.
 *
 * Context: Caller holds mp_registry_lock; takes q->lock.
 */
void mp_queue_sub_add(struct mp_queue *q, struct mp_sub *sub)
{
	spin_lock(&q->lock);
	sub->pos = NULL;
	sub->overrun = 0;
	list_add_tail(&sub->node, &q->subs);
	q->nr_subs++;
	spin_unlock(&q->lock);
}

/**
 * mp_queue_sub_del() - end a broadcast subscription
 * @q: the queue
 * @sub: the subscription; the caller frees it
 *
 * What the subscriber had yet to take no longer waits for it.
 *
 * Context: Caller holds mp_registry_lock; takes q->lock.
 */
void mp_queue_sub_del(struct mp_queue *q, struct mp_sub *sub)
{
	struct mp_wake_list wake_q;
	struct mp_msg *msg;
	LIST_HEAD(done);

	mp_wake_init(&wake_q);
	spin_lock(&q->lock);
	list_del(&sub->node);
	q->nr_subs--;
	for (msg = sub->pos; msg; msg = mp_queue_next(q, msg))
		mp_queue_bcast_release(q, msg, &wake_q);
	sub->pos = NULL;
	mp_queue_bcast_trim(q, &done);
	mp_queue_wake_senders(q, &wake_q);
	/* Its receives asleep end (ENOTCONN); the others look again. */
	mp_queue_wake_receivers(q, &wake_q);
	spin_unlock(&q->lock);
	mp_wake_up(&wake_q);
	mp_queue_wake_pollers(q, EPOLLOUT | EPOLLWRNORM);
	mp_msg_put_list(&done);
}

/**
 * mp_queue_room_changed() - the capacity changed: senders look again
 * @q: the queue
 *
 * Context: Process context; takes q->lock.
 */
void mp_queue_room_changed(struct mp_queue *q)
{
	struct mp_wake_list wake_q;

	mp_wake_init(&wake_q);
	spin_lock(&q->lock);
	mp_queue_wake_senders(q, &wake_q);
	spin_unlock(&q->lock);
	mp_wake_up(&wake_q);
	mp_queue_wake_pollers(q, EPOLLOUT | EPOLLWRNORM);
}

/**
 * mp_queue_rights_changed() - a right to receive was taken away
 * @q: the queue
 *
 * Sleeping receivers wake and have their right checked again (see
 * &mp_select.rights).
 *
 * Context: Process context; takes q->lock.
 */
void mp_queue_rights_changed(struct mp_queue *q)
{
	struct mp_wake_list wake_q;

	mp_wake_init(&wake_q);
	spin_lock(&q->lock);
	q->rights_gen++;
	mp_queue_wake_receivers(q, &wake_q);
	spin_unlock(&q->lock);
	mp_wake_up(&wake_q);
}

/**
 * mp_queue_withdraw() - take a queued message back out, unreceived
 * @q: the queue
 * @msg: a message on it (MP_M_QUEUED); the queue's reference passes to
 *	the caller
 *
 * Room was made: once the lock is dropped, the caller lets the senders
 * look again with mp_queue_room_changed().
 *
 * Context: Caller holds q->lock.
 */
void mp_queue_withdraw(struct mp_queue *q, struct mp_msg *msg)
{
	lockdep_assert_held(&q->lock);
	mp_queue_unlink(q, msg);
}

/**
 * mp_queue_post() - deliver a message that must not wait
 * @q: the queue
 * @msg: a stamped message
 * @fit: obey the queue's capacity
 *
 * Used for kernel notes: the message goes to a waiting receiver or onto
 * the queue. With @fit, a queue that is dead or has no room for it
 * leaves it to the caller; without, it goes whatever the capacity (the
 * caller's own inbox), or is dropped with a dead queue.
 *
 * Context: Process context; takes q->lock.
 * Return: true if @msg was consumed; false (only with @fit) if not.
 */
bool mp_queue_post(struct mp_queue *q, struct mp_msg *msg, bool fit)
{
	/* A level it may need, made before the lock; notes are rare. */
	struct mp_level *spare = kmem_cache_alloc(mp_level_cache,
						  GFP_KERNEL_ACCOUNT | __GFP_NOFAIL);
	struct mp_wake_list wake_q;
	bool queued = false;
	LIST_HEAD(done);

	mp_wake_init(&wake_q);
	spin_lock(&q->lock);
	if (fit && (q->dead || (!mp_queue_has_room(q, msg->len) &&
				!(q->broadcast ? !q->nr_subs || q->lossy :
				  !list_empty(&q->receivers))))) {
		spin_unlock(&q->lock);
		mp_level_free(spare);
		return false;
	}
	if (q->dead) {
		list_add(&msg->node, &done);
	} else if (q->broadcast) {
		if (fit && q->lossy) {
			while (!mp_queue_has_room(q, msg->len) && q->qnum)
				mp_queue_bcast_drop_oldest(q, &done, &wake_q);
		}
		if (q->nr_subs) {
			mp_queue_stamp_send(q, msg);
			mp_queue_bcast_deliver(q, msg);
			mp_queue_wake_peekers(q, msg, &wake_q);
			queued = true;
		} else {
			mp_queue_stamp_send(q, msg);
			list_add(&msg->node, &done);
		}
	} else if (!mp_queue_handoff(q, msg, &wake_q)) {
		if (fit && !mp_queue_has_room(q, msg->len)) {
			/* The waiting receivers did not take it. */
			spin_unlock(&q->lock);
			mp_level_free(spare);
			mp_wake_up(&wake_q);
			return false;
		}
		mp_queue_stamp_send(q, msg);
		mp_queue_link(q, msg, &spare);
		mp_queue_wake_peekers(q, msg, &wake_q);
		queued = true;
	}
	spin_unlock(&q->lock);
	mp_level_free(spare);
	mp_wake_up(&wake_q);
	if (queued)
		mp_queue_wake_pollers(q, EPOLLIN | EPOLLRDNORM);
	mp_msg_put_list(&done);
	return true;
}

/**
 * mp_queue_caches_init() - create the cache of priority levels
 *
 * Context: Module init.
 * Return: 0 or -ENOMEM.
 */
int __init mp_queue_caches_init(void)
{
	mp_level_cache = KMEM_CACHE(mp_level, SLAB_ACCOUNT);
	return mp_level_cache ? 0 : -ENOMEM;
}

/**
 * mp_queue_caches_exit() - destroy it (every queue is gone)
 *
 * Context: Module exit.
 */
void mp_queue_caches_exit(void)
{
	kmem_cache_destroy(mp_level_cache);
}

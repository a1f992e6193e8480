// SPDX-License-Identifier: GPL-2.0
/*
 * msgpass peer-death notification: a process asks to be sent a message
 * when a process's endpoint or a mailbox goes away.
 *
 * The note is allocated when the watch is made, so that it can always be
 * delivered: when the target goes, the watch is taken off the list and
 * its note posted to the mailbox the watcher named, if that has room,
 * else to the watcher's own inbox (past any capacity: it is the
 * watcher's). A note is marked as the kernel's (MP_MSG_KERNEL, no sender
 * process, no sender user), so no receiver can take it for a process's
 * message. A watch fires once; it also ends with its watcher. Everything
 * here is under mp_registry_lock.
 */
#include <linux/cred.h>
#include <linux/hash.h>
#include <linux/hashtable.h>
#include <linux/ipc.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "msgpass.h"

#define MP_WATCHES_MAX	256

/**
 * struct mp_watch - one watch
 * @node: in mp_watch_table, under the hash of its target
 * @ep_node: in &mp_endpoint.watches of the watcher
 * @watcher: the endpoint that made it
 * @kind: MP_WATCH_PROCESS or MP_WATCH_MAILBOX
 * @pid: the process watched
 * @mbox: the mailbox ID watched
 * @notify: the mailbox ID the note goes to, or -1 for the inbox
 * @note: the note, ready to go
 */
struct mp_watch {
	struct hlist_node node;
	struct list_head ep_node;
	struct mp_endpoint *watcher;
	u32 kind;
	struct pid *pid;
	int mbox;
	int notify;
	struct mp_msg *note;
};

/*
 * Watches by target, so that an end (every process exit, every mailbox
 * removal) looks only at the watches of what ended: a user with many
 * watches slows nobody else's exit or removal.
 */
#define MP_WATCH_BITS	10
static DEFINE_HASHTABLE(mp_watch_table, MP_WATCH_BITS);

/* A mailbox is its namespace's (the watcher's) and its ID there. */
static unsigned long mp_watch_key(u32 kind, struct pid *pid, const struct mp_ns *n, int mbox)
{
	if (kind == MP_WATCH_PROCESS)
		return (unsigned long)pid;
	return (unsigned long)n ^ hash_32((u32)mbox, 32);
}

static void mp_watch_free(struct mp_watch *w)
{
	hash_del(&w->node);
	list_del(&w->ep_node);
	w->watcher->nr_watches--;
	if (w->note)
		mp_msg_put(w->note);
	put_pid(w->pid);
	kfree(w);
}

static void mp_watch_deliver(struct mp_watch *w, u32 reason)
{
	struct mp_death_note *note = (struct mp_death_note *)w->note->data;
	struct mp_msg *msg = w->note;
	struct mp_mailbox *mb;

	note->reason = reason;
	msg->stime_ns = ktime_get_coarse_real_ns();
	w->note = NULL;
	if (w->notify >= 0) {
		bool posted = false;

		mb = mp_mailbox_get(w->watcher->ns, w->notify);
		if (mb) {
			posted = mp_queue_post(&mb->queue, msg, true);
			mp_mailbox_put(mb);
		}
		if (posted)
			return;
	}
	mp_queue_post(&w->watcher->inbox, msg, false);
}

static void mp_watch_fire(u32 kind, struct pid *pid, struct mp_ns *n, int mbox,
			  u32 reason)
{
	struct hlist_node *tmp;
	struct mp_watch *w;

	lockdep_assert_held(&mp_registry_lock);
	hash_for_each_possible_safe(mp_watch_table, w, tmp, node,
				    mp_watch_key(kind, pid, n, mbox)) {
		if (w->kind != kind || (kind == MP_WATCH_PROCESS ? w->pid != pid :
					w->mbox != mbox || w->watcher->ns != n))
			continue;
		mp_watch_deliver(w, reason);
		mp_watch_free(w);
	}
}

/**
 * mp_watch_fire_process() - a process's endpoint ended: tell its watchers
 * @pid: the process
 *
 * Context: Process context; takes mp_registry_lock.
 */
void mp_watch_fire_process(struct pid *pid)
{
	mutex_lock(&mp_registry_lock);
	mp_watch_fire(MP_WATCH_PROCESS, pid, NULL, 0, MP_GONE_EXIT);
	mutex_unlock(&mp_registry_lock);
}

/**
 * mp_watch_fire_mailbox() - a mailbox is gone: tell its watchers
 * @n: its namespace
 * @id: its ID
 * @reason: MP_GONE_REMOVED or MP_GONE_OWNER_EXIT
 *
 * Context: Caller holds mp_registry_lock.
 */
void mp_watch_fire_mailbox(struct mp_ns *n, int id, u32 reason)
{
	mp_watch_fire(MP_WATCH_MAILBOX, NULL, n, id, reason);
}

/**
 * mp_watches_drop() - the watcher ends: its watches go unfired
 * @ep: the watcher
 *
 * Context: Process context; takes mp_registry_lock.
 */
void mp_watches_drop(struct mp_endpoint *ep)
{
	struct mp_watch *w, *tmp;

	mutex_lock(&mp_registry_lock);
	list_for_each_entry_safe(w, tmp, &ep->watches, ep_node)
		mp_watch_free(w);
	mutex_unlock(&mp_registry_lock);
}

static int mp_watch_cancel(struct mp_endpoint *ep, const struct mp_watch_args *a)
{
	struct mp_watch *w, *tmp;
	struct pid *pid = NULL;
	int ret = -ENOENT;

	if (a->flags & MP_WATCH_PIDFD) {
		pid = mp_pid_get(a->target, true);
		if (IS_ERR(pid))
			return PTR_ERR(pid);
	}
	mutex_lock(&mp_registry_lock);
	list_for_each_entry_safe(w, tmp, &ep->watches, ep_node) {
		if (w->kind != a->kind)
			continue;
		if (w->kind == MP_WATCH_MAILBOX ? w->mbox != a->target :
		    pid ? w->pid != pid : pid_vnr(w->pid) != a->target)
			continue;
		mp_watch_free(w);
		ret = 0;
	}
	mutex_unlock(&mp_registry_lock);
	put_pid(pid);
	return ret;
}

long mp_ioctl_watch(struct mp_endpoint *ep, void __user *uarg, size_t usize)
{
	struct mp_endpoint *target_ep;
	struct mp_mailbox *mb = NULL;
	struct mp_death_note *note;
	struct mp_watch_args a;
	struct mp_watch *w;
	long ret;

	ret = mp_args_from_user(&a, sizeof(a), uarg, usize);
	if (ret)
		return ret;
	if ((a.flags & ~(MP_WATCH_TO_MAILBOX | MP_WATCH_CANCEL | MP_WATCH_PIDFD)) ||
	    (a.kind != MP_WATCH_PROCESS && a.kind != MP_WATCH_MAILBOX) ||
	    ((a.flags & MP_WATCH_PIDFD) && a.kind != MP_WATCH_PROCESS) ||
	    !mp_zero_words(a.__reserved, ARRAY_SIZE(a.__reserved)))
		return -EINVAL;
	if (a.flags & MP_WATCH_CANCEL)
		return mp_watch_cancel(ep, &a);
	if (a.type < 1 || (a.target <= 0 && a.kind == MP_WATCH_PROCESS &&
			   !(a.flags & MP_WATCH_PIDFD)))
		return -EINVAL;

	w = kzalloc(sizeof(*w), GFP_KERNEL_ACCOUNT);
	if (!w)
		return -ENOMEM;
	w->note = mp_msg_alloc(sizeof(*note), ep->user);
	if (IS_ERR(w->note)) {
		ret = PTR_ERR(w->note);
		kfree(w);
		return ret;
	}
	note = (struct mp_death_note *)w->note->data;
	memset(note, 0, sizeof(*note));
	note->kind = a.kind;
	note->target = a.target;
	note->cookie = a.cookie;
	w->note->type = a.type;
	w->note->flags |= MP_M_KERNEL;
	w->watcher = ep;
	w->kind = a.kind;
	w->notify = -1;

	if (a.kind == MP_WATCH_PROCESS) {
		target_ep = mp_endpoint_get_arg(ep->ns, a.target, a.flags & MP_WATCH_PIDFD);
		ret = PTR_ERR_OR_ZERO(target_ep);
		if (ret)
			goto err;
		w->pid = get_pid(target_ep->pid);
		mp_endpoint_put(target_ep);
		/* The note names it by pid, as the watcher sees it. */
		note->target = pid_vnr(w->pid);
	} else {
		ret = -EINVAL;
		mb = mp_mailbox_get(ep->ns, a.target);
		if (!mb)
			goto err;
		ret = -EACCES;
		if (!mp_perm_mbox(mb, 0444) && !mp_perm_mbox(mb, 0222))
			goto err;
		w->mbox = a.target;
		mp_mailbox_put(mb);
		mb = NULL;
	}
	if (a.flags & MP_WATCH_TO_MAILBOX) {
		ret = -EINVAL;
		mb = mp_mailbox_get(ep->ns, a.notify);
		if (!mb)
			goto err;
		/*
		 * Only into a mailbox the watcher reads itself: notes are the
		 * kernel's word, and nobody may aim them at somebody else.
		 */
		ret = -EACCES;
		if (!mp_perm_mbox(mb, 0222) || !mp_mailbox_may_receive(mb))
			goto err;
		w->notify = a.notify;
		mp_mailbox_put(mb);
		mb = NULL;
	}

	mutex_lock(&mp_registry_lock);
	if (ep->nr_watches >= MP_WATCHES_MAX) {
		ret = -ENOSPC;
	} else if (a.kind == MP_WATCH_MAILBOX && !mp_mailbox_alive(ep->ns, w->mbox)) {
		/* Removed meanwhile: it is already gone. */
		ret = -EINVAL;
	} else if (a.kind == MP_WATCH_PROCESS && !mp_endpoint_alive(w->pid)) {
		ret = -ESRCH;
	} else {
		hash_add(mp_watch_table, &w->node,
			 mp_watch_key(w->kind, w->pid, ep->ns, w->mbox));
		list_add_tail(&w->ep_node, &ep->watches);
		ep->nr_watches++;
		ret = 0;
	}
	mutex_unlock(&mp_registry_lock);
	if (!ret)
		return 0;
err:
	if (mb)
		mp_mailbox_put(mb);
	mp_msg_put(w->note);
	put_pid(w->pid);
	kfree(w);
	return ret;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * msgpass direct communication: links between processes, the inbox, and
 * the name service.
 *
 * A link carries messages one way, from one process to another; there is
 * at most one per ordered pair. Its messages wait in the receiver's inbox,
 * a &struct mp_queue like a mailbox's, so that Receive(ANY) sees every
 * link in one priority order and every wait, hand-off and timeout is the
 * mailbox code's. What belongs to the link alone, its capacity and its
 * sequence numbers, lives in &struct mp_link, under the inbox lock.
 */
#include <linux/cred.h>
#include <linux/hashtable.h>
#include <linux/ipc.h>
#include <linux/msg.h>
#include <linux/pid_namespace.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/stringhash.h>
#include <linux/uaccess.h>

#include "msgpass.h"

unsigned int mp_max_links = 1024;
unsigned int mp_max_links_per_user = 128;
unsigned int mp_names_per_user = 16;

static void mp_link_free(struct kref *ref)
{
	struct mp_link *link = container_of(ref, struct mp_link, ref);

	put_pid(link->from);
	kfree(link);
	atomic_long_dec(&mp_counters.links);
}

/**
 * mp_link_put() - drop a reference to a link
 * @link: the link
 *
 * Context: Any context but hard interrupts.
 */
void mp_link_put(struct mp_link *link)
{
	kref_put(&link->ref, mp_link_free);
}

static struct mp_link *mp_link_find(struct mp_endpoint *to, struct pid *from)
{
	struct mp_link *link;

	lockdep_assert_held(&to->inbox.lock);
	list_for_each_entry(link, &to->links, node) {
		if (link->from == from)
			return link;
	}
	return NULL;
}

static bool mp_link_sender_gone(const struct mp_link *link)
{
	bool gone;

	rcu_read_lock();
	gone = !pid_task(link->from, PIDTYPE_TGID);
	rcu_read_unlock();
	return gone;
}

/* Is @link reclaimable: empty, and used by no sender right now? */
static bool mp_link_idle(struct mp_link *link)
{
	return !link->qnum && kref_read(&link->ref) == 1;
}

/*
 * Make room under a links limit by forgetting idle links: first those of
 * ended senders, then those made implicitly by a first send (a sender's
 * next send makes its link again, its sequence numbers starting over).
 * A link made with settings of its own (MP_IOC_LINK) of a live sender
 * stays. With @uid valid, only that user's links go.
 */
static unsigned int mp_links_of_user(struct mp_endpoint *to, kuid_t uid);

/* Is the limit that mp_link_reclaim() makes room under still reached? */
static bool mp_link_full(struct mp_endpoint *to, kuid_t uid)
{
	if (uid_valid(uid))
		return mp_links_of_user(to, uid) >= READ_ONCE(mp_max_links_per_user);
	return to->nr_links >= READ_ONCE(mp_max_links);
}

static void mp_link_reclaim(struct mp_endpoint *to, kuid_t uid)
{
	struct mp_link *link, *tmp;
	int pass;

	lockdep_assert_held(&to->inbox.lock);
	for (pass = 0; pass < 2 && mp_link_full(to, uid); pass++) {
		list_for_each_entry_safe(link, tmp, &to->links, node) {
			if (!mp_link_idle(link) ||
			    (uid_valid(uid) && !uid_eq(uid, link->uid)))
				continue;
			if (pass == 0 ? !mp_link_sender_gone(link) : link->explicit)
				continue;
			list_del(&link->node);
			to->nr_links--;
			mp_link_put(link);
			if (pass && !mp_link_full(to, uid))
				break;
		}
	}
}

static unsigned int mp_links_of_user(struct mp_endpoint *to, kuid_t uid)
{
	struct mp_link *link;
	unsigned int n = 0;

	lockdep_assert_held(&to->inbox.lock);
	list_for_each_entry(link, &to->links, node)
		n += uid_eq(link->uid, uid);
	return n;
}

/*
 * May one more link from user @uid go into @to? A receiver's links are
 * shared out: one user other than the receiver's own holds at most
 * max_links_per_user of them, so that no user can take them all.
 */
static int mp_link_admit(struct mp_endpoint *to, kuid_t uid)
{
	unsigned int per_user = READ_ONCE(mp_max_links_per_user);

	lockdep_assert_held(&to->inbox.lock);
	if (!uid_eq(uid, to->uid) && mp_links_of_user(to, uid) >= per_user) {
		mp_link_reclaim(to, uid);
		if (mp_links_of_user(to, uid) >= per_user)
			return -EMLINK;
	}
	if (to->nr_links >= READ_ONCE(mp_max_links))
		mp_link_reclaim(to, INVALID_UID);
	if (to->nr_links >= READ_ONCE(mp_max_links))
		return -EMLINK;
	return 0;
}

/*
 * The link from @from into @to, with a reference, made if there is none.
 * With @args it must not exist yet, and is made with that capacity.
 */
static struct mp_link *mp_link_get(struct mp_endpoint *to, struct pid *from,
				   const struct mp_link_args *args)
{
	struct mp_queue *q = &to->inbox;
	struct mp_link *link, *new;
	int err;

	spin_lock(&q->lock);
	link = mp_link_find(to, from);
	if (link && !args)
		kref_get(&link->ref);
	spin_unlock(&q->lock);
	if (link)
		return args ? ERR_PTR(-EEXIST) : link;

	new = kzalloc(sizeof(*new), GFP_KERNEL_ACCOUNT);
	if (!new)
		return ERR_PTR(-ENOMEM);
	kref_init(&new->ref);
	atomic_long_inc(&mp_counters.links);
	new->from = get_pid(from);
	new->uid = current_euid();
	new->explicit = args;
	new->capacity = MP_UNLIMITED;
	new->max_bytes = READ_ONCE(mp_msgmnb);
	if (args && (args->flags & MP_ATTR_CAPACITY))
		new->capacity = args->capacity;
	if (args && (args->flags & MP_ATTR_MAX_BYTES))
		new->max_bytes = args->max_bytes;

	spin_lock(&q->lock);
	link = mp_link_find(to, from);
	if (q->dead) {
		link = ERR_PTR(-ECONNRESET);
	} else if (link) {
		if (args)
			link = ERR_PTR(-EEXIST);
		else
			kref_get(&link->ref);
	} else {
		err = mp_link_admit(to, new->uid);
		if (err) {
			link = ERR_PTR(err);
		} else {
			list_add_tail(&new->node, &to->links);
			to->nr_links++;
			kref_get(&new->ref);
			link = new;
			new = NULL;
		}
	}
	spin_unlock(&q->lock);
	if (new)
		mp_link_put(new);
	return link;
}

/**
 * mp_link_drop_all() - unlist every link into an ended endpoint
 * @ep: the endpoint, its inbox already dead
 *
 * Context: Process context; takes the inbox lock.
 */
void mp_link_drop_all(struct mp_endpoint *ep)
{
	struct mp_link *link, *tmp;
	LIST_HEAD(gone);

	spin_lock(&ep->inbox.lock);
	list_splice_init(&ep->links, &gone);
	ep->nr_links = 0;
	spin_unlock(&ep->inbox.lock);
	list_for_each_entry_safe(link, tmp, &gone, node) {
		list_del(&link->node);
		mp_link_put(link);
	}
}

/**
 * mp_inbox_send() - send a stamped message to a process's inbox
 * @to: the receiving endpoint
 * @msg: the message; consumed
 * @nowait: do not wait for room
 * @sync: wait until it is received
 * @deadline: deadline of any wait, or NULL
 *
 * The message travels the link from its sender, made if needed.
 *
 * Context: Process context; may sleep.
 * Return: 0, or what mp_queue_send() returns, or -ENOMEM, -EMLINK,
 * -ECONNRESET.
 */
int mp_inbox_send(struct mp_endpoint *to, struct mp_msg *msg, bool nowait,
		  bool sync, ktime_t *deadline)
{
	struct mp_link *link;

	link = mp_link_get(to, msg->sender, NULL);
	if (IS_ERR(link)) {
		mp_msg_put(msg);
		return PTR_ERR(link);
	}
	msg->link = link;
	msg->flags |= MP_M_LINK;
	return mp_queue_send(&to->inbox, msg, nowait, sync, deadline);
}

long mp_ioctl_send(struct mp_endpoint *ep, void __user *uarg, size_t usize)
{
	struct mp_msgsnd_args a;
	struct mp_endpoint *to;
	ktime_t deadline_buf;
	struct mp_msg *msg;
	long mtype;
	long ret;

	ret = mp_send_args_from_user(&a, uarg, usize, &mtype);
	if (ret)
		return ret;
	if (a.id == 0 && !(a.flags & MP_SEND_PIDFD))
		return -EINVAL;
	to = mp_endpoint_get_arg(ep->ns, a.id, a.flags & MP_SEND_PIDFD);
	if (IS_ERR(to))
		return PTR_ERR(to);
	ret = mp_perm_inbox_send(to, a.priority);
	if (ret)
		goto out;
	msg = mp_msg_build(ep, &a, mtype, READ_ONCE(mp_max_msg_size));
	if (IS_ERR(msg)) {
		ret = PTR_ERR(msg);
		goto out;
	}
	ret = mp_inbox_send(to, msg, a.msgflg & IPC_NOWAIT, a.flags & MP_SEND_SYNC,
			    mp_deadline(&deadline_buf, a.flags & MP_SEND_TIMEOUT,
					a.timeout_ns));
out:
	mp_endpoint_put(to);
	return ret;
}

/**
 * mp_inbox_receive() - receive from the caller's inbox
 * @ep: the caller's endpoint
 * @a: checked receive arguments: @a->id the sender's pid, or MP_ANY
 * @sel: the selection they describe
 *
 * Context: Process context; may sleep.
 * Return: body bytes copied, or a negative errno.
 */
long mp_inbox_receive(struct mp_endpoint *ep, const struct mp_msgrcv_args *a,
		      const struct mp_select *sel)
{
	struct mp_select from = *sel;
	struct mp_msg *msg;
	u64 overrun;
	long ret;

	/* P names a process in the receiver's pid namespace, now. */
	if (a->flags & MP_RECV_PIDFD) {
		from.from = mp_pid_get(a->id, true);
		if (IS_ERR(from.from))
			return PTR_ERR(from.from);
		from.from_nr = -1;
	} else {
		from.from_nr = a->id;
		from.from_ns = task_active_pid_ns(current);
	}
	msg = mp_queue_receive(&ep->inbox, &from, &overrun);
	if (IS_ERR(msg)) {
		ret = PTR_ERR(msg);
	} else {
		struct mp_msg *back;

		if (likely(mp_msg_plain(a, msg, &from)))
			ret = mp_msg_deliver_plain(a, msg, &back);
		else
			ret = mp_msg_deliver(a, msg, &from, overrun, ep,
					     pid_vnr(ep->pid), &back);
		mp_queue_settle(&ep->inbox, back, overrun, from.peek);
	}
	put_pid(from.from);
	return ret;
}

long mp_ioctl_recv(struct mp_endpoint *ep, void __user *uarg, size_t usize)
{
	struct mp_msgrcv_args a;
	ktime_t deadline_buf;
	struct mp_select sel;
	long ret;

	ret = mp_recv_args_from_user(&a, uarg, usize, &sel, &deadline_buf);
	if (ret)
		return ret;
	return mp_inbox_receive(ep, &a, &sel);
}

long mp_ioctl_link(struct mp_endpoint *ep, void __user *uarg, size_t usize)
{
	struct mp_endpoint *to;
	struct mp_link_args a;
	struct mp_link *link;
	long ret;

	ret = mp_args_from_user(&a, sizeof(a), uarg, usize);
	if (ret)
		return ret;
	if (a.__pad || (a.flags & ~(MP_ATTR_CAPACITY | MP_ATTR_MAX_BYTES | MP_LINK_PIDFD)) ||
	    !mp_zero_words(a.__reserved, ARRAY_SIZE(a.__reserved)) ||
	    (a.pid <= 0 && !(a.flags & MP_LINK_PIDFD)))
		return -EINVAL;
	if ((a.flags & MP_ATTR_MAX_BYTES) && a.max_bytes > READ_ONCE(mp_msgmnb) &&
	    !capable(CAP_SYS_RESOURCE))
		return -EPERM;
	to = mp_endpoint_get_arg(ep->ns, a.pid, a.flags & MP_LINK_PIDFD);
	if (IS_ERR(to))
		return PTR_ERR(to);
	ret = mp_perm_inbox_send(to, 0);
	link = ret ? ERR_PTR(ret) : mp_link_get(to, ep->pid, &a);
	mp_endpoint_put(to);
	if (IS_ERR(link))
		return PTR_ERR(link);
	mp_link_put(link);
	return 0;
}

static void mp_link_fill(struct mp_link_info *info, const struct mp_link *link,
			 const struct mp_endpoint *to)
{
	memset(info, 0, sizeof(*info));
	info->from = pid_vnr(link->from);
	info->to = pid_vnr(to->pid);
	info->flags = mp_link_sender_gone(link) ? MP_LINK_SENDER_GONE : 0;
	info->capacity = link->capacity;
	info->max_bytes = link->max_bytes;
	info->qnum = link->qnum;
	info->qbytes = link->qbytes;
	info->sent = link->sent;
	info->received = link->received;
}

struct mp_links_walk {
	struct pid *pid;
	struct mp_link_info *out;
	u32 room;
	u32 total;
};

static void mp_links_collect(struct mp_endpoint *to, struct pid *from,
			     struct mp_links_walk *w)
{
	struct mp_link *link;

	spin_lock(&to->inbox.lock);
	list_for_each_entry(link, &to->links, node) {
		if (from && link->from != from)
			continue;
		if (w->total < w->room)
			mp_link_fill(&w->out[w->total], link, to);
		w->total++;
	}
	spin_unlock(&to->inbox.lock);
}

static int mp_links_out_of(struct mp_endpoint *to, void *data)
{
	struct mp_links_walk *w = data;

	mp_links_collect(to, w->pid, w);
	return 0;
}

long mp_ioctl_links(struct mp_endpoint *ep, void __user *uarg, size_t usize)
{
	struct mp_links_walk w = { };
	struct mp_endpoint *of;
	struct mp_links_args a;
	u32 i, room;
	long ret;

	ret = mp_args_from_user(&a, sizeof(a), uarg, usize);
	if (ret)
		return ret;
	if (!a.flags || (a.flags & ~(MP_LINKS_IN | MP_LINKS_OUT)) ||
	    !mp_zero_words(a.__reserved, ARRAY_SIZE(a.__reserved)) || a.pid < 0 ||
	    (a.count && (a.info_size < sizeof(struct mp_link_info) ||
			 a.info_size > MP_STRUCT_MAX)))
		return -EINVAL;
	if (a.pid) {
		of = mp_endpoint_get_by_vnr(ep->ns, a.pid);
		if (!of)
			return -ESRCH;
		/* Another user's process is not there for this caller. */
		if (!mp_perm_see_endpoint(of)) {
			mp_endpoint_put(of);
			return -ESRCH;
		}
	} else {
		of = ep;
		kref_get(&of->ref);
	}

	room = min_t(u32, a.count, 2 * READ_ONCE(mp_max_links));
	if (room) {
		w.out = kvcalloc(room, sizeof(*w.out), GFP_KERNEL);
		if (!w.out) {
			ret = -ENOMEM;
			goto out;
		}
	}
	w.room = room;
	w.pid = of->pid;
	if (a.flags & MP_LINKS_IN)
		mp_links_collect(of, NULL, &w);
	if (a.flags & MP_LINKS_OUT)
		mp_endpoint_for_each(mp_links_out_of, &w);

	ret = 0;
	for (i = 0; i < min(w.total, room); i++) {
		void __user *dst = u64_to_user_ptr(a.buf) + (u64)i * a.info_size;

		if (mp_copy_struct_to_user(dst, a.info_size, &w.out[i], sizeof(w.out[i]))) {
			ret = -EFAULT;
			break;
		}
	}
	if (!ret && put_user(w.total, &((struct mp_links_args __user *)uarg)->count))
		ret = -EFAULT;
	if (!ret)
		ret = min(w.total, room);
	kvfree(w.out);
out:
	mp_endpoint_put(of);
	return ret;
}

/*
 * The name service: names unique in the module, each held by one
 * endpoint, released when it ends. Under mp_registry_lock.
 */
#define MP_EP_NAME_BITS	6

struct mp_ep_name {
	struct hlist_node hnode;
	struct list_head ep_node;
	struct mp_endpoint *ep;
	kuid_t uid;
	char name[MP_NAME_MAX + 1];
};

static u32 mp_name_hash(const char *name)
{
	return full_name_hash(NULL, name, strlen(name));
}

static void mp_name_free(struct mp_ep_name *n);

/*
 * Names are per IPC namespace: the one the caller opened the device in.
 * A name is its holder's while the holding process lives: an endpoint
 * can outlive its process (a descriptor of it kept by another), but its
 * names are then free, so that a restarted service gets its name back
 * and nobody resolves it to a pid a later process may get.
 */
static struct mp_ep_name *mp_name_find(struct mp_ns *ns, const char *name)
{
	struct mp_ep_name *n;

	lockdep_assert_held(&mp_registry_lock);
	hash_for_each_possible(ns->ep_names, n, hnode, mp_name_hash(name)) {
		if (strcmp(n->name, name))
			continue;
		if (!pid_has_task(n->ep->pid, PIDTYPE_TGID)) {
			mp_name_free(n);
			return NULL;
		}
		return n;
	}
	return NULL;
}

static unsigned int mp_names_of(struct mp_ns *ns, kuid_t uid)
{
	struct mp_ep_name *n;
	unsigned int bkt, count = 0;

	lockdep_assert_held(&mp_registry_lock);
	hash_for_each(ns->ep_names, bkt, n, hnode)
		count += uid_eq(n->uid, uid);
	return count;
}

static void mp_name_free(struct mp_ep_name *n)
{
	mp_nl_event(MSGPASS_EVENT_NAME_RELEASED, -1, n->ep->pid, n->name, 0);
	hash_del(&n->hnode);
	list_del(&n->ep_node);
	kfree(n);
}

/**
 * mp_names_drop() - release every name of an ended endpoint
 * @ep: the endpoint
 *
 * Context: Process context; takes mp_registry_lock.
 */
void mp_names_drop(struct mp_endpoint *ep)
{
	struct mp_ep_name *n, *tmp;

	mutex_lock(&mp_registry_lock);
	list_for_each_entry_safe(n, tmp, &ep->names, ep_node)
		mp_name_free(n);
	mutex_unlock(&mp_registry_lock);
}

long mp_ioctl_name(struct mp_endpoint *ep, void __user *uarg, size_t usize)
{
	struct mp_ep_name *n, *new = NULL;
	char name[MP_NAME_MAX + 1];
	struct mp_name_args a;
	s32 resolved = 0;
	long ret;

	ret = mp_args_from_user(&a, sizeof(a), uarg, usize);
	if (ret)
		return ret;
	if (a.op < MP_NAME_REGISTER || a.op > MP_NAME_RESOLVE ||
	    !mp_zero_words(a.__reserved, ARRAY_SIZE(a.__reserved)))
		return -EINVAL;
	ret = strncpy_from_user(name, u64_to_user_ptr(a.name), sizeof(name));
	if (ret < 0)
		return ret;
	if (ret == 0)
		return -EINVAL;
	if (ret == sizeof(name))
		return -ENAMETOOLONG;

	if (a.op == MP_NAME_REGISTER) {
		new = kzalloc(sizeof(*new), GFP_KERNEL_ACCOUNT);
		if (!new)
			return -ENOMEM;
		strscpy(new->name, name, sizeof(new->name));
		new->ep = ep;
		new->uid = current_euid();
	}

	mutex_lock(&mp_registry_lock);
	n = mp_name_find(ep->ns, name);
	switch (a.op) {
	case MP_NAME_REGISTER:
		if (n) {
			ret = -EADDRINUSE;
		} else if (mp_names_of(ep->ns, new->uid) >= READ_ONCE(mp_names_per_user) &&
			   !capable(CAP_SYS_RESOURCE)) {
			ret = -EDQUOT;
		} else {
			hash_add(ep->ns->ep_names, &new->hnode, mp_name_hash(name));
			list_add(&new->ep_node, &ep->names);
			mp_nl_event(MSGPASS_EVENT_NAME_REGISTERED, -1, ep->pid, name, 0);
			new = NULL;
			ret = 0;
		}
		break;
	case MP_NAME_UNREGISTER:
		if (!n)
			ret = -ENOENT;
		else if (n->ep != ep)
			ret = -EPERM;
		else
			mp_name_free(n);
		break;
	case MP_NAME_RESOLVE:
		ret = n ? pid_vnr(n->ep->pid) : 0;
		resolved = ret;
		ret = ret > 0 ? 0 : -ENOENT;
		break;
	}
	mutex_unlock(&mp_registry_lock);
	kfree(new);
	/* Never fault with the registry held: copy out after. */
	if (a.op == MP_NAME_RESOLVE && !ret &&
	    put_user(resolved, &((struct mp_name_args __user *)uarg)->pid))
		ret = -EFAULT;
	return ret;
}

/**
 * mp_endpoint_names() - the names a process holds
 * @ep: the endpoint
 * @fn: called for each, under mp_registry_lock; non-zero stops
 * @data: passed to @fn
 *
 * Context: Process context; takes mp_registry_lock.
 * Return: what @fn last returned.
 */
int mp_endpoint_names(struct mp_endpoint *ep, int (*fn)(const char *name, void *data),
		      void *data)
{
	struct mp_ep_name *n;
	int ret = 0;

	mutex_lock(&mp_registry_lock);
	list_for_each_entry(n, &ep->names, ep_node) {
		ret = fn(n->name, data);
		if (ret)
			break;
	}
	mutex_unlock(&mp_registry_lock);
	return ret;
}

/**
 * mp_links_count() - links into and out of a process
 * @ep: the endpoint
 * @in: set to the links into it
 * @out: set to the links out of it
 *
 * Context: Process context; takes mp_endpoints_lock and queue locks.
 */
void mp_links_count(struct mp_endpoint *ep, u32 *in, u32 *out)
{
	struct mp_links_walk w = { .pid = ep->pid };

	spin_lock(&ep->inbox.lock);
	*in = ep->nr_links;
	spin_unlock(&ep->inbox.lock);
	mp_endpoint_for_each(mp_links_out_of, &w);
	*out = w.total;
}

/**
 * mp_links_walk_all() - call @fn on every link of every endpoint
 * @n: the IPC namespace whose endpoints' links are walked
 * @fn: called under the receiver's inbox lock; non-zero stops
 * @data: passed to @fn
 * @skip: links to pass over first (to resume a dump)
 *
 * Only the links the caller may see are visited (and counted): those
 * into a process mp_perm_see_endpoint() shows it, and those its own user
 * made.
 *
 * Context: Process context; takes mp_endpoints_lock and queue locks.
 * Return: the number of links visited, @skip included.
 */
unsigned long mp_links_walk_all(struct mp_ns *n,
				int (*fn)(const struct mp_link_info *info, void *data),
				void *data, unsigned long skip)
{
	struct mp_endpoint *ep;
	struct mp_link_info info;
	unsigned long idx = 0, seen = 0;
	struct mp_link *link;
	bool stop = false;

	while (!stop && (ep = mp_endpoint_next(&idx))) {
		bool all = mp_perm_see_endpoint(ep);

		if (ep->ns != n) {
			mp_endpoint_put(ep);
			idx++;
			continue;
		}
		spin_lock(&ep->inbox.lock);
		list_for_each_entry(link, &ep->links, node) {
			/* A caller sees links into its own processes, and its own. */
			if (!all && !uid_eq(link->uid, current_euid()))
				continue;
			if (seen++ < skip)
				continue;
			mp_link_fill(&info, link, ep);
			if (fn(&info, data)) {
				seen--;
				stop = true;
				break;
			}
		}
		spin_unlock(&ep->inbox.lock);
		mp_endpoint_put(ep);
		idx++;
	}
	return seen;
}

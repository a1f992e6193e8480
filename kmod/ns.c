// SPDX-License-Identifier: GPL-2.0
/*
 * msgpass and IPC namespaces: as System V's queues, mailboxes (their
 * IDs, keys and names), process names and the msgmni limit are per IPC
 * namespace, and so are the processes a process can reach directly. A
 * container with its own IPC namespace sees none of the host's, and the
 * host none of its; neither can use up the other's IDs.
 *
 * A &struct mp_ns is made for a namespace when msgpass is first used in
 * it. The kernel exports no way to hold an IPC namespace but an nsfs
 * file of it, so msgpass holds one (the initial namespace, which never
 * goes, needs none). It is made with open_related_ns(), which walks no
 * path (a path is the caller's to make point anywhere: at a FIFO that
 * never opens, or at /dev/msgpass itself) and blocks on nothing the
 * caller controls, and never under mp_registry_lock.
 *
 * The namespace is gone for its users when nothing but that file holds
 * it any more: no task is in it (its count is the one reference of the
 * nsfs dentry), and no mount or descriptor keeps it (that dentry is
 * shared by every nsfs file and bind mount of the namespace, and only
 * msgpass's file holds it). A reaper, run while namespaces other than
 * the initial one are known, then removes its mailboxes, as the
 * kernel's free_ipcs() does for System V's, and frees the &struct mp_ns
 * once the last endpoint and mailbox that point at it are freed.
 *
 * mp_namespaces and the per-namespace maps are under mp_registry_lock;
 * @refs counts what points at a namespace (endpoints, mailboxes, dumps).
 * Mailboxes are found by ID under RCU, in their namespace's own xarray.
 */
#include <linux/capability.h>
#include <linux/dcache.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/ipc_namespace.h>
#include <linux/magic.h>
#include <linux/mutex.h>
#include <linux/nsproxy.h>
#include <linux/proc_fs.h>
#include <linux/proc_ns.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "msgpass.h"

#define MP_NS_REAP_DELAY	(5 * HZ)

static LIST_HEAD(mp_namespaces);
static struct mp_ns *mp_init_ns;
static void mp_ns_reap(struct work_struct *work);
static DECLARE_DELAYED_WORK(mp_ns_reaper, mp_ns_reap);

/**
 * mp_ns_current_id() - the calling task's IPC namespace, as an identity
 *
 * Context: Process context.
 * Return: its &struct ns_common, to compare with &mp_ns.ns (never
 *	dereferenced through a &struct mp_ns that did not pin it).
 */
const struct ns_common *mp_ns_current_id(void)
{
	return &current->nsproxy->ipc_ns->ns;
}

static struct mp_ns *mp_ns_alloc(struct ns_common *ns, struct file *pin)
{
	struct mp_ns *n = kzalloc(sizeof(*n), GFP_KERNEL_ACCOUNT);

	if (!n)
		return NULL;
	n->ns = ns;
	n->pin = pin;
	xa_init(&n->keys);
	xa_init_flags(&n->mailboxes, XA_FLAGS_ALLOC);
	xa_init(&n->slot_seq);
	hash_init(n->names);
	hash_init(n->ep_names);
	atomic_set(&n->refs, 0);
	return n;
}

static void mp_ns_destroy(struct mp_ns *n)
{
	WARN_ON_ONCE(!xa_empty(&n->keys) || !xa_empty(&n->mailboxes) ||
		     n->nr_mailboxes);
	xa_destroy(&n->keys);
	xa_destroy(&n->mailboxes);
	mp_mailbox_table_free(n);
	xa_destroy(&n->slot_seq);
	if (n->pin)
		fput(n->pin);
	kfree(n);
}

/* open_related_ns()'s "related" namespace: the namespace itself, held. */
static struct ns_common *mp_ns_hold(struct ns_common *ns)
{
	get_ipc_ns(container_of(ns, struct ipc_namespace, ns));
	return ns;
}

/*
 * An nsfs file of @ns, to hold it by. open_related_ns() installs it in
 * the caller's table for an instant; only a file that is the nsfs file
 * of that very namespace is kept.
 */
static struct file *mp_ns_pin(const struct ns_common *ns)
{
	struct file *f;
	int fd;

	fd = open_related_ns((struct ns_common *)ns, mp_ns_hold);
	if (fd < 0)
		return ERR_PTR(fd);
	f = fget(fd);
	close_fd(fd);
	if (!f)
		return ERR_PTR(-EAGAIN);
	if (file_inode(f)->i_sb->s_magic != NSFS_MAGIC ||
	    get_proc_ns(file_inode(f)) != ns) {
		fput(f);
		return ERR_PTR(-EAGAIN);
	}
	return f;
}

static struct mp_ns *mp_ns_lookup(const struct ns_common *id)
{
	struct mp_ns *n;

	lockdep_assert_held(&mp_registry_lock);
	list_for_each_entry(n, &mp_namespaces, node) {
		if (n->ns == id)
			return n;
	}
	return NULL;
}

/**
 * mp_ns_of_current() - the calling task's namespace, made if need be
 *
 * Context: Process context; takes mp_registry_lock; may sleep. Never
 * called with mp_registry_lock held.
 * Return: the namespace with a reference (mp_ns_put() it), or
 * ERR_PTR(-ENOMEM, -EMFILE, ...).
 */
struct mp_ns *mp_ns_of_current(void)
{
	const struct ns_common *id = mp_ns_current_id();
	struct mp_ns *n, *new;
	struct file *pin;

	mutex_lock(&mp_registry_lock);
	n = mp_ns_lookup(id);
	if (n)
		mp_ns_get(n);
	mutex_unlock(&mp_registry_lock);
	if (n)
		return n;

	/* First use in this namespace: pin it, with no lock held. */
	pin = mp_ns_pin(id);
	if (IS_ERR(pin))
		return ERR_CAST(pin);
	new = mp_ns_alloc((struct ns_common *)id, pin);
	if (!new) {
		fput(pin);
		return ERR_PTR(-ENOMEM);
	}
	mutex_lock(&mp_registry_lock);
	n = mp_ns_lookup(id);
	if (!n) {
		n = new;
		new = NULL;
		list_add_tail(&n->node, &mp_namespaces);
		schedule_delayed_work(&mp_ns_reaper, MP_NS_REAP_DELAY);
	}
	mp_ns_get(n);
	mutex_unlock(&mp_registry_lock);
	if (new)
		mp_ns_destroy(new);
	return n;
}

/**
 * mp_ns_get() - take a reference to a namespace
 * @n: the namespace
 *
 * Context: Any context.
 * Return: @n.
 */
struct mp_ns *mp_ns_get(struct mp_ns *n)
{
	atomic_inc(&n->refs);
	return n;
}

/**
 * mp_ns_put() - drop a reference to a namespace
 * @n: the namespace
 *
 * The reaper frees it, in process context.
 *
 * Context: Any context.
 */
void mp_ns_put(struct mp_ns *n)
{
	atomic_dec(&n->refs);
}

/**
 * mp_ns_capable() - has the caller @cap over namespace @n's objects?
 * @n: the namespace
 * @cap: the capability
 *
 * As System V: in the user namespace that owns the IPC namespace, so a
 * container's root has it over the container's mailboxes and no others.
 *
 * Context: Process context.
 * Return: true if it has.
 */
bool mp_ns_capable(const struct mp_ns *n, int cap)
{
	struct ipc_namespace *ipc = container_of(n->ns, struct ipc_namespace, ns);

	return ns_capable(ipc->user_ns, cap);
}

/*
 * Is nothing but msgpass's own file holding the namespace any more? No
 * task (its count is the nsfs dentry's one reference) and no nsfs file
 * or mount but msgpass's (the dentry's count is msgpass's file's). Once
 * true it stays true: joining a namespace takes a task in it or an nsfs
 * file of it.
 */
static bool mp_ns_unused(const struct mp_ns *n)
{
	return n->pin && refcount_read(&n->ns->count) <= 1 &&
	       d_count(n->pin->f_path.dentry) <= 1;
}

static void mp_ns_reap(struct work_struct *work)
{
	struct mp_ns *n, *tmp;
	bool more = false;

	mutex_lock(&mp_registry_lock);
	list_for_each_entry_safe(n, tmp, &mp_namespaces, node) {
		if (!mp_ns_unused(n)) {
			more |= n != mp_init_ns;
			continue;
		}
		mp_mailboxes_drop_ns(n);
		if (atomic_read(&n->refs)) {
			more = true;	/* freed once their last user lets go */
		} else {
			list_del(&n->node);
			mp_ns_destroy(n);
		}
	}
	mutex_unlock(&mp_registry_lock);
	if (more)
		schedule_delayed_work(&mp_ns_reaper, MP_NS_REAP_DELAY);
}

/**
 * mp_ns_for_each() - call @fn on every namespace
 * @fn: called with mp_registry_lock held
 *
 * Context: Caller holds mp_registry_lock.
 */
void mp_ns_for_each(void (*fn)(struct mp_ns *n))
{
	struct mp_ns *n;

	lockdep_assert_held(&mp_registry_lock);
	list_for_each_entry(n, &mp_namespaces, node)
		fn(n);
}

/**
 * mp_ns_init() - know the initial namespace
 *
 * Context: Module init.
 * Return: 0 or -ENOMEM.
 */
int __init mp_ns_init(void)
{
	mp_init_ns = mp_ns_alloc(&init_task.nsproxy->ipc_ns->ns, NULL);
	if (!mp_init_ns)
		return -ENOMEM;
	list_add(&mp_init_ns->node, &mp_namespaces);
	return 0;
}

/**
 * mp_ns_exit() - forget every namespace (module unload)
 *
 * Context: Module exit, after every mailbox was removed and every
 * endpoint freed.
 */
void mp_ns_exit(void)
{
	struct mp_ns *n, *tmp;

	cancel_delayed_work_sync(&mp_ns_reaper);
	mutex_lock(&mp_registry_lock);
	list_for_each_entry_safe(n, tmp, &mp_namespaces, node) {
		WARN_ON_ONCE(atomic_read(&n->refs));
		list_del(&n->node);
		mp_ns_destroy(n);
	}
	mutex_unlock(&mp_registry_lock);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * msgpass and IPC namespaces: as System V's queues, mailboxes, their
 * keys and names, process names and the msgmni limit are per IPC
 * namespace, and so are the processes a process can reach directly. A
 * container with its own IPC namespace sees none of the host's, and the
 * host none of its.
 *
 * A &struct mp_ns is made for a namespace when msgpass is first used in
 * it. The kernel exports no way to hold an IPC namespace but its nsfs
 * file, so msgpass holds that open (the initial namespace, which never
 * goes, needs none). The namespace is gone for its users when nothing
 * but that file holds it any more: no task is in it, no mount or
 * descriptor keeps it. A reaper, run while namespaces other than the
 * initial one are known, then removes its mailboxes, as the kernel's
 * free_ipcs() does for System V's, and frees the &struct mp_ns once the
 * last endpoint and mailbox that point at it are freed.
 *
 * mp_namespaces and the per-namespace maps are under mp_registry_lock;
 * @refs counts what points at a namespace (endpoints, mailboxes).
 */
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/ipc_namespace.h>
#include <linux/magic.h>
#include <linux/mutex.h>
#include <linux/nsproxy.h>
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
	hash_init(n->names);
	hash_init(n->ep_names);
	atomic_set(&n->refs, 0);
	return n;
}

/*
 * Hold a namespace other than the initial one through its nsfs file,
 * opened as the calling task sees it; only the real nsfs file of that
 * very namespace will do.
 */
static struct file *mp_ns_pin(const struct ns_common *ns)
{
	struct file *f = filp_open("/proc/thread-self/ns/ipc", O_RDONLY, 0);

	if (IS_ERR(f))
		return ERR_PTR(-EOPNOTSUPP);
	if (file_inode(f)->i_sb->s_magic != NSFS_MAGIC ||
	    file_inode(f)->i_private != ns) {
		fput(f);
		return ERR_PTR(-EOPNOTSUPP);
	}
	return f;
}

/**
 * mp_ns_find() - the calling task's namespace
 * @create: make it if msgpass has not been used in it yet
 *
 * Context: Process context; caller holds mp_registry_lock.
 * Return: the namespace (valid while the lock is held; take a reference
 * with mp_ns_get() to keep it), NULL when it is not known and @create is
 * false, or ERR_PTR(-ENOMEM) or ERR_PTR(-EOPNOTSUPP) (no /proc to hold
 * it by).
 */
struct mp_ns *mp_ns_find(bool create)
{
	const struct ns_common *id = mp_ns_current_id();
	struct file *pin;
	struct mp_ns *n;

	lockdep_assert_held(&mp_registry_lock);
	list_for_each_entry(n, &mp_namespaces, node) {
		if (n->ns == id)
			return n;
	}
	if (!create)
		return NULL;
	pin = mp_ns_pin(id);
	if (IS_ERR(pin))
		return ERR_CAST(pin);
	n = mp_ns_alloc((struct ns_common *)id, pin);
	if (!n) {
		fput(pin);
		return ERR_PTR(-ENOMEM);
	}
	list_add_tail(&n->node, &mp_namespaces);
	schedule_delayed_work(&mp_ns_reaper, MP_NS_REAP_DELAY);
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

/* Is nothing but msgpass's own file holding the namespace any more? */
static bool mp_ns_unused(const struct mp_ns *n)
{
	return n->pin && refcount_read(&n->ns->count) <= 1;
}

static void mp_ns_free(struct mp_ns *n)
{
	list_del(&n->node);
	WARN_ON_ONCE(!xa_empty(&n->keys) || n->nr_mailboxes);
	xa_destroy(&n->keys);
	if (n->pin)
		fput(n->pin);
	kfree(n);
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
		if (atomic_read(&n->refs))
			more = true;	/* freed once their last user lets go */
		else
			mp_ns_free(n);
	}
	mutex_unlock(&mp_registry_lock);
	if (more)
		schedule_delayed_work(&mp_ns_reaper, MP_NS_REAP_DELAY);
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
		mp_ns_free(n);
	}
	mutex_unlock(&mp_registry_lock);
}

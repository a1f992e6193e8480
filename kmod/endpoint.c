// SPDX-License-Identifier: GPL-2.0
/*
 * msgpass endpoints: one per process that has /dev/msgpass open.
 */
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/xarray.h>

#include "compat.h"
#include "msgpass.h"

/*
 * The registry maps a thread group's global pid number to its endpoint.
 * A pid number can be reused once its process is gone while a file that
 * process opened lives on (inherited by a child, or passed over a socket);
 * the entry then belongs to whichever endpoint registered last, and the
 * &struct pid pointer, unique while referenced, tells the two apart.
 *
 * An endpoint lives (its inbox takes messages, its mailboxes and names
 * stand) while a file opened by its process is open: @nr_files counts
 * them under mp_endpoints_lock. The last close unregisters it and tears
 * it down. Its memory is reference counted apart from that, so a sender
 * that found it under RCU can still look at its (now dead) inbox.
 */
static DEFINE_MUTEX(mp_endpoints_lock);
static DEFINE_XARRAY(mp_endpoints);

static void mp_endpoint_free(struct kref *ref)
{
	struct mp_endpoint *ep = container_of(ref, struct mp_endpoint, ref);

	/* The inbox keeps its last sender and receiver as a mailbox does. */
	put_pid(ep->inbox.lspid);
	put_pid(ep->inbox.lrpid);
	put_pid(ep->pid);
	mp_ns_put(ep->ns);
	kfree_rcu(ep, rcu);
}

/**
 * mp_endpoint_put() - drop a reference to an endpoint's memory
 * @ep: the endpoint
 *
 * Context: Any context but hard interrupts.
 */
void mp_endpoint_put(struct mp_endpoint *ep)
{
	kref_put(&ep->ref, mp_endpoint_free);
}

/**
 * mp_endpoint_open() - the calling process's endpoint, for a new file
 *
 * The first open() in a thread group makes the endpoint; later ones
 * share it.
 *
 * Context: Process context; takes mp_endpoints_lock; may sleep.
 * Return: the endpoint, counting one more open file, or ERR_PTR(-ENOMEM).
 */
struct mp_endpoint *mp_endpoint_open(void)
{
	struct pid *tgid = task_tgid(current);
	unsigned long nr = pid_nr(tgid);
	struct mp_endpoint *ep;
	struct mp_ns *ns;
	void *old;

	/* The IPC namespace the device is opened in is the endpoint's. */
	ns = mp_ns_of_current();
	if (IS_ERR(ns))
		return ERR_CAST(ns);

	mutex_lock(&mp_endpoints_lock);
	ep = xa_load(&mp_endpoints, nr);
	if (ep && mp_endpoint_is_current(ep)) {
		ep->nr_files++;
		mp_ns_put(ns);
		goto out;
	}

	ep = kzalloc(sizeof(*ep), GFP_KERNEL_ACCOUNT);
	if (!ep) {
		mp_ns_put(ns);
		ep = ERR_PTR(-ENOMEM);
		goto out;
	}
	kref_init(&ep->ref);
	ep->ns = ns;
	ep->nr_files = 1;
	ep->pid = get_pid(tgid);
	ep->uid = current_euid();
	ep->user = mp_user_get(ep->uid);
	if (!ep->user) {
		put_pid(ep->pid);
		mp_ns_put(ns);
		kfree(ep);
		ep = ERR_PTR(-ENOMEM);
		goto out;
	}
	ep->exec_id = current->self_exec_id;
	ep->accept = MP_ACCEPT_ANY;
	INIT_LIST_HEAD(&ep->owned);
	INIT_LIST_HEAD(&ep->subs);
	INIT_LIST_HEAD(&ep->links);
	INIT_LIST_HEAD(&ep->names);
	INIT_LIST_HEAD(&ep->calls);
	INIT_LIST_HEAD(&ep->watches);
	mp_queue_init(&ep->inbox);
	ep->inbox.capacity = MP_UNLIMITED;
	ep->inbox.max_bytes = MP_UNLIMITED;
	ep->inbox.msg_max = MP_UNLIMITED;
	ep->inbox.dead_err = -ECONNRESET;
	ep->inbox.id = pid_vnr(tgid);

	old = xa_store(&mp_endpoints, nr, ep, GFP_KERNEL);
	if (xa_is_err(old)) {
		put_pid(ep->pid);
		mp_ns_put(ns);
		kfree(ep);
		ep = ERR_PTR(xa_err(old));
		goto out;
	}
	atomic_long_inc(&mp_counters.endpoints);
out:
	mutex_unlock(&mp_endpoints_lock);
	return ep;
}

/**
 * mp_endpoint_close() - a file of the endpoint is closed
 * @ep: the endpoint
 *
 * The last close ends the endpoint: it leaves the registry, its inbox
 * dies (senders blocked on it wake with ECONNRESET), and its mailboxes,
 * names, calls and watches go.
 *
 * Context: Process context; takes mp_endpoints_lock; may sleep.
 */
void mp_endpoint_close(struct mp_endpoint *ep)
{
	bool last;

	mutex_lock(&mp_endpoints_lock);
	last = --ep->nr_files == 0;
	if (last)
		xa_cmpxchg(&mp_endpoints, pid_nr(ep->pid), ep, NULL, GFP_KERNEL);
	mutex_unlock(&mp_endpoints_lock);
	if (!last)
		return;

	mp_endpoint_teardown(ep);
	atomic_long_dec(&mp_counters.endpoints);
	mp_endpoint_put(ep);
}

/**
 * mp_endpoint_get() - the live endpoint of a process
 * @pid: the process (thread group)
 *
 * Context: Any context; takes no lock.
 * Return: the endpoint with a reference, or NULL when that process has
 * none.
 */
struct mp_endpoint *mp_endpoint_get(struct pid *pid)
{
	struct mp_endpoint *ep;

	rcu_read_lock();
	ep = xa_load(&mp_endpoints, pid_nr(pid));
	if (ep && (ep->pid != pid || !kref_get_unless_zero(&ep->ref)))
		ep = NULL;
	rcu_read_unlock();
	return ep;
}

/**
 * mp_endpoint_alive() - has this process a live endpoint?
 * @pid: the process
 *
 * Context: Any context; takes no lock.
 * Return: true if it has.
 */
bool mp_endpoint_alive(struct pid *pid)
{
	struct mp_endpoint *ep = mp_endpoint_get(pid);

	if (ep)
		mp_endpoint_put(ep);
	return ep;
}

/*
 * Processes reach each other directly only within one IPC namespace, as
 * they reach mailboxes: @ep, if it is in @n, else NULL (its reference
 * dropped).
 */
static struct mp_endpoint *mp_endpoint_visible(struct mp_ns *n, struct mp_endpoint *ep)
{
	if (ep && ep->ns != n) {
		mp_endpoint_put(ep);
		ep = NULL;
	}
	return ep;
}

/**
 * mp_endpoint_get_by_vnr() - the live endpoint of a process, by pid
 * @n: the caller's IPC namespace: only endpoints in it are found
 * @nr: a process ID in the caller's pid namespace
 *
 * Context: Any context; takes no lock.
 * Return: the endpoint with a reference, or NULL when that process has
 * none.
 */
struct mp_endpoint *mp_endpoint_get_by_vnr(struct mp_ns *n, pid_t nr)
{
	struct mp_endpoint *ep = NULL;
	struct pid *pid;

	if (nr <= 0)
		return NULL;
	rcu_read_lock();
	pid = find_vpid(nr);
	if (pid)
		ep = mp_endpoint_get(pid);
	rcu_read_unlock();
	return mp_endpoint_visible(n, ep);
}

/**
 * mp_pid_get() - the process a call names, by pid or by pidfd
 * @id: a pid in the caller's pid namespace, or a pidfd
 * @pidfd: @id is a pidfd
 *
 * Context: Process context.
 * Return: the pid with a reference, or ERR_PTR(-ESRCH) when no process
 * has that pid, or ERR_PTR(-EBADF) when @id is no pidfd.
 */
struct pid *mp_pid_get(s32 id, bool pidfd)
{
	struct file *file;
	struct pid *pid;

	if (!pidfd)
		return (id > 0 ? find_get_pid(id) : NULL) ?: ERR_PTR(-ESRCH);
	file = id >= 0 ? fget(id) : NULL;
	if (!file)
		return ERR_PTR(-EBADF);
	pid = mp_pidfd_pid(file);
	pid = pid ? get_pid(pid) : ERR_PTR(-EBADF);
	fput(file);
	return pid;
}

/**
 * mp_endpoint_get_arg() - the live endpoint a call names
 * @n: the caller's IPC namespace: only endpoints in it are found
 * @id: a pid in the caller's pid namespace, or a pidfd
 * @pidfd: @id is a pidfd
 *
 * Context: Process context.
 * Return: the endpoint with a reference, or ERR_PTR(-ESRCH, -EBADF).
 */
struct mp_endpoint *mp_endpoint_get_arg(struct mp_ns *n, s32 id, bool pidfd)
{
	struct mp_endpoint *ep;
	struct pid *pid;

	if (!pidfd)
		return mp_endpoint_get_by_vnr(n, id) ?: ERR_PTR(-ESRCH);
	pid = mp_pid_get(id, true);
	if (IS_ERR(pid))
		return ERR_CAST(pid);
	/* A pidfd names the thread group leader's pid; an ended one, nobody. */
	ep = pid_has_task(pid, PIDTYPE_TGID) ? mp_endpoint_visible(n, mp_endpoint_get(pid)) : NULL;
	put_pid(pid);
	return ep ?: ERR_PTR(-ESRCH);
}

/**
 * mp_pid_start_ns() - when a process started
 * @pid: the process (thread group)
 *
 * With a pid number, the start time names one process for good: no
 * other process gets that number while this one is unreaped, and none
 * started before it was reaped.
 *
 * Context: Any context.
 * Return: its start, CLOCK_BOOTTIME nanoseconds, or 0 once it is reaped.
 */
u64 mp_pid_start_ns(struct pid *pid)
{
	struct task_struct *task;
	u64 start = 0;

	rcu_read_lock();
	task = pid_task(pid, PIDTYPE_TGID);
	if (task)
		start = task->start_boottime;
	rcu_read_unlock();
	return start;
}

/* MP_IOC_PIDFD_INFO: what a pidfd names, to compare with a message's sender. */
long mp_ioctl_pidfd_info(void __user *uarg, size_t usize)
{
	struct mp_pidfd_info a;
	struct pid *pid;
	long ret;

	ret = mp_args_from_user(&a, sizeof(a), uarg, usize);
	if (ret)
		return ret;
	if (a.flags || a.__pad ||
	    !mp_zero_words(a.__reserved, ARRAY_SIZE(a.__reserved)))
		return -EINVAL;
	pid = mp_pid_get(a.pidfd, true);
	if (IS_ERR(pid))
		return PTR_ERR(pid);
	a.pid = pid_vnr(pid);
	a.start_ns = mp_pid_start_ns(pid);
	put_pid(pid);
	if (!a.start_ns)
		return -ESRCH;
	return mp_copy_struct_to_user(uarg, usize, &a, sizeof(a));
}

/**
 * mp_endpoint_for_each() - call @fn on every live endpoint
 * @fn: called with mp_endpoints_lock held; returns non-zero to stop
 * @data: passed to @fn
 *
 * Context: Process context; takes mp_endpoints_lock.
 * Return: what @fn last returned.
 */
int mp_endpoint_for_each(int (*fn)(struct mp_endpoint *ep, void *data), void *data)
{
	struct mp_endpoint *ep;
	unsigned long idx;
	int ret = 0;

	mutex_lock(&mp_endpoints_lock);
	xa_for_each(&mp_endpoints, idx, ep) {
		ret = fn(ep, data);
		if (ret)
			break;
	}
	mutex_unlock(&mp_endpoints_lock);
	return ret;
}

/**
 * mp_endpoint_teardown() - end an endpoint whose last file closed
 * @ep: the endpoint, already out of the registry
 *
 * Its own watches go first (a process is not told of its own end); then
 * its inbox dies, waking blocked senders with ECONNRESET and freeing
 * what was queued (failing the calls among it); the calls it owed a
 * reply to fail; its names, process-owned mailboxes and subscriptions
 * go; last, whoever watched it is told.
 *
 * Context: Process context; may sleep.
 */
void mp_endpoint_teardown(struct mp_endpoint *ep)
{
	/* From here on nothing attaches to it: see the life cycles. */
	mutex_lock(&mp_registry_lock);
	ep->dead = true;
	mutex_unlock(&mp_registry_lock);
	mp_watches_drop(ep);
	mp_queue_kill(&ep->inbox);
	mp_link_drop_all(ep);
	mp_calls_drop(ep);
	mp_names_drop(ep);
	mp_endpoint_drop_mailboxes(ep);
	mp_watch_fire_process(ep->pid);
	mp_nl_event(MSGPASS_EVENT_ENDPOINT_GONE, -1, ep->pid, NULL, 0);
}

/**
 * mp_endpoint_next() - walk the live endpoints in global pid order
 * @idx: in: the first global pid number to look at; out: the one found
 *
 * Context: Any context; takes no lock.
 * Return: the next endpoint with a reference, or NULL at the end.
 */
struct mp_endpoint *mp_endpoint_next(unsigned long *idx)
{
	struct mp_endpoint *ep;

	rcu_read_lock();
	for (;;) {
		ep = xa_find(&mp_endpoints, idx, ULONG_MAX, XA_PRESENT);
		if (!ep || kref_get_unless_zero(&ep->ref))
			break;
		(*idx)++;
	}
	rcu_read_unlock();
	return ep;
}

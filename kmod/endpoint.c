// SPDX-License-Identifier: GPL-2.0
/*
 * msgpass endpoints: one per process that has /dev/msgpass open.
 */
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/xarray.h>

#include "msgpass.h"

/*
 * The registry maps a thread group's global pid number to its endpoint.
 * A pid number can be reused once its process is gone while a file that
 * process opened lives on (inherited by a child, or passed over a socket);
 * the entry then belongs to whichever endpoint registered last, and the
 * &struct pid pointer, unique while referenced, tells the two apart.
 */
static DEFINE_MUTEX(mp_endpoints_lock);
static DEFINE_XARRAY(mp_endpoints);

/**
 * mp_endpoint_get_current() - find or create the calling process's endpoint
 *
 * Context: Process context; takes mp_endpoints_lock; may sleep.
 * Return: the endpoint with a new reference, or ERR_PTR(-ENOMEM).
 */
struct mp_endpoint *mp_endpoint_get_current(void)
{
	struct pid *tgid = task_tgid(current);
	unsigned long nr = pid_nr(tgid);
	struct mp_endpoint *ep;
	void *old;

	mutex_lock(&mp_endpoints_lock);
	ep = xa_load(&mp_endpoints, nr);
	if (ep && ep->pid == tgid) {
		kref_get(&ep->ref);
		goto out;
	}

	ep = kzalloc(sizeof(*ep), GFP_KERNEL_ACCOUNT);
	if (!ep) {
		ep = ERR_PTR(-ENOMEM);
		goto out;
	}
	kref_init(&ep->ref);
	ep->pid = get_pid(tgid);
	INIT_LIST_HEAD(&ep->owned);
	INIT_LIST_HEAD(&ep->subs);

	old = xa_store(&mp_endpoints, nr, ep, GFP_KERNEL);
	if (xa_is_err(old)) {
		put_pid(ep->pid);
		kfree(ep);
		ep = ERR_PTR(xa_err(old));
		goto out;
	}
	atomic_long_inc(&mp_counters.endpoints);
out:
	mutex_unlock(&mp_endpoints_lock);
	return ep;
}

static void mp_endpoint_release(struct kref *ref)
{
	struct mp_endpoint *ep = container_of(ref, struct mp_endpoint, ref);

	lockdep_assert_held(&mp_endpoints_lock);
	/* Leave the entry alone if a newer process took the pid number. */
	xa_cmpxchg(&mp_endpoints, pid_nr(ep->pid), ep, NULL, GFP_KERNEL);
	mutex_unlock(&mp_endpoints_lock);

	mp_endpoint_drop_mailboxes(ep);
	put_pid(ep->pid);
	kfree(ep);
	atomic_long_dec(&mp_counters.endpoints);
}

/**
 * mp_endpoint_get_by_vnr() - the endpoint of a process, by pid
 * @nr: a process ID in the caller's pid namespace
 *
 * Context: Process context; takes mp_endpoints_lock; may sleep.
 * Return: the endpoint with a new reference, or NULL when that process
 * has no endpoint.
 */
struct mp_endpoint *mp_endpoint_get_by_vnr(pid_t nr)
{
	struct mp_endpoint *ep = NULL;
	struct pid *pid;

	pid = find_get_pid(nr);
	if (!pid)
		return NULL;
	mutex_lock(&mp_endpoints_lock);
	ep = xa_load(&mp_endpoints, pid_nr(pid));
	if (ep && ep->pid == pid)
		kref_get(&ep->ref);
	else
		ep = NULL;
	mutex_unlock(&mp_endpoints_lock);
	put_pid(pid);
	return ep;
}

/**
 * mp_endpoint_put() - drop a reference to an endpoint
 * @ep: the endpoint
 *
 * The last reference unregisters and frees the endpoint.
 *
 * Context: Process context; may take mp_endpoints_lock; may sleep.
 */
void mp_endpoint_put(struct mp_endpoint *ep)
{
	kref_put_mutex(&ep->ref, mp_endpoint_release, &mp_endpoints_lock);
}

/**
 * mp_endpoint_is_current() - is @ep the calling process's endpoint?
 * @ep: the endpoint
 *
 * Context: Any context.
 * Return: true when the caller belongs to the thread group that opened it.
 */
bool mp_endpoint_is_current(const struct mp_endpoint *ep)
{
	return ep->pid == task_tgid(current);
}

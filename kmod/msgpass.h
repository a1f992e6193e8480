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
 * Lock order (outer first):
 *
 * 1. mp_endpoints_lock (mutex): the endpoint registry.
 *
 * Reference counts rather than nested locks keep objects alive across
 * sleeps: an object found under a lock is pinned with its kref before the
 * lock is dropped.
 */

#include <linux/kref.h>
#include <linux/pid.h>
#include <linux/types.h>

/* Module parameters (see main.c for their documentation). */
extern unsigned long mp_max_msg_size;
extern unsigned int mp_msgmax;
extern unsigned int mp_msgmnb;
extern unsigned int mp_msgmni;

/**
 * struct mp_endpoint - a process that has /dev/msgpass open
 * @ref: one reference per open file, plus temporary ones
 * @pid: the thread group that opened the device
 */
struct mp_endpoint {
	struct kref ref;
	struct pid *pid;
};

struct mp_endpoint *mp_endpoint_get_current(void);
void mp_endpoint_put(struct mp_endpoint *ep);
bool mp_endpoint_is_current(const struct mp_endpoint *ep);

/**
 * struct mp_counters - live object counts, for leak checks
 * @endpoints: endpoints in existence
 */
struct mp_counters {
	atomic_long_t endpoints;
};

extern struct mp_counters mp_counters;

#endif /* MSGPASS_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * msgpass permissions: every decision of who may do what to whom, in one
 * place. man/msgpass.7 has the same rules as a table; keep them in step.
 *
 * All checks are made with the caller's credentials (current_cred()). A
 * netlink dump resumed by another task is checked with the credentials
 * of the socket's opener: see mp_perm_override_begin().
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/eventfd.h>
#include <linux/fs.h>
#include <linux/magic.h>
#include <linux/net.h>
#include <linux/socket.h>
#include <net/sock.h>

#include "msgpass.h"

/* Priorities above this to another user's queue need CAP_SYS_NICE. */
unsigned int mp_prio_max_other = MP_PRIO_USER_MAX;

static __always_inline bool __mp_perm_mbox(const struct mp_mailbox *mb, int flag)
{
	int requested = (flag >> 6 | flag >> 3 | flag) & 7;
	kuid_t euid = current_euid();
	int granted = READ_ONCE(mb->mode);

	if (uid_eq(euid, READ_ONCE(mb->cuid)) || uid_eq(euid, READ_ONCE(mb->uid)))
		granted >>= 6;
	else if (in_group_p(READ_ONCE(mb->cgid)) || in_group_p(READ_ONCE(mb->gid)))
		granted >>= 3;
	if ((requested & ~granted & 0007) && !mp_ns_capable(mb->ns, CAP_IPC_OWNER))
		return false;
	return true;
}

/**
 * mp_perm_mbox() - System V's permission check (ipcperms())
 * @mb: the mailbox
 * @flag: the requested bits in the owner, group or other position (as
 *	msgget()'s mode, or 0444 / 0222)
 *
 * Context: Process context.
 * Return: true if the caller may.
 */
bool mp_perm_mbox(const struct mp_mailbox *mb, int flag)
{
	return __mp_perm_mbox(mb, flag);
}

/**
 * mp_perm_is_owner() - is the caller the mailbox's owning process?
 * @mb: the mailbox
 *
 * The owner is a process running a program: after an execve() the
 * process owns nothing any more (its new program is no heir to the old
 * one's rights, as its endpoint is a new one).
 *
 * Context: Process context.
 * Return: true if it is.
 */
bool mp_perm_is_owner(const struct mp_mailbox *mb)
{
	return READ_ONCE(mb->owner) == task_tgid(current) &&
	       READ_ONCE(mb->owner_exec) == READ_ONCE(current->self_exec_id);
}

/* Is the caller the mailbox's owner or creator user? */
static bool mp_perm_mbox_user(const struct mp_mailbox *mb)
{
	kuid_t euid = current_euid();

	return uid_eq(euid, READ_ONCE(mb->uid)) || uid_eq(euid, READ_ONCE(mb->cuid));
}

/**
 * mp_perm_mbox_change() - may the caller remove or reconfigure @mb?
 * @mb: the mailbox
 *
 * System V's rule for IPC_SET and IPC_RMID: the caller's effective uid is
 * the owner's or the creator's, or it has CAP_SYS_ADMIN. A mailbox made
 * with msgpass's attributes may also be changed by its owning process
 * (the model's owner, which ownership transfer hands on).
 *
 * Context: Process context.
 * Return: true if it may.
 */
bool mp_perm_mbox_change(const struct mp_mailbox *mb)
{
	if (mp_perm_mbox_user(mb) || mp_ns_capable(mb->ns, CAP_SYS_ADMIN))
		return true;
	return !mb->sysv && mp_perm_is_owner(mb);
}

/**
 * mp_perm_mbox_grant() - may the caller grant or revoke receive rights?
 * @mb: the mailbox
 *
 * Context: Process context.
 * Return: true for the owning process, or with CAP_SYS_ADMIN.
 */
bool mp_perm_mbox_grant(const struct mp_mailbox *mb)
{
	return mp_perm_is_owner(mb) || mp_ns_capable(mb->ns, CAP_SYS_ADMIN);
}

/* Priorities above the bound, to a queue of another user. */
static int mp_perm_priority(bool same_user, u32 prio)
{
	if (prio <= READ_ONCE(mp_prio_max_other) || same_user || capable(CAP_SYS_NICE))
		return 0;
	return -EPERM;
}

/**
 * mp_perm_mbox_send() - may the caller send to @mb at @prio?
 * @mb: the mailbox
 * @prio: the message's priority
 *
 * Context: Process context.
 * Return: 0, -EACCES (no write permission) or -EPERM (priority).
 */
int mp_perm_mbox_send(const struct mp_mailbox *mb, u32 prio)
{
	if (!__mp_perm_mbox(mb, 0222))
		return -EACCES;
	if (likely(prio <= READ_ONCE(mp_prio_max_other)))
		return 0;
	return mp_perm_priority(mp_perm_mbox_user(mb), prio);
}

/**
 * mp_perm_inbox_send() - may the caller send to @to's inbox at @prio?
 * @to: the receiving endpoint
 * @prio: the message's priority
 *
 * The receiver's accept mode decides who may send at all; priorities
 * above the bound need the receiver's user, or CAP_SYS_NICE. Replies and
 * kernel notes do not come through here.
 *
 * Context: Process context.
 * Return: 0, -ECONNREFUSED (accept mode) or -EPERM (priority).
 */
int mp_perm_inbox_send(const struct mp_endpoint *to, u32 prio)
{
	bool same = uid_eq(current_euid(), to->uid);

	switch (READ_ONCE(to->accept)) {
	case MP_ACCEPT_ANY:
		break;
	case MP_ACCEPT_SAME_USER:
		if (same || mp_ns_capable(to->ns, CAP_IPC_OWNER))
			break;
		return -ECONNREFUSED;
	default:
		if (to->pid == task_tgid(current))
			break;
		return -ECONNREFUSED;
	}
	return mp_perm_priority(same, prio);
}

/**
 * mp_perm_see_endpoint() - may the caller see @ep's links, names and queue?
 * @ep: the endpoint
 *
 * A process is visible to its own user, and to CAP_SYS_ADMIN, when its
 * pid is visible in the caller's pid namespace.
 *
 * Context: Process context.
 * Return: true if it may.
 */
bool mp_perm_see_endpoint(const struct mp_endpoint *ep)
{
	if (!pid_vnr(ep->pid))
		return false;
	/* Listing everything is not a privileged act to audit. */
	return uid_eq(current_euid(), ep->uid) ||
	       ns_capable_noaudit(&init_user_ns, CAP_SYS_ADMIN);
}

/**
 * mp_perm_see_user() - may the caller see @uid's usage?
 * @uid: the user
 *
 * Context: Process context.
 * Return: true for the caller's own user, or with CAP_SYS_ADMIN.
 */
bool mp_perm_see_user(kuid_t uid)
{
	return uid_eq(current_euid(), uid) ||
	       ns_capable_noaudit(&init_user_ns, CAP_SYS_ADMIN);
}

static bool mp_file_is_eventfd(struct file *file)
{
	struct eventfd_ctx *ctx = eventfd_ctx_fileget(file);

	if (IS_ERR(ctx))
		return false;
	eventfd_ctx_put(ctx);
	return true;
}

/**
 * mp_file_may_travel() - may @file be carried in a message?
 * @file: an open file
 *
 * An allowlist of files that cannot hold other open files, so that no
 * message can keep itself alive through what it carries: regular files
 * (memfds included), directories, pipes and FIFOs, eventfds, and
 * AF_INET/AF_INET6 sockets. Everything else (msgpass's own files,
 * Unix-domain sockets, io_uring, epoll, devices, ...) stays home.
 *
 * Context: Process context.
 * Return: true if it may.
 */
bool mp_file_may_travel(struct file *file)
{
	umode_t mode = file_inode(file)->i_mode;
	struct socket *sock;

	if (mp_file_is_msgpass(file))
		return false;
	/*
	 * Anonymous-inode files (io_uring, epoll, signalfd, timerfd, ...)
	 * may say anything in i_mode (newer kernels say S_IFREG): of them,
	 * only eventfds travel.
	 */
	if (file_inode(file)->i_sb->s_magic == ANON_INODE_FS_MAGIC)
		return mp_file_is_eventfd(file);
	if (S_ISREG(mode) || S_ISDIR(mode) || S_ISFIFO(mode))
		return true;
	if (!S_ISSOCK(mode))
		return false;
	sock = sock_from_file(file);
	return sock && sock->sk && (sock->sk->sk_family == AF_INET ||
				    sock->sk->sk_family == AF_INET6);
}

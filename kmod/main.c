// SPDX-License-Identifier: GPL-2.0
/*
 * msgpass: the /dev/msgpass misc device, module parameters and ioctl
 * dispatch.
 */
#include <linux/fs.h>
#include <linux/ipc.h>
#include <linux/miscdevice.h>
#include <linux/msg.h>
#include <linux/poll.h>
#include <linux/module.h>
#include <linux/uaccess.h>

#include "compat.h"
#include "msgpass.h"

unsigned long mp_max_msg_size = 4UL << 20;
module_param_named(max_msg_size, mp_max_msg_size, ulong, 0644);
MODULE_PARM_DESC(max_msg_size, "Largest message body any mailbox may accept, in bytes (default 4 MiB)");

unsigned int mp_msgmax = 8192;
module_param_named(msgmax, mp_msgmax, uint, 0644);
MODULE_PARM_DESC(msgmax, "Default largest message of a new mailbox, as System V's MSGMAX (default 8192)");

unsigned int mp_msgmnb = 16384;
module_param_named(msgmnb, mp_msgmnb, uint, 0644);
MODULE_PARM_DESC(msgmnb, "Default byte capacity of a new mailbox, and the most an unprivileged caller may set, as System V's MSGMNB (default 16384)");

unsigned int mp_msgmni = 32000;
module_param_named(msgmni, mp_msgmni, uint, 0644);
MODULE_PARM_DESC(msgmni, "Most mailboxes in existence at once, as System V's MSGMNI (default 32000)");

module_param_named(user_quota_bytes, mp_user_quota_bytes, ulong, 0644);
MODULE_PARM_DESC(user_quota_bytes, "Most message body bytes one user may have queued, in all mailboxes together; 0 for no limit (default 64 MiB)");

module_param_named(max_links, mp_max_links, uint, 0644);
MODULE_PARM_DESC(max_links, "Most links into one process (default 1024)");

module_param_named(max_links_per_user, mp_max_links_per_user, uint, 0644);
MODULE_PARM_DESC(max_links_per_user, "Most links into one process from one user other than its own (default 128)");

module_param_named(prio_max_other, mp_prio_max_other, uint, 0644);
MODULE_PARM_DESC(prio_max_other, "Highest priority a sender may use on another user's mailbox or inbox without CAP_SYS_NICE (default 127)");

module_param_named(names_per_user, mp_names_per_user, uint, 0644);
MODULE_PARM_DESC(names_per_user, "Most names one user may register (default 16)");

struct mp_counters mp_counters;

/*
 * Every command's argument structure may grow at its end, so a command is
 * matched on its type, number and direction (MP_IOC_BASE()); the size in
 * the command number is the size of the structure the caller was built
 * with.
 */

/**
 * mp_copy_struct_to_user() - copy a structure out to a caller of any size
 * @dst: the caller's buffer
 * @usize: the size of the caller's structure
 * @src: the kernel's structure
 * @ksize: its size
 *
 * A shorter caller gets the head of the structure; a longer caller gets
 * its tail zeroed.
 *
 * Context: Process context; may fault and sleep.
 * Return: 0 or -EFAULT.
 */
int mp_copy_struct_to_user(void __user *dst, size_t usize, const void *src,
			   size_t ksize)
{
	size_t size = min(usize, ksize);

	if (copy_to_user(dst, src, size))
		return -EFAULT;
	if (usize > ksize && clear_user(dst + ksize, usize - ksize))
		return -EFAULT;
	return 0;
}

/**
 * mp_args_from_user() - copy in a command's argument structure
 * @dst: the kernel's structure
 * @ksize: its size
 * @uarg: the caller's structure
 * @usize: its size (from the command number)
 *
 * The one intake for every command's arguments: a caller's structure
 * must hold at least the kernel's; a longer one must be zero beyond it
 * (copy_struct_from_user()), so that structures can grow.
 *
 * Context: Process context; may fault.
 * Return: 0, -EINVAL (too short), -E2BIG (non-zero tail) or -EFAULT.
 */
int mp_args_from_user(void *dst, size_t ksize, const void __user *uarg, size_t usize)
{
	return mp_args_from_user_short(dst, ksize, ksize, uarg, usize);
}

/**
 * mp_args_from_user_short() - copy in arguments that may be short
 * @dst: the kernel's structure
 * @ksize: its size
 * @minsize: the shortest structure the command takes
 * @uarg: the caller's structure
 * @usize: its size
 *
 * As mp_args_from_user(), for a command that takes structures from
 * @minsize bytes: what a shorter caller leaves out is zero.
 *
 * Context: Process context; may fault.
 * Return: 0, -EINVAL (too short or too long), -E2BIG (non-zero tail) or
 * -EFAULT.
 */
int mp_args_from_user_short(void *dst, size_t ksize, size_t minsize,
			    const void __user *uarg, size_t usize)
{
	if (usize < minsize || usize > MP_STRUCT_MAX)
		return -EINVAL;
	return copy_struct_from_user(dst, ksize, uarg, usize);
}

static noinline long mp_ioctl_version(void __user *uarg, size_t usize)
{
	struct mp_version v = {
		.abi_major = MP_ABI_MAJOR,
		.abi_minor = MP_ABI_MINOR,
		.features = MP_FEAT_VERSION | MP_FEAT_COUNTERS |
			    MP_FEAT_MAILBOX | MP_FEAT_BROADCAST | MP_FEAT_POLL |
			    MP_FEAT_DIRECT | MP_FEAT_NAMES | MP_FEAT_CALL |
			    MP_FEAT_WATCH | MP_FEAT_FDS | MP_FEAT_BATCH |
			    MP_FEAT_TRUST | MP_FEAT_PIDFD_INFO,
		.max_msg_size = READ_ONCE(mp_max_msg_size),
	};

	if (usize < offsetofend(struct mp_version, features))
		return -EINVAL;
	return mp_copy_struct_to_user(uarg, usize, &v, sizeof(v));
}

static noinline long mp_ioctl_counters(void __user *uarg, size_t usize)
{
	long bytes, messages = mp_msg_count(&bytes);
	struct mp_counters_info c = {
		.endpoints = atomic_long_read(&mp_counters.endpoints),
		.mailboxes = atomic_long_read(&mp_counters.mailboxes),
		.messages = messages,
		.bytes = bytes,
		.files = atomic_long_read(&mp_counters.files),
		.links = atomic_long_read(&mp_counters.links),
	};

	if (usize < offsetofend(struct mp_counters_info, endpoints))
		return -EINVAL;
	return mp_copy_struct_to_user(uarg, usize, &c, sizeof(c));
}

/* Who may send to the caller's inbox. */
static noinline long mp_ioctl_accept(struct mp_endpoint *ep, void __user *uarg,
				     size_t usize)
{
	struct mp_accept_args a;
	long ret;

	ret = mp_args_from_user(&a, sizeof(a), uarg, usize);
	if (ret)
		return ret;
	if (a.mode > MP_ACCEPT_NONE || a.__pad ||
	    !mp_zero_words(a.__reserved, ARRAY_SIZE(a.__reserved)))
		return -EINVAL;
	WRITE_ONCE(ep->accept, a.mode);
	return 0;
}

/* A command without its size: the number, type and direction. */
#define MP_IOC_BASE(cmd)	((cmd) & ~(_IOC_SIZEMASK << _IOC_SIZESHIFT))

static long mp_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct mp_endpoint *ep = file->private_data;
	void __user *uarg = (void __user *)arg;
	size_t usize = _IOC_SIZE(cmd);

	/* The calls that move messages first: a compare each. */
	if (likely(mp_endpoint_is_current(ep))) {
		if (MP_IOC_BASE(cmd) == MP_IOC_BASE(MP_IOC_MSGSND))
			return mp_ioctl_msgsnd(ep, uarg, usize);
		if (MP_IOC_BASE(cmd) == MP_IOC_BASE(MP_IOC_MSGRCV))
			return mp_ioctl_msgrcv(ep, uarg, usize);
		if (MP_IOC_BASE(cmd) == MP_IOC_BASE(MP_IOC_SEND))
			return mp_ioctl_send(ep, uarg, usize);
		if (MP_IOC_BASE(cmd) == MP_IOC_BASE(MP_IOC_RECV))
			return mp_ioctl_recv(ep, uarg, usize);
	}
	switch (MP_IOC_BASE(cmd)) {
	/* What any holder of the device may ask. */
	case MP_IOC_BASE(MP_IOC_VERSION):
		return mp_ioctl_version(uarg, usize);
	case MP_IOC_BASE(MP_IOC_COUNTERS):
		return mp_ioctl_counters(uarg, usize);
	case MP_IOC_BASE(MP_IOC_PIDFD_INFO):
		return mp_ioctl_pidfd_info(uarg, usize);
	}
	if (_IOC_TYPE(cmd) != MP_IOC_MAGIC)
		return -ENOTTY;
	if (unlikely(!mp_endpoint_is_current(ep)))
		return -EBADFD;

	switch (MP_IOC_BASE(cmd)) {
	case MP_IOC_BASE(MP_IOC_MSGSND):
		return mp_ioctl_msgsnd(ep, uarg, usize);
	case MP_IOC_BASE(MP_IOC_MSGRCV):
		return mp_ioctl_msgrcv(ep, uarg, usize);
	case MP_IOC_BASE(MP_IOC_SEND):
		return mp_ioctl_send(ep, uarg, usize);
	case MP_IOC_BASE(MP_IOC_RECV):
		return mp_ioctl_recv(ep, uarg, usize);
	case MP_IOC_BASE(MP_IOC_CALL):
		return mp_ioctl_call(ep, uarg, usize);
	case MP_IOC_BASE(MP_IOC_REPLY):
		return mp_ioctl_reply(ep, uarg, usize);
	case MP_IOC_BASE(MP_IOC_MSGGET):
		return mp_ioctl_msgget(ep, uarg, usize);
	case MP_IOC_BASE(MP_IOC_MSGCTL):
		return mp_ioctl_msgctl(ep, uarg, usize);
	case MP_IOC_BASE(MP_IOC_MBOX_FD):
		return mp_ioctl_mbox_fd(ep, uarg, usize);
	case MP_IOC_BASE(MP_IOC_LINK):
		return mp_ioctl_link(ep, uarg, usize);
	case MP_IOC_BASE(MP_IOC_LINKS):
		return mp_ioctl_links(ep, uarg, usize);
	case MP_IOC_BASE(MP_IOC_NAME):
		return mp_ioctl_name(ep, uarg, usize);
	case MP_IOC_BASE(MP_IOC_WATCH):
		return mp_ioctl_watch(ep, uarg, usize);
	case MP_IOC_BASE(MP_IOC_SENDV):
		return mp_ioctl_sendv(ep, uarg, usize);
	case MP_IOC_BASE(MP_IOC_RECVV):
		return mp_ioctl_recvv(ep, uarg, usize);
	case MP_IOC_BASE(MP_IOC_ACCEPT):
		return mp_ioctl_accept(ep, uarg, usize);
	}
	return -ENOTTY;
}

static int mp_open(struct inode *inode, struct file *file)
{
	struct mp_endpoint *ep;

	ep = mp_endpoint_open();
	if (IS_ERR(ep))
		return PTR_ERR(ep);
	file->private_data = ep;
	return nonseekable_open(inode, file);
}

static int mp_release(struct inode *inode, struct file *file)
{
	mp_endpoint_close(file->private_data);
	return 0;
}

/* The device polls readable while the process's inbox has a message. */
static __poll_t mp_poll(struct file *file, poll_table *pt)
{
	struct mp_endpoint *ep = file->private_data;

	poll_wait(file, &ep->inbox.poll_wait, pt);
	return mp_queue_poll_mask(&ep->inbox, ep->pid);
}

static const struct file_operations mp_fops = {
	.owner		= THIS_MODULE,
	.open		= mp_open,
	.release	= mp_release,
	.unlocked_ioctl	= mp_ioctl,
	.poll		= mp_poll,
	.llseek		= MP_NO_LLSEEK,
};

/**
 * mp_file_is_msgpass() - is @file one of msgpass's own?
 * @file: an open file
 *
 * Context: Any context.
 * Return: true for /dev/msgpass and its mailbox descriptors.
 */
bool mp_file_is_msgpass(const struct file *file)
{
	return file->f_op == &mp_fops || mp_file_is_mailbox(file);
}

static struct miscdevice mp_miscdev = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "msgpass",
	.fops	= &mp_fops,
	.mode	= 0666,
};

static int __init mp_init(void)
{
	int err;

	BUILD_BUG_ON(sizeof(struct mp_version) % 8);
	BUILD_BUG_ON(sizeof(struct mp_counters_info) % 8);
	BUILD_BUG_ON(sizeof(struct mp_attr) % 8);
	BUILD_BUG_ON(sizeof(struct mp_msgget_args) % 8);
	BUILD_BUG_ON(sizeof(struct mp_msgsnd_args) % 8);
	BUILD_BUG_ON(sizeof(struct mp_msgrcv_args) % 8);
	BUILD_BUG_ON(sizeof(struct mp_msghdr) % 8);
	BUILD_BUG_ON(sizeof(struct mp_msgctl_args) % 8);
	BUILD_BUG_ON(sizeof(struct mp_mbox_info) % 8);
	BUILD_BUG_ON(sizeof(struct mp_mbox_fd_args) % 8);
	BUILD_BUG_ON(sizeof(struct mp_link_args) % 8);
	BUILD_BUG_ON(sizeof(struct mp_link_info) % 8);
	BUILD_BUG_ON(sizeof(struct mp_links_args) % 8);
	BUILD_BUG_ON(sizeof(struct mp_name_args) % 8);
	BUILD_BUG_ON(sizeof(struct mp_call_args) % 8);
	BUILD_BUG_ON(sizeof(struct mp_reply_args) % 8);
	BUILD_BUG_ON(sizeof(struct mp_watch_args) % 8);
	BUILD_BUG_ON(sizeof(struct mp_death_note) % 8);
	BUILD_BUG_ON(sizeof(struct mp_batch_msg) % 8);
	BUILD_BUG_ON(sizeof(struct mp_batch_args) % 8);
	BUILD_BUG_ON(sizeof(struct mp_accept_args) % 8);
	BUILD_BUG_ON(sizeof(struct mp_pidfd_info) % 8);
	BUILD_BUG_ON(offsetof(struct mp_msghdr, sender_start_ns) != MP_MSGHDR_SIZE_VER0);
	BUILD_BUG_ON(offsetof(struct mp_msgsnd_args, fds) != MP_MSGSND_ARGS_SIZE_VER0);
	BUILD_BUG_ON(offsetof(struct mp_msgrcv_args, fds) != MP_MSGRCV_ARGS_SIZE_VER0);
	/* The uapi repeats System V's constants; they must agree. */
	BUILD_BUG_ON(MP_IPC_PRIVATE != IPC_PRIVATE);
	BUILD_BUG_ON(MP_IPC_CREAT != IPC_CREAT || MP_IPC_EXCL != IPC_EXCL);
	BUILD_BUG_ON(MP_IPC_NOWAIT != IPC_NOWAIT);
	BUILD_BUG_ON(MP_MSG_NOERROR != MSG_NOERROR || MP_MSG_EXCEPT != MSG_EXCEPT);
	BUILD_BUG_ON(MP_MSG_COPY != MSG_COPY);
	BUILD_BUG_ON(MP_IPC_RMID != IPC_RMID || MP_IPC_SET != IPC_SET);
	BUILD_BUG_ON(MP_IPC_STAT != IPC_STAT || MP_IPC_INFO != IPC_INFO);
	BUILD_BUG_ON(MP_MSG_STAT != MSG_STAT || MP_MSG_INFO != MSG_INFO);
	BUILD_BUG_ON(MP_MSG_STAT_ANY != MSG_STAT_ANY);

	err = mp_msg_init();
	if (err)
		return err;
	err = mp_queue_caches_init();
	if (err)
		goto err_msg;
	err = mp_call_init();
	if (err)
		goto err_queue;
	err = mp_ns_init();
	if (err)
		goto err_call;
	err = mp_nl_init();
	if (err)
		goto err_ns;
	/* Last: from here on, user space can reach the module. */
	err = misc_register(&mp_miscdev);
	if (err)
		goto err_nl;
	return 0;

err_nl:
	mp_nl_exit();
err_ns:
	mp_ns_exit();
err_call:
	mp_call_exit();
err_queue:
	mp_queue_caches_exit();
err_msg:
	mp_msg_exit();
	return err;
}

static void __exit mp_exit(void)
{
	misc_deregister(&mp_miscdev);
	mp_nl_exit();
	mp_mailbox_exit();
	mp_call_exit();
	WARN_ON(mp_msg_count(NULL));
	mp_queue_caches_exit();
	mp_msg_exit();
	rcu_barrier();	/* endpoints freed by RCU let go of their namespace */
	mp_ns_exit();
	WARN_ON(atomic_long_read(&mp_counters.endpoints));
	WARN_ON(atomic_long_read(&mp_counters.mailboxes));
	WARN_ON(atomic_long_read(&mp_counters.files));
	WARN_ON(atomic_long_read(&mp_counters.links));
}

module_init(mp_init);
module_exit(mp_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("msgpass: message-passing IPC with mailboxes and direct links");
MODULE_AUTHOR("The msgpass developers");

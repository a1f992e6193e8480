// SPDX-License-Identifier: GPL-2.0
/*
 * msgpass batches: many messages sent or received in one ioctl, as
 * sendmmsg()/recvmmsg() do for sockets. Each message goes through the
 * same path as a single send or receive, so each is whole or not at all;
 * the batch stops at the first that fails and reports how many went.
 */
#include <linux/ipc.h>
#include <linux/msg.h>
#include <linux/uaccess.h>

#include "msgpass.h"

#define MP_BATCH_MAX	1024

static int mp_batch_args_from_user(struct mp_batch_args *a, void __user *uarg,
				   size_t usize)
{
	int ret;

	if (usize < sizeof(*a))
		return -EINVAL;
	ret = copy_struct_from_user(a, sizeof(*a), uarg, usize);
	if (ret)
		return ret;
	if ((a->flags & ~MP_BATCH_ALL) || !a->count || a->count > MP_BATCH_MAX ||
	    a->msg_size < sizeof(struct mp_batch_msg) || a->msg_size > MP_STRUCT_MAX || !a->msgs ||
	    !mp_zero_words(a->__reserved, ARRAY_SIZE(a->__reserved)))
		return -EINVAL;
	if (a->id < 0 || ((a->flags & MP_BATCH_PIDFD) && !(a->flags & MP_BATCH_INBOX)))
		return -EINVAL;
	return 0;
}

static void __user *mp_batch_entry(const struct mp_batch_args *a, u32 i)
{
	return u64_to_user_ptr(a->msgs) + (u64)i * a->msg_size;
}

static int mp_batch_msg_from_user(struct mp_batch_msg *m,
				  const struct mp_batch_args *a, u32 i)
{
	int ret;

	ret = copy_struct_from_user(m, sizeof(*m), mp_batch_entry(a, i), a->msg_size);
	if (ret)
		return ret;
	if (m->__pad || !mp_zero_words(m->__reserved, ARRAY_SIZE(m->__reserved)))
		return -EINVAL;
	return 0;
}

/* Tell the caller why entry @i did not go. */
static void mp_batch_fail(const struct mp_batch_args *a, u32 i, long err)
{
	struct mp_batch_msg __user *m = mp_batch_entry(a, i);

	if (put_user(err, &m->result))
		return;	/* the count returned still says how many went */
}

static long mp_batch_send_one(struct mp_endpoint *ep, struct mp_endpoint *to,
			      struct mp_mailbox *mb,
			      const struct mp_batch_args *a,
			      const struct mp_batch_msg *m, struct mp_wake_list *wl)
{
	struct mp_msgsnd_args sa = {
		.id = a->id,
		.msgflg = a->msgflg,
		.msgp = m->msgp,
		.msgsz = m->msgsz,
		.priority = m->priority,
	};
	struct mp_msg *msg;
	long mtype;
	int err;

	if ((long)m->msgsz < 0 || m->priority > MP_PRIO_MAX)
		return -EINVAL;
	err = mb ? mp_perm_mbox_send(mb, m->priority) :
		   mp_perm_inbox_send(to, m->priority);
	if (err)
		return err;
	if (get_user(mtype, (long __user *)u64_to_user_ptr(m->msgp)))
		return -EFAULT;
	if (mtype < 1)
		return -EINVAL;
	msg = mp_msg_build(ep, &sa, mtype, mb ? READ_ONCE(mb->queue.msg_max) :
			   READ_ONCE(mp_max_msg_size));
	if (IS_ERR(msg))
		return PTR_ERR(msg);
	if (mb)
		return __mp_queue_send(&mb->queue, msg, a->msgflg & IPC_NOWAIT, false, NULL, wl);
	return mp_inbox_send(to, msg, a->msgflg & IPC_NOWAIT, false, NULL);
}

long mp_ioctl_sendv(struct mp_endpoint *ep, void __user *uarg, size_t usize)
{
	struct mp_endpoint *to = NULL;
	struct mp_mailbox *mb = NULL;
	struct mp_batch_args a;
	struct mp_wake_list wl;
	struct mp_batch_msg m;
	long ret;
	u32 i;

	mp_wake_init(&wl);
	ret = mp_batch_args_from_user(&a, uarg, usize);
	if (ret)
		return ret;
	if (a.flags & MP_BATCH_INBOX) {
		if (!a.id && !(a.flags & MP_BATCH_PIDFD))
			return -EINVAL;
		to = mp_endpoint_get_arg(ep->ns, a.id, a.flags & MP_BATCH_PIDFD);
		if (IS_ERR(to))
			return PTR_ERR(to);
		ret = mp_perm_inbox_send(to, 0);
	} else {
		mb = mp_mailbox_get(ep->ns, a.id);
		if (!mb)
			return -EINVAL;
		ret = mp_perm_mbox_send(mb, 0);
	}
	if (ret)
		goto out;

	for (i = 0; i < a.count; i++) {
		ret = mp_batch_msg_from_user(&m, &a, i);
		if (!ret)
			ret = mp_batch_send_one(ep, to, mb, &a, &m, &wl);
		if (ret) {
			mp_batch_fail(&a, i, ret == -ERESTARTNOHAND ? -EINTR : ret);
			break;
		}
	}
	/* One wake-up for the whole batch: the receiver finds all of it. */
	mp_wake_up(&wl);
	ret = i ? i : ret;
out:
	if (mb)
		mp_mailbox_put(mb);
	if (to)
		mp_endpoint_put(to);
	return ret;
}

long mp_ioctl_recvv(struct mp_endpoint *ep, void __user *uarg, size_t usize)
{
	struct mp_msgrcv_args ra = { };
	struct mp_batch_args a;
	struct mp_batch_msg m;
	struct mp_select sel;
	ktime_t deadline_buf;
	long ret;
	u32 i;

	ret = mp_batch_args_from_user(&a, uarg, usize);
	if (ret)
		return ret;
	if (a.msgflg & MSG_COPY)
		return -EINVAL;

	for (i = 0; i < a.count; i++) {
		struct mp_batch_msg __user *um = mp_batch_entry(&a, i);

		ret = mp_batch_msg_from_user(&m, &a, i);
		if (ret)
			goto fail;
		/*
		 * Where its length goes must be writable before the message
		 * is taken: a message received but not counted would be lost.
		 */
		if (put_user(0, &um->result)) {
			ret = -EFAULT;
			goto fail;
		}
		ra.id = a.id;
		ra.msgp = m.msgp;
		ra.msgsz = m.msgsz;
		ra.msgtyp = a.msgtyp;
		ra.flags = a.flags & MP_BATCH_PIDFD ? MP_RECV_PIDFD : 0;
		/* Only the first receive may wait. */
		ra.msgflg = a.msgflg | (i ? IPC_NOWAIT : 0);
		ret = mp_recv_args_check(&ra, &sel, &deadline_buf);
		if (ret)
			goto fail;
		/* A batch has no way to report a call ID: calls stay queued. */
		sel.no_calls = true;
		if (a.flags & MP_BATCH_INBOX)
			ret = mp_inbox_receive(ep, &ra, &sel);
		else
			ret = mp_mailbox_receive(ep, &ra, &sel);
		if (ret < 0)
			goto fail;
		/* Written a moment ago: only the caller unmapping it can fail this. */
		if (put_user(ret, &um->result))
			return i + 1;
	}
	return i;

fail:
	if (i && ret == -ENOMSG)
		return i;
	if (i)
		mp_batch_fail(&a, i, ret == -ERESTARTNOHAND ? -EINTR : ret);
	return i ? i : ret;
}

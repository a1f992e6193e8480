// SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
/*
 * libmsgpass: the four calls and their extended variants.
 *
 * Each is one ioctl. Pointers and sizes go to the kernel untouched, so
 * that it reports EFAULT and EINVAL itself, as System V does.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "msgpass.h"
#include "internal.h"

static inline uint64_t mp_ptr(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

int mp_msgget_attr(key_t key, const char *name, int msgflg,
		   const struct mp_attr *attr)
{
	struct mp_msgget_args a = {
		.key = key,
		.msgflg = (uint32_t)msgflg,
		.name = mp_ptr(name),
		.attr = mp_ptr(attr),
		.attr_size = attr ? sizeof(*attr) : 0,
	};

	return __mp_ioctl(MP_IOC_MSGGET, &a);
}

int mp_msgget(key_t key, int msgflg)
{
	return mp_msgget_attr(key, NULL, msgflg, NULL);
}

int mp_msgsnd_ext(int msqid, const void *msgp, size_t msgsz, int msgflg,
		  const struct mp_sendopt *opt)
{
	struct mp_msgsnd_args a = {
		.id = msqid,
		.msgflg = (uint32_t)msgflg,
		.msgp = mp_ptr(msgp),
		.msgsz = msgsz,
	};

	if (opt) {
		a.flags = opt->flags;
		a.priority = opt->priority;
		a.timeout_ns = opt->timeout_ns;
		a.fds = mp_ptr(opt->fds);
		a.nr_fds = opt->nr_fds;
	}
	return __mp_ioctl(MP_IOC_MSGSND, &a) < 0 ? -1 : 0;
}

int mp_msgsnd(int msqid, const void *msgp, size_t msgsz, int msgflg)
{
	struct mp_msgsnd_args a = {
		.id = msqid,
		.msgflg = (uint32_t)msgflg,
		.msgp = mp_ptr(msgp),
		.msgsz = msgsz,
	};

	return __mp_ioctl(MP_IOC_SIZED(MP_IOC_MSGSND, MP_MSGSND_ARGS_SIZE_MIN), &a) < 0 ? -1 : 0;
}

ssize_t mp_msgrcv_ext(int msqid, void *msgp, size_t msgsz, long msgtyp,
		      int msgflg, const struct mp_recvopt *opt,
		      struct mp_msghdr *hdr)
{
	struct mp_msgrcv_args a = {
		.id = msqid,
		.msgflg = (uint32_t)msgflg,
		.msgp = mp_ptr(msgp),
		.msgsz = msgsz,
		.msgtyp = msgtyp,
		.hdr = mp_ptr(hdr),
		.hdr_size = hdr ? sizeof(*hdr) : 0,
	};

	if (opt) {
		a.flags = opt->flags;
		a.min_priority = opt->min_priority;
		a.timeout_ns = opt->timeout_ns;
		a.fds = mp_ptr(opt->fds);
		a.fd_room = opt->fd_room;
	}
	return __mp_ioctl(MP_IOC_MSGRCV, &a);
}

ssize_t mp_msgrcv(int msqid, void *msgp, size_t msgsz, long msgtyp,
		  int msgflg)
{
	struct mp_msgrcv_args a = {
		.id = msqid,
		.msgflg = (uint32_t)msgflg,
		.msgp = mp_ptr(msgp),
		.msgsz = msgsz,
		.msgtyp = msgtyp,
	};

	return __mp_ioctl(MP_IOC_SIZED(MP_IOC_MSGRCV, MP_MSGRCV_ARGS_SIZE_MIN), &a);
}

static int mp_ctl(int msqid, int cmd, void *buf, uint32_t buf_size,
		  uint64_t arg)
{
	struct mp_msgctl_args a = {
		.id = msqid,
		.cmd = cmd,
		.buf = mp_ptr(buf),
		.arg = arg,
		.buf_size = buf_size,
	};

	return __mp_ioctl(MP_IOC_MSGCTL, &a);
}

int mp_msgctl(int msqid, int cmd, struct msqid_ds *buf)
{
	return mp_ctl(msqid, cmd, buf, 0, 0);
}

int mp_mbox_info(int msqid, struct mp_mbox_info *info)
{
	return mp_ctl(msqid, MP_CTL_INFO, info, sizeof(*info), 0);
}

int mp_mbox_set_owner(int msqid, pid_t pid)
{
	return mp_ctl(msqid, MP_CTL_SET_OWNER, NULL, 0, (uint64_t)pid);
}

int mp_mbox_grant(int msqid, pid_t pid)
{
	return mp_ctl(msqid, MP_CTL_GRANT, NULL, 0, (uint64_t)pid);
}

int mp_mbox_revoke(int msqid, pid_t pid)
{
	return mp_ctl(msqid, MP_CTL_REVOKE, NULL, 0, (uint64_t)pid);
}

int mp_mbox_subscribe(int msqid)
{
	return mp_ctl(msqid, MP_CTL_SUBSCRIBE, NULL, 0, 0);
}

int mp_mbox_unsubscribe(int msqid)
{
	return mp_ctl(msqid, MP_CTL_UNSUBSCRIBE, NULL, 0, 0);
}

int mp_mbox_set_attr(int msqid, const struct mp_attr *attr)
{
	return mp_ctl(msqid, MP_CTL_SET_ATTR, (void *)attr, sizeof(*attr), 0);
}

int mp_mbox_fd(int msqid, int flags)
{
	struct mp_mbox_fd_args a = {
		.id = msqid,
		.flags = (uint32_t)flags,
	};

	return __mp_ioctl(MP_IOC_MBOX_FD, &a);
}

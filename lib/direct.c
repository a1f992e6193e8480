// SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
/*
 * libmsgpass: direct communication, names, call/reply, peer death.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "msgpass.h"
#include "internal.h"

static inline uint64_t mp_ptr(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

int mp_send_ext(pid_t pid, const void *msgp, size_t msgsz, int msgflg,
		const struct mp_sendopt *opt)
{
	struct mp_msgsnd_args a = {
		.id = pid,
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
	return __mp_ioctl(MP_IOC_SEND, &a) < 0 ? -1 : 0;
}

int mp_send(pid_t pid, const void *msgp, size_t msgsz, int msgflg)
{
	struct mp_msgsnd_args a = {
		.id = pid,
		.msgflg = (uint32_t)msgflg,
		.msgp = mp_ptr(msgp),
		.msgsz = msgsz,
	};

	return __mp_ioctl(MP_IOC_SIZED(MP_IOC_SEND, MP_MSGSND_ARGS_SIZE_MIN), &a) < 0 ? -1 : 0;
}

static void mp_recv_fill(struct mp_msgrcv_args *a, int id, void *msgp,
			 size_t msgsz, long msgtyp, int msgflg,
			 const struct mp_recvopt *opt, struct mp_msghdr *hdr)
{
	memset(a, 0, sizeof(*a));
	a->id = id;
	a->msgflg = (uint32_t)msgflg;
	a->msgp = mp_ptr(msgp);
	a->msgsz = msgsz;
	a->msgtyp = msgtyp;
	a->hdr = mp_ptr(hdr);
	a->hdr_size = hdr ? sizeof(*hdr) : 0;
	if (opt) {
		a->flags = opt->flags;
		a->min_priority = opt->min_priority;
		a->timeout_ns = opt->timeout_ns;
		a->fds = mp_ptr(opt->fds);
		a->fd_room = opt->fd_room;
	}
}

ssize_t mp_receive_ext(pid_t pid, void *msgp, size_t msgsz, long msgtyp,
		       int msgflg, const struct mp_recvopt *opt,
		       struct mp_msghdr *hdr)
{
	struct mp_msgrcv_args a;

	mp_recv_fill(&a, pid, msgp, msgsz, msgtyp, msgflg, opt, hdr);
	return __mp_ioctl(MP_IOC_RECV, &a);
}

ssize_t mp_receive(pid_t pid, void *msgp, size_t msgsz, long msgtyp,
		   int msgflg)
{
	struct mp_msgrcv_args a = {
		.id = pid,
		.msgflg = (uint32_t)msgflg,
		.msgp = mp_ptr(msgp),
		.msgsz = msgsz,
		.msgtyp = msgtyp,
	};

	return __mp_ioctl(MP_IOC_SIZED(MP_IOC_RECV, MP_MSGRCV_ARGS_SIZE_MIN), &a);
}

int mp_link_create(pid_t pid, uint64_t flags, uint64_t capacity,
		   uint64_t max_bytes)
{
	struct mp_link_args a = {
		.pid = pid,
		.flags = flags,
		.capacity = capacity,
		.max_bytes = max_bytes,
	};

	return __mp_ioctl(MP_IOC_LINK, &a) < 0 ? -1 : 0;
}

int mp_accept(unsigned int mode)
{
	struct mp_accept_args a = { .mode = mode };

	return __mp_ioctl(MP_IOC_ACCEPT, &a) < 0 ? -1 : 0;
}

/*
 * The sender as a pidfd, with no pid-reuse race: a pidfd opened on the
 * number pins whichever process has it now; it is the sender's only if
 * that process started when the sender did.
 */
int mp_sender_pidfd(const struct mp_msghdr *hdr, unsigned int flags)
{
	struct mp_pidfd_info info = { 0 };
	int fd, err;

	if (!hdr->sender_pid || !hdr->sender_start_ns) {
		errno = ESRCH;
		return -1;
	}
	fd = (int)syscall(SYS_pidfd_open, hdr->sender_pid, flags);
	if (fd < 0)
		return -1;
	info.pidfd = fd;
	if (__mp_ioctl(MP_IOC_PIDFD_INFO, &info) < 0) {
		err = errno;
		goto fail;
	}
	if (info.start_ns == hdr->sender_start_ns)
		return fd;
	err = ESRCH;
fail:
	close(fd);
	errno = err;
	return -1;
}

ssize_t mp_links(pid_t pid, unsigned int flags, struct mp_link_info *buf,
		 size_t count, size_t *total)
{
	struct mp_links_args a = {
		.pid = pid,
		.flags = flags,
		.buf = mp_ptr(buf),
		.count = count > UINT32_MAX ? UINT32_MAX : (uint32_t)count,
		.info_size = sizeof(*buf),
	};
	int n = __mp_ioctl(MP_IOC_LINKS, &a);

	if (n >= 0 && total)
		*total = a.count;
	return n;
}

static int mp_name_op(const char *name, uint32_t op)
{
	struct mp_name_args a = {
		.name = mp_ptr(name),
		.op = op,
	};
	int ret = __mp_ioctl(MP_IOC_NAME, &a);

	if (ret < 0)
		return -1;
	return op == MP_NAME_RESOLVE ? a.pid : 0;
}

int mp_name_register(const char *name)
{
	return mp_name_op(name, MP_NAME_REGISTER);
}

int mp_name_unregister(const char *name)
{
	return mp_name_op(name, MP_NAME_UNREGISTER);
}

pid_t mp_name_resolve(const char *name)
{
	return mp_name_op(name, MP_NAME_RESOLVE);
}

static ssize_t mp_call_to(int to, uint64_t flags, const void *req,
			  size_t reqsz, void *reply, size_t replysz,
			  const struct mp_callopt *opt, struct mp_msghdr *hdr)
{
	struct mp_call_args a = {
		.to = to,
		.flags = flags,
		.req = mp_ptr(req),
		.req_size = reqsz,
		.reply = mp_ptr(reply),
		.reply_size = replysz,
		.hdr = mp_ptr(hdr),
		.hdr_size = hdr ? sizeof(*hdr) : 0,
	};

	if (opt) {
		a.flags |= opt->flags;
		a.priority = opt->priority;
		a.msgflg = (uint32_t)opt->msgflg;
		a.timeout_ns = opt->timeout_ns;
		a.req_fds = mp_ptr(opt->fds);
		a.nr_req_fds = opt->nr_fds;
		a.reply_fds = mp_ptr(opt->reply_fds);
		a.reply_fd_room = opt->reply_fd_room;
	}
	return __mp_ioctl(MP_IOC_CALL, &a);
}

ssize_t mp_call(pid_t pid, const void *req, size_t reqsz, void *reply,
		size_t replysz, const struct mp_callopt *opt,
		struct mp_msghdr *hdr)
{
	return mp_call_to(pid, 0, req, reqsz, reply, replysz, opt, hdr);
}

ssize_t mp_call_mbox(int msqid, const void *req, size_t reqsz, void *reply,
		     size_t replysz, const struct mp_callopt *opt,
		     struct mp_msghdr *hdr)
{
	return mp_call_to(msqid, MP_CALL_MAILBOX, req, reqsz, reply, replysz,
			  opt, hdr);
}

static ssize_t mp_reply_do(uint64_t call_id, uint64_t flags, const void *reply,
			   size_t replysz, int id, void *msgp, size_t msgsz,
			   long msgtyp, int msgflg, struct mp_msghdr *hdr)
{
	struct mp_reply_args a = {
		.call_id = call_id,
		.flags = flags,
		.msgp = mp_ptr(reply),
		.msgsz = replysz,
	};

	if (flags)
		mp_recv_fill(&a.rcv, id, msgp, msgsz, msgtyp, msgflg, NULL, hdr);
	return __mp_ioctl(MP_IOC_REPLY, &a);
}

int mp_reply(uint64_t call_id, const void *msgp, size_t msgsz)
{
	return mp_reply_do(call_id, 0, msgp, msgsz, 0, NULL, 0, 0, 0, NULL) < 0 ? -1 : 0;
}

int mp_reply_fds(uint64_t call_id, const void *msgp, size_t msgsz,
		 const int *fds, unsigned int nr_fds)
{
	struct mp_reply_args a = {
		.call_id = call_id,
		.msgp = mp_ptr(msgp),
		.msgsz = msgsz,
		.fds = mp_ptr(fds),
		.nr_fds = nr_fds,
	};

	return __mp_ioctl(MP_IOC_REPLY, &a) < 0 ? -1 : 0;
}

ssize_t mp_reply_receive(uint64_t call_id, const void *reply, size_t replysz,
			 pid_t from, void *msgp, size_t msgsz, long msgtyp,
			 int msgflg, struct mp_msghdr *hdr)
{
	return mp_reply_do(call_id, MP_REPLY_RECV_INBOX, reply, replysz, from,
			   msgp, msgsz, msgtyp, msgflg, hdr);
}

ssize_t mp_reply_receive_mbox(uint64_t call_id, const void *reply,
			      size_t replysz, int msqid, void *msgp,
			      size_t msgsz, long msgtyp, int msgflg,
			      struct mp_msghdr *hdr)
{
	return mp_reply_do(call_id, MP_REPLY_RECV_MAILBOX, reply, replysz, msqid,
			   msgp, msgsz, msgtyp, msgflg, hdr);
}

static int mp_watch(uint32_t kind, int target, long type, uint64_t cookie,
		    int notify, uint32_t flags)
{
	struct mp_watch_args a = {
		.kind = kind,
		.target = target,
		.notify = notify,
		.flags = flags,
		.type = type,
		.cookie = cookie,
	};

	if (notify >= 0 && !(flags & MP_WATCH_CANCEL))
		a.flags |= MP_WATCH_TO_MAILBOX;
	return __mp_ioctl(MP_IOC_WATCH, &a) < 0 ? -1 : 0;
}

int mp_watch_process(pid_t pid, long type, uint64_t cookie, int notify_msqid)
{
	return mp_watch(MP_WATCH_PROCESS, pid, type, cookie, notify_msqid, 0);
}

int mp_watch_mbox(int msqid, long type, uint64_t cookie, int notify_msqid)
{
	return mp_watch(MP_WATCH_MAILBOX, msqid, type, cookie, notify_msqid, 0);
}

int mp_unwatch_process(pid_t pid)
{
	return mp_watch(MP_WATCH_PROCESS, pid, 0, 0, -1, MP_WATCH_CANCEL);
}

int mp_unwatch_mbox(int msqid)
{
	return mp_watch(MP_WATCH_MAILBOX, msqid, 0, 0, -1, MP_WATCH_CANCEL);
}

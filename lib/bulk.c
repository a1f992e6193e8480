// SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
/*
 * libmsgpass: large data by reference (sealed memfds) and batches.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "msgpass.h"
#include "internal.h"

#define MP_MEMFD_SEALS	(F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

/* The body of a by-reference message: how many bytes the file holds. */
struct mp_memfd_msg {
	long mtype;
	uint64_t len;
};

static int mp_memfd_make(const void *buf, size_t len)
{
	int fd = memfd_create("msgpass", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	const char *p = buf;
	size_t done = 0;

	if (fd < 0)
		return -1;
	if (ftruncate(fd, (off_t)len))
		goto fail;
	while (done < len) {
		ssize_t n = pwrite(fd, p + done, len - done, (off_t)done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto fail;
		done += (size_t)n;
	}
	if (fcntl(fd, F_ADD_SEALS, MP_MEMFD_SEALS))
		goto fail;
	return fd;
fail:
	{
		int err = errno;

		close(fd);
		errno = err;
	}
	return -1;
}

static int mp_memfd_send(int by_pid, int to, long mtype, const void *buf,
			 size_t len, int msgflg)
{
	struct mp_memfd_msg m = { .mtype = mtype, .len = len };
	struct mp_sendopt opt = { .nr_fds = 1 };
	int fd, ret, err;

	if (!len) {
		errno = EINVAL;
		return -1;
	}
	fd = mp_memfd_make(buf, len);
	if (fd < 0)
		return -1;
	opt.fds = &fd;
	if (by_pid)
		ret = mp_send_ext(to, &m, sizeof(m.len), msgflg, &opt);
	else
		ret = mp_msgsnd_ext(to, &m, sizeof(m.len), msgflg, &opt);
	err = errno;
	close(fd);	/* the message holds its own reference */
	errno = err;
	return ret;
}

int mp_msgsnd_memfd(int msqid, long mtype, const void *buf, size_t len,
		    int msgflg)
{
	return mp_memfd_send(0, msqid, mtype, buf, len, msgflg);
}

int mp_send_memfd(pid_t pid, long mtype, const void *buf, size_t len,
		  int msgflg)
{
	return mp_memfd_send(1, pid, mtype, buf, len, msgflg);
}

static void *mp_memfd_receive(int by_pid, int from, long msgtyp, int msgflg,
			      size_t *lenp)
{
	struct mp_recvopt opt = { .flags = MP_RECV_FD_CLOEXEC, .fd_room = 1 };
	struct mp_memfd_msg m;
	struct mp_msghdr hdr;
	struct stat st;
	void *map = NULL;
	ssize_t n;
	int fd = -1, seals, err = 0;

	opt.fds = &fd;
	if (by_pid)
		n = mp_receive_ext(from, &m, sizeof(m.len), msgtyp, msgflg, &opt, &hdr);
	else
		n = mp_msgrcv_ext(from, &m, sizeof(m.len), msgtyp, msgflg, &opt, &hdr);
	if (n < 0)
		return NULL;
	/* Anything but a sealed memfd at least as long as it says is no such message. */
	err = EBADMSG;
	if (n != sizeof(m.len) || hdr.nr_fds != 1)
		goto out;
	seals = fcntl(fd, F_GET_SEALS);
	if (seals < 0 || (seals & MP_MEMFD_SEALS) != MP_MEMFD_SEALS)
		goto out;
	if (fstat(fd, &st) || (uint64_t)st.st_size < m.len || !m.len ||
	    m.len > SIZE_MAX)
		goto out;
	map = mmap(NULL, (size_t)m.len, PROT_READ, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		err = errno;
		map = NULL;
		goto out;
	}
	*lenp = (size_t)m.len;
out:
	if (fd >= 0)
		close(fd);
	if (!map)
		errno = err;
	return map;
}

void *mp_msgrcv_memfd(int msqid, long msgtyp, int msgflg, size_t *lenp)
{
	return mp_memfd_receive(0, msqid, msgtyp, msgflg, lenp);
}

void *mp_receive_memfd(pid_t pid, long msgtyp, int msgflg, size_t *lenp)
{
	return mp_memfd_receive(1, pid, msgtyp, msgflg, lenp);
}

static int mp_batch(unsigned long cmd, int id, uint64_t flags,
		    struct mp_batch_msg *msgs, unsigned int count, long msgtyp,
		    int msgflg)
{
	struct mp_batch_args a = {
		.id = id,
		.msgflg = (uint32_t)msgflg,
		.flags = flags,
		.msgs = (uint64_t)(uintptr_t)msgs,
		.count = count,
		.msg_size = sizeof(*msgs),
		.msgtyp = msgtyp,
	};

	return __mp_ioctl(cmd, &a);
}

int mp_msgsndv(int msqid, struct mp_batch_msg *msgs, unsigned int count,
	       int msgflg)
{
	return mp_batch(MP_IOC_SENDV, msqid, 0, msgs, count, 0, msgflg);
}

int mp_msgrcvv(int msqid, struct mp_batch_msg *msgs, unsigned int count,
	       long msgtyp, int msgflg)
{
	return mp_batch(MP_IOC_RECVV, msqid, 0, msgs, count, msgtyp, msgflg);
}

int mp_sendv(pid_t pid, struct mp_batch_msg *msgs, unsigned int count,
	     int msgflg)
{
	return mp_batch(MP_IOC_SENDV, pid, MP_BATCH_INBOX, msgs, count, 0, msgflg);
}

int mp_receivev(pid_t pid, struct mp_batch_msg *msgs, unsigned int count,
		long msgtyp, int msgflg)
{
	return mp_batch(MP_IOC_RECVV, pid, MP_BATCH_INBOX, msgs, count, msgtyp,
			msgflg);
}

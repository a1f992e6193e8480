/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * libmsgpass: the user-space API of msgpass.
 *
 * Every function returns -1 and sets errno on failure, as the System V
 * message-queue calls do.
 */
#ifndef LIBMSGPASS_H
#define LIBMSGPASS_H

#include <stdint.h>
#include <sys/types.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <linux/msgpass.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The calling process's descriptor for /dev/msgpass, opened on first use
 * (close-on-exec). After fork() the child gets a descriptor of its own on
 * its next call: it never speaks with its parent's identity.
 */
int mp_fd(void);

/* What the loaded module speaks; see struct mp_version. */
int mp_version(struct mp_version *v);

/* Live object counts of the whole module; see struct mp_counters_info. */
int mp_counters(struct mp_counters_info *c);

/*
 * The four calls, shaped as System V's msgget(2), msgsnd(2), msgrcv(2)
 * and msgctl(2), with their semantics and errors: a System V program
 * ports by renaming them.
 */
int mp_msgget(key_t key, int msgflg);
int mp_msgsnd(int msqid, const void *msgp, size_t msgsz, int msgflg);
ssize_t mp_msgrcv(int msqid, void *msgp, size_t msgsz, long msgtyp,
		  int msgflg);
int mp_msgctl(int msqid, int cmd, struct msqid_ds *buf);

/*
 * Beyond System V.
 *
 * mp_msgget_attr() makes or finds a mailbox by key (or IPC_PRIVATE) or,
 * when @name is not NULL, by name. A mailbox it makes follows @attr
 * (NULL: System V's defaults) and is owned by the caller.
 */
int mp_msgget_attr(key_t key, const char *name, int msgflg,
		   const struct mp_attr *attr);

/* Options of an extended send; NULL means none. */
struct mp_sendopt {
	uint64_t flags;		/* MP_SEND_SYNC, MP_SEND_TIMEOUT */
	unsigned int priority;	/* 0 .. MP_PRIO_MAX */
	uint64_t timeout_ns;	/* with MP_SEND_TIMEOUT; CLOCK_MONOTONIC */
};

/* Options of an extended receive; NULL means none. */
struct mp_recvopt {
	uint64_t flags;		/* MP_RECV_TIMEOUT, _PEEK, _MIN_PRIO */
	unsigned int min_priority;
	uint64_t timeout_ns;	/* with MP_RECV_TIMEOUT; CLOCK_MONOTONIC */
};

int mp_msgsnd_ext(int msqid, const void *msgp, size_t msgsz, int msgflg,
		  const struct mp_sendopt *opt);
ssize_t mp_msgrcv_ext(int msqid, void *msgp, size_t msgsz, long msgtyp,
		      int msgflg, const struct mp_recvopt *opt,
		      struct mp_msghdr *hdr);

/* Mailbox control beyond IPC_STAT/IPC_SET/IPC_RMID. */
int mp_mbox_info(int msqid, struct mp_mbox_info *info);
int mp_mbox_set_owner(int msqid, pid_t pid);
int mp_mbox_grant(int msqid, pid_t pid);
int mp_mbox_revoke(int msqid, pid_t pid);
int mp_mbox_subscribe(int msqid);
int mp_mbox_unsubscribe(int msqid);
int mp_mbox_set_attr(int msqid, const struct mp_attr *attr);

/*
 * A descriptor to poll()/epoll a mailbox with: readable when a message
 * the caller may receive is there, writable when a send would not block.
 * @flags: 0 or O_CLOEXEC. Close it when done.
 */
int mp_mbox_fd(int msqid, int flags);

#ifdef __cplusplus
}
#endif

#endif /* LIBMSGPASS_H */

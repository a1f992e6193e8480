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
	const int *fds;		/* descriptors the message carries */
	unsigned int nr_fds;	/* at most MP_FDS_MAX */
};

/* Options of an extended receive; NULL means none. */
struct mp_recvopt {
	uint64_t flags;		/* MP_RECV_TIMEOUT, _PEEK, _MIN_PRIO, _FD_CLOEXEC, _DISCARD */
	unsigned int min_priority;
	uint64_t timeout_ns;	/* with MP_RECV_TIMEOUT; CLOCK_MONOTONIC */
	int *fds;		/* room for received descriptors... */
	unsigned int fd_room;	/* ...this many; hdr->nr_fds says how many came */
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

/*
 * Direct communication: the model's Send(P, msg) and Receive(Q, msg).
 * A process is named by its pid; MP_ANY receives from any link. The
 * message buffer is System V's: a long type (> 0), then the body. The
 * inbox can be polled through mp_fd().
 */
int mp_send(pid_t pid, const void *msgp, size_t msgsz, int msgflg);
int mp_send_ext(pid_t pid, const void *msgp, size_t msgsz, int msgflg,
		const struct mp_sendopt *opt);
ssize_t mp_receive(pid_t pid, void *msgp, size_t msgsz, long msgtyp,
		   int msgflg);
ssize_t mp_receive_ext(pid_t pid, void *msgp, size_t msgsz, long msgtyp,
		       int msgflg, const struct mp_recvopt *opt,
		       struct mp_msghdr *hdr);

/* Make the link to @pid now, with a capacity (flags: MP_ATTR_CAPACITY,
 * MP_ATTR_MAX_BYTES); EEXIST if it exists. */
int mp_link_create(pid_t pid, uint64_t flags, uint64_t capacity,
		   uint64_t max_bytes);

/* Who may send to the caller's inbox: MP_ACCEPT_ANY (the default),
 * MP_ACCEPT_SAME_USER or MP_ACCEPT_NONE; refused senders get ECONNREFUSED. */
int mp_accept(unsigned int mode);

/* A pidfd for the process that sent the message @hdr describes (flags:
 * as pidfd_open(2)'s); ESRCH when it is gone, or for a kernel note. */
int mp_sender_pidfd(const struct mp_msghdr *hdr, unsigned int flags);

/* Links into (MP_LINKS_IN) and out of (MP_LINKS_OUT) process @pid (0:
 * the caller): fills up to @count entries, returns how many it filled,
 * and sets *@total (if not NULL) to how many there are. */
ssize_t mp_links(pid_t pid, unsigned int flags, struct mp_link_info *buf,
		 size_t count, size_t *total);

/* The name service. */
int mp_name_register(const char *name);
int mp_name_unregister(const char *name);
pid_t mp_name_resolve(const char *name);

/* Options of a call; NULL means none. */
struct mp_callopt {
	uint64_t flags;		/* MP_CALL_TIMEOUT */
	unsigned int priority;	/* of the request */
	int msgflg;		/* MSG_NOERROR: cut a longer reply */
	uint64_t timeout_ns;	/* with MP_CALL_TIMEOUT; CLOCK_MONOTONIC */
	const int *fds;		/* descriptors the request carries */
	unsigned int nr_fds;
	int *reply_fds;		/* room for descriptors the reply carries... */
	unsigned int reply_fd_room;	/* ...this many; hdr->nr_fds: how many came */
};

/*
 * Call and reply. mp_call() sends the request @req (System V format) to
 * process @pid and waits for its reply, returning its body length;
 * mp_call_mbox() does the same through mailbox @msqid used as a port.
 * The server gets the request with MP_MSG_CALL and hdr.call_id set, and
 * answers with mp_reply(), or with mp_reply_receive() /
 * mp_reply_receive_mbox(), which answer (call_id 0: nothing) and then
 * wait for the next request in the same system call.
 */
ssize_t mp_call(pid_t pid, const void *req, size_t reqsz, void *reply,
		size_t replysz, const struct mp_callopt *opt,
		struct mp_msghdr *hdr);
ssize_t mp_call_mbox(int msqid, const void *req, size_t reqsz, void *reply,
		     size_t replysz, const struct mp_callopt *opt,
		     struct mp_msghdr *hdr);
int mp_reply(uint64_t call_id, const void *msgp, size_t msgsz);
/* A reply carrying descriptors (ENOBUFS: more than the caller has room for). */
int mp_reply_fds(uint64_t call_id, const void *msgp, size_t msgsz,
		 const int *fds, unsigned int nr_fds);
ssize_t mp_reply_receive(uint64_t call_id, const void *reply, size_t replysz,
			 pid_t from, void *msgp, size_t msgsz, long msgtyp,
			 int msgflg, struct mp_msghdr *hdr);
ssize_t mp_reply_receive_mbox(uint64_t call_id, const void *reply,
			      size_t replysz, int msqid, void *msgp,
			      size_t msgsz, long msgtyp, int msgflg,
			      struct mp_msghdr *hdr);

/*
 * Peer death: be sent a message of @type (body: struct mp_death_note)
 * when process @pid ends or mailbox @msqid goes; into the caller's inbox
 * (@notify_msqid -1) or into mailbox @notify_msqid. Exactly once.
 */
int mp_watch_process(pid_t pid, long type, uint64_t cookie, int notify_msqid);
int mp_watch_mbox(int msqid, long type, uint64_t cookie, int notify_msqid);
int mp_unwatch_process(pid_t pid);
int mp_unwatch_mbox(int msqid);

/*
 * Large data by reference: the @len (> 0) bytes go into a sealed memfd
 * (no one can change them after) and the message carries only the
 * descriptor. The receive maps it read-only and sets *@lenp; munmap() it
 * when done. Receive: NULL and errno on failure: EBADMSG when the message
 * is no sealed memfd (it is consumed), E2BIG when its body is longer than
 * a by-reference message's (it stays queued, for an ordinary receive).
 */
int mp_msgsnd_memfd(int msqid, long mtype, const void *buf, size_t len,
		    int msgflg);
int mp_send_memfd(pid_t pid, long mtype, const void *buf, size_t len,
		  int msgflg);
void *mp_msgrcv_memfd(int msqid, long msgtyp, int msgflg, size_t *lenp);
void *mp_receive_memfd(pid_t pid, long msgtyp, int msgflg, size_t *lenp);

/*
 * Batches: up to 1024 messages in one system call. Each message is sent
 * (received) whole or not at all; the batch stops at the first that
 * fails. Returns how many went; the entry after them holds the error in
 * .result. Receiving waits (unless IPC_NOWAIT) only for the first, and
 * sets each entry's .result to its body length.
 */
int mp_msgsndv(int msqid, struct mp_batch_msg *msgs, unsigned int count,
	       int msgflg);
int mp_msgrcvv(int msqid, struct mp_batch_msg *msgs, unsigned int count,
	       long msgtyp, int msgflg);
int mp_sendv(pid_t pid, struct mp_batch_msg *msgs, unsigned int count,
	     int msgflg);
int mp_receivev(pid_t pid, struct mp_batch_msg *msgs, unsigned int count,
		long msgtyp, int msgflg);

#ifdef __cplusplus
}
#endif

#endif /* LIBMSGPASS_H */

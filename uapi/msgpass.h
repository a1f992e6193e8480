/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * msgpass: message-passing IPC through /dev/msgpass.
 *
 * This header is the whole ABI between the msgpass module and user space.
 * It is shared, unchanged, by the module and by libmsgpass.
 *
 * Rules every structure here follows:
 *  - fixed-width types only; user pointers travel as __u64;
 *  - every structure is padded explicitly to a multiple of 8 bytes;
 *  - reserved fields and unknown flag bits must be zero, or the call fails
 *    with EINVAL;
 *  - structures can grow at the end: the size a caller was built with is
 *    the size encoded in the ioctl number, and the module accepts older
 *    (shorter) callers and newer (longer) ones whose extra bytes are zero;
 *    a size given in a field (@hdr_size, @attr_size, @msg_size,
 *    @info_size, @buf_size) is at most 4096 bytes (EINVAL beyond).
 *
 * Unknown ioctl commands fail with ENOTTY.
 */
#ifndef _UAPI_LINUX_MSGPASS_H
#define _UAPI_LINUX_MSGPASS_H

#include <linux/const.h>
#include <linux/ioctl.h>
#include <linux/types.h>

#define MSGPASS_DEVICE		"/dev/msgpass"

#define MP_ABI_MAJOR		1
#define MP_ABI_MINOR		0

/* Feature bits reported by MP_IOC_VERSION. */
#define MP_FEAT_VERSION		_BITULL(0)	/* MP_IOC_VERSION */
#define MP_FEAT_COUNTERS	_BITULL(1)	/* MP_IOC_COUNTERS */
#define MP_FEAT_MAILBOX		_BITULL(2)	/* MP_IOC_MSG{GET,SND,RCV,CTL} */
#define MP_FEAT_BROADCAST	_BITULL(3)	/* MP_KIND_BROADCAST */
#define MP_FEAT_POLL		_BITULL(4)	/* MP_IOC_MBOX_FD */
#define MP_FEAT_DIRECT		_BITULL(5)	/* MP_IOC_SEND/RECV, links */
#define MP_FEAT_NAMES		_BITULL(6)	/* MP_IOC_NAME */
#define MP_FEAT_CALL		_BITULL(7)	/* MP_IOC_CALL/REPLY */
#define MP_FEAT_WATCH		_BITULL(8)	/* MP_IOC_WATCH */
#define MP_FEAT_FDS		_BITULL(9)	/* descriptors in messages */
#define MP_FEAT_BATCH		_BITULL(10)	/* MP_IOC_SENDV/RECVV */
#define MP_FEAT_TRUST		_BITULL(11)	/* discard, kernel notes, accept */
#define MP_FEAT_PIDFD_INFO	_BITULL(12)	/* MP_IOC_PIDFD_INFO, sender_start_ns */

/* Most descriptors one message carries, as SCM_RIGHTS allows. */
#define MP_FDS_MAX		253

/**
 * struct mp_version - what the loaded module speaks (MP_IOC_VERSION)
 * @abi_major: incompatible ABI changes bump this (MP_ABI_MAJOR)
 * @abi_minor: compatible additions bump this (MP_ABI_MINOR)
 * @features: MP_FEAT_* bits of the features this module has
 * @max_msg_size: largest message body any mailbox may accept, in bytes
 * @__reserved: zero
 */
struct mp_version {
	__u32 abi_major;
	__u32 abi_minor;
	__u64 features;
	__u64 max_msg_size;
	__u64 __reserved[5];
};

/**
 * struct mp_counters_info - live object counts (MP_IOC_COUNTERS)
 * @endpoints: processes that have the device open
 * @mailboxes: mailboxes in existence
 * @messages: messages held (queued, or in flight to a receiver)
 * @bytes: message body bytes held
 * @files: open files held by messages
 * @links: direct links
 * @__reserved: zero
 *
 * Module-wide counts, for leak checks and monitoring: after every user is
 * gone, each is back to zero. New counters are appended as objects are
 * added.
 */
struct mp_counters_info {
	__u64 endpoints;
	__u64 mailboxes;
	__u64 messages;
	__u64 bytes;
	__u64 files;
	__u64 links;
	__u64 __reserved[2];
};

/*
 * System V constants, with System V's values. They are repeated here so
 * that this header can be included next to <sys/ipc.h> and <sys/msg.h>.
 */
#define MP_IPC_PRIVATE		0
#define MP_IPC_CREAT		00001000
#define MP_IPC_EXCL		00002000
#define MP_IPC_NOWAIT		00004000
#define MP_MSG_NOERROR		010000
#define MP_MSG_EXCEPT		020000
#define MP_MSG_COPY		040000
#define MP_IPC_RMID		0
#define MP_IPC_SET		1
#define MP_IPC_STAT		2
#define MP_IPC_INFO		3
#define MP_MSG_STAT		11
#define MP_MSG_INFO		12
#define MP_MSG_STAT_ANY		13

/* A capacity, byte bound or size with no limit. */
#define MP_UNLIMITED		(~0ULL)

/* Highest message priority; 0 is the lowest and the System V calls' own. */
#define MP_PRIO_MAX		255
/* Highest priority to another user's mailbox or inbox without CAP_SYS_NICE (default) */
#define MP_PRIO_USER_MAX	127

/* Longest mailbox name, without its terminating NUL. */
#define MP_NAME_MAX		63

/* struct mp_attr.kind */
#define MP_KIND_QUEUE		0	/* each message to exactly one receiver */
#define MP_KIND_BROADCAST	1	/* each message to every subscriber */

/* struct mp_attr.lifetime */
#define MP_LIFETIME_SYSTEM	0	/* until removed, whoever exits */
#define MP_LIFETIME_PROCESS	1	/* removed when its owner process exits */

/* struct mp_attr.flags: which fields are given, and options */
#define MP_ATTR_CAPACITY	_BITULL(0)	/* @capacity is given */
#define MP_ATTR_MAX_BYTES	_BITULL(1)	/* @max_bytes is given */
#define MP_ATTR_MSG_MAX		_BITULL(2)	/* @msg_max is given */
#define MP_ATTR_MODE_RECEIVE	_BITULL(3)	/* read permission lets receive */
#define MP_ATTR_LOSSY		_BITULL(4)	/* broadcast: drop the oldest */
#define MP_ATTR_ALL		(MP_ATTR_CAPACITY | MP_ATTR_MAX_BYTES | \
				 MP_ATTR_MSG_MAX | MP_ATTR_MODE_RECEIVE | \
				 MP_ATTR_LOSSY)

/**
 * struct mp_attr - how a mailbox is made (MP_IOC_MSGGET)
 * @flags: MP_ATTR_* bits
 * @kind: MP_KIND_QUEUE or MP_KIND_BROADCAST
 * @lifetime: MP_LIFETIME_SYSTEM or MP_LIFETIME_PROCESS
 * @capacity: most messages queued: 0 for a zero-capacity mailbox (every
 *	send is a rendezvous), MP_UNLIMITED for no bound. Without
 *	MP_ATTR_CAPACITY, as System V: bounded by @max_bytes alone.
 * @max_bytes: most body bytes queued (System V's msg_qbytes), or
 *	MP_UNLIMITED. Without MP_ATTR_MAX_BYTES: the msgmnb parameter.
 *	Above msgmnb needs CAP_SYS_RESOURCE.
 * @msg_max: largest message body, at most the max_msg_size parameter.
 *	Without MP_ATTR_MSG_MAX: the msgmax parameter.
 * @__reserved: zero
 *
 * A mailbox made without a &struct mp_attr (System V's msgget()) is a
 * system-owned queue whose mode bits say who may send (write) and who
 * may receive (read), as System V's. A mailbox made with one is owned by
 * its creator, and only the owner, and processes it grants the right to,
 * receive from it, unless MP_ATTR_MODE_RECEIVE is set.
 */
struct mp_attr {
	__u64 flags;
	__u32 kind;
	__u32 lifetime;
	__u64 capacity;
	__u64 max_bytes;
	__u64 msg_max;
	__u64 __reserved[3];
};

/**
 * struct mp_msgget_args - find or make a mailbox (MP_IOC_MSGGET)
 * @key: System V key, or MP_IPC_PRIVATE
 * @msgflg: as msgget(2): MP_IPC_CREAT, MP_IPC_EXCL and the mode in the
 *	low 9 bits; other bits are ignored, as msgget(2) does
 * @name: user pointer to a NUL-terminated name (at most MP_NAME_MAX
 *	bytes), or 0; with a name, @key must be MP_IPC_PRIVATE
 * @attr: user pointer to a &struct mp_attr, or 0
 * @attr_size: sizeof(struct mp_attr) as the caller knows it
 * @__reserved: zero
 *
 * Returns the mailbox ID.
 */
struct mp_msgget_args {
	__s32 key;
	__u32 msgflg;
	__u64 name;
	__u64 attr;
	__u32 attr_size;
	__u32 __reserved;
};

/* struct mp_msgsnd_args.flags */
#define MP_SEND_SYNC		_BITULL(0)	/* return once a receiver took it */
#define MP_SEND_TIMEOUT		_BITULL(1)	/* @timeout_ns bounds the wait */
#define MP_SEND_PIDFD		_BITULL(2)	/* MP_IOC_SEND: @id is a pidfd */
#define MP_SEND_ALL		(MP_SEND_SYNC | MP_SEND_TIMEOUT | MP_SEND_PIDFD)

/**
 * struct mp_msgsnd_args - send a message (MP_IOC_MSGSND)
 * @id: mailbox ID
 * @msgflg: as msgsnd(2): MP_IPC_NOWAIT; other bits are ignored
 * @msgp: user pointer to a System V message: a long type (> 0), then
 *	the body
 * @msgsz: body length
 * @flags: MP_SEND_* bits
 * @priority: 0 (the System V calls' own) to MP_PRIO_MAX
 * @timeout_ns: with MP_SEND_TIMEOUT, the longest wait, relative, on
 *	CLOCK_MONOTONIC; when it passes the call fails with ETIMEDOUT
 * @__reserved: zero
 * @fds: user pointer to @nr_fds open file descriptors the message
 *	carries (no payload byte is copied: the receiver gets new
 *	descriptors for the same open files), or 0
 * @nr_fds: at most MP_FDS_MAX
 * @__pad2: zero
 *
 * A descriptor that is bad fails the send with EBADF. Only files that
 * cannot hold other files may travel (an allowlist): regular files
 * (memfds included), directories, pipes and FIFOs, eventfds, and
 * AF_INET/AF_INET6 sockets. Anything else (msgpass's own descriptors,
 * Unix-domain sockets, io_uring, epoll, devices, ...) is refused with
 * EINVAL: a message holding such a file could keep a mailbox or a
 * process's inbox, and so itself, alive forever.
 *
 * Priorities above MP_PRIO_USER_MAX (the module parameter
 * prio_max_other) to a mailbox or inbox of another user need
 * CAP_SYS_NICE: EPERM otherwise.
 */
struct mp_msgsnd_args {
	__s32 id;
	__u32 msgflg;
	__u64 msgp;
	__u64 msgsz;
	__u64 flags;
	__u32 priority;
	__u32 __pad;
	__u64 timeout_ns;
	__u64 __reserved[2];
	__u64 fds;
	__u32 nr_fds;
	__u32 __pad2;
};

#define MP_MSGSND_ARGS_SIZE_VER0	64	/* before @fds */
/* The shortest a caller may pass: @id, @msgflg, @msgp, @msgsz (the rest zero) */
#define MP_MSGSND_ARGS_SIZE_MIN		24

/* struct mp_msgrcv_args.flags */
#define MP_RECV_TIMEOUT		_BITULL(0)	/* @timeout_ns bounds the wait */
#define MP_RECV_PEEK		_BITULL(1)	/* copy it, leave it queued */
#define MP_RECV_MIN_PRIO	_BITULL(2)	/* only priority >= @min_priority */
#define MP_RECV_FD_CLOEXEC	_BITULL(3)	/* received descriptors O_CLOEXEC */
#define MP_RECV_DISCARD		_BITULL(4)	/* drop it unread: see below */
#define MP_RECV_PIDFD		_BITULL(5)	/* MP_IOC_RECV: @id is a pidfd */
#define MP_RECV_ALL		(MP_RECV_TIMEOUT | MP_RECV_PEEK | \
				 MP_RECV_MIN_PRIO | MP_RECV_FD_CLOEXEC | \
				 MP_RECV_DISCARD | MP_RECV_PIDFD)

/* struct mp_msghdr.flags */
#define MP_MSG_CALL		0x4	/* a call: answer it with MP_IOC_REPLY */
#define MP_MSG_SYNC		0x1	/* its sender waits for it */
#define MP_MSG_TRUNCATED	0x2	/* body cut (MSG_NOERROR) */
/* A note from the kernel (a watch), not from a process: sender_pid 0,
 * sender_uid MP_UID_KERNEL.
 */
#define MP_MSG_KERNEL		0x8
#define MP_MSG_DISCARDED	0x10	/* MP_RECV_DISCARD dropped it */
/*
 * Some of its descriptors could not be installed (refused by a security
 * module, or a table another thread filled): their entries are -1.
 */
#define MP_MSG_FDS_TRUNC	0x20

/* struct mp_msghdr.sender_uid of a kernel note: no user sent it */
#define MP_UID_KERNEL		((__u32)-1)

/**
 * struct mp_msghdr - a received message's header
 * @type: the System V type
 * @len: the body's full length (more than was copied when truncated)
 * @seq: sequence number in the mailbox: gap-free, in send order
 * @stime_ns: when it was sent, CLOCK_REALTIME nanoseconds, at the
 *	resolution of the kernel's tick (CLOCK_REALTIME_COARSE)
 * @sender_pid: sender's process ID in the receiver's pid namespace, or
 *	0 when the sender is not visible there
 * @sender_uid: sender's effective user ID in the receiver's user
 *	namespace (overflowuid when not mapped)
 * @receiver: the mailbox ID it was sent to
 * @priority: its priority
 * @flags: MP_MSG_* bits
 * @__pad: zero
 * @overrun: broadcast: messages this subscriber lost, before this one,
 *	to a lossy mailbox that was full
 * @call_id: with MP_MSG_CALL, what MP_IOC_REPLY answers
 * @nr_fds: descriptors it carried (installed in the receiver's @fds)
 * @__pad2: zero
 * @sender_start_ns: when the sending process started, CLOCK_BOOTTIME
 *	nanoseconds, read as it is received; 0 once the sender has been
 *	reaped, and for kernel notes. With @sender_pid it names one process
 *	for good: compare it with MP_IOC_PIDFD_INFO's @start_ns to know a
 *	pidfd opened on @sender_pid is the sender's (mp_sender_pidfd(3)).
 *
 * The kernel stamps every field; none is taken from the sender. The
 * structure may grow: @hdr_size says how much of it the caller has room
 * for, at least MP_MSGHDR_SIZE_VER0.
 */
struct mp_msghdr {
	__s64 type;
	__u64 len;
	__u64 seq;
	__u64 stime_ns;
	__s32 sender_pid;
	__u32 sender_uid;
	__s32 receiver;
	__u32 priority;
	__u32 flags;
	__u32 __pad;
	__u64 overrun;
	__u64 call_id;
	__u32 nr_fds;
	__u32 __pad2;
	__u64 sender_start_ns;
};

#define MP_MSGHDR_SIZE_VER0	80	/* before @sender_start_ns */

/**
 * struct mp_msgrcv_args - receive a message (MP_IOC_MSGRCV)
 * @id: mailbox ID
 * @msgflg: as msgrcv(2): MP_IPC_NOWAIT, MP_MSG_NOERROR, MP_MSG_EXCEPT,
 *	MP_MSG_COPY; other bits are ignored
 * @msgp: user pointer to a System V message buffer: a long, then
 *	@msgsz bytes of body
 * @msgsz: room for the body
 * @msgtyp: System V type selection: 0 the first, > 0 the first of that
 *	type (or not of it, with MP_MSG_EXCEPT), < 0 the first of the
 *	lowest type <= -@msgtyp; with MP_MSG_COPY, the queue position
 * @flags: MP_RECV_* bits
 * @min_priority: with MP_RECV_MIN_PRIO, the lowest priority taken
 * @__pad: zero
 * @timeout_ns: with MP_RECV_TIMEOUT, the longest wait, relative, on
 *	CLOCK_MONOTONIC; when it passes the call fails with ETIMEDOUT
 * @hdr: user pointer to a &struct mp_msghdr to fill, or 0
 * @hdr_size: sizeof(struct mp_msghdr) as the caller knows it
 * @__pad2: zero
 * @__reserved: zero
 * @fds: user pointer to room for @fd_room descriptors, or 0
 * @fd_room: how many; a message carrying more is not taken: the receive
 *	fails with ENOBUFS and the message stays queued
 * @__pad3: zero
 *
 * A message's descriptors are installed in the receiver (O_CLOEXEC with
 * MP_RECV_FD_CLOEXEC) only once everything else is copied out; when the
 * descriptor table has no room for all of them the receive fails with
 * EMFILE and the message stays queued. Installed descriptors are never
 * taken back: one a security module refuses is left out, as with
 * SCM_RIGHTS (its entry in @fds is -1, the header has MP_MSG_FDS_TRUNC),
 * and the message is delivered.
 *
 * Messages are taken highest priority first, in send order within a
 * priority; the type selection applies within that order. Returns the
 * number of body bytes copied.
 *
 * With MP_RECV_DISCARD the message the call selects is taken and dropped
 * unread, whatever its size and descriptors (@msgsz, @fd_room and
 * MP_MSG_NOERROR do not apply; its descriptors are closed, a synchronous
 * sender is released, a call request fails with ECONNREFUSED): a
 * receiver can always get past a message it cannot take. The right to
 * receive is needed; @hdr, when given, describes what was dropped
 * (MP_MSG_DISCARDED). Returns the body length dropped.
 */
struct mp_msgrcv_args {
	__s32 id;
	__u32 msgflg;
	__u64 msgp;
	__u64 msgsz;
	__s64 msgtyp;
	__u64 flags;
	__u32 min_priority;
	__u32 __pad;
	__u64 timeout_ns;
	__u64 hdr;
	__u32 hdr_size;
	__u32 __pad2;
	__u64 __reserved[2];
	__u64 fds;
	__u32 fd_room;
	__u32 __pad3;
};

#define MP_MSGRCV_ARGS_SIZE_VER0	88	/* before @fds */
/* The shortest a caller may pass: up to @msgtyp (the rest zero) */
#define MP_MSGRCV_ARGS_SIZE_MIN		32

/*
 * msgpass's own msgctl commands, beyond System V's (clear of System V's
 * IPC_64 bit, 0x100). @arg is a process ID in the caller's pid namespace
 * where one is named.
 */
#define MP_CTL_INFO		0x1000	/* @buf: struct mp_mbox_info */
#define MP_CTL_SET_OWNER	0x1001	/* @arg: new owner's pid */
#define MP_CTL_GRANT		0x1002	/* @arg: pid that may receive */
#define MP_CTL_REVOKE		0x1003	/* @arg: pid that may no longer */
#define MP_CTL_SUBSCRIBE	0x1004	/* broadcast: start receiving */
#define MP_CTL_UNSUBSCRIBE	0x1005	/* broadcast: stop */
#define MP_CTL_SET_ATTR		0x1006	/* @buf: struct mp_attr (capacity) */
/* Or'ed into MP_CTL_SET_OWNER, _GRANT, _REVOKE: @arg is a pidfd */
#define MP_CTL_PIDFD		0x10000

/**
 * struct mp_msgctl_args - control a mailbox (MP_IOC_MSGCTL)
 * @id: mailbox ID (an index for MP_MSG_STAT and MP_MSG_STAT_ANY)
 * @cmd: a System V command (MP_IPC_STAT, MP_IPC_SET, MP_IPC_RMID,
 *	MP_IPC_INFO, MP_MSG_INFO, MP_MSG_STAT, MP_MSG_STAT_ANY; @buf is a
 *	struct msqid_ds or struct msginfo of x86-64 Linux) or an MP_CTL_*
 * @buf: user pointer, per command
 * @arg: integer argument, per command
 * @buf_size: size of *@buf for MP_CTL_* commands that take a structure
 * @__pad: zero
 * @__reserved: zero
 */
struct mp_msgctl_args {
	__s32 id;
	__s32 cmd;
	__u64 buf;
	__u64 arg;
	__u32 buf_size;
	__u32 __pad;
	__u64 __reserved[2];
};

/**
 * struct mp_mbox_info - all about a mailbox (MP_CTL_INFO)
 * @id: its ID
 * @key: its System V key (MP_IPC_PRIVATE for none)
 * @kind: MP_KIND_*
 * @lifetime: MP_LIFETIME_*
 * @flags: the MP_ATTR_MODE_RECEIVE and MP_ATTR_LOSSY bits it has
 * @owner_pid: owner's pid in the caller's pid namespace (0: it has
 *	ended, or is not visible there)
 * @uid: owner user ID, as msg_perm.uid
 * @gid: owner group ID
 * @cuid: creator user ID
 * @cgid: creator group ID
 * @mode: permission bits
 * @capacity: most messages, or MP_UNLIMITED
 * @max_bytes: most body bytes, or MP_UNLIMITED
 * @msg_max: largest body
 * @qnum: messages queued
 * @qbytes: body bytes queued
 * @sent: messages sent into it, ever
 * @received: messages taken out of it, ever
 * @overruns: broadcast: messages dropped from a full lossy mailbox
 * @subscribers: broadcast: subscribed receivers
 * @waiting_senders: senders asleep on it
 * @waiting_receivers: receivers asleep on it
 * @__pad: zero
 * @name: its name, NUL-terminated ("" for none)
 * @lspid: last sender's pid (0: none, or not visible)
 * @lrpid: last receiver's pid
 * @stime: wall-clock seconds of the last send (0: none yet)
 * @rtime: of the last receive
 * @ctime: of the last change (creation, IPC_SET, owner)
 */
struct mp_mbox_info {
	__s32 id;
	__s32 key;
	__u32 kind;
	__u32 lifetime;
	__u64 flags;
	__s32 owner_pid;
	__u32 uid;
	__u32 gid;
	__u32 cuid;
	__u32 cgid;
	__u32 mode;
	__u64 capacity;
	__u64 max_bytes;
	__u64 msg_max;
	__u64 qnum;
	__u64 qbytes;
	__u64 sent;
	__u64 received;
	__u64 overruns;
	__u32 subscribers;
	__u32 waiting_senders;
	__u32 waiting_receivers;
	__u32 __pad;
	char name[MP_NAME_MAX + 1];
	__s32 lspid;
	__s32 lrpid;
	__u64 stime;
	__u64 rtime;
	__u64 ctime;
};

/**
 * struct mp_mbox_fd_args - a pollable descriptor for a mailbox
 * @id: mailbox ID
 * @flags: zero, or O_CLOEXEC (O_CLOEXEC's value on the caller's side)
 *
 * MP_IOC_MBOX_FD returns a new descriptor. poll() on it reports EPOLLIN
 * when a message the caller could receive is there, EPOLLOUT when a
 * send would not block, and EPOLLERR | EPOLLHUP once the mailbox is gone.
 * It needs read or write permission, and keeps nothing but the poll
 * state alive.
 */
struct mp_mbox_fd_args {
	__s32 id;
	__u32 flags;
	__u64 __reserved[3];
};

/*
 * Direct communication. Every process with the device open is an
 * endpoint, named by its pid, with one inbox. A link is the one-way path
 * from one endpoint to another: created by the first send (or by
 * MP_IOC_LINK, with its capacity), with its own capacity and gap-free
 * sequence numbers; its messages wait in the receiver's inbox.
 *
 * MP_IOC_SEND takes a &struct mp_msgsnd_args whose @id is the receiving
 * process's pid. MP_IOC_RECV takes a &struct mp_msgrcv_args whose @id is
 * the sending process's pid, or MP_ANY for a message from any link
 * (highest priority first, then in arrival order across links). The
 * device descriptor itself polls readable when the inbox has a message.
 *
 * Wherever a process is named by pid, it can be named by a pidfd
 * (pidfd_open(2), clone(2) CLONE_PIDFD) instead, with that call's PIDFD
 * flag: a pidfd names one process for as long as it is open, so pid reuse
 * cannot make a message, a right or a watch reach another process. A
 * descriptor that is not a pidfd fails with EBADF; a process that has
 * ended, or has no endpoint, with ESRCH.
 */
#define MP_ANY			0

/**
 * struct mp_link_args - make a link explicitly (MP_IOC_LINK)
 * @pid: the receiving process
 * @__pad: zero
 * @flags: MP_ATTR_CAPACITY and/or MP_ATTR_MAX_BYTES; MP_LINK_PIDFD: @pid
 *	is a pidfd
 * @capacity: most messages in flight on it (0: rendezvous)
 * @max_bytes: most body bytes in flight on it
 * @__reserved: zero
 *
 * Without it, a link takes the defaults: MP_UNLIMITED messages and the
 * msgmnb parameter's bytes.
 */
struct mp_link_args {
	__s32 pid;
	__u32 __pad;
	__u64 flags;
	__u64 capacity;
	__u64 max_bytes;
	__u64 __reserved[2];
};

/* struct mp_link_info.flags */
#define MP_LINK_PIDFD		_BITULL(8)	/* struct mp_link_args.flags */
#define MP_LINK_SENDER_GONE	0x1	/* its sender ended */

/**
 * struct mp_link_info - one link (MP_IOC_LINKS)
 * @from: sending process (in the caller's pid namespace)
 * @to: receiving process
 * @flags: MP_LINK_* bits
 * @__pad: zero
 * @capacity: most messages in flight
 * @max_bytes: most body bytes in flight
 * @qnum: messages waiting
 * @qbytes: body bytes waiting
 * @sent: messages sent over it, ever
 * @received: messages taken from it, ever
 * @__reserved: zero
 */
struct mp_link_info {
	__s32 from;
	__s32 to;
	__u32 flags;
	__u32 __pad;
	__u64 capacity;
	__u64 max_bytes;
	__u64 qnum;
	__u64 qbytes;
	__u64 sent;
	__u64 received;
	__u64 __reserved[2];
};

/* struct mp_links_args.flags */
#define MP_LINKS_IN		0x1	/* links into @pid */
#define MP_LINKS_OUT		0x2	/* links out of @pid */

/**
 * struct mp_links_args - list an endpoint's links (MP_IOC_LINKS)
 * @pid: whose links; 0 for the caller's
 * @flags: MP_LINKS_IN and/or MP_LINKS_OUT
 * @buf: user pointer to an array of &struct mp_link_info
 * @count: in: room in @buf; out: links there are (more than fit, when
 *	@buf was too small)
 * @info_size: sizeof(struct mp_link_info) as the caller knows it
 * @__reserved: zero
 *
 * Returns the number of entries written.
 */
struct mp_links_args {
	__s32 pid;
	__u32 flags;
	__u64 buf;
	__u32 count;
	__u32 info_size;
	__u64 __reserved[2];
};

/* struct mp_name_args.op */
#define MP_NAME_REGISTER	1	/* take @name for the caller */
#define MP_NAME_UNREGISTER	2	/* give it up */
#define MP_NAME_RESOLVE		3	/* who has it: @pid */

/**
 * struct mp_name_args - the name service (MP_IOC_NAME)
 * @name: user pointer to a NUL-terminated name, 1..MP_NAME_MAX bytes
 * @op: MP_NAME_*
 * @pid: MP_NAME_RESOLVE: set to the owner's pid
 * @__reserved: zero
 *
 * Names are unique in the module and released when their process ends.
 * Any process may register names, up to the names_per_user parameter for
 * its user (EDQUOT); a name already taken fails with EADDRINUSE.
 */
struct mp_name_args {
	__u64 name;
	__u32 op;
	__s32 pid;
	__u64 __reserved[2];
};

/* struct mp_call_args.flags */
#define MP_CALL_MAILBOX		_BITULL(0)	/* @to is a mailbox ID */
#define MP_CALL_TIMEOUT		_BITULL(1)	/* @timeout_ns bounds it all */
#define MP_CALL_PIDFD		_BITULL(2)	/* @to is a pidfd */
#define MP_CALL_ALL		(MP_CALL_MAILBOX | MP_CALL_TIMEOUT | MP_CALL_PIDFD)

/**
 * struct mp_call_args - send a request, wait for its reply (MP_IOC_CALL)
 * @to: the server's pid, or with MP_CALL_MAILBOX a mailbox ID (a port)
 * @msgflg: MP_MSG_NOERROR: a longer reply is cut to @reply_size
 * @flags: MP_CALL_* bits
 * @req: user pointer to the request: a long type (> 0), then the body
 * @req_size: request body length
 * @reply: user pointer to the reply buffer: a long, then the body
 * @reply_size: room for the reply body
 * @priority: the request's priority
 * @__pad: zero
 * @timeout_ns: with MP_CALL_TIMEOUT, the longest wait for the reply,
 *	relative, CLOCK_MONOTONIC
 * @hdr: user pointer to a &struct mp_msghdr for the reply, or 0
 * @hdr_size: its size
 * @__pad2: zero
 * @req_fds: user pointer to descriptors the request carries, or 0
 * @nr_req_fds: how many (at most MP_FDS_MAX)
 * @reply_fd_room: room for descriptors the reply carries
 * @reply_fds: user pointer to that room, or 0
 * @__reserved: zero
 *
 * Returns the reply's body length. The server receives the request with
 * MP_MSG_CALL and a call_id in its header, and answers with
 * MP_IOC_REPLY. A call cut short by a signal or the timeout is gone: a
 * late reply to it fails with ENOENT and never reaches a later call. If
 * the server ends (or the mailbox is removed) before replying, the call
 * fails with ECONNRESET (EIDRM).
 */
struct mp_call_args {
	__s32 to;
	__u32 msgflg;
	__u64 flags;
	__u64 req;
	__u64 req_size;
	__u64 reply;
	__u64 reply_size;
	__u32 priority;
	__u32 __pad;
	__u64 timeout_ns;
	__u64 hdr;
	__u32 hdr_size;
	__u32 __pad2;
	__u64 req_fds;
	__u32 nr_req_fds;
	__u32 reply_fd_room;
	__u64 reply_fds;
	__u64 __reserved;
};

/* struct mp_reply_args.flags */
#define MP_REPLY_RECV_INBOX	_BITULL(0)	/* then receive, from the inbox */
#define MP_REPLY_RECV_MAILBOX	_BITULL(1)	/* then receive, from a mailbox */
#define MP_REPLY_ALL		(MP_REPLY_RECV_INBOX | MP_REPLY_RECV_MAILBOX)

/**
 * struct mp_reply_args - answer a call, maybe wait for the next
 * @call_id: from the request's header; 0 to answer nothing and only
 *	receive (a server's first request)
 * @flags: MP_REPLY_* bits: at most one of the two
 * @msgp: user pointer to the reply: a long type (> 0), then the body
 * @msgsz: reply body length
 * @fds: user pointer to descriptors the reply carries, or 0
 * @nr_fds: how many; more than the caller has room for fails with
 *	ENOBUFS and the call stays open
 * @__pad: zero
 * @rcv: with MP_REPLY_RECV_*, the receive to do once the reply is sent,
 *	as MP_IOC_RECV or MP_IOC_MSGRCV would
 *
 * MP_IOC_REPLY returns 0, or with MP_REPLY_RECV_* what the receive
 * returns. A reply longer than the caller's room (without its
 * MP_MSG_NOERROR) fails with E2BIG and the call stays open. Only the
 * process that received the request may answer it (EPERM).
 */
struct mp_reply_args {
	__u64 call_id;
	__u64 flags;
	__u64 msgp;
	__u64 msgsz;
	__u64 fds;
	__u32 nr_fds;
	__u32 __pad;
	struct mp_msgrcv_args rcv;
};

/* struct mp_watch_args.kind and struct mp_death_note.kind */
#define MP_WATCH_PROCESS	1	/* a process's endpoint */
#define MP_WATCH_MAILBOX	2	/* a mailbox */

/* struct mp_watch_args.flags */
#define MP_WATCH_TO_MAILBOX	0x1	/* notify into mailbox @notify */
#define MP_WATCH_CANCEL		0x2	/* remove the watch instead */
#define MP_WATCH_PIDFD		0x4	/* MP_WATCH_PROCESS: @target is a pidfd */

/**
 * struct mp_watch_args - be told when a peer goes away (MP_IOC_WATCH)
 * @kind: MP_WATCH_PROCESS or MP_WATCH_MAILBOX
 * @target: the pid or mailbox ID to watch
 * @notify: with MP_WATCH_TO_MAILBOX, the mailbox the note is sent to;
 *	else the note goes to the caller's inbox
 * @flags: MP_WATCH_* bits
 * @type: the note's message type (> 0)
 * @cookie: echoed in the note
 * @__reserved: zero
 *
 * When the target goes away, one message of type @type whose body is a
 * &struct mp_death_note is sent, exactly once; its sender pid is 0 (the
 * kernel). A watch ends when it fires, or when the watcher ends.
 */
struct mp_watch_args {
	__u32 kind;
	__s32 target;
	__s32 notify;
	__u32 flags;
	__s64 type;
	__u64 cookie;
	__u64 __reserved[2];
};

/* struct mp_death_note.reason */
#define MP_GONE_EXIT		1	/* the process ended (closed the device) */
#define MP_GONE_REMOVED		2	/* the mailbox was removed (IPC_RMID) */
#define MP_GONE_OWNER_EXIT	3	/* the mailbox's owning process ended */

/**
 * struct mp_death_note - the body of a peer-death notification
 * @kind: MP_WATCH_PROCESS or MP_WATCH_MAILBOX
 * @target: the pid or mailbox ID that went away
 * @reason: MP_GONE_*
 * @__pad: zero
 * @cookie: the watch's cookie
 * @__reserved: zero
 */
struct mp_death_note {
	__u32 kind;
	__s32 target;
	__u32 reason;
	__u32 __pad;
	__u64 cookie;
	__u64 __reserved[2];
};

/**
 * struct mp_batch_msg - one message of a batch
 * @msgp: user pointer to a System V message (a long type, then the body)
 * @msgsz: send: its body length; receive: room for the body
 * @priority: send: its priority
 * @__pad: zero
 * @result: out: send: left alone for the entries that went, the
 *	negative errno in the first that did not; receive: body bytes
 *	received, or the negative errno
 * @__reserved: zero
 */
struct mp_batch_msg {
	__u64 msgp;
	__u64 msgsz;
	__u32 priority;
	__u32 __pad;
	__s64 result;
	__u64 __reserved[2];
};

/* struct mp_batch_args.flags */
#define MP_BATCH_INBOX		_BITULL(0)	/* @id is a pid: direct */
#define MP_BATCH_PIDFD		_BITULL(1)	/* with MP_BATCH_INBOX: @id is a pidfd */
#define MP_BATCH_ALL		(MP_BATCH_INBOX | MP_BATCH_PIDFD)

/**
 * struct mp_batch_args - many messages, one system call
 * @id: mailbox ID, or with MP_BATCH_INBOX the receiving process's pid
 *	(send) or the sending process's pid or MP_ANY (receive)
 * @msgflg: send: MP_IPC_NOWAIT; receive: MP_IPC_NOWAIT, MP_MSG_NOERROR,
 *	MP_MSG_EXCEPT
 * @flags: MP_BATCH_* bits
 * @msgs: user pointer to an array of &struct mp_batch_msg
 * @count: entries in it
 * @msg_size: sizeof(struct mp_batch_msg) as the caller knows it
 * @msgtyp: receive: the System V type selection, for every message
 * @__reserved: zero
 *
 * MP_IOC_SENDV sends the messages in order, each whole or not at all,
 * and stops at the first that fails; MP_IOC_RECVV receives up to @count,
 * waiting (unless MP_IPC_NOWAIT) only for the first. Each returns how
 * many went; the entry after the last that went holds its error in
 * @result. When none went, the call fails with that error.
 */
struct mp_batch_args {
	__s32 id;
	__u32 msgflg;
	__u64 flags;
	__u64 msgs;
	__u32 count;
	__u32 msg_size;
	__s64 msgtyp;
	__u64 __reserved[2];
};

/*
 * Introspection: the generic-netlink family "msgpass" (spec:
 * Documentation/netlink/msgpass.yaml in this tree). Every message
 * carries flat MSGPASS_A_* attributes; a dump answers one message per
 * object. Pids are in the asking process's pid namespace, user and group
 * IDs in its user namespace. An object is listed only to those who may
 * read it (as ipcs(1) shows System V queues); removing needs ownership or
 * CAP_SYS_ADMIN / CAP_IPC_OWNER.
 */
#define MSGPASS_GENL_NAME		"msgpass"
#define MSGPASS_GENL_VERSION		1
#define MSGPASS_GENL_MCGRP_EVENTS	"events"

enum msgpass_cmd {
	MSGPASS_CMD_UNSPEC,
	MSGPASS_CMD_MBOX_GET,		/* do: by ID or NAME; dump: all */
	MSGPASS_CMD_MBOX_DEL,		/* do: by ID or NAME */
	MSGPASS_CMD_LINK_GET,		/* dump: all, or of PID */
	MSGPASS_CMD_ENDPOINT_GET,	/* do: by PID; dump: all */
	MSGPASS_CMD_STATS_GET,		/* do: limits, totals, per-user use */
	MSGPASS_CMD_EVENT,		/* multicast on "events" */

	__MSGPASS_CMD_MAX,
	MSGPASS_CMD_MAX = __MSGPASS_CMD_MAX - 1
};

/* MSGPASS_A_EVENT */
enum msgpass_event {
	MSGPASS_EVENT_UNSPEC,
	MSGPASS_EVENT_MBOX_CREATED,	/* MBOX_ID, NAME?, PID (its owner) */
	MSGPASS_EVENT_MBOX_REMOVED,	/* MBOX_ID, REASON */
	MSGPASS_EVENT_MBOX_OWNER,	/* MBOX_ID, PID (the new owner) */
	MSGPASS_EVENT_ENDPOINT_GONE,	/* PID */
	MSGPASS_EVENT_NAME_REGISTERED,	/* NAME, PID */
	MSGPASS_EVENT_NAME_RELEASED,	/* NAME, PID */
	MSGPASS_EVENT_OVERRUN,		/* MBOX_ID, OVERRUNS */
};

enum msgpass_attr {
	MSGPASS_A_UNSPEC,
	MSGPASS_A_MBOX_ID,		/* s32 */
	MSGPASS_A_KEY,			/* s32 */
	MSGPASS_A_NAME,			/* string */
	MSGPASS_A_KIND,			/* u32: MP_KIND_* */
	MSGPASS_A_LIFETIME,		/* u32: MP_LIFETIME_* */
	MSGPASS_A_OWNER_PID,		/* s32 */
	MSGPASS_A_UID,			/* u32 */
	MSGPASS_A_GID,			/* u32 */
	MSGPASS_A_CUID,			/* u32 */
	MSGPASS_A_CGID,			/* u32 */
	MSGPASS_A_MODE,			/* u32 */
	MSGPASS_A_CAPACITY,		/* u64 (MP_UNLIMITED: none) */
	MSGPASS_A_MAX_BYTES,		/* u64 */
	MSGPASS_A_MSG_MAX,		/* u64 */
	MSGPASS_A_QNUM,			/* u64 */
	MSGPASS_A_QBYTES,		/* u64 */
	MSGPASS_A_WAITING_SENDERS,	/* u32 */
	MSGPASS_A_WAITING_RECEIVERS,	/* u32 */
	MSGPASS_A_SUBSCRIBERS,		/* u32 */
	MSGPASS_A_SENT,			/* u64 */
	MSGPASS_A_RECEIVED,		/* u64 */
	MSGPASS_A_OVERRUNS,		/* u64 */
	MSGPASS_A_LSPID,		/* s32 */
	MSGPASS_A_LRPID,		/* s32 */
	MSGPASS_A_STIME,		/* u64: wall-clock seconds */
	MSGPASS_A_RTIME,		/* u64 */
	MSGPASS_A_CTIME,		/* u64 */
	MSGPASS_A_PID,			/* s32: an endpoint */
	MSGPASS_A_LINK_FROM,		/* s32 */
	MSGPASS_A_LINK_TO,		/* s32 */
	MSGPASS_A_LINK_FLAGS,		/* u32: MP_LINK_* */
	MSGPASS_A_MBOXES_OWNED,		/* u32 */
	MSGPASS_A_LINKS_IN,		/* u32 */
	MSGPASS_A_LINKS_OUT,		/* u32 */
	MSGPASS_A_LIMIT_MAX_MSG_SIZE,	/* u64 */
	MSGPASS_A_LIMIT_MSGMAX,		/* u32 */
	MSGPASS_A_LIMIT_MSGMNB,		/* u32 */
	MSGPASS_A_LIMIT_MSGMNI,		/* u32 */
	MSGPASS_A_LIMIT_USER_QUOTA,	/* u64 */
	MSGPASS_A_LIMIT_MAX_LINKS,	/* u32 */
	MSGPASS_A_LIMIT_NAMES_PER_USER,	/* u32 */
	MSGPASS_A_ENDPOINTS,		/* u64: totals */
	MSGPASS_A_MAILBOXES,		/* u64 */
	MSGPASS_A_MESSAGES,		/* u64 */
	MSGPASS_A_BYTES,		/* u64 */
	MSGPASS_A_FILES,		/* u64 */
	MSGPASS_A_USER,			/* nest: UID, BYTES (repeated) */
	MSGPASS_A_EVENT,		/* u32: MSGPASS_EVENT_* */
	MSGPASS_A_REASON,		/* u32: MP_GONE_* */
	MSGPASS_A_PAD,
	MSGPASS_A_MBOX_FLAGS,		/* u64: MP_ATTR_MODE_RECEIVE, MP_ATTR_LOSSY */

	__MSGPASS_A_MAX,
	MSGPASS_A_MAX = __MSGPASS_A_MAX - 1
};

/* struct mp_accept_args.mode: who may send to the caller's inbox */
#define MP_ACCEPT_ANY		0	/* every process (the default) */
#define MP_ACCEPT_SAME_USER	1	/* the caller's euid, or CAP_IPC_OWNER */
#define MP_ACCEPT_NONE		2	/* nobody: only replies and notes */

/**
 * struct mp_accept_args - who may send to the caller's inbox (MP_IOC_ACCEPT)
 * @mode: MP_ACCEPT_*
 * @__pad: zero
 * @__reserved: zero
 *
 * A refused sender's send, call or link fails with ECONNREFUSED. What
 * is queued already stays. The mode is the endpoint's, for every thread
 * of the process, until changed or until the process ends.
 */
struct mp_accept_args {
	__u32 mode;
	__u32 __pad;
	__u64 __reserved[3];
};

/**
 * struct mp_pidfd_info - the process a pidfd refers to (MP_IOC_PIDFD_INFO)
 * @pidfd: the pidfd
 * @flags: zero
 * @pid: set to its process ID in the caller's pid namespace (0: not
 *	visible there)
 * @__pad: zero
 * @start_ns: set to when it started, CLOCK_BOOTTIME nanoseconds, as
 *	&struct mp_msghdr.sender_start_ns reports a sender's
 * @__reserved: zero
 *
 * Fails with EBADF when @pidfd is no pidfd, ESRCH when its process has
 * been reaped. Needs no endpoint: any holder of the device may ask.
 */
struct mp_pidfd_info {
	__s32 pidfd;
	__u32 flags;
	__s32 pid;
	__u32 __pad;
	__u64 start_ns;
	__u64 __reserved[2];
};

#define MP_IOC_MAGIC		0xB8

#define MP_IOC_VERSION		_IOR(MP_IOC_MAGIC, 0x00, struct mp_version)
#define MP_IOC_COUNTERS		_IOR(MP_IOC_MAGIC, 0x01, struct mp_counters_info)
#define MP_IOC_MSGGET		_IOW(MP_IOC_MAGIC, 0x10, struct mp_msgget_args)
#define MP_IOC_MSGSND		_IOW(MP_IOC_MAGIC, 0x11, struct mp_msgsnd_args)
#define MP_IOC_MSGRCV		_IOW(MP_IOC_MAGIC, 0x12, struct mp_msgrcv_args)
#define MP_IOC_MSGCTL		_IOW(MP_IOC_MAGIC, 0x13, struct mp_msgctl_args)
#define MP_IOC_MBOX_FD		_IOW(MP_IOC_MAGIC, 0x14, struct mp_mbox_fd_args)
#define MP_IOC_SEND		_IOW(MP_IOC_MAGIC, 0x20, struct mp_msgsnd_args)
#define MP_IOC_RECV		_IOW(MP_IOC_MAGIC, 0x21, struct mp_msgrcv_args)
#define MP_IOC_LINK		_IOW(MP_IOC_MAGIC, 0x22, struct mp_link_args)
#define MP_IOC_LINKS		_IOWR(MP_IOC_MAGIC, 0x23, struct mp_links_args)
#define MP_IOC_NAME		_IOWR(MP_IOC_MAGIC, 0x24, struct mp_name_args)
#define MP_IOC_CALL		_IOW(MP_IOC_MAGIC, 0x25, struct mp_call_args)
#define MP_IOC_REPLY		_IOW(MP_IOC_MAGIC, 0x26, struct mp_reply_args)
#define MP_IOC_WATCH		_IOW(MP_IOC_MAGIC, 0x27, struct mp_watch_args)
#define MP_IOC_SENDV		_IOW(MP_IOC_MAGIC, 0x28, struct mp_batch_args)
#define MP_IOC_RECVV		_IOW(MP_IOC_MAGIC, 0x29, struct mp_batch_args)
#define MP_IOC_ACCEPT		_IOW(MP_IOC_MAGIC, 0x2a, struct mp_accept_args)
#define MP_IOC_PIDFD_INFO	_IOWR(MP_IOC_MAGIC, 0x02, struct mp_pidfd_info)

#endif /* _UAPI_LINUX_MSGPASS_H */

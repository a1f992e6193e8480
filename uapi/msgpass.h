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
 *    (shorter) callers and newer (longer) ones whose extra bytes are zero.
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
	__u64 __reserved[4];
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
#define MP_SEND_ALL		(MP_SEND_SYNC | MP_SEND_TIMEOUT)

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
};

/* struct mp_msgrcv_args.flags */
#define MP_RECV_TIMEOUT		_BITULL(0)	/* @timeout_ns bounds the wait */
#define MP_RECV_PEEK		_BITULL(1)	/* copy it, leave it queued */
#define MP_RECV_MIN_PRIO	_BITULL(2)	/* only priority >= @min_priority */
#define MP_RECV_ALL		(MP_RECV_TIMEOUT | MP_RECV_PEEK | \
				 MP_RECV_MIN_PRIO)

/* struct mp_msghdr.flags */
#define MP_MSG_SYNC		0x1	/* its sender waits for it */
#define MP_MSG_TRUNCATED	0x2	/* body cut (MSG_NOERROR) */

/**
 * struct mp_msghdr - a received message's header
 * @type: the System V type
 * @len: the body's full length (more than was copied when truncated)
 * @seq: sequence number in the mailbox: gap-free, in send order
 * @stime_ns: when it was sent, CLOCK_REALTIME nanoseconds
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
 * @__reserved: zero
 *
 * The kernel stamps every field; none is taken from the sender.
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
	__u64 __reserved[2];
};

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
 *
 * Messages are taken highest priority first, in send order within a
 * priority; the type selection applies within that order. Returns the
 * number of body bytes copied.
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
};

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
 * @owner_pid: owner's pid in the caller's pid namespace (0: none there)
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
 * @__reserved: zero
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
	__u64 __reserved[4];
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

#define MP_IOC_MAGIC		0xB8

#define MP_IOC_MAGIC		0xB8

#define MP_IOC_VERSION		_IOR(MP_IOC_MAGIC, 0x00, struct mp_version)
#define MP_IOC_COUNTERS		_IOR(MP_IOC_MAGIC, 0x01, struct mp_counters_info)
#define MP_IOC_MSGGET		_IOW(MP_IOC_MAGIC, 0x10, struct mp_msgget_args)
#define MP_IOC_MSGSND		_IOW(MP_IOC_MAGIC, 0x11, struct mp_msgsnd_args)
#define MP_IOC_MSGRCV		_IOW(MP_IOC_MAGIC, 0x12, struct mp_msgrcv_args)
#define MP_IOC_MSGCTL		_IOW(MP_IOC_MAGIC, 0x13, struct mp_msgctl_args)
#define MP_IOC_MBOX_FD		_IOW(MP_IOC_MAGIC, 0x14, struct mp_mbox_fd_args)

#endif /* _UAPI_LINUX_MSGPASS_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * msgpass messages: allocation from dedicated slab caches, copies to and
 * from user space, and the per-user quota on queued bytes.
 */
#include <linux/cred.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/ipc.h>
#include <linux/net.h>
#include <linux/msg.h>
#include <linux/pid.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/xarray.h>
#include <net/sock.h>

#include "compat.h"
#include "msgpass.h"

/*
 * A message is one object from a msgpass_msg_* cache, holding the header
 * and the head of the body, plus, for a long body, a chain of page-sized
 * segments for the rest. The classes fit the header (108 bytes) and a
 * body: an 8-byte message takes 120 bytes, as near System V's 64 as a
 * header that carries priority, sequence, sender and links allows.
 * Nothing is ever a high-order allocation, nothing comes from the shared
 * kmalloc caches, and every object is charged to the sender's memory
 * cgroup (SLAB_ACCOUNT).
 */
#define MP_SEG_SIZE	PAGE_SIZE
#define MP_SEG_DATA	(MP_SEG_SIZE - sizeof(struct mp_msgseg))
#define MP_MSG_HDR	offsetof(struct mp_msg, data)

struct mp_msgseg {
	struct mp_msgseg *next;
	u8 data[];
};

static const unsigned int mp_msg_sizes[] = { 120, 192, 320, 576, 1152, 2240, PAGE_SIZE };
static struct kmem_cache *mp_msg_caches[ARRAY_SIZE(mp_msg_sizes)];
static struct kmem_cache *mp_seg_cache;

/* Per-user byte accounting, kept until the module goes. */
struct mp_user {
	atomic_long_t bytes;
};

static DEFINE_XARRAY(mp_users);

unsigned long mp_user_quota_bytes = 64UL << 20;

/*
 * Messages and body bytes in existence, per CPU: every message changes
 * them, so they are never a shared cache line; summed when read.
 */
struct mp_msg_stats {
	long messages;
	long bytes;
};

static DEFINE_PER_CPU(struct mp_msg_stats, mp_msg_stats);

/**
 * mp_msg_count() - messages in existence, and their body bytes
 * @bytes: set to the bytes, if not NULL
 *
 * Context: Any context.
 * Return: the messages (exact when no message is made or freed meanwhile).
 */
long mp_msg_count(long *bytes)
{
	long n = 0, b = 0;
	int cpu;

	for_each_possible_cpu(cpu) {
		n += per_cpu(mp_msg_stats, cpu).messages;
		b += per_cpu(mp_msg_stats, cpu).bytes;
	}
	if (bytes)
		*bytes = b;
	return n;
}

/**
 * mp_user_get() - the accounting of a user's queued bytes
 * @uid: the user
 *
 * Made on first use, kept until the module goes (an endpoint keeps a
 * pointer to its own).
 *
 * Context: Process context; may sleep.
 * Return: the user, or NULL without memory.
 */
struct mp_user *mp_user_get(kuid_t uid)
{
	unsigned long idx = __kuid_val(uid);
	struct mp_user *user, *old;

	user = xa_load(&mp_users, idx);
	if (likely(user))
		return user;

	user = kzalloc(sizeof(*user), GFP_KERNEL);
	if (!user)
		return NULL;
	old = xa_cmpxchg(&mp_users, idx, NULL, user, GFP_KERNEL);
	if (old) {
		kfree(user);
		return xa_is_err(old) ? NULL : old;
	}
	return user;
}

/*
 * Message memory is charged to the sender's memory cgroup. When the
 * cgroup is full the send fails with ENOMEM instead of calling in the
 * OOM killer: a queue that grows without bound must never take another
 * process down with it.
 */
#define MP_MSG_GFP	(GFP_KERNEL_ACCOUNT | __GFP_RETRY_MAYFAIL | __GFP_NOWARN)

/* Body bytes that fit in the message object of class @i. */
static inline size_t mp_msg_inline(unsigned int i)
{
	return mp_msg_sizes[i] - MP_MSG_HDR;
}

/*
 * What a message costs its user's quota: its body, and at least 256
 * bytes, so that empty messages are not free.
 */
static inline size_t mp_msg_charge(size_t len)
{
	return max_t(size_t, len, 256);
}

/**
 * mp_users_for_each() - call @fn with every user's queued bytes
 * @fn: non-zero stops
 * @data: passed to @fn
 *
 * Context: Any context; takes no lock.
 * Return: what @fn last returned.
 */
int mp_users_for_each(int (*fn)(kuid_t uid, long bytes, void *data), void *data)
{
	struct mp_user *user;
	unsigned long idx;
	int ret = 0;

	xa_for_each(&mp_users, idx, user) {
		ret = fn(KUIDT_INIT(idx), atomic_long_read(&user->bytes), data);
		if (ret)
			break;
	}
	return ret;
}

static struct mp_msgseg *mp_msg_segs_alloc(size_t left)
{
	struct mp_msgseg *head = NULL, **tail = &head;

	while (left) {
		struct mp_msgseg *seg = kmem_cache_alloc(mp_seg_cache, MP_MSG_GFP);

		if (!seg)
			goto fail;
		seg->next = NULL;
		*tail = seg;
		tail = &seg->next;
		left -= min_t(size_t, left, MP_SEG_DATA);
	}
	return head;
fail:
	while (head) {
		struct mp_msgseg *next = head->next;

		kmem_cache_free(mp_seg_cache, head);
		head = next;
	}
	return ERR_PTR(-ENOMEM);
}

/**
 * mp_msg_alloc() - allocate a message with room for a body
 * @len: body length in bytes (at most U32_MAX)
 * @user: the user it is charged to
 *
 * Context: Process context; may sleep.
 * Return: the message, with one reference, its length set and every
 * other header field zero, or ERR_PTR(-ENOMEM) or ERR_PTR(-EDQUOT).
 */
struct mp_msg *mp_msg_alloc(size_t len, struct mp_user *user)
{
	unsigned long quota = READ_ONCE(mp_user_quota_bytes);
	unsigned int c = 0;
	struct mp_msg *msg;

	if (atomic_long_add_return(mp_msg_charge(len), &user->bytes) > quota && quota) {
		atomic_long_sub(mp_msg_charge(len), &user->bytes);
		return ERR_PTR(-EDQUOT);
	}
	while (c < ARRAY_SIZE(mp_msg_sizes) - 1 && len > mp_msg_inline(c))
		c++;
	msg = kmem_cache_alloc(mp_msg_caches[c], MP_MSG_GFP);
	if (!msg)
		goto nomem;
	/* Every field but the body, without a memset of the object. */
	INIT_LIST_HEAD(&msg->node);
	refcount_set(&msg->ref, 1);
	msg->len = len;
	msg->type = 0;
	msg->seq = 0;
	msg->stime_ns = 0;
	msg->sender = NULL;
	msg->user = user;
	msg->link = NULL;
	msg->sync = NULL;
	msg->call = NULL;
	msg->ext = NULL;
	msg->arrival = 0;
	msg->sender_uid = GLOBAL_ROOT_UID;
	msg->prio = 0;
	msg->flags = 0;
	msg->cache = c;
	msg->__pad = 0;
	if (len > mp_msg_inline(c)) {
		struct mp_msgseg *segs;

		msg->ext = kzalloc(sizeof(*msg->ext), GFP_KERNEL_ACCOUNT);
		if (!msg->ext)
			goto nomem_msg;
		segs = mp_msg_segs_alloc(len - mp_msg_inline(c));
		if (IS_ERR(segs)) {
			kfree(msg->ext);
			goto nomem_msg;
		}
		msg->ext->segs = segs;
	}
	this_cpu_inc(mp_msg_stats.messages);
	this_cpu_add(mp_msg_stats.bytes, len);
	return msg;

nomem_msg:
	kmem_cache_free(mp_msg_caches[c], msg);
nomem:
	atomic_long_sub(mp_msg_charge(len), &user->bytes);
	return ERR_PTR(-ENOMEM);
}

static void mp_msg_free(struct mp_msg *msg)
{
	struct mp_msg_ext *ext = msg->ext;

	if (ext) {
		struct mp_msgseg *seg = ext->segs;
		unsigned int i;

		while (seg) {
			struct mp_msgseg *next = seg->next;

			kmem_cache_free(mp_seg_cache, seg);
			seg = next;
		}
		for (i = 0; i < ext->nr_files; i++)
			fput(ext->files[i]);
		if (ext->nr_files)
			atomic_long_sub(ext->nr_files, &mp_counters.files);
		kfree(ext);
	}
	this_cpu_dec(mp_msg_stats.messages);
	this_cpu_sub(mp_msg_stats.bytes, msg->len);
	atomic_long_sub(mp_msg_charge(msg->len), &msg->user->bytes);
	if (msg->call)
		mp_call_msg_freed(msg);
	if (msg->flags & MP_M_LINK)
		mp_link_put(msg->link);
	put_pid(msg->sender);
	kmem_cache_free(mp_msg_caches[msg->cache], msg);
}

/**
 * mp_msg_put() - drop a reference to a message, freeing it with the last
 * @msg: the message
 *
 * Context: Any context but hard interrupts; does not sleep.
 */
void mp_msg_put(struct mp_msg *msg)
{
	if (refcount_dec_and_test(&msg->ref))
		mp_msg_free(msg);
}

/**
 * mp_msg_copy_from_user() - fill a message's body
 * @msg: a message from mp_msg_alloc()
 * @src: user buffer of msg->len bytes
 *
 * Context: Process context; may fault and sleep.
 * Return: 0 or -EFAULT.
 */
int mp_msg_copy_from_user(struct mp_msg *msg, const void __user *src)
{
	size_t n = min_t(size_t, msg->len, mp_msg_inline(msg->cache));
	size_t left = msg->len - n;
	struct mp_msgseg *seg;

	if (copy_from_user(msg->data, src, n))
		return -EFAULT;
	if (!left)
		return 0;
	for (seg = msg->ext->segs; seg && left; seg = seg->next) {
		src += n;
		n = min_t(size_t, left, MP_SEG_DATA);
		if (copy_from_user(seg->data, src, n))
			return -EFAULT;
		left -= n;
	}
	return 0;
}

/**
 * mp_msg_attach_fds() - let a message carry open files
 * @msg: the message
 * @ufds: user pointer to @nr descriptors
 * @nr: how many, at most MP_FDS_MAX
 *
 * On failure the files taken so far stay with the message, to be
 * dropped with it. Only files mp_file_may_travel() allows are taken
 * (an allowlist).
 *
 * Context: Process context; may sleep.
 * Return: 0, -EINVAL, -EFAULT, -EBADF or -ENOMEM.
 */
int mp_msg_attach_fds(struct mp_msg *msg, u64 ufds, u32 nr)
{
	int __user *p = u64_to_user_ptr(ufds);
	struct mp_msg_ext *ext;
	u32 i;

	if (!nr)
		return 0;
	if (nr > MP_FDS_MAX || !ufds)
		return -EINVAL;
	ext = kzalloc(struct_size(ext, files, nr), GFP_KERNEL_ACCOUNT);
	if (!ext)
		return -ENOMEM;
	if (msg->ext) {
		ext->segs = msg->ext->segs;
		kfree(msg->ext);
	}
	msg->ext = ext;
	for (i = 0; i < nr; i++) {
		struct file *file;
		int fd;

		if (get_user(fd, p + i))
			return -EFAULT;
		file = fget(fd);
		if (!file)
			return -EBADF;
		if (!mp_file_may_travel(file)) {
			fput(file);
			return -EINVAL;
		}
		ext->files[ext->nr_files++] = file;
		atomic_long_inc(&mp_counters.files);
	}
	return 0;
}

/**
 * mp_msg_copy_to_user() - copy the head of a message's body out
 * @msg: the message
 * @dst: user buffer
 * @len: bytes to copy, at most msg->len
 *
 * Context: Process context; may fault and sleep.
 * Return: 0 or -EFAULT.
 */
int mp_msg_copy_to_user(const struct mp_msg *msg, void __user *dst, size_t len)
{
	size_t n = min_t(size_t, len, mp_msg_inline(msg->cache));
	const struct mp_msgseg *seg;

	if (copy_to_user(dst, msg->data, n))
		return -EFAULT;
	len -= n;
	if (!len)
		return 0;
	for (seg = msg->ext->segs; seg && len; seg = seg->next) {
		dst += n;
		n = min_t(size_t, len, MP_SEG_DATA);
		if (copy_to_user(dst, seg->data, n))
			return -EFAULT;
		len -= n;
	}
	return 0;
}

static void mp_msg_ctor(void *obj)
{
	struct mp_msg *msg = obj;

	INIT_LIST_HEAD(&msg->node);
}

/**
 * mp_msg_init() - create the message caches
 *
 * Context: Module init.
 * Return: 0 or -ENOMEM.
 */
int __init mp_msg_init(void)
{
	static const char * const names[] = {
		"msgpass_msg_120", "msgpass_msg_192", "msgpass_msg_320",
		"msgpass_msg_576", "msgpass_msg_1152", "msgpass_msg_2240",
		"msgpass_msg_page",
	};
	int i;

	BUILD_BUG_ON(ARRAY_SIZE(names) != ARRAY_SIZE(mp_msg_sizes));
	BUILD_BUG_ON(MP_MSG_HDR != 108);
	BUILD_BUG_ON(MP_FDS_MAX > U8_MAX);

	for (i = 0; i < ARRAY_SIZE(mp_msg_sizes); i++) {
		unsigned int size = mp_msg_sizes[i];

		/*
		 * Packed: the small classes are not rounded up to a cache
		 * line. The constructor means the allocator does not zero
		 * each object it hands out (init_on_alloc): mp_msg_alloc()
		 * writes every header field, the body is written up to its
		 * length before the message is visible to anyone, and no
		 * byte past the length is ever read.
		 */
		mp_msg_caches[i] =
			kmem_cache_create_usercopy(names[i], size, 0, SLAB_ACCOUNT,
						   MP_MSG_HDR, size - MP_MSG_HDR,
						   mp_msg_ctor);
		if (!mp_msg_caches[i])
			goto fail;
	}
	mp_seg_cache = kmem_cache_create_usercopy("msgpass_seg", MP_SEG_SIZE, 0,
						  SLAB_ACCOUNT,
						  sizeof(struct mp_msgseg),
						  MP_SEG_DATA, NULL);
	if (!mp_seg_cache)
		goto fail;
	return 0;

fail:
	mp_msg_exit();
	return -ENOMEM;
}

/**
 * mp_msg_exit() - destroy the message caches and the user accounting
 *
 * Every message must have been freed.
 *
 * Context: Module exit (or failed init).
 */
void mp_msg_exit(void)
{
	struct mp_user *user;
	unsigned long idx;
	int i;

	kmem_cache_destroy(mp_seg_cache);
	for (i = 0; i < ARRAY_SIZE(mp_msg_caches); i++)
		kmem_cache_destroy(mp_msg_caches[i]);
	xa_for_each(&mp_users, idx, user) {
		WARN_ON(atomic_long_read(&user->bytes));
		kfree(user);
	}
	xa_destroy(&mp_users);
}

/**
 * mp_deadline() - a CLOCK_MONOTONIC deadline from a relative timeout
 * @buf: where to keep it
 * @timed: whether there is a timeout at all
 * @timeout_ns: the timeout
 *
 * Context: Any context.
 * Return: @buf, or NULL when there is no timeout.
 */
ktime_t *mp_deadline(ktime_t *buf, bool timed, u64 timeout_ns)
{
	if (!timed)
		return NULL;
	*buf = ktime_add_safe(ktime_get(), ns_to_ktime(min_t(u64, timeout_ns, KTIME_MAX)));
	return buf;
}

/* The options of a send (what a caller of the shortest size leaves out). */
static bool mp_send_opts_valid(const struct mp_msgsnd_args *a)
{
	return !((a->flags & ~MP_SEND_ALL) || a->priority > MP_PRIO_MAX || a->__pad ||
		 a->__pad2 || !mp_zero_words(a->__reserved, ARRAY_SIZE(a->__reserved)) ||
		 a->nr_fds > MP_FDS_MAX || (a->nr_fds && !a->fds));
}

/**
 * mp_send_args_from_user() - copy in and check a send's arguments
 * @a: where to put them
 * @uarg: the caller's &struct mp_msgsnd_args
 * @usize: its size
 * @mtype: set to the message type read from the caller's buffer
 *
 * The checks and their order are msgsnd(2)'s: size, then the type.
 *
 * Context: Process context; may fault.
 * Return: 0, -EINVAL, -E2BIG or -EFAULT.
 */
int mp_send_args_from_user(struct mp_msgsnd_args *a, void __user *uarg,
			   size_t usize, long *mtype)
{
	int ret;

	ret = mp_args_in(a, sizeof(*a), MP_MSGSND_ARGS_SIZE_MIN, uarg, usize);
	if (ret)
		return ret;
	/* A caller of the shortest size has no options: zero, valid. */
	if (usize != MP_MSGSND_ARGS_SIZE_MIN && !mp_send_opts_valid(a))
		return -EINVAL;
	if ((long)a->msgsz < 0 || a->msgsz > READ_ONCE(mp_max_msg_size) || a->id < 0)
		return -EINVAL;
	if (get_user(*mtype, (long __user *)u64_to_user_ptr(a->msgp)))
		return -EFAULT;
	if (*mtype < 1)
		return -EINVAL;
	return 0;
}

/**
 * mp_msg_make() - a stamped message
 * @ep: the sender's endpoint
 * @msgp: user pointer to a System V message buffer (the type, then the body)
 * @len: body length
 * @prio: priority
 * @fds: user pointer to descriptors to carry, or 0
 * @nr_fds: how many
 * @mtype: the message type (read from @msgp already)
 * @msg_max: the largest body the destination takes
 *
 * Context: Process context; may sleep.
 * Return: the message, or ERR_PTR(-EINVAL, -ENOMEM, -EDQUOT, -EFAULT).
 */
struct mp_msg *mp_msg_make(struct mp_endpoint *ep, u64 msgp, u64 len, u32 prio,
			   u64 fds, u32 nr_fds, long mtype, u64 msg_max)
{
	kuid_t euid = current_euid();
	struct mp_user *user = ep->user;
	struct mp_msg *msg;
	int err;

	if (len > msg_max)
		return ERR_PTR(-EINVAL);
	/* The endpoint's user, unless the process has changed its euid since. */
	if (unlikely(!uid_eq(euid, ep->uid))) {
		user = mp_user_get(euid);
		if (!user)
			return ERR_PTR(-ENOMEM);
	}
	msg = mp_msg_alloc(len, user);
	if (IS_ERR(msg))
		return msg;
	if (mp_msg_copy_from_user(msg, u64_to_user_ptr(msgp) + sizeof(long))) {
		mp_msg_put(msg);
		return ERR_PTR(-EFAULT);
	}
	if (nr_fds) {
		err = mp_msg_attach_fds(msg, fds, nr_fds);
		if (err) {
			mp_msg_put(msg);
			return ERR_PTR(err);
		}
	}
	msg->type = mtype;
	msg->prio = prio;
	msg->sender = get_pid(ep->pid);
	msg->sender_uid = euid;
	/*
	 * The time of the last tick, not a clocksource read: a read can be a
	 * device access (HPET, ACPI PM timer) costing more than the rest of
	 * the send, and a send stamp needs no finer grain than the tick.
	 */
	msg->stime_ns = ktime_get_coarse_real_ns();
	return msg;
}

/**
 * mp_msg_build() - a stamped message from a send's arguments
 * @ep: the sender's endpoint
 * @a: checked arguments
 * @mtype: the message type
 * @msg_max: the largest body the destination takes
 *
 * Context: Process context; may sleep.
 * Return: as mp_msg_make().
 */
struct mp_msg *mp_msg_build(struct mp_endpoint *ep, const struct mp_msgsnd_args *a,
			    long mtype, u64 msg_max)
{
	return mp_msg_make(ep, a->msgp, a->msgsz, a->priority, a->fds, a->nr_fds,
			   mtype, msg_max);
}

static int mp_select_init(struct mp_select *sel, const struct mp_msgrcv_args *a,
			  ktime_t *deadline_buf)
{
	/* Each field set (a memset of it all costs more, byte by byte). */
	sel->from_nr = 0;
	sel->from_ns = NULL;
	sel->from = NULL;
	sel->discard = false;
	sel->no_calls = false;
	sel->rights = false;
	sel->rights_gen = 0;
	sel->type = 0;
	sel->min_prio = 0;
	sel->peek = false;
	if (a->msgflg & MSG_COPY) {
		if (!(a->msgflg & IPC_NOWAIT) || (a->msgflg & MSG_EXCEPT) ||
		    (a->flags & MP_RECV_PEEK))
			return -EINVAL;
		sel->mode = MP_SEL_INDEX;
		sel->type = a->msgtyp;
		sel->peek = true;
	} else if (a->msgtyp == 0) {
		sel->mode = MP_SEL_ANY;
	} else if (a->msgtyp > 0) {
		sel->mode = a->msgflg & MSG_EXCEPT ? MP_SEL_NE : MP_SEL_EQ;
		sel->type = a->msgtyp;
	} else {
		sel->mode = MP_SEL_LE;
		sel->type = a->msgtyp == LONG_MIN ? LONG_MAX : -a->msgtyp;
	}
	if (a->flags & MP_RECV_MIN_PRIO)
		sel->min_prio = a->min_priority;
	if (a->flags & MP_RECV_PEEK)
		sel->peek = true;
	if (a->flags & MP_RECV_DISCARD) {
		if (sel->peek)
			return -EINVAL;
		sel->discard = true;
	}
	sel->bufsz = a->msgsz;
	sel->fd_room = a->fd_room;
	sel->noerror = a->msgflg & MSG_NOERROR;
	sel->nowait = a->msgflg & IPC_NOWAIT;
	sel->deadline = mp_deadline(deadline_buf, a->flags & MP_RECV_TIMEOUT,
				    a->timeout_ns);
	return 0;
}

/**
 * mp_recv_args_check() - check a receive's arguments
 * @a: the arguments, in kernel memory
 * @sel: set to the selection they describe
 * @deadline_buf: room for the deadline @sel points to
 *
 * Context: Any context.
 * Return: 0 or -EINVAL.
 */
int mp_recv_args_check(const struct mp_msgrcv_args *a, struct mp_select *sel,
		       ktime_t *deadline_buf)
{
	if ((a->flags & ~MP_RECV_ALL) || a->__pad || a->__pad2 || a->__pad3 ||
	    !mp_zero_words(a->__reserved, ARRAY_SIZE(a->__reserved)) ||
	    (a->fd_room && !a->fds))
		return -EINVAL;
	if ((a->hdr && (a->hdr_size < MP_MSGHDR_SIZE_VER0 || a->hdr_size > MP_STRUCT_MAX)) ||
	    (!a->hdr && a->hdr_size))
		return -EINVAL;
	if ((long)a->msgsz < 0 || a->id < 0)
		return -EINVAL;
	return mp_select_init(sel, a, deadline_buf);
}

static u32 mp_msghdr_flags(const struct mp_msg *msg, size_t copied, u64 call_id,
			   u32 flags)
{
	return flags | (msg->flags & MP_M_WAS_SYNC ? MP_MSG_SYNC : 0) |
	       (copied < msg->len ? MP_MSG_TRUNCATED : 0) |
	       (call_id ? MP_MSG_CALL : 0) | (msg->flags & MP_M_KERNEL ? MP_MSG_KERNEL : 0);
}

static int mp_msghdr_copy_out(const struct mp_msgrcv_args *a, const struct mp_msg *msg,
			      size_t copied, u64 overrun, u64 call_id, int receiver,
			      u32 flags)
{
	struct mp_msghdr h = {
		.type = msg->type,
		.len = msg->len,
		.seq = msg->seq,
		.stime_ns = msg->stime_ns,
		.sender_pid = msg->sender ? pid_vnr(msg->sender) : 0,
		.sender_uid = msg->flags & MP_M_KERNEL ? MP_UID_KERNEL :
			      from_kuid_munged(current_user_ns(), msg->sender_uid),
		.receiver = receiver,
		.priority = msg->prio,
		.flags = mp_msghdr_flags(msg, copied, call_id, flags),
		.overrun = overrun,
		.call_id = call_id,
		.nr_fds = mp_msg_nr_files(msg),
		.sender_start_ns = msg->sender ? mp_pid_start_ns(msg->sender) : 0,
	};

	/* The usual caller's size: written a word at a time. */
	if (likely(a->hdr_size == sizeof(h))) {
		u64 __user *u = u64_to_user_ptr(a->hdr);
		const u64 *w = (const u64 *)&h;
		size_t i;

		BUILD_BUG_ON(sizeof(h) % 8);
		if (!user_write_access_begin(u, sizeof(h)))
			return -EFAULT;
		for (i = 0; i < sizeof(h) / 8; i++)
			unsafe_put_user(w[i], &u[i], efault);
		user_write_access_end();
		return 0;
efault:
		user_write_access_end();
		return -EFAULT;
	}
	return mp_copy_struct_to_user(u64_to_user_ptr(a->hdr), a->hdr_size,
				      &h, sizeof(h));
}

/*
 * Descriptors go into the receiver's table last, once nothing else can
 * fail, and are never taken back: a number installed is the receiver's
 * at once (another of its threads may close or dup2 over it), so a
 * receive that closed it again could close something else.
 *
 * So: the caller's array is written with -1 first (a bad pointer fails
 * here, with nothing installed and the message put back); room for all
 * of them is tried, and given back, before any is installed (a full
 * table fails with EMFILE, the message put back); then each goes in
 * with receive_fd(), which asks the security module. A descriptor
 * refused there (or by a table another thread filled meanwhile) is left
 * out, as SCM_RIGHTS does: its entry stays -1, the header says
 * MP_MSG_FDS_TRUNC, and the message is delivered all the same.
 *
 * Return: 0 with *@installed set (all but refused ones), or a negative
 * errno with nothing installed.
 */
static int mp_fds_install(const struct mp_msg *msg, int __user *ufds,
			  unsigned int o_flags, unsigned int *installed)
{
	unsigned int i, n = msg->ext->nr_files;
	int small[8], *fds = small;
	int ret = 0;

	*installed = 0;
	if (n > ARRAY_SIZE(small)) {
		fds = kmalloc_array(n, sizeof(*fds), GFP_KERNEL);
		if (!fds)
			return -ENOMEM;
	}
	for (i = 0; i < n; i++)
		fds[i] = -1;
	if (copy_to_user(ufds, fds, n * sizeof(*fds))) {
		ret = -EFAULT;
		goto out;
	}
	/* Room for every one of them, tried and given back. */
	for (i = 0; i < n; i++) {
		fds[i] = get_unused_fd_flags(o_flags);
		if (fds[i] < 0) {
			ret = fds[i];
			break;
		}
	}
	while (i--)
		put_unused_fd(fds[i]);
	if (ret)
		goto out;

	for (i = 0; i < n; i++) {
		fds[i] = mp_receive_fd(msg->ext->files[i], o_flags);
		if (fds[i] >= 0)
			(*installed)++;
		else
			fds[i] = -1;
	}
	/* Numbers already installed belong to the receiver, fault or not. */
	if (copy_to_user(ufds, fds, n * sizeof(*fds)))
		ret = -EFAULT;
out:
	if (fds != small)
		kfree(fds);
	return ret;
}

/**
 * mp_msg_deliver() - copy a received message out
 * @a: the receive's arguments
 * @msg: the message, with the caller's reference (consumed, unless it
 *	must go back)
 * @sel: the selection it was received with
 * @overrun: broadcast overrun to report
 * @ep: the receiving endpoint (a call request becomes its to answer)
 * @receiver: what the header names as the receiver (mailbox ID or pid)
 * @back: set to @msg when the caller must put it back where it was (its
 *	buffers could not take it: nothing is lost), else to NULL
 *
 * Descriptors are installed last (see mp_fds_install()).
 *
 * Context: Process context; may fault and sleep.
 * Return: body bytes copied (with MP_RECV_DISCARD, dropped), or -EFAULT,
 * -EMFILE or -ENOMEM (the message goes back, unless descriptors were
 * installed before a fault: then it is delivered).
 */
long mp_msg_deliver(const struct mp_msgrcv_args *a, struct mp_msg *msg,
		    const struct mp_select *sel, u64 overrun,
		    struct mp_endpoint *ep, int receiver, struct mp_msg **back)
{
	size_t n = min_t(size_t, msg->len, a->msgsz);
	void __user *msgp = u64_to_user_ptr(a->msgp);
	struct mp_msghdr __user *uhdr = u64_to_user_ptr(a->hdr);
	unsigned int installed = 0;
	u64 call_id = 0;
	long ret;

	*back = NULL;
	if (sel->discard) {
		ret = -EFAULT;
		if (a->hdr && mp_msghdr_copy_out(a, msg, 0, overrun, 0, receiver,
						 MP_MSG_DISCARDED))
			goto undo;
		ret = msg->len;
		if (msg->call)
			mp_call_refused(msg);
		mp_msg_put(msg);
		return ret;
	}

	if (msg->call && !sel->peek)
		call_id = mp_call_id(msg->call);

	ret = -EFAULT;
	if (put_user(msg->type, (long __user *)msgp) ||
	    mp_msg_copy_to_user(msg, msgp + sizeof(long), n) ||
	    (a->hdr && mp_msghdr_copy_out(a, msg, n, overrun, call_id, receiver, 0)))
		goto undo;

	ret = 0;
	if (unlikely(msg->ext && msg->ext->nr_files)) {
		ret = mp_fds_install(msg, u64_to_user_ptr(a->fds),
				     a->flags & MP_RECV_FD_CLOEXEC ? O_CLOEXEC : 0,
				     &installed);
		if (ret && !installed)
			goto undo;
		/* Some were refused: the header says so (the entries say which). */
		if (!ret && installed < msg->ext->nr_files && a->hdr &&
		    put_user(mp_msghdr_flags(msg, n, call_id, 0) | MP_MSG_FDS_TRUNC,
			     &uhdr->flags))
			ret = -EFAULT;
	}
	/* The receiver of a call request now owes its caller a reply. */
	if (call_id)
		mp_call_taken(msg, ep);
	mp_msg_put(msg);
	return ret ?: n;

undo:
	/* Not delivered: a taken message goes back where it was. */
	if (sel->peek)
		mp_msg_put(msg);
	else
		*back = msg;
	return ret;
}

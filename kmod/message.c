// SPDX-License-Identifier: GPL-2.0
/*
 * msgpass messages: allocation from dedicated slab caches, copies to and
 * from user space, and the per-user quota on queued bytes.
 */
#include <linux/cred.h>
#include <linux/pid.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/xarray.h>

#include "msgpass.h"

/*
 * A message is one object from a msgpass_msg-* cache, holding the header
 * and the head of the body, plus a chain of page-sized segments for the
 * rest. Nothing is ever a high-order allocation, nothing comes from the
 * shared kmalloc caches, and every object is charged to the sender's
 * memory cgroup (SLAB_ACCOUNT).
 */
#define MP_SEG_SIZE	PAGE_SIZE
#define MP_SEG_DATA	(MP_SEG_SIZE - sizeof(struct mp_msgseg))

struct mp_msgseg {
	struct mp_msgseg *next;
	u8 data[];
};

static const unsigned int mp_msg_sizes[] = { 256, 1024, PAGE_SIZE };
static struct kmem_cache *mp_msg_caches[ARRAY_SIZE(mp_msg_sizes)];
static struct kmem_cache *mp_seg_cache;

/* Per-user byte accounting, kept until the module goes. */
struct mp_user {
	atomic_long_t bytes;
};

static DEFINE_XARRAY(mp_users);

unsigned long mp_user_quota_bytes = 64UL << 20;

static struct mp_user *mp_user_get(kuid_t uid)
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

static inline size_t mp_msg_inline(struct kmem_cache *cache)
{
	return kmem_cache_size(cache) - sizeof(struct mp_msg);
}

/**
 * mp_msg_alloc() - allocate a message with room for a body
 * @len: body length in bytes
 *
 * The body is charged to the calling user's quota.
 *
 * Context: Process context; may sleep.
 * Return: the message, with one reference and every header field zero
 * but the length, or ERR_PTR(-ENOMEM) or ERR_PTR(-EDQUOT).
 */
struct mp_msg *mp_msg_alloc(size_t len)
{
	struct kmem_cache *cache = mp_msg_caches[ARRAY_SIZE(mp_msg_caches) - 1];
	struct mp_msgseg **tail;
	unsigned long quota;
	struct mp_user *user;
	struct mp_msg *msg;
	size_t left;
	int i;

	user = mp_user_get(current_euid());
	if (!user)
		return ERR_PTR(-ENOMEM);
	quota = READ_ONCE(mp_user_quota_bytes);
	if (atomic_long_add_return(len, &user->bytes) > quota && quota) {
		atomic_long_sub(len, &user->bytes);
		return ERR_PTR(-EDQUOT);
	}

	for (i = 0; i < ARRAY_SIZE(mp_msg_caches); i++) {
		if (len <= mp_msg_inline(mp_msg_caches[i])) {
			cache = mp_msg_caches[i];
			break;
		}
	}
	msg = kmem_cache_alloc(cache, MP_MSG_GFP);
	if (!msg)
		goto nomem;
	memset(msg, 0, sizeof(*msg));
	INIT_LIST_HEAD(&msg->node);
	refcount_set(&msg->ref, 1);
	msg->cache = cache;
	msg->user = user;
	msg->len = len;

	left = len - min(len, mp_msg_inline(cache));
	tail = &msg->segs;
	while (left) {
		struct mp_msgseg *seg = kmem_cache_alloc(mp_seg_cache, MP_MSG_GFP);

		if (!seg) {
			mp_msg_put(msg);
			return ERR_PTR(-ENOMEM);
		}
		seg->next = NULL;
		*tail = seg;
		tail = &seg->next;
		left -= min_t(size_t, left, MP_SEG_DATA);
	}
	atomic_long_inc(&mp_counters.messages);
	atomic_long_add(len, &mp_counters.bytes);
	msg->counted = true;
	return msg;

nomem:
	atomic_long_sub(len, &user->bytes);
	return ERR_PTR(-ENOMEM);
}

static void mp_msg_free(struct mp_msg *msg)
{
	struct mp_msgseg *seg = msg->segs;

	while (seg) {
		struct mp_msgseg *next = seg->next;

		kmem_cache_free(mp_seg_cache, seg);
		seg = next;
	}
	if (msg->counted) {
		atomic_long_dec(&mp_counters.messages);
		atomic_long_sub(msg->len, &mp_counters.bytes);
	}
	atomic_long_sub(msg->len, &msg->user->bytes);
	put_pid(msg->sender);
	kmem_cache_free(msg->cache, msg);
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
	size_t n = min(msg->len, mp_msg_inline(msg->cache));
	size_t left = msg->len - n;
	struct mp_msgseg *seg;

	if (copy_from_user(msg->data, src, n))
		return -EFAULT;
	for (seg = msg->segs; seg && left; seg = seg->next) {
		src += n;
		n = min_t(size_t, left, MP_SEG_DATA);
		if (copy_from_user(seg->data, src, n))
			return -EFAULT;
		left -= n;
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
	size_t n = min(len, mp_msg_inline(msg->cache));
	const struct mp_msgseg *seg;

	if (copy_to_user(dst, msg->data, n))
		return -EFAULT;
	len -= n;
	for (seg = msg->segs; seg && len; seg = seg->next) {
		dst += n;
		n = min_t(size_t, len, MP_SEG_DATA);
		if (copy_to_user(dst, seg->data, n))
			return -EFAULT;
		len -= n;
	}
	return 0;
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
		"msgpass_msg_256", "msgpass_msg_1k", "msgpass_msg_page",
	};
	int i;

	BUILD_BUG_ON(ARRAY_SIZE(names) != ARRAY_SIZE(mp_msg_sizes));
	BUILD_BUG_ON(sizeof(struct mp_msg) >= 256);

	for (i = 0; i < ARRAY_SIZE(mp_msg_sizes); i++) {
		unsigned int size = mp_msg_sizes[i];

		mp_msg_caches[i] =
			kmem_cache_create_usercopy(names[i], size, 0,
						   SLAB_ACCOUNT | SLAB_HWCACHE_ALIGN,
						   sizeof(struct mp_msg),
						   size - sizeof(struct mp_msg),
						   NULL);
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

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
 * @__reserved: zero
 *
 * Module-wide counts, for leak checks and monitoring: after every user is
 * gone, each is back to zero. New counters are appended as objects are
 * added.
 */
struct mp_counters_info {
	__u64 endpoints;
	__u64 __reserved[7];
};

#define MP_IOC_MAGIC		0xB8

#define MP_IOC_VERSION		_IOR(MP_IOC_MAGIC, 0x00, struct mp_version)
#define MP_IOC_COUNTERS		_IOR(MP_IOC_MAGIC, 0x01, struct mp_counters_info)

#endif /* _UAPI_LINUX_MSGPASS_H */

/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
#ifndef LIBMSGPASS_INTERNAL_H
#define LIBMSGPASS_INTERNAL_H

/* ioctl() on the process's descriptor: its result, or -1 and errno. */
int __mp_ioctl(unsigned long cmd, void *arg);

/*
 * A command with a shorter argument structure than the header's: the
 * kernel copies only @size bytes (and zeroes the rest). The plain calls
 * pass only what they set.
 */
#define MP_IOC_SIZED(cmd, size) \
	(((cmd) & ~((unsigned long)_IOC_SIZEMASK << _IOC_SIZESHIFT)) | \
	 ((unsigned long)(size) << _IOC_SIZESHIFT))

#endif /* LIBMSGPASS_INTERNAL_H */

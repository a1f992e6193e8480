/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
#ifndef LIBMSGPASS_INTERNAL_H
#define LIBMSGPASS_INTERNAL_H

/* ioctl() on the process's descriptor: its result, or -1 and errno. */
int __mp_ioctl(unsigned long cmd, void *arg);

#endif /* LIBMSGPASS_INTERNAL_H */

/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * libmsgpass: the user-space API of msgpass.
 *
 * Every function returns -1 (or NULL) and sets errno on failure, as the
 * System V message-queue calls do.
 */
#ifndef LIBMSGPASS_H
#define LIBMSGPASS_H

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

#ifdef __cplusplus
}
#endif

#endif /* LIBMSGPASS_H */

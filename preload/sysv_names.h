/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Force-included (-include) into a program written against libmsgpass's
 * four calls to make it a System V program: mp_msgget() becomes msgget(),
 * and so on. The prototypes are the same, so <msgpass.h> then declares
 * the C library's functions again, identically.
 *
 * The preload tests build selftests/mailbox_sysv_test.c this way, linked
 * dynamically, and run it under msgpass-run: the System V contract, call
 * for call, through libmsgpass-sysv.so. (The rest of libmsgpass, such as
 * mp_mbox_info() and mp_counters(), which the test uses to look at the
 * mailboxes, stays libmsgpass's.)
 */
#ifndef MP_SYSV_NAMES_H
#define MP_SYSV_NAMES_H

#define mp_msgget	msgget
#define mp_msgsnd	msgsnd
#define mp_msgrcv	msgrcv
#define mp_msgctl	msgctl

#endif /* MP_SYSV_NAMES_H */

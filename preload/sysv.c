// SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
/*
 * libmsgpass-sysv: System V's msgget(2), msgsnd(2), msgrcv(2) and
 * msgctl(2) on msgpass, for programs that cannot be rebuilt:
 *
 *	LD_PRELOAD=libmsgpass-sysv.so PROGRAM	(or: msgpass-run PROGRAM)
 *
 * Each call is the libmsgpass call of the same shape (mp_msgget(3), ...),
 * which has System V's semantics and errors: arguments go to it
 * untouched, its result and errno come back untouched. This file adds
 * only what the C library's own calls do beyond the system call:
 * msgsnd() and msgrcv() are cancellation points, and msgctl() knows
 * System V's commands only.
 *
 * One provider per process. A process speaks to one System V provider,
 * chosen by its first call that finds one, and kept until it exits or
 * executes another program (a child of fork() keeps its parent's), so
 * that an identifier of one is never handed to the other:
 *
 *   msgpass   when /dev/msgpass can be opened;
 *   kernel    when msgpass is not there (no device node, or no driver
 *             behind it) and MSGPASS_SYSV_FALLBACK=1 is in the
 *             environment: the C library's own calls.
 *
 * Otherwise the call fails, with ENOSYS when msgpass is not there (as on
 * a kernel built without System V IPC), with open(2)'s errno when the
 * device is there but cannot be opened (EACCES, EMFILE, ...), and nothing
 * is chosen: no identifier was handed out, and the next call looks again.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/msg.h>
#include <sys/single_threaded.h>
#include <asm/msgbuf.h>

#include "msgpass.h"

/*
 * The structures msgctl() fills are the C library's; msgpass fills the
 * kernel's (struct msqid64_ds, struct msginfo of x86-64), as the kernel's
 * own msgctl does. They must be the same bytes.
 */
#define MP_SAME_FIELD(a, fa, b, fb)					\
	_Static_assert(offsetof(a, fa) == offsetof(b, fb) &&		\
		       sizeof(((a *)0)->fa) == sizeof(((b *)0)->fb),	\
		       #a "." #fa " is not " #b "." #fb)

_Static_assert(sizeof(struct msqid_ds) == sizeof(struct msqid64_ds),
	       "struct msqid_ds is not the kernel's struct msqid64_ds");
MP_SAME_FIELD(struct msqid_ds, msg_perm.__key, struct msqid64_ds, msg_perm.key);
MP_SAME_FIELD(struct msqid_ds, msg_perm.uid, struct msqid64_ds, msg_perm.uid);
MP_SAME_FIELD(struct msqid_ds, msg_perm.gid, struct msqid64_ds, msg_perm.gid);
MP_SAME_FIELD(struct msqid_ds, msg_perm.cuid, struct msqid64_ds, msg_perm.cuid);
MP_SAME_FIELD(struct msqid_ds, msg_perm.cgid, struct msqid64_ds, msg_perm.cgid);
MP_SAME_FIELD(struct msqid_ds, msg_perm.mode, struct msqid64_ds, msg_perm.mode);
MP_SAME_FIELD(struct msqid_ds, msg_perm.__seq, struct msqid64_ds, msg_perm.seq);
MP_SAME_FIELD(struct msqid_ds, msg_stime, struct msqid64_ds, msg_stime);
MP_SAME_FIELD(struct msqid_ds, msg_rtime, struct msqid64_ds, msg_rtime);
MP_SAME_FIELD(struct msqid_ds, msg_ctime, struct msqid64_ds, msg_ctime);
/* <sys/msg.h> makes msg_cbytes __msg_cbytes in both. */
MP_SAME_FIELD(struct msqid_ds, __msg_cbytes, struct msqid64_ds, msg_cbytes);
MP_SAME_FIELD(struct msqid_ds, msg_qnum, struct msqid64_ds, msg_qnum);
MP_SAME_FIELD(struct msqid_ds, msg_qbytes, struct msqid64_ds, msg_qbytes);
MP_SAME_FIELD(struct msqid_ds, msg_lspid, struct msqid64_ds, msg_lspid);
MP_SAME_FIELD(struct msqid_ds, msg_lrpid, struct msqid64_ds, msg_lrpid);
/* The kernel's struct msginfo: seven ints, then an unsigned short. */
_Static_assert(sizeof(struct msginfo) == 32 &&
	       offsetof(struct msginfo, msgtql) == 24 &&
	       offsetof(struct msginfo, msgseg) == 28,
	       "struct msginfo is not the kernel's");
_Static_assert(IPC_PRIVATE == MP_IPC_PRIVATE && IPC_CREAT == MP_IPC_CREAT &&
	       IPC_EXCL == MP_IPC_EXCL && IPC_NOWAIT == MP_IPC_NOWAIT &&
	       MSG_NOERROR == MP_MSG_NOERROR && MSG_EXCEPT == MP_MSG_EXCEPT &&
	       MSG_COPY == MP_MSG_COPY && IPC_RMID == MP_IPC_RMID &&
	       IPC_SET == MP_IPC_SET && IPC_STAT == MP_IPC_STAT &&
	       IPC_INFO == MP_IPC_INFO && MSG_STAT == MP_MSG_STAT &&
	       MSG_INFO == MP_MSG_INFO && MSG_STAT_ANY == MP_MSG_STAT_ANY,
	       "System V constants differ from msgpass's");

#define mp_likely(x)	__builtin_expect(!!(x), 1)

enum mp_sysv_provider {
	MP_SYSV_UNDECIDED,
	MP_SYSV_MSGPASS,
	MP_SYSV_KERNEL,
};

static int mp_sysv_provider;

/* The C library's calls, past this one (RTLD_NEXT): the kernel provider. */
static int (*mp_sysv_next_msgget)(key_t, int);
static int (*mp_sysv_next_msgsnd)(int, const void *, size_t, int);
static ssize_t (*mp_sysv_next_msgrcv)(int, void *, size_t, long, int);
static int (*mp_sysv_next_msgctl)(int, int, struct msqid_ds *);

/*
 * Find them, before the provider is published. Two threads choosing at
 * once find, and store, the same pointers.
 */
static bool mp_sysv_find_next(void)
{
	void *get = dlsym(RTLD_NEXT, "msgget"), *snd = dlsym(RTLD_NEXT, "msgsnd");
	void *rcv = dlsym(RTLD_NEXT, "msgrcv"), *ctl = dlsym(RTLD_NEXT, "msgctl");

	if (!get || !snd || !rcv || !ctl)
		return false;
	__atomic_store_n((void **)&mp_sysv_next_msgget, get, __ATOMIC_RELAXED);
	__atomic_store_n((void **)&mp_sysv_next_msgsnd, snd, __ATOMIC_RELAXED);
	__atomic_store_n((void **)&mp_sysv_next_msgrcv, rcv, __ATOMIC_RELAXED);
	__atomic_store_n((void **)&mp_sysv_next_msgctl, ctl, __ATOMIC_RELAXED);
	return true;
}

/* MSGPASS_SYSV_FALLBACK=1, and not a set-user-ID or set-group-ID program. */
static bool mp_sysv_fallback_allowed(void)
{
	const char *v = secure_getenv("MSGPASS_SYSV_FALLBACK");

	return v && !strcmp(v, "1");
}

/*
 * The first call: choose the provider (see the top of the file). The
 * first thread to choose wins; the others take its choice.
 * Return: the provider, or -1 with errno set (nothing chosen).
 */
static int __attribute__((noinline)) mp_sysv_choose(void)
{
	int provider, expected = MP_SYSV_UNDECIDED;

	if (mp_fd() >= 0) {
		provider = MP_SYSV_MSGPASS;
	} else if (errno == ENOENT || errno == ENODEV || errno == ENXIO) {
		if (!mp_sysv_fallback_allowed() || !mp_sysv_find_next()) {
			errno = ENOSYS;
			return -1;
		}
		provider = MP_SYSV_KERNEL;
	} else {
		return -1;
	}
	if (!__atomic_compare_exchange_n(&mp_sysv_provider, &expected, provider,
					 false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		provider = expected;
	return provider;
}

/* The provider of this process: MP_SYSV_*, or -1 and errno. */
static inline int mp_sysv(void)
{
	int provider = __atomic_load_n(&mp_sysv_provider, __ATOMIC_ACQUIRE);

	return provider != MP_SYSV_UNDECIDED ? provider : mp_sysv_choose();
}

/*
 * msgsnd() and msgrcv() are cancellation points; ioctl() is not. As the
 * C library does around its own system calls, a thread of a
 * multi-threaded process makes the call with asynchronous cancellation
 * enabled, so that pthread_cancel() ends it also while it sleeps in the
 * module, which then returns having done nothing. A single-threaded
 * process can only have cancelled itself: that is acted on at entry.
 *
 * The descriptor is opened before (mp_fd()): only the ioctl runs with
 * asynchronous cancellation.
 * Return: the cancel type to restore, -1 for none; or -2, errno set.
 */
static inline int mp_sysv_cancel_enter(void)
{
	int old;

	if (__libc_single_threaded) {
		pthread_testcancel();
		return -1;
	}
	if (mp_fd() < 0)
		return -2;
	pthread_setcanceltype(PTHREAD_CANCEL_ASYNCHRONOUS, &old);
	return old;
}

static inline void mp_sysv_cancel_leave(int old)
{
	if (old >= 0)
		pthread_setcanceltype(old, NULL);
}

int msgget(key_t key, int msgflg)
{
	int provider = mp_sysv();

	if (mp_likely(provider == MP_SYSV_MSGPASS))
		return mp_msgget(key, msgflg);
	if (provider == MP_SYSV_KERNEL)
		return __atomic_load_n(&mp_sysv_next_msgget, __ATOMIC_RELAXED)(key, msgflg);
	return -1;
}

int msgsnd(int msqid, const void *msgp, size_t msgsz, int msgflg)
{
	int provider = mp_sysv(), old, ret;

	if (mp_likely(provider == MP_SYSV_MSGPASS)) {
		old = mp_sysv_cancel_enter();
		if (old == -2)
			return -1;
		ret = mp_msgsnd(msqid, msgp, msgsz, msgflg);
		mp_sysv_cancel_leave(old);
		return ret;
	}
	if (provider == MP_SYSV_KERNEL)
		return __atomic_load_n(&mp_sysv_next_msgsnd, __ATOMIC_RELAXED)(msqid, msgp, msgsz, msgflg);
	return -1;
}

ssize_t msgrcv(int msqid, void *msgp, size_t msgsz, long msgtyp, int msgflg)
{
	int provider = mp_sysv(), old;
	ssize_t ret;

	if (mp_likely(provider == MP_SYSV_MSGPASS)) {
		old = mp_sysv_cancel_enter();
		if (old == -2)
			return -1;
		ret = mp_msgrcv(msqid, msgp, msgsz, msgtyp, msgflg);
		mp_sysv_cancel_leave(old);
		return ret;
	}
	if (provider == MP_SYSV_KERNEL)
		return __atomic_load_n(&mp_sysv_next_msgrcv, __ATOMIC_RELAXED)(msqid, msgp, msgsz, msgtyp, msgflg);
	return -1;
}

/*
 * System V's commands only: mp_msgctl() also takes msgpass's own
 * (MP_CTL_*, with other arguments), which the kernel's msgctl() refuses
 * with EINVAL, as it refuses IPC_64 or'ed into a command on x86-64.
 */
static bool mp_sysv_ctl_cmd(int cmd)
{
	switch (cmd) {
	case IPC_RMID:
	case IPC_SET:
	case IPC_STAT:
	case IPC_INFO:
	case MSG_STAT:
	case MSG_INFO:
	case MSG_STAT_ANY:
		return true;
	}
	return false;
}

int msgctl(int msqid, int cmd, struct msqid_ds *buf)
{
	int provider = mp_sysv();

	if (mp_likely(provider == MP_SYSV_MSGPASS)) {
		if (!mp_sysv_ctl_cmd(cmd)) {
			errno = EINVAL;
			return -1;
		}
		return mp_msgctl(msqid, cmd, buf);
	}
	if (provider == MP_SYSV_KERNEL)
		return __atomic_load_n(&mp_sysv_next_msgctl, __ATOMIC_RELAXED)(msqid, cmd, buf);
	return -1;
}

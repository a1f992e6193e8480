// SPDX-License-Identifier: GPL-2.0
/*
 * sysv_probe: a plain System V message-queue program, which knows nothing
 * of msgpass, for preload_route_test to run with and without
 * libmsgpass-sysv.so and to look at from outside. One job per run:
 *
 *   create KEY          make queue KEY (IPC_CREAT | IPC_EXCL | 0600), send
 *                       it one message (type 7, "probe"), print its ID
 *   syscall-create KEY  the same through syscall(2)
 *   env                 print LD_PRELOAD
 *   ctl                 msgctl() refuses what is not a System V command
 *   closefds            make a queue, print its ID, close every
 *                       descriptor but 0-2, send, print the errno (0: sent)
 *   cancel-rcv          pthread_cancel() ends a thread asleep in msgrcv()
 *   cancel-snd          ... in msgsnd(), on a full queue
 *   latch KEY           make a queue; then, with /dev emptied in a mount
 *                       namespace of its own, a forked child's
 *                       msgget(KEY, IPC_CREAT) (root only); print its errno
 *   retry               with /dev emptied (as above), msgget(IPC_PRIVATE);
 *                       with /dev back, again; print the first's errno
 *                       and the second's ID
 *
 * Exit status 0 when the job was done; otherwise the errno of the call
 * that failed, or PROBE_* below.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/msg.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PROBE_USAGE	100	/* bad arguments */
#define PROBE_WRONG	101	/* a call did what it must not */
#define PROBE_ASLEEP	102	/* the thread never went to sleep */
#define PROBE_CANCEL	103	/* the thread was not cancelled in time */
#define PROBE_QUEUE	104	/* a cancelled call changed the queue */

#define PROBE_WAIT_S	10

struct probe_msg {
	long mtype;
	char mtext[1024];
};

static int probe_err(void)
{
	return errno ? errno : PROBE_WRONG;
}

static int probe_create(key_t key, int raw)
{
	struct probe_msg m = { .mtype = 7 };
	int id;

	strcpy(m.mtext, "probe");
	if (raw)
		id = (int)syscall(SYS_msgget, key, IPC_CREAT | IPC_EXCL | 0600);
	else
		id = msgget(key, IPC_CREAT | IPC_EXCL | 0600);
	if (id < 0)
		return probe_err();
	if (raw ? syscall(SYS_msgsnd, id, &m, 5, IPC_NOWAIT) : msgsnd(id, &m, 5, IPC_NOWAIT))
		return probe_err();
	printf("%d\n", id);
	return 0;
}

/* Commands msgpass has and System V has not, and IPC_64 or'ed in. */
static int probe_ctl(void)
{
	static const int cmd[] = { 0x1000, 0x1001, 0x1004, 0x1006, IPC_STAT | 0x100,
				   IPC_RMID | 0x100, 99, -1 };
	struct msqid_ds ds;
	int id = msgget(IPC_PRIVATE, 0600), ret = 0;

	if (id < 0)
		return probe_err();
	for (unsigned int i = 0; i < sizeof(cmd) / sizeof(cmd[0]); i++) {
		errno = 0;
		if (msgctl(id, cmd[i], &ds) != -1 || errno != EINVAL) {
			printf("msgctl(%#x): %s\n", cmd[i], strerror(errno));
			ret = PROBE_WRONG;
		}
	}
	if (msgctl(id, IPC_RMID, NULL))
		return probe_err();
	return ret;
}

static int probe_closefds(void)
{
	struct probe_msg m = { .mtype = 1 };
	int id = msgget(IPC_PRIVATE, 0600);

	if (id < 0)
		return probe_err();
	printf("%d\n", id);
	fflush(stdout);
	for (int fd = 3; fd < 1024; fd++)
		close(fd);
	printf("%d\n", msgsnd(id, &m, 1, IPC_NOWAIT) ? errno : 0);
	return 0;
}

/* --- cancellation ------------------------------------------------------ */

static int cancel_q;
static pid_t cancel_tid;

static void *cancel_rcv(void *arg)
{
	struct probe_msg m;

	__atomic_store_n(&cancel_tid, gettid(), __ATOMIC_RELEASE);
	msgrcv(cancel_q, &m, sizeof(m.mtext), 0, 0);
	return arg;
}

static void *cancel_snd(void *arg)
{
	struct probe_msg m = { .mtype = 1 };

	__atomic_store_n(&cancel_tid, gettid(), __ATOMIC_RELEASE);
	msgsnd(cancel_q, &m, sizeof(m.mtext), 0);
	return arg;
}

/* Wait (bounded) until thread @tid sleeps ('S' in its stat). */
static int asleep(pid_t tid)
{
	char path[64], buf[256], *p;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", (int)tid);
	for (int i = 0; i < PROBE_WAIT_S * 500; i++) {
		FILE *f = fopen(path, "r");
		size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;

		if (f)
			fclose(f);
		buf[n] = 0;
		p = strrchr(buf, ')');
		if (p && p[1] == ' ' && p[2] == 'S')
			return 1;
		usleep(2000);
	}
	return 0;
}

static int probe_cancel(int snd)
{
	struct probe_msg m = { .mtype = 1 };
	struct msqid_ds ds;
	unsigned long qnum = 0;
	struct timespec end;
	pthread_t t;
	void *res = NULL;
	int ret = 0;

	cancel_q = msgget(IPC_PRIVATE, 0600);
	if (cancel_q < 0)
		return probe_err();
	if (snd) {
		while (msgsnd(cancel_q, &m, sizeof(m.mtext), IPC_NOWAIT) == 0)
			qnum++;
		if (errno != EAGAIN)
			return probe_err();
	}
	errno = pthread_create(&t, NULL, snd ? cancel_snd : cancel_rcv, NULL);
	if (errno)
		return probe_err();
	while (!__atomic_load_n(&cancel_tid, __ATOMIC_ACQUIRE))
		usleep(1000);
	if (!asleep(cancel_tid)) {
		ret = PROBE_ASLEEP;
		goto out;
	}
	pthread_cancel(t);
	clock_gettime(CLOCK_REALTIME, &end);
	end.tv_sec += PROBE_WAIT_S;
	if (pthread_timedjoin_np(t, &res, &end) || res != PTHREAD_CANCELED) {
		ret = PROBE_CANCEL;
		goto out;
	}
	/* Nothing half done: the receiver took nothing, the sender sent nothing. */
	if (msgctl(cancel_q, IPC_STAT, &ds) || ds.msg_qnum != qnum) {
		ret = PROBE_QUEUE;
		goto out;
	}
	if (!snd && (msgsnd(cancel_q, &m, 3, IPC_NOWAIT) ||
		     msgrcv(cancel_q, &m, sizeof(m.mtext), 0, IPC_NOWAIT) != 3))
		ret = PROBE_QUEUE;
out:
	msgctl(cancel_q, IPC_RMID, NULL);
	return ret;
}

/* --- one provider per process ------------------------------------------- */

static int probe_latch(key_t key)
{
	int id = msgget(IPC_PRIVATE, 0600), st;
	pid_t pid;

	if (id < 0)
		return probe_err();
	if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    mount("tmpfs", "/dev", "tmpfs", 0, NULL))
		return probe_err();
	pid = fork();
	if (pid < 0)
		return probe_err();
	if (pid == 0)
		_exit(msgget(key, IPC_CREAT | 0600) < 0 ? errno : PROBE_WRONG);
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return PROBE_WRONG;
	printf("%d\n", WEXITSTATUS(st));
	/* This process's own descriptor is still open: remove what it made. */
	return msgctl(id, IPC_RMID, NULL) ? probe_err() : 0;
}

static int probe_retry(void)
{
	int id, err;

	if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    mount("tmpfs", "/dev", "tmpfs", 0, NULL))
		return probe_err();
	id = msgget(IPC_PRIVATE, 0600);
	err = id < 0 ? errno : 0;
	if (umount("/dev"))
		return probe_err();
	id = msgget(IPC_PRIVATE, 0600);
	if (id < 0)
		return probe_err();
	printf("%d %d\n", err, id);
	return 0;
}

int main(int argc, char **argv)
{
	const char *job = argc > 1 ? argv[1] : "";
	key_t key = argc > 2 ? (key_t)strtol(argv[2], NULL, 0) : IPC_PRIVATE;

	errno = 0;
	if (!strcmp(job, "create") && argc == 3)
		return probe_create(key, 0);
	if (!strcmp(job, "syscall-create") && argc == 3)
		return probe_create(key, 1);
	if (!strcmp(job, "env") && argc == 2) {
		const char *v = getenv("LD_PRELOAD");

		printf("%s\n", v ? v : "(unset)");
		return 0;
	}
	if (!strcmp(job, "ctl") && argc == 2)
		return probe_ctl();
	if (!strcmp(job, "closefds") && argc == 2)
		return probe_closefds();
	if (!strcmp(job, "cancel-rcv") && argc == 2)
		return probe_cancel(0);
	if (!strcmp(job, "cancel-snd") && argc == 2)
		return probe_cancel(1);
	if (!strcmp(job, "latch") && argc == 3)
		return probe_latch(key);
	if (!strcmp(job, "retry") && argc == 2)
		return probe_retry();
	fprintf(stderr, "usage: sysv_probe create|syscall-create|latch KEY, or env|ctl|closefds|cancel-rcv|cancel-snd|retry\n");
	return PROBE_USAGE;
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by bulk_test and bulk_concurrency_test: the fixture that
 * cleans up after every test, and observations of the module's state.
 * The including file may define HANG_MS first.
 */
#ifndef MP_BULK_H
#define MP_BULK_H

#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>

#include "mp_test.h"

#ifndef HANG_MS
#define HANG_MS		20000		/* a wait this long means a hang */
#endif

/* ------------------------------------------------------------------ */
/* Cleanup bookkeeping: per test process (the harness forks each test). */

#define MAX_TRACK	32

static int t_ids[MAX_TRACK];
static int t_nids;
static pid_t t_kids[MAX_TRACK];
static int t_nkids;

FIXTURE(bulk) {
	int unused;
};

FIXTURE_SETUP(bulk)
{
	t_nids = 0;
	t_nkids = 0;
}

FIXTURE_TEARDOWN(bulk)
{
	/* Kill first, then reap: no child may keep the device open. */
	for (int i = 0; i < t_nkids; i++)
		if (t_kids[i] > 0)
			kill(t_kids[i], SIGKILL);
	for (int i = 0; i < t_nkids; i++)
		if (t_kids[i] > 0)
			waitpid(t_kids[i], NULL, 0);
	for (int i = 0; i < t_nids; i++)
		mp_msgctl(t_ids[i], IPC_RMID, NULL);
}

/* A mailbox removed at the end of the test. */
static int new_mbox(const struct mp_attr *attr)
{
	int id = mp_msgget_attr(IPC_PRIVATE, NULL, IPC_CREAT | 0600, attr);

	if (id >= 0 && t_nids < MAX_TRACK)
		t_ids[t_nids++] = id;
	return id;
}

/*
 * fork() a child that dies with its test. Returns 0 in the child, the
 * pid in the test, -1 on failure.
 */
static pid_t spawn(void)
{
	pid_t parent = getpid();
	pid_t pid = fork();

	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(99);
		return 0;
	}
	if (pid > 0 && t_nkids < MAX_TRACK)
		t_kids[t_nkids++] = pid;
	return pid;
}

/* Wait for a child: its exit status, or 128 + signal. */
static int reap(pid_t pid)
{
	int status;

	for (int i = 0; i < t_nkids; i++)
		if (t_kids[i] == pid)
			t_kids[i] = 0;
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void *shared_map(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* ------------------------------------------------------------------ */
/* Observations. */

static long files_now(void)
{
	struct mp_counters_info c;

	if (mp_counters(&c))
		return -1;
	return (long)c.files;
}

/*
 * counters.files once it has reached @want, or what it was when the
 * (generous) wait ran out: freeing on another process's exit is not
 * instantaneous on a slow machine.
 */
static long files_settle(long want)
{
	long n = files_now();

	for (int i = 0; i < HANG_MS / 10 && n != want; i++) {
		usleep(10000);
		n = files_now();
	}
	return n;
}

static long qnum(int id)
{
	struct mp_mbox_info info;

	if (mp_mbox_info(id, &info))
		return -1;
	return (long)info.qnum;
}

#endif /* MP_BULK_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * sysv_speed: what one msgsnd() and one msgrcv() of a 64-byte message on
 * one queue cost, in a loop: the time per iteration, in nanoseconds of
 * CLOCK_MONOTONIC (under QEMU's -icount, guest instructions; see
 * tools/vmrun --icount).
 *
 * Written against libmsgpass's calls and built twice (preload/preload.mk):
 * as is, calling mp_msgsnd() and mp_msgrcv() directly; and with
 * preload/sysv_names.h, calling System V's msgsnd() and msgrcv(), which
 * is run bare (the kernel's queues) and under msgpass-run (libmsgpass-sysv).
 *
 *   sysv_speed LABEL [ITERATIONS [THREADS]]
 *
 * THREADS 1 starts an idle second thread first, so that the process is
 * multi-threaded (the preload library then enables asynchronous
 * cancellation around each call, as the C library does).
 *
 * The loop runs SPEED_ROUNDS times, after a second's sleep that lets the
 * kernel finish what earlier processes left it (freeing them, RCU): the
 * least of the rounds is the figure, the greatest shows the noise.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "msgpass.h"

#define SPEED_BODY	64
#define SPEED_WARMUP	1000
#define SPEED_ROUNDS	5

struct speed_msg {
	long mtype;
	char mtext[SPEED_BODY];
};

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void *idle_thread(void *arg)
{
	pause();
	return arg;
}

static int round_trips(int id, long n)
{
	struct speed_msg m = { .mtype = 1 };

	for (long i = 0; i < n; i++) {
		if (mp_msgsnd(id, &m, SPEED_BODY, 0) ||
		    mp_msgrcv(id, &m, SPEED_BODY, 0, 0) != SPEED_BODY)
			return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *label = argc > 1 ? argv[1] : "speed";
	long n = argc > 2 ? atol(argv[2]) : 20000;
	double ns, min = 0, max = 0;
	pthread_t t;
	int64_t t0;
	int id;

	if (n <= 0) {
		fprintf(stderr, "usage: sysv_speed LABEL [ITERATIONS [THREADS]]\n");
		return 2;
	}
	if (argc > 3 && atoi(argv[3]) > 0 && pthread_create(&t, NULL, idle_thread, NULL)) {
		perror("pthread_create");
		return 1;
	}
	id = mp_msgget(IPC_PRIVATE, IPC_CREAT | 0600);
	if (id < 0) {
		perror("msgget");
		return 1;
	}
	if (round_trips(id, SPEED_WARMUP)) {
		perror("warm-up");
		return 1;
	}
	sleep(1);
	for (int r = 0; r < SPEED_ROUNDS; r++) {
		t0 = now_ns();
		if (round_trips(id, n)) {
			perror("msgsnd/msgrcv");
			return 1;
		}
		ns = (double)(now_ns() - t0) / (double)n;
		if (!r || ns < min)
			min = ns;
		if (ns > max)
			max = ns;
	}
	mp_msgctl(id, IPC_RMID, NULL);
	printf("%-20s %6.0f ns per msgsnd+msgrcv of %d bytes (least of %d rounds of %ld; greatest %.0f)\n",
	       label, min, SPEED_BODY, SPEED_ROUNDS, n, max);
	return 0;
}

// SPDX-License-Identifier: MIT
/*
 * big_file: a large amount of data travels by reference. The model puts
 * it in a file and sends a message that refers to the file: msgpass
 * messages can carry open files, and the receiver gets the same file,
 * not a copy.
 *
 * mp_msgsnd_memfd() puts a buffer into a sealed memfd (a file in memory
 * that nobody can change any more) and sends a message that carries only
 * the file's descriptor; mp_msgrcv_memfd() receives that message and maps
 * the file read-only.
 *
 *	sender: buffer --copy--> sealed memfd --8-byte message + descriptor--> mailbox B
 *	receiver (main): mailbox B --> the same memfd, mapped: no copy
 *
 * The sender generates 1 MiB, 8 MiB and 32 MiB of data and sends each,
 * then sends its checksum (64-bit FNV-1a) in an ordinary message, and
 * scribbles over its buffer: what it sent can no longer change. The
 * receiver computes the checksum over what it mapped and compares.
 *
 * The send's time grows with the size because the library copies the
 * data once, into the memfd, in the sender; what msgpass carries is the
 * same for every size: an 8-byte message and one open file. The receive
 * only maps the file.
 */
#include <stdint.h>
#include <sys/mman.h>

#include "example.h"

#define TYPE_DATA	1
#define TYPE_SUM	2
#define MiB		(1024 * 1024)

static const size_t sizes[] = { 1 * MiB, 8 * MiB, 32 * MiB };
#define NSIZES		(sizeof(sizes) / sizeof(sizes[0]))

static int box;
static int next[2], times[2];

/* 64-bit FNV-1a over @len bytes at @p. */
static uint64_t fnv1a(const unsigned char *p, size_t len)
{
	uint64_t h = 14695981039346656037ULL;

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 1099511628211ULL;
	}
	return h;
}

/* @len bytes of pseudo-random data (xorshift64*), from @seed. */
static void generate(unsigned char *p, size_t len, uint64_t seed)
{
	uint64_t x = seed * 0x9E3779B97F4A7C15ULL + 1;

	for (size_t i = 0; i < len; i += 8) {
		uint64_t v;

		x ^= x >> 12;
		x ^= x << 25;
		x ^= x >> 27;
		v = x * 0x2545F4914F6CDD1DULL;
		memcpy(p + i, &v, len - i < 8 ? len - i : 8);
	}
}

static void sender(void *unused __attribute__((unused)))
{
	struct ex_msg m = { .mtype = TYPE_SUM };
	unsigned char *buf;
	uint64_t sum;
	double t, d;

	for (size_t i = 0; i < NSIZES; i++) {
		size_t len = sizes[i];

		buf = malloc(len);
		if (!buf)
			fail("no memory for %zu bytes", len);
		generate(buf, len, i + 1);
		sum = fnv1a(buf, len);
		say("has %zu MiB of data, FNV-1a %016llx", len / MiB,
		    (unsigned long long)sum);

		t = ex_ms();
		MUST(mp_msgsnd_memfd(box, TYPE_DATA, buf, len, 0));
		d = ex_ms() - t;
		say("mp_msgsnd_memfd(): copied into a sealed memfd and sent by reference in %.1f ms (%.0f MiB/s)",
		    d, len / MiB / (d / 1e3));
		ex_post(times, (long)(d * 1000));

		say("scribbles over its buffer, and sends the checksum in an ordinary message");
		memset(buf, 0xff, len);
		snprintf(m.mtext, sizeof(m.mtext), "%zu %016llx", len,
			 (unsigned long long)sum);
		MUST(mp_msgsnd(box, &m, strlen(m.mtext), 0));
		free(buf);
		ex_take(next);
	}
}

int main(void)
{
	struct mp_counters_info c;
	struct mp_mbox_info info;
	unsigned long long sum, got_sum;
	double send_ms[NSIZES], recv_ms[NSIZES], t;
	unsigned long long queued[NSIZES];
	struct ex_msg m;
	size_t len, got;
	unsigned char *p;
	pid_t child;

	ex_start("receiver");
	ex_unprivileged();
	box = MUST(mp_msgget(IPC_PRIVATE, IPC_CREAT | 0600));
	ex_remove_at_exit(box);
	MUST(mp_mbox_info(box, &info));
	say("creates mailbox B (id %d): a System V mailbox, messages of at most %llu bytes",
	    box, (unsigned long long)info.msg_max);
	ex_pipe(next);
	ex_pipe(times);
	child = ex_spawn("sender", sender, NULL);

	for (size_t i = 0; i < NSIZES; i++) {
		note("%zu MiB:", sizes[i] / MiB);
		send_ms[i] = ex_take(times) / 1000.0;
		MUST(ex_recv(box, &m, TYPE_SUM, 0, NULL));
		if (sscanf(m.mtext, "%zu %llx", &len, &sum) != 2)
			fail("bad checksum message '%s'", m.mtext);
		MUST(mp_mbox_info(box, &info));
		MUST(mp_counters(&c));
		queued[i] = info.qbytes;
		say("B holds %llu message of %llu bytes for %zu MiB of data; msgpass holds %llu open file",
		    (unsigned long long)info.qnum,
		    (unsigned long long)info.qbytes, len / MiB,
		    (unsigned long long)c.files);
		if (info.qnum != 1 || info.qbytes > 64 || c.files < 1)
			fail("expected one small message holding one file");

		t = ex_ms();
		p = mp_msgrcv_memfd(box, TYPE_DATA, IPC_NOWAIT, &got);
		recv_ms[i] = ex_ms() - t;
		if (!p)
			fail("mp_msgrcv_memfd: %s", ex_err(errno));
		say("mp_msgrcv_memfd(): %zu bytes received and mapped read-only in %.2f ms",
		    got, recv_ms[i]);
		if (got != len)
			fail("%zu bytes; the sender sent %zu", got, len);
		t = ex_ms();
		got_sum = fnv1a(p, got);
		say("FNV-1a %016llx (computed in %.0f ms): %s", got_sum,
		    ex_ms() - t, got_sum == sum ? "the sender's checksum" :
		    "NOT the sender's checksum");
		if (got_sum != sum)
			fail("the data changed on the way");
		MUST(munmap(p, got));
		ex_post(next, 1);
	}
	if (ex_wait(child, "the sender"))
		fail("the sender did not do what was expected");

	note("size     send (copy into memfd + send)   receive (map)   message body");
	for (size_t i = 0; i < NSIZES; i++)
		note("%2zu MiB   %10.1f ms %18s %10.2f ms %9llu bytes",
		     sizes[i] / MiB, send_ms[i], "", recv_ms[i], queued[i]);
	ex_remove(box);
	return 0;
}

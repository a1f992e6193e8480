// SPDX-License-Identifier: MIT
/*
 * What msgpassctl shows. This program makes some state and holds it
 * while msgpassctl (from the same directory, or $MSGPASSCTL) looks at it:
 *
 *   - mailbox "orders", a port with three requests queued;
 *   - mailbox "jobs", empty, with a worker asleep waiting on it;
 *   - broadcast mailbox "news" with two subscribers;
 *   - the name "worker", and a link from this process to the worker with
 *     two messages on it.
 *
 * Then it takes everything down and shows that nothing of it is left.
 */
#include <libgen.h>
#include <limits.h>

#include "example.h"

static int jobs_id, news_id;
static int ready[2];

static void worker(void *arg)
{
	struct ex_msg m;

	(void)arg;
	MUST(mp_name_register("worker"));
	ex_post(ready, 1);
	/* Asleep on "jobs" until the end. */
	if (ex_recv(jobs_id, &m, 0, 0, NULL) >= 0 || errno != EIDRM)
		fail("the receive on jobs ended with %s, not EIDRM", ex_err(errno));
	say("woken: mailbox 'jobs' was removed (EIDRM)");
}

static void subscriber(void *arg)
{
	struct ex_msg m;

	(void)arg;
	MUST(mp_mbox_subscribe(news_id));
	ex_post(ready, 1);
	if (ex_recv(news_id, &m, 0, 0, NULL) >= 0 || errno != EIDRM)
		fail("the receive on news ended with %s, not EIDRM", ex_err(errno));
}

static char ctl[PATH_MAX];

/* Run "msgpassctl ARGS", showing the command and what it prints. */
static void msgpassctl(const char *args)
{
	char cmd[PATH_MAX + 128];
	int rc;

	say("$ msgpassctl %s", args);
	snprintf(cmd, sizeof(cmd), "%s %s 2>&1 | sed 's/^/      /'", ctl, args);
	rc = system(cmd);
	if (rc != 0)
		fail("msgpassctl %s: status %d", args, rc);
}

/* The line of "msgpassctl --json list" about mailbox @name, or fail. */
static void expect_json(const char *name, const char *field)
{
	char cmd[PATH_MAX + 64], line[4096], want[96];
	int found = 0;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "%s --json list", ctl);
	snprintf(want, sizeof(want), "\"name\":\"%s\"", name);
	p = popen(cmd, "r");
	if (!p)
		fail("popen: %s", ex_err(errno));
	while (fgets(line, sizeof(line), p))
		if (strstr(line, want) && strstr(line, field))
			found = 1;
	pclose(p);
	if (!found)
		fail("msgpassctl --json list shows no %s with %s", name, field);
}

int main(int argc __attribute__((unused)), char **argv)
{
	struct mp_attr port = { .flags = MP_ATTR_CAPACITY | MP_ATTR_MODE_RECEIVE,
				.capacity = 16 };
	struct mp_attr bcast = { .kind = MP_KIND_BROADCAST,
				 .flags = MP_ATTR_MODE_RECEIVE };
	pid_t w, s1, s2;
	int orders_id;

	ex_start("inspect");
	ex_unprivileged();
	if (getenv("MSGPASSCTL"))
		snprintf(ctl, sizeof(ctl), "%s", getenv("MSGPASSCTL"));
	else
		snprintf(ctl, sizeof(ctl), "%s/msgpassctl", dirname(argv[0]));
	if (access(ctl, X_OK))
		fail("no msgpassctl at %s", ctl);
	ex_pipe(ready);

	orders_id = MUST(mp_msgget_attr(IPC_PRIVATE, "orders", IPC_CREAT | 0600, &port));
	ex_remove_at_exit(orders_id);
	jobs_id = MUST(mp_msgget_attr(IPC_PRIVATE, "jobs", IPC_CREAT | 0600, &port));
	ex_remove_at_exit(jobs_id);
	news_id = MUST(mp_msgget_attr(IPC_PRIVATE, "news", IPC_CREAT | 0600, &bcast));
	ex_remove_at_exit(news_id);
	for (int i = 1; i <= 3; i++)
		MUST(ex_send(orders_id, i, "an order", 0));
	note("made mailboxes orders (3 requests queued), jobs and news (broadcast)");

	w = ex_spawn("worker", worker, NULL);
	s1 = ex_spawn("subscriber 1", subscriber, NULL);
	s2 = ex_spawn("subscriber 2", subscriber, NULL);
	for (int i = 0; i < 3; i++)
		ex_take(ready);
	ex_wait_sleeper(jobs_id, 0);
	{
		struct ex_msg m = { .mtype = 1 };

		strcpy(m.mtext, "hello worker");
		MUST(mp_send(w, &m, strlen(m.mtext), 0));
		MUST(mp_send(w, &m, strlen(m.mtext), 0));
	}
	note("the worker registered the name 'worker' and sleeps on jobs; two messages wait for it on the link from here");

	msgpassctl("list");
	msgpassctl("show orders");
	msgpassctl("links");
	msgpassctl("endpoints");
	msgpassctl("limits");
	expect_json("orders", "\"qnum\":3");
	expect_json("jobs", "\"waiting_receivers\":1");
	expect_json("news", "\"subscribers\":2");

	note("removing the mailboxes: the worker and the subscribers wake with EIDRM");
	ex_remove(jobs_id);
	ex_remove(news_id);
	ex_remove(orders_id);
	if (ex_wait(w, "worker") | ex_wait(s1, "subscriber 1") | ex_wait(s2, "subscriber 2"))
		fail("a child failed");
	msgpassctl("list");
	note("nothing left: the mailboxes are gone, and so are the worker's name and links");
	return 0;
}

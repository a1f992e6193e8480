// SPDX-License-Identifier: MIT
/*
 * name_service: processes find each other by name. A logging server
 * registers the name "logger"; its clients resolve the name to the
 * server's pid and send it their lines directly.
 *
 *	server:   mp_name_register("logger")
 *	client 1: mp_name_resolve("logger") -> pid of server; Send(pid, line)
 *	client 2: mp_name_resolve("logger") -> pid of server; Send(pid, line)
 *
 * A name is unique in the system, belongs to the process that registered
 * it, and is released when that process ends.
 *
 *  1. Before the server runs, "logger" resolves to nothing: ENOENT.
 *  2. The server registers it. A client that tries to register it too
 *     gets EADDRINUSE, and may not unregister it either: EPERM.
 *  3. The clients send their lines; the server receives from any link
 *     and writes each out with the sender's pid, which the kernel stamps
 *     on every message.
 *  4. The server exits: "logger" resolves to nothing again, the old pid
 *     reaches nobody (ESRCH), and the name is free for the next process.
 */
#include "example.h"

#define NAME		"logger"
#define CLIENTS		2
#define LINES		2	/* per client */

static int ready[2];

/* The names of the errors ex_err() does not know. */
static const char *err_name(int err)
{
	static char buf[96];

	if (err != EADDRINUSE)
		return ex_err(err);
	snprintf(buf, sizeof(buf), "EADDRINUSE (%s)", strerror(err));
	return buf;
}

static void server(void *unused __attribute__((unused)))
{
	struct mp_msghdr h;
	struct ex_msg m;
	int pid, line;
	ssize_t n;

	MUST(mp_name_register(NAME));
	say("registers the name '%s'", NAME);
	ex_post(ready, getpid());

	for (int i = 0; i < CLIENTS * LINES; i++) {
		n = MUST(mp_receive_ext(MP_ANY, &m, sizeof(m.mtext) - 1, 0, 0,
					NULL, &h));
		m.mtext[n] = '\0';
		say("log: [pid %d] %s", h.sender_pid, m.mtext);
		if (sscanf(m.mtext, "client pid %d: line %d", &pid, &line) != 2)
			fail("bad line '%s'", m.mtext);
		if (pid != h.sender_pid)
			fail("pid %d claims to be %d", h.sender_pid, pid);
	}
	say("has logged %d lines; exits, and its name goes with it",
	    CLIENTS * LINES);
}

static void client(void *arg)
{
	int index = (int)(long)arg;
	struct ex_msg m = { .mtype = 1 };
	pid_t logger;

	logger = MUST(mp_name_resolve(NAME));
	say("resolves '%s': pid %d", NAME, (int)logger);
	if (index == 1) {
		MUST_FAIL(EADDRINUSE, mp_name_register(NAME));
		say("tries to register '%s' too: %s: the name is taken",
		    NAME, err_name(EADDRINUSE));
		MUST_FAIL(EPERM, mp_name_unregister(NAME));
		say("tries to unregister it: %s: it belongs to pid %d",
		    ex_err(EPERM), (int)logger);
	}
	for (int l = 1; l <= LINES; l++) {
		snprintf(m.mtext, sizeof(m.mtext), "client pid %d: line %d",
			 (int)getpid(), l);
		say("Send(%d, '%s')", (int)logger, m.mtext);
		MUST(mp_send(logger, &m, strlen(m.mtext), 0));
	}
}

int main(void)
{
	struct ex_msg m = { .mtype = 1 };
	pid_t srv, cli[CLIENTS], pid;
	int failed = 0;

	ex_start("main");
	ex_unprivileged();

	note("1. Nobody has the name yet.");
	MUST_FAIL(ENOENT, mp_name_resolve(NAME));
	say("resolves '%s': %s", NAME, ex_err(ENOENT));

	note("2. The server takes the name; 3. the clients find it and log.");
	ex_pipe(ready);
	srv = ex_spawn("server", server, NULL);
	if (ex_take(ready) != srv)
		fail("the server says it is not pid %d", (int)srv);
	pid = MUST(mp_name_resolve(NAME));
	say("resolves '%s': pid %d, the server", NAME, (int)pid);
	if (pid != srv)
		fail("'%s' is pid %d, not the server (%d)", NAME, (int)pid,
		     (int)srv);

	for (long i = 0; i < CLIENTS; i++) {
		char role[16];

		snprintf(role, sizeof(role), "client %ld", i + 1);
		cli[i] = ex_spawn(role, client, (void *)(i + 1));
	}
	for (int i = 0; i < CLIENTS; i++)
		failed |= ex_wait(cli[i], "a client");
	failed |= ex_wait(srv, "the server");
	if (failed)
		fail("a process did not do what was expected");

	note("4. The server has ended.");
	MUST_FAIL(ENOENT, mp_name_resolve(NAME));
	say("resolves '%s': %s: the name went with the server", NAME,
	    ex_err(ENOENT));
	MUST_FAIL(ESRCH, mp_send(srv, &m, 0, 0));
	say("Send(%d, ...): %s: that pid reaches nobody now", (int)srv,
	    ex_err(ESRCH));
	MUST(mp_name_register(NAME));
	pid = MUST(mp_name_resolve(NAME));
	say("registers '%s' itself: it was free; it now resolves to pid %d (me)",
	    NAME, (int)pid);
	if (pid != getpid())
		fail("'%s' is pid %d, not mine", NAME, (int)pid);
	MUST(mp_name_unregister(NAME));
	say("unregisters it: free again");
	return 0;
}

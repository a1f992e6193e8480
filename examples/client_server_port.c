// SPDX-License-Identifier: MIT
/*
 * client_server_port: many-to-one. A mailbox with many senders and one
 * receiver is a port.
 *
 *	client 1 --+
 *	client 2 --+--> port "example-port.<pid>" --> server
 *	client 3 --+                                    |
 *	   ^                                            |
 *	   +------- reply mailbox R, type = client pid --+
 *
 * The server makes the port with mp_msgget_attr(): a named, process-owned
 * mailbox. Anyone may send to it (mode 0622), only the server, its owner,
 * may receive from it, and it disappears when the server exits.
 *
 * The clients find the port by its name. Each request carries the
 * client's pid; the server checks it against the sender pid the kernel
 * stamped on the message (a client cannot pretend to be another), and
 * answers on one shared reply mailbox R with the message type set to the
 * client's pid, so that each client receives only its own answers: the
 * classic System V idiom (msgrcv() with msgtyp = getpid()).
 */
#include "example.h"

#define CLIENTS		3
#define REQUESTS	2	/* per client */

static int reply_box;			/* R */
static int ready[2];			/* server -> main: the port exists */
static char port_name[MP_NAME_MAX + 1];

static void server(void *unused __attribute__((unused)))
{
	struct mp_attr attr = {
		.flags = MP_ATTR_CAPACITY,
		.capacity = 8,
		.kind = MP_KIND_QUEUE,
		.lifetime = MP_LIFETIME_PROCESS,
	};
	struct mp_msghdr h;
	struct ex_msg req, rep;
	int port, pid, n;

	port = MUST(mp_msgget_attr(IPC_PRIVATE, port_name,
				   IPC_CREAT | IPC_EXCL | 0622, &attr));
	say("creates port '%s' (id %d): anyone may send, only I receive; it lives as long as I do",
	    port_name, port);
	ex_post(ready, port);

	for (int i = 0; i < CLIENTS * REQUESTS; i++) {
		MUST(ex_recv(port, &req, 0, 0, &h));
		if (sscanf(req.mtext, "pid %d: square %d", &pid, &n) != 2)
			fail("bad request '%s'", req.mtext);
		say("request %d: '%s' (the kernel says: sent by pid %d, message %llu of the port)",
		    i + 1, req.mtext, h.sender_pid,
		    (unsigned long long)h.seq);
		if (pid != h.sender_pid)
			fail("pid %d claims to be %d", h.sender_pid, pid);
		if (h.seq != (unsigned long long)i + 1)
			fail("sequence number %llu; expected %d",
			     (unsigned long long)h.seq, i + 1);

		rep.mtype = pid;
		snprintf(rep.mtext, sizeof(rep.mtext), "%d squared is %d", n,
			 n * n);
		MUST(mp_msgsnd(reply_box, &rep, strlen(rep.mtext), 0));
	}
	say("served %d requests from %d clients; exits, and the port goes with it",
	    CLIENTS * REQUESTS, CLIENTS);
}

static void client(void *arg)
{
	int index = (int)(long)arg;
	struct ex_msg req, rep;
	char want[64];
	int port;

	port = MUST(mp_msgget_attr(IPC_PRIVATE, port_name, 0, NULL));
	say("finds port '%s' by name: id %d", port_name, port);
	if (index == 1) {
		/* The server is still there: it waits for every request. */
		MUST_FAIL(EACCES, mp_msgrcv(port, &rep, sizeof(rep.mtext), 0,
					    IPC_NOWAIT));
		say("tries to receive from the port: %s: only its owner, the server, receives there",
		    ex_err(EACCES));
	}

	for (int r = 0; r < REQUESTS; r++) {
		int n = 10 * index + r + 2;

		req.mtype = 1;
		snprintf(req.mtext, sizeof(req.mtext), "pid %d: square %d",
			 (int)getpid(), n);
		say("sends '%s' to the port", req.mtext);
		MUST(mp_msgsnd(port, &req, strlen(req.mtext), 0));

		/* Only messages of type getpid() are ours. */
		MUST(ex_recv(reply_box, &rep, getpid(), 0, NULL));
		say("gets its answer from R (type %ld = my pid): '%s'",
		    rep.mtype, rep.mtext);
		snprintf(want, sizeof(want), "%d squared is %d", n, n * n);
		ex_expect_text(rep.mtext, want);
	}

}

int main(void)
{
	pid_t srv, cli[CLIENTS];
	struct ex_msg m = { .mtype = 1 };
	int failed = 0, port;

	ex_start("main");
	ex_unprivileged();
	snprintf(port_name, sizeof(port_name), "example-port.%d", (int)getpid());

	reply_box = MUST(mp_msgget(IPC_PRIVATE, IPC_CREAT | 0600));
	ex_remove_at_exit(reply_box);
	say("creates reply mailbox R (id %d), shared by the server and every client",
	    reply_box);

	ex_pipe(ready);
	srv = ex_spawn("server", server, NULL);
	port = ex_take(ready);

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

	MUST_FAIL(EINVAL, mp_msgsnd(port, &m, 0, IPC_NOWAIT));
	say("sends to the port's old id %d: %s: the port went away with the server",
	    port, ex_err(EINVAL));
	MUST_FAIL(ENOENT, mp_msgget_attr(IPC_PRIVATE, port_name, 0, NULL));
	say("looks up '%s': %s: its name went with it", port_name,
	    ex_err(ENOENT));
	ex_remove(reply_box);
	return 0;
}

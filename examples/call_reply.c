// SPDX-License-Identifier: MIT
/*
 * call_reply: call and reply, as QNX does message passing. A client's
 * mp_call() sends a request and waits for the answer, in one system
 * call; the server answers a request and waits for the next one, in one
 * system call too: mp_reply_receive(). The server loop is
 *
 *	n = mp_reply_receive(0, NULL, 0, MP_ANY, &req, ...);   (answer nothing yet)
 *	for (;;) {
 *		work out the answer to req
 *		n = mp_reply_receive(hdr.call_id, &answer, ..., &req, ...);
 *	}
 *
 *	client 1 --mp_call()--+
 *	client 2 --mp_call()--+--> server's inbox; each answer goes back to
 *	client 3 --mp_call()--+    exactly the client that asked
 *	main --mp_call_mbox()-----> port P (a mailbox) --> server
 *
 *  1. Three clients make three calls each, at the same time. Requests
 *     arrive as ordinary messages marked MP_MSG_CALL, with a call ID; the
 *     server answers by call ID, and each answer reaches its own caller.
 *  2. The server answers the last of those and, in the same call
 *     (mp_reply_receive_mbox()), waits on mailbox P, a port: main calls
 *     through it with mp_call_mbox(). A call is answered once: a second
 *     answer fails with ENOENT.
 *  3. main calls 'quit': the server takes the request and exits without
 *     answering; the call fails with ECONNRESET instead of waiting forever.
 */
#include "example.h"

#define CLIENTS		3
#define CALLS		3	/* per client */
#define WORK_MS		20	/* the server's work per request */

static int ready[2];

/* The names of the errors ex_err() does not know. */
static const char *err_name(int err)
{
	static char buf[96];

	if (err != ECONNRESET)
		return ex_err(err);
	snprintf(buf, sizeof(buf), "ECONNRESET (%s)", strerror(err));
	return buf;
}

/* Work out the answer to request @req (@n bytes, header @h) into @rep. */
static size_t answer(struct ex_msg *req, ssize_t n, const struct mp_msghdr *h,
		     struct ex_msg *rep)
{
	int pid, x;

	req->mtext[n] = '\0';
	if (!(h->flags & MP_MSG_CALL) || !h->call_id)
		fail("'%s' is no call", req->mtext);
	if (sscanf(req->mtext, "pid %d: square %d", &pid, &x) != 2)
		fail("bad request '%s'", req->mtext);
	if (pid != h->sender_pid)
		fail("pid %d claims to be %d", h->sender_pid, pid);
	say("call %#llx from pid %d: '%s'", (unsigned long long)h->call_id,
	    h->sender_pid, req->mtext);
	ex_sleep_ms(WORK_MS);
	rep->mtype = 1;
	snprintf(rep->mtext, sizeof(rep->mtext), "pid %d: %d squared is %d",
		 pid, x, x * x);
	return strlen(rep->mtext);
}

static void server(void *unused __attribute__((unused)))
{
	struct mp_attr attr = {
		.kind = MP_KIND_QUEUE,
		.lifetime = MP_LIFETIME_PROCESS,
	};
	struct mp_msghdr h;
	struct ex_msg req, rep;
	size_t len;
	ssize_t n;
	int port;

	port = MUST(mp_msgget_attr(IPC_PRIVATE, NULL, IPC_CREAT | 0622, &attr));
	say("makes port P (mailbox %d): anyone may call through it, only I receive",
	    port);
	ex_post(ready, port);

	/* Call ID 0: nothing to answer yet; only wait for the first request. */
	n = MUST(mp_reply_receive(0, NULL, 0, MP_ANY, &req,
				  sizeof(req.mtext) - 1, 0, 0, &h));
	for (int i = 1; i < CLIENTS * CALLS; i++) {
		len = answer(&req, n, &h, &rep);
		n = MUST(mp_reply_receive(h.call_id, &rep, len, MP_ANY, &req,
					  sizeof(req.mtext) - 1, 0, 0, &h));
	}
	len = answer(&req, n, &h, &rep);
	say("answers it, and waits on port P instead of its inbox");
	n = MUST(mp_reply_receive_mbox(h.call_id, &rep, len, port, &req,
				       sizeof(req.mtext) - 1, 0, 0, &h));
	if (h.receiver != port)
		fail("the request came to %d, not port P", h.receiver);
	len = answer(&req, n, &h, &rep);
	MUST(mp_reply(h.call_id, &rep, len));
	say("answers it with mp_reply()");
	MUST_FAIL(ENOENT, mp_reply(h.call_id, &rep, len));
	say("answers it again: %s: a call is answered once", ex_err(ENOENT));

	n = MUST(mp_receive_ext(MP_ANY, &req, sizeof(req.mtext) - 1, 0, 0, NULL,
				&h));
	req.mtext[n] = '\0';
	ex_expect_text(req.mtext, "quit");
	say("call %#llx from pid %d: 'quit': exits without answering",
	    (unsigned long long)h.call_id, h.sender_pid);
}

/* Call @srv (or port @port, when @srv is 0) to square @x; check the answer. */
static void call(pid_t srv, int port, int x)
{
	struct ex_msg req = { .mtype = 1 }, rep;
	struct mp_msghdr h;
	char want[64];
	ssize_t n;

	snprintf(req.mtext, sizeof(req.mtext), "pid %d: square %d",
		 (int)getpid(), x);
	if (srv) {
		say("calls the server: '%s'", req.mtext);
		n = MUST(mp_call(srv, &req, strlen(req.mtext), &rep,
				 sizeof(rep.mtext) - 1, NULL, &h));
	} else {
		say("calls through port P: '%s'", req.mtext);
		n = MUST(mp_call_mbox(port, &req, strlen(req.mtext), &rep,
				      sizeof(rep.mtext) - 1, NULL, &h));
	}
	rep.mtext[n] = '\0';
	say("gets its answer from pid %d: '%s'", h.sender_pid, rep.mtext);
	snprintf(want, sizeof(want), "pid %d: %d squared is %d", (int)getpid(),
		 x, x * x);
	ex_expect_text(rep.mtext, want);
}

static pid_t srv;

static void client(void *arg)
{
	int index = (int)(long)arg;

	for (int c = 0; c < CALLS; c++)
		call(srv, -1, 10 * index + c);
}

int main(void)
{
	struct ex_msg req = { .mtype = 1 }, rep;
	pid_t cli[CLIENTS];
	int failed = 0, port;

	ex_start("main");
	ex_unprivileged();
	ex_pipe(ready);
	srv = ex_spawn("server", server, NULL);
	port = ex_take(ready);

	note("1. %d clients call the server at the same time, %d calls each.",
	     CLIENTS, CALLS);
	for (long i = 0; i < CLIENTS; i++) {
		char role[16];

		snprintf(role, sizeof(role), "client %ld", i + 1);
		cli[i] = ex_spawn(role, client, (void *)(i + 1));
	}
	for (int i = 0; i < CLIENTS; i++)
		failed |= ex_wait(cli[i], "a client");
	if (failed)
		fail("a client did not do what was expected");

	note("2. A call through a mailbox used as a port.");
	call(0, port, 12);

	note("3. A call the server never answers.");
	strcpy(req.mtext, "quit");
	say("calls the server: 'quit'");
	MUST_FAIL(ECONNRESET, mp_call(srv, &req, strlen(req.mtext), &rep,
				      sizeof(rep.mtext), NULL, NULL));
	say("the call fails: %s: the server ended without answering",
	    err_name(ECONNRESET));
	if (ex_wait(srv, "the server"))
		fail("the server did not do what was expected");
	return 0;
}

// SPDX-License-Identifier: MIT
/*
 * broadcast: one-to-many. Every subscriber receives every message.
 *
 *	                          +--> subscriber 1
 *	publisher --> mailbox N --+--> subscriber 2
 *	                          +--> subscriber 3 (slow)
 *
 * The publisher makes a broadcast mailbox (MP_KIND_BROADCAST) that holds
 * at most 2 messages: a message counts until the slowest subscriber has
 * taken it, so a publisher that runs ahead of subscriber 3 waits for it
 * instead of losing messages. The mailbox has MP_ATTR_MODE_RECEIVE and
 * mode 0644: whoever may read it may subscribe.
 *
 * Each subscriber gets each message once, in send order, with the same
 * sequence number as every other subscriber. The last message is sent
 * with MP_SEND_SYNC, which returns only when every subscriber has taken
 * it. A subscriber that comes late sees only what is sent after it
 * subscribed.
 */
#include "example.h"

#define SUBSCRIBERS	3
#define NEWS		5
#define TYPE_NEWS	1
#define TYPE_END	2

static int box;			/* N */
static int ready[2];		/* subscribers -> publisher: subscribed */

static void subscriber(void *arg)
{
	int index = (int)(long)arg;
	struct mp_msghdr h;
	struct ex_msg m;
	char want[64];

	MUST(mp_mbox_subscribe(box));
	say("subscribes to mailbox N (id %d)", box);
	ex_post(ready, index);

	for (unsigned long long seq = 1;; seq++) {
		if (index == SUBSCRIBERS)
			ex_sleep_ms(100);	/* the slow one */
		MUST(ex_recv(box, &m, 0, 0, &h));
		if (h.seq != seq)
			fail("got sequence number %llu; expected %llu",
			     (unsigned long long)h.seq, seq);
		if (m.mtype == TYPE_END) {
			say("receives '%s' (seq %llu)%s", m.mtext,
			    (unsigned long long)h.seq,
			    h.flags & MP_MSG_SYNC ? ": its sender waits until all of us have it" : "");
			ex_expect_text(m.mtext, "that's all");
			if (!(h.flags & MP_MSG_SYNC))
				fail("MP_MSG_SYNC is not set in its header");
			if (seq != NEWS + 1)
				fail("the end came after %llu messages", seq - 1);
			break;
		}
		say("receives '%s' (seq %llu)", m.mtext,
		    (unsigned long long)h.seq);
		snprintf(want, sizeof(want), "news #%llu", seq);
		ex_expect_text(m.mtext, want);
	}
	say("got all %d messages, in order", NEWS + 1);
}

static void latecomer(void *unused __attribute__((unused)))
{
	struct ex_msg m;

	MUST(mp_mbox_subscribe(box));
	MUST_FAIL(ENOMSG, mp_msgrcv(box, &m, sizeof(m.mtext), 0, IPC_NOWAIT));
	say("subscribes after the news went out: %s: a subscriber gets only what is sent after it subscribed",
	    ex_err(ENOMSG));
}

int main(void)
{
	struct mp_attr attr = {
		.flags = MP_ATTR_CAPACITY | MP_ATTR_MODE_RECEIVE,
		.kind = MP_KIND_BROADCAST,
		.capacity = 2,
	};
	struct mp_sendopt sync = { .flags = MP_SEND_SYNC };
	struct mp_mbox_info info;
	pid_t sub[SUBSCRIBERS], late;
	struct ex_msg m;
	int failed = 0;

	ex_start("publisher");
	ex_unprivileged();

	box = MUST(mp_msgget_attr(IPC_PRIVATE, NULL, IPC_CREAT | 0644, &attr));
	ex_remove_at_exit(box);
	say("creates broadcast mailbox N (id %d), capacity 2 messages", box);

	ex_pipe(ready);
	for (long i = 0; i < SUBSCRIBERS; i++) {
		char role[32];

		snprintf(role, sizeof(role), "subscriber %ld", i + 1);
		sub[i] = ex_spawn(role, subscriber, (void *)(i + 1));
	}
	for (int i = 0; i < SUBSCRIBERS; i++)
		ex_take(ready);
	MUST(mp_mbox_info(box, &info));
	say("mailbox N has %u subscribers", info.subscribers);
	if (info.subscribers != SUBSCRIBERS)
		fail("expected %d subscribers", SUBSCRIBERS);

	for (int i = 1; i <= NEWS; i++) {
		m.mtype = TYPE_NEWS;
		snprintf(m.mtext, sizeof(m.mtext), "news #%d", i);
		say("publishes '%s'", m.mtext);
		MUST(mp_msgsnd(box, &m, strlen(m.mtext), 0));
	}
	say("publishes 'that's all' with MP_SEND_SYNC: returns once every subscriber has it");
	m.mtype = TYPE_END;
	strcpy(m.mtext, "that's all");
	MUST(mp_msgsnd_ext(box, &m, strlen(m.mtext), 0, &sync));
	say("MP_SEND_SYNC returned at %.0f ms: all %d subscribers have taken it",
	    ex_ms(), SUBSCRIBERS);

	for (int i = 0; i < SUBSCRIBERS; i++)
		failed |= ex_wait(sub[i], "a subscriber");
	if (failed)
		fail("a subscriber did not get what was expected");

	late = ex_spawn("latecomer", latecomer, NULL);
	failed |= ex_wait(late, "the latecomer");
	if (failed)
		fail("the latecomer did not see what was expected");

	MUST(mp_mbox_info(box, &info));
	say("mailbox N: %llu messages sent, %llu queued, %u subscribers left (subscriptions end when a process exits)",
	    (unsigned long long)info.sent, (unsigned long long)info.qnum,
	    info.subscribers);
	if (info.sent != NEWS + 1 || info.qnum != 0 || info.subscribers != 0)
		fail("expected %d sent, 0 queued, 0 subscribers", NEWS + 1);
	ex_remove(box);
	say("removes mailbox N");
	return 0;
}

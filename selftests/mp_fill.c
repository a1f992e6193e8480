// SPDX-License-Identifier: GPL-2.0
/*
 * mp_fill MAILBOXES MESSAGES: leave MAILBOXES system-owned mailboxes with
 * MESSAGES messages each queued, then exit. Used to show that module
 * unload frees what is left.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msgpass.h"

int main(int argc, char **argv)
{
	struct { long mtype; char mtext[100]; } m = { .mtype = 1 };
	int boxes = argc > 1 ? atoi(argv[1]) : 4;
	int msgs = argc > 2 ? atoi(argv[2]) : 10;
	struct mp_counters_info c;

	memset(m.mtext, 'x', sizeof(m.mtext));
	for (int b = 0; b < boxes; b++) {
		int id = mp_msgget(IPC_PRIVATE, IPC_CREAT | 0600);

		if (id < 0) {
			perror("mp_msgget");
			return 1;
		}
		for (int i = 0; i < msgs; i++) {
			if (mp_msgsnd(id, &m, sizeof(m.mtext), IPC_NOWAIT)) {
				perror("mp_msgsnd");
				return 1;
			}
		}
	}
	if (mp_counters(&c))
		return 1;
	printf("# left %llu mailboxes, %llu messages, %llu bytes\n",
	       (unsigned long long)c.mailboxes, (unsigned long long)c.messages,
	       (unsigned long long)c.bytes);
	return c.messages >= (unsigned long long)boxes * msgs ? 0 : 1;
}

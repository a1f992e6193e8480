#!/bin/sh
# SPDX-License-Identifier: MIT
#
# examples/demo.sh - a narrated tour of msgpass, scene by scene.
#
# Runs inside the test VM (busybox sh; POSIX sh only), with the msgpass
# module loaded and the example programs in /examples, or in the
# directory given as $1:
#
#	tools/vmrun --module kmod/msgpass.ko \
#		--files build/examples:/examples \
#		--files examples/demo.sh:/examples/demo.sh \
#		--cmd 'sh /examples/demo.sh /examples'
#
# Every example checks what it shows and exits non-zero when anything
# unexpected happens; so does this script when any scene failed. The last
# line is "demo: N scenes, N ok".

dir=${1:-/examples}
params=/sys/module/msgpass/parameters
scenes=0
passed=0
failed_names=

say() {
	printf '%s\n' "$*"
}

# scene NAME TITLE: run example NAME, the explanation coming on stdin.
scene() {
	scenes=$((scenes + 1))
	say ""
	say "== Scene $scenes: $2"
	while IFS= read -r line; do
		say "   $line"
	done
	say ""
	if [ ! -x "$dir/$1" ]; then
		say "-- scene $scenes ($1): FAILED: $dir/$1 is missing"
		failed_names="$failed_names $1"
		return
	fi
	"$dir/$1"
	rc=$?
	if [ "$rc" -eq 0 ]; then
		passed=$((passed + 1))
		say "-- scene $scenes ($1): ok"
	else
		say "-- scene $scenes ($1): FAILED (exit status $rc)"
		failed_names="$failed_names $1"
	fi
}

say "msgpass: message passing between processes, through mailboxes in the kernel"
say ""
if [ ! -c /dev/msgpass ]; then
	say "demo: /dev/msgpass is missing: is the msgpass module loaded?"
	say "demo: 0 scenes, 0 ok"
	exit 1
fi
say "The module is loaded: /dev/msgpass is there. Its limits, set when"
say "it is loaded (modprobe msgpass msgmax=...), are in $params:"
for p in "$params"/*; do
	[ -r "$p" ] || continue
	printf '   %-18s %s\n' "${p##*/}" "$(cat "$p")"
done
say "(max_msg_size: the largest message any mailbox may take; msgmax, msgmnb:"
say " the largest message and the byte capacity of a new mailbox, as System V;"
say " msgmni: the most mailboxes; user_quota_bytes: the most message bytes one"
say " user may have queued, in all mailboxes together; max_links: the most links"
say " into one process; names_per_user: the most names one user may register)"

scene shared_mailboxes "processes A, B and C share mailbox Q; A and C also share P" <<'EOF'
Indirect communication: processes do not name each other, they send to
and receive from mailboxes. Two processes can talk only if they share a
mailbox, and a mailbox may be shared by many. Sharing is a right: the
mailbox's mode bits say who may send (write) and receive (read).
EOF

scene client_server_port "many clients, one server: the mailbox as a port" <<'EOF'
Many-to-one: the server owns a named port that anyone may send to and
only the server may receive from. Each client puts its pid in its
requests; the kernel stamps the real sender pid on every message, so the
server can check it. Replies go to one shared mailbox, with the client's
pid as the message type: each client receives only its own.
EOF

scene broadcast "one publisher, three subscribers: every message to every subscriber" <<'EOF'
One-to-many: a broadcast mailbox delivers each message to every
subscriber exactly once, in order. With a bounded capacity the publisher
waits for the slowest subscriber instead of losing messages; a
synchronous send returns when all of them have the message.
EOF

scene rendezvous "a zero-capacity mailbox: sender and receiver meet" <<'EOF'
No buffering: a zero-capacity mailbox never holds a message, so a send
waits for a receiver, and a receive for a sender. Watch the times: the
side that comes first waits for the other. A synchronous send
(MP_SEND_SYNC) gives the same meeting on a mailbox with room.
EOF

scene ownership "a process-owned mailbox: passed on, and gone with its last owner" <<'EOF'
A mailbox may belong to a process: the owner receives, users send. The
ownership can be passed to another process; the mailbox disappears when
its owner exits, waking anyone blocked on it with EIDRM. Its ID is then
invalid (EINVAL), and its name free.
EOF

if [ -x "$dir/priorities" ]; then
	scene priorities "the message header: priorities, peeking, types and timeouts" <<'EOF'
Every message carries a header stamped by the kernel: type, length,
sender pid and uid, the mailbox, a gap-free sequence number, priority
and send time. One receive call can combine priority order, a lowest
priority, a non-destructive peek, a type selection and a timeout.
EOF
fi

scene direct_link "Send(P) and Receive(Q): two processes name each other" <<'EOF'
Direct communication: a process sends to another by its pid, and
receives from a process by its pid. Every process that uses msgpass is
an endpoint with an inbox; the first send from P to Q makes the one-way
link P->Q, which numbers its messages 1, 2, 3, ... on its own. Messages
outlive their sender; a process that has gone cannot be sent to (ESRCH).
EOF

scene receive_any "three senders, one receiver: Receive(P) and Receive(ANY)" <<'EOF'
Receive(P) takes only what came over the link from P; Receive(ANY)
takes the next message from any link: highest priority first, then in
order of arrival. The inbox can be waited for with poll() on the
process's msgpass descriptor, next to any other descriptor.
EOF

scene name_service "a server registers the name 'logger'; clients find it by name" <<'EOF'
Processes find each other by name: a name is unique, belongs to the
process that registered it, and is released when that process ends.
Clients resolve it to a pid and send to that pid directly.
EOF

scene call_reply "call and reply: a QNX-style server loop" <<'EOF'
mp_call() sends a request and waits for its answer in one system call;
the server answers and waits for the next request in one system call
too (mp_reply_receive()). Many clients call at once; each answer goes to
exactly its caller. A mailbox can be the server's port, and a caller
whose server ends without answering is told so (ECONNRESET).
EOF

scene peer_death "being told when a process or a mailbox goes away" <<'EOF'
A process can ask the kernel for a message when another process ends or
a mailbox is removed: exactly one note, with what went, why, and a
cookie, into its own inbox or into a mailbox. Even a process killed with
SIGKILL is reported.
EOF

scene big_file "32 MiB from one process to another, by reference" <<'EOF'
Large data goes in a file, and the message refers to the file: a message
can carry open file descriptors. The data is put in a sealed memfd that
nobody can change any more; the message carries 8 bytes and the file,
whatever the size, and the receiver maps the very same file. Checksums
computed on both sides agree.
EOF

scene batches "1000 messages in batches of 100" <<'EOF'
Many messages in one system call: each is sent or received whole, with
the same rules as a single one, and a batch stops at the first message
that cannot go, saying how many went and why the next did not.
EOF

scene inspect "what msgpassctl shows while processes use msgpass" <<'EOF'
msgpassctl is to msgpass what ipcs and ipcrm are to System V: it lists
the mailboxes you may read (with their owners, queues, capacities and
who sleeps on them), the direct links, the processes that have the
device open with their names, and the module's limits and usage. It
talks to the module over generic netlink.
EOF

say ""
if [ -n "$failed_names" ]; then
	say "demo: failed:$failed_names"
fi
say "demo: $scenes scenes, $passed ok"
[ "$passed" -eq "$scenes" ]

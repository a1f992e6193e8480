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
say " user may have queued, in all mailboxes together)"

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

say ""
if [ -n "$failed_names" ]; then
	say "demo: failed:$failed_names"
fi
say "demo: $scenes scenes, $passed ok"
[ "$passed" -eq "$scenes" ]

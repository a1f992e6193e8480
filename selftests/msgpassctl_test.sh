#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# shellcheck disable=SC2015 # "A && B || { diag; return 1; }" is meant
#
# msgpassctl against a live module: what it lists matches the state made
# by mpctl_helper (queued messages, blocked senders and receivers, links,
# names, owners), watch sees every kind of event, rm wakes blocked callers
# with EIDRM, an unprivileged user sees and removes only what it may,
# malformed netlink requests fail cleanly, and an unloaded module is
# reported as such (exit 2). Runs in the test VM (busybox sh), where the
# tools are /tests/msgpassctl and /tests/mpctl_helper and the module is
# /modules/msgpass.ko, loaded when this starts and loaded again (with the
# same parameters) when it ends. Every wait is a bounded poll, never a
# fixed sleep.
CTL=${MSGPASSCTL:-/tests/msgpassctl}
HELPER=${MPCTL_HELPER:-/tests/mpctl_helper}
MOD=${MSGPASS_KO:-/modules/msgpass.ko}
NOBODY=65534
P=ctl$$			# prefix of every name made here
T=$(mktemp -d /tmp/msgpassctl_test.XXXXXX) || exit 1
PIDS=""			# background processes to end
n=0 fail=0

# The parameters the module was loaded with, to load it again with them.
PARAMS=""
for f in /sys/module/msgpass/parameters/*; do
	[ -r "$f" ] && PARAMS="$PARAMS ${f##*/}=$(cat "$f")"
done
reload() {
	# shellcheck disable=SC2086 # name=value words
	insmod "$MOD" $PARAMS
}
# A new mailbox's default byte bound.
MSGMNB=$(cat /sys/module/msgpass/parameters/msgmnb 2>/dev/null || echo 16384)

echo "TAP version 13"
if [ ! -x "$CTL" ] || [ ! -x "$HELPER" ]; then
	echo "1..0 # SKIP $CTL or $HELPER missing"
	exit 4
fi

ok() { n=$((n + 1)); echo "ok $n $1"; }
not_ok() { n=$((n + 1)); fail=$((fail + 1)); echo "not ok $n $1"; }
diag() { printf '%s\n' "$@" | sed 's/^/# /'; }

# check NAME CMD [ARGS]: one test, passed when CMD succeeds.
check() {
	_name=$1
	shift
	if "$@"; then ok "msgpassctl.$_name"; else not_ok "msgpassctl.$_name"; fi
}

# poll TRIES CMD [ARGS]: retry CMD every 0.1 s until it succeeds.
poll() {
	_tries=$1
	shift
	until "$@"; do
		_tries=$((_tries - 1))
		[ "$_tries" -gt 0 ] || return 1
		sleep 0.1
	done
}

track() { PIDS="$PIDS $1"; }

stop() { # stop PID...: end background helpers and reap them
	for _p in "$@"; do
		kill "$_p" 2>/dev/null
		wait "$_p" 2>/dev/null
	done
}

cleanup() {
	# shellcheck disable=SC2086 # a list of pids
	stop $PIDS
	grep -q '^msgpass ' /proc/modules || reload
	rm -rf "$T"
}
trap cleanup EXIT

# The JSON line of mailbox NAME in `msgpassctl list --json`.
mbox() { "$CTL" list --json | grep "\"name\":\"$1\""; }
listed() { mbox "$1" >/dev/null; }
# The same, as user nobody.
listed_by_nobody() {
	"$HELPER" asuser $NOBODY "$CTL" list --json | grep -q "\"name\":\"$1\""
}
# Fields of one JSON object on stdin.
jnum() { sed -n "s/.*\"$1\":\(-\{0,1\}[0-9][0-9]*\).*/\1/p"; }
jraw() { sed -n "s/.*\"$1\":\([^,}]*\).*/\1/p"; }
field() { mbox "$1" | jraw "$2"; }
field_is() { [ "$(field "$1" "$2")" = "$3" ]; }
# has FILE PATTERN: FILE has a line matching the extended regex.
has() { grep -Eq "$2" "$1"; }
# gone PID: the process has ended (reaped or a zombie).
gone() {
	case $(cat "/proc/$1/stat" 2>/dev/null) in
	'' | *") Z "*) return 0 ;;
	esac
	return 1
}
# status PID: set $rc to its exit status (in this shell: wait works only
# in the parent, never in a $(...) subshell).
status() { wait "$1"; rc=$?; }

# --- the malformed requests first: their count sets the plan --------------

"$HELPER" nlbad >"$T/nlbad" 2>&1
NLBAD=$(grep -c '^PASS \|^FAIL ' "$T/nlbad")
"$HELPER" nlcred $NOBODY >"$T/nlcred" 2>&1
NLCRED=$(grep -c '^PASS \|^FAIL ' "$T/nlcred")
echo "1..$((49 + NLBAD + NLCRED))"

# --- command line ---------------------------------------------------------

t_help() {
	"$CTL" --version | grep -q '^msgpassctl ' &&
		"$CTL" --help | grep -q '^Usage: msgpassctl' &&
		"$CTL" -h >/dev/null
}
check help_and_version t_help

t_usage() {
	for args in "bogus" "show" "show 1 2" "list --pid 1" "rm" "watch --count x" \
		"--no-such-option" "endpoints x" "rm 99999999999"; do
		# shellcheck disable=SC2086 # word-split on purpose
		"$CTL" $args >/dev/null 2>"$T/err"
		rc=$?
		if [ $rc -ne 1 ] || [ ! -s "$T/err" ]; then
			diag "msgpassctl $args: exit $rc, want 1" "$(cat "$T/err")"
			return 1
		fi
	done
}
check usage_errors_exit_1 t_usage

t_json_array() {
	"$CTL" list --json >"$T/out" || return 1
	head -n 1 "$T/out" | grep -Eq '^\[(\]|$)' && tail -n 1 "$T/out" | grep -q '\]$'
}
check list_json_is_an_array t_json_array

# --- a watcher, started first so that it sees everything -----------------

"$CTL" watch --json >"$T/watch" 2>"$T/watch.err" &
WATCH=$!
track $WATCH
# synced NAME FILE: register NAME (which makes events) until FILE, a
# watcher's output, shows it.
synced() {
	"$HELPER" name "$1" >/dev/null 2>&1
	grep -q "$1" "$2"
}
check watch_subscribes poll 100 synced "$P-sync" "$T/watch"

# --- mailboxes with queued messages and blocked callers --------------------

FULL=$("$HELPER" create "$P-full" -m 644 -c 2 -R) &&
	"$HELPER" send "$P-full" 2 100 || diag "cannot make $P-full"
"$HELPER" blocksend "$P-full" 100 >"$T/bs" 2>&1 &
BS=$!
track $BS
EMPTY=$("$HELPER" create "$P-empty" -m 600 -R) || diag "cannot make $P-empty"
"$HELPER" blockrecv "$P-empty" >"$T/br" 2>&1 &
BR=$!
track $BR
poll 300 field_is "$P-full" waiting_senders 1
poll 300 field_is "$P-empty" waiting_receivers 1

t_full() {
	line=$(mbox "$P-full") || { diag "$P-full not listed"; return 1; }
	for kv in id=$FULL qnum=2 qbytes=200 capacity=2 waiting_senders=1 \
		waiting_receivers=0 sent=2 received=0 uid=0 cuid=0 'mode="0644"' \
		'kind="queue"' 'lifetime="system"' max_bytes=$MSGMNB; do
		v=$(echo "$line" | jraw "${kv%%=*}")
		if [ "$v" != "${kv#*=}" ]; then
			diag "${kv%%=*} is '$v', want '${kv#*=}'" "$line"
			return 1
		fi
	done
}
check list_json_queued_and_blocked_sender t_full

t_empty() {
	line=$(mbox "$P-empty") || { diag "$P-empty not listed"; return 1; }
	for kv in id=$EMPTY qnum=0 qbytes=0 capacity=null waiting_senders=0 \
		waiting_receivers=1 'mode="0600"'; do
		v=$(echo "$line" | jraw "${kv%%=*}")
		if [ "$v" != "${kv#*=}" ]; then
			diag "${kv%%=*} is '$v', want '${kv#*=}'" "$line"
			return 1
		fi
	done
}
check list_json_blocked_receiver t_empty

t_table() {
	"$CTL" list >"$T/out" || return 1
	head -n 1 "$T/out" | grep -Eq '^ *ID +KEY +NAME +KIND' &&
		grep -Eq "^ *$FULL +0x00000000 +$P-full +queue +system +(-|[0-9]+) +0 +0644 +2 +2 +200B +[0-9.]+[KM]iB +1 +0 +0$" "$T/out" &&
		"$CTL" list --bytes | grep -Eq "^ *$FULL .* 0644 +2 +2 +200 +$MSGMNB +1 +0 +0$" ||
		{ diag "$(cat "$T/out")"; return 1; }
}
check list_table t_table

t_show() {
	"$CTL" show "$P-full" --json >"$T/a" && "$CTL" show "$FULL" --json >"$T/b" &&
		cmp -s "$T/a" "$T/b" && [ "$(jnum id <"$T/a")" = "$FULL" ] &&
		[ "$(jnum waiting_senders <"$T/a")" = 1 ] ||
		{ diag "$(cat "$T/a" "$T/b")"; return 1; }
	"$CTL" show "$FULL" >"$T/out" &&
		grep -q "^name: *$P-full$" "$T/out" &&
		grep -q '^waiting senders: *1$' "$T/out" &&
		grep -q '^queued: *2 messages, 200B$' "$T/out" &&
		grep -q '^capacity: *2 messages$' "$T/out" ||
		{ diag "$(cat "$T/out")"; return 1; }
}
check show_by_name_and_id t_show

t_show_missing() {
	"$CTL" show "$P-nosuch" >"$T/out" 2>"$T/err"
	rc=$?
	[ $rc -eq 4 ] && grep -q 'no such mailbox' "$T/err" && [ ! -s "$T/out" ] ||
		{ diag "exit $rc" "$(cat "$T/err")"; return 1; }
	"$CTL" show 2147483647 2>/dev/null
	[ $? -eq 4 ]
}
check show_missing_exit_4 t_show_missing

t_limits() {
	"$CTL" limits --json >"$T/out" || return 1
	grep -q '"limits":{"max_msg_size":[0-9]*,"msgmax":[0-9]*,"msgmnb":[0-9]*' "$T/out" &&
		[ "$(sed -n 's/.*"mailboxes":\([0-9]*\).*/\1/p' "$T/out")" -ge 2 ] &&
		grep -Eq '"users":\[.*\{"uid":0,"bytes":[1-9]' "$T/out" &&
		"$CTL" limits | grep -q '^Limits$' ||
		{ diag "$(cat "$T/out")"; return 1; }
}
check limits t_limits

# A name nobody could print safely: escapes in the table, \u001b in JSON.
ESC=$(printf '\033')
"$HELPER" create "$P-esc${ESC}[31m" -m 600 >/dev/null
t_escape() {
	"$CTL" list >"$T/out" && "$CTL" list --json >"$T/json" &&
		! grep -q "$ESC" "$T/out" && grep -q "$P-esc\\\\x1b\[31m" "$T/out" &&
		! grep -q "$ESC" "$T/json" && grep -q "\"$P-esc\\\\u001b\[31m\"" "$T/json" &&
		"$CTL" rm "$P-esc${ESC}[31m"
}
check names_escaped t_escape

# --- links, endpoints, names, owners --------------------------------------

"$HELPER" hold >"$T/hold" 2>&1 &
HOLD=$!
track $HOLD
poll 300 grep -q holding "$T/hold"
"$HELPER" link $HOLD 3 >"$T/link" 2>&1 &
LINK=$!
track $LINK
poll 300 grep -q linked "$T/link"

t_links() {
	"$CTL" links --json >"$T/out" || return 1
	line=$(grep "\"from\":$LINK,\"to\":$HOLD," "$T/out") &&
		[ "$(echo "$line" | jnum qnum)" = 3 ] &&
		[ "$(echo "$line" | jnum qbytes)" = 300 ] &&
		[ "$(echo "$line" | jnum sent)" = 3 ] &&
		echo "$line" | grep -q '"sender_gone":false' ||
		{ diag "$(cat "$T/out")"; return 1; }
}
check links_json t_links

t_links_pid() {
	"$CTL" links --pid $HOLD --json >"$T/out" || return 1
	[ "$(grep -c '"from"' "$T/out")" = 1 ] && grep -q "\"from\":$LINK,\"to\":$HOLD," "$T/out" &&
		"$CTL" links --pid $BS --json | grep -q '^\[\]$' ||
		{ diag "$(cat "$T/out")"; return 1; }
}
check links_pid_filter t_links_pid

t_endpoints() {
	"$CTL" endpoints --json >"$T/out" || return 1
	h=$(grep "\"pid\":$HOLD," "$T/out") && l=$(grep "\"pid\":$LINK," "$T/out") &&
		[ "$(echo "$h" | jnum links_in)" = 1 ] && [ "$(echo "$h" | jnum qnum)" = 3 ] &&
		[ "$(echo "$l" | jnum links_out)" = 1 ] ||
		{ diag "$(cat "$T/out")"; return 1; }
}
check endpoints_json t_endpoints

"$HELPER" name "$P-nm" -H >"$T/nm" 2>&1 &
NM=$!
track $NM
poll 300 grep -q registered "$T/nm"
t_endpoint_names() {
	"$CTL" endpoints $NM --json >"$T/out" &&
		grep -q "\"pid\":$NM,.*\"names\":\[\"$P-nm\"\]" "$T/out" &&
		"$CTL" endpoints --pid $NM | grep -Eq "^ *$NM +0 +0 +0 +0 +$P-nm$" ||
		{ diag "$(cat "$T/out")"; return 1; }
	"$CTL" endpoints 2147483647 2>/dev/null
	[ $? -eq 4 ]
}
check endpoint_names t_endpoint_names

t_setowner() {
	"$HELPER" setowner "$P-full" $HOLD &&
		[ "$(field "$P-full" owner_pid)" = "$HOLD" ] &&
		"$CTL" endpoints $HOLD --json | grep -q '"mailboxes_owned":1,'
}
check owner_change_listed t_setowner

t_tables() {
	"$CTL" links | head -n 1 | grep -Eq '^ *FROM +TO +MSGS' &&
		"$CTL" links | grep -Eq "^ *$LINK +$HOLD +3 +unlimited +300B" &&
		"$CTL" endpoints | head -n 1 | grep -Eq '^ *PID +MAILBOXES +LINKS-IN'
}
check links_and_endpoints_tables t_tables

# A lossy broadcast mailbox of capacity 1, a subscriber that never reads,
# three messages: two overruns.
BC=$("$HELPER" create "$P-bc" -b -L -c 1 -R -m 644)
"$HELPER" subscribe "$P-bc" >"$T/sub" 2>&1 &
SUB=$!
track $SUB
poll 300 grep -q subscribed "$T/sub"
"$HELPER" send "$P-bc" 3 10
t_overrun() {
	line=$(mbox "$P-bc") && [ "$(echo "$line" | jnum overruns)" = 2 ] &&
		[ "$(echo "$line" | jnum subscribers)" = 1 ] &&
		echo "$line" | grep -q '"kind":"broadcast"' &&
		echo "$line" | grep -q '"lossy":true,"mode_receive":true' &&
		"$CTL" show "$P-bc" | grep -q 'drops the oldest (lossy)' ||
		{ diag "$line"; return 1; }
}
check broadcast_overruns t_overrun

# A process-lifetime mailbox, removed when its owner ends.
"$HELPER" create "$P-proc" -p -R -H >"$T/proc" 2>&1 &
PROC=$!
track $PROC
poll 300 grep -q '^[0-9]' "$T/proc"
PROCID=$(cat "$T/proc")
check process_lifetime_listed field_is "$P-proc" lifetime '"process"'

# --- rm -------------------------------------------------------------------

t_rm_sender() {
	"$CTL" rm "$P-full" || return 1
	poll 300 grep -q . "$T/bs" && grep -qx 'blocksend: EIDRM' "$T/bs" ||
		{ diag "blocked sender says: $(cat "$T/bs")"; return 1; }
}
check rm_wakes_blocked_sender_with_eidrm t_rm_sender

t_rm_receiver() {
	"$CTL" rm "$EMPTY" || return 1
	poll 300 grep -q . "$T/br" && grep -qx 'blockrecv: EIDRM' "$T/br" ||
		{ diag "blocked receiver says: $(cat "$T/br")"; return 1; }
}
check rm_by_id_wakes_blocked_receiver_with_eidrm t_rm_receiver

t_rm_gone() {
	! listed "$P-full" && ! listed "$P-empty" || return 1
	"$CTL" rm "$P-full" 2>"$T/err"
	rc=$?
	[ $rc -eq 4 ] && grep -q 'no such mailbox' "$T/err" ||
		{ diag "exit $rc: $(cat "$T/err")"; return 1; }
}
check rm_removed_mailbox_exit_4 t_rm_gone

stop $NM $PROC $HOLD $LINK

# --- what the watcher saw -------------------------------------------------

W=$T/watch
ev() { poll 300 has "$W" "$1" || { diag "no event matching: $1"; return 1; }; }
check watch_mbox_created ev "^\{\"event\":\"mbox-created\",\"mbox_id\":$FULL,\"name\":\"$P-full\",\"pid\":[0-9]+\}$"
check watch_mbox_removed ev "^\{\"event\":\"mbox-removed\",\"mbox_id\":$FULL,\"reason\":\"removed\"\}$"
check watch_mbox_owner ev "^\{\"event\":\"mbox-owner\",\"mbox_id\":$FULL,\"pid\":$HOLD\}$"
check watch_endpoint_gone ev "^\{\"event\":\"endpoint-gone\",\"pid\":$HOLD\}$"
check watch_name_registered ev "^\{\"event\":\"name-registered\",\"name\":\"$P-nm\",\"pid\":$NM\}$"
check watch_name_released ev "^\{\"event\":\"name-released\",\"name\":\"$P-nm\",\"pid\":$NM\}$"
check watch_overrun ev "^\{\"event\":\"overrun\",\"mbox_id\":$BC,\"overruns\":[12]\}$"
check watch_owner_exit ev "^\{\"event\":\"mbox-removed\",\"mbox_id\":$PROCID,\"reason\":\"owner-exit\"\}$"
t_lines() {
	[ -s "$W" ] &&
		! grep -Ev '^\{"event":"[a-z-]+"(,"[a-z_]+":("[^"]*"|[0-9]+))*\}$' "$W" | grep -q . ||
		{ diag "$(grep -Ev '^\{"event"' "$W")"; return 1; }
}
check watch_one_json_object_per_line t_lines

# watch --count N: exits 0 after N events; probes make events until then.
probe_until_gone() { # PID NAME
	"$HELPER" name "$2" >/dev/null 2>&1
	gone "$1"
}
t_count() {
	"$CTL" watch --count 2 --json >"$T/w2" 2>&1 &
	w=$!
	poll 100 probe_until_gone $w "$P-c2" || { stop $w; diag "still running"; return 1; }
	status "$w"
	[ "$rc" = 0 ] && [ "$(wc -l <"$T/w2")" -eq 2 ] ||
		{ diag "exit $rc" "$(cat "$T/w2")"; return 1; }
}
check watch_count t_count

t_human_watch() {
	"$CTL" watch --count 1 >"$T/w3" 2>&1 &
	w=$!
	poll 100 probe_until_gone $w "$P-c3" || { stop $w; return 1; }
	status $w
	[ "$rc" = 0 ] &&
		grep -Eq '^(name-registered|name-released|endpoint-gone)( [a-z_]+=[^ ]+)+$' "$T/w3" ||
		{ diag "$(cat "$T/w3")"; return 1; }
}
check watch_human_lines t_human_watch

# --- an unprivileged user -------------------------------------------------

"$HELPER" create "$P-priv" -m 600 >/dev/null
"$HELPER" create "$P-pub" -m 644 >/dev/null
"$HELPER" asuser $NOBODY "$HELPER" create "$P-nob" -m 600 >/dev/null ||
	diag "nobody cannot make a mailbox"

check unprivileged_lists_readable listed_by_nobody "$P-pub"
check unprivileged_lists_own listed_by_nobody "$P-nob"
t_hidden() { ! listed_by_nobody "$P-priv"; }
check unprivileged_does_not_list_unreadable t_hidden

t_as_nobody() { # WANT_EXIT CMD...: run msgpassctl as nobody
	want=$1
	shift
	"$HELPER" asuser $NOBODY "$CTL" "$@" >"$T/out" 2>"$T/err"
	rc=$?
	[ $rc -eq "$want" ] || { diag "msgpassctl $*: exit $rc, want $want" "$(cat "$T/err")"; return 1; }
}
check unprivileged_show_unreadable_exit_4 t_as_nobody 4 show "$P-priv"
t_rm_perm() {
	t_as_nobody 3 rm "$P-pub" && grep -q 'permission denied' "$T/err" &&
		listed "$P-pub"
}
check unprivileged_rm_others_exit_3 t_rm_perm
check unprivileged_rm_unreadable_exit_4 t_as_nobody 4 rm "$P-priv"
check unprivileged_limits t_as_nobody 0 limits
# The events tell of everything: not for nobody.
t_watch_perm() { t_as_nobody 3 watch --count 1 && grep -qi 'not permitted' "$T/err"; }
check unprivileged_watch_exit_3 t_watch_perm
# Another user's processes, and their usage, are not shown to nobody
# (root sees them: the same listings as root are the control).
"$HELPER" hold >"$T/hold2" 2>&1 &
HOLD2=$!
track $HOLD2
poll 300 grep -q holding "$T/hold2"
"$HELPER" create "$P-use" -m 600 >/dev/null
"$HELPER" send "$P-use" 1 8 >/dev/null
t_hidden_endpoint() {
	"$CTL" endpoints --json | grep -q "\"pid\":$HOLD2," || { diag "root does not see $HOLD2"; return 1; }
	t_as_nobody 0 endpoints --json || return 1
	! grep -q "\"pid\":$HOLD2," "$T/out" || { diag "nobody sees root's endpoint" "$(cat "$T/out")"; return 1; }
}
check unprivileged_endpoints_hide_other_users t_hidden_endpoint
t_hidden_endpoint_get() { "$CTL" endpoints $HOLD2 >/dev/null && t_as_nobody 4 endpoints $HOLD2; }
check unprivileged_endpoint_get_other_user_exit_4 t_hidden_endpoint_get
t_hidden_usage() {
	"$CTL" limits --json | grep -q '"uid":0,' || { diag "root does not see its usage"; return 1; }
	t_as_nobody 0 limits --json || return 1
	! grep -q '"uid":0,' "$T/out" || { diag "nobody sees root's usage" "$(cat "$T/out")"; return 1; }
}
check unprivileged_limits_hide_other_users t_hidden_usage
"$CTL" rm "$P-use" >/dev/null
stop $HOLD2
check root_lists_everything field_is "$P-nob" uid $NOBODY
t_rm_own() {
	"$HELPER" asuser $NOBODY "$CTL" rm "$P-nob" && ! listed "$P-nob"
}
check unprivileged_rm_own t_rm_own
t_rm_many() {
	"$CTL" rm "$P-priv" "$P-pub" "$P-bc" && ! listed "$P-priv" &&
		! listed "$P-pub" && ! listed "$P-bc"
}
check rm_several t_rm_many

# --- malformed requests (made first, above) --------------------------------

grep '^PASS \|^FAIL ' "$T/nlbad" >"$T/nlbad.res"
while read -r verdict rest; do
	diag "$rest"
	if [ "$verdict" = PASS ]; then
		ok "msgpassctl.malformed.${rest%%:*}"
	else
		not_ok "msgpassctl.malformed.${rest%%:*}"
	fi
done <"$T/nlbad.res"
# Requests judged as the socket's opener; dumps continued only as their asker.
grep '^PASS \|^FAIL ' "$T/nlcred" >"$T/nlcred.res"
while read -r verdict rest; do
	diag "$rest"
	if [ "$verdict" = PASS ]; then
		ok "msgpassctl.credentials.${rest%%:*}"
	else
		not_ok "msgpassctl.credentials.${rest%%:*}"
	fi
done <"$T/nlcred.res"
t_still_fine() { "$CTL" limits --json >/dev/null && "$CTL" list >/dev/null; }
check module_fine_after_malformed_requests t_still_fine

# --- the module unloaded ----------------------------------------------------

stop $SUB $BS $BR
"$CTL" watch >"$T/w4" 2>"$T/w4.err" &
W4=$!
track $W4
poll 100 synced "$P-sync4" "$T/w4"

t_rmmod() {
	poll 100 rmmod msgpass 2>"$T/err" || { diag "rmmod: $(cat "$T/err")"; return 1; }
}
check module_unloaded t_rmmod

t_notloaded() {
	"$CTL" list >"$T/out" 2>"$T/err"
	rc=$?
	[ $rc -eq 2 ] && [ ! -s "$T/out" ] && grep -q 'not loaded' "$T/err" &&
		grep -q 'modprobe msgpass' "$T/err" && grep -q 'insmod' "$T/err" ||
		{ diag "exit $rc" "$(cat "$T/err")"; return 1; }
	for args in "show 1 --json" "rm x" "links" "endpoints" "limits" "watch"; do
		# shellcheck disable=SC2086 # word-split on purpose
		"$CTL" $args >/dev/null 2>&1
		rc=$?
		[ $rc -eq 2 ] || { diag "msgpassctl $args: exit $rc"; return 1; }
	done
}
check not_loaded_exit_2 t_notloaded

t_watch_unload() {
	for w in $WATCH $W4; do
		poll 300 gone "$w" || {
			diag "watch $w still running: $(cat "/proc/$w/wchan")" \
				"$(cat "/proc/$w/stack" 2>/dev/null)" "$(cat "$T/watch.err")" \
				"$(tail -n 3 "$T/watch")"
			return 1
		}
		status "$w"
		[ "$rc" = 2 ] || { diag "watch exit $rc" "$(cat "$T/w4.err")"; return 1; }
	done
	grep -q 'module was unloaded' "$T/w4.err"
}
check watch_exits_when_module_unloaded t_watch_unload

t_reload() {
	reload && [ "$(cat /sys/module/msgpass/parameters/msgmnb)" = "$MSGMNB" ]
}
check module_reloaded_with_its_parameters t_reload
t_reloaded() { "$CTL" list --json >"$T/out" && grep -q '^\[\]$' "$T/out"; }
check works_after_reload t_reloaded

echo "# Totals: pass:$((n - fail)) fail:$fail xfail:0 xpass:0 skip:0 error:0"
[ $fail -eq 0 ]

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Load and unload msgpass many times, with mailboxes and queued messages
# left behind each time: every unload must succeed and free everything
# (a leaked cache object makes kmem_cache_destroy() complain in the
# kernel log, which fails the run). Runs inside the test VM, where the
# module is /modules/msgpass.ko and is loaded when this starts.
MOD=${MSGPASS_KO:-/modules/msgpass.ko}
ROUNDS=${ROUNDS:-25}
n=0 fail=0

ok() { n=$((n + 1)); echo "ok $n $1"; }
not_ok() { n=$((n + 1)); fail=$((fail + 1)); echo "not ok $n $1"; }

echo "TAP version 13"
echo "1..4"

i=0 bad=0
while [ $i -lt "$ROUNDS" ]; do
	rmmod msgpass || { bad=1; break; }
	[ ! -e /dev/msgpass ] || { bad=1; break; }
	insmod "$MOD" || { bad=1; break; }
	[ -c /dev/msgpass ] || { bad=1; break; }
	i=$((i + 1))
done
[ $bad -eq 0 ] && ok "module_reload.unload_and_load_${ROUNDS}_times" ||
	not_ok "module_reload.unload_and_load_${ROUNDS}_times (round $i)"

# Module parameters are readable and a new value reaches the module.
if [ "$(cat /sys/module/msgpass/parameters/max_msg_size)" = 4194304 ]; then
	ok "module_reload.parameters_readable"
else
	not_ok "module_reload.parameters_readable"
fi
rmmod msgpass && insmod "$MOD" msgmnb=32768 msgmax=1000 &&
	[ "$(cat /sys/module/msgpass/parameters/msgmnb)" = 32768 ] &&
	[ "$(cat /sys/module/msgpass/parameters/msgmax)" = 1000 ] &&
	ok "module_reload.parameters_set_at_load" ||
	not_ok "module_reload.parameters_set_at_load"

# Unload with system-owned mailboxes still holding messages.
rmmod msgpass && insmod "$MOD" || bad=1
if [ -x /tests/mp_fill ] && /tests/mp_fill 8 20 && rmmod msgpass &&
	insmod "$MOD"; then
	ok "module_reload.unload_with_queued_messages"
else
	not_ok "module_reload.unload_with_queued_messages"
fi

echo "# Totals: pass:$((n - fail)) fail:$fail xfail:0 xpass:0 skip:0 error:0"
[ $fail -eq 0 ]

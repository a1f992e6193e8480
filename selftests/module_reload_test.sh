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
echo "1..6"

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

# The example /etc/modprobe.d/msgpass.conf (etc/ in the tree; the VM gets
# it there): modprobe applies its options at every load.
CONF=/etc/modprobe.d/msgpass.conf
want=$(sed -n 's/^options msgpass.* msgmnb=\([0-9]*\).*/\1/p' "$CONF" 2>/dev/null)
if [ -z "$want" ]; then
	not_ok "module_reload.modprobe_d_options_apply (no msgmnb option in $CONF)"
else
	dir=/lib/modules/$(uname -r)/extra
	mkdir -p "$dir" && cp "$MOD" "$dir/" && depmod &&
		rmmod msgpass && modprobe msgpass &&
		[ "$(cat /sys/module/msgpass/parameters/msgmnb)" = "$want" ] &&
		ok "module_reload.modprobe_d_options_apply" ||
		not_ok "module_reload.modprobe_d_options_apply"
	rmmod msgpass; insmod "$MOD" || bad=1
fi

# Unload with system-owned mailboxes still holding messages.
rmmod msgpass && insmod "$MOD" || bad=1
if [ -x /tests/mp_fill ] && /tests/mp_fill 8 20 && rmmod msgpass &&
	insmod "$MOD"; then
	ok "module_reload.unload_with_queued_messages"
else
	not_ok "module_reload.unload_with_queued_messages"
fi

# Unload attempts raced against processes that open the device, queue
# messages (in this IPC namespace and in new ones), list over netlink and
# exit. Each attempt either fails (in use) or unloads everything: any
# leak or use-after-free shows in the kernel log, which fails the run.
CTL=${MSGPASSCTL:-/tests/msgpassctl}
STOP=/tmp/module_reload_test.stop.$$
rm -f "$STOP"
users() {
	while [ ! -e "$STOP" ]; do
		/tests/mp_fill 2 5 >/dev/null 2>&1
		unshare -i /tests/mp_fill 1 3 >/dev/null 2>&1
		[ -x "$CTL" ] && "$CTL" list >/dev/null 2>&1
		[ -x "$CTL" ] && "$CTL" endpoints >/dev/null 2>&1
	done
}
users & U1=$!
users & U2=$!
unloads=0 tries=0 bad=0
while [ $unloads -lt 20 ] && [ $tries -lt 5000 ]; do
	tries=$((tries + 1))
	if rmmod msgpass 2>/dev/null; then
		unloads=$((unloads + 1))
		insmod "$MOD" || { bad=1; break; }
	fi
done
touch "$STOP"
wait $U1 $U2
rm -f "$STOP"
if [ $bad -eq 0 ] && [ $unloads -eq 20 ] && rmmod msgpass && insmod "$MOD"; then
	ok "module_reload.unload_raced_with_users ($unloads unloads in $tries tries)"
else
	not_ok "module_reload.unload_raced_with_users ($unloads unloads in $tries tries)"
fi

echo "# Totals: pass:$((n - fail)) fail:$fail xfail:0 xpass:0 skip:0 error:0"
[ $fail -eq 0 ]

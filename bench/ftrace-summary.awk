# SPDX-License-Identifier: GPL-2.0
#
# bench/ftrace-summary.awk - count the work in a function_graph trace.
#
# Input: /sys/kernel/tracing/trace of the function_graph tracer with
# funcgraph-proc on and set_graph_function = the system calls of the
# mechanisms (bench/profile sets it up). Runs in the VM (busybox awk).
#
# Output, for every top-level system call (an ioctl is named by the
# msgpass handler it reached, e.g. ioctl:mp_ioctl_msgsnd): how often, how
# many kernel functions each called (the work on the hot path), their
# mean traced time (sleeps included); then, per call, the functions each
# called at least 0.2 times. Interrupt work that lands inside a call is
# left out. Traced times are inflated by the tracer and by TCG: compare
# counts, and times only with each other.
#
#   awk -v label=mailbox -f ftrace-summary.awk trace

function flush_top(pid,   n, k, i, parts) {
	n = top[pid]
	if (n == "")
		return
	if (sub1[pid] != "")
		n = n ":" sub1[pid]
	calls[n]++
	funcs[n] += nf[pid]
	if (dur[pid] != "")
		us[n] += dur[pid]
	k = split(list[pid], parts, " ")
	for (i = 1; i <= k; i++)
		fn[n SUBSEP parts[i]]++
	top[pid] = ""
	sub1[pid] = ""
	list[pid] = ""
}

/^#/ { next }
/^ *[0-9]+\)/ {
	line = $0
	# " 0)  comm-pid   |  duration |   func"
	p = index(line, "|")
	if (p == 0)
		next
	who = substr(line, 1, p - 1)
	sub(/^ *[0-9]+\) +/, "", who)
	sub(/ +$/, "", who)
	pid = who
	sub(/.*-/, "", pid)
	rest = substr(line, p + 1)
	q = index(rest, "|")
	if (q == 0)
		next
	d = substr(rest, 1, q - 1)
	f = substr(rest, q + 1)
	# depth from the indentation: two spaces a level
	match(f, /^ */)
	depth = int((RLENGTH - 2) / 2)
	sub(/^ +/, "", f)
	gsub(/[^0-9.]/, "", d)
	# Interrupt work that lands inside a system call is not its work.
	if (skip[pid] != "") {
		if (depth > skip[pid])
			next
		if (depth == skip[pid] && f ~ /^\}/) {
			skip[pid] = ""
			next
		}
		skip[pid] = ""
	}
	if (f ~ /^\}/) {
		if (depth == 0 && top[pid] != "") {
			dur[pid] = d + 0
			flush_top(pid)
		}
		next
	}
	if (f !~ /\(\)/)
		next
	name = f
	sub(/\(.*/, "", name)
	sub(/ .*/, "", name)
	if (name ~ /^(irq_enter_rcu|irq_exit_rcu|__irq_exit_rcu|handle_softirqs|__do_softirq|do_softirq|sysvec_.*|asm_sysvec_.*|smp_apic_timer_interrupt)$/) {
		if (f ~ /\{/)
			skip[pid] = depth
		next
	}
	if (depth == 0) {
		flush_top(pid)
		top[pid] = name
		sub(/^__x64_sys_/, "", top[pid])
		nf[pid] = 0
		dur[pid] = ""
		if (f ~ /;/) {
			dur[pid] = d + 0
			flush_top(pid)
		}
		next
	}
	if (top[pid] == "")
		next
	if (sub1[pid] == "" && name ~ /^mp_ioctl_/)
		sub1[pid] = name
	nf[pid]++
	list[pid] = list[pid] " " name
}
END {
	for (pid in top)
		flush_top(pid)
	printf "\n== %s ==\n", label
	printf "  %-32s %8s %11s %11s\n", "system call", "calls", "funcs/call", "us/call"
	for (n in calls)
		if (calls[n] >= 10)
			printf "  %-32s %8d %11.1f %11.2f\n", n, calls[n], funcs[n] / calls[n], us[n] / calls[n]
	for (n in calls) {
		if (calls[n] < 10)
			continue
		printf "\n  %s: functions called per call (>= 0.2)\n", n
		# selection sort on the count, highest first
		delete cnt
		for (key in fn) {
			split(key, kk, SUBSEP)
			if (kk[1] == n && fn[key] / calls[n] >= 0.2)
				cnt[kk[2]] = fn[key] / calls[n]
		}
		for (;;) {
			best = ""
			bc = 0
			for (x in cnt)
				if (cnt[x] > bc || (cnt[x] == bc && x < best)) {
					bc = cnt[x]
					best = x
				}
			if (best == "")
				break
			printf "    %6.2f  %s\n", bc, best
			delete cnt[best]
		}
	}
}

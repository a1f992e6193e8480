# SPDX-License-Identifier: GPL-2.0
#
# bench/plot.gp - the benchmark's plots, from the files that
# `msgpass-bench --report DIR` writes to DIR/plot/ (one per mechanism).
#
#   gnuplot -c bench/plot.gp build/bench
#
# pingpong.png: round-trip p50 against message size, per mechanism
# stream.png:   one-way streaming MB/s against message size
# (-smp 1 wall time; -smp 2 goes to pingpong-smp2.png, stream-smp2.png, the
# icount boot, in guest instructions, to pingpong-icount.png and
# stream-icount.png)
# msgpass's mechanisms are solid lines, the others dashed.

dir = ARG1
if (dir eq "") dir = "build/bench"

if (strstrt(GPVAL_TERMINALS, "pngcairo") > 0) {
	set terminal pngcairo size 1100,700 font ",11"
} else {
	set terminal png size 1100,700
}

# Every mechanism keeps its colour and dash from plot to plot.
ALL = "mailbox direct sync call batch memfd fdref pipe unix sysv posix futex binder"
idx(n) = sum [k = 1:words(ALL)] (word(ALL, k) eq n ? k : 0)
colours = "#1f4e9c #2e9ad0 #6a3d9a #b15928 #e31a1c #ff7f00 #fdbf6f #33a02c #000000 #b2182b #8c8c8c #66c2a5 #a6761d"
do for [k = 1:words(ALL)] {
	c = word(colours, k)
	if (k <= 7) {
		set linetype k lc rgb c lw 2 pt 7 ps 0.8 dashtype solid
	} else {
		set linetype k lc rgb c lw 2 pt 6 ps 0.8 dashtype 2
	}
}

set logscale xy
set grid xtics ytics mxtics mytics lc rgb "#dddddd"
set key outside right top
set xtics ("8 B" 8, "64 B" 64, "1 KiB" 1024, "4 KiB" 4096, "8 KiB" 8192, \
	   "64 KiB" 65536, "1 MiB" 1048576) rotate by -35
set xlabel "message body size"
set style data linespoints

# The mechanisms that have a file for plot NAME at -smp S.
# (string concatenation: gnuplot's sprintf cuts long results)
have(name, smp) = system("cd '" . dir . "/plot' 2>/dev/null && for m in " . ALL . \
	"; do [ -s " . name . "-smp" . smp . "-$m.dat ] && printf '%s ' $m; done")

# smp 0 is the icount boot: -smp 1 under QEMU -icount, the guest's clock
# counting instructions.
do for [smp in "0 1 2"] {
	sfx = (smp eq "1") ? "" : (smp eq "0") ? "-icount" : "-smp" . smp
	view = (smp eq "0") ? "-smp 1 under -icount" : "-smp " . smp
	m = have("pingpong", smp)
	if (words(m) > 0) {
		set output sprintf("%s/pingpong%s.png", dir, sfx)
		set title sprintf("msgpass-bench: round trip p50 (QEMU TCG, %s; lower is better)", view)
		if (smp eq "0") {
			set ylabel "round trip p50, guest instructions"
		} else {
			set ylabel "round trip p50, microseconds"
		}
		plot for [n in m] sprintf("%s/plot/pingpong-smp%s-%s.dat", dir, smp, n) \
			using 1:2 lt idx(n) title n
		unset output
	}
	m = have("stream", smp)
	if (words(m) > 0) {
		set output sprintf("%s/stream%s.png", dir, sfx)
		set title sprintf("msgpass-bench: one-way streaming (QEMU TCG, %s; higher is better)", view)
		if (smp eq "0") {
			set ylabel "MB of message body per 10^9 guest instructions"
		} else {
			set ylabel "MB/s of message body"
		}
		plot for [n in m] sprintf("%s/plot/stream-smp%s-%s.dat", dir, smp, n) \
			using 1:2 lt idx(n) title n
		unset output
	}
}

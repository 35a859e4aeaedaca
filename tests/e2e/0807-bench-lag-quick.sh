#!/bin/sh
# tests/bench/lag in a short run (2 s at 500 tx/s and a burst of 20,000 rows, both
# pipelines), so that the benchmark behind the README's lag figures keeps working: every row
# arrives through each pipeline, the figures, the ratios and the target line are printed,
# and nothing is left running.
. ./lib.sh

[ "$(id -u)" -eq 0 ] || skip "the sftp server needs root"
command -v /usr/sbin/sshd >/dev/null 2>&1 || skip "sshd is not installed"
mkdir tmp
TMPDIR=$T/tmp DURATION=2 RATES=500 BURST=20000 JM_TEST=${JM_TEST:-$JM_BIN/../test} \
	expect_code 0 sh "$JM_SRC/tests/bench/lag"
cp "$T/out" lag.out
num='[0-9][0-9.]*'
for p in 'jmirror' 'naive  '; do
	check "$p: p50, p99, max, rate, thirds" grep -q \
	    "^lag:   500 tx/s $p p50 *$num ms  p99 *$num ms  max *$num ms  applied *$num rows/s  first/last third p50 $num/$num ms (x$num)\$" lag.out
done
for p in 'jmirror' 'naive  '; do
	check "$p: the burst's throughput" grep -q \
	    "^lag:   500 tx/s $p burst of 20000 rows: $num rows/s from the first commit to the last row visible ($num s)\$" lag.out
done
check "the burst's ratio" grep -q "^lag:   500 tx/s burst throughput ratio jmirror/naive: $num\$" lag.out
check "no row missing" test -z "$(grep WRONG lag.out)"
check "the ratio line" grep -q "^lag:   500 tx/s ratio naive/jmirror: p50 $num, p99 $num, max $num\$" lag.out
check "the target line" grep -q "^lag:   500 tx/s target p99 < 500 ms: " lag.out
check "no diagnostics" test ! -s "$T/err"
sed 's/^/    stderr: /' "$T/err" | head -5
left=""
for p in /proc/[0-9]*; do
	c=$(readlink "$p/cwd" 2>/dev/null) || continue
	case $c in "$T/tmp"/*) left="$left ${p#/proc/}" ;; esac
done
check "nothing left running (${left:-none})" test -z "$left"
check "its directory removed" test -z "$(ls tmp)"
finish

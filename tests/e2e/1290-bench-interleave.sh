#!/bin/sh
# The benchmarks' interleaved comparison (tests/bench/lib.sh): two commands run alternately,
# ROUNDS rounds, each after its own preparation; each round records both times, the CPU each
# command took (with its children) and the CPU the servers in SRV_PIDS took meanwhile (with
# the children they reaped); the figures are the ratio of the median times per item with
# the range of the rounds' ratios, and the median CPU per item.
. ./lib.sh
ROUNDS=3
. "$JM_SRC/tests/bench/lib.sh"

interleave times 'echo pa >> order' 'echo a >> order' 'echo pb >> order' 'echo b >> order'
printf 'pa\na\npb\nb\n' > one
cat one one one > want
check "interleave: prepare, A, prepare, B, three times in that order" test_cmp want order
check "interleave: one line of six figures per round" \
	test "$(awk 'NF == 6' times | wc -l)" -eq 3 -a "$(wc -l < times)" -eq 3

# A server: a process that, asked through a fifo, runs a busy child and reaps it.
busy="awk 'BEGIN { for (i = 0; i < 4000000; i++) s += i }'"
mkfifo req
sh -c "while read x < req; do $busy; touch done; done" &
srv=$!
at_exit "kill $srv"
: > times
ROUNDS=1 SRV_PIDS=$srv interleave times : "$busy" : 'echo go > req; wait_for test -e done'
set -- $(cat times)
check "interleave: the CPU of A's command is counted" awk -v a="$3" -v b="$4" 'BEGIN { exit !(a > 0.02 && a > b) }'
check "interleave: the CPU the server spent during B is counted" awk -v a="$5" -v b="$6" 'BEGIN { exit !(b > 0.02 && b > a) }'

# Known rounds: A 4 2 6 s, B 1 1 4 s over 100 and 1000 items: medians 4 and 1, per item
# 0.04 and 0.001, ratio 40; rounds 40 20 15. CPU: A 1 3 2 s, B 2 2 5 s, servers 0.5 0.1 0.3
# and 0 0 1 s.
printf '4 1 1 2 0.5 0\n2 1 3 2 0.1 0\n6 4 2 5 0.3 1\n' > known
check "ratio: medians per item, the ratio and the range" test "$(ratio known 100 1000)" = "40.000 15.000 40.000 4.0000 1.0000"
check "cpu: median milliseconds per item" test "$(cpu known 100 1000)" = "20.000 3.000 2.000 0.000"
printf '1 1 0 0 0 0\n3 1 0 0 0 0\n5 2 0 0 0 0\n100 2 0 0 0 0\n' > even
check "ratio: an even number of rounds takes the middle two" test "$(ratio even 1 1)" = "2.667 1.000 50.000 4.0000 1.5000"
finish

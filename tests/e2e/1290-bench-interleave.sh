#!/bin/sh
# The benchmarks' interleaved comparison (tests/bench/lib.sh): two commands run alternately,
# ROUNDS rounds, each after its own preparation; a failing command stops the rounds and says
# which; each round records both times, the CPU each command took (with its children) and
# the CPU the servers in SRV_PIDS and all their descendants took meanwhile; the figures are
# the ratio of the median times per item with the best-of ratio and the range of the rounds'
# ratios, the median CPU per item, a one-line summary with MB/s, and a target marked NOT MET.
. ./lib.sh
ROUNDS=3
. "$JM_SRC/tests/bench/lib.sh"

interleave times 'echo pa >> order' 'echo a >> order' 'echo pb >> order' 'echo b >> order'
check "interleave: all rounds succeed" test $? -eq 0
printf 'pa\na\npb\nb\n' > one
cat one one one > want
check "interleave: prepare, A, prepare, B, three times in that order" test_cmp want order
check "interleave: one line of six figures per round" \
	test "$(awk 'NF == 6' times | wc -l)" -eq 3 -a "$(wc -l < times)" -eq 3

: > order
: > times
interleave times 'n=$((${n:-0} + 1))' 'echo a >> order' : 'test $n -lt 2 && echo b >> order'
check "interleave: a failing command stops the rounds" test $? -eq 1
check "interleave: and is named" test "$interleave_failed" = B
check "interleave: nothing runs after it, its round is not recorded" \
	test "$(grep -c . order)" -eq 3 -a "$(wc -l < times)" -eq 1
interleave times : false : true
check "interleave: a failing baseline is named" test "$interleave_failed" = A

# A server whose work is done by a long-lived worker (as nginx's): asked through a fifo,
# the worker runs a busy child and reaps it; only the worker's own accounting has that CPU.
busy="awk 'BEGIN { for (i = 0; i < 4000000; i++) s += i }'"
mkfifo req
sh -c "sh -c \"while read x < req; do $busy; touch done; done\" & wait" &
srv=$!
at_exit "pkill -P $srv; kill $srv"
: > times
ROUNDS=1 SRV_PIDS=$srv interleave times : "$busy" : 'echo go > req; wait_for test -e done'
set -- $(cat times)
check "interleave: the CPU of A's command is counted" awk -v a="$3" -v b="$4" 'BEGIN { exit !(a > 0.02 && a > b) }'
check "interleave: the CPU the server's worker spent during B is counted" awk -v a="$5" -v b="$6" 'BEGIN { exit !(b > 0.02 && b > a) }'

# A server that forks a process per connection, which works on after its client is gone:
# the round waits for it and counts it.
mkfifo req2
sh -c "while read x < req2; do sh -c \"sleep 0.3; $busy\" & done" &
srv2=$!
at_exit "kill $srv2"
: > times
ROUNDS=1 SRV_PIDS=$srv2 interleave times : : : 'echo go > req2'
set -- $(cat times)
check "interleave: a connection's process ending after its client is counted" \
	awk -v b="$6" 'BEGIN { exit !(b > 0.02) }'

# Known rounds: A 4 2 6 s, B 1 1 4 s over 100 and 1000 items: medians 4 and 1, per item
# 0.04 and 0.001, ratio 40; rounds 40 20 15; best 2 and 1: 20. CPU: A 1 3 2 s, B 2 2 5 s,
# servers 0.5 0.1 0.3 and 0 0 1 s.
printf '4 1 1 2 0.5 0\n2 1 3 2 0.1 0\n6 4 2 5 0.3 1\n' > known
check "ratio: medians per item, the ratio, the range and the best-of" \
	test "$(ratio known 100 1000)" = "40.000 15.000 40.000 4.0000 1.0000 20.000"
check "median: of numbers on standard input" test "$(printf '5\n1\n123456789\n4\n' | median)" = 4.500000
check "cpu: median milliseconds per item" test "$(cpu known 100 1000)" = "20.000 3.000 2.000 0.000"
printf '1 1 0 0 0 0\n3 1 0 0 0 0\n5 2 0 0 0 0\n100 2 0 0 0 0\n' > even
check "ratio: an even number of rounds takes the middle two" \
	test "$(ratio even 1 1)" = "2.667 1.000 50.000 4.0000 1.5000 1.000"

# Five rounds of one transfer of 6 MB: curl 2 4 6 8 10 s, jship 1 2 3 16 5 s: medians 6 and
# 3 (1 and 2 MB/s), best 2 and 1, rounds 2 2 2 0.5 2; CPU medians curl 1 s, jship 2 s, the
# server 0.5 s during curl's runs and 0.25 s during jship's.
printf '2 1 1 2 0.5 0.25\n4 2 0.5 2 0.5 0.25\n6 3 1 1 0.5 0.25\n8 16 2 3 0.5 0.25\n10 5 1 2 0.5 0.25\n' > five
echo 'jship    2 MB/s, curl    1 MB/s, ratio of medians 2.00 (best-of 2.00, rounds 0.50-2.00, 5 rounds); CPU jship 2.00 s, curl 1.00 s' > want
summary five 6000000 curl jship > got
check "summary: MB/s, medians, best-of, range and CPU" test_cmp want got
echo 'jship    2 MB/s, curl --aws-sigv4 -T    1 MB/s, ratio of medians 2.00 (best-of 2.00, rounds 0.50-2.00, 5 rounds); CPU jship 2.00 s + server 0.25 s, curl --aws-sigv4 -T 1.00 s + server 0.50 s' > want
SRV_PIDS=1 summary five 6000000 "curl --aws-sigv4 -T" jship > got
check "summary: the servers' CPU apart, with SRV_PIDS" test_cmp want got
check "summary: with a target, met" test "$(summary five 6000000 curl jship 1.5 | sed 's/.*; //')" = "CPU jship 2.00 s, curl 1.00 s (target >= 1.5)"
check "summary: with a target, not met" test "$(summary five 6000000 curl jship 2.5 | sed 's/.*; //')" = "CPU jship 2.00 s, curl 1.00 s (target >= 2.5 NOT MET)"
: > none
check "summary: no round, nothing measured" test "$(summary none 6000000 curl jship 0.9)" = "not measured: no round completed"
check "target: met" test "$(target '>=' 1.5 2.00)" = "target >= 1.5"
check "target: not met" test "$(target '>=' 2.5 2.00)" = "target >= 2.5 NOT MET"
check "target: an upper bound met" test "$(target '<=' 1.3 1.2)" = "target <= 1.3"
check "target: an upper bound not met" test "$(target '<=' 1.3 1.76)" = "target <= 1.3 NOT MET"
finish

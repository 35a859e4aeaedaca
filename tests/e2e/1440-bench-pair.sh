#!/bin/sh
# The benchmarks' interleaved timing (tests/bench/pair.sh): the baseline and the command run
# alternately, ROUNDS rounds, each after its own preparation; a failing command stops the
# rounds and says which; the figures are the ratio of the medians (baseline time / command
# time), the ratio of the best runs and the range of the per-round ratios, and a ratio of
# medians below the target is marked NOT MET.
. ./lib.sh
D=$T
ROUNDS=5
. "$JM_SRC/tests/bench/pair.sh"

pair_run 'echo pb >> order' 'echo b >> order' 'echo pj >> order' 'echo j >> order'
check "run: all rounds succeed" test $? -eq 0
printf 'pb\nb\npj\nj\n' > one
for i in 1 2 3 4 5; do cat one; done > want
check "run: prepare, baseline, prepare, command, five times in that order" test_cmp want order
check "run: five timings each" test "$(wc -l < .pair.b)" -eq 5 -a "$(wc -l < .pair.j)" -eq 5

: > order
pair_run 'n=$((${n:-0} + 1))' 'echo b >> order' : 'test $n -lt 3 && echo j >> order'
check "run: a failing command stops the rounds" test $? -eq 1
check "run: and is named" test "$pair_failed" = jship
check "run: nothing after it" test "$(grep -c . order)" -eq 5
pair_run : false : true
check "run: a failing baseline is named" test "$pair_failed" = base

ROUNDS=1 pair_run : true : "awk 'BEGIN { for (i = 0; i < 5000000; i++) s += i }'"
check "run: the CPU a command spends is counted" \
	test "$(awk '{ print $4 - $3 }' .pair.j)" -gt "$(awk '{ print $4 - $3 }' .pair.b)"
hz=$(getconf CLK_TCK)
# Five rounds with known times (start and end of the baseline, then of the command, and
# the CPU clock ticks before and after each): baseline 2 4 6 8 10 s, command 1 2 3 16 5 s:
# medians 6 and 3, best 2 and 1, per-round ratios 2 2 2 0.5 2; CPU medians 1 and 2 s.
awk -v hz="$hz" 'BEGIN { for (i = 1; i <= 5; i++) printf "0 %d 0 %d\n", 2 * i, hz / 2 * (i == 3 ? 1 : i) }' > .pair.b
printf '0 1 %s\n10 12 %s\n0 3 %s\n0 16 %s\n0 5 %s\n' "0 $hz" "0 $hz" "$hz $((4 * hz))" "0 $((2 * hz))" "0 $((2 * hz))" > .pair.j
pair_stat 6000000 > stat
echo >> stat
echo 'jship    2 MB/s, curl    1 MB/s, ratio of medians 2.00 (best-of 2.00, rounds 0.50-2.00, 5 rounds); CPU jship 2.00s, curl 1.00s' > want
check "stat: medians, best-of and range" test_cmp want stat
check "stat: target met" test "$(pair_target 1.5)" = "(target >= 1.5)"
check "stat: target not met" test "$(pair_target 2.5)" = "(target >= 2.5 NOT MET)"
printf '0 3 0 0\n0 1 0 0\n0 5 0 0\n0 100 0 0\n' > .pair.b
printf '0 3 0 0\n0 3 0 0\n0 3 0 0\n0 3 0 0\n' > .pair.j
PAIR_BASE="curl --aws-sigv4 -T"
check "stat: an even number of rounds takes the middle two" \
	test "$(pair_stat 3000000)" = 'jship    1 MB/s, curl --aws-sigv4 -T    1 MB/s, ratio of medians 1.33 (best-of 0.33, rounds 0.33-33.33, 4 rounds); CPU jship 0.00s, curl --aws-sigv4 -T 0.00s'
finish

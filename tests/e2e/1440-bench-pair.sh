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

# Five rounds with known times (start and end of the baseline, then of the command):
# baseline 2 4 6 8 10 s, command 1 2 3 16 5 s: medians 6 and 3, best 2 and 1,
# per-round ratios 2 2 2 0.5 2.
printf '0 2\n0 4\n0 6\n0 8\n0 10\n' > .pair.b
printf '0 1\n10 12\n0 3\n0 16\n0 5\n' > .pair.j
pair_stat 6000000 > stat
echo >> stat
echo 'jship    2 MB/s, curl    1 MB/s, ratio of medians 2.00 (best-of 2.00, rounds 0.50-2.00, 5 rounds)' > want
check "stat: medians, best-of and range" test_cmp want stat
check "stat: target met" test "$(pair_target 1.5)" = "(target >= 1.5)"
check "stat: target not met" test "$(pair_target 2.5)" = "(target >= 2.5 NOT MET)"
printf '0 3\n0 1\n0 5\n0 100\n' > .pair.b
printf '0 3\n0 3\n0 3\n0 3\n' > .pair.j
PAIR_BASE="curl --aws-sigv4 -T"
check "stat: an even number of rounds takes the middle two" \
	test "$(pair_stat 3000000)" = 'jship    1 MB/s, curl --aws-sigv4 -T    1 MB/s, ratio of medians 1.33 (best-of 0.33, rounds 0.33-33.33, 4 rounds)'
finish

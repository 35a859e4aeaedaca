#!/bin/sh
# tests/bench/run over stand-in benchmarks: each one's figures appear in the table under its
# name; a missing one, a failing one, one that prints no figures, one that prints diagnostics
# beside its figures and one reporting a WRONG result are each shown as such, and the runner
# exits 1; with only good benchmarks it exits 0.
. ./lib.sh

mkdir -p src/tests/bench
echo 'VERSION = 9.9.9' >src/Makefile
cp "$JM_SRC/tests/bench/run" src/tests/bench/run
b=src/tests/bench
printf 'echo "good: 1000 things/s; ratio 1.50 (target >= 1)"\necho "good --sync: 10 syncs/s"\n' >$b/good
printf 'echo "failing: 3 things/s"\nexit 3\n' >$b/failing
printf 'echo starting >&2\n' >$b/silent
printf 'echo "noisy: 5 things/s"\necho "noisy: line 55: helper: not found" >&2\necho "helper: not found" >&2\n' >$b/noisy
printf 'echo "wrong: WRONG: 9 records, wanted 10"\n' >$b/wrong
printf 'echo "missed: p99 900 ms; target p99 < 500 ms: NOT MET"\n' >$b/missed

JM_SRC=$T/src BENCH_LOG=$T/log BENCH="good failing absent silent noisy wrong missed" \
	expect_code 1 sh src/tests/bench/run
o=$T/out
check "header names the version and the date" grep -q '^jmirror 9.9.9 benchmarks, [0-9-]* [0-9:]* UTC$' "$o"
check "header names the machine" grep -q "^machine: $(nproc) CPUs (nproc), .*, Linux $(uname -r)" "$o"
row() { grep -q "^$1 *$2 *[0-9-]*s\{0,1\}  $3\$" "$o"; }
check "good: ok, its figures" row good 'ok' '1000 things\/s; ratio 1.50 (target >= 1)'
check "good: its second line" grep -q '^  *good --sync: 10 syncs/s$' "$o"
check "failing: FAILED (exit 3)" row failing 'FAILED (exit 3)' '3 things\/s'
check "absent: MISSING" row absent MISSING 'not measured: tests\/bench\/absent does not exist'
check "silent: NO FIGURES, and what it printed" row silent 'NO FIGURES' '! starting'
check "noisy: ok, with errors" row noisy 'ok, with errors' '5 things\/s'
check "noisy: its diagnostics shown" grep -q '^  *! helper: not found$' "$o"
check "wrong: WRONG RESULT" row wrong 'WRONG RESULT' 'WRONG: 9 records, wanted 10'
check "missed: ok, target not met" row missed 'ok, target not met' 'p99 900 ms; target p99 < 500 ms: NOT MET'
check "the logs are kept" test -s "$T/log/good.out"
check "the log directory is named" grep -qx "full output of each benchmark: $T/log" "$o"

JM_SRC=$T/src BENCH_LOG=$T/log2 BENCH="good" expect_code 0 sh src/tests/bench/run
finish

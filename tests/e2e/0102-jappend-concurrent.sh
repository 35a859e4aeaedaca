#!/bin/sh
# Four processes append at once, two feeding lines from standard input and two calling
# jappend once per record: every record is there exactly once, LSNs consecutive, and each
# writer's records keep their order.
. ./lib.sh

N=${JM_E2E_LINES:-20000}
jappend --create db.journal
writer_lines 1 "$N" | jappend db.journal &
p1=$!
writer_lines 2 "$N" | jappend --sync db.journal &
p2=$!
(i=1; while [ $i -le 300 ]; do jappend db.journal "w3 $i" || exit 1; i=$((i + 1)); done) &
p3=$!
(i=1; while [ $i -le 300 ]; do jappend --sync db.journal "w4 $i" "w4 $((i + 1))" || exit 1
	i=$((i + 2)); done) &
p4=$!
rc=0
for p in $p1 $p2 $p3 $p4; do wait $p || rc=1; done
check "all four writers exit 0" test $rc -eq 0
expect_code 0 jjdump db.journal
total=$((2 * N + 600))
check "$total records" test "$(wc -l <"$T/out")" -eq $total
check "LSNs consecutive from 1" awk -F'\t' '$1 != NR { exit 1 }' "$T/out"
for w in 1 2 3 4; do
	n=$N; [ $w -ge 3 ] && n=300
	cut -f2 "$T/out" | grep "^w$w " >got
	writer_lines $w $n >want
	check "writer $w: every record once, in its order" test_cmp want got
done
check "jcat --verify accepts the journal" sh -c 'jcat --verify db.journal >/dev/null'
finish

#!/bin/sh
# Two rotations at once never both rotate: one waits, or with --no-wait exits 75. Writers
# appending during a rotation loop follow each rotation into the new live journal.
. ./lib.sh

jappend --create db.journal
jappend db.journal a
# Hold the rotators' lock as another jrotate would.
flock .db.journal.rotate sleep 2 &       # held for 2 s on purpose
holder=$!
wait_for locked .db.journal.rotate
expect_code 75 jrotate --no-wait db.journal
check "busy message" grep -q 'another rotation is running' "$T/err"
check "nothing sealed while busy" test ! -e db.0001-000000000001.journal
start=$(date +%s)
expect_code 0 jrotate db.journal
check "without --no-wait it waited, then sealed" grep -qx db.0001-000000000001.journal "$T/out"
wait $holder

# Two real jrotate processes racing, many times: each seal happens once.
i=0
while [ $i -lt 20 ]; do
	jappend db.journal "r$i"
	jrotate db.journal >>race.out &
	a=$!
	jrotate db.journal >>race.out &
	b=$!
	wait $a || fail "racing jrotate $a"
	wait $b || fail "racing jrotate $b"
	i=$((i + 1))
done
check "20 races, 20 segments printed" test "$(wc -l <race.out)" -eq 20
check "each printed once" test "$(sort -u race.out | wc -l)" -eq 20

# Four writers, one rotation loop.
N=${JM_E2E_LINES:-5000}
: >stop
rm stop
(while [ ! -e stop ]; do jrotate -q db.journal || exit 1; sleep 0.01; done) &   # paced
rot=$!
writer_lines 1 "$N" | jappend db.journal &
p1=$!
writer_lines 2 "$N" | jappend --sync db.journal &
p2=$!
(i=1; while [ $i -le 200 ]; do jappend db.journal "w3 $i" || exit 1; i=$((i + 1)); done) &
p3=$!
(i=1; while [ $i -le 200 ]; do jappend --sync db.journal "w4 $i" || exit 1; i=$((i + 1)); done) &
p4=$!
rc=0
for p in $p1 $p2 $p3 $p4; do wait $p || rc=1; done
touch stop
wait $rot || rc=1
check "writers and rotator exit 0" test $rc -eq 0
segs=$(ls db.0001-*.journal | sort)
check "the loop sealed several segments ($(echo "$segs" | wc -l))" test "$(echo "$segs" | wc -l)" -gt 25
expect_code 0 jjdump $segs db.journal
check "LSNs consecutive across the chain" awk -F'\t' '$1 != NR { exit 1 }' "$T/out"
for w in 1 2 3 4; do
	n=$N; [ $w -ge 3 ] && n=200
	cut -f2 "$T/out" | grep "^w$w " >got
	writer_lines $w $n >want
	check "writer $w: every record once, in order" test_cmp want got
done
expect_code 0 jcat --verify $segs db.journal
finish

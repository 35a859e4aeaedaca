#!/bin/sh
# jwatch: a burst of segments renamed into the directory in random order while it runs, plus
# some already there: every one reported exactly once, and the "already reported" state
# compacted back to one range per journal once the holes have filled.
. ./lib.sh
N=${JM_WATCH_BURST:-3000}

mkdir st in
jmgen -r 2 st "$N" >/dev/null 2>&1 || fail "jmgen"
jmgen -n other -r 1 st 50 >/dev/null 2>&1 || fail "jmgen other"
ls st | sort >all
# A few already there before jwatch starts (they come first, in order).
for s in 000000000007 000000000003; do mv st/db.0001-$s.journal in/; done
jwatch in >out 2>err &
pid=$!
wait_lines 2 out
ls st | shuf >order
(cd st && xargs mv -t ../in <../order)
total=$(wc -l <all)
wait_lines "$total" out
kill -USR1 $pid
dumped() { grep -q ': db.0001: ' err && grep -q ': other.0001: ' err; }
wait_for dumped
kill -TERM $pid
wait $pid
check "exit 0 on SIGTERM" test $? -eq 0
printf 'in/db.0001-000000000003.journal\nin/db.0001-000000000007.journal\n' >want
head -n 2 out >first
check "what was there first comes first, in sequence order" test_cmp want first
sed 's|^in/||' out | sort >got
check "all $total reported" test_cmp all got
check "none reported twice" test "$(sort out | uniq -d | wc -l)" -eq 0
check "live arrivals in arrival order" test_cmp order "$(tail -n +3 out | sed 's|^in/||' >live; echo live)"
check "state: one range per journal after the burst" \
	grep -q "^jwatch: in: db.0001: 1 ranges, first 1-$N, last 1-$N\$" err
check "state: the other journal too" grep -q '^jwatch: in: other.0001: 1 ranges, first 1-50' err
finish

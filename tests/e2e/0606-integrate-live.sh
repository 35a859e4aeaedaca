#!/bin/sh
# jintegrate: a live journal (copied from a failed primary) is applied up to its last complete
# record, a torn tail ignored; the sealed segment of the same sequence later applies only the
# records after those; a live journal is never printed (it is not a segment to pass on).
. ./lib.sh
command -v sqlite3 >/dev/null || skip "sqlite3 command line not installed"

mkdir in live
jmgen -r 10 in 2 >paths 2>d2
jmgen -r 10 -s 3 -l 21 -p "$(cat d2)" in 1 >>paths 2>d3
seg3=in/db.0001-000000000003.journal
size=$(wc -c <$seg3)
rec=$(( (size - 128 - 80) / 10 ))
# the live journal of seq 3 as it was after 6 records, plus half a seventh record
head -c $((128 + 6 * rec + rec / 2)) $seg3 >live/db.journal

expect_code 0 jintegrate --db m.db in/db.0001-000000000001.journal in/db.0001-000000000002.journal live/db.journal
printf '%s\n' in/db.0001-000000000001.journal in/db.0001-000000000002.journal >expect
check "the live journal is not printed" test_cmp expect out
check "complete records applied, torn tail ignored" test "$(sqlite3 m.db 'select max(t.id), seq, last_lsn, sealed from t, jmirror_state')" = "26|3|26|0"
check "digest still that of seq 2" test "$(sqlite3 m.db 'select digest from jmirror_state')" = "$(cat d2)"

# again: nothing new
expect_code 0 jintegrate --db m.db live/db.journal
check "unchanged" test "$(sqlite3 m.db 'select count(*), last_lsn from t, jmirror_state')" = "25|26"
# the journal grew
head -c $((128 + 8 * rec)) $seg3 >live/db.journal
expect_code 0 jintegrate --db m.db live/db.journal
check "grown journal: the new records" test "$(sqlite3 m.db 'select count(*), last_lsn, sealed from t, jmirror_state')" = "27|28|0"
# seq 4 cannot come before seq 3 is sealed
mkdir s4; jmgen -r 10 -s 4 -l 31 -p "$(cat d3)" s4 1 >/dev/null 2>&1
expect_code 75 jintegrate --db m.db s4/db.0001-000000000004.journal
check "waits for the sealed seq 3" grep -q "waiting for db.0001-000000000003.journal (timeline 1 or later, seq 3, from LSN 29)" err
# the sealed segment: only records 29 and 30
expect_code 0 jintegrate -v --db m.db $seg3 s4/db.0001-000000000004.journal
check "sealed seq 3 printed" test "$(head -1 out)" = $seg3
check "only the rest applied" grep -q "applied 2 records, LSN 29 to 30" err
check "sealed now" test "$(sqlite3 m.db 'select count(*), last_lsn, seq, sealed from t, jmirror_state')" = "39|40|4|1"
sqlite3 m.db '.dump t' >m.dump
jintegrate --db ref.db $(cat paths) s4/db.0001-000000000004.journal >/dev/null
sqlite3 ref.db '.dump t' >ref.dump
check "same as integrating the sealed segments" test_cmp ref.dump m.dump
# a live journal of a sequence applied whole: nothing to do
expect_code 0 jintegrate --db m.db live/db.journal
check "silently" test ! -s out
finish

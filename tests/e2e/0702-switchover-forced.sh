#!/bin/sh
# Forced service: the primary dies with unshipped writes. Promotion is refused without
# --force and says how far the mirror got; with --force it is done and says which LSN and
# commit time made it. The old primary's late segments are refused by the mirror-mirror.
# Then the same with a saved copy of the dead primary's live journal: its records are sealed
# into the old timeline's closing segment, which the mirror-mirror (that had applied part of
# the same live journal) completes before following timeline 2.
. ./lib.sh
command -v sqlite3 >/dev/null || skip "sqlite3 command line not installed"
RB=$JM_SRC/examples/runbook
export JM_ROTATE_AGE=1ms

echo "-- without a copy of the live journal"
mkdir p m inm inmm
jappend --create p/db.journal
w p.db p/db.journal "create table t(id integer primary key, v text)" "insert into t(v) values('a')"
expect_code 0 sh $RB/primary-cron.sh p/db.journal "file://$T/inm/"
w p.db p/db.journal "insert into t(v) values('b')"
expect_code 0 sh $RB/primary-cron.sh p/db.journal "file://$T/inm/"
expect_code 0 sh $RB/mirror-cron.sh m.db inm "file://$T/inmm/"
expect_code 0 sh $RB/mirror-cron.sh mm.db inmm
# unshipped: a sealed segment and live records, then the primary is gone
w p.db p/db.journal "insert into t(v) values('c, never shipped')"
expect_code 0 jrotate p/db.journal
w p.db p/db.journal "insert into t(v) values('d, never sealed')"

expect_code 75 jpromote --db m.db --journal m/db.journal
check "refusal: one line" test "$(wc -l <err)" -eq 1
check "refusal says how far" grep -q "m.db applied timeline 1, seq 2, up to LSN 3 committed 20.*Z, not a final segment" err
check "refusal names --force" grep -q "promote with --force" err
expect_code 0 sh $RB/forced-service.sh m.db inm m/db.journal
check "says what made it" grep -q "forced service: the last LSN that made it is 3, committed 20" err
check "new timeline" grep -q "timeline 2 starts at seq 3, LSN 4" err
w m.db m/db.journal "insert into t(v) values('e, on the new primary')"
expect_code 0 sh $RB/primary-cron.sh m/db.journal "file://$T/inmm/"
expect_code 0 sh $RB/mirror-cron.sh mm.db inmm
check "mirror-mirror equals the new primary" same m.db mm.db

# the old primary comes back and ships what it had: refused, the mirror-mirror unchanged
cp p/db.0001-000000000003.journal inmm/
expect_code 65 jintegrate --db mm.db inmm/db.0001-000000000003.journal
check "late segment: clear message" grep -q "segment 3 is on timeline 1, the mirror follows timeline 2 since seq 3: written by the old primary after the fork?" err
expect_code 0 jrotate p/db.journal
cp p/db.0001-000000000004.journal inmm/
expect_code 65 jintegrate --db mm.db inmm/db.0001-000000000004.journal
check "later one too" grep -q "segment 4 is on timeline 1" err
check "mirror-mirror unchanged" same m.db mm.db

echo "-- with a copy of the live journal"
mkdir p2 m2 in2 in2m
jappend --create p2/db.journal
w p2.db p2/db.journal "create table t(id integer primary key, v text)" "insert into t(v) values('a')"
expect_code 0 sh $RB/primary-cron.sh p2/db.journal "file://$T/in2/"
expect_code 0 sh $RB/mirror-cron.sh m2.db in2 "file://$T/in2m/"
expect_code 0 sh $RB/mirror-cron.sh mm2.db in2m
w p2.db p2/db.journal "insert into t(v) values('b')" "insert into t(v) values('c')" \
    "insert into t(v) values('d')"
# the mirror-mirror got a torn copy of the live journal (two whole records) and applied it
size=$(wc -c <p2/db.journal)
head -c $((size - 40)) p2/db.journal >in2m/db.journal
expect_code 0 jintegrate --db mm2.db in2m/db.journal
check "mirror-mirror applied part of the live journal" test "$(sqlite3 mm2.db 'select last_lsn, sealed from jmirror_state')" = "4|0"
# the operator saved the whole live journal beside the mirror's incoming segments
cp p2/db.journal in2/db.journal

expect_code 66 sh -c "jintegrate --db m2.db in2/db.journal >/dev/null && jpromote --force --db m2.db --journal m2/db.journal"
check "no copy given: says which is needed" grep -q "records of seq 2 up to LSN 5 came from the live journal copy db.journal" err
expect_code 0 sh $RB/forced-service.sh m2.db in2 m2/db.journal in2/db.journal
check "prints the closing segment" test "$(cat out)" = "m2/db.0001-000000000002.journal"
check "closing segment sealed" grep -q "sealed records up to LSN 5 of the copied live journal as the closing segment m2/db.0001-000000000002.journal" err
check "new timeline after it" grep -q "timeline 2 starts at seq 3, LSN 6" err
check "closing segment is final and complete" sh -c 'jcat --verify p2/db.0001-000000000001.journal m2/db.0001-000000000002.journal >v && grep -q "seq 2, LSN 3-5, final" v'
check "bookkeeping at the closing segment" test "$(sqlite3 m2.db 'select role, timeline, seq, last_lsn, sealed, final, segment from jmirror_state')" = "operational|1|2|5|1|1|db.0001-000000000002.journal"
expect_code 69 jpromote --force --live in2/db.journal --db m2.db --journal m2/db.journal
check "promoting again: already operational" grep -q "m2.db is operational already" err
w m2.db m2/db.journal "insert into t(v) values('e')"
expect_code 0 sh $RB/primary-cron.sh m2/db.journal "file://$T/in2m/"
expect_code 0 sh $RB/mirror-cron.sh mm2.db in2m
check "mirror-mirror completed the live records, then followed" same m2.db mm2.db
check "mirror-mirror on timeline 2" test "$(sqlite3 mm2.db 'select timeline, seq, last_lsn from jmirror_state')" = "2|3|6"
check "every record of the dead primary's live journal is there" test "$(sqlite3 mm2.db "select group_concat(v) from t")" = "a,b,c,d,e"

# the old primary seals its own seq 2, with a record written after the fork: refused
w p2.db p2/db.journal "insert into t(v) values('late')"
expect_code 0 jrotate p2/db.journal
cp p2/db.0001-000000000002.journal in2m/
expect_code 65 jintegrate --db mm2.db in2m/db.0001-000000000002.journal
check "says it goes past the fork" grep -q "segment 2 on timeline 1 ends at LSN 6, but the mirror follows timeline 2 from LSN 6: written by the old primary after the fork?" err
finish

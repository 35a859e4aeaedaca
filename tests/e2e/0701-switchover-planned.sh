#!/bin/sh
# The planned switch-over end to end, through the runbook scripts: writes on the primary,
# shipped to a mirror that relays to a mirror-mirror; jrotate --final, appends refused;
# the mirror integrates the final segment and is promoted onto timeline 2; writes on the
# new primary reach the mirror-mirror, which follows timeline 2 and equals it.
. ./lib.sh
command -v sqlite3 >/dev/null || skip "sqlite3 command line not installed"
command -v flock >/dev/null || skip "flock not installed"
RB=$JM_SRC/examples/runbook
export JM_ROTATE_AGE=1ms

mkdir p m inm inmm
jappend --create p/db.journal
w p.db p/db.journal "create table t(id integer primary key, v text)" \
    "insert into t(v) values('one')" "insert into t(v) values('two')"
expect_code 0 sh $RB/primary-cron.sh p/db.journal "file://$T/inm/"
w p.db p/db.journal "insert into t(v) values('three')" "update t set v='TWO' where id=2"
expect_code 0 sh $RB/primary-cron.sh p/db.journal "file://$T/inm/"
check "two segments shipped" test "$(ls inm)" = "db.0001-000000000001.journal
db.0001-000000000002.journal"
expect_code 0 sh $RB/mirror-cron.sh m.db inm "file://$T/inmm/"
expect_code 0 sh $RB/mirror-cron.sh mm.db inmm
check "mirror equals primary" same p.db m.db
check "mirror-mirror equals primary" same p.db mm.db

# not a planned switch-over yet: refused, saying where the mirror is
w p.db p/db.journal "insert into t(v) values('four')"
expect_code 75 jpromote --db m.db --journal m/db.journal
check "refusal says what was applied" grep -q "not a planned switch-over: m.db applied timeline 1, seq 2, up to LSN 5 committed 20" err
check "no live journal made" test ! -e m/db.journal

# step 1 on the old primary: final segment, appends refused from now on
expect_code 0 sh $RB/switchover-primary.sh p/db.journal "file://$T/inm/"
check "final segment announced" grep -q "final segment: p/db.0001-000000000003.journal" out
expect_code 69 jappend p/db.journal "insert into t(v) values('lost')"
check "append refusal says why" grep -q "closed by a final rotation" err

# an integration holding the lock makes jpromote busy
flock .m.db.lock sleep 3 &      # held for 3 s on purpose
wait_for locked .m.db.lock
expect_code 75 jpromote --db m.db --journal m/db.journal
check "busy says integration" grep -q "integration is running" err
wait

# step 2 on the mirror: integrate (relaying), promote
expect_code 0 sh $RB/switchover-mirror.sh m.db inm m/db.journal "file://$T/inmm/"
check "promotion reported" grep -q "m.db is operational: timeline 2 starts at seq 4, LSN 7 in m/db.journal" err
check "planned: no forced-service notice" sh -c '! grep -q forced err'
check "role operational" test "$(sqlite3 m.db 'select role, timeline, seq, last_lsn, final from jmirror_state')" = "operational|1|3|6|1"
expect_code 69 jpromote --db m.db --journal m/db.journal
expect_code 69 jintegrate --db m.db inm/db.0001-000000000003.journal

# writes on the new primary reach the mirror-mirror on timeline 2
w m.db m/db.journal "insert into t(v) values('five')" "delete from t where id=1"
expect_code 0 sh $RB/primary-cron.sh m/db.journal "file://$T/inmm/"
w m.db m/db.journal "insert into t(v) values('six')"
expect_code 0 sh $RB/primary-cron.sh m/db.journal "file://$T/inmm/"
expect_code 0 sh $RB/mirror-cron.sh mm.db inmm
check "mirror-mirror equals the new primary" same m.db mm.db
check "mirror-mirror follows timeline 2" test "$(sqlite3 mm.db 'select timeline, seq, last_lsn from jmirror_state; select * from jmirror_timeline')" = "2|5|9
1|1|1
2|4|7"
expect_code 0 jstatus --db mm.db --incoming inmm
check "jstatus shows timeline 2" grep -q "last applied  timeline 2, seq 5, LSN 9" out

# the whole chain verifies, and jcat shows the switch
expect_code 0 jcat --verify p/db.0001-*.journal m/db.0002-*.journal
check "jcat --verify shows the timeline switch" grep -qx "timeline 1 -> 2 at seq 4 (LSN 7)" out
finish

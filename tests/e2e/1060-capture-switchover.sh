#!/bin/sh
# The planned switch-over of a captured application with the runbook's own scripts, which
# name no capture option: the mirror remembers that it applied row records (its primary was
# captured), so jpromote installs capture on it for the new journal by itself; the unchanged
# application writes to the promoted database and those writes reach the mirror-mirror.
# A promotion killed after installing capture completes when the script is run again.
# Forced service captures it too; --no-capture promotes without capture; a mirror of a
# statement journal is not captured.
. ./lib.sh
command -v sqlite3 >/dev/null || skip "sqlite3 command line not installed"
RB=$JM_SRC/examples/runbook
export JM_ROTATE_AGE=1ms

appdump() { sqlite3 "$1" .dump | grep -v 'jmirror_\|^PRAGMA\|^BEGIN\|^COMMIT\|sqlite_sequence'; }
has() { [ "$(sqlite3 "$1" "SELECT count(*) FROM sqlite_master WHERE name = '$2'")" -eq 1 ]; }
lacks() { ! has "$@"; }

mkdir p m m3 inm inmm
sqlite3 p/app.db "PRAGMA journal_mode=WAL; CREATE TABLE kv(k PRIMARY KEY, v, u UNIQUE);
	CREATE TABLE log(n INTEGER PRIMARY KEY AUTOINCREMENT, k);
	CREATE TRIGGER kv_log AFTER INSERT ON kv BEGIN INSERT INTO log(k) VALUES(NEW.k); END;
	INSERT INTO kv VALUES('a', 1, 10), ('b', 2, 20)" >/dev/null
jappend --create p/app.journal
jcapture --install p/app.db p/app.journal || fail "install"
sqlite3 p/app.db "INSERT INTO kv VALUES('c', 3, 30)"
jcapture p/app.db p/app.journal || fail "drain"
expect_code 0 sh $RB/primary-cron.sh p/app.journal "file://$T/inm/"
expect_code 0 sh $RB/mirror-cron.sh m.db inm "file://$T/inmm/"
expect_code 0 sh $RB/mirror-cron.sh mm.db inmm
check "the mirror notes that its primary was captured" \
    test "$(sqlite3 m.db 'SELECT count(*) FROM jmirror_captured')" -eq 1
check "the mirror is not captured itself" lacks m.db jmirror_capture

cp -R inm inm4                  # a mirror that will never see the final segment

# The runbook: stop the application, drain what is left, final segment, ship, integrate,
# promote. jpromote is killed once after installing capture; the script is run again.
sqlite3 p/app.db "INSERT OR REPLACE INTO kv VALUES('a', 4, 20)"
expect_code 0 jcapture p/app.db p/app.journal
expect_code 0 sh $RB/switchover-primary.sh p/app.journal "file://$T/inm/"
cp -R inm inm3
JM_TEST_CRASH=promote-capture sh $RB/switchover-mirror.sh m.db inm m/app.journal "file://$T/inmm/" >/dev/null 2>&1
check "killed after installing capture" test $? -ne 0
expect_code 0 sh $RB/switchover-mirror.sh m.db inm m/app.journal "file://$T/inmm/"
check "promotion says the new primary is captured" \
    grep -q "^jpromote: m.db is operational: timeline 2 .* in m/app.journal, captured: start its drain" err
check "the promoted database is captured" has m.db jmirror_capture
check "nothing waits: no snapshot" test "$(sqlite3 m.db "SELECT count(*) FROM jmirror_outbox WHERE op <> 'P'")" -eq 0
check "role operational" test "$(sqlite3 m.db 'SELECT role FROM jmirror_state')" = operational

# The application, unchanged, now writes to the promoted database; its drain and the
# runbook's primary cron line carry the writes to the mirror-mirror.
sqlite3 m.db "INSERT INTO kv VALUES('d', 5, 50); INSERT OR REPLACE INTO kv VALUES('c', 6, 50);
	UPDATE kv SET k = 'e' WHERE k = 'a'"
expect_code 0 jcapture m.db m/app.journal
expect_code 0 sh $RB/primary-cron.sh m/app.journal "file://$T/inmm/"
expect_code 0 sh $RB/mirror-cron.sh mm.db inmm
appdump m.db >m.dump
appdump mm.db >mm.dump
check "the mirror-mirror equals the new primary" test_cmp m.dump mm.dump
check "the REPLACE removed 'd' on the mirror-mirror too" \
    test "$(sqlite3 mm.db "SELECT group_concat(k || v || u, ' ') FROM (SELECT * FROM kv ORDER BY k)")" = "c650 e420"
check "the mirror-mirror follows timeline 2" test "$(sqlite3 mm.db 'SELECT timeline FROM jmirror_state')" -eq 2

# --no-capture: the operator says no; both options at once is a usage error.
expect_code 0 jintegrate --db m3.db --from inm3
expect_code 0 jpromote --help
check "--help names both" grep -q -- '--capture | --no-capture' out
check "--help ends with the required options" grep -q -- '--sign KEY\] --db MIRROR.db --journal DIR/NAME.journal$' out
expect_code 64 jpromote --capture --no-capture --db m3.db --journal m3/app.journal
expect_code 0 jpromote --no-capture --db m3.db --journal m3/app.journal
check "--no-capture: not captured" lacks m3.db jmirror_capture
check "--no-capture: nothing said of capture" sh -c '! grep -q captured err'

# Forced service (no final segment): the mirror is captured by jpromote too.
mkdir m4
expect_code 0 jintegrate --db m4.db --from inm4
expect_code 0 jpromote --force --db m4.db --journal m4/app.journal
check "forced service: captured" has m4.db jmirror_capture
check "forced service: says so" grep -q "^jpromote: m4.db is operational: .*, captured" err

# A mirror of a statement journal (jappend) was never captured: promoted without capture.
mkdir s sm
jappend --create s/db.journal
w s.db s/db.journal "CREATE TABLE t(id INTEGER PRIMARY KEY, v)" "INSERT INTO t(v) VALUES('one')"
jrotate --final s/db.journal >/dev/null
expect_code 0 jintegrate --db sm.db $(ls s/db.0001-*.journal)
check "a statement mirror notes nothing" lacks sm.db jmirror_captured
expect_code 0 jpromote --db sm.db --journal sm/db.journal
check "a statement mirror is promoted without capture" lacks sm.db jmirror_capture
finish

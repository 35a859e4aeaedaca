#!/bin/sh
# A planned switch-over of a captured application: jpromote --capture installs capture on
# the promoted mirror for the new timeline's journal (no snapshot: the downstream mirrors have
# the rows), the unchanged application writes on, and a mirror-mirror follows the new
# timeline to equal it. A promotion killed after installing capture completes when run again.
. ./lib.sh

appdump() { sqlite3 "$1" .dump | grep -v 'jmirror_\|^PRAGMA\|^BEGIN\|^COMMIT\|sqlite_sequence'; }

mkdir p m
sqlite3 p/app.db "CREATE TABLE t(k INTEGER PRIMARY KEY, v, at); CREATE TABLE log(n INTEGER PRIMARY KEY AUTOINCREMENT, k);
	CREATE TRIGGER t_log AFTER INSERT ON t BEGIN INSERT INTO log(k) VALUES(NEW.k); END;
	INSERT INTO t VALUES(1, 'one', strftime('%Y-%m-%d %H:%M:%f', 'now'))"
jappend --create p/app.journal
jcapture --install p/app.db p/app.journal || fail "install"
sqlite3 p/app.db "INSERT INTO t VALUES(2, 'two', strftime('%Y-%m-%d %H:%M:%f', 'now'))"
jcapture p/app.db p/app.journal
jrotate p/app.journal >/dev/null
jrotate --final p/app.journal >/dev/null
for db in m/app.db m2.db; do
	jintegrate --db $db $(ls p/app.0001-*.journal | sort) >/dev/null || fail "integrate into $db"
done
JM_TEST_CRASH=promote-capture jpromote --capture --db m/app.db --journal m/app.journal >/dev/null 2>&1
check "killed after installing capture" test $? -eq 137
expect_code 0 jpromote --capture --db m/app.db --journal m/app.journal
check "the promoted database is captured" test "$(sqlite3 m/app.db 'SELECT count(*) FROM jmirror_capture')" -eq 1
check "nothing waits: no snapshot" test "$(sqlite3 m/app.db "SELECT count(*) FROM jmirror_outbox WHERE op <> 'P'")" -eq 0
# The application moves to the new primary, unchanged; its trigger works there.
sqlite3 m/app.db "INSERT INTO t VALUES(3, 'three', strftime('%Y-%m-%d %H:%M:%f', 'now')); UPDATE t SET v = 'uno' WHERE k = 1"
expect_code 0 jcapture m/app.db m/app.journal
jrotate m/app.journal >/dev/null
expect_code 0 jintegrate --db m2.db $(ls m/app.0002-*.journal | sort)
appdump m/app.db >p.dump
appdump m2.db >m2.dump
check "the mirror-mirror equals the new primary" test_cmp p.dump m2.dump
check "the trigger's row came once" test "$(sqlite3 m2.db 'SELECT count(*) FROM log WHERE k = 3')" -eq 1
finish

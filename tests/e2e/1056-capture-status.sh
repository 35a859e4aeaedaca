#!/bin/sh
# jstatus --capture: the outbox depth and the age of its oldest change, in text, JSON and
# Prometheus form; a stalled drain shows.
. ./lib.sh

sqlite3 app.db "CREATE TABLE t(k INTEGER PRIMARY KEY, v)"
jappend --create app.journal
expect_code 64 jstatus --capture app.db --db app.db
expect_code 0 jstatus --capture app.db app.journal
check "not installed is said" grep -q 'capture       app.db: not installed' "$T/out"
jcapture --install app.db app.journal || fail "install"
expect_code 0 jstatus --capture app.db app.journal
check "an empty outbox" grep -q 'capture       app.db: outbox 0 changes, oldest 0.000s' "$T/out"
sqlite3 app.db "INSERT INTO t VALUES(1, 'a'); INSERT INTO t VALUES(2, 'b'); UPDATE t SET v = 'c'"
# The capture time is kept to the second: wait until the oldest change is 2 s old.
wait_for sh -c 'jstatus --json --capture app.db app.journal | python3 -c "
import json, sys; c = json.load(sys.stdin)[\"capture\"]; sys.exit(c[\"oldest_age\"] < 2)"'
expect_code 0 jstatus --capture app.db app.journal
check "four changes wait" grep -q 'outbox 4 changes, oldest [0-9.]*s' "$T/out"
jstatus --json --capture app.db app.journal >j
check "JSON: outbox and position (the schema snapshot took 1)" python3 -c "
import json; c = json.load(open('j'))['capture']
assert c['db'] == 'app.db' and c['outbox'] == 4 and c['oldest_age'] >= 2 and c['position'] == 5, c"
jstatus --prometheus --capture app.db app.journal >p
check "Prometheus: the outbox gauge" grep -q '^jmirror_capture_outbox_changes{.*} 4$' p
check "Prometheus: the age gauge" grep -q '^jmirror_capture_oldest_seconds{.*} [2-9]' p
jcapture app.db app.journal
expect_code 0 jstatus --capture app.db app.journal
check "drained: the outbox is empty" grep -q 'outbox 0 changes, oldest 0.000s' "$T/out"
finish

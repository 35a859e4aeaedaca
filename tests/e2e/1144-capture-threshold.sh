#!/bin/sh
# jstatus --warn/--crit capture=DURATION on an SQLite primary: the age of the oldest change
# waiting in the outbox, as a Nagios check (the same threshold as a PostgreSQL slot's); a
# threshold on it without --capture is UNKNOWN; wal= has nothing to measure on SQLite.
. ./lib.sh
command -v python3 >/dev/null || skip "python3 not installed"
sqlite3 app.db "CREATE TABLE t(k INTEGER PRIMARY KEY, v)"
jappend --create app.journal
jcapture --install app.db app.journal || fail "install"
expect_code 0 jstatus --warn capture=1s --capture app.db app.journal
check "an empty outbox: OK, with its performance data" grep -q '^JMIRROR OK - .* capture=0.0s;1;' out
expect_code 3 jstatus --warn capture=1s app.journal
check "without --capture: UNKNOWN" grep -q '^JMIRROR UNKNOWN - .*capture unknown' out
sqlite3 app.db "INSERT INTO t VALUES(1, 'a')"
wait_for sh -c 'jstatus --json --capture app.db app.journal | python3 -c "
import json, sys; c = json.load(sys.stdin)[\"capture\"]; sys.exit(c[\"oldest_age\"] < 2)"'
expect_code 1 jstatus --warn capture=1s --crit capture=1h --capture app.db app.journal
check "a stalled drain: WARNING" grep -q '^JMIRROR WARNING - .*capture [0-9.]*s (warning)' out
expect_code 2 jstatus --crit capture=1s --capture app.db app.journal
check "CRITICAL" grep -q '^JMIRROR CRITICAL - .*capture [0-9.]*s (critical)' out
expect_code 3 jstatus --warn wal=1M --capture app.db app.journal
check "wal on SQLite: UNKNOWN" grep -q '^JMIRROR UNKNOWN - .*wal unknown' out
expect_code 64 jstatus --warn capture=soon --capture app.db app.journal
jcapture app.db app.journal
expect_code 0 jstatus --warn capture=1s --capture app.db app.journal
finish

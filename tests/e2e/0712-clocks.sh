#!/bin/sh
# Commit times ahead of this machine's clock (a primary whose clock is wrong) never hold
# anything up silently: jrotate --if-age seals such a journal, jintegrate --delay counts
# from now with a warning, jstatus reports how far ahead the times are and its check says
# WARNING; and a time plus a delay saturates instead of wrapping around 2^64.
. ./lib.sh
year=$(( $(date +%s) + 365 * 86400 ))000000000

# jrotate --if-age: a journal whose oldest record is stamped a year ahead is sealed.
mkdir a
printf 'create table t(v)\0' | jmrec -W -c "$year" a/db.journal
expect_code 0 jrotate --if-age 1h a/db.journal
check "future-stamped oldest record: sealed by --if-age" grep -qx a/db.0001-000000000001.journal out
jappend a/db.journal "insert into t values(1)"
expect_code 0 jrotate --if-age 1h a/db.journal
check "a record of now is not an hour old: not sealed" test ! -s out

# jstatus on the journal side: the figure, the warning, and the check's WARNING.
mkdir f
printf 'create table t(v)\0insert into t values(1)\0' | jmrec -W -c "$year" f/db.journal
expect_code 0 jstatus f/db.journal
check "text: the clock line" grep -q "^  clock         a commit time is 315[0-9][0-9][0-9][0-9][0-9].[0-9]*s ahead" out
check "stderr: a warning" grep -q "jstatus: warning: a commit time is [0-9.]*s ahead of this clock" err
expect_code 1 jstatus --warn lag=1h --crit lag=2h f/db.journal
check "check: WARNING naming the clocks" grep -q "^JMIRROR WARNING - .*in the future (warning: check the clocks)" out
expect_code 0 jstatus --json f/db.journal
check "json: clock_ahead" grep -q '"clock_ahead":315[0-9]*\.[0-9]*' out
expect_code 0 jstatus --prometheus f/db.journal
check "prometheus: clock_ahead_seconds" grep -q '^jmirror_clock_ahead_seconds{.*} 315' out

# jintegrate --delay: a segment stamped a year ahead is applied after the delay from now,
# with a warning, not in a year (timeout 60 bounds the run, far from a year).
mkdir in
printf 'create table t(v)\0insert into t values(1)\0' | jmrec -c "$year" in/db.0001-000000000001.journal 2>/dev/null
expect_code 0 timeout 60 jintegrate --delay 1s --db m.db in/db.0001-000000000001.journal
check "applied" test "$(sqlite3 m.db 'select count(*) from t')" = 1
check "warned once: stamped in the future" \
	test "$(grep -c "jintegrate: LSN 1 is stamped [0-9.]*s in the future: the clocks disagree; --delay counts from its arrival" err)" = 1 -a "$(wc -l <err)" = 1
expect_code 1 sh "$JM_SRC/examples/runbook/check.sh" m.db in
check "the runbook's check says WARNING for the mirror" grep -q "^JMIRROR WARNING - .*check the clocks" out
expect_code 0 jstatus --db m.db
check "mirror text: the clock line" grep -q "^  clock         a commit time is" out

# A delay that takes the time past 2^64 ns is "never", not a time in 1970: nothing is
# applied before jintegrate is stopped (the old sum wrapped and applied at once).
mkdir in2
printf 'create table t(v)\0' | jmrec in2/db.0001-000000000001.journal 2>/dev/null
expect_code 0 timeout --preserve-status 3 jintegrate --delay 200000d --db m2.db in2/db.0001-000000000001.journal
check "--delay 200000d: nothing applied yet" \
	test "$(sqlite3 m2.db "select count(*) from sqlite_master where name = 't'")" = 0
finish

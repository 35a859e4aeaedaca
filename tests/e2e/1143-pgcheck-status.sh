#!/bin/sh
# jstatus --capture postgresql://... JOURNAL: the replication slot named from the journal's
# lineage, the WAL it retains and has not confirmed, and the age of the oldest change it
# holds, in text, JSON and Prometheus; thresholds on them (wal=SIZE, capture=DURATION);
# a journal without a slot says so; a slot a client streams from shows that.
. ./lib.sh
. "$JM_SRC/tests/pg/pg.sh"
heavy
command -v python3 >/dev/null || skip "python3 not installed"
pg_start
pg_createdb app
A=$(pg_url app)
jappend --create app.journal
lin=$(jstatus --json app.journal | python3 -c 'import json,sys; print(json.load(sys.stdin)["lineage"])')
slot=jmirror_${lin}_1
field() { jstatus --json --capture "$A" app.journal | python3 -c "import json,sys; print(json.load(sys.stdin)['capture']$1)"; }

expect_code 0 jstatus --capture "$A" app.journal
check "no slot yet: said so" grep -q "^  capture       postgresql:///app.*: no slot $slot (capture not installed for this journal)" out
expect_code 0 jstatus --json --capture "$A" app.journal
check "JSON: null" grep -q '"capture":null' out
expect_code 3 jstatus --warn capture=1h --capture "$A" app.journal
check "a threshold on it is UNKNOWN" grep -q '^JMIRROR UNKNOWN - .*capture unknown' out

psqlq app "CREATE PUBLICATION $slot FOR ALL TABLES" >/dev/null
psqlq app "SELECT pg_create_logical_replication_slot('$slot', 'pgoutput')" >/dev/null
psqlq app "CREATE TABLE t(id int PRIMARY KEY, v text);
INSERT INTO t SELECT i, repeat('x', 200) FROM generate_series(1, 20000) i"
expect_code 0 jstatus --capture "$A" app.journal
check "the slot and what it holds" grep -q "^  capture       postgresql:///app.*: slot $slot, retains [0-9.]*MiB of WAL, [0-9.]*MiB unconfirmed, oldest [0-9.]*s" out
check "JSON: retained WAL over 4 MiB" test "$(field "['retained_wal']")" -gt 4194304
check "JSON: unconfirmed over 4 MiB" test "$(field "['unconfirmed_wal']")" -gt 4194304
check "JSON: not streaming" test "$(field "['active']")" = False
older() { python3 -c "import sys; sys.exit(0 if float('$(field "['oldest_age']")') >= $1 else 1)"; }
wait_for older 1.5
check "the oldest change's age grows from its commit" older 1.5
if older 600; then fail "and is not older than the test"; else ok "and is not older than the test"; fi
expect_code 1 jstatus --warn wal=1M --capture "$A" app.journal
check "wal over its threshold: WARNING" grep -q '^JMIRROR WARNING - .*wal [0-9]*B (warning)' out
expect_code 2 jstatus --warn wal=1G --crit capture=1s --capture "$A" app.journal
check "capture over its threshold: CRITICAL" grep -q '^JMIRROR CRITICAL - .*capture [0-9.]*s (critical)' out
check "performance data" grep -q ' capture=[0-9.]*s;;1 wal=[0-9]*B;1073741824;' out
expect_code 0 jstatus --prometheus --capture "$A" app.journal
check "Prometheus" sh -c "grep -q '^jmirror_capture_slot_retained_bytes{.*} [0-9]*$' out &&
    grep -q '^jmirror_capture_slot_unconfirmed_bytes{' out && grep -q '^jmirror_capture_oldest_seconds{' out"

# The capture confirms everything: nothing waits.
psqlq app "SELECT pg_replication_slot_advance('$slot', pg_current_wal_lsn())" >/dev/null
check "caught up: age 0" test "$(field "['oldest_age']")" = 0.0
check "caught up: little unconfirmed" test "$(field "['unconfirmed_wal']")" -lt 65536
expect_code 0 jstatus --warn wal=1G,capture=1s --capture "$A" app.journal

# A client streaming from the slot.
"$PGBIN/pg_recvlogical" -h "$PGSOCK" -p "$PGPORT" -U postgres -d app --slot "$slot" --start \
    -o proto_version=1 -o publication_names="$slot" -f /dev/null -F 1 2>recv.err &
rpid=$!
at_exit "kill $rpid"
active() { [ "$(field "['active']")" = True ]; }
wait_for active
check "streaming: shown as active" active
expect_code 0 jstatus --capture "$A" app.journal
check "text: (streaming)" grep -q "slot $slot (streaming), retains" out
kill $rpid
finish

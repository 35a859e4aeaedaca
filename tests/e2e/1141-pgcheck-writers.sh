#!/bin/sh
# A check on a PostgreSQL primary and the application's writers: the check waits for a
# writer's open transaction and describes it once committed (it comes before the check in
# the decoded stream); a writer that never commits makes the check give up (75) and the
# writer goes on unharmed; a writer that would deadlock with the check is never the one
# cancelled: the check steps back (lock timeout), and takes its digests afterwards; a
# table dropped while the check waits for it is left out, not an error.
. ./lib.sh
. "$JM_SRC/tests/pg/pg.sh"
heavy
pg_start
pg_createdb app
A=$(pg_url app)
psqlq app "CREATE TABLE acct(id bigint PRIMARY KEY, bal bigint);
CREATE TABLE tag(name text PRIMARY KEY, n bigint);
INSERT INTO acct SELECT i, 100 FROM generate_series(1, 100) i; INSERT INTO tag VALUES ('a', 1)"
psqlq app "SELECT pg_create_logical_replication_slot('chk', 'test_decoding')" >/dev/null

# A writer we drive statement by statement: psql reading a FIFO.
mkfifo w.fifo
"$PGBIN/psql" -X -q -h "$PGSOCK" -p "$PGPORT" -U postgres -d app <w.fifo >writer.out 2>&1 &
wpid=$!
at_exit "kill $wpid"
exec 3>w.fifo
writer_holds() {      # the writer's backend holds a lock on table $1
	[ "$(psqlq app "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid)
	  WHERE l.relation = '$1'::regclass AND l.granted AND a.application_name = 'psql'
	  AND a.pid <> pg_backend_pid()")" -gt 0 ]
}
check_waits() {       # the check is queued for a lock
	[ "$(psqlq app "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'
	  AND query LIKE 'LOCK TABLE%'")" -gt 0 ]
}
behind() {            # the writer runs $1 and holds table $2; a check queues behind it
	echo "$1" >&3
	wait_for writer_holds "$2"
	jmpgcheck -w 100 -T 300 "$A" >check.out 2>&1 &
	cpid=$!
	wait_for check_waits
}

# 1. An open writer: the check waits for it, then counts its row.
behind "BEGIN; INSERT INTO acct VALUES (101, 1);" acct
if ended $cpid; then fail "the check waits while the writer's transaction is open"
else ok "the check waits while the writer's transaction is open"; fi
echo "COMMIT;" >&3
wait $cpid
check "then takes its digests" test "$(cat check.out)" = "2 tables, 102 rows, 1 records, 0 skipped"
psqlq app "SELECT data FROM pg_logical_slot_peek_changes('chk', NULL, NULL)" >stream
check "the writer's commit comes before the check in the stream" sh -c \
    "grep -n 'id\[bigint\]:101 ' stream | cut -d: -f1 >a; grep -n 'jmirror.check' stream | cut -d: -f1 >b; [ \$(cat a) -lt \$(cat b) ]"
jappend --create app.journal
expect_code 0 jmpgcheck -s chk "$A" app.journal
expect_code 0 jcat app.journal
check "the check counted the writer's row" grep -q '^  acct key (id): 1 chunks, 101 rows' out

# 2. A writer that does not commit: the check gives up, the writer is unharmed.
echo "BEGIN; UPDATE tag SET n = 2;" >&3
wait_for writer_holds tag
expect_code 75 jmpgcheck -w 100 -T 3 "$A"
check "says why" grep -q "unable to lock the tables: .*lock timeout" err
echo "COMMIT;" >&3
wait_for test "$(psqlq app 'SELECT n FROM tag')" = 2
check "the writer's transaction committed" test "$(psqlq app 'SELECT n FROM tag')" = 2

# 3. Lock order against the check's: the writer holds tag, the check takes acct and queues
#    for tag, the writer then writes acct. The check steps back; the writer commits.
behind "BEGIN; UPDATE tag SET n = 3;" tag
echo "UPDATE acct SET bal = 7 WHERE id = 1; COMMIT;" >&3
wait_for test "$(psqlq app 'SELECT bal FROM acct WHERE id = 1')" = 7
wait $cpid
check "the check went through afterwards" test "$(cat check.out)" = "2 tables, 102 rows, 1 records, 0 skipped"
check "the writer was not cancelled" sh -c "! grep -qi 'deadlock\|cancel' writer.out"
check "and committed both changes" test "$(psqlq app 'SELECT n FROM tag'),$(psqlq app \
    'SELECT bal FROM acct WHERE id = 1')" = "3,7"

# 4. A table dropped while the check waits for it.
psqlq app "CREATE TABLE gone(id int PRIMARY KEY); INSERT INTO gone VALUES (1)"
behind "BEGIN; DROP TABLE gone;" gone
echo "COMMIT;" >&3
wait $cpid
check "the check went on without it" test "$(cat check.out)" = "2 tables, 102 rows, 1 records, 0 skipped"
exec 3>&-
finish

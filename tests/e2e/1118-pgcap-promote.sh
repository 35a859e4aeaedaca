#!/bin/sh
# Switch-over of a PostgreSQL mirror of a captured PostgreSQL primary, both in one cluster:
# the mirror notes that it applied row records (jmirror.captured), and jpromote installs
# capture in it (publication and slot named after the new timeline, no snapshot), so that
# what the application writes on the new primary reaches a downstream mirror, which ends
# equal to it. The mirror's own bookkeeping (schema jmirror) is never journaled. A capture
# that cannot be installed stops the promotion before the database is operational; one
# killed after the install completes when run again.
# --no-capture installs nothing.
. ./lib.sh
. "$JM_SRC/tests/pg/pg.sh"
heavy
pg_primary_mirror
pg_createdb mirror2
M=$(pg_url mirror)
M2=$(pg_url mirror2)
slots() { psqlq postgres "SELECT count(*) FROM pg_replication_slots WHERE database = '$1'"; }

psqlq prim "CREATE TABLE t(id bigint PRIMARY KEY, v text); INSERT INTO t VALUES (1, 'one')"
mkdir s p q
jappend --create s/db.journal >/dev/null
expect_code 0 jcapture --install "$P" s/db.journal
psqlq prim "INSERT INTO t VALUES (2, 'two'); UPDATE t SET v = 'uno' WHERE id = 1"
expect_code 0 jcapture "$P" s/db.journal
jrotate -q --final s/db.journal
expect_code 0 jintegrate --db "$M" s/db.0001-*.journal
expect_code 0 jintegrate --db "$M2" s/db.0001-*.journal
expect_code 0 jintegrate --db m.db s/db.0001-*.journal
check "the mirror noted that its primary was captured" \
    test "$(psqlq mirror 'SELECT count(*) FROM jmirror.captured')" = 1
expect_code 0 jstatus --db "$M"
check "jstatus says that jpromote will capture it" \
    grep -qx "  captured      yes: row records applied, jpromote installs capture" out
expect_code 0 jstatus --json --db m.db
check "as it says of the SQLite mirror-mirror" grep -q '"captured":true' out

# no free slot: the promotion stops before the database is operational, says what to do,
# and completes when run again
psqlq postgres "SELECT pg_create_logical_replication_slot('fill' || g, 'pgoutput')
	FROM generate_series(1, 3) g" >/dev/null
expect_code 78 jpromote --db "$M" --journal p/db.journal
check "says why, and that --no-capture would go on without capture" \
    grep -q "unable to install capture in .*replication slots.*promote with --no-capture" err
check "the mirror is not operational" test "$(psqlq mirror 'SELECT role FROM jmirror.state')" = mirror
psqlq postgres "SELECT pg_drop_replication_slot('fill' || g) FROM generate_series(1, 3) g" >/dev/null
# killed right after the install: run again, it finds the capture installed and goes on
JM_TEST_CRASH=promote-capture jpromote --db "$M" --journal p/db.journal 2>/dev/null
check "killed after installing capture" test $? -eq 137
check "still a mirror, with its slot" test "$(psqlq mirror 'SELECT role FROM jmirror.state'),$(slots mirror)" = "mirror,1"
expect_code 0 jpromote --db "$M" --journal p/db.journal
check "jpromote says the new primary is captured" grep -q "captured: start its drain" err
check "a slot of its own, beside the old primary's" test "$(slots mirror),$(slots prim)" = "1,1"
psqlq mirror "INSERT INTO t VALUES (3, 'three'); DELETE FROM t WHERE id = 2;
	UPDATE t SET v = 'eins' WHERE id = 1"
expect_code 0 jcapture "$M" p/db.journal
check "the application's changes are journaled" sh -c 'jcat p/db.journal | grep -q "insert t"'
check "the mirror's bookkeeping is not" sh -c '! jcat p/db.journal | grep -q "jmirror\."'
expect_code 0 jcapture "$M" p/db.journal
jrotate -q p/db.journal
expect_code 0 jintegrate --db m.db p/db.0002-*.journal
check "the downstream mirror follows the new timeline and equals the new primary" test \
    "$(sqlite3 m.db 'SELECT id, v FROM t ORDER BY id')" = "$(psqlq mirror 'SELECT id, v FROM t ORDER BY id')"
check "with the new primary's rows" test "$(psqlq mirror "SELECT string_agg(v, ',' ORDER BY id) FROM t")" = "eins,three"

expect_code 0 jpromote --no-capture --db "$M2" --journal q/db.journal
check "--no-capture: no slot" test "$(slots mirror2)" = 0
expect_code 64 jcapture "$M2" q/db.journal
finish

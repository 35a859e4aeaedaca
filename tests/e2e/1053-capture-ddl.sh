#!/bin/sh
# jcapture --ddl: the schema change is journaled at its place among the data and the
# triggers follow it; a change made behind jcapture's back stops the drain (78) with the
# outbox kept, until --ddl-done journals it.
. ./lib.sh

row() { python3 "$JM_SRC/tests/e2e/jmrow.py" "$@"; }
appdump() { sqlite3 "$1" .dump | grep -v 'jmirror_\|^PRAGMA\|^BEGIN\|^COMMIT\|sqlite_sequence'; }
mirrored() { rm -f r.db; row replay r.db app.journal && appdump app.db >p.dump &&
	appdump r.db >r.dump && test_cmp p.dump r.dump; }
waiting() { sqlite3 app.db "SELECT count(*) FROM jmirror_outbox WHERE op <> 'P'"; }

sqlite3 app.db "CREATE TABLE t(k INTEGER PRIMARY KEY, v); INSERT INTO t VALUES(1, 'one')"
jappend --create app.journal
jcapture --install app.db app.journal || fail "install"
sqlite3 app.db "INSERT INTO t VALUES(2, 'two')"
expect_code 0 jcapture --ddl 'ALTER TABLE t ADD COLUMN c DEFAULT 7' app.db app.journal
sqlite3 app.db "INSERT INTO t VALUES(3, 'three', 33); UPDATE t SET c = 11 WHERE k = 1"
expect_code 0 jcapture --ddl 'ALTER TABLE t RENAME COLUMN v TO name' app.db app.journal
sqlite3 app.db "UPDATE t SET name = 'TWO' WHERE k = 2"
expect_code 0 jcapture --ddl 'ALTER TABLE t DROP COLUMN c' app.db app.journal
expect_code 0 jcapture --ddl 'CREATE TABLE u(a PRIMARY KEY, b); CREATE INDEX u_b ON u(b)' app.db app.journal
sqlite3 app.db "INSERT INTO u VALUES('x', 1); INSERT INTO t VALUES(4, 'four')"
expect_code 0 jcapture app.db app.journal
row show app.journal >shown
at() { grep -n "$1" shown | head -1 | cut -d: -f1; }
check "the DDL is journaled in order" test "$(at '^insert t k=2')" -lt "$(at '^sql ALTER TABLE t ADD')" -a \
	"$(at '^sql ALTER TABLE t ADD')" -lt "$(at '^insert t k=3')"
check "a new table is captured" grep -q '^insert u a=text:78' shown
check "the mirror follows the schema" mirrored

# A failing statement changes nothing.
n=$(waiting)
expect_code 65 jcapture --ddl 'ALTER TABLE nope ADD COLUMN x' app.db app.journal
check "says the DDL failed" grep -q 'the DDL failed' "$T/err"
sqlite3 app.db "INSERT INTO t VALUES(5, 'five')"
expect_code 0 jcapture app.db app.journal
check "still captured after a failed DDL" mirrored

# Behind its back.
expect_code 64 jcapture --ddl-done 'ALTER TABLE t ADD COLUMN z' app.db app.journal
sqlite3 app.db "ALTER TABLE t ADD COLUMN z; INSERT INTO t VALUES(6, 'six', NULL)"
expect_code 78 jcapture app.db app.journal
check "says how to proceed" grep -q 'ddl-done' "$T/err"
check "the outbox is kept" test "$(waiting)" -eq 1
expect_code 78 jcapture --ddl 'CREATE TABLE v(a)' app.db app.journal
check "--ddl refuses too, the outbox kept" test "$(waiting)" -eq 1
expect_code 0 jcapture --ddl-done 'ALTER TABLE t ADD COLUMN z' app.db app.journal
sqlite3 app.db "INSERT INTO t VALUES(7, 'seven', 'zed')"
expect_code 0 jcapture app.db app.journal
check "after --ddl-done the mirror follows" mirrored
check "z is captured" grep -q 'z=text:7a6564' "$(row show app.journal >shown2; echo shown2)"
finish

#!/bin/sh
# A check record taken on a PostgreSQL primary reaches the journal as a transactional
# logical message 'jmirror.check' holding its payload: jcapture journals it as a check
# record (type 129) at its place among the changes, so that the mirror verifies it after
# exactly the changes before it. (The payloads here are made by jmcheck from an SQLite
# database with the same contents, and from one with other contents.)
. ./lib.sh
. "$JM_SRC/tests/pg/pg.sh"
heavy
pg_primary_mirror
psqlq prim "CREATE TABLE t(id int PRIMARY KEY, v text); INSERT INTO t VALUES (1, 'a'), (2, 'b')"
jappend --create db.journal >/dev/null
expect_code 0 jcapture --install "$P" db.journal

payload() {     # payload NAME ROWS: a check record of t holding ROWS, as hex
	sqlite3 "$1.db" "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT); INSERT INTO t VALUES $2"
	jappend --create "$1.journal" >/dev/null
	jmcheck -o "$1.bin" "$1.db" "$1.journal" >/dev/null || fail "jmcheck $1"
	od -An -v -tx1 "$1.bin" | tr -d ' \n'
}
good=$(payload good "(1, 'a'), (2, 'b'), (3, 'c')")
bad=$(payload bad "(1, 'a'), (2, 'B'), (3, 'c')")
psqlq prim "BEGIN; INSERT INTO t VALUES (3, 'c');
	SELECT pg_logical_emit_message(true, 'jmirror.check', decode('$good', 'hex')); COMMIT" >/dev/null
psqlq prim "INSERT INTO t VALUES (4, 'd')"
psqlq prim "SELECT pg_logical_emit_message(false, 'jmirror.check', decode('$bad', 'hex'))" >/dev/null
psqlq prim "SELECT pg_logical_emit_message(true, 'other.prefix', 'x')" >/dev/null
expect_code 0 jcapture "$P" db.journal
jcat db.journal >j.txt
check "one check record, after the change before it and before the one after it" sh -c \
	"grep -n 'insert t (id=3)\\|check\\|insert t (id=4)' j.txt | cut -d: -f1 | sort -n -c &&
	 test \$(grep -c 'check' j.txt) = 1"
jrotate -q db.journal
expect_code 0 jintegrate --db m.db "$(seg 1)"
check "the mirror verified it" test "$(sqlite3 m.db 'SELECT count(*) FROM t')" = 4

# a check that does not describe the primary's state at its place: the mirror refuses it
psqlq prim "SELECT pg_logical_emit_message(true, 'jmirror.check', decode('$bad', 'hex'))" >/dev/null
expect_code 0 jcapture "$P" db.journal
jrotate -q db.journal
expect_code 78 jintegrate --db m.db "$(seg 2)"
finish

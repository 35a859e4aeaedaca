#!/bin/sh
# A check of a PostgreSQL primary digests each value as its type prints it, which is what
# logical decoding carries to the mirrors: character(n) keeps its padding and inet shows no
# netmask (a cast to text would trim the one and add the other), so that both an SQLite and a
# PostgreSQL mirror made by capture pass the check; a padding changed on the mirror fails it.
. ./lib.sh
. "$JM_SRC/tests/pg/pg.sh"
heavy
pg_primary_mirror
psqlq prim "CREATE TABLE t(id int PRIMARY KEY, c char(6), a inet, u uuid, j jsonb, v varchar(9));
	INSERT INTO t VALUES (1, 'ab', '10.0.0.1', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
	    '{\"b\": 1, \"a\": [1, 2]}', 'x  '), (2, NULL, '::1', NULL, 'null', '')"
jappend --create db.journal >/dev/null
expect_code 0 jcapture --install "$P" db.journal
psqlq prim "INSERT INTO t VALUES (3, 'abcdef', '192.168.0.0/16', NULL, '[]', 'y')"
expect_code 0 jcapture --checksum "$P" db.journal
jrotate -q db.journal
check "a check record in the segment" sh -c "jcat $(seg 1) | grep -q ' check\$'"
expect_code 0 jintegrate --db m.db "$(seg 1)"
check "the padding reached the SQLite mirror" test "$(sqlite3 m.db \
	"SELECT '[' || c || ']' FROM t WHERE id = 1")" = "[ab    ]"
expect_code 0 jintegrate --db "$(pg_url mirror)" "$(seg 1)"
check "the PostgreSQL mirror equals the primary" test \
	"$(psqlq mirror 'SELECT t::text FROM t ORDER BY id')" = \
	"$(psqlq prim 'SELECT t::text FROM t ORDER BY id')"

# the same check against a mirror whose padding differs
sqlite3 m2.db "CREATE TABLE t(id INTEGER PRIMARY KEY, c, a, u, j, v)"
expect_code 0 jintegrate --db m2.db "$(seg 1)"
sqlite3 m2.db "UPDATE t SET c = 'ab' WHERE id = 1"
expect_code 0 jcapture --checksum "$P" db.journal
jrotate -q db.journal
expect_code 78 jintegrate --db m2.db "$(seg 2)"
check "the mismatch names the table" grep -q "table t" err
finish

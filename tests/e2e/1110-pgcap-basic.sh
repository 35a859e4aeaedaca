#!/bin/sh
# jcapture from a PostgreSQL primary: install journals the schema and every row of the slot's
# exported snapshot; drains journal each committed transaction whole, with exact values
# (64-bit integers, reals bit for bit with NaN and infinities, numerics, booleans, bytea,
# timestamps, any UTF-8, NULL, an unchanged TOASTed value); the journal makes an empty SQLite
# mirror and an empty PostgreSQL mirror equal to the primary. A foreign journal is refused
# (65), an install over an installed one too (73), a drain before install (64), and a
# server without wal_level = logical with a clear line (78).
. ./lib.sh
. "$JM_SRC/tests/pg/pg.sh"
heavy
pg_primary_mirror
psqlq prim "CREATE TABLE t(id bigint PRIMARY KEY, i int, s smallint, r double precision,
	f real, n numeric, b boolean, x bytea, ts timestamptz, d date, v text, big text);
CREATE TABLE k2(a int, b text, c text, PRIMARY KEY (b, a));
CREATE TABLE nokey(a int, b text);
INSERT INTO t VALUES (1, -2147483648, 32767, 0.1, 1.5, -12.340, true, '\x00ff',
	'2026-11-30 12:00:00.123456+00', '2026-11-30', 'é€😀', NULL);
INSERT INTO k2 VALUES (1, 'x', 'one');
INSERT INTO nokey VALUES (1, 'before');"

jappend --create db.journal >/dev/null
expect_code 64 jcapture "$P" db.journal
check "a drain before install says so" grep -q "not installed" err
expect_code 0 jcapture --install "$P" db.journal
check "the snapshot is journaled: schema and rows" sh -c \
	'jcat db.journal | grep -q "CREATE TABLE IF NOT EXISTS \"t\"" && jcat db.journal | grep -q "insert k2"'
expect_code 73 jcapture --install "$P" db.journal
jappend --create other.journal >/dev/null
expect_code 65 jcapture "$P" other.journal
check "a foreign journal is refused, naming the slot" grep -q "another journal" err

psqlq prim "INSERT INTO t VALUES (9223372036854775807, 2147483647, -32768, 'NaN', '-Infinity',
	'NaN', false, '\x', '-infinity', '0001-01-01', '', NULL);
INSERT INTO t VALUES (-9223372036854775808, 0, 0, '-0', 3.4028235e38, 1e-30, NULL, NULL,
	NULL, NULL, E'tab\there ''quoted''',
	(SELECT string_agg(md5(g::text), '') FROM generate_series(1, 400) g));
INSERT INTO t VALUES (2, 1, 1, 'Infinity', 1e-45, '123456789012345678901234567890.123', true,
	'\xdeadbeef', '1999-12-31 23:59:59.999999-08', '2000-02-29', 'two', NULL);
BEGIN; UPDATE k2 SET a = 2 WHERE a = 1; INSERT INTO k2 VALUES (3, 'y', NULL); COMMIT;
INSERT INTO nokey VALUES (2, 'after');
DELETE FROM t WHERE id = 2;"
# an update of another column leaves the TOASTed value out of the stream: 'unchanged'
psqlq prim "UPDATE t SET i = 7 WHERE id = -9223372036854775808"
expect_code 0 jcapture -v "$P" db.journal
check "the TOASTed value comes as unchanged" sh -c 'jcat db.journal | grep -q "big=unchanged"'
jcat db.journal >before
expect_code 0 jcapture "$P" db.journal
jcat db.journal >after
check "a second drain adds nothing" test_cmp before after

jrotate -q db.journal
expect_code 0 jintegrate --db m.db "$(seg 1)"
expect_code 0 jintegrate --db "$(pg_url mirror)" "$(seg 1)"
q="SELECT id, i, s, r::text, f::text, n, b, encode(x, 'hex'), ts, d, v, md5(big) FROM t ORDER BY id"
psqlq prim "$q" >prim.t
psqlq mirror "$q" >mirror.t
check "PostgreSQL mirror: t equals the primary" test_cmp prim.t mirror.t
for tb in "k2 ORDER BY b, a" "nokey ORDER BY a"; do
	psqlq prim "SELECT * FROM $tb" >p.x
	psqlq mirror "SELECT * FROM $tb" >m.x
	check "PostgreSQL mirror: $tb" test_cmp p.x m.x
done
check "SQLite mirror: same rows in t" test "$(sqlite3 m.db 'SELECT count(*), sum(i) FROM t')" = \
	"$(psqlq prim 'SELECT count(*), sum(i) FROM t')"
check "SQLite mirror: reals bit for bit, float4 widened exactly" test \
	"$(sqlite3 m.db "SELECT r = 0.1, f = 1.5, r = -1e999, f = 3.4028234663852886e38 FROM t
		WHERE id IN (1, -9223372036854775808) ORDER BY id DESC" | tr '\n' ' ')" = "1|1|0|0 0|0|0|1 "
# (a numeric column has SQLite's NUMERIC affinity: -12.340 reads back as the number -12.34)
check "SQLite mirror: timestamps as the primary printed them, booleans, bytea" test \
	"$(sqlite3 m.db "SELECT n, ts, d, b, hex(x) FROM t WHERE id = 1")" = \
	"-12.34|2026-11-30 12:00:00.123456+00|2026-11-30|1|00FF"
check "SQLite mirror: the long value kept through the update" test \
	"$(sqlite3 m.db "SELECT length(big) FROM t WHERE id = -9223372036854775808")" = 12800
check "SQLite mirror: utf-8 text" test "$(sqlite3 m.db "SELECT v FROM t WHERE id = 1")" = "é€😀"
check "SQLite mirror: k2" test "$(sqlite3 m.db "SELECT a, b, c FROM k2 ORDER BY b, a" | tr '\n' ' ')" = "2|x|one 3|y| "
check "SQLite mirror: nokey" test "$(sqlite3 m.db "SELECT count(*) FROM nokey")" = 2

# uninstall drops slot and publication
expect_code 0 jcapture --uninstall "$P"
check "slot dropped" test "$(psqlq prim "SELECT count(*) FROM pg_replication_slots")" = 0
check "publication dropped" test "$(psqlq prim "SELECT count(*) FROM pg_publication")" = 0

# --no-snapshot (a mirror seeded with pg_dump): nothing of what is there is journaled, only
# where the stream starts; TRUNCATE travels as a DELETE of every row
jappend --create n.journal >/dev/null
expect_code 0 jcapture --install --no-snapshot "$P" n.journal
check "no schema, no rows journaled" test "$(jcat n.journal | grep -c '^  ')" = 0
psqlq prim 'TRUNCATE k2'
expect_code 0 jcapture "$P" n.journal
check "TRUNCATE as DELETE" sh -c "jcat n.journal | grep -q \"sql 'DELETE FROM \\\"k2\\\"'\""
expect_code 0 jcapture --uninstall "$P"

# a server without logical decoding: refused with a clear line
psqlq postgres "ALTER SYSTEM SET wal_level = replica" && pg_restart
jappend --create w.journal >/dev/null
expect_code 78 jcapture --install "$P" w.journal
check "wal_level named" grep -q "wal_level is replica, not logical" err
finish

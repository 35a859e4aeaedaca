#!/bin/sh
# A drain takes every transaction committed before it began, those committed asynchronously
# (synchronous_commit = off) too, while their WAL is still in the server's buffers: logical
# decoding reads only flushed WAL, so the drain has the server flush it first. Here the WAL
# writer waits 10 s between its rounds, so the last commits of each burst are still
# unflushed when the drain begins; without that flush the drain stops short of them. A
# role with only REPLICATION and the right to write the table captured_sequences (which
# every drain updates) can drain, the flush included.
. ./lib.sh
. "$JM_SRC/tests/pg/pg.sh"
heavy
pg_start
pg_createdb prim
P=$(pg_url prim)
psqlq prim "ALTER SYSTEM SET wal_writer_delay = '10s'"
psqlq prim "ALTER SYSTEM SET wal_writer_flush_after = 0"
psqlq prim "SELECT pg_reload_conf()" >/dev/null
psqlq prim "CREATE TABLE t(id int PRIMARY KEY, v text)"
jappend --create db.journal >/dev/null
expect_code 0 jcapture --install "$P" db.journal
psqlq prim "CREATE ROLE drainer LOGIN REPLICATION"
psqlq prim "GRANT SELECT, INSERT, UPDATE ON captured_sequences TO drainer"
D=$(pg_url prim | sed 's/user=postgres/user=drainer/')

burst() { # N rows from id $1, one asynchronous transaction each
	awk -v a="$1" 'BEGIN { for (i = a; i < a + 20; i++) printf "INSERT INTO t VALUES (%d, %c%d%c);\n", i, 39, i, 39 }' |
	    PGOPTIONS="-c synchronous_commit=off" "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 \
	    -h "$PGSOCK" -p "$PGPORT" -U postgres -d prim
}
unflushed=0 whole=0
for r in 1 2 3 4 5 6; do
	burst $((r * 100))
	[ "$(psqlq prim "SELECT pg_current_wal_insert_lsn() > pg_current_wal_flush_lsn()")" = t ] &&
		unflushed=$((unflushed + 1))
	url=$P
	[ $((r % 2)) -eq 0 ] && url=$D
	expect_code 0 jcapture "$url" db.journal
	[ "$(jcat db.journal | grep -c 'insert t ')" -eq $((r * 20)) ] && whole=$((whole + 1))
done
check "the server had WAL left to flush when a drain began ($unflushed of 6)" [ $unflushed -ge 3 ]
check "each drain took every transaction committed before it ($whole of 6)" [ $whole -eq 6 ]
finish

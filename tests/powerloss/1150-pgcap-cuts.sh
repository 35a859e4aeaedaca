#!/bin/sh
# Power cuts under jcapture draining a PostgreSQL primary (the server's own files stay on a
# real disk: only the machine that holds the journal loses power). The capture syncs the
# journal before each status update that lets the slot forget, not after each transaction:
# after each cut and one more drain, the journal holds exactly what the primary committed,
# each transaction once. A slot told about a transaction the cut then took from the
# journal would lose it; a position read from anywhere but the journal would repeat one.
LAZYFS_CACHE_SIZE=64mb
. "$(dirname "$0")/lib.sh"
. "$JM_SRC/tests/pg/pg.sh"
heavy
row() { python3 "$JM_SRC/tests/e2e/jmrow.py" "$@"; }
files() { ls "$MNT"/db.0*.journal 2>/dev/null | sort; echo "$MNT/db.journal"; }

pg_start
pg_createdb prim
P=$(pg_url prim)
psqlq prim "CREATE TABLE t(id bigint PRIMARY KEY, v text, n int)"
lz_start
jappend --create "$MNT/db.journal" >/dev/null
expect_code 0 jcapture --install "$P" "$MNT/db.journal"
rounds=$(pl_rounds 4)
for r in $(seq 1 "$rounds"); do
	# the writer: one-row transactions, an update and a delete now and then (the server
	# does not lose power here: its commits need not wait for its disk); the cut comes
	# while the capture still drains what it wrote
	awk -v r="$r" 'BEGIN { for (i = 1; i <= 3000; i++) {
		id = r * 1000000 + i
		printf "INSERT INTO t VALUES (%d, %c%d%c, 0);\n", id, 39, i, 39
		if (i % 5 == 0) printf "UPDATE t SET n = n + 1 WHERE id = %d;\n", id - 1
		if (i % 7 == 0) printf "DELETE FROM t WHERE id = %d;\n", id - 3
	} }' | PGOPTIONS="-c synchronous_commit=off" \
	    "$PGBIN/psql" -X -q -h "$PGSOCK" -p "$PGPORT" -U postgres -d prim >/dev/null 2>&1 &
	w=$!
	jcapture --every 20ms "$P" "$MNT/db.journal" 2>/dev/null &
	d=$!
	[ $((r % 2)) -eq 0 ] && (jrotate --every 50ms "$MNT/db.journal" >/dev/null 2>&1 & echo $! >rot.pid)
	wait $w
	python3 -c "import random, time; time.sleep(random.uniform(0, 0.3))"
	lz_crash $d $(cat rot.pid 2>/dev/null)
	rm -f rot.pid
	wait $d 2>/dev/null
	pl_point
	lz_start
	# the writer's last commits may still be in the server's WAL buffers: the drain has
	# them flushed, and takes them too (e2e 1119)
	expect_code 0 jcapture "$P" "$MNT/db.journal"
	rm -f r.db
	row replay r.db $(files) || fail "round $r: replay"
	psqlq prim "SELECT id, v, n FROM t ORDER BY id" >p.rows
	sqlite3 r.db "SELECT id, v, n FROM t ORDER BY id" >r.rows
	check "round $r: the journal holds exactly what the primary committed ($(wc -l <p.rows) rows)" \
	    test_cmp p.rows r.rows
done
pl_points "power cuts under jcapture postgresql:// --every and jrotate"
lz_stop
finish

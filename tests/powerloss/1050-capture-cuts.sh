#!/bin/sh
# Power cuts while an application commits (synchronous=NORMAL: its last commits may be lost
# with the power) and jcapture --every drains: after each cut and one more drain, the
# journal holds exactly the changes the surviving database holds, each once. A drain that
# appended a transaction the cut then took from the database would give the mirror a
# transaction the primary never had; one that deleted outbox rows before the journal had
# them would lose it.
LAZYFS_CACHE_SIZE=64mb
. "$(dirname "$0")/lib.sh"

row() { python3 "$JM_SRC/tests/e2e/jmrow.py" "$@"; }
appdump() { sqlite3 "$1" .dump | grep -v 'jmirror_\|^PRAGMA\|^BEGIN\|^COMMIT\|sqlite_sequence'; }
files() { ls "$MNT"/app.0*.journal 2>/dev/null | sort; echo "$MNT/app.journal"; }

cat >writer.py <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], timeout=30, isolation_level=None)
db.execute("PRAGMA synchronous=NORMAL")
n = 0
while True:
    n += 1
    db.execute("BEGIN IMMEDIATE")
    db.execute("INSERT INTO t(v) VALUES(?)", ("row %d" % n,))
    db.execute("UPDATE c SET n = n + 1")
    if n % 5 == 0:
        db.execute("DELETE FROM t WHERE k = (SELECT min(k) FROM t)")
    db.execute("COMMIT")
    if n == 20:
        open(sys.argv[2], "w").close()
PY

lz_start
sqlite3 "$MNT/app.db" "CREATE TABLE t(k INTEGER PRIMARY KEY, v); CREATE TABLE c(n); INSERT INTO c VALUES(0)"
jappend --create "$MNT/app.journal"
jcapture --install "$MNT/app.db" "$MNT/app.journal" || fail "install"
rounds=$(pl_rounds 4)
for r in $(seq 1 "$rounds"); do
	rm -f started
	python3 writer.py "$MNT/app.db" started 2>/dev/null &
	w=$!
	jcapture --every 20ms "$MNT/app.db" "$MNT/app.journal" 2>/dev/null &
	d=$!
	[ $((r % 2)) -eq 0 ] && (jrotate --every 50ms "$MNT/app.journal" >/dev/null 2>&1 & echo $! >rot.pid)
	wait_for test -e started
	python3 -c "import random, time; time.sleep(random.uniform(0.05, 0.4))"
	lz_crash $w $d $(cat rot.pid 2>/dev/null)
	rm -f rot.pid
	wait $w $d 2>/dev/null
	pl_point
	lz_start
	expect_code 0 jcapture "$MNT/app.db" "$MNT/app.journal"
	check "round $r: the outbox is empty after a drain" \
	    test "$(sqlite3 "$MNT/app.db" "SELECT count(*) FROM jmirror_outbox WHERE op <> 'P'")" -eq 0
	check "round $r: positions contiguous" sh -c "python3 '$JM_SRC/tests/e2e/jmrow.py' positions $(files | tr '\n' ' ') |
	    awk 'NR > 1 && \$1 != last + 1 { exit 1 } { last = \$2 }'"
	rm -f r.db
	row replay r.db $(files) || fail "round $r: replay"
	appdump "$MNT/app.db" >p.dump
	appdump r.db >r.dump
	check "round $r: the journal holds exactly what the surviving database holds" test_cmp p.dump r.dump
done
pl_points "power cuts during writes, drains and rotations"
lz_stop
finish

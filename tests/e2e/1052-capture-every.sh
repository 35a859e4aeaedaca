#!/bin/sh
# jcapture --every drains while 4 writer processes commit multi-statement transactions (and
# roll some back): each drain holds whole transactions only, every change arrives once,
# SIGTERM ends it cleanly, and a second drainer of the same database is refused (75).
. ./lib.sh

row() { python3 "$JM_SRC/tests/e2e/jmrow.py" "$@"; }
appdump() { sqlite3 "$1" .dump | grep -v 'jmirror_\|^PRAGMA\|^BEGIN\|^COMMIT\|sqlite_sequence'; }

sqlite3 app.db "CREATE TABLE item(w INTEGER, n INTEGER, i INTEGER, PRIMARY KEY(w, n, i));
	CREATE TABLE tally(w INTEGER PRIMARY KEY, n INTEGER);"
jappend --create app.journal
jcapture --install app.db app.journal || fail "install"
jcapture --every 20ms app.db app.journal 2>drain.err &
drainer=$!
at_exit "kill $drainer"
wait_for locked .app.db.capture.lock
expect_code 75 jcapture app.db app.journal
check "a second drainer says busy" grep -q 'busy' "$T/err"

cat >writer.py <<'PY'
import random, sqlite3, sys
w = int(sys.argv[2])
db = sqlite3.connect(sys.argv[1], timeout=30, isolation_level=None)
db.execute("INSERT INTO tally VALUES(?, 0)", (w,))
for n in range(1, 301):
    db.execute("BEGIN IMMEDIATE")
    for i in range(3):
        db.execute("INSERT INTO item VALUES(?, ?, ?)", (w, n, i))
    db.execute("UPDATE tally SET n = ? WHERE w = ?", (n, w))
    if random.random() < 0.2:
        db.execute("DELETE FROM item WHERE w = ? AND n = ? AND i = 1", (w, n))
    db.execute("ROLLBACK" if n % 7 == 0 else "COMMIT")
PY
for w in 1 2 3 4; do python3 writer.py app.db $w & done
wait_for sh -c '[ "$(sqlite3 app.db "SELECT count(*) FROM tally WHERE n >= 300")" -eq 4 ]'
wait_for sh -c '[ "$(sqlite3 app.db "SELECT count(*) FROM jmirror_outbox WHERE op <> '\''P'\''")" -eq 0 ]'
kill -TERM $drainer
wait $drainer
check "SIGTERM ends --every with 0 (rc $?)" test $? -eq 0
check "nothing on stderr" test ! -s drain.err
row show app.journal >shown
check "several drains" test "$(grep -c '^record' shown)" -gt 2
# A transaction is whole in one record: its tally update and its items are together.
awk '/^record/ { r = $2 } /^insert item/ { split($3, a, /[=,]/); t[a[2] " " a[4]] = t[a[2] " " a[4]] " " r }
	END { for (k in t) { n = split(t[k], x, " "); for (i = 2; i <= n; i++) if (x[i] != x[1]) { print k; exit 1 } } }' shown
check "no transaction is split between drains" test $? -eq 0
rm -f r.db
check "replayed, the journal equals the primary" sh -c "python3 '$JM_SRC/tests/e2e/jmrow.py' replay r.db app.journal &&
	[ \"\$(sqlite3 app.db .dump | grep -v 'jmirror_\|sqlite_sequence')\" = \"\$(sqlite3 r.db .dump | grep -v 'jmirror_\|sqlite_sequence')\" ]"
check "rolled back transactions are not there" test "$(sqlite3 r.db 'SELECT count(*) FROM item WHERE n % 7 = 0')" -eq 0
finish

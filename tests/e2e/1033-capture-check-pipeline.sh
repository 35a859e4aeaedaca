#!/bin/sh
# The whole path: a captured primary with writers running, jcapture --every with
# --checksum-every, jrotate, jintegrate applying row records by key and verifying every check
# record where it stands; jstatus shows the last verified LSN. A mirror tampered with between
# two segments refuses the next check (78, table and key range named, mirror unchanged), and
# goes on once repaired.
. ./lib.sh
command -v sqlite3 >/dev/null || skip "sqlite3 command line not installed"

sqlite3 app.db "
CREATE TABLE acct(id INTEGER PRIMARY KEY, bal INTEGER, note TEXT);
CREATE TABLE tag(name TEXT PRIMARY KEY, n REAL) WITHOUT ROWID;
CREATE TABLE bare(a, b);
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 30000)
INSERT INTO acct SELECT i, 100, 'n' || i FROM s;
INSERT INTO bare VALUES(1, 0.1), (2, x'00');"
mkdir j
jappend --create j/app.journal
expect_code 0 jcapture --install app.db j/app.journal

cat >writer.py <<'PY'
import os, random, sqlite3, time
db = sqlite3.connect("app.db", isolation_level=None, timeout=30)
n = 0
while n < 1500:
    time.sleep(0.001)
    a, b = random.randint(1, 30000), random.randint(1, 30000)
    db.execute("BEGIN IMMEDIATE")
    db.execute("UPDATE acct SET bal = bal - 1 WHERE id = ?", (a,))
    db.execute("UPDATE acct SET bal = bal + 1 WHERE id = ?", (b,))
    t = "t%d" % (n % 50)
    if db.execute("SELECT 1 FROM tag WHERE name = ?", (t,)).fetchone():
        db.execute("UPDATE tag SET n = n + 0.1 WHERE name = ?", (t,))
    else:
        db.execute("INSERT INTO tag VALUES(?, 0.1)", (t,))
    if n % 7 == 0:
        db.execute("INSERT INTO bare VALUES(?, ?)", (n, random.random()))
    if n % 11 == 0:
        db.execute("DELETE FROM bare WHERE rowid = (SELECT min(rowid) FROM bare)")
    db.execute("COMMIT")
    n += 1
PY
python3 writer.py &
wpid=$!
jcapture --every 50ms --checksum-every 300ms app.db j/app.journal &
cpid=$!
jrotate --every 200ms j/app.journal >/dev/null &
rpid=$!
at_exit "kill $wpid $cpid $rpid"
checks() { _n=$1; set -- $(ls j/app.0*.journal 2>/dev/null)
	[ $# -gt 0 ] && [ "$(python3 "$JM_SRC/tests/e2e/jmverify.py" --count "$@")" -ge "$_n" ]; }
wait $wpid
check "check records sealed into segments while the writer wrote" wait_for checks 3
kill -TERM $cpid $rpid
wait $cpid $rpid
jcapture --checksum app.db j/app.journal
jrotate j/app.journal >/dev/null

expect_code 0 jintegrate --db m.db $(ls j/app.0*.journal)
n=$(python3 "$JM_SRC/tests/e2e/jmverify.py" --count $(ls j/app.0*.journal))
last=$(jjdump $(ls j/app.0*.journal) | tail -n 1 | cut -f 1)
check "every one of the $n check records passed, the last one recorded" \
	test "$(sqlite3 m.db 'select lsn from jmirror_check')" = "$last"
expect_code 0 jstatus --db m.db
check "jstatus shows it" grep -q "^  verified      LSN $last: equal to the primary as of " out
appdump() { sqlite3 "$1" .dump | grep -v 'jmirror_\|^PRAGMA\|^BEGIN\|^COMMIT\|sqlite_sequence'; }
appdump app.db >p.dump
appdump m.db >m.dump
check "mirror and primary equal" test_cmp p.dump m.dump

# tampered between two segments: the next check is refused, naming the range
sqlite3 app.db "UPDATE acct SET bal = bal + 5 WHERE id = 12345"
jcapture --checksum app.db j/app.journal
seg=$(jrotate j/app.journal)
sqlite3 m.db "DELETE FROM acct WHERE id = 29999"
sqlite3 m.db .dump >before
expect_code 78 jintegrate --db m.db "$seg"
check "refused naming the table and key range" grep -q "$seg: LSN [0-9]*: check: table acct, keys > 20000: the mirror has 9999 rows, the primary 10000" err
sqlite3 m.db .dump >after
check "mirror unchanged" test_cmp before after
sqlite3 app.db "SELECT 'INSERT INTO acct VALUES(' || id || ',' || bal || ',''' || note || ''');' FROM acct WHERE id = 29999" | sqlite3 m.db
expect_code 0 jintegrate --db m.db "$seg"
check "repaired: applied and verified" test "$(sqlite3 m.db 'select lsn from jmirror_check')" = "$(jjdump "$seg" | tail -n 1 | cut -f 1)"
finish

#!/bin/sh
# jcapture --checksum: the drain also appends a check record of every table, taken in the
# drain's own snapshot while writers keep writing, in one batch with the drain's last record.
# A mirror made from the journal alone (tests/e2e/jmrow.py) passes it, as verified by a second
# reader written from jmirror.5 alone (tests/e2e/jmverify.py), and fails it once tampered
# with. --checksum-every takes one every so often beside --every.
. ./lib.sh
command -v sqlite3 >/dev/null || skip "sqlite3 command line not installed"
row() { python3 "$JM_SRC/tests/e2e/jmrow.py" "$@"; }
verify() { python3 "$JM_SRC/tests/e2e/jmverify.py" "$@"; }

expect_code 64 jcapture --checksum --every 1s app.db app.journal
expect_code 64 jcapture --checksum-every 1s app.db app.journal
expect_code 64 jcapture --install --checksum app.db app.journal

sqlite3 app.db "
CREATE TABLE acct(id INTEGER PRIMARY KEY, bal INTEGER, note TEXT);
CREATE TABLE kv(k TEXT PRIMARY KEY, v) WITHOUT ROWID;
CREATE TABLE log(a, b);
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 25000)
INSERT INTO acct SELECT i, 1000, 'n' || i FROM s;" 
jappend --create app.journal
expect_code 0 jcapture --install app.db app.journal

# a writer moving money between accounts, logging, counting, until told to stop
cat >writer.py <<'PY'
import os, random, sqlite3, sys, time
db = sqlite3.connect("app.db", isolation_level=None, timeout=30)
n = 0
while not os.path.exists("stop"):
    a, b, x = random.randint(1, 25000), random.randint(1, 25000), random.randint(1, 50)
    db.execute("BEGIN IMMEDIATE")
    db.execute("UPDATE acct SET bal = bal - ? WHERE id = ?", (x, a))
    db.execute("UPDATE acct SET bal = bal + ? WHERE id = ?", (x, b))
    db.execute("INSERT INTO log VALUES(?, ?)", (n, x * 0.1))
    k = "k%d" % (n % 97)
    if db.execute("SELECT 1 FROM kv WHERE k = ?", (k,)).fetchone():
        db.execute("UPDATE kv SET v = v + ? WHERE k = ?", (n, k))
    else:
        db.execute("INSERT INTO kv VALUES(?, ?)", (k, n))
    if n % 10 == 0:
        db.execute("DELETE FROM log WHERE a = ?", (n - 5,))
    db.execute("COMMIT")
    time.sleep(0.001)   # an application leaves the write lock free between transactions
    n += 1
    if n == 200:
        open("started", "w").close()
print(n)
PY
python3 writer.py >written &
wpid=$!
wait_for test -e started
expect_code 0 jcapture -v --checksum app.db app.journal
check "the drain says where its check record went" grep -q "check record of app.db appended to app.journal at LSN [0-9]" err
lsn=$(sed -n 's/.*at LSN \([0-9]*\)$/\1/p' err)
check "the check record is the journal's last record" test "$(jjdump app.journal | tail -n 1 | cut -f 1)" = "$lsn"
check "written while the writer ran" test ! -e written -o ! -s written
: >stop
wait $wpid
check "the writer wrote on after the snapshot" test "$(sqlite3 app.db "select count(*) from jmirror_outbox where op <> 'P'")" -gt 0

# a mirror replayed from the journal up to the check record passes it
row replay r.db app.journal
expect_code 0 verify r.db app.journal
check "the mirror passes the check taken in the drain's snapshot" grep -q "^LSN $lsn: ok, 3 tables, [0-9]* chunks" out
check "the primary itself moved on since" sh -c '! python3 "$JM_SRC/tests/e2e/jmverify.py" app.db app.journal >/dev/null'
sqlite3 r.db "UPDATE acct SET bal = bal + 1 WHERE id = 24000"
expect_code 1 verify r.db app.journal
check "a tampered mirror fails it, in the right chunk" grep -q "^LSN $lsn: table acct, chunk 2 (\[20000\] to None)" out

# --every with --checksum-every: a check now and then, each in its drain's snapshot
rm -f stop started
python3 writer.py >/dev/null &
wpid=$!
wait_for test -e started
jcapture --every 50ms --checksum-every 200ms app.db app.journal &
cpid=$!
checks4() { [ "$(verify --count app.journal)" -ge 4 ]; }
check "check records every 200ms" wait_for checks4
: >stop
wait $wpid
kill -TERM $cpid
wait $cpid
check "SIGTERM ends it cleanly" test $? -eq 0
expect_code 0 jcapture --checksum app.db app.journal
rm -f r.db
row replay r.db app.journal
expect_code 0 verify --last r.db app.journal
check "the final mirror passes the last check" grep -q "ok, 3 tables" out

# a drain larger than a record is a group: its check records close it, in the same write
sqlite3 app.db "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 200)
	INSERT INTO log SELECT -i, randomblob(100000) FROM s"
expect_code 0 jcapture -v --checksum app.db app.journal
check "a drain of several records" grep -q "as [2-9] records" err
lsn=$(sed -n 's/.*at LSN \([0-9]*\)$/\1/p' err)
check "its check record ends the group and the journal" test "$(jjdump app.journal | tail -n 1 | cut -f 1)" = "$lsn"
rm -f r.db
row replay r.db app.journal
expect_code 0 verify --last r.db app.journal
check "the mirror passes it" grep -q "^LSN $lsn: ok, 3 tables" out
finish

#!/bin/sh
# The whole promise, tried as an application would: a Python writer (the standard sqlite3
# module, unchanged) doing random multi-statement transactions with rollbacks, random(),
# 'now', INSERT OR REPLACE over a unique column, upserts, key-changing updates, deletes,
# blobs and edge values, plus an application trigger writing an audit table; jcapture
# --every SIGKILLed at random and restarted; jrotate | jship to two mirrors. At the end every
# application table of both mirrors equals the primary's. Then a 100 MB transaction, killed
# inside its group, arrives whole.
. ./lib.sh

appdump() { sqlite3 "$1" .dump | grep -v 'jmirror_\|^PRAGMA\|^BEGIN\|^COMMIT\|sqlite_sequence'; }

sqlite3 app.db "
CREATE TABLE acct(id INTEGER PRIMARY KEY, name TEXT UNIQUE, bal REAL, note BLOB);
CREATE TABLE kv(k TEXT PRIMARY KEY, v);
CREATE TABLE pair(a INTEGER, b TEXT, v, PRIMARY KEY(a, b)) WITHOUT ROWID;
CREATE TABLE plain(x, y);
CREATE TABLE audit(id INTEGER PRIMARY KEY AUTOINCREMENT, what TEXT, at TEXT);
CREATE TRIGGER acct_audit AFTER UPDATE ON acct BEGIN
  INSERT INTO audit(what, at) VALUES('update ' || NEW.id, strftime('%Y-%m-%d %H:%M:%f', 'now'));
END;
INSERT INTO acct VALUES(1, 'seed', 0.5, x'00');"
jappend --create app.journal
jcapture --install app.db app.journal || fail "install"

cat >writer.py <<'PY'
import os, random, sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], timeout=30, isolation_level=None)
rnd = random.Random(int(sys.argv[2]))
edge = [9223372036854775807, -9223372036854775808, 0.1 + 0.2, 1e308, -0.0, 4.9e-324,
        "a\x00b", b"\xff\xfe\x00", "", b"", None, "\u00e9t\u00e9"]
def stmt():
    r = rnd.random()
    i = rnd.randrange(1, 60)
    if r < 0.15:
        db.execute("INSERT OR REPLACE INTO acct(id, name, bal, note) VALUES(?, ?, ?, randomblob(8))",
                   (i, "n%d" % rnd.randrange(30), rnd.random() * 100))
    elif r < 0.25:
        db.execute("INSERT INTO kv VALUES(?, ?) ON CONFLICT(k) DO UPDATE SET v = excluded.v",
                   ("k%d" % i, rnd.choice(edge)))
    elif r < 0.35:
        db.execute("UPDATE acct SET id = id + 100, bal = bal * 1e308 * 10 WHERE id = ?", (i,))
    elif r < 0.45:
        db.execute("UPDATE acct SET bal = bal + random() % 100, name = name || 'x' WHERE id = ?", (i,))
    elif r < 0.55:
        db.execute("DELETE FROM acct WHERE id % 7 = ?", (i % 7,))
    elif r < 0.65:
        db.execute("INSERT OR REPLACE INTO pair VALUES(?, ?, strftime('%Y-%m-%d %H:%M:%f', 'now'))",
                   (i % 5, "b%d" % (i % 3)))
    elif r < 0.75:
        db.execute("INSERT INTO plain VALUES(?, ?)", (rnd.choice(edge), os.urandom(rnd.randrange(0, 200))))
    elif r < 0.8:
        db.execute("DELETE FROM plain WHERE rowid IN (SELECT rowid FROM plain ORDER BY random() LIMIT 2)")
    elif r < 0.9:
        db.execute("INSERT OR IGNORE INTO acct(id, name) VALUES(?, ?)", (i, "n%d" % rnd.randrange(30)))
    else:
        db.execute("REPLACE INTO kv VALUES(?, ?)", ("k%d" % i, rnd.choice(edge)))
try:
  for n in range(int(sys.argv[3])):
    db.execute("BEGIN IMMEDIATE")
    for _ in range(rnd.randrange(1, 6)):
        try:
            stmt()
        except sqlite3.IntegrityError:
            pass                # the statement is undone, its transaction goes on
    db.execute("ROLLBACK" if rnd.random() < 0.15 else "COMMIT")
    time.sleep(0.001)           # at least 1.5 s of writing: the drainer dies several times
  open(sys.argv[1] + ".ok", "w").close()
finally:
  open(sys.argv[1] + ".done", "w").close()
PY

# The drainer, SIGKILLed at random moments and started again.
cat >drainer.sh <<'SH'
while [ ! -e app.db.done ]; do
	jcapture --every 30ms app.db app.journal 2>>drain.err &
	p=$!
	python3 -c "import random, time; time.sleep(random.uniform(0.05, 0.3))"
	kill -KILL $p
	wait $p 2>/dev/null
	echo killed >>kills
done
SH
sh drainer.sh &
dr=$!
jrotate --every 100ms app.journal 2>rot.err | jship --to "file://$T/in1/" --to "file://$T/in2/" >/dev/null 2>ship.err &
at_exit "kill $dr; pkill -P $$ jrotate"
mkdir -p in1 in2
python3 writer.py app.db 1 1500 2>writer.err
check "the writer ran" test -e app.db.ok
wait $dr
expect_code 0 jcapture app.db app.journal
check "the drainer was killed several times" test "$(wc -l <kills)" -ge 2
check "killed drains said nothing but what SIGKILL says" test ! -s drain.err
jrotate app.journal >/dev/null
jship --from . --to "file://$T/in1/" --to "file://$T/in2/" >/dev/null 2>>ship.err
for m in 1 2; do
	expect_code 0 jintegrate --db m$m.db $(ls in$m/app.0*.journal | sort)
	appdump app.db >p.dump
	appdump m$m.db >m$m.dump
	check "mirror $m equals the primary, table by table" test_cmp p.dump m$m.dump
done
check "the audit trigger's rows arrived once" test "$(sqlite3 app.db 'SELECT count(*) FROM audit')" = "$(sqlite3 m1.db 'SELECT count(*) FROM audit')"

# 100 MB in one transaction, the drain killed inside its group, then run again.
expect_code 0 jcapture --ddl 'CREATE TABLE big(id INTEGER PRIMARY KEY, b BLOB)' app.db app.journal
python3 -c "
import os, sqlite3
db = sqlite3.connect('app.db')
with db:
    for i in range(100):
        db.execute('INSERT INTO big VALUES(?, ?)', (i, os.urandom(1000000)))
"
JM_TEST_CRASH=capture-group jcapture app.db app.journal >/dev/null 2>&1
check "killed inside the group" test $? -eq 137
expect_code 0 jcapture -v app.db app.journal
check "drained as a group of 7 records" grep -q '100 changes drained into app.journal as 7 records' "$T/err"
jrotate app.journal >/dev/null
jship --from . --to "file://$T/in1/" >/dev/null 2>>ship.err
expect_code 0 jintegrate --db m1.db $(ls in1/app.0*.journal | sort)
check "the 100 MB transaction arrived whole" test "$(sqlite3 m1.db 'SELECT count(*), sum(length(b)) FROM big')" = "100|100000000"
bighash() { python3 -c "
import hashlib, sqlite3, sys
h = hashlib.sha256()
for (b,) in sqlite3.connect(sys.argv[1]).execute('SELECT b FROM big ORDER BY id'):
    h.update(b)
print(h.hexdigest())" "$1"; }
check "byte for byte" test "$(bighash app.db)" = "$(bighash m1.db)"
finish

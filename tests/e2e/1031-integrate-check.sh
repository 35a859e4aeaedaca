#!/bin/sh
# A check record (digests of the primary's tables, taken in one snapshot) is verified by
# jintegrate after the records before it, in their transaction: a mirror equal to the primary
# passes and the last verified LSN is recorded (jstatus shows it); a mirror tampered with (a
# changed value, a missing row, an extra row) refuses the segment with 78 naming the table and
# the key range, the mirror unchanged, and applies it once repaired.
. ./lib.sh
command -v sqlite3 >/dev/null || skip "sqlite3 command line not installed"

mkdir j
jappend --create j/db.journal
w p.db j/db.journal "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT, r REAL, b BLOB)" \
	"CREATE TABLE n(a, b)" "CREATE TABLE c(x TEXT, y INTEGER, z, PRIMARY KEY (x, y)) WITHOUT ROWID" \
	"WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 3000)
	 INSERT INTO t SELECT i, 'v' || i, i * 0.1, x'00ff' FROM s" \
	"INSERT INTO n VALUES(1, NULL), (2, 1e308), ('x', x'01')" \
	"INSERT INTO c VALUES('a', 1, 1), ('a', 2, 2), ('b', 1, 3)" >/dev/null
check "check record appended" test "$(jmcheck -n 1000 p.db j/db.journal)" = 7
jrotate j/db.journal >/dev/null
expect_code 0 jintegrate --db m.db j/db.0001-000000000001.journal
check "applied and verified" test "$(sqlite3 m.db 'select last_lsn from jmirror_state; select lsn from jmirror_check')" = "7
7"
expect_code 0 jstatus --db m.db
check "jstatus says the verified LSN" grep -q "^  verified      LSN 7: equal to the primary as of " out
expect_code 0 jstatus --json --db m.db
check "jstatus --json has it" grep -q '"verified_lsn":7,"verified_time":[1-9]' out

# segment n: one more change and a check; the mirror tampered with before it arrives
n=1
tamper() { # what the mirror suffers | what the message must say | how to repair it
	n=$((n + 1))
	w p.db j/db.journal "UPDATE t SET v = 'w$n' WHERE id = 5" >/dev/null
	jmcheck -n 1000 p.db j/db.journal >/dev/null
	jrotate j/db.journal >/dev/null
	sqlite3 m.db "$1"
	sqlite3 m.db .dump >before
	expect_code 78 jintegrate --db m.db $(ls j/db.0*.journal)
	check "$n: names the table and the key range" grep -q "j/db.0001-00000000000$n.journal: LSN $((n * 2 + 5)): check: table $2" err
	sqlite3 m.db .dump >after
	check "$n: mirror unchanged" test_cmp before after
	sqlite3 m.db "$3"
	expect_code 0 jintegrate --db m.db $(ls j/db.0*.journal)
	check "$n: repaired, applied and verified" test "$(sqlite3 m.db 'select last_lsn from jmirror_state; select lsn from jmirror_check')" = "$((n * 2 + 5))
$((n * 2 + 5))"
}
tamper "UPDATE t SET r = 0.30000000000000004 WHERE id = 1234" \
	"t, keys > 1000 and <= 2000: the mirror's 1000 rows differ from the primary's" \
	"UPDATE t SET r = 123.4 WHERE id = 1234"
tamper "DELETE FROM t WHERE id = 2999" "t, keys > 2000: the mirror has 999 rows, the primary 1000" \
	"INSERT INTO t VALUES(2999, 'v2999', 299.90000000000003, x'00ff')"
tamper "INSERT INTO t VALUES(3001, 'extra', 0, NULL)" "t, keys > 2000: the mirror has 1001 rows" \
	"DELETE FROM t WHERE id = 3001"
tamper "INSERT INTO c VALUES('a', 3, 0)" "c, all keys: the mirror has 4 rows, the primary 3" \
	"DELETE FROM c WHERE y = 3"
tamper "UPDATE n SET b = 1e307 WHERE a = 2" "n, all keys: the mirror's 3 rows differ" \
	"UPDATE n SET b = 1e308 WHERE a = 2"
check "mirror and primary equal" same p.db m.db

# jcat shows a check record by table, and finds a damaged one
expect_code 0 jcat j/db.0001-000000000001.journal
check "jcat: one line per table" test "$(sed -n '/ check$/,$p' out | sed -n '2,4p')" = "  c key (x, y): 1 chunks, 3 rows
  n key (rowid): 1 chunks, 3 rows
  t key (id): 3 chunks, 3000 rows"
expect_code 0 jcat --json j/db.0001-000000000001.journal
check "jcat --json: the tables" grep -q '"type":"check",.*"tables":\[{"table":"c","key":\["x","y"\],"chunks":1,"rows":3},' out
# the example of jmirror.5, byte for byte
sqlite3 ex.db "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT); INSERT INTO t VALUES(1,'a'),(2,'b'),(3,'c')"
jappend --create ex.journal
jmcheck -n 2 -o ex.bin ex.db ex.journal >/dev/null
python3 -c '
import sys
d = open(sys.argv[1], "rb").read()
for o in range(0, len(d), 16):
    c = d[o:o + 16]
    h = "".join("%02x " % b + (" " if i == 7 else "") for i, b in enumerate(c))
    print("%08x  %-49s |%s|" % (o, h, "".join(chr(b) if 32 <= b < 127 else "." for b in c)))
' ex.bin >ex.hex
sed -n '/^For example, the check record/,/^\.Ed/p' "$JM_SRC/man/jmirror.5" | grep '^0000' >ex.man
check "jmirror.5's example is what jmcheck writes" test_cmp ex.man ex.hex
printf 'not a check record\0' | jmrec -T 129 bad.journal 2>/dev/null
expect_code 65 jcat --verify bad.journal
check "jcat --verify: a damaged check record" grep -q "LSN 1: check record offset [0-9]*: damaged" err
finish

#!/bin/sh
# jintegrate --exec: the command gets each segment's sql records as statements on its standard
# input, JM_SEGMENT, JM_FIRST_LSN and JM_LAST_LSN in its environment; progress is recorded
# in DIR/.NAME.state only after it exits 0 (at least once).
. ./lib.sh
command -v sqlite3 >/dev/null || skip "sqlite3 command line not installed"

mkdir in
jmgen -r 5 -b 30 in 3 >paths 2>/dev/null
cat >cmd.sh <<'X'
echo "$JM_SEGMENT $JM_FIRST_LSN $JM_LAST_LSN" >>env.log
cat >>all.sql
[ ! -e fail ] || exit 3
X
expect_code 0 jintegrate --db pg --exec 'sh cmd.sh' $(cat paths)
check "prints each" test_cmp paths out
printf '%s\n' "in/db.0001-000000000001.journal 1 5" "in/db.0001-000000000002.journal 6 10" \
	"in/db.0001-000000000003.journal 11 15" >expect
check "environment" test_cmp expect env.log
check "statements, one per line" test "$(sed -n '1p;2p' all.sql)" = "CREATE TABLE IF NOT EXISTS t(id INTEGER PRIMARY KEY, v TEXT);
INSERT INTO t VALUES(2,'abc');"
check "15 statements" test "$(wc -l <all.sql)" -eq 15
check "state file" grep -q '^last_lsn 15$' .pg.state
check "state: seq" grep -q '^seq 3$' .pg.state

# a failing command: nothing recorded, the next run gives the same records again
jmgen -r 5 -b 30 -s 4 -l 16 -p "$(sed -n 's/^digest //p' .pg.state)" in 1 >p4 2>/dev/null
touch fail
expect_code 78 jintegrate --db pg --exec 'sh cmd.sh' $(cat p4)
check "says the command failed" grep -q "LSN 16-20: the command failed (exit 3)" err
check "state unchanged" grep -q '^last_lsn 15$' .pg.state
rm fail
expect_code 0 jintegrate --db pg --exec 'sh cmd.sh' $(cat paths p4)
check "again, same records (at least once)" test "$(tail -2 env.log)" = "in/db.0001-000000000004.journal 16 20
in/db.0001-000000000004.journal 16 20"
check "state advanced" grep -q '^last_lsn 20$' .pg.state

# applied by the sqlite3 command line, equal to the SQLite applier
expect_code 0 jintegrate --db x --exec '{ echo "BEGIN;"; cat; echo "COMMIT;"; } | sqlite3 -bail x.db' $(cat paths p4)
expect_code 0 jintegrate --db y.db $(cat paths p4)
sqlite3 x.db .dump >x.dump
sqlite3 y.db '.dump t' >y.dump
check "sqlite3 CLI through --exec equals the SQLite applier" test_cmp x.dump y.dump
# raw payloads go through as they are
mkdir r
printf 'ab\0cd\0' | jmrec -T raw r/db.0001-000000000001.journal 2>/dev/null
expect_code 0 jintegrate --db raw --exec 'cat >raw.out' r/db.0001-000000000001.journal
check "raw as is" test "$(cat raw.out)" = "abcd"
# the command's output goes to standard error, not among the paths
expect_code 0 jintegrate --db z --exec 'cat' $(cat paths)
check "stdout only paths" test_cmp paths out
finish

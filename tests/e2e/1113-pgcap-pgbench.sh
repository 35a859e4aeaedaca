#!/bin/sh
# pgbench's TPC-B-like workload as the writer (4 clients), captured by jcapture --every
# SIGKILLed at random moments and started again: at the end a SQLite mirror and a PostgreSQL
# mirror equal the primary, every table compared sorted (pgbench_history, which has no key,
# captured insert-only), and both pass every check record taken meanwhile (--checksum-every)
# and at the end (--checksum).
. ./lib.sh
. "$JM_SRC/tests/pg/pg.sh"
heavy
[ -x "$PGBIN/pgbench" ] || skip "no pgbench"
pg_primary_mirror
bench() { "$PGBIN/pgbench" -h "$PGSOCK" -p "$PGPORT" -U postgres "$@"; }
bench -i -s 1 -q prim >init.log 2>&1 || { cat init.log; fail "pgbench -i"; }
jappend --create db.journal >/dev/null
expect_code 0 jcapture --install "$P" db.journal

bench -c 4 -j 2 -T 12 prim >bench.log 2>&1 &
bpid=$!
at_exit "kill $bpid 2>/dev/null"
while ! ended $bpid; do
	jcapture --every 100ms --checksum-every 500ms "$P" db.journal 2>>cap.err &
	cpid=$!
	sleep "$(shuf -i 1-20 -n 1 | awk '{ print $1 / 10 }')"    # 0.1 to 2 s: a random moment
	kill -9 $cpid 2>/dev/null
	wait $cpid 2>/dev/null
done
wait $bpid
check "pgbench ran" grep -q "number of transactions actually processed" bench.log
expect_code 0 jcapture --checksum "$P" db.journal
check "no drain failed" test_cmp /dev/null cap.err
checks=$(python3 "$JM_SRC/tests/e2e/jmverify.py" --count db.journal)
check "check records taken while pgbench wrote, and at the end" test "$checks" -ge 2

jrotate -q db.journal
expect_code 0 jintegrate --db m.db "$(seg 1)"          # 78 if a check record failed
expect_code 0 jintegrate --db "$(pg_url mirror)" "$(seg 1)"
check "the SQLite mirror verified the last check" test "$(sqlite3 m.db \
	'SELECT max(lsn) FROM jmirror_check')" = "$(jcat "$(seg 1)" | awk '$3 == "check" { l = $1 } END { print l }')"
for q in "aid, bid, abalance FROM pgbench_accounts ORDER BY aid" \
	"bid, bbalance FROM pgbench_branches ORDER BY bid" \
	"tid, bid, tbalance FROM pgbench_tellers ORDER BY tid" \
	"tid, bid, aid, delta, mtime FROM pgbench_history ORDER BY mtime, tid, aid"; do
	t=$(echo "$q" | sed 's/.* FROM \([a-z_]*\) .*/\1/')
	psqlq prim "SELECT $q" >p.$t
	psqlq mirror "SELECT $q" >m.$t
	sqlite3 m.db "SELECT $q" >s.$t
	check "PostgreSQL mirror: $t" test_cmp p.$t m.$t
	check "SQLite mirror: $t" test_cmp p.$t s.$t
done
check "the workload changed something" test "$(wc -l <p.pgbench_history)" -gt 100
finish

#!/bin/sh
# Exactly once from PostgreSQL: jcapture killed at each step of its ladder (JM_TEST_CRASH),
# then SIGKILLed at random moments while a steady writer commits (small transactions and
# ones larger than a record, journaled as groups), and PostgreSQL restarted fast and
# immediately under it: at the end every transaction is in the journal once (as many
# inserts journaled as rows on the primary, positions never going back), and a SQLite and
# a PostgreSQL mirror equal the primary.
. ./lib.sh
. "$JM_SRC/tests/pg/pg.sh"
heavy
pg_primary_mirror
psqlq prim "CREATE TABLE t(id bigint PRIMARY KEY, v text); CREATE TABLE c(k int PRIMARY KEY, n bigint);
	INSERT INTO c VALUES (1, 0)"
jappend --create db.journal >/dev/null
expect_code 0 jcapture --install "$P" db.journal

tx() {  # tx I N SIZE: transaction I inserts N rows of SIZE bytes and counts itself
	psqlq prim "BEGIN; INSERT INTO t SELECT $1 * 100000 + g, repeat(md5(g::text), $3 / 32)
		FROM generate_series(1, $2) g; UPDATE c SET n = n + 1; COMMIT" 2>/dev/null
}

# the ladder: killed with a group half written, and with a transaction durable but the slot
# not told
tx 1 30000 640                # 20 MB: a group of two records
for step in pgcap-group pgcap-appended; do
	JM_TEST_CRASH=$step jcapture "$P" db.journal >/dev/null 2>&1
	rc=$?
	check "killed at $step (rc $rc)" test $rc -eq 137
	tx 2$rc 10 100
done

writer() {
	i=10
	while [ ! -e stop ]; do
		i=$((i + 1))
		if [ $((i % 97)) -eq 0 ]; then tx $i 30000 640; else tx $i 20 64; fi
	done
}
writer &
wpid=$!
at_exit "touch $T/stop; kill $wpid 2>/dev/null"
for round in 1 2 3 4 5 6 7 8 9 10; do
	jcapture --every 50ms "$P" db.journal 2>>cap.err &
	cpid=$!
	sleep "0.$(shuf -i 2-9 -n 1)"
	case $round in
	4) pg_restart >/dev/null ;;                                          # fast
	7) _pg_ctl -m immediate stop; _pg_ctl -l "$PGDIR/log" -w -t 60 start ;;  # a crash
	esac
	sleep "0.$(shuf -i 1-9 -n 1)"
	kill -9 $cpid 2>/dev/null
	wait $cpid 2>/dev/null
done
touch stop
wait $wpid
expect_code 0 jcapture "$P" db.journal
# (a jcapture started while the server is down exits 75 at once)
grep -v "unable to \(drain.*\)\?\(connect\|stream\|terminat\|shut\)" cap.err >unexpected
check "no drain failed but for the restarts" test_cmp /dev/null unexpected

jcat db.journal >j.txt
check "every transaction journaled once" test "$(grep -c '^  insert t ' j.txt)" = \
	"$(psqlq prim 'SELECT count(*) FROM t')"
check "positions never go back" sh -c "grep 'row positions' j.txt | sed 's/.*positions \([0-9]*\)-.*/\1/' |
	awk 'NR > 1 && \$1 < last { exit 1 } { last = \$1 }'"
check "the counter was journaled as often as it moved" test \
	"$(grep -c '^  update c ' j.txt)" = "$(psqlq prim 'SELECT n FROM c')"

jrotate -q db.journal
expect_code 0 jintegrate --db m.db "$(seg 1)"
expect_code 0 jintegrate --db "$(pg_url mirror)" "$(seg 1)"
q="SELECT id, length(v), substr(v, 1, 40), substr(v, length(v) - 40) FROM t ORDER BY id;
	SELECT * FROM c"
psqlq prim "$q" >p.txt
psqlq mirror "$q" >m.txt
check "PostgreSQL mirror equals the primary" test_cmp p.txt m.txt
sqlite3 m.db "$q" >s.txt
check "SQLite mirror equals the primary" test_cmp p.txt s.txt
finish

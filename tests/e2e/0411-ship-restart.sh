#!/bin/sh
# jrotate --every | jship restarted 20 times with SIGTERM (as systemctl restart does) while
# a writer appends; then the cron queue run delivers every segment, which the mirror side
# then has, each byte for byte, and applies as one chain.
. ./lib.sh

mkdir p in
jappend --create p/db.journal
jappend p/db.journal "CREATE TABLE t(i);"
u="file://$T/in/"
( i=0; while [ ! -e stop ]; do i=$((i + 1)); jappend p/db.journal "INSERT INTO t VALUES($i);" || exit 1; done ) &
writer=$!
at_exit "touch $T/stop; kill $writer"

count_in() { ls in | grep -c '^db\.0001-.*\.journal$'; }
more_than() { [ "$(count_in)" -gt "$1" ]; }

for r in $(seq 1 20); do
	have=$(count_in)
	mkfifo pipe$r
	jrotate --every 20ms p/db.journal >pipe$r 2>>rotate.err &
	rp=$!
	jship --to "$u" <pipe$r >/dev/null 2>>ship.err &
	sp=$!
	wait_for more_than "$have" || fail "restart $r: nothing arrived"
	kill -TERM $rp $sp
	wait $rp $sp 2>/dev/null
	rm pipe$r
done
touch stop
wait $writer
jrotate p/db.journal >/dev/null
n=$(ls p | grep -c '^db\.0001-.*\.journal$')
check "many segments were made ($n)" test "$n" -gt 20

expect_code 0 jship --to "$u" --from p
missing=0
for f in p/db.0001-*.journal; do
	cmp -s "$f" "in/${f#p/}" || { missing=$((missing + 1)); echo "    missing ${f#p/}"; }
done
check "queue run: every segment delivered ($n)" test "$missing" -eq 0
expect_code 0 jstatus p/db.journal
check "jstatus: empty queue" grep -q "send queue    $u: 0 segments" out
expect_code 0 jintegrate --db m.db --from in
rows=$(sqlite3 m.db 'SELECT count(*) FROM t')
last=$(jjdump p/db.0001-*.journal | grep -c 'INSERT')
check "mirror applied every record ($rows of $last)" test "$rows" -eq "$last"
finish

#!/bin/sh
# Hub-and-spoke and a chain, through the runbook scripts over file://: the primary sends to
# two mirrors, one of which relays to a mirror-mirror; a database with data from before its
# journal is seeded by a backup without bookkeeping; the monitoring check script; every
# mirror ends equal to the primary.
. ./lib.sh
command -v sqlite3 >/dev/null || skip "sqlite3 command line not installed"
RB=$JM_SRC/examples/runbook
export JM_ROTATE_AGE=1ms

# data from before the journal existed, then the journal and the seed backup
sqlite3 p.db "create table t(id integer primary key, v text)" "insert into t(v) values('old')"
mkdir p in1 in2 in3
jappend --create p/db.journal
expect_code 0 jbackup --db p.db -o seed.tar.zst
for m in m1 m2; do
	expect_code 0 sh $RB/seed-mirror.sh seed.tar.zst $m.db in1
	check "$m: seeded with no bookkeeping" grep -q "restored $m.db: no mirror bookkeeping" err
done
expect_code 0 jbackup --restore seed.tar.zst --db m3.db

i=0
while [ $i -lt 5 ]; do
	i=$((i + 1))
	w p.db p/db.journal "insert into t(v) values('row $i')" "update t set v = v || '+' where id = 1"
	expect_code 0 sh $RB/primary-cron.sh p/db.journal "file://$T/in1/" "file://$T/in2/"
	expect_code 0 sh $RB/mirror-cron.sh m1.db in1 "file://$T/in3/"
	# m2 and m3 run once on the way, then fall behind
	if [ $i -eq 2 ]; then
		expect_code 0 sh $RB/mirror-cron.sh m2.db in2
		expect_code 0 sh $RB/mirror-cron.sh m3.db in3
	fi
done
check "hub: both spokes have every segment" test "$(ls in1)" = "$(ls in2)"
check "chain: the relay passed on every segment" test "$(ls in1)" = "$(ls in3)"
check "relayed byte-identical" sh -c 'for f in in1/*; do cmp -s $f in3/${f#in1/} || exit 1; done'
expect_code 1 env JM_WARN=queue=1 JM_CRIT=queue=5 sh $RB/check.sh m2.db in2
check "the late spoke: queue 3 is a warning" grep -q "^JMIRROR WARNING - lag [0-9.]*s, queue 3 (warning) |" out
expect_code 2 env JM_WARN=queue=1 JM_CRIT=queue=2 sh $RB/check.sh m2.db in2
expect_code 0 sh $RB/mirror-cron.sh m2.db in2
expect_code 0 sh $RB/mirror-cron.sh m3.db in3
expect_code 0 sh $RB/check.sh m2.db in2
check "check line" grep -q "^JMIRROR OK - lag 0.0s, queue 0 | lag=0.0s;60;300 queue=0;10;100 bytes=0B;; age=" out
for m in m1 m2 m3; do
	check "$m equals the primary" same p.db $m.db
done
check "the pre-journal row is there" test "$(sqlite3 m3.db 'select v from t where id = 1')" = "old+++++"
expect_code 3 sh $RB/check.sh m2.db
finish

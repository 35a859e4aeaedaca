#!/bin/sh
# examples/hub over an S3 hub (Ceph RGW): a primary and two pulling mirrors, keys and
# endpoint from the AWS variables. Both mirrors end equal to the primary; the bucket prefix
# is emptied of what both have fetched, and only of that: a stopped mirror holds retention,
# and jstatus --hub says so.
. ./lib.sh
. "$JM_SRC/tests/s3/ceph.sh"
heavy
command -v sqlite3 >/dev/null || skip "sqlite3 command line not installed"
start_s3 "$T" || skip "Ceph RGW did not start"
export AWS_ACCESS_KEY_ID="$S3_ACCESS_KEY" AWS_SECRET_ACCESS_KEY="$S3_SECRET_KEY"
export AWS_ENDPOINT_URL="$S3_ENDPOINT"
EX=$JM_SRC/examples/hub
export EVERY=100ms JM_ROTATE_AGE=1ms
H="s3://$S3_BUCKET/hub/"
keys() { s3curl -H "x-amz-content-sha256: $(s3_empty)" "$S3_ENDPOINT/$S3_BUCKET?list-type=2&prefix=hub%2F${1:-}" |
	grep -o '<Key>[^<]*</Key>' | sed 's:<Key>hub/\([^<]*\)</Key>:\1:'; }

mkdir p
sqlite3 p.db "create table t(id integer primary key, v text)"
jappend --create p/db.journal
jappend p/db.journal "create table t(id integer primary key, v text)"
expect_code 0 env EXPIRE=0s sh $EX/primary-cron.sh p/db.journal "$H"

NAME=m1 HUB=$H IN=$T/in1 DB=$T/m1.db sh $EX/pulling-mirror.sh 2>m1.err &
p1=$!
NAME=m2 HUB=$H IN=$T/in2 DB=$T/m2.db sh $EX/pulling-mirror.sh 2>m2.err &
p2=$!
at_exit "pkill -P $p1; pkill -P $p2; kill $p1 $p2"
registered() { [ "$(keys .jmirror%2F | sed -n 's:^\.jmirror/\([^.]*\)\.cursor\..*:\1:p' | sort -u | wc -l)" -eq 2 ]; }
check "both mirrors registered under hub/.jmirror/" wait_for registered

for i in 1 2 3; do
	w p.db p/db.journal "insert into t(v) values('row $i')"
	expect_code 0 env EXPIRE=0s sh $EX/primary-cron.sh p/db.journal "$H"
done
at() { [ "$(sqlite3 "$1" 'select seq from jmirror_state' 2>/dev/null)" = "$2" ]; }
check "m1 applied all four" wait_for at m1.db 4
check "m2 applied all four" wait_for at m2.db 4
check "m1 equals the primary" same p.db m1.db
check "m2 equals the primary" same p.db m2.db

# m2 stops: it holds retention
pkill -TERM -P $p2; kill -TERM $p2; wait $p2 2>/dev/null
cursor_at() { keys .jmirror%2F | grep -q "^.jmirror/m1.cursor.0001-00000000000$1"; }
check "m1's cursor caught up" wait_for cursor_at 4
expect_code 0 env EXPIRE=0s sh $EX/primary-cron.sh p/db.journal "$H"
check "the hub is emptied of what both have" test -z "$(keys | grep -v '^\.jmirror/')"
w p.db p/db.journal "insert into t(v) values('row 4')"
expect_code 0 env EXPIRE=0s sh $EX/primary-cron.sh p/db.journal "$H"
check "m1 applied the fifth" wait_for at m1.db 5
check "m1's cursor moved" wait_for cursor_at 5
expect_code 0 env EXPIRE=0s sh $EX/primary-cron.sh p/db.journal "$H"
check "the segment m2 lacks stays on the hub" test "$(keys | grep -v '^\.jmirror/')" = "$(seg 5)"
check "the primary names m2" grep -q "mirror m2 holds retention" err
expect_code 0 jstatus --hub "$H"
check "jstatus: m2 holds retention" grep -q "mirror m2 .*behind 1 (holds retention" out
finish

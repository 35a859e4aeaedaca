#!/bin/sh
# examples/hub: a primary and two pulling mirrors over an SFTP hub. Both mirrors end equal
# to the primary; the hub is emptied of what both have fetched, and only of that: while the
# second mirror is stopped it holds retention.
. ./lib.sh
. "$JM_SRC/tests/e2e/servers.sh"
command -v sqlite3 >/dev/null || skip "sqlite3 command line not installed"
start_sftp "$T" || skip "no sshd"
EX=$JM_SRC/examples/hub
export KEY=$SSH_KEY KNOWN_HOSTS EVERY=100ms JM_ROTATE_AGE=1ms
SSH="--key $SSH_KEY --known-hosts $KNOWN_HOSTS"

mkdir p
sqlite3 p.db "create table t(id integer primary key, v text)"
jappend --create p/db.journal
jappend p/db.journal "create table t(id integer primary key, v text)"
expect_code 0 env EXPIRE=0s sh $EX/primary-cron.sh p/db.journal "$SFTP_URL"

NAME=m1 HUB=$SFTP_URL IN=$T/in1 DB=$T/m1.db sh $EX/pulling-mirror.sh 2>m1.err &
p1=$!
NAME=m2 HUB=$SFTP_URL IN=$T/in2 DB=$T/m2.db sh $EX/pulling-mirror.sh 2>m2.err &
p2=$!
at_exit "pkill -P $p1; pkill -P $p2; kill $p1 $p2"
registered() { [ "$(ls "$SFTP_ROOT/.jmirror" 2>/dev/null | wc -l)" -eq 2 ]; }
check "both mirrors registered" wait_for registered

for i in 1 2 3; do
	w p.db p/db.journal "insert into t(v) values('row $i')"
	expect_code 0 env EXPIRE=0s sh $EX/primary-cron.sh p/db.journal "$SFTP_URL"
done
at() { [ "$(sqlite3 "$1" 'select seq from jmirror_state' 2>/dev/null)" = "$2" ]; }
check "m1 applied all four" wait_for at m1.db 4
check "m2 applied all four" wait_for at m2.db 4
check "m1 equals the primary" same p.db m1.db
check "m2 equals the primary" same p.db m2.db

# m2 stops: it holds retention
pkill -TERM -P $p2; kill -TERM $p2; wait $p2 2>/dev/null
cursor_at() { test -f "$SFTP_ROOT/.jmirror/m1.cursor.0001-00000000000$1"; }
check "m1's cursor caught up" wait_for cursor_at 4
expect_code 0 env EXPIRE=0s sh $EX/primary-cron.sh p/db.journal "$SFTP_URL"
check "the hub is emptied of what both have" test -z "$(ls "$SFTP_ROOT")"
w p.db p/db.journal "insert into t(v) values('row 4')"
expect_code 0 env EXPIRE=0s sh $EX/primary-cron.sh p/db.journal "$SFTP_URL"
if wait_for at m1.db 5; then
	ok "m1 applied the fifth"
else
	fail "m1 applied the fifth"
	ls -A in1 2>&1 | sed 's/^/    /'; sed 's/^/    m1: /' m1.err | tail -5
	sed 's/^/    state: /' in1/.db.journal.fetched
	sqlite3 m1.db 'select * from jmirror_state' 2>&1 | sed 's/^/    m1.db: /'
	ps -o pid,ppid,stat,args --ppid $p1 2>&1 | sed 's/^/    /'
fi
check "m1's cursor moved" wait_for cursor_at 5
expect_code 0 env EXPIRE=0s sh $EX/primary-cron.sh p/db.journal "$SFTP_URL"
check "the segment m2 lacks stays on the hub" test "$(ls "$SFTP_ROOT")" = "$(seg 5)"
check "the primary names m2" grep -q "mirror m2 holds retention" err
expect_code 0 jstatus $SSH --hub "$SFTP_URL"
check "jstatus: m2 holds retention" grep -q "mirror m2 .*behind 1 (holds retention" out
finish

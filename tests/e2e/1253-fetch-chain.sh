#!/bin/sh
# A pulling mirror in a chain: primary -> SFTP hub -> jfetch --every beside jwatch |
# jintegrate (which relays what it applied with jship) -> mirror-mirror. Every database
# ends equal to the primary; jfetch --every ends on SIGTERM with 0, after its current file.
. ./lib.sh
. "$JM_SRC/tests/e2e/servers.sh"
command -v sqlite3 >/dev/null || skip "sqlite3 command line not installed"
start_sftp "$T" || skip "no sshd"
SSH="--key $SSH_KEY --known-hosts $KNOWN_HOSTS"

mkdir p in mm
sqlite3 p.db "create table t(id integer primary key, v text)"
jappend --create p/db.journal
jappend p/db.journal "create table t(id integer primary key, v text)"

jfetch --every 200ms --name m1 $SSH "$SFTP_URL" in >fetched 2>fetch.err &
fpid=$!
(jwatch in | jintegrate --db m.db | jship -q --to "file://$T/mm/" >/dev/null 2>relay.err) &
ppid=$!
at_exit "kill $fpid 2>/dev/null; pkill -P $ppid 2>/dev/null"

n=0
while [ $n -lt 5 ]; do
	n=$((n + 1))
	w p.db p/db.journal "insert into t(v) values('row $n')" "update t set v = v || '+' where id = 1"
	jrotate -q p/db.journal
	jship -q $SSH --from p --to "$SFTP_URL" >/dev/null || fail "ship $n"
done
wait_for test -f mm/$(seg 5)
check "the pulling mirror fetched five segments" test "$(wc -l <fetched)" -eq 5
check "printed as DIR/NAME" test "$(head -1 fetched)" = "in/$(seg 1)"
check "the mirror equals the primary" same p.db m.db
check "the hub knows the mirror's position" wait_for test -f "$SFTP_ROOT/.jmirror/m1.cursor.0001-000000000005"

kill -TERM $fpid
wait $fpid
check "jfetch --every ends with 0 on SIGTERM" test $? -eq 0
check "nothing on its stderr" test ! -s fetch.err

expect_code 0 jintegrate --db mm.db $(ls mm/*.journal)
check "the mirror-mirror equals the primary" same p.db mm.db
check "relayed byte-identical" sh -c 'for f in mm/*.journal; do cmp -s $f in/${f#mm/} || exit 1; done'
finish

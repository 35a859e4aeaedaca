#!/bin/sh
# A 100 MB transaction: one group of records. jrotate during its append waits and never
# seals inside it; jintegrate applies it in one transaction (a reader of the mirror never
# sees half of it); --until inside it stops before it.
. ./lib.sh

jappend --create db.journal
jappend db.journal "CREATE TABLE t(id INTEGER PRIMARY KEY, v BLOB)"
jrotate db.journal >/dev/null
cat >script <<'X'
group
insert t id=i:0 -> id=i:0 v=x:00
commit
bulk t 1 3 16000000
signal mid
wait go
bulk t 4 4 16000000
end
insert t id=i:100 -> id=i:100 v=x:01
commit
X
jmrow db.journal <script >lsns &
wpid=$!
wait_for test -e mid
jrotate db.journal >rotated 2>rot.err &
rpid=$!
# jrotate holds the rotators' lock and waits for the writers' lock, which the group holds
rotating() { locked .db.journal.rotate && grep -q lock /proc/$rpid/wchan; }
check "jrotate waits while the group is written" wait_for rotating
touch go
wait $wpid
check "the group was appended" test "$(cat lsns)" = "$(printf '2\n3\n4\n5\n6\n7\n8\ngroup 2\n10')"
wait $rpid
check "jrotate sealed a segment" test "$(cat rotated)" = "$(seg 2)"
jrotate db.journal >/dev/null
expect_code 0 jcat --verify db.0001-*.journal
jcat "$(seg 2)" | tail -1 >trailer
check "not inside the group: it ends at LSN 9 or 10" grep -q 'last LSN \(9\|10\),' trailer

# --until inside the group stops before it
expect_code 0 jintegrate --db m2.db --until 5 db.0001-*.journal
check "--until 5 applied LSN 1 only" test "$(sqlite3 m2.db 'SELECT last_lsn FROM jmirror_state')" = 1
check "nothing of the group" test "$(sqlite3 m2.db 'SELECT count(*) FROM t')" = 0

# a reader of the mirror sees all of the group or none of it
jintegrate --db m.db "$(seg 1)" >/dev/null
jintegrate --db m.db db.0001-*.journal >/dev/null 2>int.err &
ipid=$!
n=0
while ! ended $ipid || [ $n -lt 3 ]; do
	# a reader waits out a lock as any reader of a live mirror should (a busy timeout):
	# SQLite may hold one for a moment (the WAL index, a checkpoint); what it reads is the test
	sqlite3 -cmd '.timeout 5000' m.db 'SELECT count(*) FROM t' >>counts 2>&1
	n=$((n + 1))
done
wait $ipid
check "jintegrate applied it all" test "$(sqlite3 m.db 'SELECT count(*), sum(length(v)) FROM t')" = "9|112000002"
sort -u counts | grep -v '^0$\|^8$\|^9$' >odd
check "no reader saw part of the group ($(sort -u counts | tr '\n' ' '))" test ! -s odd
finish

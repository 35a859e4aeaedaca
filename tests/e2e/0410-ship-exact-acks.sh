#!/bin/sh
# The acknowledgement state says exactly which segments a destination has: a segment that
# never passed through a streaming jship is sent by the queue run, never pruned before it
# is sent, and counted by jstatus; an old high-water-mark state is converted safely.
. ./lib.sh

mkdir p in
jappend --create p/db.journal
for i in 1 2 3; do
	jappend p/db.journal "CREATE TABLE IF NOT EXISTS t(i); INSERT INTO t VALUES($i);"
	jrotate p/db.journal >/dev/null
done
s1=p/db.0001-000000000001.journal
s2=p/db.0001-000000000002.journal
s3=p/db.0001-000000000003.journal
u="file://$T/in/"

printf '%s\n' $s1 $s3 > list
expect_code 0 sh -c "jship --to '$u' < list"
check "streamed: 1 and 3 sent" test -e in/db.0001-000000000003.journal
check "streamed: 2 not sent" test ! -e in/db.0001-000000000002.journal

expect_code 0 jstatus p/db.journal
check "jstatus counts the hole" grep -q "send queue    $u: 1 segments" out

# The destination fails (its directory is gone): pruning still keeps what it lacks.
mv in in.away
touch in
expect_code 73 jship --retries 0 --to "$u" --from p --prune
check "prune keeps the segment the destination lacks" test -e $s2
check "prune removes the ones it has" sh -c "test ! -e $s1 && test ! -e $s3"
rm in
mv in.away in
cp $s2 keep2
expect_code 0 jship --to "$u" --from p
check "queue run sends the hole" test_cmp - out <<X
p/db.0001-000000000002.journal
X
check "destination has 2, byte for byte" cmp -s keep2 in/db.0001-000000000002.journal
st=$(ls p/.db.journal.ship-*[0-9a-f])
check "state: one run 1-3" test_cmp - "$st" <<X
jship-state 2
url $u
has 1 1 3
X
expect_code 0 jstatus p/db.journal
check "jstatus: empty queue" grep -q "send queue    $u: 0 segments" out
expect_code 0 jship --to "$u" --from p --prune
check "prune removes what the destination has" test ! -e $s2

# A compressed segment alone in the queue is part of it, for jship and jstatus alike.
jappend p/db.journal "INSERT INTO t VALUES(4);"
s4=$(jrotate p/db.journal)
zstd -q --rm "$s4"
expect_code 0 jstatus --json p/db.journal
check "jstatus counts a compressed segment" grep -q '"segments":1,' out
expect_code 0 jship --to "$u" --from p
check "queue run sends the compressed one" test_cmp - out <<X
$s4.zst
X

# An old state (version 1) vouches only for the segment it names: the queue run sends the
# others again, and the destination, which has them, answers that they are there.
jappend p/db.journal "INSERT INTO t VALUES(5);"
jrotate p/db.journal >/dev/null
printf 'jship-state 1\nurl %s\nacked 1 5\n' "$u" > "$st"
rm in/db.0001-000000000004.journal.zst
expect_code 0 jship -v --to "$u" --from p
check "old state: the lacked segment below the mark is sent" cmp -s $s4.zst in/db.0001-000000000004.journal.zst
check "old state: the marked one is not" sh -c "! grep -q 'db.0001-000000000005' err"
check "old state rewritten in the new form" test_cmp - "$st" <<X
jship-state 2
url $u
has 1 4 5
X
finish

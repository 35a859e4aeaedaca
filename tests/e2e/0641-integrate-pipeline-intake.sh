#!/bin/sh
# jwatch | jintegrate: no file name or content stops the pipeline for good. A name with a
# newline is never passed on, a renamed copy parked far ahead is held unopened, and a
# foreign segment is set aside when its turn comes; jwatch then reports the genuine one
# shipped under the same name, which is applied, all without a restart.
. ./lib.sh
command -v sqlite3 >/dev/null || skip "sqlite3 command line not installed"

at() { test "$(sqlite3 m.db 'select seq from jmirror_state' 2>/dev/null)" = "$1"; }
ship() { cp "$1" in/.t && mv in/.t in/"$2"; }   # as an uploader does: whole, by rename

mkdir st in foreign
jmgen -r 10 st 3 >/dev/null 2>&1 || fail "jmgen"
jmgen -L 22222222222222222222222222222222 -r 10 -s 2 -l 11 foreign 1 >/dev/null 2>&1

cp st/"$(seg 1)" in/
cp st/"$(seg 2)" in/"$(printf 'd\nb')".0001-000000000002.journal  # a newline in NAME
cp st/"$(seg 1)" in/db.0001-000000000099.journal                # seq 1, renamed to 99

mkfifo p
jwatch in >p 2>watch.err &
wpid=$!
at_exit "kill $wpid"
jintegrate --db m.db <p >applied 2>err &
ipid=$!
at_exit "kill $ipid"
check "seq 1 applied" wait_for at 1

ship foreign/"$(seg 2)" "$(seg 2)"
check "the foreign seq 2 is set aside" wait_for test -f in/.quarantine/"$(seg 2)"
check "said so" wait_for grep -q "^jintegrate: in/$(seg 2): foreign segment: .*: set aside as in/.quarantine/$(seg 2)\$" err
ship st/"$(seg 2)" "$(seg 2)"
ship st/"$(seg 3)" "$(seg 3)"
check "the genuine seq 2 and seq 3 applied, no restart" wait_for at 3
check "jintegrate still running" kill -0 $ipid

kill -TERM $wpid
wait $ipid
rc=$?
check "input ended: 65 for what was set aside" test $rc -eq 65
printf 'in/%s\n' "$(seg 1)" "$(seg 2)" "$(seg 3)" >want
check "printed what was applied" test_cmp want applied
check "the parked seq 99 was held, not opened" grep -q 'held (seq 99 to 99)' err
check "and is still in place" test -f in/db.0001-000000000099.journal
check "nothing else set aside" test "$(ls -A in/.quarantine)" = "$(seg 2)"
check "no path read that does not exist" sh -c '! grep -q "unable to open" err'
check "the newline name said by jwatch" grep -q 'ignoring in/d\\nb.0001-000000000002.journal' watch.err
check "all rows" test "$(sqlite3 m.db 'select count(*) from t')" = 29
finish

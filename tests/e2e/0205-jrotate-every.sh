#!/bin/sh
# --every: rotate on a period, print and flush each sealed path at once, exit 0 on SIGTERM.
# Also runs examples/systemd/jrotate.service's command line.
. ./lib.sh

jappend --create db.journal
mkfifo paths
jrotate --every 100ms db.journal >paths &
pid=$!
exec 3<paths
jappend db.journal one
read -r p <&3
check "first sealed path streamed at once ($p)" test "$p" = db.0001-000000000001.journal
jappend db.journal two
read -r p <&3
check "second sealed path ($p)" test "$p" = db.0001-000000000002.journal
sleep 0.3                       # a few periods with nothing to rotate, on purpose
kill -TERM $pid
wait $pid
check "SIGTERM: exit 0" test $? -eq 0
exec 3<&-
expect_code 0 jjdump db.0001-000000000001.journal db.0001-000000000002.journal db.journal
printf '1\tone\n2\ttwo\n' >want
check "chain" test_cmp want "$T/out"

# SIGTERM while a large rotation runs: it is finished, then jrotate exits 0.
i=0
awk 'BEGIN { for (i = 0; i < 200000; i++) printf "INSERT INTO t VALUES(%d, '"'"'%080d'"'"');\n", i, i }' |
	jappend db.journal
jrotate --every 10s db.journal >every.out &
pid=$!
rotating() { locked .db.journal.rotate || test -s every.out; }
wait_for rotating               # the signal comes during the rotation (or just after it)
kill -TERM $pid
wait $pid
check "SIGTERM during a rotation: exit 0" test $? -eq 0
check "...and the rotation completed" grep -qx db.0001-000000000003.journal every.out
expect_code 0 jjdump -q db.0001-000000000003.journal db.journal

# The reader of standard output goes away while jrotate waits for its next tick (an hour
# away, nothing new to seal): jrotate notices at once, says so and exits 74, instead of
# running until a record comes. The bound (timeout 20) is far below the tick, not a race.
jappend db.journal gone
( timeout 20 jrotate --every 1h db.journal 2>gone.err; echo $? >gone.rc ) | head -1 >gone.out
check "the first path went to the reader" grep -qx 'db.0001-000000000004.journal' gone.out
check "reader gone: jrotate exits 74 within the tick ($(cat gone.rc))" test "$(cat gone.rc)" = 74
check "...saying why" grep -q 'jrotate: standard output: its reader has gone away' gone.err

# The systemd example: its ExecStart, with the journal path of this test.
svc=$JM_SRC/examples/systemd/jrotate.service
check "example service exists" test -f "$svc"
cmd=$(sed -n 's/^ExecStart=//p' "$svc" | sed "s|\${JOURNAL}|$T/db.journal|; s|^/[^ ]*/jrotate|jrotate|")
case $cmd in
jrotate*--every*) ok "ExecStart runs jrotate --every" ;;
*) fail "ExecStart: $cmd" ;;
esac
jappend db.journal three
sh -c "exec $cmd" >svc.out &
pid=$!
wait_for drained db.journal
kill -TERM $pid
wait $pid
check "the service's command exits 0 on SIGTERM" test $? -eq 0
check "and sealed the journal" test "$(jjdump db.journal | wc -l)" -eq 0
finish

#!/bin/sh
# The examples: a delayed standby from cron, and a relay (jwatch | jintegrate | jship) to a
# mirror-mirror over file://, which ends equal to the first mirror.
. ./lib.sh
command -v sqlite3 >/dev/null || skip "sqlite3 command line not installed"
ex=$JM_SRC/examples

mkdir in
jmgen -r 10 in 2 >/dev/null 2>d2
sleep 2.5                       # the first two segments age past the delay on purpose
jmgen -r 10 -s 3 -l 21 -p "$(cat d2)" in 2 >/dev/null 2>/dev/null
expect_code 0 env IN=in DB=late.db DELAY_S=1 sh "$ex/delayed-standby.sh"
check "the delayed standby has only the old records" test "$(sqlite3 late.db 'select count(*), seq from t, jmirror_state')" = "19|2"
sleep 2.2                       # and now the last two
expect_code 0 env IN=in DB=late.db DELAY_S=1 sh "$ex/delayed-standby.sh"
check "and later the rest" test "$(sqlite3 late.db 'select count(*), seq from t, jmirror_state')" = "39|4"
flock .late.db.lock sh -c "IN=in DB=late.db DELAY_S=0 sh '$ex/delayed-standby.sh' 2>/dev/null" ||
	fail "busy is not an error for the cron job"

mkdir relay next done
IN=$T/in DB=$T/m.db DONE=$T/done TO="file://$T/next/" sh "$ex/relay.sh" >relay.out 2>&1 &
pid=$!
at_exit "pkill -TERM -P $pid"
relayed() { [ "$(ls next | wc -l)" -ge 4 ]; }
wait_for relayed
jintegrate --db m2.db --from next >/dev/null 2>&1
kids=$(pgrep -P $pid)
kill -TERM $kids 2>/dev/null
wait $pid 2>/dev/null
check "the next mirror got every segment" test "$(ls next | wc -l)" -eq 4
check "byte-identical" cmp next/db.0001-000000000004.journal done/db.0001-000000000004.journal
sqlite3 m.db '.dump t' >m.dump; sqlite3 m2.db '.dump t' >m2.dump
check "the mirror-mirror equals the mirror" test_cmp m.dump m2.dump
finish

#!/bin/sh
# jwatch: an inotify queue overflow (IN_Q_OVERFLOW) makes it rescan, and nothing is lost or
# reported twice. The queue is made tiny by lowering fs.inotify.max_queued_events (root
# only) before jwatch starts (the value is fixed per instance when it is created), restored
# as soon as jwatch has its instance; jwatch is stopped while the burst arrives, so the queue
# overflows for certain.
. ./lib.sh
N=${JM_WATCH_OVERFLOW:-1000}
Q=/proc/sys/fs/inotify/max_queued_events

[ "$(id -u)" -eq 0 ] || skip "needs root to lower $Q"
[ -w "$Q" ] || skip "$Q is not writable here"

mkdir st in
jmgen -r 1 st "$N" >/dev/null 2>&1 || fail "jmgen"
mv st/db.0001-000000000001.journal in/
ls st | shuf >order

old=$(cat "$Q")
at_exit "echo $old >$Q"
echo 16 >"$Q"
jwatch in >out 2>err &
pid=$!
at_exit "kill $pid"
wait_lines 1 out          # scanned: its inotify instance exists
echo "$old" >"$Q"
check "max_queued_events restored" test "$(cat "$Q")" = "$old"

kill -STOP $pid
(cd st && xargs mv -t ../in <../order)
# Written in place while stopped: a half-written file, completed after the overflow.
jmgen -r 1 -s $((N + 1)) -l $((N + 1)) st 1 >/dev/null 2>&1
late=db.0001-$(printf '%012d' $((N + 1))).journal
head -c 100 st/$late >in/$late
kill -CONT $pid
wait_lines "$N" out
tail -c +101 st/$late >>in/$late
wait_lines $((N + 1)) out
kill -USR1 $pid
wait_for grep -q ': db.0001: ' err
kill -TERM $pid
wait $pid
check "exit 0 on SIGTERM" test $? -eq 0
ls in | sort >all
sed 's|^in/||' out | sort >got
check "all $((N + 1)) reported after the overflow" test_cmp all got
check "none twice" test "$(sort out | uniq -d | wc -l)" -eq 0
check "the queue did overflow (rescans counted)" grep -Eq '^jwatch: in: [1-9][0-9]* rescans' err
check "state compact" grep -q "^jwatch: in: db.0001: 1 ranges, first 1-$((N + 1))" err
finish

#!/bin/sh
# jintegrate --remove prints a segment while it still exists and removes it only at the
# durable point after that (input idle, end of input, or every 256 segments; at the end of a
# run only once the reader of the paths is done): a relay `jintegrate --remove | jship` gets
# every segment, and the incoming directory empties.
. ./lib.sh
command -v sqlite3 >/dev/null || skip "sqlite3 command line not installed"

mkdir in relay
jmgen -r 20 in 12 >paths 2>/dev/null
cp -r in orig
mkfifo feed
jintegrate --db m.db --remove <feed 2>ierr | jship --to "file://$T/relay/" >sent 2>serr &
pid=$!
exec 3>feed
at_exit "kill $pid"
# a jwatch-like feed: segments arrive one after another while the relay sends
for p in $(cat paths); do
	printf '%s\n' "$p" >&3
done
i=0
while [ "$(ls relay | wc -l)" -lt 12 ] && [ $i -lt 300 ]; do
	i=$((i + 1)); sleep 0.1
done
check "the relay got every segment while input stays open" test "$(ls relay | wc -l)" -eq 12
# no input for a while: the durable point comes without waiting for input to end
i=0
while [ -n "$(ls in)" ] && [ $i -lt 300 ]; do
	i=$((i + 1)); sleep 0.1
done
check "removed once input is idle, before it ends" test -z "$(ls in)"
exec 3>&-
wait $pid
check "the pipeline ended cleanly" test $? -eq 0
check "nothing on stderr" test ! -s ierr -a ! -s serr
same=0
for f in $(ls orig); do cmp -s "orig/$f" "relay/$f" && same=$((same + 1)); done
check "byte-identical copies" test "$same" -eq 12
check "all applied once" test "$(sqlite3 m.db 'select count(*), max(t.id), last_lsn from t, jmirror_state')" = "239|240|240"

# end of input is a durable point too: everything applied is removed, after it was printed
mkdir in2
jmgen -r 5 in2 3 >paths2 2>/dev/null
expect_code 0 jintegrate --db m2.db --remove $(cat paths2)
check "printed each" test_cmp paths2 out
check "then removed each" test -z "$(ls in2)"

# one run over a directory, as from cron: the relay queues the paths and opens them later;
# jintegrate ends its output and waits for the relay to be done before removing anything
mkdir in3 relay3
jmgen -r 20 -b 2000 in3 12 >/dev/null 2>&1
cp -r in3 orig3
jintegrate --db m3.db --remove --from in3 2>ierr3 | jship --to "file://$T/relay3/" >/dev/null 2>serr3
check "the one-shot pipeline ended cleanly" test ! -s ierr3 -a ! -s serr3
same=0
for f in $(ls orig3); do cmp -s "orig3/$f" "relay3/$f" && same=$((same + 1)); done
check "the relay got every segment, byte-identical" test "$same" -eq 12
check "and the incoming directory is empty" test -z "$(ls in3)"
finish

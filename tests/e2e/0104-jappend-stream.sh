#!/bin/sh
# Standard input is a live feed: a record is written as soon as its line is complete, and
# a million lines stream through in bounded memory.
. ./lib.sh

jappend --create db.journal
mkfifo feed
jappend db.journal <feed &
pid=$!
exec 3>feed
wait_for() { # wait_for N: until the journal holds N records (at most 5 s)
	k=0
	while [ "$(jjdump db.journal | wc -l)" -lt "$1" ] && [ $k -lt 50 ]; do
		sleep 0.1; k=$((k + 1)); done
	[ "$(jjdump db.journal | wc -l)" -eq "$1" ]
}
echo "first line" >&3
check "first line written while input stays open" wait_for 1
printf 'second ' >&3
sleep 0.3
check "an incomplete line is not written" test "$(jjdump db.journal | wc -l)" -eq 1
echo "line" >&3
check "completed line written at once" wait_for 2
exec 3>&-
wait $pid
check "jappend exits 0 at end of input" test $? -eq 0

N=${JM_E2E_STREAM:-1000000}
awk -v n="$N" 'BEGIN { for (i = 1; i <= n; i++)
	printf "INSERT INTO t(id, v) VALUES(%d, %s);\n", i, "'"'"'0123456789abcdefghijklmnopqrstuvwxyz0123456789'"'"'" }' |
	/usr/bin/time -f %M -o rss jappend db.journal
check "a million lines appended" test "$(jjdump db.journal | wc -l)" -eq $((N + 2))
kb=$(tail -1 rss)
check "max RSS $kb KiB is bounded (< 16 MiB)" test "$kb" -lt 16384
check "last record" sh -c "jjdump db.journal | tail -1 | grep -q 'VALUES($N, '"
finish

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
gen() { awk -v n="$1" 'BEGIN { for (i = 1; i <= n; i++)
	printf "INSERT INTO t(id, v) VALUES(%d, %s);\n", i, "'"'"'0123456789abcdefghijklmnopqrstuvwxyz0123456789'"'"'" }'; }
jappend --create small.journal
gen 1000 | /usr/bin/time -f %M -o rss.small jappend small.journal
gen "$N" | /usr/bin/time -f %M -o rss jappend db.journal
check "a million lines appended" test "$(jjdump db.journal | wc -l)" -eq $((N + 2))
kb=$(tail -1 rss)
kb0=$(tail -1 rss.small)
# Bounded: the same peak for a thousand lines and for a million (a sanitizer build adds its
# own fixed overhead, hence the absolute bound of 32 MiB rather than the 6 MiB seen here).
check "max RSS $kb KiB for $N lines, $kb0 KiB for 1000: no growth" test $((kb - kb0)) -lt 4096
check "max RSS under 32 MiB for $(($(wc -c <db.journal) / 1048576)) MiB of journal" test "$kb" -lt 32768
check "last record" sh -c "jjdump db.journal | tail -1 | grep -q 'VALUES($N, '"
finish

#!/bin/sh
# Standard input is a live feed: a record is written as soon as its line is complete, and
# a million lines stream through in bounded memory.
. ./lib.sh

jappend --create db.journal
mkfifo feed
jappend db.journal <feed &
pid=$!
exec 3>feed
records() { [ "$(jjdump db.journal | wc -l)" -ge "$1" ]; }
read_bytes() { sed -n 's/^rchar: //p' /proc/$pid/io; }
read_more() { [ "$(read_bytes)" -ge "$1" ]; }
echo "first line" >&3
wait_for records 1
check "first line written while input stays open" test "$(jjdump db.journal | wc -l)" -eq 1
# An incomplete line: once jappend has read it, it still writes nothing (and if it did,
# the record count below would be 3).
r0=$(read_bytes)
printf 'second ' >&3
wait_for read_more $((r0 + 7))
check "an incomplete line is not written" test "$(jjdump db.journal | wc -l)" -eq 1
echo "line" >&3
wait_for records 2
check "completed line written at once, as one record" test "$(jjdump db.journal | cut -f2)" = "$(printf 'first line\nsecond line')"
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

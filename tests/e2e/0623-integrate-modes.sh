#!/bin/sh
# The mirror database jintegrate creates, its -wal and its -shm are 0640 whatever the umask
# lets through (022 or 000), like every other file jmirror writes; a tighter umask is kept.
. ./lib.sh

jmgen -r 5 . 1 >paths 2>/dev/null
for m in 022 000 077; do
	( umask $m; jintegrate --db m$m.db $(cat paths) >/dev/null 2>err$m )
	check "umask $m: applied" test ! -s err$m
	want=640; [ $m = 077 ] && want=600
	for f in m$m.db m$m.db-wal m$m.db-shm; do
		check "umask $m: $f is $want" test "$(stat -c %a $f 2>&1)" = $want
	done
done
finish

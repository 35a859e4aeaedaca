#!/bin/sh
# jintegrate: one integration per database at a time (a second one waits, or with --no-wait
# exits 75); readers query (once the new database exists in WAL mode) the mirror throughout (WAL) and see whole segments only.
. ./lib.sh
command -v sqlite3 >/dev/null || skip "sqlite3 command line not installed"

mkdir in
jmgen -r 20000 -b 60 in 12 >paths 2>/dev/null
jintegrate --db m.db $(cat paths) >out1 2>err1 &
pid=$!
i=0 seen=0 bad=0 busy=0
while [ $i -lt 400 ] && kill -0 $pid 2>/dev/null; do
	i=$((i + 1))
	if [ -e .m.db.lock ] && [ $busy -eq 0 ] && [ -e m.db ]; then
		jintegrate --no-wait --db m.db $(cat paths) >out2 2>err2
		rc=$?
		[ $rc -eq 75 ] && grep -q busy err2 && busy=1
	fi
	n=$(sqlite3 -cmd '.timeout 200' m.db 'select count(*) from t' 2>&1) || { case $n in *"no such table"*) ;; *"locked"*) [ $seen -gt 0 ] && { echo "    reader: $n"; bad=1; } ;; *) echo "    reader: $n"; bad=1 ;; esac; continue; }
	[ $((n % 20000)) -eq 19999 ] || { echo "    reader saw $n rows"; bad=1; }
	[ "$n" -gt "$seen" ] && seen=$n
	sleep 0.05                      # the readers' pace
done
wait $pid
check "first integration exit 0" test $? -eq 0
check "a second one with --no-wait is busy (75)" test $busy -eq 1
check "readers never failed and saw whole segments only" test $bad -eq 0
check "readers saw progress" test $seen -gt 0
jintegrate --db m.db $(cat paths) >out3 2>err3 &
p1=$!
expect_code 0 jintegrate --db m.db $(cat paths)
wait $p1
check "a second one waits, then finds all applied" test_cmp paths out
check "lock file beside the database" test -f .m.db.lock
finish

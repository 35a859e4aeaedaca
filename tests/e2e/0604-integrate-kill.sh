#!/bin/sh
# jintegrate: SIGKILL at random points of a long integration, then a rerun: the mirror equals
# the reference built by the sqlite3 command line, no record applied twice or skipped, and
# the bookkeeping names exactly what the database holds after every kill.
. ./lib.sh
command -v sqlite3 >/dev/null || skip "sqlite3 command line not installed"

mkdir in
jmgen -r 3000 -b 60 in 30 >paths 2>/dev/null
# reference: the same statements through the sqlite3 command line
jintegrate --db ref --exec '{ echo "BEGIN;"; cat; echo "COMMIT;"; } | sqlite3 -bail ref.db' $(cat paths) >/dev/null 2>err ||
	{ fail "reference"; cat err; }

i=0 bad=0
while [ $i -lt 12 ]; do
	i=$((i + 1))
	jintegrate --db m.db --from in >/dev/null 2>&1 &
	pid=$!
	# the kill lands at a random point of the run: this sleep chooses it, it does not wait
	sleep "$(awk -v s=$i 'BEGIN { srand(s * 7919); printf "%.3f", 0.01 + rand() * 0.25 }')"
	kill -9 $pid 2>/dev/null
	wait $pid 2>/dev/null
	# What the bookkeeping claims is exactly what is there. The query fails only while a
	# table is missing, which is right only if the data table is (no data without its
	# bookkeeping); an empty state row means nothing was committed, so t must be empty.
	if ! st=$(sqlite3 m.db "select (select last_lsn from jmirror_state), (select count(*) + 1 from t), (select ifnull(max(id), 1) from t)" 2>/dev/null); then
		[ "$(sqlite3 m.db "select count(*) from sqlite_master where name = 't'")" = 0 ] ||
			{ bad=1; echo "    after kill $i: table t without jmirror_state"; }
		continue
	fi
	case $st in
	"|1|1") ;;                    # killed before the first commit
	*) set -- $(echo "$st" | tr '|' ' ')
	   [ "$1" = "$2" ] && [ "$1" = "$3" ] || { bad=1; echo "    after kill $i: $st"; } ;;
	esac
done
check "bookkeeping exact after every kill" test $bad -eq 0
expect_code 0 jintegrate --db m.db --from in
check "the rerun prints every segment" test_cmp paths out
sqlite3 ref.db '.dump t' >ref.dump
sqlite3 m.db '.dump t' >m.dump
check "mirror equals the reference" test_cmp ref.dump m.dump
check "no duplicate, no gap" test "$(sqlite3 m.db 'select count(*), count(distinct id), min(id), max(id), (select last_lsn from jmirror_state) from t')" = "89999|89999|2|90000|90000"
finish

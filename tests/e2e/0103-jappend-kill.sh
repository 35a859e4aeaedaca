#!/bin/sh
# Writers killed with SIGKILL in the middle of large appends: the next writer cuts the torn
# tail, and the journal stays valid; nothing acknowledged is lost.
. ./lib.sh

jappend --create db.journal
cat >gen.py <<'X'
import sys, os
w = sys.argv[1]
line = 0
pad = "x" * 100000
while True:
    line += 1
    sys.stdout.write("%s %d %s\n" % (w, line, pad))
X
i=1
torn=0
rounds=${JM_E2E_KILLS:-12}
mkfifo feed
while [ $i -le $rounds ]; do
	python3 gen.py "k$i" >feed 2>/dev/null &
	gpid=$!
	jappend db.journal <feed &
	pid=$!
	# the kill lands at a random point of the append: this sleep chooses it, it does not wait
	sleep "$(awk -v s=$i 'BEGIN { srand(s); printf "0.%02d", 5 + int(rand() * 40) }')"
	kill -KILL $pid
	wait $pid 2>/dev/null
	kill $gpid 2>/dev/null
	wait $gpid 2>/dev/null
	jjdump -q db.journal 2>/dev/null || torn=$((torn + 1))
	jappend db.journal "after kill $i" || fail "append after kill $i"
	i=$((i + 1))
done
echo "  ($torn of $rounds kills left a torn tail)"
expect_code 0 jjdump db.journal
check "LSNs consecutive" awk -F'\t' '$1 != NR { exit 1 }' "$T/out"
check "every marker once" test "$(grep -c '	after kill' "$T/out")" -eq "$rounds"
check "jcat --verify accepts the journal" sh -c 'jcat --verify db.journal >/dev/null'
finish

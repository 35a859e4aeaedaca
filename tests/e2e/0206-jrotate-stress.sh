#!/bin/sh
# Stress: three writers appending numbered records with --sync (logging what was
# acknowledged), a long-running jappend fed line by line from a pipe (it keeps its journal
# open across rotations; restarted when killed), a jrotate loop (some runs told to crash at a step), and a killer sending
# SIGKILL to writers and rotators at random, for JM_STRESS_SECS (default 20) seconds.
# Afterwards the whole chain verifies, LSNs are consecutive, every acknowledged record is
# in it exactly once, and no record is there twice.
. ./lib.sh

SECS=${JM_STRESS_SECS:-20}
jappend --create db.journal
: >errors

writer() { # writer ID: one jappend per batch of 1-3 records, logging acknowledged ones
	n=0
	while [ ! -e stop ]; do
		n=$((n + 1))
		a="w$1 $n.1" b="w$1 $n.2" c="w$1 $n.3"
		case $((n % 3)) in
		0) set -- "$1" "$a" ;;
		1) set -- "$1" "$a" "$b" ;;
		2) set -- "$1" "$a" "$b" "$c" ;;
		esac
		id=$1
		shift
		jappend --sync db.journal "$@" &
		echo $! >"w$id.pid"
		wait $!
		rc=$?
		case $rc in
		0) printf '%s\n' "$@" >>"ack.$id" ;;
		137) ;;
		*) echo "writer $id: exit $rc" >>errors ;;
		esac
		set -- "$id"
	done
}

streamer() { # one jappend reading a slow feed; each run's lines are unique
	g=0
	while [ ! -e stop ]; do
		g=$((g + 1))
		python3 -c '
import sys, time, os
g = sys.argv[1]
for i in range(1, 1000000):
    if os.path.exists("stop"):
        break
    sys.stdout.write("s%s %d\n" % (g, i))
    sys.stdout.flush()
    time.sleep(0.002)
' "$g" 2>/dev/null | jappend db.journal &
		wait $!
	done
}

rotator() {
	k=0
	steps="pass1 torn trailer-half trailer link next rename done"
	while [ ! -e stop ]; do
		k=$((k + 1))
		crash=
		if [ $((k % 4)) -eq 0 ]; then
			crash=$(echo $steps | awk -v k=$k '{ print $((k / 4) % NF + 1) }')
		fi
		JM_TEST_CRASH=$crash jrotate -q db.journal 2>>rot.err &
		echo $! >r.pid
		wait $!
		rc=$?
		case $rc in
		0|137) ;;
		*) echo "rotator: exit $rc" >>errors ;;
		esac
		sleep 0.02              # the rotations' pace
	done
}

killer() { # a SIGKILL every 20 to 160 ms (the sleeps pick the moments)
	awk -v secs="$SECS" 'BEGIN {
		srand(); end = systime() + secs
		while (systime() < end) {
			system("sleep 0." sprintf("%02d", 2 + int(rand() * 15)))
			t = int(rand() * 5)
			f = (t == 3) ? "r.pid" : (t == 4) ? "s.pid" : "w" (t + 1) ".pid"
			if ((getline pid < f) > 0 && pid ~ /^[0-9]+$/) {
				system("kill -KILL " pid " 2>/dev/null"); kills++
			}
			close(f)
		}
		print kills > "kills"
	}'
}

writer 1 2>>w.err & w1=$!
writer 2 2>>w.err & w2=$!
writer 3 2>>w.err & w3=$!
rotator 2>>w.err & r=$!
streamer 2>>w.err & s=$!
# the streamer's current jappend, sampled for the killer (a paced poll)
(sleep 1; while [ ! -e stop ]; do pgrep -n -P $s -x jappend >s.pid 2>/dev/null; sleep 0.2; done) &
sp=$!
killer
touch stop
wait $w1 $w2 $w3 $r $s $sp
echo "  ($(cat kills) kills, $(ls db.0001-*.journal | wc -l) segments," \
	"$(cat ack.* | wc -l) records acknowledged)"
check "no unexpected exit status" test ! -s errors
sed 's/^/    /' errors | head -5

# The next writer and rotator repair whatever the last kill left.
jappend db.journal "the end" || fail "append after the storm"
jrotate -q db.journal || fail "rotate after the storm"
segs=$(ls db.0001-*.journal | sort)
check "jjdump verifies $(echo "$segs" | wc -l) segments and the live journal" \
	sh -c "jjdump $(echo $segs) db.journal >all"
check "LSNs consecutive from 1" awk -F'\t' '$1 != NR { exit 1 }' all
cut -f2 all | sort >present
check "no record twice" test -z "$(uniq -d present)"
check "the streaming writer's records are there" test "$(grep -c '^s' present)" -gt 100
echo "  (the streaming jappend ran $(grep '^s' present | cut -d' ' -f1 | sort -u | wc -l) times)"
sort ack.1 ack.2 ack.3 >acked
check "every acknowledged record is present" test -z "$(comm -23 acked present | head -3)"
comm -23 acked present | head -3 | sed 's/^/    missing: /'
check "sequence numbers without a hole" sh -c '
	i=1; for f in '"$(echo $segs)"'; do
		case $f in *-$(printf %012d $i).journal) ;; *) exit 1 ;; esac; i=$((i + 1)); done'
check "jcat --verify accepts the chain" sh -c "jcat --verify $(echo $segs) db.journal >/dev/null"
finish

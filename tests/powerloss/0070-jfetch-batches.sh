#!/bin/sh
# jfetch of many segments (several batches: the next batch downloads while the last one is
# synced, renamed and printed) under a power cut at points of the first, second and third
# batch: before and after the create, write and fsync of a temporary, the publishing of a
# segment, the first directory sync and the first state write. Afterwards: every path
# printed before the cut is in DIR, whole; every file under a segment name in DIR is whole;
# the state claims only what DIR holds; and the next run leaves DIR with every segment.
LAZYFS_CACHE_SIZE=${LAZYFS_CACHE_SIZE:-64mb}
. "$(dirname "$0")/lib.sh"

IN=$MNT/in
HUB=$T/hub
N=150
mkdir "$HUB"
jmgen -r 1 -b 200 "$HUB" $N >/dev/null 2>&1
[ "$(ls "$HUB" | grep -c '^db\.')" -eq $N ] || { fail "jmgen made no segments"; finish; }

# Segment 20 is in the first batch, 100 in a later one (batches are at most 64), 140 in
# the one that downloads while that one is made durable.
part() { echo ".*/in/\\.db\\.0001-000000000$1\\.journal\\..*part"; }
dest() { echo "/in/db\\.0001-000000000$1\\.journal"; }
STATE='.*/in/\..*fetched.*'
points=""
for s in 020 100 140; do
	points="$points before:create:$(part $s): after:write:$(part $s): before:fsync:$(part $s):
after:fsync:$(part $s): before:rename:.*:$(dest $s) before:link:.*:$(dest $s)
after:link:.*:$(dest $s)"
done
points="$points before:fsync:.*/in: after:fsync:.*/in: before:rename:$STATE: after:rename:$STATE:"

good=0 cut=0 later=0
lz_start
for p in $points; do
	what=$(pl_what "$p")
	pl_fetch_cut "$p"
	case $? in 0) cut=$((cut + 1)) ;; 2) break ;; esac
	pl_fetched_ok "$what" || continue
	bad=0
	for _p in $(cat "$T/printed"); do
		cmp -s "$IN/${_p##*/}" "$HUB/${_p##*/}" ||
			{ fail "$what: printed ${_p##*/} is not whole in DIR"; bad=1; break; }
	done
	[ $bad -eq 0 ] || continue
	# segment 100 is synced and published (140 downloaded) after an earlier batch was printed
	case $what in
	*create*000000000100*|*write*000000000100*) ;;
	*000000000100*|*000000000140*) [ -s "$T/printed" ] && later=$((later + 1)) ;;
	esac
	pl_fetch_again "$what" $N || continue
	good=$((good + 1))
done
lz_stop
check "the power was cut during every run ($cut of $_pl_points)" [ "$cut" -eq "$_pl_points" ]
check "every cut left what was printed, whole segments and a state that claims only what DIR holds" \
	[ "$good" -eq "$_pl_points" ]
check "the cuts in a later batch came after paths of an earlier one were printed ($later of 12)" \
	[ "$later" -eq 12 ]
pl_points "jfetch of $N segments in batches: temporaries, publishing, directory sync, state"
finish

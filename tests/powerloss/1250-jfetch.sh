#!/bin/sh
# jfetch into a directory under a power cut before and after each create, write, fsync and
# rename of its download temporaries, its published segments and its fetched state.
# Afterwards: every file under a segment name in DIR is whole and identical to the hub's;
# every path printed before the cut is still there; the state claims only what DIR holds;
# and the next run leaves DIR with every segment.
LAZYFS_CACHE_SIZE=${LAZYFS_CACHE_SIZE:-32mb}
. "$(dirname "$0")/lib.sh"

IN=$MNT/in
HUB=$T/hub
mkdir "$HUB"
jmgen -r 20 -b 300 "$HUB" 4 >/dev/null 2>&1
segs=$(cd "$HUB" && ls db.*.journal)
[ "$(echo "$segs" | wc -l)" -eq 4 ] || { fail "jmgen made no segments"; finish; }

# A segment is published with renameat2(RENAME_NOREPLACE), which LazyFS refuses after its
# "before rename" hook: afile.c then links and unlinks, so "after" is a link's. A rename or
# link fault needs a from pattern (.*) to fire at all.
PART='.*/in/\..*part'
DEST='/in/db\.'
STATE='.*/in/\..*fetched.*'
points="before:create:$PART: after:create:$PART: before:write:$PART: after:write:$PART:
before:fsync:$PART: after:fsync:$PART: before:link:.*:$DEST after:link:.*:$DEST
before:rename:.*:$DEST before:fsync:.*/in: after:fsync:.*/in:
before:create:$STATE: after:create:$STATE: before:write:$STATE: after:write:$STATE:
before:fsync:$STATE: after:fsync:$STATE: before:rename:.*:in/\\.db\\.journal\\.fetched
after:rename:.*:in/\\.db\\.journal\\.fetched"

good=0 cut=0
lz_start
for round in $(seq 1 "$(pl_rounds 1)"); do
	for p in $points; do
		what="round $round: $(pl_what "$p")"
		pl_fetch_cut "$p"
		case $? in 0) cut=$((cut + 1)) ;; 2) break 2 ;; esac
		pl_fetched_ok "$what" || continue
		for _p in $(cat "$T/printed"); do
			[ -e "$IN/${_p##*/}" ] || fail "$what: printed ${_p##*/} is not in DIR"
		done
		pl_fetch_again "$what" 4 || continue
		good=$((good + 1))
	done
done
lz_stop
check "the power was cut during every run ($cut of $_pl_points)" [ "$cut" -eq "$_pl_points" ]
check "every cut left whole segments and a state that claims only what DIR holds" \
	[ "$good" -eq "$_pl_points" ]
pl_points "jfetch, before/after create, write, fsync, rename of temporaries, segments, state"
finish

#!/bin/sh
# jship to file:// under a power cut before and after each create, write, fsync and rename of
# its temporaries, its published names and its acknowledgement state. Afterwards: every file
# under a segment name in the destination is whole and identical to the source; and the
# state never claims what the destination does not hold: the next queue run, which sends only
# what the state says is missing, leaves the destination with every segment.
LAZYFS_CACHE_SIZE=${LAZYFS_CACHE_SIZE:-32mb}
. "$(dirname "$0")/lib.sh"

S=$MNT/src
IN=$MNT/in
URL=file://$IN/
mkdir "$T/gen"
jmgen -r 20 -b 300 "$T/gen" 4 >/dev/null 2>&1
segs=$(cd "$T/gen" && ls db.*.journal)
[ "$(echo "$segs" | wc -l)" -eq 4 ] || { fail "jmgen made no segments"; finish; }

put() { # SEG...: copy segments into the source directory, durably
	for _s in "$@"; do dd if="$T/gen/$_s" of="$S/$_s" conv=fsync status=none; done
}

# The destination holds only whole copies of the source.
check_dest() { # WHAT
	for _f in $(ls "$IN" 2>/dev/null | grep -E '^db\.[0-9]{4}-[0-9]{12}\.journal$'); do
		if ! cmp -s "$IN/$_f" "$T/gen/$_f"; then
			fail "$1: $_f in the destination is not the whole segment"; return 1; fi
	done
	return 0
}

PART='.*/in/\..*'
DEST='/in/db\.'
STATE='.*/src/\..*ship.*'
points="before:create:$PART: after:create:$PART: before:write:$PART: after:write:$PART:
before:fsync:$PART: after:fsync:$PART: before:rename::$DEST after:rename::$DEST
before:create:$STATE: after:create:$STATE: before:write:$STATE: after:write:$STATE:
before:fsync:$STATE: after:fsync:$STATE: before:rename::src/\\.db\\.journal\\.ship
after:rename::src/\\.db\\.journal\\.ship"

good=0
lz_start
for pre in $(seq 0 $(( $(pl_rounds 3) - 1 ))); do
	k=$((pre % 3))
	for p in $points; do
		tim=${p%%:*}; r=${p#*:}; op=${r%%:*}; r=${r#*:}; from=${r%%:*}; to=${r#*:}
		what="pre=$k $tim $op ${from}${to}"
		rm -rf "$S" "$IN"
		mkdir "$S" "$IN"
		# k segments are shipped before the cut, the rest during it.
		# shellcheck disable=SC2086
		put $(echo "$segs" | head -n "$k")
		[ "$k" -eq 0 ] || jship -q --retries 0 --from "$S" --to "$URL" >/dev/null ||
			fail "$what: ship before the cut"
		# shellcheck disable=SC2086
		put $(echo "$segs" | tail -n +"$((k + 1))")
		f="lazyfs::crash::timing=$tim::op=$op"
		[ -z "$from" ] || f="$f::from_rgx=$from"
		[ -z "$to" ] || f="$f::to_rgx=$to"
		lz_arm "$f" || break 2
		jship -q --retries 0 --from "$S" --to "$URL" >"$T/printed" 2>"$T/ship.err"
		lz_restart
		pl_point
		check_dest "$what" || continue
		# Printed means sent: it is there.
		for _p in $(cat "$T/printed"); do
			[ -e "$IN/${_p##*/}" ] || fail "$what: printed ${_p##*/} is not in the destination"
		done
		jship -q --retries 0 --from "$S" --to "$URL" >/dev/null 2>"$T/ship2.err" ||
			{ fail "$what: the queue run after the cut: $(cat "$T/ship2.err")"; continue; }
		check_dest "$what (after the queue run)" || continue
		n=$(ls "$IN" | grep -cE '^db\.[0-9]{4}-[0-9]{12}\.journal$')
		if [ "$n" -ne 4 ]; then
			fail "$what: after the queue run the destination has $n of 4 segments" \
			    "(the state claimed what it did not hold)"; continue
		fi
		good=$((good + 1))
	done
done

# A segment found already there (identical, but never synced: a copy, or a sender cut off
# before its sync) is made durable before it is acknowledged.
for round in $(seq 1 "$(pl_rounds 2)"); do
	rm -rf "$S" "$IN"
	mkdir "$S" "$IN"
	# shellcheck disable=SC2086
	put $segs
	for s in $segs; do cp "$T/gen/$s" "$IN/$s"; done
	jship -q --retries 0 --from "$S" --to "$URL" >/dev/null 2>"$T/ship.err" ||
		fail "ship onto identical copies: $(cat "$T/ship.err")"
	lz_restart
	pl_point
	jship -q --retries 0 --from "$S" --to "$URL" >/dev/null 2>"$T/ship2.err"
	if check_dest "found there, round $round" && [ "$(ls "$IN" | grep -c '^db\.')" -eq 4 ]; then
		good=$((good + 1))
	else
		fail "found there, round $round: acknowledged before it was durable"
	fi
done
lz_stop
check "every cut left whole segments and a state that claims only what is there" \
	[ "$good" -eq "$_pl_points" ]
pl_points "jship file://, before/after create, write, fsync, rename of temporaries, names, state"
finish

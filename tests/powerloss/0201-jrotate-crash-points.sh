#!/bin/sh
# jrotate and jrotate --final under a power cut before and after each write, fsync, link,
# create and rename of a rotation. Afterwards: a segment jrotate printed is there whole and
# verifies; the chain of segments and the live journal verifies (no hole, no sequence twice);
# every record appended with --sync is there, once, in order; the next jrotate (or jappend)
# completes the rotation, appends go on, and a journal sealed final stays closed.
LAZYFS_CACHE_SIZE=${LAZYFS_CACHE_SIZE:-32mb}
. "$(dirname "$0")/lib.sh"

D=$MNT/d
J=$D/db.journal
LIVE='.*/d/db\.journal'
NEXT='.*/d/\.db\.journal\.next'
# timing:op:from_rgx:to_rgx (rename and link match on the new name)
points="before:write:$LIVE: after:write:$LIVE: before:fsync:$LIVE: after:fsync:$LIVE:
before:link::db\\.0001- after:link::db\\.0001- before:create:$NEXT: after:create:$NEXT:
before:write:$NEXT: after:write:$NEXT: before:fsync:$NEXT: after:fsync:$NEXT:
before:rename::/d/db\\.journal after:rename::/d/db\\.journal"

# state: synced records s1..sN are promised; u* records may or may not have survived.
setup() { # PRE: rotations before the one that is cut
	rm -rf "$D"
	mkdir "$D"
	jappend --create "$J" || fail "create"
	n=0
	for r in $(seq 0 "$1"); do
		n=$((n + 1)); jappend --sync "$J" "s$n" || fail "append s$n"
		n=$((n + 1)); jappend --sync "$J" "s$n" || fail "append s$n"
		[ "$r" -eq "$1" ] || jrotate -q "$J" || fail "rotate before the cut"
	done
	jappend "$J" "u1" "u2" || fail "unsynced append"
	synced=$n
}

# The records are s1..sN (all of them), then u1, u2 as far as they survived, then after*.
check_records() { # WHAT FILES...
	_w=$1; shift
	pl_payloads "$@" > "$T/got" 2>"$T/jcat.err"
	if awk -v n="$synced" '
		NR <= n { if ($0 != "s" NR) exit 1; next }
		/^after/ { a = 1; next }
		!a && $0 == "u" (NR - n) { next }
		{ exit 1 }
		END { if (NR < n) exit 1 }' "$T/got"; then
		_ok=$((_ok + 1))
	else
		fail "$_w: records are not s1..s$synced, then u1 u2 as far as they survived"
		tr '\n' ' ' < "$T/got" | sed 's/^/    got: /'; echo
	fi
}

bad=0
_ok=0
lz_start
for final in 0 1; do
	for pre in $(seq 0 $(( $(pl_rounds 2) - 1 ))); do
		for p in $points; do
			tim=${p%%:*}; r=${p#*:}; op=${r%%:*}; r=${r#*:}; from=${r%%:*}; to=${r#*:}
			what="final=$final pre=$pre $tim $op ${from}${to}"
			setup "$pre"
			f="lazyfs::crash::timing=$tim::op=$op"
			[ -z "$from" ] || f="$f::from_rgx=$from"
			[ -z "$to" ] || f="$f::to_rgx=$to"
			lz_arm "$f" || break 3
			if [ "$final" = 1 ]; then opt=--final; else opt=; fi
			jrotate $opt "$J" > "$T/printed" 2>"$T/rot.err"
			lz_restart
			pl_point
			# A segment that was printed is there, whole.
			if [ -s "$T/printed" ] && ! jcat -q --verify "$(cat "$T/printed")" 2>/dev/null; then
				fail "$what: printed segment is not whole"; bad=$((bad + 1))
			fi
			# The next run of either tool finishes the rotation.
			if [ $((_pl_points % 2)) -eq 0 ]; then
				jrotate $opt "$J" > "$T/printed2" 2>"$T/rot2.err" ||
					{ fail "$what: jrotate after the cut: $(cat "$T/rot2.err")"; continue; }
			elif [ "$final" = 1 ]; then
				jappend "$J" after0 2>/dev/null   # may be refused: the final seal was durable
				jrotate --final "$J" > /dev/null 2>"$T/rot2.err" ||
					{ fail "$what: jrotate --final after the cut: $(cat "$T/rot2.err")"; continue; }
			else
				jappend --sync "$J" after0 2>"$T/app.err" ||
					{ fail "$what: jappend after the cut: $(cat "$T/app.err")"; continue; }
			fi
			files=$(pl_files "$D" db)
			# shellcheck disable=SC2086
			if ! jcat -q --verify $files 2>"$T/v.err"; then
				fail "$what: chain does not verify: $(cat "$T/v.err")"; continue; fi
			# shellcheck disable=SC2086
			check_records "$what" $files
			if [ "$final" = 1 ]; then
				if jappend "$J" after1 2>/dev/null; then
					fail "$what: append to a journal sealed final"; fi
				continue
			fi
			jappend --sync "$J" after1 && jrotate -q "$J" ||
				{ fail "$what: appends do not go on"; continue; }
			files=$(pl_files "$D" db)
			# shellcheck disable=SC2086
			jcat -q --verify $files 2>"$T/v.err" && [ "$(pl_payloads $files | tail -n 1)" = after1 ] ||
				fail "$what: the chain after more appends: $(cat "$T/v.err")"
		done
	done
done
lz_stop
check "every crash point left a journal that verifies with every synced record" \
	[ "$_ok" -eq "$_pl_points" ]
pl_points "jrotate and jrotate --final, before/after write, fsync, link, create, rename"
finish

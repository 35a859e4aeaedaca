#!/bin/sh
# jappend --create and jappend (with and without --sync) under a power cut before and after
# each of its writes, fsyncs and renames. Afterwards: every record an append acknowledged with
# --sync (exit 0) is there, once, in order; a record whose append did not return may be there
# or not, whole; the journal verifies; appends go on and the LSNs continue without reuse.
LAZYFS_CACHE_SIZE=${LAZYFS_CACHE_SIZE:-32mb}
. "$(dirname "$0")/lib.sh"

D=$MNT/d
J=$D/db.journal
LIVE='.*/d/db\.journal'
points="before:write:$LIVE after:write:$LIVE before:fsync:$LIVE after:fsync:$LIVE"

# The synced prefix s1..sN, then the record being appended (c) if it survived, then after.
check_records() { # WHAT
	pl_payloads "$J" > "$T/got" 2>"$T/jcat.err"
	if awk -v n="$synced" -v c="$1" '
		NR <= n { if ($0 != "s" NR) exit 1; next }
		$0 == c && !seen && !a { seen = 1; next }
		$0 == "after" { a = 1; next }
		{ exit 1 }
		END { if (NR < n + 1 || !a) exit 1 }' "$T/got"; then
		_ok=$((_ok + 1))
	else
		fail "$2: records are not s1..s$synced, then $1 if it survived, then after"
		tr '\n' ' ' < "$T/got" | sed 's/^/    got: /'; echo
	fi
}

_ok=0
lz_start
for sync in --sync ""; do
	for pre in $(seq 1 "$(pl_rounds 3)"); do
		for p in $points; do
			tim=${p%%:*}; r=${p#*:}; op=${r%%:*}; from=${r#*:}
			what="jappend $sync after $pre records, $tim $op"
			rm -rf "$D"; mkdir "$D"
			jappend --create "$J" || fail "create"
			synced=0
			while [ "$synced" -lt "$pre" ]; do
				synced=$((synced + 1))
				jappend --sync "$J" "s$synced" || fail "append s$synced"
			done
			lz_arm "lazyfs::crash::timing=$tim::op=$op::from_rgx=$from" || break 3
			# shellcheck disable=SC2086
			if jappend $sync "$J" cut >/dev/null 2>&1 && [ -n "$sync" ]; then acked=1; else acked=0; fi
			lz_restart
			pl_point
			jappend --sync "$J" after 2>"$T/app.err" ||
				{ fail "$what: jappend after the cut: $(cat "$T/app.err")"; continue; }
			jcat -q --verify "$J" 2>"$T/v.err" ||
				{ fail "$what: the journal does not verify: $(cat "$T/v.err")"; continue; }
			check_records cut "$what"
			if [ "$acked" = 1 ] && ! grep -qx cut "$T/got"; then
				fail "$what: an append acknowledged with --sync is gone"
			fi
			# LSNs: one per record, 1..N, none reused.
			jcat --json "$J" | sed -n 's/^{"kind":"record".*"lsn":\([0-9]*\).*/\1/p' > "$T/lsns"
			[ "$(cat "$T/lsns" | tr '\n' ' ')" = "$(seq 1 "$(wc -l < "$T/got")" | tr '\n' ' ')" ] ||
				fail "$what: LSNs are not 1..N: $(tr '\n' ' ' < "$T/lsns")"
		done
	done
done
# jappend --create: a cut before or after each step leaves no journal, or a whole one that
# the next --create refuses and appends accept.
for p in "before:fsync:$LIVE:" "after:fsync:$LIVE:" "before:rename::$LIVE" "after:rename::$LIVE"; do
	tim=${p%%:*}; r=${p#*:}; op=${r%%:*}; r=${r#*:}; from=${r%%:*}; to=${r#*:}
	rm -rf "$D"; mkdir "$D"
	f="lazyfs::crash::timing=$tim::op=$op"
	[ -z "$from" ] || f="$f::from_rgx=$from"
	[ -z "$to" ] || f="$f::to_rgx=$to"
	lz_arm "$f" || break
	jappend --create "$J" >/dev/null 2>&1
	lz_restart
	pl_point
	if [ -e "$J" ]; then
		jappend --sync "$J" after 2>"$T/app.err" && jcat -q --verify "$J" ||
			fail "--create, $tim $op: the journal left is not whole: $(cat "$T/app.err")"
	else
		jappend --create "$J" 2>"$T/c.err" ||
			fail "--create, $tim $op: cannot create again: $(cat "$T/c.err")"
	fi
	_ok=$((_ok + 1))
done
lz_stop
check "every crash point kept every synced record and appends go on" [ "$_ok" -eq "$_pl_points" ]
pl_points "jappend, --sync and not, before/after write and fsync; jappend --create, before/after fsync and rename"
finish

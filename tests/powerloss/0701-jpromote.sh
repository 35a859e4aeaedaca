#!/bin/sh
# jpromote under a power cut before and after each create, write, fsync and rename of
# the closing segment it seals from a copied live journal and of the new timeline's live
# journal. Afterwards the man page's promise holds: running it again with the same arguments
# completes the switch-over; the database is then operational, the new journal verifies as
# timeline 2, a closing segment is whole and holds the copied records, and appends go on. A
# database is never marked operational before its new journal is durable.
# The mirror database itself stays off the mount: after a cut while SQLite had it open, the
# next writer sometimes gets "disk I/O error" because LazyFS answers SQLite's ftruncate of
# the reopened m.db-shm with ENOENT (seen under strace), which no real file system does; the
# database's durability is SQLite's synchronous=FULL, not jmirror's file handling.
LAZYFS_CACHE_SIZE=${LAZYFS_CACHE_SIZE:-32mb}
. "$(dirname "$0")/lib.sh"

# The old primary, outside the mount: two segments, then a live journal with one more record.
mkdir old
jappend --create "$T/old/db.journal"
jappend --sync "$T/old/db.journal" "CREATE TABLE t(a)" "INSERT INTO t VALUES(1)"
jrotate -q "$T/old/db.journal"
jappend --sync "$T/old/db.journal" "INSERT INTO t VALUES(2)"
jrotate -q "$T/old/db.journal"
jappend --sync "$T/old/db.journal" "INSERT INTO t VALUES(3)"
cp "$T/old/db.journal" "$T/live.copy"
jrotate -q --final "$T/old/db.journal"
segs=$(ls old/db.0001-*.journal)

M=$T/mir
DB=$M/m.db
N=$MNT/nd
NEWJ='.*/nd/\.db\.journal\.tmp.*'
SEG='.*/nd/\.db\.0001-.*'
points="before:create:$NEWJ: after:create:$NEWJ: before:write:$NEWJ: after:write:$NEWJ:
before:fsync:$NEWJ: after:fsync:$NEWJ: before:rename::/nd/db\\.journal
after:rename::/nd/db\\.journal"
closing="before:create:$SEG: after:create:$SEG: before:write:$SEG: after:write:$SEG:
before:fsync:$SEG: after:fsync:$SEG: before:rename::/nd/db\\.0001- after:rename::/nd/db\\.0001-"

setup() { # planned|live
	rm -rf "$M" "$N"
	mkdir "$M" "$N"
	if [ "$1" = planned ]; then
		# shellcheck disable=SC2086
		jintegrate --sync --db "$DB" $segs >/dev/null || fail "integrate"
	else
		# The mirror applied the first two segments and the copied live journal.
		cp "$T/live.copy" "$M/db.journal"
		# shellcheck disable=SC2086
		jintegrate --sync --db "$DB" $(echo "$segs" | head -n 2) "$M/db.journal" >/dev/null ||
			fail "integrate"
	fi
}

promote() { # planned|live
	if [ "$1" = planned ]; then
		jpromote --db "$DB" --journal "$N/db.journal"
	else
		jpromote --force --live "$M/db.journal" --db "$DB" --journal "$N/db.journal"
	fi
}

kinds="planned live"
good=0
lz_start
for r in $(seq 1 "$(pl_rounds 1)"); do
for kind in $kinds; do
	pts=$points
	[ "$kind" = planned ] || pts="$points $closing"
	for p in $pts; do
		tim=${p%%:*}; x=${p#*:}; op=${x%%:*}; x=${x#*:}; from=${x%%:*}; to=${x#*:}
		what="$kind $tim $op ${from}${to}"
		setup "$kind"
		f="lazyfs::crash::timing=$tim::op=$op"
		[ -z "$from" ] || f="$f::from_rgx=$from"
		[ -z "$to" ] || f="$f::to_rgx=$to"
		lz_arm "$f" || break 3
		promote "$kind" >"$T/printed" 2>"$T/p.err"
		rc1=$?
		lz_restart
		pl_point
		promote "$kind" >"$T/printed2" 2>"$T/p2.err"
		rc2=$?
		if [ "$rc2" -ne 0 ]; then
			# Only a switch-over that was complete before the cut may say so.
			if ! grep -q operational "$T/p2.err"; then
				fail "$what: jpromote again: exit $rc2: $(cat "$T/p2.err")"; continue; fi
		fi
		[ "$rc1" -ne 0 ] || [ "$rc2" -ne 0 ] ||
			{ fail "$what: promoted twice"; continue; }
		# The database is operational and its new journal continues what it applied.
		if jintegrate --db "$DB" "$T/old/db.journal" >/dev/null 2>"$T/i.err"; then
			fail "$what: the database is not operational (exits $rc1, $rc2)"
			sed 's/^/    /' "$T/p.err" "$T/p2.err" "$T/i.err"; continue; fi
		last=$(ls "$N"/db.0001-*.journal 2>/dev/null | tail -n 1)
		[ -n "$last" ] || last=$(echo "$segs" | tail -n 1 | sed "s|^|$T/|")
		if ! jcat -q --verify "$N/db.journal" 2>"$T/v.err"; then
			fail "$what: the new journal does not verify: $(cat "$T/v.err")"; continue; fi
		jcat --json "$N/db.journal" | head -n 1 > "$T/hdr"
		if ! grep -q '"timeline":2,' "$T/hdr"; then
			fail "$what: the new journal is not timeline 2"; continue; fi
		if [ "$kind" = live ]; then
			# The closing segment is whole and holds record 3.
			if ! jcat -q --verify "$last" || [ "$(pl_payloads "$last" | tail -n 1)" != \
			    "INSERT INTO t VALUES(3)" ]; then
				fail "$what: the closing segment"; continue; fi
		fi
		jappend --sync "$N/db.journal" "INSERT INTO t VALUES(4)" ||
			{ fail "$what: appends do not go on"; continue; }
		good=$((good + 1))
	done
done
done
lz_stop
check "every cut left a switch-over that the next run completes" [ "$good" -eq "$_pl_points" ]
pl_points "jpromote (planned, and with a closing segment), before/after create, write, fsync, rename"
finish

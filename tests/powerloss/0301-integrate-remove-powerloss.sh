#!/bin/sh
# jintegrate --remove and --archive without --sync, power cut at many points (LazyFS crash
# faults on every kind of operation it does, and plain crashes at random moments, during
# a run and after it exited): every segment the mirror's bookkeeping lacks afterwards is
# still whole in the incoming directory, so that the next run completes the mirror; what is
# in the archive is whole. Prints how many crash points were tried.
. "$(dirname "$0")/lib.sh"
command -v sqlite3 >/dev/null || skip "sqlite3 command line not installed"

N=6
mkdir tpl
jmgen -r 30 -b 200 tpl $N >/dev/null 2>&1
points=0

verify() { # verify WHAT MODE
	a=$(pl_applied) bad=""
	s=1
	while [ $s -le $N ]; do
		f=$(seg $s)
		if [ $s -gt "$a" ] && ! cmp -s "tpl/$f" "$ROOT/in/$f"; then bad="$bad $s"; fi
		if [ -e "$ROOT/in/$f" ] && ! cmp -s "tpl/$f" "$ROOT/in/$f"; then bad="$bad in:$s"; fi
		if [ -e "$ROOT/arch/$f" ] && ! cmp -s "tpl/$f" "$ROOT/arch/$f"; then bad="$bad arch:$s"; fi
		s=$((s + 1))
	done
	points=$((points + 1))
	if [ -n "$bad" ]; then fail "$1: applied $a; missing or damaged:$bad"; return; fi
	# the next run completes the mirror from what is left (on the surviving files)
	jintegrate --db "$ROOT/m.db" $(echo "$2" | sed "s|$MNT|$ROOT|") \
		$(ls "$ROOT"/in/db.0*.journal 2>/dev/null) >/dev/null 2>"$T/err2"
	rc=$?
	got=$(sqlite3 "$ROOT/m.db" 'select seq, sealed from jmirror_state' 2>/dev/null)
	left=$(ls "$ROOT/in")
	if [ $rc -ne 0 ] || [ "$got" != "$N|1" ] || [ -n "$left" ]; then
		fail "$1: applied $a; the next run: exit $rc, state $got, left: $left $(head -1 "$T/err2")"
	fi
}

fresh() {
	rm -rf "$ROOT"; mkdir -p "$ROOT/in" "$ROOT/arch"
	cp tpl/* "$ROOT/in/"
	lz_start
}

run() { # run MODE FIRST LAST: one jintegrate over segments FIRST..LAST
	_a=""
	_s=$2
	while [ $_s -le $3 ]; do _a="$_a $MNT/in/$(seg $_s)"; _s=$((_s + 1)); done
	jintegrate --db "$MNT/m.db" $1 $_a >/dev/null 2>&1
}

# Two runs (1-3, then 4-N), so that a durable point with removals comes in each, and the
# fault fires at the first matching operation of either.
scenario() { # scenario MODE FAULT
	fresh
	[ -n "$2" ] && lz_fault "$2"
	run "$1" 1 3 && run "$1" 4 $N
	lz_down
	verify "$1 ${2:-crash after exit}" "$1"
}

for mode in --remove "--archive $MNT/arch"; do
	m=${mode%% *}
	scenario "$mode" ""
	for t in before after; do
		for op in fsync write; do
			scenario "$mode" "lazyfs::crash::timing=$t::op=$op::from_rgx=m\\.db-wal\$"
		done
		scenario "$mode" "lazyfs::crash::timing=$t::op=fsync::from_rgx=m\\.db\$"
		for s in 1 3 4 $N; do
			scenario "$mode" "lazyfs::crash::timing=$t::op=unlink::from_rgx=$(seg $s)\$"
		done
	done
	for s in 2 5; do
		scenario "$mode" "lazyfs::crash::timing=after::op=read::from_rgx=in/$(seg $s)\$"
		[ "$m" = --archive ] &&
			scenario "$mode" "lazyfs::crash::timing=after::op=link::to_rgx=arch/$(seg $s)\$"
	done
done

# plain power cuts at random moments of a long run fed segment by segment
mkdir many
jmgen -r 20 many 40 >/dev/null 2>&1
i=0
while [ $i -lt 8 ]; do
	i=$((i + 1))
	rm -rf "$ROOT"; mkdir -p "$ROOT/in" "$ROOT/arch"; cp many/* "$ROOT/in/"
	lz_start
	mode=--remove; [ $((i % 2)) -eq 0 ] && mode="--archive $MNT/arch"
	ls "$MNT"/in/db.0*.journal | jintegrate --db "$MNT/m.db" $mode >/dev/null 2>&1 &
	jpid=$!
	sleep "$(awk -v s="$i" 'BEGIN { srand(s * 7919); printf "%.3f", rand() * 0.6 }')"
	lz_crash $jpid
	wait $jpid
	# jintegrate outlived the cut (power loss would not have let it) and, the mount gone,
	# took its lock and opened a database in the bare mount point: that is on no disk
	rm -rf "$MNT"
	a=$(pl_applied) bad=""
	for f in $(ls many); do
		s=$(echo "$f" | sed 's/^db\.0001-0*\([0-9]*\)\.journal$/\1/')
		if [ "$s" -gt "$a" ] && ! cmp -s "many/$f" "$ROOT/in/$f"; then bad="$bad $s"; fi
		if [ -e "$ROOT/arch/$f" ] && ! cmp -s "many/$f" "$ROOT/arch/$f"; then bad="$bad arch:$s"; fi
	done
	points=$((points + 1))
	[ -z "$bad" ] || fail "random crash $i ($mode): applied $a; missing or damaged:$bad"
done
echo "  ($points crash points)"
[ "$_failed" -gt 0 ] || ok "no segment the mirror lacks was removed, at $points crash points"
finish

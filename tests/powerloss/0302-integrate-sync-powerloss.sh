#!/bin/sh
# jintegrate --sync: a power cut at any point (LazyFS crash faults during a run, plain crashes
# at random moments, a crash after it exited) never loses a segment it printed as applied:
# every path printed before the crash is in the mirror's bookkeeping after it, with and
# without --remove. Prints how many crash points were tried.
. "$(dirname "$0")/lib.sh"
command -v sqlite3 >/dev/null || skip "sqlite3 command line not installed"

N=6
mkdir tpl
jmgen -r 30 -b 200 tpl $N >/dev/null 2>&1
points=0

# The highest sequence printed must be applied on the surviving disk.
verify() { # verify WHAT
	a=$(pl_applied)
	p=$(sed -n 's/.*db\.0001-0*\([0-9]*\)\.journal$/\1/p' "$T/printed" | sort -n | tail -1)
	points=$((points + 1))
	[ -z "$p" ] || [ "$p" -le "$a" ] || fail "$1: printed up to seq $p, the mirror has $a after the crash"
}

fresh() {
	rm -rf "$ROOT"; mkdir -p "$ROOT/in"
	cp tpl/* "$ROOT/in/"
	: >"$T/printed"
	lz_start
}

for mode in "" --remove; do
	fresh
	jintegrate --db "$MNT/m.db" --sync $mode $(ls "$MNT"/in/db.0*.journal) >>"$T/printed" 2>/dev/null
	lz_down
	verify "--sync $mode: crash after exit"
	for s in 2 3 4 5 6; do
		fresh
		lz_fault "lazyfs::crash::timing=after::op=read::from_rgx=in/$(seg $s)\$"
		jintegrate --db "$MNT/m.db" --sync $mode $(ls "$MNT"/in/db.0*.journal) >>"$T/printed" 2>/dev/null
		lz_down
		verify "--sync $mode: crash reading seq $s"
	done
	for f in "timing=after::op=write::from_rgx=m\\.db-wal\$" \
	    "timing=before::op=fsync::from_rgx=m\\.db-wal\$" \
	    "timing=after::op=fsync::from_rgx=m\\.db-wal\$" \
	    "timing=before::op=unlink::from_rgx=$(seg 2)\$"; do
		fresh
		lz_fault "lazyfs::crash::$f"
		jintegrate --db "$MNT/m.db" --sync $mode $(ls "$MNT"/in/db.0*.journal) >>"$T/printed" 2>/dev/null
		lz_down
		verify "--sync $mode: crash $f"
	done
done

# plain power cuts at random moments of a long run fed segment by segment
mkdir many
jmgen -r 20 many 40 >/dev/null 2>&1
i=0
while [ $i -lt 8 ]; do
	i=$((i + 1))
	rm -rf "$ROOT"; mkdir -p "$ROOT/in"; cp many/* "$ROOT/in/"
	: >"$T/printed"
	lz_start
	mode=""; [ $((i % 2)) -eq 0 ] && mode=--remove
	ls "$MNT"/in/db.0*.journal | jintegrate --db "$MNT/m.db" --sync $mode >"$T/printed" 2>/dev/null &
	jpid=$!
	sleep "$(awk -v s="$i" 'BEGIN { srand(s * 104729); printf "%.3f", 0.1 + rand() * 0.6 }')"
	lz_crash $jpid
	wait $jpid
	verify "random crash $i --sync $mode"
done
echo "  ($points crash points)"
[ "$_failed" -gt 0 ] || ok "every segment printed with --sync survived, at $points crash points"
finish

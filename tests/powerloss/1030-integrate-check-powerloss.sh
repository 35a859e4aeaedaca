#!/bin/sh
# Check records under power cuts: the last verified LSN (jmirror_check) is written in the
# transaction of the records it vouches for, so after a power cut at any moment of
# jintegrate --sync it names exactly the last check record among the records the surviving
# mirror holds, never one it lost nor one ahead of it; and the run that follows passes every
# check. Prints how many crash points were tried.
. "$(dirname "$0")/lib.sh"
command -v sqlite3 >/dev/null || skip "sqlite3 command line not installed"

# Template: 8 segments of sql records, each ending with a check record of the primary.
mkdir tpl
jappend --create tpl/db.journal
sqlite3 p.db "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)"
jappend tpl/db.journal "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)"
: >checks
for s in 1 2 3 4 5 6 7 8; do
	for i in 1 2 3 4 5; do
		sql="INSERT INTO t(v) VALUES('s$s i$i $(printf '%0300d' 0)')"
		sqlite3 p.db "$sql"
		jappend tpl/db.journal "$sql"
	done
	jmcheck -n 7 p.db tpl/db.journal >>checks
	jrotate tpl/db.journal >/dev/null
done
rm tpl/db.journal tpl/.db.journal.*

# The verified LSN the surviving mirror must show: the last check LSN at or below its last LSN.
verify() { # verify WHAT
	pl_point
	rm -rf "$T/chk"; mkdir "$T/chk"
	[ -f "$ROOT/m.db" ] || return 0
	cp "$ROOT/m.db" "$T/chk/"; [ -f "$ROOT/m.db-wal" ] && cp "$ROOT/m.db-wal" "$T/chk/"
	last=$(sqlite3 "$T/chk/m.db" 'select last_lsn from jmirror_state' 2>/dev/null)
	got=$(sqlite3 "$T/chk/m.db" 'select lsn from jmirror_check' 2>/dev/null)
	want=$(awk -v l="${last:-0}" '$1 <= l { w = $1 } END { print w }' checks)
	[ "${got:-}" = "${want:-}" ] || fail "$1: last LSN ${last:-none}, verified ${got:-none}, wanted ${want:-none}"
}

i=0
while [ $i -lt "$(pl_rounds 6)" ]; do
	i=$((i + 1))
	rm -rf "$ROOT"; mkdir -p "$ROOT/in"; cp tpl/* "$ROOT/in/"
	lz_start
	jintegrate --db "$MNT/m.db" --sync $(ls "$MNT"/in/db.0*.journal) >/dev/null 2>&1 &
	jpid=$!
	sleep "$(awk -v s="$i" 'BEGIN { srand(s * 7919); printf "%.3f", rand() * 0.4 }')"
	lz_crash $jpid
	wait $jpid
	verify "random cut $i"
done
for s in 2 3 5 8; do
	rm -rf "$ROOT"; mkdir -p "$ROOT/in"; cp tpl/* "$ROOT/in/"
	lz_start
	lz_fault "lazyfs::crash::timing=after::op=read::from_rgx=in/$(seg $s)\$"
	jintegrate --db "$MNT/m.db" --sync $(ls "$MNT"/in/db.0*.journal) >/dev/null 2>&1
	lz_down
	verify "cut reading seq $s"
	[ "$(sqlite3 "$T/chk/m.db" 'select lsn from jmirror_check' 2>/dev/null)" = "$(sed -n "$((s - 1))p" checks)" ] ||
		fail "cut reading seq $s: the checks of the segments before it are not all verified"
done
# what survived goes on, and passes every check after it
lz_start
expect_code 0 jintegrate --db "$MNT/m.db" --sync $(ls "$MNT"/in/db.0*.journal)
check "every check passed, the last one recorded" test "$(sqlite3 "$MNT/m.db" 'select lsn from jmirror_check')" = "$(tail -n 1 checks)"
lz_stop
pl_points "the verified LSN always matched the records that survived"
finish

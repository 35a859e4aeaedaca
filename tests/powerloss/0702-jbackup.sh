#!/bin/sh
# jbackup and jbackup --restore under a power cut before and after each create, write, fsync
# and rename of their temporaries and of the published file. Afterwards jbackup.1's promise
# holds: there is no archive under FILE, or a whole one that restores; there is no NEW.db, or
# a whole database with the backup's rows and bookkeeping; and running the tool again
# completes the work.
LAZYFS_CACHE_SIZE=${LAZYFS_CACHE_SIZE:-32mb}
. "$(dirname "$0")/lib.sh"

# A mirror outside the mount, with three rows.
mkdir old
jappend --create "$T/old/db.journal"
jappend --sync "$T/old/db.journal" "CREATE TABLE t(a)" "INSERT INTO t VALUES(1)" \
	"INSERT INTO t VALUES(2)" "INSERT INTO t VALUES(3)"
jrotate -q "$T/old/db.journal"
jintegrate --sync --db "$T/m.db" old/db.0001-*.journal >/dev/null || fail "integrate"
jbackup --db "$T/m.db" -o "$T/ref.tar.zst" 2>/dev/null || fail "reference backup"

BK=$MNT/bk
RS=$MNT/rs
n=0
# A restored database is whole: its rows and its bookkeeping.
whole_db() { # DB
	[ "$(sqlite3 "$1" 'PRAGMA quick_check' 2>/dev/null)" = ok ] &&
	[ "$(sqlite3 "$1" 'SELECT group_concat(a) FROM t' 2>/dev/null)" = 1,2,3 ] &&
	[ "$(sqlite3 "$1" 'SELECT last_lsn FROM jmirror_state' 2>/dev/null)" = 4 ]
}
whole_archive() { # FILE
	n=$((n + 1))
	jbackup --restore "$1" --db "$T/chk$n.db" 2>/dev/null && whole_db "$T/chk$n.db"
}

TMPB='.*/bk/\..*'
TMPR='.*/rs/\..*'
backup_points="before:create:$TMPB: after:create:$TMPB: before:write:$TMPB: after:write:$TMPB:
before:fsync:$TMPB: after:fsync:$TMPB: before:rename::/bk/b\\.tar after:rename::/bk/b\\.tar"
restore_points="before:create:$TMPR: after:create:$TMPR: before:write:$TMPR: after:write:$TMPR:
before:fsync:$TMPR: after:fsync:$TMPR: before:rename::/rs/r\\.db after:rename::/rs/r\\.db"

arm() { # POINT
	tim=${1%%:*}; x=${1#*:}; op=${x%%:*}; x=${x#*:}; from=${x%%:*}; to=${x#*:}
	what="$tim $op ${from}${to}"
	f="lazyfs::crash::timing=$tim::op=$op"
	[ -z "$from" ] || f="$f::from_rgx=$from"
	[ -z "$to" ] || f="$f::to_rgx=$to"
	lz_arm "$f"
}

good=0
lz_start
for r in $(seq 1 "$(pl_rounds 1)"); do
	for p in $backup_points; do
		rm -rf "$BK"; mkdir "$BK"
		arm "$p" || break 2
		jbackup --db "$T/m.db" -o "$BK/b.tar.zst" >/dev/null 2>&1
		lz_restart
		pl_point
		if [ -e "$BK/b.tar.zst" ] && ! whole_archive "$BK/b.tar.zst"; then
			fail "backup $what: an archive under its name that does not restore"; continue; fi
		if ls "$BK" | grep -qv '^\.'; then
			[ -e "$BK/b.tar.zst" ] || { fail "backup $what: a file that is not FILE"; continue; }
		else
			jbackup --db "$T/m.db" -o "$BK/b.tar.zst" 2>/dev/null ||
				{ fail "backup $what: the next run"; continue; }
			whole_archive "$BK/b.tar.zst" || { fail "backup $what: after the next run"; continue; }
		fi
		good=$((good + 1))
	done
	for p in $restore_points; do
		rm -rf "$RS"; mkdir "$RS"
		arm "$p" || break 2
		jbackup --restore "$T/ref.tar.zst" --db "$RS/r.db" >/dev/null 2>&1
		lz_restart
		pl_point
		if [ -e "$RS/r.db" ]; then
			whole_db "$RS/r.db" || { fail "restore $what: NEW.db is not whole"; continue; }
		else
			jbackup --restore "$T/ref.tar.zst" --db "$RS/r.db" 2>/dev/null ||
				{ fail "restore $what: the next run"; continue; }
			whole_db "$RS/r.db" || { fail "restore $what: after the next run"; continue; }
		fi
		good=$((good + 1))
	done
done
lz_stop
check "every cut left no file or a whole one, and the next run completes" \
	[ "$good" -eq "$_pl_points" ]
pl_points "jbackup and --restore, before/after create, write, fsync, rename"
finish

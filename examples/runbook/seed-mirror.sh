#!/bin/sh
# Set up a mirror (or a mirror-mirror): restore a backup of the primary's mirror, or of the
# primary taken with jbackup --journal after jrotate --final, then apply every segment that
# arrived since. A segment still missing (exit 75) is not an error: cron applies it later.
# usage: seed-mirror.sh BACKUP.tar.zst MIRROR.db INCOMING
set -eu
[ $# -eq 3 ] || { echo "usage: seed-mirror.sh BACKUP MIRROR.db INCOMING" >&2; exit 64; }
backup=$1 db=$2 incoming=$3
jbackup --restore "$backup" --db "$db"
rc=0
jintegrate --db "$db" --from "$incoming" >/dev/null || rc=$?
[ "$rc" -eq 0 ] || [ "$rc" -eq 75 ] || exit "$rc"
jstatus --db "$db" --incoming "$incoming"

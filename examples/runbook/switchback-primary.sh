#!/bin/sh
# Switch back, step 1, on the current primary (the former mirror), with the application
# stopped: close the journal with a final segment, send it to every mirror, and take the
# backup that rebuilds the repaired machine (4D's "replace the database files by those of
# the mirror"): with --journal the backup's bookkeeping says it holds everything up to that
# final segment, so the restored database is a mirror ready to be promoted.
# usage: switchback-primary.sh DB JOURNAL BACKUP URL...
set -eu
[ $# -ge 3 ] || { echo "usage: switchback-primary.sh DB JOURNAL BACKUP [URL...]" >&2; exit 64; }
db=$1 journal=$2 backup=$3
shift 3
jrotate --final "$journal" >/dev/null
to=""
for url in "$@"; do to="$to --to $url"; done
# shellcheck disable=SC2086
[ -z "$to" ] || jship -q --from "$(dirname "$journal")" $to
jbackup --force --db "$db" --journal "$journal" -o "$backup"

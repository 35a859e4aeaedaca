#!/bin/sh
# Switch back, step 2, on the repaired machine: replace its database by the backup from
# step 1 (copied here), and promote it: a planned switch-over onto a new timeline, which
# the mirrors follow after the current primary's final segment.
# usage: switchback-old.sh BACKUP DB JOURNAL
set -eu
[ $# -eq 3 ] || { echo "usage: switchback-old.sh BACKUP DB JOURNAL" >&2; exit 64; }
backup=$1 db=$2 journal=$3
# The old journal directory holds the old timeline (and, after a forced service, segments
# written after the fork that no mirror accepts): it is moved aside, not shipped again.
dir=$(dirname "$journal")
if [ -d "$dir" ] && [ -n "$(ls -A "$dir")" ]; then
	mv "$dir" "$dir.before-switchback.$(date +%Y%m%d%H%M%S)"
fi
mkdir -p "$dir"
jbackup --restore "$backup" --force --db "$db"
jpromote --db "$db" --journal "$journal"

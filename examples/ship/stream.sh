#!/bin/sh
# Stream segments to the mirrors as they are sealed: first the backlog (what a mirror missed
# while this was not running), then every segment jrotate seals, at once. The path of each
# segment every mirror has is printed on standard output. Stop it with SIGTERM to jrotate
# (or to the whole process group, as systemd does): jrotate finishes its rotation, jship
# sends what it was given and exits.
#
# Usage: stream.sh JOURNAL URL...          EVERY (default 1s): the rotation period.
set -u
[ $# -ge 2 ] || { echo "usage: stream.sh JOURNAL URL..." >&2; exit 64; }
journal=$1
shift
dir=$(dirname "$journal")
n=$#
for url; do set -- "$@" --to "$url"; done
shift "$n"
# A failed backlog run is not fatal: the stream keeps the order, the next run catches up.
jship --quiet --from "$dir" "$@" >/dev/null ||
	echo "stream.sh: backlog not fully sent (exit $?): the next queue run retries it" >&2
jrotate --every "${EVERY:-1s}" "$journal" | jship --quiet "$@"

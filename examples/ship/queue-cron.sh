#!/bin/sh
# Seal the live journal, send every segment a mirror lacks, then remove what all mirrors have.
# Run it from cron on the operational machine, as often as you like (each step is idempotent
# and locked):
#
#   * * * * *  /usr/local/share/jmirror/examples/ship/queue-cron.sh /var/lib/jmirror/db.journal sftp://mirror1/var/lib/jmirror/incoming/ ftpes://mirror2/incoming/
#
# Usage: queue-cron.sh JOURNAL URL...      KEEP_FOR (default 7d): how long sent segments stay.
# Exit status: jship's (0 all sent, 75 some mirror is behind: it gets the backlog next time);
# jrotate's, when it fails other than with 69 (closed by a final rotation: the queue is still
# sent) or 75 (busy). The codes are listed in jmirror(7).
set -u
[ $# -ge 2 ] || { echo "usage: queue-cron.sh JOURNAL URL..." >&2; exit 64; }
journal=$1
shift
dir=$(dirname "$journal")
n=$#
for url; do set -- "$@" --to "$url"; done
shift "$n"
rc=0
jrotate -q "$journal" >/dev/null || rc=$?
case $rc in
0|69|75) ;;
*) exit "$rc" ;;
esac
exec jship --quiet --from "$dir" --keep-for "${KEEP_FOR:-7d}" "$@"

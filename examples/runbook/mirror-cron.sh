#!/bin/sh
# Daily operation on a mirror, every minute from cron (or run jwatch INCOMING | jintegrate as
# a service, examples/systemd): apply what arrived, and relay each applied segment to the
# next mirrors (a chain, or several URLs for hub-and-spoke), byte-identical.
#   * * * * *  jmirror  /usr/local/share/jmirror/runbook/mirror-cron.sh /var/lib/jmirror/mirror.db /var/lib/jmirror/incoming sftp://mirror2/var/lib/jmirror/incoming/
# jintegrate exits 75 when it waits for a missing segment, or when a backup holds the lock:
# both are retried by the next run.
# usage: mirror-cron.sh MIRROR.db INCOMING [URL...]
set -eu
[ $# -ge 2 ] || { echo "usage: mirror-cron.sh MIRROR.db INCOMING [URL...]" >&2; exit 64; }
db=$1 incoming=$2
shift 2
to=""
for url in "$@"; do to="$to --to $url"; done
rc=0
if [ -n "$to" ]; then
	applied=$(jintegrate --db "$db" --from "$incoming" --no-wait) || rc=$?
	# shellcheck disable=SC2086
	[ -z "$applied" ] || printf '%s\n' "$applied" | jship -q $to >/dev/null
else
	jintegrate --db "$db" --from "$incoming" --no-wait >/dev/null || rc=$?
fi
[ "$rc" -eq 0 ] || [ "$rc" -eq 75 ] || exit "$rc"

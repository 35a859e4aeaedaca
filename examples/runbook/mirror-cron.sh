#!/bin/sh
# Daily operation on a mirror, every minute from cron (or run jwatch INCOMING | jintegrate as
# a service, examples/systemd): apply what arrived, and relay each applied segment to the
# next mirrors (a chain, or several URLs for hub-and-spoke), byte-identical.
#   * * * * *  jmirror  /usr/local/share/jmirror/runbook/mirror-cron.sh /var/lib/jmirror/mirror.db /var/lib/jmirror/incoming sftp://mirror2/var/lib/jmirror/incoming/
# Exit codes (jmirror(7)): jintegrate's 75 (waiting for a missing segment, or a backup
# holds the lock) is retried by the next run and ends this one with 0. Anything else stops
# with its code, for cron to mail: 65 a segment must be shipped again, 69 the mirror was
# promoted (this job must not run on it any more), 73/74 local I/O, 77 permission, 78 the
# mirror database needs attention.
# JM_TRUST: the public key (a file) the segments must be signed with: jintegrate records it
# in the mirror, and the relay sends on only what it signed.
# usage: mirror-cron.sh MIRROR.db INCOMING [URL...]
set -eu
[ $# -ge 2 ] || { echo "usage: mirror-cron.sh MIRROR.db INCOMING [URL...]" >&2; exit 64; }
db=$1 incoming=$2
shift 2
to=""
for url in "$@"; do to="$to --to $url"; done
rc=0
if [ -n "$to" ]; then
	applied=$(jintegrate ${JM_TRUST:+--trust "$JM_TRUST"} --db "$db" --from "$incoming" \
	    --no-wait) || rc=$?
	# shellcheck disable=SC2086
	[ -z "$applied" ] || printf '%s\n' "$applied" |
	    jship -q ${JM_TRUST:+--trust "$JM_TRUST"} $to >/dev/null
else
	jintegrate ${JM_TRUST:+--trust "$JM_TRUST"} --db "$db" --from "$incoming" --no-wait \
	    >/dev/null || rc=$?
fi
[ "$rc" -eq 0 ] || [ "$rc" -eq 75 ] || exit "$rc"

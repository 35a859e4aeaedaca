#!/bin/sh
# The primary of a hub that mirrors pull from: seal the live journal, send what the hub
# lacks, then remove from the hub what every registered mirror has fetched, once it is older
# than EXPIRE (default 7d). Run it from cron as often as you like:
#
#   * * * * *  /usr/local/share/jmirror/examples/hub/primary-cron.sh /var/lib/jmirror/db.journal sftp://hub/srv/journal/
#
# Usage: primary-cron.sh JOURNAL HUB-URL      (KEY and KNOWN_HOSTS name SSH files other
# than ~/.ssh/'s)
# Exit status: jship's (0 sent, 75 the hub is unreachable: the backlog goes next time);
# jrotate's when it fails other than with 69 (closed by a final rotation) or 75 (busy).
set -u
[ $# -eq 2 ] || { echo "usage: primary-cron.sh JOURNAL HUB-URL" >&2; exit 64; }
journal=$1 hub=$2
set --
[ -n "${KEY:-}" ] && set -- "$@" --key "$KEY"
[ -n "${KNOWN_HOSTS:-}" ] && set -- "$@" --known-hosts "$KNOWN_HOSTS"
rc=0
jrotate -q "$journal" >/dev/null || rc=$?
case $rc in
0|69|75) ;;
*) exit "$rc" ;;
esac
exec jship --quiet "$@" --from "$(dirname "$journal")" --to "$hub" --expire-after "${EXPIRE:-7d}"

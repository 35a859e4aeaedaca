#!/bin/sh
# Daily operation on the operational machine, every minute from cron:
#   * * * * *  jmirror  /usr/local/share/jmirror/runbook/primary-cron.sh /var/lib/jmirror/db.journal sftp://mirror1/var/lib/jmirror/incoming/
# Seal the live journal once its oldest record is a minute old (JM_ROTATE_AGE), then send
# every destination what it lacks (a destination that was down gets its backlog, in order).
# Several URLs: hub-and-spoke. Exit codes (jmirror(7)): jrotate's 69 (the journal is closed
# by a final rotation) and 75 (busy) still send the queue; anything else, 77 (permission
# denied, say a root-owned lock file) included, stops here with jrotate's code, so that cron
# mails the message instead of the rotation stopping silently.
# Signed segments (jmirror(7), KEY HANDLING): JM_SIGN names this machine's secret key.
# usage: primary-cron.sh JOURNAL URL...
set -eu
[ $# -ge 2 ] || { echo "usage: primary-cron.sh JOURNAL URL..." >&2; exit 64; }
journal=$1
shift
rc=0
jrotate ${JM_SIGN:+--sign "$JM_SIGN"} --if-age "${JM_ROTATE_AGE:-60s}" "$journal" >/dev/null || rc=$?
case $rc in
0|69|75) ;;
*) exit "$rc" ;;
esac
to=""
for url in "$@"; do to="$to --to $url"; done
# URLs carry no blanks (credentials come from ~/.netrc and ~/.ssh, never from the URL)
exec jship -q --from "$(dirname "$journal")" $to

#!/bin/sh
# A delayed standby, run from cron: apply whatever has arrived in IN to DB, but only records
# committed at least DELAY_S seconds ago, so that a mistaken DELETE on the primary can be
# caught before it reaches this copy (stop the cron job, then go forward with
# jintegrate --until to just before the mistake).
#
#   */5 * * * *  IN=/srv/jm/in DB=/srv/jm/late.db DELAY_S=3600 sh /path/to/delayed-standby.sh
#
# --until with a moving point in time applies what is old enough and exits at once; a
# long-running pipeline would use --delay instead, which waits:
#     jwatch /srv/jm/in | jintegrate --db /srv/jm/late.db --delay 1h
# Exit status 75 (another run or a backup holds the lock, or a segment is still missing) is
# normal for a job that runs again soon: it is not reported.
set -u
: "${IN:?the incoming directory}" "${DB:?the standby database}"
DELAY_S=${DELAY_S:-3600}
jintegrate --no-wait --db "$DB" --until "@$(( $(date +%s) - DELAY_S ))" --from "$IN" >/dev/null
rc=$?
[ $rc -eq 75 ] && exit 0
exit $rc

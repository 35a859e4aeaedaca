#!/bin/sh
# Forced service: the primary is lost and no final segment will come. Apply what arrived; if
# a copy of the old primary's live journal could be saved, give it as LIVE: its complete
# records are applied too and jpromote seals them as the old timeline's closing segment in
# the new journal's directory, where primary-cron.sh ships it to the other mirrors. What the
# old primary wrote after the last record applied is lost: jpromote says up to which LSN and
# commit time the mirror got.
# usage: forced-service.sh MIRROR.db INCOMING JOURNAL [LIVE]
set -eu
[ $# -ge 3 ] || { echo "usage: forced-service.sh MIRROR.db INCOMING JOURNAL [LIVE]" >&2; exit 64; }
db=$1 incoming=$2 journal=$3 live=${4:-}
mkdir -p "$(dirname "$journal")"
rc=0
jintegrate --db "$db" --from "$incoming" >/dev/null || rc=$?
[ "$rc" -eq 0 ] || [ "$rc" -eq 75 ] || exit "$rc"
if [ -n "$live" ]; then
	jintegrate --db "$db" "$live" >/dev/null
	jpromote --force --live "$live" --db "$db" --journal "$journal"
else
	jpromote --force --db "$db" --journal "$journal"
fi

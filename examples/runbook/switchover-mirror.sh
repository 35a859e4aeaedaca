#!/bin/sh
# Planned switch-over, step 2, on the mirror that takes over: apply everything up to the old
# primary's final segment (relaying it to the mirror-mirrors at URL...), then promote. jpromote
# refuses (exit 75) if the final segment was not applied: run step 1 first, or wait for it.
# Afterwards point the application at MIRROR.db and its journal JOURNAL, and run
# primary-cron.sh JOURNAL URL... here.
# JM_SIGN: this machine's own secret key, whose public key the mirror-mirrors trust already
# (a mirror that trusts keys is promoted only with one).
# usage: switchover-mirror.sh MIRROR.db INCOMING JOURNAL [URL...]
set -eu
[ $# -ge 3 ] || { echo "usage: switchover-mirror.sh MIRROR.db INCOMING JOURNAL [URL...]" >&2; exit 64; }
db=$1 incoming=$2 journal=$3
shift 3
mkdir -p "$(dirname "$journal")"
to=""
for url in "$@"; do to="$to --to $url"; done
applied=$(jintegrate --db "$db" --from "$incoming")
# shellcheck disable=SC2086
[ -z "$to" ] || [ -z "$applied" ] || printf '%s\n' "$applied" | jship -q $to >/dev/null
jstatus --db "$db" --incoming "$incoming"
jpromote ${JM_SIGN:+--sign "$JM_SIGN"} --db "$db" --journal "$journal"

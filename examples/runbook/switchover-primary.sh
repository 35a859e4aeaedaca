#!/bin/sh
# Planned switch-over, step 1, on the old primary (the application is stopped, or its writes
# are refused from now on): seal the last records as the final segment, and send every
# destination everything. From here on every append to JOURNAL is refused (exit 69).
# JM_SIGN: this machine's secret key, when its journal is signed.
# usage: switchover-primary.sh JOURNAL URL...
set -eu
[ $# -ge 2 ] || { echo "usage: switchover-primary.sh JOURNAL URL..." >&2; exit 64; }
journal=$1
shift
final=$(jrotate ${JM_SIGN:+--sign "$JM_SIGN"} --final "$journal")
echo "final segment: $final"
to=""
for url in "$@"; do to="$to --to $url"; done
# shellcheck disable=SC2086
jship -q --from "$(dirname "$journal")" $to
jstatus "$journal"

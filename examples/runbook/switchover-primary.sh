#!/bin/sh
# Planned switch-over, step 1, on the old primary (the application is stopped, or its writes
# are refused from now on): seal the last records as the final segment, and send every
# destination everything. From here on every append to JOURNAL is refused (exit 69).
# usage: switchover-primary.sh JOURNAL URL...
set -eu
[ $# -ge 2 ] || { echo "usage: switchover-primary.sh JOURNAL URL..." >&2; exit 64; }
journal=$1
shift
final=$(jrotate --final "$journal")
echo "final segment: $final"
to=""
for url in "$@"; do to="$to --to $url"; done
# shellcheck disable=SC2086
jship -q --from "$(dirname "$journal")" $to
jstatus "$journal"

#!/bin/sh
# What to watch on a mirror: the lag and the redo queue, as a Nagios/Icinga check
# (exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN, one line with performance data). The
# thresholds can be overridden: JM_WARN=lag=30s,queue=10 JM_CRIT=lag=5m,queue=100.
# usage: check.sh MIRROR.db INCOMING
[ $# -eq 2 ] || { echo "usage: check.sh MIRROR.db INCOMING" >&2; exit 3; }
exec jstatus --db "$1" --incoming "$2" --warn "${JM_WARN:-lag=60s,queue=10}" \
	--crit "${JM_CRIT:-lag=5m,queue=100}"

#!/bin/sh
# What to watch on a mirror: the lag and the redo queue, as a Nagios/Icinga check
# (exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN, one line with performance data). The
# thresholds can be overridden: JM_WARN=lag=30s,queue=10 JM_CRIT=lag=5m,queue=100.
# usage: check.sh MIRROR.db INCOMING
[ $# -eq 2 ] || { echo "usage: check.sh MIRROR.db INCOMING" >&2; exit 3; }
# jstatus answers 0-3 itself; any other code (64 a bad threshold, ...) is UNKNOWN.
rc=0
jstatus --db "$1" --incoming "$2" --warn "${JM_WARN:-lag=60s,queue=10}" \
	--crit "${JM_CRIT:-lag=5m,queue=100}" || rc=$?
case $rc in
0|1|2|3) exit "$rc" ;;
*) echo "UNKNOWN: jstatus exited $rc"; exit 3 ;;
esac

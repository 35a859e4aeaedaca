#!/bin/sh
# examples/demo.sh interrupted while it writes (SIGINT, as ^C; then SIGTERM): it stops every
# pipeline it started, removes its working directory, and exits non-zero.
. ./lib.sh
# (A background job of a script ignores SIGINT; env --default-signal gives the demo the
# SIGINT a terminal's ^C would send it.)

# the demo is under way: the application writes, and rows have reached mirror1
flowing() {
	grep -q '^== the application writes' "$1" || return 1
	_d=$(sed -n 's/^working in //p' "$1")
	[ "$(sqlite3 "$_d/mirror1/mirror.db" 'select count(*) from orders' 2>/dev/null)" -gt 0 ]
}
none_in() { test -z "$(procs_in "$1")"; }
for sig in INT TERM; do
	TMPDIR=$T/tmp.$sig
	mkdir -p "$TMPDIR"
	TMPDIR=$TMPDIR DEMO_SECONDS=30 JM_TEST=${JM_TEST:-$JM_BIN/../test} \
		env --default-signal=INT sh "$JM_SRC/examples/demo.sh" >demo.$sig.out 2>&1 &
	pid=$!
	wait_for flowing demo.$sig.out
	check "SIG$sig: the pipelines were running" test -n "$(procs_in "$TMPDIR")"
	kill -$sig $pid
	wait $pid
	rc=$?
	check "SIG$sig: exit non-zero ($rc)" test $rc -ne 0
	wait_for none_in "$TMPDIR"
	left=$(procs_in "$TMPDIR")
	check "SIG$sig: nothing left running (${left:-none})" test -z "$left"
	check "SIG$sig: working directory removed" test -z "$(ls "$TMPDIR")"
done
finish

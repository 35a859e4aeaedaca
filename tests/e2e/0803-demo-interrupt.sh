#!/bin/sh
# examples/demo.sh interrupted while it writes (SIGINT, as ^C; then SIGTERM): it stops every
# pipeline it started, removes its working directory, and exits non-zero.
. ./lib.sh
# (A background job of a script ignores SIGINT; env --default-signal gives the demo the
# SIGINT a terminal's ^C would send it.)

# pids of the processes whose working directory is DIR or under it (the demo's pipelines
# and servers all run in its working directory)
procs_in() {
	for p in /proc/[0-9]*; do
		c=$(readlink "$p/cwd" 2>/dev/null) || continue
		case $c in "$1"|"$1"/*) printf '%s ' "${p#/proc/}" ;; esac
	done
}

for t in jship; do
	command -v $t >/dev/null 2>&1 || skip "$t is not built yet: the demo needs it"
done
for sig in INT TERM; do
	TMPDIR=$T/tmp.$sig
	mkdir -p "$TMPDIR"
	TMPDIR=$TMPDIR DEMO_SECONDS=30 JM_TEST=${JM_TEST:-$JM_BIN/../test} \
		env --default-signal=INT sh "$JM_SRC/examples/demo.sh" >demo.$sig.out 2>&1 &
	pid=$!
	i=0
	until grep -q '^== the application writes' demo.$sig.out || [ $i -ge 100 ]; do
		sleep 0.1; i=$((i + 1))
	done
	sleep 1
	check "SIG$sig: the pipelines were running" test -n "$(procs_in "$TMPDIR")"
	kill -$sig $pid
	wait $pid
	rc=$?
	check "SIG$sig: exit non-zero ($rc)" test $rc -ne 0
	sleep 0.2
	left=$(procs_in "$TMPDIR")
	check "SIG$sig: nothing left running (${left:-none})" test -z "$left"
	check "SIG$sig: working directory removed" test -z "$(ls "$TMPDIR")"
done
finish

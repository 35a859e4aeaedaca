#!/bin/sh
# jcat reads a live journal while writers append and a rotation seals it under the reader:
# every read succeeds and shows consecutive LSNs (a consistent prefix, or the sealed file).
. ./lib.sh
jappend --create db.journal
(
	i=0
	while [ $i -lt 300 ]; do
		jappend db.journal "row $i" "$(printf 'two\nlines %d' $i)" || exit 1
		i=$((i + 1))
	done
) &
w1=$!
(
	i=0
	while [ $i -lt 15 ]; do
		jrotate -q db.journal || exit 1
		sleep 0.05              # spreads the rotations over the writer's run
		i=$((i + 1))
	done
) &
w2=$!
at_exit "kill $w1 $w2 2>/dev/null"
bad=0 runs=0
while kill -0 $w1 2>/dev/null; do
	jcat db.journal >snap 2>err
	rc=$?
	runs=$((runs + 1))
	if [ $rc -ne 0 ]; then
		echo "    jcat exit $rc: $(head -1 err)"; bad=$((bad + 1)); continue
	fi
	awk 'NR == 1 { sub(/.*first LSN /, ""); sub(/,.*/, ""); want = $0 + 0; next }
	     /^# (live|sealed):/ { end = 1; next }
	     { if ($1 + 0 != want++) bad = 1 }
	     END { exit !(end && !bad) }' snap ||
		{ echo "    inconsistent snapshot"; bad=$((bad + 1)); }
done
wait $w1; r1=$?
wait $w2; r2=$?
check "writer and rotator finished" test $r1 -eq 0 -a $r2 -eq 0
check "$runs reads during appends and rotations, all consistent" test $bad -eq 0 -a $runs -gt 0
jrotate -q db.journal
expect_code 0 jcat --verify db.*journal
expect_code 0 jcat -q db.0001-*.journal
jcat db.0001-*.journal | grep -v '^#' | cut -d' ' -f1 >lsns
check "600 records, LSN 1 to 600, each once" test "$(tr '\n' ' ' <lsns)" = "$(seq 1 600 | tr '\n' ' ')"
finish

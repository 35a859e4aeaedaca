#!/bin/sh
# A rotation killed at each of its steps (JM_TEST_CRASH, a test-only hook) leaves a state
# that the next jappend or jrotate completes: no record lost or duplicated, no hole in the
# sequence, never two segments with one number.
. ./lib.sh

steps="pass1 torn trailer-half trailer link next rename done"
for fixer in jappend jrotate; do
	for step in $steps; do
		d=$fixer-$step
		mkdir "$d"
		J=$d/db.journal
		jappend --create "$J"
		jappend "$J" a b c
		printf 'torn' >>"$J"      # a writer's torn tail, for the rotation to cut
		JM_TEST_CRASH=$step jrotate "$J" >"$d.out" 2>&1
		rc=$?
		check "$d: killed at $step (rc $rc)" test $rc -eq 137
		if [ $fixer = jappend ]; then
			jappend "$J" x || fail "$d: jappend after the crash"
			jrotate "$J" >/dev/null || fail "$d: jrotate after the crash"
		else
			expect_code 0 jrotate "$J"
			case $step in
			rename|done)
				# The successor was in place: that rotation was complete.
				check "$d: nothing left to do" test ! -s "$T/out" ;;
			*)
				check "$d: jrotate completes and prints segment 1" \
					grep -qx "$d/db.0001-000000000001.journal" "$T/out" ;;
			esac
			jappend "$J" x || fail "$d: jappend after the crash"
		fi
		expect_code 0 jjdump $(ls "$d"/db.0001-*.journal | sort) "$J"
		printf 'a\nb\nc\nx\n' >want
		cut -f2 "$T/out" >got
		check "$d: records once each, in order" test_cmp want got
		check "$d: LSNs consecutive" awk -F'\t' '$1 != NR { exit 1 }' "$T/out"
		check "$d: no leftover .next" test ! -e "$d/.db.journal.next"
		expect_code 0 jcat --verify $(ls "$d"/db.0001-*.journal | sort) "$J"
	done
done

# A final rotation killed after the link: the writer refuses, the segment is whole.
mkdir fin && jappend --create fin/db.journal && jappend fin/db.journal a
JM_TEST_CRASH=link jrotate --final fin/db.journal >/dev/null 2>&1
expect_code 69 jappend fin/db.journal b
expect_code 0 jjdump fin/db.0001-000000000001.journal
check "final segment holds a" test "$(cut -f2 "$T/out")" = a
finish

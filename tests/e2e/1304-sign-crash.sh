#!/bin/sh
# A signing rotation killed at each of its steps (JM_TEST_CRASH), sig-half included (the
# trailer written and half its signature block): a writer without the key, or a rotation
# without it, completes what can be completed without a key and never seals an unsigned
# segment of a signed journal; the next signing rotation seals the rest. Every segment
# ends up signed and verified, each record once, in order.
. ./lib.sh
command -v minisign >/dev/null || skip "minisign is not installed (tests/deps.sh)"
minisign -G -W -p a.pub -s a.key >/dev/null 2>&1

steps="pass1 torn trailer-half sig-half trailer link next rename done"
for fixer in jappend jrotate; do
	for step in $steps; do
		d=$fixer-$step
		mkdir "$d"
		J=$d/db.journal
		jappend --create "$J"
		jrotate --sign a.key "$J"
		jappend "$J" a b c
		printf 'torn' >>"$J"      # a writer's torn tail, for the rotation to cut
		JM_TEST_CRASH=$step jrotate --sign a.key "$J" >"$d.out" 2>&1
		rc=$?
		check "$d: killed at $step (rc $rc)" test $rc -eq 137
		if [ $fixer = jappend ]; then
			jappend "$J" x || fail "$d: jappend without the key after the crash"
		else
			# without the key: completes a durable seal, refuses to make one
			jrotate "$J" >/dev/null 2>"$d.err"
			rc=$?
			case $step in
			pass1|torn|trailer-half|sig-half)
				check "$d: jrotate without the key refuses to seal (rc $rc)" test $rc -eq 64 ;;
			*)
				check "$d: jrotate without the key completes the rotation (rc $rc)" test $rc -eq 0 ;;
			esac
			jappend "$J" x || fail "$d: jappend after the crash"
		fi
		expect_code 0 jrotate --sign a.key "$J"
		expect_code 0 jjdump $(ls "$d"/db.0001-*.journal | sort) "$J"
		printf 'a\nb\nc\nx\n' >want
		cut -f2 "$T/out" >got
		check "$d: records once each, in order" test_cmp want got
		check "$d: no leftover .next" test ! -e "$d/.db.journal.next"
		expect_code 0 jcat --verify --trust a.pub $(ls "$d"/db.0001-*.journal | sort)
		check "$d: every segment signed and trusted" sh -c \
		    "[ \$(grep -c 'signed by trusted key' '$T/out') -eq \$(ls $d/db.0001-*.journal | wc -l) ]"
		expect_code 0 jcat --verify $(ls "$d"/db.0001-*.journal | sort) "$J"
	done
done
finish

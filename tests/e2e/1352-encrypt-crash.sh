#!/bin/sh
# An encrypting rotation killed at each of its steps (JM_TEST_CRASH) leaves a state that the
# next jappend or jrotate completes WITHOUT any recipient or key: once the seal is durable,
# the encrypted segment (.NAME.journal.enc, durable before the seal) is what gets linked,
# never the plaintext live file; before it, a rotation given no recipient encrypts to the
# remembered ones. No plaintext segment, no record lost or duplicated, the chain verifies.
. ./lib.sh
command -v age >/dev/null || skip "age is not installed (tests/deps.sh installs it)"
age-keygen -o key 2>/dev/null && age-keygen -y key >key.pub

steps="pass1 torn encrypted trailer-half trailer link next rename done"
for fixer in jappend jrotate; do
	for step in $steps; do
		d=$fixer-$step
		mkdir "$d"
		J=$d/db.journal
		jappend --create "$J"
		jappend "$J" a b c
		printf 'torn' >>"$J"
		JM_TEST_CRASH=$step jrotate --encrypt-to key.pub "$J" >"$d.out" 2>&1
		rc=$?
		check "$d: killed at $step (rc $rc)" test $rc -eq 137
		# the fixers are given no recipient and no key
		if [ $fixer = jappend ]; then
			jappend "$J" x || fail "$d: jappend after the crash"
		else
			jrotate "$J" >/dev/null || fail "$d: jrotate after the crash"
			jappend "$J" x || fail "$d: jappend after the crash"
		fi
		jrotate --encrypt-to key.pub "$J" >/dev/null || fail "$d: the next rotation"
		segs=$(ls "$d"/db.0001-*.journal | sort)
		expect_code 0 jcat --identity key $segs "$J"
		grep -v '^#' "$T/out" | cut -d' ' -f1,4- >got
		printf '1 a\n2 b\n3 c\n4 x\n' >want
		check "$d: records once each, in order" test_cmp want got
		check "$d: no leftover .next or .enc" test ! -e "$d/.db.journal.next" -a ! -e "$d/.db.journal.enc"
		expect_code 0 jcat --verify $segs "$J"
		check "$d: the chain verifies without a key" \
		    test "$(grep -c ': ok, ' "$T/out")" -eq $(($(echo $segs | wc -w) + 1))
		for s in $segs; do
			check "$d: $s is encrypted, whoever completed it" \
			    sh -c "jcat $s | grep -q ', encrypted ('"
		done
	done
done
finish

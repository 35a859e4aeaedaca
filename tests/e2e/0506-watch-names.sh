#!/bin/sh
# jwatch: a file whose journal NAME holds a newline or another control character is never
# printed (it would read as two paths), with -0 or without, and is said once on stderr, on
# one line; a reported file that leaves the directory (set aside into .quarantine, deleted)
# is forgotten, so that the genuine file arriving under its name is reported.
. ./lib.sh

mkdir st in
jmgen st 4 >/dev/null 2>&1 || fail "jmgen"
nl=$(printf 'a\nb').0001-000000000001.journal
cp st/"$(seg 1)" in/"$nl"                       # a whole segment, its NAME holds a newline
cp st/"$(seg 1)" in/

expect_code 0 jwatch --once in
check "--once: the bad name is not printed" test "$(cat out)" = "in/$(seg 1)"
check "--once: said once, on one line, escaped" test "$(cat err)" = \
	"jwatch: ignoring in/a\\nb.0001-000000000001.journal: the journal's NAME holds a control character"
expect_code 0 jwatch -0 --once in
printf 'in/%s\0' "$(seg 1)" >want
check "-0: the bad name is not printed either" test_cmp want out
check "-0: said once" test "$(wc -l <err)" -eq 1

jwatch in >live 2>live.err &
pid=$!
at_exit "kill $pid"
wait_lines 1 live
cp st/"$(seg 2)" in/"$(printf 'c\nd')".0001-000000000002.journal      # written in place
cp st/"$(seg 2)" in/.t && mv in/.t in/"$(printf 'e\tf')".0001-000000000002.journal  # renamed
# The reported seq 1 is set aside (as jintegrate does), and the genuine one arrives.
mkdir in/.quarantine
mv in/"$(seg 1)" in/.quarantine/
cp st/"$(seg 1)" in/.t && mv in/.t in/"$(seg 1)"
wait_lines 2 live
# A deleted one comes back too; a compressed copy of a reported one does not.
cp st/"$(seg 3)" in/
wait_lines 3 live
rm in/"$(seg 3)"
cp st/"$(seg 3)" in/
gzip -c st/"$(seg 1)" >in/.t && mv in/.t in/"$(seg 1)".gz
cp st/"$(seg 4)" in/
wait_lines 5 live
# Reported 1, 3, 4; then 2 (one range 1-4); 3 leaves (split) and comes back (merged).
cp st/"$(seg 2)" in/
wait_lines 6 live
rm in/"$(seg 3)"
cp st/"$(seg 3)" in/
wait_lines 7 live
kill -USR1 $pid
wait_lines 5 live.err
check "the record of what was reported stays one range" \
	grep -q '^jwatch: in: db.0001: 1 ranges, first 1-4, last 1-4$' live.err
kill -TERM $pid
wait $pid
check "SIGTERM: exit 0" test $? -eq 0
printf 'in/%s\n' "$(seg 1)" "$(seg 1)" "$(seg 3)" "$(seg 3)" "$(seg 4)" "$(seg 2)" "$(seg 3)" >want
check "live: replacements reported, bad names never" test_cmp want live
check "live: each bad name said once (one found, two arriving)" \
	test "$(grep -c 'control character' live.err)" -eq 3
check "live: escaped" grep -q 'ignoring in/e\\tf.0001-000000000002.journal: ' live.err
finish

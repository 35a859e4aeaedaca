#!/bin/sh
# The name rule: a NAME with a newline or another control character is refused by
# jappend --create (64) and skipped by every reader that lists a directory (jintegrate
# --from and standard input, jship --from, jstatus --incoming). A segment whose turn has
# not come is not opened: a copy of seq 1 parked as seq 99 does not stop a run waiting for
# seq 2; parked as the next seq, it is checked at its turn and set aside, and the genuine
# one is then applied.
. ./lib.sh
command -v sqlite3 >/dev/null || skip "sqlite3 command line not installed"

mkdir st in j
jmgen -r 10 st 3 >/dev/null 2>&1 || fail "jmgen"

# jappend --create refuses such a NAME, and creates nothing.
expect_code 64 jappend --create j/"$(printf 'a\nb')".journal
expect_code 64 jappend --create j/"$(printf 'a\tb')".journal
check "nothing created" test -z "$(ls -A j)"
expect_code 0 jappend --create j/"$(printf 'caf\303\251')".journal

# Out of turn: not opened, not judged. The run waits for seq 2 (75), seq 99 is left alone.
cp st/"$(seg 1)" in/
cp st/"$(seg 1)" in/db.0001-000000000099.journal
cp st/"$(seg 2)" in/"$(printf 'd\nb')".0001-000000000002.journal    # not a segment of db
expect_code 75 jintegrate --db m.db --from in
check "seq 1 applied" test "$(mirror_at)" = "1|10"
check "waits for seq 2, holding seq 99" \
	grep -q "waiting for $(seg 2) .* held (seq 99 to 99)" err
check "seq 99 neither judged nor moved" test "$(wc -l <err)" -eq 1 -a ! -e in/.quarantine
check "the newline name never read" test "$(cat out)" = "in/$(seg 1)"

# Its turn comes: a copy of seq 1 named seq 3 is refused then, and set aside.
cp st/"$(seg 2)" in/
cp st/"$(seg 1)" in/"$(seg 3)"
expect_code 65 jintegrate --db m.db --from in
check "seq 2 applied" test "$(mirror_at)" = "2|20"
check "the renamed copy is set aside at its turn" \
	grep -q "^jintegrate: in/$(seg 3): the name says timeline 1 seq 3, the header timeline 1 seq 1: renamed or damaged: set aside as in/.quarantine/$(seg 3)\$" err
cp st/"$(seg 3)" in/
expect_code 75 jintegrate --db m.db --from in
check "the genuine seq 3 applied" test "$(mirror_at)" = "3|30"

# Standard input with -0 carries the newline intact: skipped all the same, said on one line.
printf 'in/%s\0' "$(printf 'd\nb').0001-000000000002.journal" >input
expect_code 0 sh -c 'jintegrate -0 --db m2.db <input'
check "stdin: skipped, one line" test "$(wc -l <err)" -eq 1
check "stdin: escaped" grep -q '^jintegrate: ignoring in/d\\nb.0001-000000000002.journal: ' err
check "stdin: nothing applied" test ! -s out
# A path gone by its turn (set aside by a --from run, say) does not stop a pipeline.
printf 'in/%s\ngone/%s\nin/%s\n' "$(seg 1)" "$(seg 2)" "$(seg 3)" >input
expect_code 75 sh -c 'jintegrate --db m3.db <input'
check "stdin: a missing path skipped, said" grep -q '^jintegrate: ignoring gone/db.0001-000000000002.journal: unable to open: No such file' err
check "stdin: the rest applied, the hole reported" grep -q 'waiting for db.0001-000000000002.journal' err

# jship's queue and jstatus's redo queue do not see it either.
mkdir q dest
cp st/"$(seg 1)" q/
cp st/"$(seg 2)" q/"$(printf 'd\nb')".0001-000000000002.journal
expect_code 0 jship -q --from q --to "file://$T/dest/"
check "jship --from ships only the good one" test "$(ls -A dest)" = "$(seg 1)"
sqlite3 e.db 'create table x(y)'
expect_code 0 jstatus --db e.db --incoming q
check "jstatus counts only the good one" grep -q '^  redo queue    1 segments, ' out
finish

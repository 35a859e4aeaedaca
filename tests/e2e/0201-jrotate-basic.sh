#!/bin/sh
# jrotate: seal, chain, nothing to do, -q, -0, --final closes the journal, modes.
. ./lib.sh

expect_code 0 jrotate --help
check "--help prints the synopsis" grep -q 'jrotate' "$T/out"
expect_code 0 jrotate --version
expect_code 64 jrotate
expect_code 64 jrotate --final --every 1s db.journal
expect_code 64 jrotate --final --if-size 1M db.journal
expect_code 64 jrotate --if-size lots db.journal
expect_code 64 jrotate --every 0 db.journal
expect_code 66 jrotate missing.journal
expect_code 64 jrotate notajournal

umask 000
jappend --create db.journal
expect_code 0 jrotate db.journal
check "nothing to do: no output" test ! -s "$T/out"
jappend db.journal a b c
expect_code 0 jrotate db.journal
echo db.0001-000000000001.journal >want
check "prints the sealed path" test_cmp want "$T/out"
expect_code 0 jrotate db.journal
check "nothing new: no output" test ! -s "$T/out"
mkdir sub
jappend --create sub/x.journal
jappend sub/x.journal one
expect_code 0 jrotate "$PWD/sub/x.journal"
echo "$PWD/sub/x.0001-000000000001.journal" >want
check "path keeps the journal's directory" test_cmp want "$T/out"

jappend db.journal d
expect_code 0 jrotate -q db.journal
check "-q prints nothing" test ! -s "$T/out"
check "-q still sealed segment 2" test -f db.0001-000000000002.journal
jappend db.journal e
jrotate -0 db.journal >out0
printf 'db.0001-000000000003.journal\0' >want
check "-0 ends the path with NUL" test_cmp want out0
for f in db.0001-00000000000[123].journal db.journal; do
	check "$f is 0640 under umask 000" test "$(stat -c %a "$f")" = 640
done
check "sealed segment is the same file a link made (1 link)" \
	test "$(stat -c %h db.0001-000000000001.journal)" = 1
check "no temporary left" test -z "$(ls -A | grep '^\.db\.journal\.next')"

jappend db.journal f
expect_code 0 jjdump db.0001-000000000001.journal db.0001-000000000002.journal \
	db.0001-000000000003.journal db.journal
printf '1\ta\n2\tb\n3\tc\n4\td\n5\te\n6\tf\n' >want
check "chain holds every record once" test_cmp want "$T/out"

# --final: seals even an empty journal, marks it, and closes the journal.
expect_code 0 jrotate --final db.journal
echo db.0001-000000000004.journal >want
check "--final prints the final segment" test_cmp want "$T/out"
expect_code 69 jappend db.journal g
check "append refused, naming the final segment" \
	grep -q 'journal closed by a final rotation: db.0001-000000000004.journal' "$T/err"
expect_code 69 jrotate db.journal
expect_code 0 jrotate --final db.journal
check "--final again: same path (idempotent)" test_cmp want "$T/out"
check "no successor journal after --final" test "$(jjdump db.journal 2>&1 | wc -l)" -eq 1
expect_code 0 jcat --verify db.0001-00000000000[1-4].journal

jappend --create empty.journal
expect_code 0 jrotate --final empty.journal
check "--final on an empty journal" test -f empty.0001-000000000001.journal
expect_code 0 jjdump empty.0001-000000000001.journal
check "...with no record" test ! -s "$T/out"
finish

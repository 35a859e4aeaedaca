#!/bin/sh
# jship to file://: atomic publish, idempotent re-send, conflicts refused, only sealed
# segments shipped, paths printed once delivered, standard input streamed, URLs checked.
. ./lib.sh

mkdir src dst dst2
jmgen src 3 >/dev/null 2>&1
s1=src/db.0001-000000000001.journal s2=src/db.0001-000000000002.journal
s3=src/db.0001-000000000003.journal

expect_code 0 jship --to "file://$T/dst/" --to "file://$T/dst2/" $s1 $s2
printf '%s\n%s\n' $s1 $s2 > want
check "prints each path once delivered" test_cmp want out
check "byte-identical" cmp -s $s1 dst/db.0001-000000000001.journal
check "byte-identical at the second destination" cmp -s $s2 dst2/db.0001-000000000002.journal
check "no temporary left" test -z "$(ls -A dst | grep '^\.')"
check "not world-readable" test "$(stat -c %a dst/db.0001-000000000001.journal)" = 640

expect_code 0 jship --to "file://$T/dst/" $s1
check "re-sending an identical file is accepted" test_cmp - out <<X
$s1
X

# A different file under an existing name: refused, never replaced.
mkdir other
jmgen -L 2222222222222222222222222222222222222222222222222222222222222222 other 1 >/dev/null 2>&1 ||
	jmgen -r 11 other 1 >/dev/null 2>&1
cp dst/db.0001-000000000001.journal keep
expect_code 65 jship --to "file://$T/dst/" other/db.0001-000000000001.journal
check "conflict message" grep -q 'exists with a different content: not replaced' err
check "existing file untouched" cmp -s keep dst/db.0001-000000000001.journal

# Only sealed segments: a live journal and a damaged segment are refused before sending.
cp $s3 db.journal
expect_code 65 jship --to "file://$T/dst/" db.journal
check "live journal message" grep -q 'a live journal is never shipped' err
mkdir bad
cp $s3 bad/
printf 'X' | dd of=bad/db.0001-000000000003.journal bs=1 seek=200 conv=notrunc 2>/dev/null
expect_code 65 jship --to "file://$T/dst/" bad/db.0001-000000000003.journal
check "damaged segment not sent" test ! -e dst/db.0001-000000000003.journal
head -c 500 $s3 > bad/db.0001-000000000004.journal
expect_code 65 jship --to "file://$T/dst/" bad/db.0001-000000000004.journal
expect_code 65 jship --to "file://$T/dst/" notes.txt
# A segment under another one's name: refused before sending, with the one message every
# tool gives for a renamed segment.
mkdir ren
cp $s1 ren/db.0001-000000000009.journal
expect_code 65 jship --to "file://$T/dst/" ren/db.0001-000000000009.journal
check "renamed segment refused" grep -qx "jship: ren/db.0001-000000000009.journal: the name says timeline 1 seq 9, the header timeline 1 seq 1: renamed or damaged" err
check "renamed segment not sent" test ! -e dst/db.0001-000000000009.journal

# Standard input, line by line, as it arrives.
mkdir dst3
( echo $s1; wait_for test -e dst3/db.0001-000000000001.journal && echo $s2 ) |
	jship --to "file://$T/dst3/" > out 2>err
check "stdin: first path shipped before the second line came" test_cmp want out

# Usage and URL checks.
expect_code 64 jship $s1
expect_code 64 jship --to "ftp://u:secret@127.0.0.1/in/" $s1
check "password refused and not printed" sh -c "grep -q 'password in a URL is refused' err && ! grep -q secret err"
expect_code 64 jship --to "gopher://x/in/" $s1
expect_code 64 jship --to "file://$T/dst/single.journal" $s1 $s2
expect_code 0 jship --help
check "help prints the synopsis" grep -q 'usage: jship' out
expect_code 0 jship --version
# A target directory that does not exist: 73 on every scheme (jship(1)), not bad input;
# --mkdir creates it (e2e 1407).
expect_code 73 jship --retries 0 --to "file://$T/nowhere/" $s1
check "missing directory message" grep -q 'no such directory (create it, or give --mkdir)' err
finish

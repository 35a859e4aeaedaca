#!/bin/sh
# jappend: create, append from arguments and standard input, types, -0, errors, modes.
. ./lib.sh

expect_code 0 jappend --help
check "--help prints the synopsis" grep -q 'jappend --create' "$T/out"
expect_code 0 jappend --version
expect_code 64 jappend
expect_code 64 jappend --create

expect_code 0 jappend --create db.journal
check "create prints nothing" test ! -s "$T/out"
expect_code 73 jappend --create db.journal
check "refusal names the file" grep -q 'db.journal exists' "$T/err"
expect_code 73 jappend --create nodir/db.journal
expect_code 64 jappend --create .hidden.journal
expect_code 64 jappend --create db.0001-000000000001.journal
expect_code 66 jappend missing.journal x

expect_code 0 jappend db.journal "CREATE TABLE t(x);" "INSERT INTO t VALUES(1);"
printf 'INSERT INTO t VALUES(2);\nINSERT INTO t VALUES(3);\n' >in
expect_code 0 sh -c 'jappend db.journal <in'
printf 'no newline at the end' | jappend db.journal
printf 'multi\nline\0second\0' | jappend -0 -t raw db.journal
expect_code 0 sh -c 'printf "" | jappend --sync db.journal'
expect_code 64 jappend -t nosuch db.journal x
cat >expected <<'X'
1	CREATE TABLE t(x);
2	INSERT INTO t VALUES(1);
3	INSERT INTO t VALUES(2);
4	INSERT INTO t VALUES(3);
5	no newline at the end
6	multi
line
7	second
X
expect_code 0 jjdump db.journal
check "records in order, LSNs 1..7" test_cmp expected "$T/out"

# Empty lines are records too (documented); --sync appends durable records.
printf '\n\n' | jappend --sync db.journal
jjdump db.journal | tail -2 >got
printf '8\t\n9\t\n' >want
check "empty lines are empty records" test_cmp want got

# Never world-readable, whatever the umask.
(umask 000 && jappend --create open.journal && jappend open.journal x)
check "journal created 0640 under umask 000" \
	test "$(stat -c %a open.journal)" = 640
check "lock file 0640 under umask 000" test "$(stat -c %a .open.journal.lock)" = 640
(umask 077 && jappend --create closed.journal)
check "umask 077 gives 0600" test "$(stat -c %a closed.journal)" = 600

# A new lineage is refused beside segments of the same name.
mkdir side && jmgen -n db side 1 >/dev/null 2>&1
expect_code 73 jappend --create side/db.journal
check "names the segment" grep -q 'db.0001-000000000001.journal' "$T/err"

# A line longer than the record limit: lines before it are written, nothing after.
jappend --create big.journal
python3 -c '
import sys
sys.stdout.write("first\n")
sys.stdout.write("x" * (16 * 1024 * 1024 + 1) + "\n")
sys.stdout.write("after\n")' >biginput
expect_code 65 sh -c 'jappend big.journal <biginput'
check "error names line 2" grep -q 'line 2: longer than the record limit' "$T/err"
jjdump big.journal >got
printf '1\tfirst\n' >want
check "only the line before it was written" test_cmp want got
# Exactly the limit is fine.
python3 -c 'import sys; sys.stdout.write("y" * (16 * 1024 * 1024) + "\n")' |
	jappend big.journal
check "a record of exactly 16 MiB" test "$(jjdump big.journal | tail -1 | wc -c)" -eq $((16 * 1024 * 1024 + 3))
finish

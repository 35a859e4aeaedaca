#!/bin/sh
# jrotate --encrypt-to seals segments whose records only an identity opens: the live journal
# stays plaintext; jcat --verify checks them without a key; jcat and jintegrate --identity
# read them; the region is an age file that `age -d` opens, and a region that `age -r`
# wrote is read back (interop both ways).
. ./lib.sh
command -v age >/dev/null || skip "age is not installed (tests/deps.sh installs it)"
age-keygen -o key 2>/dev/null && age-keygen -y key >key.pub
check "an age identity file is owner-only" test "$(stat -c %a key)" = 600
mkdir j && jappend --create j/db.journal
w p.db j/db.journal "CREATE TABLE t(a, b)" "INSERT INTO t VALUES(1, 'one')" \
    "INSERT INTO t VALUES(2, 'two')"
cp j/db.journal live.copy

expect_code 0 jrotate --encrypt-to key.pub j/db.journal
check "the segment is printed" test "$(cat out)" = "j/$(seg 1)"
check "the live journal stays plaintext" sh -c "jcat j/db.journal | grep -q '^# live: 0 records'"
check "no temporary left" test ! -e j/.db.journal.enc
check "the records are not in the clear" sh -c "! grep -q 'one' j/$(seg 1)"
check "the segment is not world-readable" test "$(stat -c %a j/$(seg 1))" = 640

# a literal recipient, and the next segment chains to the encrypted one's digest
w p.db j/db.journal "INSERT INTO t VALUES(3, 'three')"
expect_code 0 jrotate --encrypt-to "$(cat key.pub)" j/db.journal
w p.db j/db.journal "DELETE FROM t WHERE a = 1"
expect_code 0 jrotate j/db.journal
check "a rotation given no recipient encrypts to the remembered ones" \
    sh -c "jcat j/$(seg 3) | grep -q ', encrypted ('"
check "the remembered recipients are public, one per line" test_cmp key.pub j/.db.journal.recipients
w p.db j/db.journal "UPDATE t SET b = 'plain' WHERE a = 3"
expect_code 0 jrotate --no-encrypt j/db.journal
check "--no-encrypt seals in plaintext" sh -c "jcat j/$(seg 4) | grep -q \"UPDATE t SET b = 'plain'\""
check "and forgets the recipients" test ! -e j/.db.journal.recipients

expect_code 0 jcat --verify j/$(seg 1) j/$(seg 2) j/$(seg 3) j/$(seg 4)
cat >want <<EOF2
j/$(seg 1): ok, sealed, timeline 1, seq 1, LSN 1-3
j/$(seg 2): ok, sealed, timeline 1, seq 2, LSN 4-4
j/$(seg 3): ok, sealed, timeline 1, seq 3, LSN 5-5
j/$(seg 4): ok, sealed, timeline 1, seq 4, LSN 6-6
EOF2
check "jcat --verify without a key: chain and digests" test_cmp want out

expect_code 0 jcat j/$(seg 1)
check "jcat without an identity: header says encrypted" grep -q ', encrypted (' out
check "jcat without an identity: records not shown" grep -qx '# records encrypted: not shown (no --identity opens them)' out
check "jcat without an identity: trailer shown" grep -q '^# sealed: 3 records, last LSN 3' out
expect_code 0 jcat --identity key j/$(seg 1)
check "jcat --identity shows the records" sh -c "grep -c ' sql ' out | grep -qx 3 && grep -q \"INSERT INTO t VALUES(2, 'two')\" out"
expect_code 0 jcat --verify --identity key j/$(seg 1) j/$(seg 2)
check "jcat --verify --identity checks the records too" test "$(grep -c ': ok, ' out)" -eq 2

# the region is an age file: age -d gives exactly the records of the live journal
expect_code 0 jcat --export-region j/$(seg 1)
cp out region.age
check "age -d -i KEY reads the exported region" sh -c 'age -d -i key region.age >region.plain'
tail -c +129 live.copy >records.want
check "its plaintext is the records exactly as the plain journal held them" test_cmp records.want region.plain
expect_code 65 jcat --export-region j/$(seg 4)
check "--export-region of a plain segment: said" grep -q 'not an encrypted segment' err

# jintegrate --identity applies them; the mirror equals the primary
expect_code 0 jintegrate --db m.db --identity key j/$(seg 1) j/$(seg 2) j/$(seg 3) j/$(seg 4)
check "jintegrate prints the segments as applied" test "$(wc -l <out)" -eq 4
check "mirror equals primary" same p.db m.db

# age -r writes, jmirror reads: a plain segment's records encrypted by the age command,
# wrapped as an encrypted segment by an independent writer of the format
mkdir x && python3 "$JM_SRC/tests/e2e/jmcrypt.py" records j/$(seg 4) >x/plain
age -r "$(cat key.pub)" -o x/theirs.age x/plain
python3 "$JM_SRC/tests/e2e/jmcrypt.py" wrap j/$(seg 4) x/theirs.age x/$(seg 4)
expect_code 0 jcat --verify x/$(seg 4)
expect_code 0 jcat --identity key x/$(seg 4)
check "what age -r wrote is read back" grep -q "UPDATE t SET b = 'plain' WHERE a = 3" out
expect_code 0 jintegrate --db m3.db --identity key j/$(seg 1) j/$(seg 2) j/$(seg 3) x/$(seg 4)
check "and applied (its digest differs, its records are the same)" same p.db m3.db

# a final encrypted rotation: the segment published is encrypted; the live name keeps the
# sealed plaintext, which jcat --verify takes for the same segment
mkdir fin && jappend --create fin/db.journal && jappend fin/db.journal "SELECT 1" "SELECT 2"
expect_code 0 jrotate --final --encrypt-to key.pub fin/db.journal
check "the final segment is encrypted" sh -c "jcat fin/$(seg 1) | grep -q ', encrypted ('"
expect_code 69 jappend fin/db.journal "SELECT 3"
expect_code 0 jcat --verify fin/db.journal fin/$(seg 1)
check "the directory verifies: one final segment" test "$(cat out)" = "fin/$(seg 1): ok, sealed, timeline 1, seq 1, LSN 1-2, final"
expect_code 0 jrotate --final fin/db.journal
check "--final again prints the final segment" test "$(cat out)" = "fin/$(seg 1)"
finish

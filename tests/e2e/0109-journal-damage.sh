#!/bin/sh
# A damaged record in the middle of a live journal is damage, not a torn tail: writers and
# rotators refuse to touch it (65) and the journal keeps every byte; a torn last record is
# still cut as before.
. ./lib.sh

jappend --create db.journal
jappend db.journal one two three
cp db.journal good.journal
# Flip a byte of the first record's payload (header 128 + record head 24).
printf 'X' | dd of=db.journal bs=1 seek=$((128 + 24)) conv=notrunc 2>/dev/null
cp db.journal damaged.journal

expect_code 65 jappend db.journal four
check "jappend says where" grep -q "damaged record at offset 128" "$T/err"
check "journal unchanged by jappend" cmp -s db.journal damaged.journal
expect_code 65 jrotate db.journal
check "journal unchanged by jrotate" cmp -s db.journal damaged.journal
check "no segment sealed" sh -c '! ls db.0001-*.journal 2>/dev/null'

# The torn last record is still cut, and appending goes on at the right LSN.
cp good.journal db.journal
size=$(wc -c < db.journal)
head -c $((size - 3)) good.journal > db.journal
expect_code 0 jappend db.journal four
jcat db.journal > "$T/cat" 2>&1
check "torn record cut, LSN 3 reused by the next record" grep -q '^3 .*four' "$T/cat"
finish

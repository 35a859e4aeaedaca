#!/bin/sh
# Issue 11, item 1, as reported: a live journal of four appends whose record 2 has its
# length field set to 1000. 0.1.0's jappend exited 0, cut records 2 to 4 and gave LSN 2 to
# the new record. Now the writer, the rotator and the reader give one verdict: damage,
# 65, and the journal keeps every byte.
. ./lib.sh

jappend --create db.journal
for r in aaaa bbbb cccc dddd; do jappend db.journal "$r"; done
python3 - db.journal <<'PY'
import struct, sys
b = bytearray(open(sys.argv[1], "rb").read())
assert len(b) == 128 + 4 * 32
b[160:164] = struct.pack("<I", 1000)      # record 2: header 128 + record 1's 32 bytes
open(sys.argv[1], "wb").write(b)
PY
cp db.journal damaged.journal

expect_code 65 jappend db.journal eeee
check "jappend says where and why" grep -qx "jappend: db.journal: damaged record at offset 160: record length 1000 runs past the end (a valid record follows at offset 192); not a torn tail, refusing to cut it (see jcat --verify)" "$T/err"
check "journal unchanged by jappend" cmp -s db.journal damaged.journal

expect_code 65 jcat --verify db.journal
check "jcat --verify gives the same verdict" grep -qx "jcat: db.journal: offset 160: record length 1000 runs past the end (a valid record follows at offset 192)" "$T/err"

expect_code 65 jrotate db.journal
check "jrotate gives the same verdict" grep -q "damaged record at offset 160" "$T/err"
check "journal unchanged by jrotate" cmp -s db.journal damaged.journal
check "no segment sealed" sh -c '! ls db.0001-*.journal 2>/dev/null'

# Read with the damage undone: nothing was lost, LSN 5 is still free.
cp damaged.journal db.journal
printf '\004\000\000\000' | dd of=db.journal bs=1 seek=160 conv=notrunc 2>/dev/null
expect_code 0 jappend db.journal eeee
jcat db.journal > cat 2>&1
check "all four records kept, eeee is LSN 5" sh -c "grep -c '^[1-5] .* sql ' cat | grep -qx 5 && grep -q '^5 .*eeee' cat"
finish

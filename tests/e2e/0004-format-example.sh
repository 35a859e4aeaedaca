#!/bin/sh
# The hex dump in jmirror(5) is exactly the segment an independent writer (jmseg.py, written
# from the page) makes, and jcat accepts it: the specification and the code agree.
. ./lib.sh
seg=db.0001-000000000001.journal
python3 "$JM_SRC/tests/e2e/jmseg.py" $seg 'SELECT 1;' >digest
python3 - "$JM_SRC/man/jmirror.5" $seg <<'EOF2'
import re, sys
page = open(sys.argv[1]).read()
dump = page[page.index("00000000  89 4a 4d 4c"):]
dump = dump[:dump.index(".Ed")]
out, prev, skipping = bytearray(), None, False
for line in dump.splitlines():
    if line == "*":
        skipping = True
        continue
    off = int(line[:8], 16)
    if skipping:
        while len(out) < off:
            out += prev
        skipping = False
    prev = bytes.fromhex(line[10:58].replace(" ", ""))
    assert len(out) == off, (hex(off), hex(len(out)))
    out += prev
real = open(sys.argv[2], "rb").read()
sys.exit(0 if bytes(out) == real else 1)
EOF2
check "the hex dump in jmirror.5 is the segment" test $? -eq 0
check "the digest in jmirror.5 is the segment's" grep -q "digest $(cat digest)" "$JM_SRC/man/jmirror.5"
expect_code 0 jcat --verify $seg
expect_code 0 jcat $seg
check "jcat shows the record" grep -qx '1 2026-01-01T00:00:00.001000Z sql SELECT 1;' out
finish

#!/bin/sh
# jcat on a real journal made by jappend and jrotate: live journal, torn tail, chain, final.
. ./lib.sh
jappend --create db.journal
expect_code 0 jcat db.journal
check "new journal: no records" grep -qx '# live: 0 records, last LSN 0' out
check "new journal: seq 1, LSN 1, zero prev" \
	grep -q ', timeline 1, seq 1, first LSN 1, created .*, prev 0\{64\}$' out

printf 'INSERT INTO t VALUES(1);\nINSERT INTO t VALUES(2);\n' | jappend db.journal
printf 'multi\nline\0tab\there\0' | jappend -0 db.journal
jappend -t raw db.journal "$(printf 'bin\001\002')"
expect_code 0 jcat db.journal
sed 's/^\([0-9]*\) [^ ]* /\1 TIME /' out | tail -n +2 >got
cat >want <<'EOF2'
1 TIME sql INSERT INTO t VALUES(1);
2 TIME sql INSERT INTO t VALUES(2);
3 TIME sql multi\nline
4 TIME sql tab\there
5 TIME raw bin\x01\x02
# live: 5 records, last LSN 5
EOF2
check "records as appended" test_cmp want got

# a torn tail: what a writer killed mid-record leaves
cp db.journal keep
printf '\100\000\000\000\001\000\000\000\006' >>db.journal
expect_code 0 jcat db.journal
check "torn tail shown" grep -qx '# live: 5 records, last LSN 5, torn tail of 9 bytes ignored' out
expect_code 0 jcat --verify db.journal
check "torn tail verified" grep -qx 'db.journal: ok, live, timeline 1, seq 1, LSN 1-5, torn tail of 9 bytes ignored' out
jappend db.journal six
expect_code 0 jcat db.journal
check "the next writer cut it off" grep -qx '# live: 6 records, last LSN 6' out

# rotations make a chain jcat verifies, with the live journal at its end
expect_code 0 jrotate db.journal
jappend db.journal seven eight
jrotate db.journal >/dev/null
jappend db.journal nine
expect_code 0 jcat --verify db.*journal
cat >want <<'EOF2'
db.0001-000000000001.journal: ok, sealed, timeline 1, seq 1, LSN 1-6
db.0001-000000000002.journal: ok, sealed, timeline 1, seq 2, LSN 7-8
db.journal: ok, live, timeline 1, seq 3, LSN 9-9
EOF2
check "chain with the live journal" test_cmp want out
expect_code 0 jcat db.0001-000000000001.journal db.0001-000000000002.journal db.journal
check "all nine records, in order" test "$(grep -v '^#' out | cut -d' ' -f1 | tr '\n' ' ')" = "1 2 3 4 5 6 7 8 9 "
# JSON gives back exactly the payloads appended
expect_code 0 jcat --json db.0001-000000000001.journal
python3 -c '
import base64, json, sys
p = [json.loads(l) for l in open(sys.argv[1])]
r = [o.get("payload", "").encode() if "payload" in o else base64.b64decode(o["payload_base64"]) for o in p if o["kind"] == "record"]
sys.exit(0 if r == [b"INSERT INTO t VALUES(1);", b"INSERT INTO t VALUES(2);", b"multi\nline", b"tab\there", b"bin\x01\x02", b"six"] else 1)' out
check "json payloads are the appended bytes" test $? -eq 0

# a final rotation ends the timeline
expect_code 0 jrotate --final db.journal
expect_code 0 jcat --verify db.0001-*.journal
check "final segment" grep -qx 'db.0001-000000000003.journal: ok, sealed, timeline 1, seq 3, LSN 9-9, final' out
expect_code 0 jcat db.0001-000000000003.journal
check "final flag shown" grep -q '^# sealed: 1 records, last LSN 9, sealed .*, final yes, digest [0-9a-f]\{64\}$' out

# a segment damaged after the fact
cp db.0001-000000000002.journal x && mv x db.0001-000000000002.journal
chmod u+w db.0001-000000000002.journal
printf 'Z' | dd of=db.0001-000000000002.journal bs=1 seek=140 conv=notrunc 2>/dev/null
expect_code 65 jcat --verify db.0001-*.journal
check "damage found" grep -qx 'jcat: db.0001-000000000002.journal: offset 128: record checksum mismatch' err
finish

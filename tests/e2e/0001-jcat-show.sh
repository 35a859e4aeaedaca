#!/bin/sh
# jcat shows a segment and a live journal exactly: header, escaped records, trailer, JSON.
. ./lib.sh
seg=db.0001-000000000001.journal
mk() { python3 "$JM_SRC/tests/e2e/jmseg.py" "$@"; }

mk $seg 'CREATE TABLE t(x);' 'a\nb\t\\c\x01\x7f' 'caf\xc3\xa9 \xff\xc2\x85' '' >digest
expect_code 0 jcat $seg
cat >want <<EOF2
# db.0001-000000000001.journal: lineage 11111111111111111111111111111111, timeline 1, seq 1, first LSN 1, created 2026-01-01T00:00:00.000000Z, prev 0000000000000000000000000000000000000000000000000000000000000000
1 2026-01-01T00:00:00.001000Z sql CREATE TABLE t(x);
2 2026-01-01T00:00:00.002000Z sql a\\nb\\t\\\\c\\x01\\x7f
3 2026-01-01T00:00:00.003000Z sql café \\xff\\xc2\\x85
4 2026-01-01T00:00:00.004000Z sql 
# sealed: 4 records, last LSN 4, sealed 2026-01-01T00:00:01.000000Z, final no, digest $(cat digest)
EOF2
check "text output" test_cmp want out
check "nothing on stderr" test ! -s err

expect_code 0 jcat --json $seg
cat >want <<EOF2
{"kind":"header","file":"db.0001-000000000001.journal","lineage":"11111111111111111111111111111111","timeline":1,"seq":1,"first_lsn":1,"created":"2026-01-01T00:00:00.000000Z","created_ns":1767225600000000000,"prev_digest":"0000000000000000000000000000000000000000000000000000000000000000"}
{"kind":"record","lsn":1,"time":"2026-01-01T00:00:00.001000Z","time_ns":1767225600001000000,"type":"sql","offset":128,"len":18,"payload":"CREATE TABLE t(x);"}
{"kind":"record","lsn":2,"time":"2026-01-01T00:00:00.002000Z","time_ns":1767225600002000000,"type":"sql","offset":174,"len":8,"payload":"a\\nb\\t\\\\c\\u0001\\u007f"}
{"kind":"record","lsn":3,"time":"2026-01-01T00:00:00.003000Z","time_ns":1767225600003000000,"type":"sql","offset":210,"len":9,"payload_base64":"Y2Fmw6kg/8KF"}
{"kind":"record","lsn":4,"time":"2026-01-01T00:00:00.004000Z","time_ns":1767225600004000000,"type":"sql","offset":247,"len":0,"payload":""}
{"kind":"trailer","file":"db.0001-000000000001.journal","records":4,"last_lsn":4,"sealed":"2026-01-01T00:00:01.000000Z","sealed_ns":1767225601000000000,"final":false,"size":355,"digest":"$(cat digest)"}
EOF2
check "json output" test_cmp want out
# every line is valid JSON, and the payloads decode to the bytes written
python3 -c '
import base64, json, sys
want = [b"CREATE TABLE t(x);", b"a\nb\t\\c\x01\x7f", b"caf\xc3\xa9 \xff\xc2\x85", b""]
got = []
for line in open(sys.argv[1]):
    o = json.loads(line)
    if o["kind"] == "record":
        got.append(o["payload"].encode() if "payload" in o else base64.b64decode(o["payload_base64"]))
sys.exit(0 if got == want else 1)' out
check "json payloads decode to the records" test $? -eq 0
while read -r line; do printf '%s\n' "$line" | python3 -m json.tool >/dev/null || echo bad; done <out >bad
check "python3 -m json.tool accepts each line" test ! -s bad

# raw records and a final flag; a type without a name shows as its number
mk r.0002-000000000001.journal --type raw --final 'x\x00y' >/dev/null
expect_code 0 jcat r.0002-000000000001.journal
check "raw record escaped" grep -qx '1 2026-01-01T00:00:00.001000Z raw x\\x00y' out
check "final flag shown" grep -q ', final yes, ' out
mk t.0001-000000000001.journal --type 7 'seven' >/dev/null
expect_code 0 jcat t.0001-000000000001.journal
check "numeric type" grep -qx '1 2026-01-01T00:00:00.001000Z 7 seven' out

# a live journal: its complete records, then the torn tail
mk db.journal --live --seq 2 --lsn 5 --prev "$(cat digest)" 'INSERT 5' 'INSERT 6'
cp db.journal whole.journal
printf '\030\000\000\000\001' >>db.journal
expect_code 0 jcat db.journal
cat >want <<EOF2
# db.journal: lineage 11111111111111111111111111111111, timeline 1, seq 2, first LSN 5, created 2026-01-01T00:00:00.000000Z, prev $(cat digest)
5 2026-01-01T00:00:00.001000Z sql INSERT 5
6 2026-01-01T00:00:00.002000Z sql INSERT 6
# live: 2 records, last LSN 6, torn tail of 5 bytes ignored
EOF2
check "live journal with a torn tail" test_cmp want out
expect_code 0 jcat whole.journal
check "live journal, no torn tail" grep -qx '# live: 2 records, last LSN 6' out
expect_code 0 jcat --json db.journal
check "live json" grep -qx '{"kind":"live","file":"db.journal","records":2,"last_lsn":6,"torn_bytes":5}' out

# several files in a row, and -q
expect_code 0 jcat $seg db.journal
check "two files shown" test "$(grep -c '^# ' out)" -eq 4
expect_code 0 jcat -q $seg db.journal
check "-q shows nothing" test ! -s out

# compressed copies read transparently
zstd -q $seg -o $seg.zst && gzip -c $seg >x.0001-000000000001.journal.gz && xz -c $seg >y.0001-000000000001.journal.xz
for f in $seg.zst x.0001-000000000001.journal.gz y.0001-000000000001.journal.xz; do
	expect_code 0 jcat $f
	check "$f shows the same records" test "$(grep -c '^[0-9]' out)" -eq 4
done

# a damaged file: the records before the damage, then the problem; the next file still shown
cp $seg bad.0001-000000000001.journal
printf 'Z' | dd of=bad.0001-000000000001.journal bs=1 seek=230 conv=notrunc 2>/dev/null
expect_code 65 jcat bad.0001-000000000001.journal $seg
check "records before the damage shown" test "$(grep -c '^[12] ' out)" -eq 4
check "nothing after the damage" test "$(grep -c '^3 ' out)" -eq 1
check "the damage named" grep -qx 'jcat: bad.0001-000000000001.journal: offset 210: record checksum mismatch' err
check "the next file shown whole" grep -q '^# sealed: 4 records' out

# standard input is a sealed segment
expect_code 0 sh -c "jcat - <$seg"
check "stdin shown as -" grep -q '^# -: lineage 1111' out
expect_code 0 sh -c "cat $seg | jcat --verify -"
check "stdin verified from a pipe" grep -qx -- '-: ok, sealed, timeline 1, seq 1, LSN 1-4' out
expect_code 65 sh -c "head -c 300 $seg | jcat --verify -"
check "stdin cut short" grep -q '^jcat: -: offset' err

# usage
expect_code 0 jcat --help
check "--help prints the synopsis" grep -q '^usage: jcat \[--verify\] \[--json\] \[-q\] \[--trust PUBKEY\]\.\.\. FILE\.\.\.$' out
expect_code 0 jcat --version
check "--version" grep -q '^jcat (jmirror) ' out
expect_code 64 jcat
expect_code 64 jcat --bogus $seg
# a full standard output is an error
expect_code 74 sh -c "jcat $seg >/dev/full"
finish

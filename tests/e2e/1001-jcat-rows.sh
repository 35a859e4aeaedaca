#!/bin/sh
# jcat shows row records one change per line, and as JSON objects; a damaged row payload
# is reported (65), in showing and in --verify.
. ./lib.sh

jappend --create db.journal
cat >script <<'X'
positions 1 2
insert t id=i:1 -> id=i:1 v=t:it's%0a r=r:0.1 big=i:-9223372036854775808 b=x:00ff n=null
update main.t id=i:1 -> id=i:2 v=unchanged r=r:-inf z=r:-0.0 ok=b:1 num=n:1.50
commit
delete odd-table id=i:2
sql CREATE TABLE u(a)
commit
group
insert t id=i:5 -> id=i:5
commit
insert t id=i:6 -> id=i:6 f=r:nan
commit
end
X
expect_code 0 jmrow db.journal <script
cat >expected <<'X'
1 row positions 1-2
  insert t (id=1) -> (id=1, v='it''s\x0a', r=0.1, big=-9223372036854775808, b=x'00ff', n=NULL)
  update main.t (id=1) -> (id=2, v=unchanged, r=-Inf, z=-0.0, ok=true, num=1.50::numeric)
2 row positions 0-0
  delete "odd-table" (id=2)
  sql 'CREATE TABLE u(a)'
3 row positions 0-0 (group continues)
  insert t (id=5) -> (id=5)
4 row positions 0-0
  insert t (id=6) -> (id=6, f=NaN)
X
expect_code 0 jcat db.journal
grep -v '^#' "$T/out" | sed 's/^\([0-9][0-9]*\) [^ ]* /\1 /' >got
check "one change per line" test_cmp expected got
expect_code 0 jcat --json db.journal
grep '"lsn":1,' "$T/out" | sed 's/.*"first"/"first"/' >got
cat >expected <<'X'
"first":1,"last":2,"changes":[{"op":"insert","schema":"","table":"t","key":{"id":1},"row":{"id":1,"v":"it's\n","r":0.1,"big":-9223372036854775808,"b":{"blob":"00ff"},"n":null}},{"op":"update","schema":"main","table":"t","key":{"id":1},"row":{"id":2,"v":{"unchanged":true},"r":{"real":"-Infinity"},"z":-0.0,"ok":true,"num":{"numeric":"1.50"}}}]}
X
check "changes as JSON" test_cmp expected got
check "a continuing record says so" grep -q '"lsn":3,.*"continues":true' "$T/out"
check "the last record of a group does not" sh -c "! grep -q '\"lsn\":4,.*continues' '$T/out'"
jrotate db.journal >/dev/null
expect_code 0 jcat --verify db.0001-000000000001.journal

# A row payload that does not decode: its record's CRC is right, its contents are not.
jappend --create bad.journal
echo 'raw 0000000000000000000000000000000009' | jmrow bad.journal >/dev/null
expect_code 65 jcat bad.journal
check "names the LSN and what" grep -q 'LSN 1: row record offset 16: unknown operation' "$T/err"
expect_code 65 jcat --verify bad.journal

# The row payload example of jmirror(5) is what the builder writes, shown as the page says.
jappend --create ex.journal
printf 'positions 1 2\ndelete t id=i:-2\nsql DROP TABLE u\ncommit\n' | jmrow ex.journal >/dev/null
sed -n '/^00000000  01 00 00 00/,/^\.Ed/p' "$JM_SRC/man/jmirror.5" | grep -v '^\.Ed' |
    cut -c11-58 | tr -d ' \n' >page.hex
od -An -tx1 -v -j $((128 + 24)) -N 56 ex.journal | tr -d ' \n' >ex.hex
check "the row payload of jmirror.5 is the builder's" test_cmp page.hex ex.hex
jcat ex.journal | sed -n '3,4p' >got
printf '  delete t (id=-2)\n  sql '"'"'DROP TABLE u'"'"'\n' >expected
check "and jcat shows it as the page says" test_cmp expected got

# a damaged change after a good one: the JSON stays JSON
jappend --create bad2.journal
printf 'delete t id=i:1\ncommit\n' | jmrow bad2.journal >/dev/null
good=$(od -An -tx1 -v -j $((128 + 24)) -N 39 bad2.journal | tr -d ' \n')
echo "raw ${good}09" | jmrow bad2.journal >/dev/null
expect_code 65 jcat --json bad2.journal
check "a damaged record in --json" grep -q '"lsn":2,.*"changes":\[{"op":"delete".*}\],"damaged":true}$' "$T/out"
if command -v python3 >/dev/null; then
	check "every line is JSON" python3 -c 'import json, sys; [json.loads(l) for l in open(sys.argv[1])]' "$T/out"
else
	skip_check "every line is JSON" "no python3"
fi
finish

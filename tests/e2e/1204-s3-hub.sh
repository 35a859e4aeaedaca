#!/bin/sh
# An S3 prefix as a hub (Ceph RGW): jship publishes, jfetch pulls what a directory lacks,
# through more than one page of ListObjectsV2 (500 keys a page), a mirror's cursor lives
# under PREFIX/.jmirror/ and never shows up as a segment, a gap published later is filled,
# and a chain primary -> S3 -> pulling mirror ends with identical segments.
. ./lib.sh
. "$JM_SRC/tests/s3/ceph.sh"
heavy
start_s3 "$T" || skip "Ceph RGW did not start"
export AWS_ACCESS_KEY_ID="$S3_ACCESS_KEY" AWS_SECRET_ACCESS_KEY="$S3_SECRET_KEY"
export AWS_ENDPOINT_URL="$S3_ENDPOINT"
E=$S3_ENDPOINT/$S3_BUCKET
H="s3://$S3_BUCKET/hub/"

mkdir src in
jmgen -r 1 src 620 >/dev/null 2>&1
expect_code 0 jship --from src --to "$H"
expect_code 0 jfetch --name m1 "$H" in
check "fetched all 620 over two pages" test "$(ls in | wc -l)" -eq 620
bad=0
for f in src/*; do cmp -s "$f" "in/${f#src/}" || bad=$((bad + 1)); done
check "all identical ($bad differ)" test $bad -eq 0
check "the paths printed, in order" test "$(sed -n '620p' out)" = "in/$(seg 620 | sed 's/0620/0620/')"
s3curl -H "x-amz-content-sha256: $(s3_empty)" "$E?list-type=2&prefix=hub%2F.jmirror%2F" > meta
check "the cursor is under PREFIX/.jmirror/" grep -q '<Key>hub/.jmirror/m1' meta

expect_code 0 jfetch --name m1 "$H" in
check "a second run fetches nothing" test ! -s out

# A gap: segment 622 is published before 621; jfetch takes 622, and 621 once it is there.
mkdir late
jmgen -r 1 -s 621 -l 621 late 2 >/dev/null 2>&1
expect_code 0 jship --to "$H" "late/$(seg 622)"
expect_code 0 jfetch --name m1 "$H" in
check "the later segment fetched" test -f "in/$(seg 622)"
expect_code 0 jship --to "$H" "late/$(seg 621)"
expect_code 0 jfetch --name m1 "$H" in
check "the gap filled" cmp -s "late/$(seg 621)" "in/$(seg 621)"
finish

#!/bin/sh
# The parts of a multipart upload go up several at a time, one connection each (xs3.c,
# JXS3_STREAMS): several part PUTs are in flight at once, over more than one connection,
# and the object is whole. A damaged large segment (a byte flipped in the middle, its
# trailer intact) is refused with 65 while its other parts are in flight: nothing
# published, no unfinished upload left. --limit-rate sends the parts one at a time.
. ./lib.sh
. "$JM_SRC/tests/s3/ceph.sh"
heavy
start_s3 "$T" || skip "Ceph RGW did not start"
export AWS_ACCESS_KEY_ID="$S3_ACCESS_KEY" AWS_SECRET_ACCESS_KEY="$S3_SECRET_KEY"
ep="--s3-endpoint $S3_ENDPOINT --s3-part-size 5M"
E=$S3_ENDPOINT/$S3_BUCKET
# the most part PUTs in flight at once (sent, not yet answered 200), from a -v -v trace
inflight() {
	awk '/^jship: > PUT .*partNumber=/ { parts = 1; if (++n > max) max = n; next }
	     /^jship: > POST .*uploadId=/ { parts = 0 }
	     parts && /^jship: < HTTP\/1\.1 200/ { n-- }
	     END { print max + 0 }' "$1"
}

mkdir big bad
jmgen -T raw -r 24 -b 1048576 big 1 >/dev/null 2>&1      # ~24 MiB: 5 parts of 5 MiB
n1=db.0001-000000000001.journal
expect_code 0 jship -v -v $ep --to "s3://$S3_BUCKET/p/" big/$n1
cp err trace
s3get -o got "$E/p/$n1"
check "parallel: byte-identical" cmp -s got big/$n1
check "parallel: 5 parts" test "$(grep -c '> PUT .*partNumber=' trace)" -eq 5
check "parallel: $(inflight trace) parts in flight at once" test "$(inflight trace)" -ge 2
check "parallel: more than one connection" test "$(grep -c '^jship: \* Connected to' trace)" -ge 2
check "parallel: no upload left" test "$(s3_uploads)" -eq 0

cp big/$n1 bad/
printf 'X' | dd of=bad/$n1 bs=1 seek=12000000 conv=notrunc 2>/dev/null
expect_code 65 jship $ep --to "s3://$S3_BUCKET/d/" bad/$n1
check "damaged: message names the file" grep -q "^jship: bad/$n1" err
check "damaged: not published" test "$(s3_status "d/$n1")" = 404
check "damaged: no upload left" test "$(s3_uploads)" -eq 0

expect_code 0 jship -v -v --limit-rate 50M $ep --to "s3://$S3_BUCKET/r/" big/$n1
check "--limit-rate: parts one at a time" test "$(inflight err)" -eq 1
s3get -o got "$E/r/$n1"
check "--limit-rate: byte-identical" cmp -s got big/$n1
finish

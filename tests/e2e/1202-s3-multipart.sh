#!/bin/sh
# Multipart uploads to a real S3 store (Ceph RGW): a file above --s3-part-size goes in parts
# and appears only whole; a store killed mid-upload fails the run (75) with nothing
# published, and the next run starts over and completes; a jship killed mid-upload leaves
# an unfinished upload that the next run aborts: no upload is left behind.
. ./lib.sh
. "$JM_SRC/tests/s3/ceph.sh"
heavy
start_s3 "$T" || skip "Ceph RGW did not start"
export AWS_ACCESS_KEY_ID="$S3_ACCESS_KEY" AWS_SECRET_ACCESS_KEY="$S3_SECRET_KEY"
ep="--s3-endpoint $S3_ENDPOINT --s3-part-size 5M"

mkdir big
jmgen -T raw -r 24 -b 1048576 big 2 >/dev/null 2>&1      # 2 x ~24 MiB: 5 parts each
b1=big/db.0001-000000000001.journal
b2=big/db.0001-000000000002.journal
n1=db.0001-000000000001.journal
n2=db.0001-000000000002.journal
E=$S3_ENDPOINT/$S3_BUCKET
has_upload() { [ "$(s3_uploads)" -ge 1 ]; }
has_part() { _u=$(s3get "$E?uploads=" | sed -n 's:.*<Key>\([^<]*\)</Key><UploadId>\([^<]*\)</UploadId>.*:\2:p' | head -1);
	[ -n "$_u" ] && s3get "$E/$1?uploadId=$_u" | grep -q '<PartNumber>1</PartNumber>'; }

expect_code 0 jship -v -v $ep --to "s3://$S3_BUCKET/m/" $b1
s3get -o got "$E/m/$n1"
check "multipart: byte-identical" cmp -s got $b1
check "multipart: 5 parts" test "$(grep -c '> PUT .*partNumber=' err)" -eq 5
check "multipart: every part's SHA-256 sent" test "$(grep -c '> x-amz-content-sha256: [0-9a-f]\{64\}' err)" -ge 7
s3get -I "$E/m/$n1" > head
check "multipart: the ETag says 5 parts" grep -qi 'etag: "[0-9a-f]*-5"' head
check "multipart: no upload left" test "$(s3_uploads)" -eq 0
expect_code 0 jship -v $ep --to "s3://$S3_BUCKET/m/" $b1
check "multipart: identical re-send accepted" grep -q "already there: $n1" err

# The store dies mid-upload: 75, nothing published; the next run starts over.
jship --retries 0 --limit-rate 8M $ep --to "s3://$S3_BUCKET/k/" $b2 >out.k 2>err.k &
pid=$!
if wait_for has_part "k/$n2"; then
	check "mid-upload: not visible yet" test "$(s3_status "k/$n2")" = 404
	kill_rgw
	wait $pid
	rc=$?
	check "store killed: jship fails, 75 (got $rc)" test $rc -eq 75
	check "store killed: said" grep -q "unable to .* $n2" err.k
	start_rgw || fail "radosgw restarted"
	check "store killed: nothing published" test "$(s3_status "k/$n2")" = 404
	check "store killed: the unfinished upload is there" has_upload
	expect_code 0 jship $ep --to "s3://$S3_BUCKET/k/" $b2
	s3get -o got "$E/k/$n2"
	check "resumed: byte-identical" cmp -s got $b2
	check "resumed: the old upload was aborted" test "$(s3_uploads)" -eq 0
else
	kill $pid; wait $pid
	fail "an upload with a part was seen"
fi

# jship itself is killed mid-upload: the next run aborts what it left and completes.
jship --limit-rate 8M $ep --to "s3://$S3_BUCKET/j/" $b1 >/dev/null 2>&1 &
pid=$!
if wait_for has_part "j/$n1"; then
	kill -KILL $pid
	wait $pid 2>/dev/null
	check "killed: nothing published" test "$(s3_status "j/$n1")" = 404
	check "killed: an unfinished upload left" has_upload
	expect_code 0 jship $ep --to "s3://$S3_BUCKET/j/" $b1
	s3get -o got "$E/j/$n1"
	check "next run: byte-identical" cmp -s got $b1
	check "next run: no upload left" test "$(s3_uploads)" -eq 0
else
	kill $pid; wait $pid
	fail "an upload with a part was seen"
fi

# A different file under a key that exists: refused before any part is sent.
mkdir other2
jmgen -T raw -r 24 -b 1048576 -L 33333333333333333333333333333333 other2 1 >/dev/null 2>&1
expect_code 65 jship -v -v $ep --to "s3://$S3_BUCKET/m/" other2/$n1
check "different content: refused" grep -q "s3://$S3_BUCKET/m/$n1 exists with a different" err
check "different content: no part sent" sh -c "! grep -q 'partNumber=' err"
finish

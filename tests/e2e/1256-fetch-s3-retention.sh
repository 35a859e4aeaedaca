#!/bin/sh
# An S3 hub (Ceph RGW) with two pulling mirrors: jfetch from S3 registers each mirror's
# cursor, jstatus --hub shows them, jship --expire-after removes from the bucket only what
# both have fetched (the slow one holds retention and is named), and once it catches up the
# rest goes; the cursors stay.
. ./lib.sh
. "$JM_SRC/tests/s3/ceph.sh"
heavy
start_s3 "$T" || skip "Ceph RGW did not start"
export AWS_ACCESS_KEY_ID="$S3_ACCESS_KEY" AWS_SECRET_ACCESS_KEY="$S3_SECRET_KEY"
export AWS_ENDPOINT_URL="$S3_ENDPOINT"
E=$S3_ENDPOINT/$S3_BUCKET
H="s3://$S3_BUCKET/ret/"
keys() { # the keys under ret/ (not .jmirror/), one a line
	s3curl -H "x-amz-content-sha256: $(s3_empty)" "$E?list-type=2&prefix=ret%2F" |
	    grep -o '<Key>[^<]*</Key>' | sed 's/<Key>ret\///; s/<\/Key>//' | grep -v '^\.jmirror/'
}

mkdir src p slow fast
jmgen src 4 >/dev/null 2>&1
cp src/$(seg 1) src/$(seg 2) p/
expect_code 0 jship -q --from p --expire-after 0s --to "$H"
check "no mirror registered: nothing removed" test "$(keys | wc -l)" -eq 2
check "no mirror registered: said" grep -q "no mirror is registered" err

expect_code 0 jfetch --name slow "$H" slow
cp src/$(seg 3) src/$(seg 4) p/
expect_code 0 jship -q --from p --to "$H"
expect_code 0 env -u AWS_ENDPOINT_URL jfetch --s3-endpoint "$S3_ENDPOINT" --name fast "$H" fast
check "jfetch from S3: all four, byte-identical" sh -c 'for f in src/*; do cmp -s $f fast/${f#src/} || exit 1; done'

expect_code 0 jstatus --hub "$H"
check "status: the slow mirror holds retention" grep -q "mirror slow *at 0001-000000000002, .*behind 2 (holds retention" out
expect_code 0 env -u AWS_ENDPOINT_URL jstatus --json --s3-endpoint "$S3_ENDPOINT" --hub "$H"
check "status: JSON" grep -q '"name":"fast","timeline":1,"seq":4,.*"behind":0,"holds_retention":false' out

expect_code 0 jship -q --from p --expire-after 0s --to "$H"
check "only what both have is removed" test "$(keys)" = "$(printf '%s\n' $(seg 3) $(seg 4))"
check "the slow mirror is named" grep -q "mirror slow holds retention" err
expect_code 0 jfetch --name slow "$H" slow
expect_code 0 jship -q --from p --expire-after 1h --to "$H"
check "a young segment is kept" test "$(keys | wc -l)" -eq 2
expect_code 0 jship -q --from p --expire-after 0s --to "$H"
check "all fetched by both: removed" test -z "$(keys)"
s3curl -H "x-amz-content-sha256: $(s3_empty)" "$E?list-type=2&prefix=ret%2F.jmirror%2F" > meta
check "one cursor per mirror stays" test "$(grep -o '<Key>[^<]*</Key>' meta | wc -l)" -eq 2
finish

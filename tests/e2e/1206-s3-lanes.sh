#!/bin/sh
# Lanes: jship keeps up to four files in flight to one S3 destination, each lane on a
# connection of its own that it reuses (xfer.h, jxfer_lanes), in FILE, standard input and
# --from modes. Paths are printed in input order, every object is whole and identical, the
# store is probed once. A key holding other bytes stops the destination with 65: that path
# is not printed, nothing on the store ever differs from its segment, and what the lanes
# had already begun is either whole or absent; the acknowledgements name only what the
# store has, so the next queue run sends exactly the rest. With --limit-rate, one lane. A
# wrong secret is said once.
. ./lib.sh
. "$JM_SRC/tests/s3/ceph.sh"
heavy
start_s3 "$T" || skip "Ceph RGW did not start"
export AWS_ACCESS_KEY_ID="$S3_ACCESS_KEY" AWS_SECRET_ACCESS_KEY="$S3_SECRET_KEY"
ep="--s3-endpoint $S3_ENDPOINT"
E=$S3_ENDPOINT/$S3_BUCKET
# the most PUTs in flight at once (sent, not yet answered: 100 Continue is no answer), from
# a -v -v trace
inflight() {
	awk '/^jship: > PUT / { if (++n > max) max = n; next }
	     /^jship: < HTTP\/1\.1 [2-9]/ && n > 0 { n-- }
	     END { print max + 0 }' "$1"
}
# "ok N": every object under PREFIX whose segment is in DIR is identical to it, N of them
same_objects() { _o=$(s3_objects "$1" "$2") && echo "ok $(printf '%s' "$_o" | grep -c .)"; }

mkdir src
jmgen -r 3 -b 4000 src 40 >/dev/null 2>&1
ls src/*.journal > want
check "40 segments made" test "$(wc -l < want)" -eq 40

# standard input
expect_code 0 sh -c "jship -v -v $ep --to s3://$S3_BUCKET/in/ < want"
cp err trace
check "stdin: paths printed in input order" test_cmp want out
check "stdin: every object whole and identical" test "$(same_objects in/ src)" = "ok 40"
check "stdin: more than one connection" test "$(grep -c '^jship: \* Connected to' trace)" -ge 2
check "stdin: connections reused (at most four for 40 files)" test "$(grep -c '^jship: \* Connected to' trace)" -le 4
check "stdin: $(inflight trace) PUTs in flight at once" test "$(inflight trace)" -ge 2
check "stdin: the store probed once" test "$(grep -c "> PUT /$S3_BUCKET/in/.jship-probe" trace)" -eq 2

# FILE arguments, and the acknowledgements they leave: a queue run then has nothing to send
expect_code 0 sh -c "jship $ep --to s3://$S3_BUCKET/files/ src/*.journal"
check "FILE: paths printed in order" test_cmp want out
check "FILE: every object whole and identical" test "$(same_objects files/ src)" = "ok 40"
expect_code 0 jship --from src $ep --to "s3://$S3_BUCKET/files/"
check "FILE: every segment acknowledged (a queue run sends none)" test ! -s out

# --from: the queue over the lanes
mkdir q
cp src/*.journal q/
expect_code 0 jship -v -v --from q $ep --to "s3://$S3_BUCKET/q/"
cp err trace
sed 's|^src/|q/|' want > wantq
check "--from: paths printed in order" test_cmp wantq out
check "--from: every object whole and identical" test "$(same_objects q/ q)" = "ok 40"
check "--from: $(inflight trace) PUTs in flight at once" test "$(inflight trace)" -ge 2
expect_code 0 jship --from q $ep --to "s3://$S3_BUCKET/q/"
check "--from: a second run sends none" test ! -s out

# a key that holds other bytes: 65, that path not printed, nothing wrong on the store
mkdir r
cp src/*.journal r/
b20=$(seg 20)
printf 'not this segment\n' > other
s3curl -T other -H "x-amz-content-sha256: $(s3_sha other)" "$E/r/$b20"
expect_code 65 jship --from r $ep --to "s3://$S3_BUCKET/r/"
check "conflict: one clear line" grep -q "s3://$S3_BUCKET/r/$b20 exists with a different size" err
check "conflict: that path not printed" sh -c "! grep -q '$b20' out"
check "conflict: segments before it printed" grep -q "r/$(seg 19)\$" out
s3get -o obj "$E/r/$b20"
check "conflict: the other object left alone" cmp -s obj other
s3curl -X DELETE -H "x-amz-content-sha256: $(s3_empty)" "$E/r/$b20"
check "conflict: whatever went is identical" test "$(same_objects r/ r | cut -d' ' -f1)" = ok
cp out went
expect_code 0 jship --from r $ep --to "s3://$S3_BUCKET/r/"
check "after it: every object whole and identical" test "$(same_objects r/ r)" = "ok 40"
cat went out | sort > both
sed 's|^src/|r/|' want | sort > wantr
check "after it: the two runs printed each path once" test_cmp wantr both

# --limit-rate is the destination's: one lane, one connection
mkdir lr
cp src/db.0001-00000000000[1-8].journal lr/
expect_code 0 sh -c "jship -v -v --limit-rate 100M $ep --to s3://$S3_BUCKET/lr/ lr/*.journal"
check "--limit-rate: one connection for 8 files" test "$(grep -c '^jship: \* Connected to' err)" -eq 1
check "--limit-rate: one PUT in flight at a time" test "$(inflight err)" -eq 1
check "--limit-rate: every object identical" test "$(same_objects lr/ lr)" = "ok 8"

# a wrong secret: every lane is refused, the destination says so once
mkdir w
cp src/*.journal w/
expect_code 77 sh -c "AWS_SECRET_ACCESS_KEY=wrong jship $ep --to s3://$S3_BUCKET/w/ w/*.journal"
check "wrong secret: said once" test "$(grep -c 'access denied (HTTP 403' err)" -eq 1
check "wrong secret: nothing printed" test ! -s out
finish

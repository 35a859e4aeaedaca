#!/bin/sh
# The test store reclaims what is deleted within seconds (tests/s3/ceph.sh: the gateway's
# garbage collector; its default waits two hours), so that benchmarks writing and deleting
# more than the store holds (tests/bench/ship-s3: ten 512 MiB uploads into 4 GiB) do not
# fill it and stall. A 24 MiB object (a head and tail pieces in RADOS) is put and deleted:
# the data pool is empty again well within the wait.
. ./lib.sh
. "$JM_SRC/tests/s3/ceph.sh"
heavy
start_s3 "$T" || skip "Ceph RGW did not start"
E=$S3_ENDPOINT/$S3_BUCKET
# the number of RADOS objects holding object data
pieces() {
	/usr/bin/python3 - "$S3_CEPH_CONF" <<'PY'
import sys, rados
c = rados.Rados(conffile=sys.argv[1]); c.connect(timeout=10)
try:
    io = c.open_ioctx("default.rgw.buckets.data")
    print(sum(1 for _ in io.list_objects()))
except rados.ObjectNotFound:
    print(0)
PY
}
none_left() { test "$(pieces)" -eq 0; }

head -c 25165824 /dev/urandom > obj
code=$(s3curl -T obj -H "x-amz-content-sha256: $(s3_sha obj)" -o /dev/null -w '%{http_code}' "$E/gc/obj")
check "put: 200" test "$code" = 200
n=$(pieces)
check "put: stored in $n pieces" test "$n" -ge 2
code=$(s3get -X DELETE -o /dev/null -w '%{http_code}' "$E/gc/obj")
check "delete: 204" test "$code" = 204
check "delete: the object is gone" test "$(s3_status gc/obj)" = 404
check "delete: every piece reclaimed within the wait" wait_for none_left
finish

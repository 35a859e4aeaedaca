#!/bin/sh
# Fan-out to destinations of mixed schemes at once: S3 (Ceph RGW), SFTP (OpenSSH) and a
# local directory, from FILE arguments and from a queue (--from DIR); a store that is down
# is retried until it is back.
. ./lib.sh
. "$JM_SRC/tests/e2e/servers.sh"
. "$JM_SRC/tests/s3/ceph.sh"
heavy
start_s3 "$T" || skip "Ceph RGW did not start"
start_sftp "$T" || skip "sshd did not start"
export AWS_ACCESS_KEY_ID="$S3_ACCESS_KEY" AWS_SECRET_ACCESS_KEY="$S3_SECRET_KEY"
opts="--s3-endpoint $S3_ENDPOINT --key $SSH_KEY --known-hosts $KNOWN_HOSTS"
E=$S3_ENDPOINT/$S3_BUCKET

mkdir src local
jmgen src 20 >/dev/null 2>&1
expect_code 0 jship $opts --to "s3://$S3_BUCKET/fan/" --to "$SFTP_URL" --to "file://$T/local/" src/*
ls src/* > want
check "every path printed once, in order" test_cmp want out
bad=0
for f in src/*; do
	n=${f#src/}
	s3get -o got "$E/fan/$n"
	cmp -s got "$f" && cmp -s "$SFTP_ROOT/$n" "$f" && cmp -s "local/$n" "$f" || bad=$((bad + 1))
done
check "all 20 identical at s3, sftp and file ($bad differ)" test $bad -eq 0

# --from DIR: the queue records what each destination has; a second run sends nothing.
mkdir q local2
jmgen q 5 >/dev/null 2>&1
mkdir "$SFTP_ROOT/q"
expect_code 0 jship $opts --from q --to "s3://$S3_BUCKET/q/" --to "${SFTP_URL}q/" --to "file://$T/local2/"
check "queue: s3 has the last segment" test "$(s3get -I -o /dev/null -w '%{http_code}' "$E/q/$(seg 5)")" = 200
check "queue: file has the last segment" cmp -s "q/$(seg 5)" "local2/$(seg 5)"
expect_code 0 jship -v $opts --from q --to "s3://$S3_BUCKET/q/" --to "${SFTP_URL}q/" --to "file://$T/local2/"
check "queue: nothing sent again" sh -c "! grep -q '^jship: sent' err"

# The store is down: the other destinations go on, S3 is retried until it is back.
kill_rgw
jmgen -s 6 -l 51 q 1 >/dev/null 2>&1
jship -v --retries 20 --retry-max-time 60s $opts --from q --to "s3://$S3_BUCKET/q/" --to "file://$T/local2/" >out.r 2>err.r &
pid=$!
if wait_for grep -q 'retrying in' err.r; then
	check "store down: the file destination did not wait" wait_for test -f "local2/$(seg 6)"
	start_rgw || fail "radosgw restarted"
	wait $pid
	rc=$?
	check "store back: the run succeeds (got $rc)" test $rc -eq 0
	s3get -o got "$E/q/$(seg 6)"
	check "store back: the segment arrived" cmp -s got "q/$(seg 6)"
else
	kill $pid; wait $pid
	fail "a retry was announced"
fi
finish

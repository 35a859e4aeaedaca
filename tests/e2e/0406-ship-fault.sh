#!/bin/sh
# Servers stopped in the middle of a large segment: nothing appears under the final name,
# the run says "retry later" (75), and the next run (or a retry) completes the segment.
. ./lib.sh
. "$JM_SRC/tests/e2e/servers.sh"

mkdir src
jmgen -r 8 -b 1000000 src 1 >/dev/null 2>&1        # about 8 MB
seg=src/db.0001-000000000001.journal
base=db.0001-000000000001.journal

# temps DIR: the temporaries of $base in DIR (.NAME.HOST-PID-RANDOM.part)
temps() { ls -A "$1" | grep "^\.$base\..*\.part\$"; }
part_begun() { [ -n "$(temps "$1")" ] && [ -s "$1/$(temps "$1" | head -n 1)" ]; }
wait_part() { # DIR: until a temporary of $base exists there and is not empty
	wait_for part_begun "$1"
	sleep 0.3       # let the upload get well into the file before it is cut
}

start_sftp "$T" || skip "sshd did not start"
ssh="--key $SSH_KEY --known-hosts $KNOWN_HOSTS"
jship $ssh --retries 0 --limit-rate 2M --to "$SFTP_URL" $seg >out 2>err &
pid=$!
wait_part "$SFTP_ROOT"
stop_server sftp
wait $pid
check "sftp: stopped mid-transfer exits 75" test $? -eq 75
check "sftp: nothing under the final name" test ! -e "$SFTP_ROOT/$base"
check "sftp: nothing printed" test ! -s out
start_sftp "$T" "$SFTP_PORT" || fail "sshd did not restart"
expect_code 0 jship $ssh --to "$SFTP_URL" $seg
check "sftp: next run completes" cmp -s $seg "$SFTP_ROOT/$base"
check "sftp: temporary replaced" test -z "$(temps "$SFTP_ROOT")"

# jship itself killed (SIGKILL) mid-transfer in a queue run: nothing under the final name,
# the state file intact, and the next run completes the segment.
mkdir q
cp $seg q/
jship $ssh --retries 0 --limit-rate 2M --from q --to "${SFTP_URL}" >/dev/null 2>&1 &
pid=$!
rm -f "$SFTP_ROOT/$base"
wait_part "$SFTP_ROOT"
kill -KILL $pid
wait $pid 2>/dev/null
check "killed: nothing under the final name" test ! -e "$SFTP_ROOT/$base"
check "killed: state says nothing acknowledged" test_cmp - <<X q/.db.journal.ship-*[0-9a-f]
jship-state 2
url $SFTP_URL
X
expect_code 0 jship $ssh --from q --to "$SFTP_URL"
check "killed: next run completes" cmp -s $seg "$SFTP_ROOT/$base"
check "killed: temporary replaced" test -z "$(temps "$SFTP_ROOT")"

start_ftp "$T" plain || skip "vsftpd did not start"
jship --retries 0 --limit-rate 2M --to "$FTP_URL" $seg >out 2>err &
pid=$!
wait_part "$FTP_ROOT"
stop_server ftp
wait $pid
check "ftp: stopped mid-transfer exits 75" test $? -eq 75
check "ftp: nothing under the final name" test ! -e "$FTP_ROOT/$base"
start_ftp "$T" plain "$FTP_PORT" || fail "vsftpd did not restart"
expect_code 0 jship --to "$FTP_URL" $seg
check "ftp: next run completes" cmp -s $seg "$FTP_ROOT/$base"
check "ftp: temporary renamed" test -z "$(temps "$FTP_ROOT")"

# HTTP: stopped mid-PUT, restarted while jship backs off: the retry completes it.
start_http "$T" http || skip "nginx did not start"
jship -v --retries 6 --limit-rate 2M --to "$HTTP_URL" $seg >out 2>err &
pid=$!
# nginx keeps a request body in its temporary directory until the PUT completes
receiving() { find "$T/nginx-http/tmp/body" -type f -size +0 2>/dev/null | grep -q .; }
wait_for receiving
stop_server http
check "http: nothing under the final name" test ! -e "$HTTP_ROOT/$base"
wait_for grep -q 'retrying in' err
start_http "$T" http "$HTTP_PORT" || fail "nginx did not restart"
wait $pid
check "http: retried with backoff, then exit 0" test $? -eq 0
check "http: retry was reported" grep -q 'retrying in' err
check "http: completed" cmp -s $seg "$HTTP_ROOT/$base"
check "http: no temporary left" test -z "$(ls -A "$HTTP_ROOT" | grep '^\.')"

# A destination that is down from the start: exit 75 and a message naming it.
port=$(free_port)
expect_code 75 jship --retries 1 --to "http://127.0.0.1:$port/in/" $seg
check "down: message" grep -q "unable to [a-z]* $base [a-z]* http://127.0.0.1:$port/in/: " err
finish

#!/bin/sh
# examples/ship/queue-cron.sh and examples/ship/stream.sh do what they say, with jrotate,
# against a file:// mirror and an SFTP mirror.
. ./lib.sh
. "$JM_SRC/tests/e2e/servers.sh"
E=$JM_SRC/examples/ship

start_sftp "$T" || skip "sshd did not start"
mkdir -p db m1 home/.ssh
cp "$SSH_KEY" home/.ssh/id_ed25519
cp "$KNOWN_HOSTS" home/.ssh/known_hosts
HOME=$T/home
export HOME

jappend --create db/app.journal >/dev/null
jappend db/app.journal "INSERT INTO t VALUES(1);" "INSERT INTO t VALUES(2);"
expect_code 0 sh "$E/queue-cron.sh" db/app.journal "file://$T/m1/" "$SFTP_URL"
check "cron run: sealed and sent to the file mirror" cmp -s db/app.0001-000000000001.journal m1/app.0001-000000000001.journal
check "cron run: sent to the sftp mirror" cmp -s db/app.0001-000000000001.journal "$SFTP_ROOT/app.0001-000000000001.journal"
expect_code 0 sh "$E/queue-cron.sh" db/app.journal "file://$T/m1/" "$SFTP_URL"
check "cron run again: nothing new" test "$(ls m1 | wc -l)" -eq 1
jappend db/app.journal "INSERT INTO t VALUES(3);"
expect_code 0 env KEEP_FOR=0s sh "$E/queue-cron.sh" db/app.journal "file://$T/m1/" "$SFTP_URL"
check "cron run: pruned what both mirrors have" test "$(ls db)" = app.journal
check "cron run: second segment at both" test -e "$SFTP_ROOT/app.0001-000000000002.journal"

# The stream: a backlog first, then each sealed segment as it comes.
jappend db/app.journal "INSERT INTO t VALUES(4);"
jrotate -q db/app.journal >/dev/null                 # sealed while nothing streams: backlog
EVERY=200ms sh "$E/stream.sh" db/app.journal "file://$T/m1/" "$SFTP_URL" >stream.out 2>stream.err &
pid=$!
jappend db/app.journal "INSERT INTO t VALUES(5);"
wait_for test -e "$SFTP_ROOT/app.0001-000000000004.journal"
check "stream: backlog sent" test -e m1/app.0001-000000000003.journal
check "stream: a new segment arrives while it runs" cmp -s db/app.0001-000000000004.journal "$SFTP_ROOT/app.0001-000000000004.journal"
for p in $(pgrep -P $pid jrotate); do kill -TERM "$p"; done
wait $pid
check "stream: stops cleanly on SIGTERM" test $? -eq 0
check "stream: printed what every mirror has" grep -qx 'db/app.0001-000000000004.journal' stream.out
check "stream: nothing on stderr" test_cmp /dev/null stream.err
finish

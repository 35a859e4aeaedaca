#!/bin/sh
# jship --from DIR: the send queue per destination, crash-safe acknowledgements, a down
# destination catching up in order, nothing sent twice, and pruning what all have.
. ./lib.sh
. "$JM_SRC/tests/e2e/servers.sh"

start_sftp "$T" || skip "sshd did not start"
ssh="--key $SSH_KEY --known-hosts $KNOWN_HOSTS --retries 0"
mkdir dir a
jmgen dir 3 >/dev/null 2>digest
printf 'x\n' > dir/db.journal            # the live journal: never shipped, never pruned
a="file://$T/a/"

expect_code 0 jship $ssh --from dir --to "$a" --to "$SFTP_URL"
ls dir/db.0001-* > want
check "first run sends the queue, in order" test_cmp want out
check "both have everything" sh -c "cmp -s dir/db.0001-000000000003.journal a/db.0001-000000000003.journal && cmp -s dir/db.0001-000000000003.journal $SFTP_ROOT/db.0001-000000000003.journal"
check "state files are dot files" test "$(ls -A dir | grep -c '^\.db\.journal\.ship-[0-9a-f]*$')" -eq 2
check "live journal not shipped" test ! -e a/db.journal
expect_code 0 jship $ssh --from dir --to "$a" --to "$SFTP_URL"
check "second run sends nothing" test ! -s out

# The SFTP destination goes down; two more segments are made.
stop_server sftp
jmgen -s 4 -l 31 -p "$(head -n 1 digest)" dir 2 >/dev/null 2>digest
rm a/db.0001-000000000001.journal       # the file destination must not get it again
expect_code 75 jship $ssh --from dir --to "$a" --to "$SFTP_URL"
check "down destination: message" grep -q "unable to [a-z]* db.0001-000000000004.journal [a-z]* sftp://" err
check "the other destination got the new ones" test -e a/db.0001-000000000005.journal
check "nothing sent twice to the one that had it" test ! -e a/db.0001-000000000001.journal
check "down destination still lacks them" test ! -e "$SFTP_ROOT/db.0001-000000000004.journal"

# A remote acknowledgement alone (the server did not sync) prunes nothing without --keep-for.
expect_code 75 jship $ssh --from dir --to "$a" --to "$SFTP_URL" --prune
check "no pruning on a remote acknowledgement alone" test -e dir/db.0001-000000000001.journal
check "says why" grep -q "acknowledges receipt, not durability" err
# Pruning keeps what some destination lacks.
touch -d '2 hours ago' dir/db.0001-00000000000[123].journal
expect_code 75 jship $ssh --from dir --to "$a" --to "$SFTP_URL" --keep-for 1h
check "prune keeps what the down one lacks" test -e dir/db.0001-000000000004.journal
check "prune removed what both have" test ! -e dir/db.0001-000000000001.journal

# It comes back: the backlog arrives in order, the other destination gets nothing.
start_sftp "$T" "$SFTP_PORT" || fail "sshd did not restart"
rm -f "$SFTP_ROOT"/db.0001-00000000000[23].journal
expect_code 0 jship -v $ssh --from dir --to "$a" --to "$SFTP_URL"
printf 'dir/db.0001-000000000004.journal\ndir/db.0001-000000000005.journal\n' > want
check "backlog sent" test_cmp want out
grep '^jship: sent' err | sed 's/ to .*//' > got
printf 'jship: sent db.0001-000000000004.journal\njship: sent db.0001-000000000005.journal\n' > want
check "in order, only to the one that lacked them" test_cmp want got
check "acknowledged segments are not re-sent" test ! -e "$SFTP_ROOT/db.0001-000000000002.journal"

# --keep N keeps the newest N even when everyone has them.
expect_code 0 jship $ssh --from dir --to "$a" --to "$SFTP_URL" --keep 2
ls dir > got
printf 'db.0001-000000000004.journal\ndb.0001-000000000005.journal\ndb.journal\n' > want
check "--keep 2 keeps the newest two and the live journal" test_cmp want got
expect_code 0 jship $ssh --from dir --to "$a" --to "$SFTP_URL" --keep-for 1h
check "--keep-for keeps young segments" test -e dir/db.0001-000000000004.journal

# A crash before the state update: the segment is re-sent and accepted as identical.
for s in dir/.db.journal.ship-*; do grep -q "^url file" "$s" && st=$s; done
printf 'jship-state 2\nurl file://%s/a/\nhas 1 4 4\n' "$T" > "$st"
expect_code 0 jship $ssh --from dir --to "$a"
check "re-send after a lost acknowledgement" test_cmp - out <<X
dir/db.0001-000000000005.journal
X
# Two senders of one destination at once: the second says busy.
flock "${st}.lock" sleep 3 &      # held for 3 s on purpose
locker=$!
wait_for locked "${st}.lock"
jmgen -s 6 -l 51 -p "$(head -n 1 digest)" dir 1 >/dev/null 2>digest
expect_code 75 jship $ssh --from dir --to "$a"
check "busy message" grep -q 'another jship is sending db' err
# A streaming (FILE) run does not wait for the queue run's lock: it leaves the record to it.
t0=$(date +%s)
expect_code 0 jship --to "$a" dir/db.0001-000000000006.journal
check "FILE mode does not wait for a held lock" test $(( $(date +%s) - t0 )) -lt 2
wait $locker
finish

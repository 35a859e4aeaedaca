#!/bin/sh
# Two pulling mirrors at different speeds on one SFTP hub: each registers a cursor,
# jstatus --hub shows both (text and JSON), and jship --expire-after removes only what
# both have fetched: the slow mirror holds retention (and is named) until it catches up;
# nothing is removed while no mirror is registered; a young segment is kept.
. ./lib.sh
. "$JM_SRC/tests/e2e/servers.sh"

mkdir src fast slow
jmgen src 6 >/dev/null 2>&1
start_sftp "$T" || skip "no sshd"
SSH="--key $SSH_KEY --known-hosts $KNOWN_HOSTS"
mkdir p
cp src/$(seg 1) src/$(seg 2) p/

# nothing registered: nothing removed
expect_code 0 jship -q $SSH --from p --expire-after 0s --to "$SFTP_URL"
check "no mirror registered: nothing removed" test "$(ls "$SFTP_ROOT" | wc -l)" -eq 2
check "no mirror registered: said" grep -q "no mirror is registered on the hub" err

# the slow mirror fetches 1 and 2, then stops; the fast one fetches 1 to 4
expect_code 0 jfetch --name slow $SSH "$SFTP_URL" slow
cp src/$(seg 3) src/$(seg 4) p/
expect_code 0 jship -q $SSH --from p --to "$SFTP_URL"
expect_code 0 jfetch --name fast $SSH "$SFTP_URL" fast
check "fast mirror has all four" test "$(ls fast | wc -l)" -eq 4

expect_code 0 jstatus $SSH --hub "$SFTP_URL"
check "status: both mirrors" grep -q "mirror fast *at 0001-000000000004, cursor written .*behind 0$" out
check "status: the slow one holds retention" grep -q "mirror slow *at 0001-000000000002, .*behind 2 (holds retention" out
expect_code 0 jstatus --json $SSH --hub "$SFTP_URL"
check "json" grep -q '"name":"slow","timeline":1,"seq":2,.*"behind":2,"holds_retention":true' out

expect_code 0 jship $SSH --from p --expire-after 0s --to "$SFTP_URL"
check "what both have is removed" test "$(ls "$SFTP_ROOT")" = "$(printf '%s\n' $(seg 3) $(seg 4))"
check "the slow mirror is named" grep -q "mirror slow holds retention: it has fetched up to 0001-000000000002" err

# the slow mirror catches up from the hub itself
expect_code 0 jfetch --name slow $SSH "$SFTP_URL" slow
check "slow fetched 3 and 4" test_cmp - out <<X
slow/$(seg 3)
slow/$(seg 4)
X
check "one cursor per mirror" test "$(ls "$SFTP_ROOT/.jmirror" | grep -c '^slow\.')" -eq 1
expect_code 0 jship -q $SSH --from p --expire-after 1h --to "$SFTP_URL"
check "a young segment is kept" test "$(ls "$SFTP_ROOT" | wc -l)" -eq 2
expect_code 0 jship -q $SSH --from p --expire-after 0s --to "$SFTP_URL"
check "everything fetched by both is removed" test -z "$(ls "$SFTP_ROOT")"
check "cursors stay" test "$(ls "$SFTP_ROOT/.jmirror" | wc -l)" -eq 2

# new segments arrive: the queue is shipped, the removed ones are not sent again
cp src/$(seg 5) src/$(seg 6) p/
expect_code 0 jship -q $SSH --from p --expire-after 0s --to "$SFTP_URL"
check "only the new segments on the hub" test "$(ls "$SFTP_ROOT")" = "$(printf '%s\n' $(seg 5) $(seg 6))"
expect_code 64 jship --expire-after 1h --to "$SFTP_URL" src/$(seg 1)
expect_code 64 jstatus --hub "$SFTP_URL" --db m.db
finish

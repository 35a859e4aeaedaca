#!/bin/sh
# tinysshd's key exchange is one libssh2 1.10 lacks: a permanent incompatibility, reported
# as refused (77) with what the server offers, and not retried.
. ./lib.sh
. "$JM_SRC/tests/e2e/servers.sh"
. "$JM_SRC/tests/e2e/servers-other.sh"
heavy
start_other tinysshd "$T" || skip "tinysshd did not start"
mkdir src
jmgen -r 5 src 1 >/dev/null 2>&1
f=db.0001-000000000001.journal
expect_code 77 jship -v --retries 5 $SRV_OPTS --to "$SRV_URL" src/$f
check "says what the server offers" grep -q 'the server offers kex [a-z0-9@.,-]*curve25519' err
check "names the library" grep -q 'libssh2' err
check "not retried" sh -c "! grep -q 'retrying\|trying again\|again in' err"
expect_code 77 jship --retries 5 $SRV_BAD --to "$SRV_URL" src/$f
finish

#!/bin/sh
# pyftpdlib over TLS resets its data connections (curl -T fails there too). After a failed
# FTP request the control connection may be out of step, so the next request opens a new
# one instead of reading a stale reply; nothing is published, and the failure is 75.
. ./lib.sh
. "$JM_SRC/tests/e2e/servers.sh"
. "$JM_SRC/tests/e2e/servers-other.sh"
heavy
start_other pyftpdlib "$T" || skip "pyftpdlib did not start"
mkdir src
jmgen -r 5 src 1 >/dev/null 2>&1
f=db.0001-000000000001.journal
expect_code 75 jship -v -v --retries 0 $SRV_OPTS --to "$SRV_URL" src/$f
check "the data connection failed" grep -q 'reset by peer' err
# after the first failed request, the next one connects again rather than re-using
awk '/reset by peer/ { bad = 1 } bad && /Re-using existing connection/ { reused = 1 }
     bad && /Connected to 127.0.0.1/ && !reused { fresh = 1 }
     /^jship: unable to/ { bad = 0 }
     END { exit !(fresh && !reused) }' err
check "a new control connection after the failed request" test $? -eq 0
check "nothing published" test ! -e "$SRV_ROOT/in/$f" -a ! -e "$SRV_ROOT/$f"
finish

#!/bin/sh
# jship over FTP with TLS does not wait 100 ms per command: while libcurl 7.88 waits for a
# data connection's TLS handshake it may watch that connection alone, and the control
# connection's replies to SIZE and REST then sat unread until the poll's timeout (seen in
# some runs against ProFTPD: four waits of 100 ms a file, 0.62 s for one 128 MiB segment
# against 0.23 s; strace showed poll on the data socket time out with the reply waiting on
# the control socket). The trace (-v -v) is timestamped as it arrives: over 20 files of
# 1 MB no more than a few lines (load) may follow a wait of 80 ms.
. ./lib.sh
. "$JM_SRC/tests/e2e/servers.sh"
. "$JM_SRC/tests/e2e/servers-other.sh"
heavy
start_other proftpd-ftpes "$T" || skip "proftpd did not start"
mkdir src
jmgen -r 1 -b 100000 src 20 >/dev/null 2>&1
jship -v -v $SRV_OPTS --to "$SRV_URL" src/* 2>&1 >out | python3 -c '
import sys, time
last = time.monotonic(); n = 0; worst = 0.0
for line in sys.stdin:
    now = time.monotonic()
    n += now - last >= 0.08
    worst = max(worst, now - last)
    last = now
print("%d %.3f" % (n, worst))
' >gap
check "20 files published" test "$(ls "$SRV_ROOT" | grep -c '^db\.')" -eq 20
read -r n worst <gap
check "$n waits of 80 ms or more (at most 3; 80 without the fix), the longest ${worst}s" test "$n" -le 3
finish

#!/bin/sh
# jship over FTP never waits a whole second between two steps of a transfer: libcurl 7.88's
# curl_easy_perform sleeps its full second when it has no socket to wait on while an FTP
# data connection is being set up (about one request in five on loopback), and every file
# takes several data connections (a listing once, the upload, two reads of its last bytes).
# The trace (-v -v) is timestamped as it arrives: over 60 files (about 180 data connections)
# no line that starts a data connection ("ftp_perform ends with SECONDARY") may be followed
# by a wait of 0.3 s or more (without the fix: a few of 1 s; with it: a few ms).
. ./lib.sh
. "$JM_SRC/tests/e2e/servers.sh"

mkdir src
jmgen src 60 >/dev/null 2>&1
start_ftp "$T" plain || skip "vsftpd did not start"
jship -v -v --to "$FTP_URL" src/* 2>&1 >out | python3 -c '
import sys, time
last = time.monotonic(); worst = 0.0; prev = ""; at = ""; n = 0
for line in sys.stdin:
    now = time.monotonic()
    n += now - last >= 0.3 and "SECONDARY" in prev
    if now - last > worst:
        worst, at = now - last, prev.strip()
    last, prev = now, line
print("%d %.3f %s" % (n, worst, at))
' >gap
check "60 files published" test "$(ls "$FTP_ROOT" | grep -c '^db\.')" -eq 60
check "no temporary left" test -z "$(ls -A "$FTP_ROOT" | grep '^\.')"
read -r n worst at <gap
if [ "$n" -eq 0 ]; then
	ok "no wait for a data connection (longest wait ${worst}s)"
else
	fail "$n waits of 0.3 s or more for a data connection, the longest ${worst}s after: $at"
fi
finish

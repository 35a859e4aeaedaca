#!/bin/sh
# pure-ftpd -r renames an upload whose name exists (NAME.1). A transfer killed in the middle
# leaves a partial temporary; the next run must publish the whole segment (every temporary
# is unique to its process and is checked before its rename), never the partial one, and
# removes the stale temporary. (When the server drops the aborted upload itself, the test
# leaves the killed run's partial temporary in its place.) In an empty directory pure-ftpd
# refuses NLST -a (550): jship lists with MLSD instead, on the same connection (a refusal
# answered in turn leaves the control connection in step; a new one would cost a second
# login, which pure-ftpd makes slow: 3 s).
. ./lib.sh
. "$JM_SRC/tests/e2e/servers.sh"
. "$JM_SRC/tests/e2e/servers-other.sh"
. "$JM_SRC/tests/e2e/interop.sh"
heavy
start_other pureftpd-r "$T" || skip "pure-ftpd did not start"
mkdir src e
jmgen -r 100 -b 100000 src 1 >/dev/null 2>&1
f=db.0001-000000000001.journal
# a directory that --mkdir makes: its CWD, then NLST -a in it while empty, are refused (550)
jmgen e 1 >/dev/null 2>&1
expect_code 0 jship -v -v --mkdir $SRV_OPTS --to "${SRV_URL}e/" e/$f
check "empty: NLST -a refused, MLSD asked" grep -q '^jship: > MLSD' err
check "empty: one login for the whole run" test "$(grep -c '^jship: > PASS' err)" -eq 1
check "empty: published" cmp -s e/$f "$SRV_ROOT/e/$f"
rm -r "$SRV_ROOT/e"
check "killed in the middle of sending" ix_kill_mid src/$f
if [ -z "$(ix_ours "$SRV_ROOT")" ]; then
	# pure-ftpd may drop an aborted upload itself (timing): leave what the killed run
	# would have left, its temporary with the first megabyte, so the next run meets it
	head -c 1048576 src/$f >"$SRV_ROOT/.$f.$(hostname)-$_ixp-0badcafe.part"
	chown --reference="$SRV_ROOT" "$SRV_ROOT/.$f.$(hostname)-$_ixp-0badcafe.part"
fi
check "a partial temporary is left" test -n "$(ix_ours "$SRV_ROOT")"
expect_code 0 jship $SRV_OPTS --to "$SRV_URL" src/$f
check "the whole segment is published" cmp -s src/$f "$SRV_ROOT/$f"
check "the stale temporary is removed" test -z "$(ix_ours "$SRV_ROOT")"
check "nothing auto-renamed" test -z "$(ls -A "$SRV_ROOT" | grep -v "^$f\$")"
expect_code 0 jship $SRV_OPTS --to "$SRV_URL" src/$f
check "identical resend leaves one file" test "$(ls -A "$SRV_ROOT")" = "$f"
finish

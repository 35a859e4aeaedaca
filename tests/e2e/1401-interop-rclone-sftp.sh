#!/bin/sh
# rclone serve sftp replaces an existing file on rename: jship looks before publishing, so a
# different segment under a published name is refused (65) and the mirror's copy is kept;
# an identical one is found there without being uploaded again.
. ./lib.sh
. "$JM_SRC/tests/e2e/servers.sh"
. "$JM_SRC/tests/e2e/servers-other.sh"
heavy
start_other rclone-sftp "$T" || skip "rclone serve sftp did not start"
mkdir a b
jmgen -r 11 a 1 >/dev/null 2>&1
jmgen -r 11 b 1 >/dev/null 2>&1
f=db.0001-000000000001.journal
check "the two segments differ in content, not in size" \
	sh -c "! cmp -s a/$f b/$f && [ $(stat -c %s a/$f) -eq $(stat -c %s b/$f) ]"
expect_code 0 jship $SRV_OPTS --to "$SRV_URL" a/$f
check "published" cmp -s a/$f "$SRV_ROOT/$f"
expect_code 65 jship $SRV_OPTS --to "$SRV_URL" b/$f
check "refused: exists with a different content" grep -q "exists with a different content: not replaced" err
check "the mirror's copy is kept" cmp -s a/$f "$SRV_ROOT/$f"
check "no temporary left" test -z "$(ls -A "$SRV_ROOT" | grep '^\.')"
# an identical resend is recognised without an upload (-vv traces every request)
expect_code 0 jship -v -v $SRV_OPTS --to "$SRV_URL" a/$f
check "identical resend: nothing uploaded" sh -c "! grep -q 'upload completely sent\|Sending' err && ! grep -q '\.part' err"
finish

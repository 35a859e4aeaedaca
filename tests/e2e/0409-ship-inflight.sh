#!/bin/sh
# Large segments are verified while they are sent: a damaged one (trailer intact, a byte
# flipped in the middle) is refused with 65 and never published, at file:// and over SFTP
# and FTP; other files in the same run still go; a valid large one arrives identical.
. ./lib.sh
. "$JM_SRC/tests/e2e/servers.sh"

mkdir src bad dst
jmgen -r 20 -b 1000000 src 2 >/dev/null 2>&1        # two segments of about 20 MB
s1=src/db.0001-000000000001.journal s2=src/db.0001-000000000002.journal
cp $s1 bad/
b1=bad/db.0001-000000000001.journal
printf 'X' | dd of=$b1 bs=1 seek=10000000 conv=notrunc 2>/dev/null

start_sftp "$T" || skip "sshd did not start"
start_ftp "$T" plain || skip "vsftpd did not start"
ssh="--key $SSH_KEY --known-hosts $KNOWN_HOSTS"
expect_code 65 jship $ssh --to "file://$T/dst/" --to "$SFTP_URL" --to "$FTP_URL" $b1 $s2
check "damaged: message names the file and the offset" grep -q "^jship: $b1: offset " err
check "damaged: reported once" test "$(grep -c "^jship: $b1" err)" -eq 1
check "damaged: not published at file://" test ! -e dst/db.0001-000000000001.journal
check "damaged: not published over sftp" test ! -e "$SFTP_ROOT/db.0001-000000000001.journal"
check "damaged: not published over ftp" test ! -e "$FTP_ROOT/db.0001-000000000001.journal"
check "the next file still went, and only it is printed" test_cmp - out <<X
$s2
X
check "next file identical at sftp" cmp -s $s2 "$SFTP_ROOT/db.0001-000000000002.journal"
expect_code 0 jship $ssh --to "file://$T/dst/" --to "$SFTP_URL" --to "$FTP_URL" $s1
check "valid large: identical at file://" cmp -s $s1 dst/db.0001-000000000001.journal
check "valid large: identical over ftp" cmp -s $s1 "$FTP_ROOT/db.0001-000000000001.journal"
check "valid large: temporary replaced" test -z "$(ls -A "$SFTP_ROOT" | grep '^\.')"
# Truncated: refused before any byte goes out.
head -c 15000000 $s1 > bad/db.0001-000000000003.journal
head -c 17000000 $s1 > bad/db.0001-000000000004.journal
expect_code 65 jship $ssh --to "$SFTP_URL" bad/db.0001-000000000004.journal
check "truncated: nothing sent, not even a temporary" test -z "$(ls -A "$SFTP_ROOT" | grep '^\.db\.0001-000000000004\.journal\.')"
finish

#!/bin/sh
# --compress compresses in flight and ships NAME....journal.zst (or .gz, .xz); the result
# decompresses to the segment, re-sending is accepted, and compressed segments ship as is.
. ./lib.sh
. "$JM_SRC/tests/e2e/servers.sh"

mkdir src dst
jmgen -r 50 src 2 >/dev/null 2>&1
s1=src/db.0001-000000000001.journal
expect_code 0 jship --compress zstd --to "file://$T/dst/" $s1
check "zstd: printed the segment's path" test_cmp - out <<X
$s1
X
check "zstd: shipped under .zst" test -e dst/db.0001-000000000001.journal.zst
zstd -dc dst/db.0001-000000000001.journal.zst > plain 2>/dev/null
check "zstd: decompresses to the segment" cmp -s $s1 plain
expect_code 0 jship --compress zstd --to "file://$T/dst/" $s1
expect_code 0 jship --compress gzip:9 --to "file://$T/dst/" $s1
gzip -dc dst/db.0001-000000000001.journal.gz > plain
check "gzip: decompresses to the segment" cmp -s $s1 plain
expect_code 0 jship --compress xz --to "file://$T/dst/" $s1
xz -dc dst/db.0001-000000000001.journal.xz > plain
check "xz: decompresses to the segment" cmp -s $s1 plain
expect_code 64 jship --compress lz4 --to "file://$T/dst/" $s1

# A compressed segment is verified through and shipped as it is.
mkdir dst2
expect_code 0 jship --to "file://$T/dst2/" dst/db.0001-000000000001.journal.zst
check "compressed segment shipped as is" cmp -s dst/db.0001-000000000001.journal.zst dst2/db.0001-000000000001.journal.zst
mkdir bad
head -c 100 dst/db.0001-000000000001.journal.zst > bad/db.0001-000000000009.journal.zst
expect_code 65 jship --to "file://$T/dst2/" bad/db.0001-000000000009.journal.zst
check "truncated compressed segment: message names it" grep -q '^jship: bad/db.0001-000000000009.journal.zst: ' err

# Over SFTP, from a queue directory.
if start_sftp "$T"; then
	expect_code 0 jship --compress zstd:3 --key "$SSH_KEY" --known-hosts "$KNOWN_HOSTS" --from src --to "$SFTP_URL"
	zstd -dc "$SFTP_ROOT/db.0001-000000000002.journal.zst" > plain 2>/dev/null
	check "sftp zstd: decompresses to the segment" cmp -s src/db.0001-000000000002.journal plain
	# A damaged segment in the queue stops that destination there: order is kept.
	cp bad/db.0001-000000000009.journal.zst src/db.0001-000000000003.journal.zst
	jmgen -s 4 -l 101 src 1 >/dev/null 2>&1
	expect_code 65 jship --key "$SSH_KEY" --known-hosts "$KNOWN_HOSTS" --from src --to "$SFTP_URL"
	check "damaged queued segment named" grep -q 'src/db.0001-000000000003.journal.zst: ' err
	check "later segments wait" test ! -e "$SFTP_ROOT/db.0001-000000000004.journal"
fi
finish

#!/bin/sh
# jrotate --compress compresses the records before encrypting them (ciphertext does not
# compress): the region's plaintext is one zstd or xz stream of the records, which age -d
# and the decompressor give back exactly; readers tell it from records by its first bytes.
# jship says so when asked to compress an encrypted segment; --compress without encryption,
# or with gzip (whose magic could be a record's length), is refused.
. ./lib.sh
command -v age >/dev/null || skip "age is not installed (tests/deps.sh installs it)"
age-keygen -o key 2>/dev/null && age-keygen -y key >key.pub
mkdir j && jappend --create j/db.journal
w p.db j/db.journal "CREATE TABLE t(a, b)"
rows() { i=0; while [ $i -lt 2000 ]; do i=$((i + 1)); echo "INSERT INTO t VALUES($i + $1, 'the same words again and again, row after row');"; done; }
rows 0 | jappend j/db.journal && { echo 'BEGIN;'; rows 0; echo 'COMMIT;'; } | sqlite3 p.db
cp j/db.journal live1
expect_code 0 jrotate --encrypt-to key.pub --compress zstd:3 j/db.journal
rows 10000 | jappend j/db.journal && { echo 'BEGIN;'; rows 10000; echo 'COMMIT;'; } | sqlite3 p.db
cp j/db.journal live2
expect_code 0 jrotate --compress xz j/db.journal
rows 20000 | jappend j/db.journal && { echo 'BEGIN;'; rows 20000; echo 'COMMIT;'; } | sqlite3 p.db
expect_code 0 jrotate j/db.journal
s1=$(stat -c %s j/$(seg 1)) s3=$(stat -c %s j/$(seg 3)) l1=$(stat -c %s live1)
check "compressed before encryption: far smaller than the records ($s1 < $l1 / 4)" test $((s1 * 4)) -lt "$l1"
check "without --compress the next one is not ($s3 bytes)" test "$s3" -gt "$((l1 / 2))"

jcat --export-region j/$(seg 1) | age -d -i key >plain1
check "the zstd region: its plaintext is a zstd stream" test "$(head -c 4 plain1 | od -An -tx1 | tr -d ' ')" = 28b52ffd
tail -c +129 live1 >want1
check "which zstd -d turns into the records exactly" sh -c 'zstd -dc plain1 | cmp -s - want1'
jcat --export-region j/$(seg 2) | age -d -i key >plain2
tail -c +129 live2 >want2
check "the xz region: xz -d gives the records exactly" sh -c 'xz -dc plain2 | cmp -s - want2'

expect_code 0 jcat --verify j/$(seg 1) j/$(seg 2) j/$(seg 3)
expect_code 0 jcat --verify --identity key j/$(seg 1) j/$(seg 2) j/$(seg 3)
check "the records check out through decryption and decompression" test "$(grep -c ': ok, ' out)" -eq 3
expect_code 0 jintegrate --db m.db --identity key j/$(seg 1) j/$(seg 2) j/$(seg 3)
check "mirror equals primary" same p.db m.db

# jship: compressing an encrypted segment is said, and done anyway
mkdir out1
expect_code 0 jship --compress zstd --to "file://$T/out1/" j/$(seg 3)
check "jship --compress of an encrypted segment: said" grep -qx "jship: j/$(seg 3): encrypted: ciphertext does not compress (compress before encrypting: jrotate --compress); shipped compressed anyway" err

# refusals
mkdir k && jappend --create k/db.journal && jappend k/db.journal "SELECT 1"
expect_code 64 jrotate --compress zstd k/db.journal
check "--compress without encryption: said" grep -qx 'jrotate: unable to rotate k/db.journal: k/db.journal: --compress is for encrypted segments (plain ones are compressed by jship --compress)' err
expect_code 64 jrotate --encrypt-to key.pub --compress gzip k/db.journal
check "--compress gzip: refused" grep -qx 'jrotate: --compress: zstd or xz, with an optional :LEVEL: gzip' err
check "nothing sealed by the refusals" test ! -e k/$(seg 1)
finish

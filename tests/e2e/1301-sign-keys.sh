#!/bin/sh
# Signed segments: minisign keys, jrotate --sign, jcat --verify --trust, --export-signature
# checked by minisign itself, every refusal of a key, and a mixed chain of unsigned version 2
# and signed version 3 segments.
. ./lib.sh
command -v minisign >/dev/null || skip "minisign is not installed (tests/deps.sh)"
mkkey() { minisign -G -W -p "$1.pub" -s "$1.key" >/dev/null 2>&1; }
mkkey a
mkkey b
aid=$(sed -n 1p a.pub | awk '{ print $NF }')
bid=$(sed -n 1p b.pub | awk '{ print $NF }')

jappend --create db.journal
expect_code 0 jrotate --sign a.key db.journal
check "making an empty journal signed seals nothing" test ! -s "$T/out"
jappend db.journal 'SELECT 1;'
expect_code 0 jrotate --sign a.key db.journal
expect_code 0 jcat --verify --trust a.pub "$(seg 1)"
check "segment 1 is signed by the trusted key" grep -q "seq 1, LSN 1-1, signed by trusted key $aid\$" "$T/out"
expect_code 0 jcat "$(seg 1)"
check "jcat shows the signer" grep -q "final no, digest [0-9a-f]*, signed by key $aid\$" "$T/out"

# a rotation without the key leaves a signed journal alone
jappend db.journal 'SELECT 2;'
cp db.journal before
expect_code 64 jrotate db.journal
check "without --sign: the message" grep -q "db.journal is signed by key $aid: only a rotation with --sign can seal it (nothing changed)" "$T/err"
check "without --sign: the live journal is unchanged" cmp -s before db.journal
check "without --sign: no segment" test ! -e "$(seg 2)"

# keys that are given but unusable stop the tool before anything is written
cp a.key loose.key
chmod 644 loose.key
expect_code 77 jrotate --sign loose.key db.journal
check "a secret key others can read: the message" grep -q "^jrotate: --sign: secret key: loose.key can be read by others: refused (chmod 600 it)\$" "$T/err"
check "a secret key others can read: nothing written" cmp -s before db.journal
expect_code 66 jrotate --sign missing.key db.journal
check "a missing key: the message" grep -q "key missing.key: unable to open" "$T/err"
expect_code 65 jrotate --sign a.pub db.journal
check "a public key for --sign: the message" grep -q "key a.pub: a public key where the secret key belongs" "$T/err"
echo "untrusted comment: nothing" >junk.key
echo "bm90IGEga2V5" >>junk.key
chmod 600 junk.key
expect_code 65 jrotate --sign junk.key db.journal
check "not a key: the message" grep -q "key junk.key: not a minisign secret key" "$T/err"
python3 - <<'EOF'
import base64
l = open("a.key").read().split("\n")
raw = bytearray(base64.b64decode(l[1]))
raw[2:4] = b"Sc"
l[1] = base64.b64encode(bytes(raw)).decode()
open("pass.key", "w").write("\n".join(l))
EOF
chmod 600 pass.key
expect_code 65 jrotate --sign pass.key db.journal
check "a passphrase-protected key: the message" grep -q "key pass.key: protected by a passphrase" "$T/err"
check "refused keys: nothing written" cmp -s before db.journal
expect_code 65 jcat --verify --trust a.key "$(seg 1)"
check "a secret key for --trust: the message" grep -q "key a.key: a secret key where a public key belongs" "$T/err"
expect_code 66 jcat --verify --trust missing.pub "$(seg 1)"
secret=$(sed -n 2p a.key)
check "no output ever shows the secret key" sh -c "! grep -rqF '$secret' '$T/err' '$T/out'"

# sealing with the key; another key does not verify it
expect_code 0 jrotate --sign a.key db.journal
expect_code 65 jcat --verify --trust b.pub "$(seg 2)"
check "another key: the message" grep -q "^jcat: $(seg 2): signed by key $aid, which is not trusted: refused\$" "$T/err"
expect_code 0 jcat --verify --trust a.pub "$(seg 1)" "$(seg 2)"

# key rotation: the next segments are signed by b; both keys trusted verify the chain
jappend db.journal 'SELECT 3;'
expect_code 0 jrotate --sign b.key db.journal
expect_code 65 jcat --verify --trust a.pub --trust b.pub "$(seg 1)" "$(seg 2)" "$(seg 3)" db.journal
check "key rotation: segment 3 by key b" grep -q "seq 3, LSN 3-3, signed by trusted key $bid\$" "$T/out"
check "the live journal cannot be trusted" grep -q "db.journal: a live journal carries no signature" "$T/err"
expect_code 0 jcat --verify --trust a.pub --trust b.pub "$(seg 1)" "$(seg 2)" "$(seg 3)"

# minisign checks what jcat exports
expect_code 0 jcat --export-signature "$(seg 3)"
printf '%s\n%s\n' "$(seg 3).statement" "$(seg 3).statement.minisig" >want
check "--export-signature prints what it wrote" test_cmp want "$T/out"
check "the statement names the segment" grep -qx 'seq 3' "$(seg 3).statement"
check "sha256sum of the segment less its last 192 bytes is the signed digest" sh -c \
    "[ \"digest \$(head -c -192 '$(seg 3)' | sha256sum | cut -d' ' -f1)\" = \"\$(grep '^digest ' '$(seg 3).statement')\" ]"
check "minisign -V verifies the exported signature" minisign -Vq -p b.pub -m "$(seg 3).statement"
check "minisign refuses it with another key" sh -c "! minisign -Vq -p a.pub -m '$(seg 3).statement' 2>/dev/null"
sed -i 's/^seq 3$/seq 4/' "$(seg 3).statement"
check "minisign refuses a changed statement" sh -c "! minisign -Vq -p b.pub -m '$(seg 3).statement' 2>/dev/null"
expect_code 65 jcat --export-signature --trust a.pub "$(seg 3)"

# an unsigned journal with records starts signing at its next seal, conditions respected
jappend --create cond.journal
jappend cond.journal 'SELECT 20;'
expect_code 0 jrotate --sign a.key --if-size 1G cond.journal
check "--if-size not reached: nothing sealed" test ! -s "$T/out"
expect_code 0 jrotate --sign a.key cond.journal
check "the unsigned journal is sealed unsigned" sh -c "! jcat cond.0001-000000000001.journal | grep -q 'signed by'"
jappend cond.journal 'SELECT 21;'
expect_code 64 jrotate cond.journal
expect_code 0 jrotate --sign a.key cond.journal
expect_code 0 jcat --verify --trust a.pub cond.0001-000000000002.journal

# a mixed chain: unsigned version 2 segments (an older writer), then signed version 3 ones
mk() { python3 "$JM_SRC/tests/e2e/jmseg.py" "$@"; }
d1=$(mk mix.0001-000000000001.journal --lineage 22222222222222222222222222222222 'SELECT 10;')
mk mix.journal --live --seq 2 --lsn 2 --prev "$d1" --lineage 22222222222222222222222222222222 'SELECT 11;'
jappend mix.journal 'SELECT 12;'
expect_code 0 jrotate --sign a.key mix.journal
jappend mix.journal 'SELECT 13;'
expect_code 0 jrotate --sign a.key mix.journal
m1=mix.0001-000000000001.journal m2=mix.0001-000000000002.journal m3=mix.0001-000000000003.journal
check "the version 2 segment stays version 2" sh -c "[ \"\$(od -An -tu2 -j8 -N2 $m2 | tr -d ' ')\" = 2 ]"
check "its successor is version 3" sh -c "[ \"\$(od -An -tu2 -j8 -N2 $m3 | tr -d ' ')\" = 3 ]"
expect_code 0 jcat --verify $m1 $m2 $m3 mix.journal
check "the mixed chain verifies" grep -q "$m3: ok, sealed, timeline 1, seq 3, LSN 4-4, signed by key $aid (not checked: no --trust)" "$T/out"
expect_code 65 jcat --verify --trust a.pub $m1 $m2 $m3
check "trusted keys refuse the unsigned ones" grep -q "$m2: unsigned segment: refused" "$T/err"
check "and take the signed one" grep -q "$m3: ok, sealed, .*signed by trusted key $aid" "$T/out"
finish

#!/bin/sh
# A relay chain of three (then four) with signed and encrypted segments, the middle host holding no
# secret at all (only the signer's public key: no identity, no signing key): it checks
# every signature and digest and passes the segments on byte for byte; a forgery dropped at
# it never travels on; the last host, holding the identity, applies them and equals the
# primary. Nothing of either secret, nor any record in the clear, reaches the middle host.
. ./lib.sh
command -v minisign >/dev/null || skip "minisign is not installed (tests/deps.sh)"
command -v age >/dev/null || skip "age is not installed (tests/deps.sh)"
mk() { python3 "$JM_SRC/tests/e2e/jmseg.py" "$@" >/dev/null; }
minisign -G -W -p a.pub -s a.key >/dev/null 2>&1
age-keygen -o id 2>/dev/null && age-keygen -y id >id.pub
mkdir p mid inB inC
cp a.pub mid/
jappend --create p/db.journal
jrotate --sign a.key p/db.journal
w p.db p/db.journal "create table t(id integer primary key, v text)"
for i in 1 2 3; do
	w p.db p/db.journal "insert into t(v) values('secret row $i')"
	jrotate --sign a.key --encrypt-to id.pub p/db.journal >/dev/null
	expect_code 0 jship --trust a.pub --to "file://$T/inB/" "p/$(seg $i)"
done
check "the segments are signed and encrypted" sh -c "jcat p/$(seg 2) | grep -q ', encrypted ('"
expect_code 0 jcat --verify --trust a.pub p/$(seg 1) p/$(seg 2) p/$(seg 3)
check "their signatures verify without the identity" test "$(grep -c ': ok, ' out)" -eq 3
check "no record in the clear at the middle host" sh -c "! grep -rqa 'secret row' inB mid"

# a forgery dropped into the middle host's incoming directory
d3=$(jcat "inB/$(seg 3)" | sed -n 's/.*digest \([0-9a-f]*\).*/\1/p')
lin=$(jcat "inB/$(seg 3)" | sed -n '1s/.*lineage \([0-9a-f]*\),.*/\1/p')
mk "inB/$(seg 4)" --seq 4 --lsn 5 --prev "$d3" --lineage "$lin" "delete from t"

# the middle host: jwatch --trust | jship --trust, with no secret
expect_code 65 jwatch --once --trust mid/a.pub inB
printf '%s\n' "inB/$(seg 1)" "inB/$(seg 2)" "inB/$(seg 3)" >want
sort out >got
check "jwatch --trust passes the signed encrypted segments, not the forgery" test_cmp want got
expect_code 0 jship --trust mid/a.pub --to "file://$T/inC/" $(cat got)
expect_code 65 jship --trust mid/a.pub --to "file://$T/inC/" "inB/$(seg 4)"
check "the forgery never reached the last host" test ! -e "inC/$(seg 4)"
check "relayed byte for byte" sh -c 'for i in 1 2 3; do f=db.0001-00000000000$i.journal; cmp -s p/$f inC/$f || exit 1; done'

# the last host decrypts and applies; without its identity it is refused, unchanged
expect_code 77 jintegrate --db end.db --trust a.pub --from inC
check "without the identity: refused" grep -q 'applying it needs --identity KEY' err
mkdir inD
jwatch --once inC | jintegrate --db end.db --trust a.pub --identity id |
    jship --quiet --trust a.pub --to "file://$T/inD/" >/dev/null
check "the last host equals the primary" same p.db end.db
check "and, a relay itself (jwatch | jintegrate | jship), passes them on byte for byte" \
    sh -c 'for i in 1 2 3; do f=db.0001-00000000000$i.journal; cmp -s p/$f inD/$f || exit 1; done'
check "nothing of the secrets at the middle host" sh -c "! grep -rqF \"\$(sed -n 2p a.key)\" mid inB inC && ! grep -rqF AGE-SECRET mid inB inC"
finish

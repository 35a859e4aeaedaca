#!/bin/sh
# A relay chain of three with signed segments: the primary signs, the middle host holds
# only the public key (jwatch --trust | jintegrate --trust | jship --trust), the last mirror
# trusts the same key. A forgery dropped at the middle host never travels on; what arrives
# at the end is byte for byte what the primary sealed, and every mirror equals the primary.
. ./lib.sh
command -v minisign >/dev/null || skip "minisign is not installed (tests/deps.sh)"
command -v sqlite3 >/dev/null || skip "sqlite3 command line not installed"
mk() { python3 "$JM_SRC/tests/e2e/jmseg.py" "$@" >/dev/null; }
minisign -G -W -p a.pub -s a.key >/dev/null 2>&1
mkdir p mid end inB inC
cp a.pub mid/                   # the middle host has no secret
jappend --create p/db.journal
jrotate --sign a.key p/db.journal
w p.db p/db.journal 'create table t(id integer primary key, v text)'
for i in 1 2 3; do
	w p.db p/db.journal "insert into t(v) values('row $i')"
	jrotate --sign a.key p/db.journal >/dev/null
	expect_code 0 jship --trust a.pub --to "file://$T/inB/" "p/$(seg $i)"
done
check "nothing of the secret reached the middle host" sh -c "! grep -rqF \"\$(sed -n 2p a.key)\" mid inB"

# a forgery dropped into the middle host's incoming directory
d3=$(jcat "inB/$(seg 3)" | sed -n 's/.*digest \([0-9a-f]*\).*/\1/p')
lin=$(jcat "inB/$(seg 3)" | sed -n '1s/.*lineage \([0-9a-f]*\),.*/\1/p')
mk "inB/$(seg 4)" --seq 4 --lsn 5 --prev "$d3" --lineage "$lin" "delete from t"

expect_code 65 jwatch --once --trust mid/a.pub inB
printf '%s\n' "inB/$(seg 1)" "inB/$(seg 2)" "inB/$(seg 3)" >want
sort "$T/out" >got
check "jwatch --trust prints only the signed segments" test_cmp want got
check "jwatch --trust says why it skips the forgery" grep -q "ignoring inB/$(seg 4): unsigned segment: refused" "$T/err"

jwatch --once --trust mid/a.pub inB 2>/dev/null >paths
jintegrate --db mid.db --trust mid/a.pub <paths >applied 2>mid.err
check "the middle host applies the signed segments" test "$(sqlite3 mid.db 'select seq from jmirror_state')" = 3
expect_code 0 jship --trust mid/a.pub --to "file://$T/inC/" $(cat applied)
mk bad.0001-000000000001.journal --lineage "$lin" 'delete from t'
cp bad.0001-000000000001.journal "inB/$(seg 4)"
expect_code 65 jship --trust mid/a.pub --to "file://$T/inC/" "inB/$(seg 4)"
check "jship --trust refuses the forgery" grep -q "unsigned segment: refused" "$T/err"
check "the forgery never reached the last host" test ! -e "inC/$(seg 4)"
check "relayed byte for byte" sh -c 'for i in 1 2 3; do f=db.0001-00000000000$i.journal; cmp -s p/$f inC/$f || exit 1; done'
expect_code 0 jintegrate --db end.db --trust a.pub --from inC
for m in mid end; do
	check "$m equals the primary" same p.db $m.db
done
expect_code 0 jcat --verify --trust a.pub inC/*
finish

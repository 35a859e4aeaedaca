#!/bin/sh
# jfetch --trust: a pulling mirror takes from a hub only segments signed by a key it trusts
# (an unsigned one, or one signed by another key, is refused, 65, and never published into DIR), and it
# fetches encrypted segments whole without any key, as relays do; the mirror then opens them.
. ./lib.sh
command -v minisign >/dev/null || skip "minisign is not installed (tests/deps.sh)"
command -v age-keygen >/dev/null || skip "age is not installed (tests/deps.sh)"
minisign -G -W -p a.pub -s a.key >/dev/null 2>&1
minisign -G -W -p b.pub -s b.key >/dev/null 2>&1
age-keygen -o id.key 2>/dev/null
chmod 600 id.key a.key b.key
rcpt=$(age-keygen -y id.key)
mkdir p hub in other
jappend --create p/db.journal
jrotate --sign a.key p/db.journal
jappend p/db.journal 'CREATE TABLE t(x);' 'INSERT INTO t VALUES(1);'
jrotate -q --sign a.key --encrypt-to "$rcpt" p/db.journal
jappend p/db.journal 'INSERT INTO t VALUES(2);'
jrotate -q --sign a.key --encrypt-to "$rcpt" p/db.journal
cp p/db.0001-*.journal hub/

expect_code 0 jfetch --trust a.pub "file://$T/hub/" in
check "both signed, encrypted segments fetched" test "$(wc -l <out)" -eq 2
check "byte-identical" cmp "hub/$(seg 2)" "in/$(seg 2)"
expect_code 0 jintegrate --db m.db --trust a.pub --identity id.key --from in
check "and applied with the identity" test "$(sqlite3 m.db 'select count(*) from t')" = 2

# segment 3 signed by another key, or unsigned: refused, never published into DIR
jappend p/db.journal 'INSERT INTO t VALUES(3);'
cp -a p p2
jrotate -q --sign a.key p/db.journal
jrotate -q --sign b.key p2/db.journal
cp "p/$(seg 3)" good3
rm -f hub/*
cp "p2/$(seg 3)" hub/
expect_code 65 jfetch --trust a.pub "file://$T/hub/" in
check "a segment signed by another key is refused by name" grep -q "$(seg 3)" err
check "and never published" test ! -e "in/$(seg 3)"
rm -f hub/*
mk() { python3 "$JM_SRC/tests/e2e/jmseg.py" "$@" >/dev/null; }
lineage=$(jcat "in/$(seg 2)" | sed -n '1s/.*lineage \([0-9a-f]*\),.*/\1/p')
digest=$(jcat "in/$(seg 2)" | sed -n 's/.*digest \([0-9a-f]*\).*/\1/p')
mk "hub/$(seg 3)" --seq 3 --lsn 4 --prev "$digest" --lineage "$lineage" 'DROP TABLE t;'
expect_code 65 jfetch --trust a.pub "file://$T/hub/" in
check "an unsigned segment is refused by name" grep -q "$(seg 3)" err
check "and never published into DIR" test ! -e "in/$(seg 3)"
check "nothing left behind" test -z "$(ls -A in | grep -v '^db.0001-00000000000[12].journal$' | grep -v '^\.db.journal.fetched$' | grep -v '^\.jfetch.lock$')"
cp good3 "hub/$(seg 3)"
expect_code 0 jfetch --trust a.pub "file://$T/hub/" in
check "the genuine segment then comes" cmp good3 "in/$(seg 3)"
finish

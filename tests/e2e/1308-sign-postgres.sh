#!/bin/sh
# A PostgreSQL mirror that trusts a key: the key goes into its bookkeeping (jmirror.trust) in
# the same transaction as the data, a forged segment is refused with the mirror unchanged
# even without --trust on the next run, and --untrust is the way back.
. ./lib.sh
. "$JM_SRC/tests/pg/pg.sh"
heavy
command -v minisign >/dev/null || skip "minisign is not installed (tests/deps.sh)"
mk() { python3 "$JM_SRC/tests/e2e/jmseg.py" "$@" >/dev/null; }
pg_start
pg_createdb mirror
M=$(pg_url mirror)
minisign -G -W -p a.pub -s a.key >/dev/null 2>&1
aid=$(sed -n 1p a.pub | awk '{ print $NF }')
mkdir p in
jappend --create p/db.journal
jrotate --sign a.key p/db.journal
jappend p/db.journal 'CREATE TABLE t(x int);' 'INSERT INTO t VALUES (1);'
jrotate -q --sign a.key p/db.journal
cp "p/$(seg 1)" in/
expect_code 0 jintegrate --db "$M" --trust a.pub --from in
check "the key is in the bookkeeping" test "$(psqlq mirror 'select pubkey from jmirror.trust')" = "$(sed -n 2p a.pub)"

dg=$(psqlq mirror 'select digest from jmirror.state')
lin=$(psqlq mirror 'select lineage from jmirror.state')
mk "in/$(seg 2)" --seq 2 --lsn 3 --prev "$dg" --lineage "$lin" 'DROP TABLE t;'
expect_code 65 jintegrate --db "$M" --from in
check "forged: the message" grep -q "in/$(seg 2): unsigned segment: refused" "$T/err"
check "forged: the mirror is unchanged" test "$(psqlq mirror 'select seq, last_lsn from jmirror.state; select count(*) from t')" = "1|2
1"
jappend p/db.journal 'INSERT INTO t VALUES (2);'
jrotate -q --sign a.key p/db.journal
cp "p/$(seg 2)" in/
expect_code 0 jintegrate --db "$M" --from in
check "the genuine segment is applied" test "$(psqlq mirror 'select count(*) from t')" = 2
expect_code 0 jintegrate --db "$M" --untrust "$aid"
check "--untrust: the key is gone" test "$(psqlq mirror 'select count(*) from jmirror.trust')" = 0
finish

#!/bin/sh
# A mirror that trusts a key: forgery by someone who can read and write its incoming
# directory (a valid-looking next segment), or only write it (a seq 1 of a made-up lineage),
# a segment signed by another key, a signature moved from another segment, replay, a
# downgrade to unsigned once trusted, key rotation and --untrust. Every refusal is exit 65,
# leaves the mirror unchanged, and the genuine segment is applied afterwards.
. ./lib.sh
command -v minisign >/dev/null || skip "minisign is not installed (tests/deps.sh)"
mkkey() { minisign -G -W -p "$1.pub" -s "$1.key" >/dev/null 2>&1; }
mk() { python3 "$JM_SRC/tests/e2e/jmseg.py" "$@" >/dev/null; }
is_at() { [ "$(mirror_at)" = "$1" ]; }
mkkey a
mkkey b
aid=$(sed -n 1p a.pub | awk '{ print $NF }')
bid=$(sed -n 1p b.pub | awk '{ print $NF }')
mkdir p in
jappend --create p/db.journal
jrotate --sign a.key p/db.journal
sqlite3 src.db 'CREATE TABLE t(x);'
w src.db p/db.journal 'CREATE TABLE IF NOT EXISTS t(x);' 'INSERT INTO t VALUES(1);'
jrotate --sign a.key p/db.journal >/dev/null
w src.db p/db.journal 'INSERT INTO t VALUES(2);'
jrotate --sign a.key p/db.journal >/dev/null
w src.db p/db.journal 'INSERT INTO t VALUES(3);'
jrotate --sign a.key p/db.journal >/dev/null
cp -a p fork                    # what a thief of the journal directory would hold later
cp "p/$(seg 1)" "p/$(seg 2)" in/
expect_code 0 jintegrate --db m.db --trust a.pub --from in
check "the mirror is at seq 2" is_at '2|3'
check "the trusted key is in the bookkeeping" sh -c "[ \"\$(sqlite3 m.db 'select pubkey from jmirror_trust')\" = \"\$(sed -n 2p a.pub)\" ]"
at() { sqlite3 m.db 'select seq, last_lsn from jmirror_state; select x from t'; }
at >before

# read-write access: the next segment, made from what the newest one says
lineage=$(jcat "in/$(seg 2)" | sed -n '1s/.*lineage \([0-9a-f]*\),.*/\1/p')
digest=$(jcat "in/$(seg 2)" | sed -n 's/.*digest \([0-9a-f]*\).*/\1/p')
mk "in/$(seg 3)" --seq 3 --lsn 4 --prev "$digest" --lineage "$lineage" 'DROP TABLE t;'
expect_code 0 jcat --verify "in/$(seg 1)" "in/$(seg 2)" "in/$(seg 3)"
expect_code 65 jintegrate --db m.db --trust a.pub --from in
check "forged next segment: the message" grep -q "^jintegrate: in/$(seg 3): unsigned segment: refused (only signed segments are trusted): set aside as in/.quarantine/$(seg 3)" "$T/err"
at >now
check "forged next segment: the mirror is unchanged" test_cmp before now
cp "p/$(seg 3)" in/
expect_code 0 jintegrate --db m.db --trust a.pub --from in
check "the genuine segment 3 is applied after it" is_at '3|4'
at >before

# no downgrade: without --trust, the mirror still wants signatures
mk "in/$(seg 4)" --seq 4 --lsn 5 --prev "$(jcat "p/$(seg 3)" | sed -n 's/.*digest \([0-9a-f]*\).*/\1/p')" \
    --lineage "$lineage" 'DROP TABLE t;'
expect_code 65 jintegrate --db m.db --from in
check "downgrade: the message" grep -q "in/$(seg 4): unsigned segment: refused" "$T/err"
at >now
check "downgrade: the mirror is unchanged" test_cmp before now

# a forgery never runs, not even in a transaction rolled back afterwards: an endless query
mk "in/$(seg 4)" --seq 4 --lsn 5 --prev "$(jcat "p/$(seg 3)" | sed -n 's/.*digest \([0-9a-f]*\).*/\1/p')" \
    --lineage "$lineage" 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c;'
expect_code 65 timeout -s KILL 30 jintegrate --db m.db --from in
check "an endless forged query: refused before it runs" grep -q "in/$(seg 4): unsigned segment: refused" "$T/err"

# another key: the thief's copy of the journal continued and signed with the thief's key
jappend fork/db.journal 'DROP TABLE t;'
jrotate --sign b.key fork/db.journal >/dev/null
w src.db p/db.journal 'INSERT INTO t VALUES(4);'
jrotate --sign a.key p/db.journal >/dev/null
cp "fork/$(seg 4)" in/
expect_code 65 jintegrate --db m.db --from in
check "another key: the message" grep -q "in/$(seg 4): signed by key $bid, which is not trusted: refused" "$T/err"
at >now
check "another key: the mirror is unchanged" test_cmp before now

# a signature moved: segment 4's body under segment 3's signature block
head -c -160 "p/$(seg 4)" >"in/$(seg 4)"
tail -c 160 "p/$(seg 3)" >>"in/$(seg 4)"
expect_code 65 jintegrate --db m.db --from in
check "moved signature: the message" grep -q "in/$(seg 4): signature by key $aid does not verify: forged, or not this segment's: refused" "$T/err"
at >now
check "moved signature: the mirror is unchanged" test_cmp before now
cp "p/$(seg 4)" in/
expect_code 0 jintegrate --db m.db --from in
check "the genuine segment 4 is applied" is_at '4|5'
at >before

# replay: an old signed segment again, and another journal's segment signed by the same key
cp "p/$(seg 2)" in/
expect_code 0 jintegrate --db m.db --from in
at >now
check "replay of an applied segment: nothing applied twice" test_cmp before now
mkdir other
jappend --create other/db.journal
jrotate --sign a.key other/db.journal
for i in 1 2 3 4 5; do jappend other/db.journal 'DROP TABLE t;'; jrotate --sign a.key other/db.journal >/dev/null; done
cp "other/$(seg 5)" in/
expect_code 65 jintegrate --db m.db --from in
check "replay from another lineage: refused" grep -q "in/$(seg 5): .*lineage" "$T/err"
at >now
check "replay from another lineage: the mirror is unchanged" test_cmp before now

# write-only access to a new mirror's incoming: a seq 1 of a made-up lineage
mkdir in2
mk "in2/$(seg 1)" --lineage 99999999999999999999999999999999 'CREATE TABLE evil(x);'
expect_code 65 jintegrate --db n.db --trust a.pub --from in2
check "forged first segment: the message" grep -q "in2/$(seg 1): unsigned segment: refused" "$T/err"
check "forged first segment: nothing adopted" sh -c "[ -z \"\$(sqlite3 n.db \"select name from sqlite_master where name in ('evil', 'jmirror_state')\")\" ]"
cp "p/$(seg 1)" in2/
expect_code 0 jintegrate --db n.db --trust a.pub --from in2
check "the genuine lineage is adopted" sh -c "[ \"\$(sqlite3 n.db 'select lineage from jmirror_state')\" = $lineage ]"

# key rotation: trust b as well, take b's segments; --untrust a, and a's are refused
w src.db p/db.journal 'INSERT INTO t VALUES(5);'
jrotate --sign b.key p/db.journal >/dev/null
cp "p/$(seg 5)" in/
expect_code 65 jintegrate --db m.db --from in
check "before b is trusted: refused" grep -q "signed by key $bid, which is not trusted" "$T/err"
cp "p/$(seg 5)" in/
expect_code 0 jintegrate --db m.db --trust b.pub --from in
check "after --trust b: applied" is_at '5|6'
check "both keys in the bookkeeping" sh -c "[ \"\$(sqlite3 m.db 'select count(*) from jmirror_trust')\" = 2 ]"
expect_code 0 jintegrate --db m.db --untrust "$aid"
check "--untrust: said" grep -q "^jintegrate: m.db: key $aid is no longer trusted\$" "$T/err"
check "--untrust: one key left" sh -c "[ \"\$(sqlite3 m.db 'select pubkey from jmirror_trust')\" = \"\$(sed -n 2p b.pub)\" ]"
w src.db p/db.journal 'INSERT INTO t VALUES(6);'
jrotate --sign a.key p/db.journal >/dev/null
cp "p/$(seg 6)" in/
expect_code 65 jintegrate --db m.db --from in
check "a's segment after --untrust a: refused" grep -q "signed by key $aid, which is not trusted" "$T/err"
expect_code 0 jintegrate --db m.db --untrust b.pub
check "--untrust of the last key: said" grep -q "key $bid is no longer trusted: the mirror takes unsigned segments again" "$T/err"
cp "p/$(seg 6)" in/
expect_code 0 jintegrate --db m.db --from in
check "no key trusted: applied" is_at '6|7'
sqlite3 src.db 'select x from t' >want
sqlite3 m.db 'select x from t' >got
check "the mirror holds what the primary holds" test_cmp want got
finish

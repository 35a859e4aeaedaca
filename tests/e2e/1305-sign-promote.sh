#!/bin/sh
# A planned switch-over of a signed journal: the standby has its own key, which the
# mirror-mirror trusts beforehand (the runbook's order). jpromote refuses to start an
# unsigned timeline on a mirror that trusts keys, and with --sign starts a signed one; the
# mirror-mirror follows the new timeline, and one that trusts only the old key refuses it.
. ./lib.sh
command -v minisign >/dev/null || skip "minisign is not installed (tests/deps.sh)"
command -v sqlite3 >/dev/null || skip "sqlite3 command line not installed"
mkkey() { minisign -G -W -p "$1.pub" -s "$1.key" >/dev/null 2>&1; }
mkkey a
mkkey s
sid=$(sed -n 1p s.pub | awk '{ print $NF }')
mkdir p m inm inmm inold
relay() { jintegrate --db m.db --trust a.pub --from inm >applied && for f in $(cat applied); do cp "$f" inmm/; cp "$f" inold/; done; }

jappend --create p/db.journal
jrotate --sign a.key p/db.journal
w p.db p/db.journal "create table t(id integer primary key, v text)" "insert into t(v) values('one')"
jrotate --sign a.key p/db.journal >/dev/null
w p.db p/db.journal "insert into t(v) values('two')"
jrotate --final --sign a.key p/db.journal >/dev/null
cp p/db.0001-*.journal inm/
relay
expect_code 0 jintegrate --db mm.db --trust a.pub --trust "$(sed -n 2p s.pub)" --from inmm
expect_code 0 jintegrate --db old.db --trust a.pub --from inold

expect_code 64 jpromote --db m.db --journal m/db.journal
check "without --sign: the message" grep -q "m.db trusts signed segments only, and so will its downstream mirrors: promote with --sign KEY" "$T/err"
check "without --sign: no live journal" test ! -e m/db.journal
expect_code 0 jpromote --sign s.key --db m.db --journal m/db.journal
w m.db m/db.journal "insert into t(v) values('three')"
expect_code 64 jrotate m/db.journal
check "the new live journal is signed by the standby's key" grep -q "m/db.journal is signed by key $sid" "$T/err"
expect_code 0 jrotate --sign s.key m/db.journal
cp m/db.0002-000000000003.journal inmm/
cp m/db.0002-000000000003.journal inold/
expect_code 0 jintegrate --db mm.db --from inmm
check "the mirror-mirror follows the new timeline" test "$(sqlite3 mm.db 'select timeline, seq from jmirror_state')" = "2|3"
check "the mirror-mirror equals the new primary" same m.db mm.db
expect_code 65 jintegrate --db old.db --from inold
check "a mirror that trusts only the old key refuses the new timeline" grep -q "signed by key $sid, which is not trusted: refused" "$T/err"
finish

#!/bin/sh
# The switch back after an encrypting final rotation: the new primary's journal is closed by
# jrotate --final --encrypt-to, whose segment is published encrypted while the live name
# keeps the sealed plaintext; the seed jbackup --journal makes records the digest of the
# segment as published, so that the old primary, rebuilt from it, chains to what every
# mirror applied.
. ./lib.sh
command -v sqlite3 >/dev/null || skip "sqlite3 command line not installed"
command -v age >/dev/null || skip "age is not installed (tests/deps.sh installs it)"
age-keygen -o key 2>/dev/null && age-keygen -y key >key.pub
mkdir p inm m
jappend --create p/db.journal
w p.db p/db.journal "create table t(id integer primary key, v text)" "insert into t(v) values('a')"
jrotate -q --encrypt-to key.pub p/db.journal
w p.db p/db.journal "insert into t(v) values('b')"
jrotate -q --final p/db.journal
expect_code 0 jintegrate --db m.db --identity key p/$(seg 1) p/$(seg 2)
expect_code 0 jpromote --db m.db --journal m/db.journal
w m.db m/db.journal "insert into t(v) values('on m')"
expect_code 0 jrotate --final --encrypt-to key.pub m/db.journal
final=$(cat out)
check "the final segment of timeline 2 is encrypted" sh -c "jcat $final | grep -q ', encrypted ('"
expect_code 0 jbackup --db m.db --journal m/db.journal -o sb.tar.zst
expect_code 0 jbackup --restore sb.tar.zst --db x.db
want=$(jcat --json "$final" | sed -n 's/.*"kind":"trailer".*"digest":"\([0-9a-f]*\)".*/\1/p')
got=$(sqlite3 x.db "select digest from jmirror_state")
check "the seed names the published (encrypted) segment's digest" test "$got" = "$want"
check "no .enc left beside a closed journal" test ! -e m/.db.journal.enc
finish

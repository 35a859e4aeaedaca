#!/bin/sh
# A long-running jintegrate --remove (no --sync) reaches a durable point, and a reader
# opens and closes the mirror (sqlite3, a monitoring check): the segments applied after
# that must reach the database. (The durable point once opened and closed the database
# file itself, which dropped the applier's SQLite locks: the reader then took itself for
# the last connection, checkpointed and deleted the WAL, and the applier's next commits
# went into the deleted file, while --remove took their segments away.)
. ./lib.sh
command -v sqlite3 >/dev/null || skip "sqlite3 command line not installed"

mkdir p in
jappend --create p/db.journal
jappend p/db.journal "create table t(id integer primary key, v text)"
jrotate -q p/db.journal
jappend p/db.journal "insert into t(v) values('one')"
jrotate -q p/db.journal
jappend p/db.journal "insert into t(v) values('two')"
jrotate -q p/db.journal
mkfifo paths
jintegrate --db m.db --remove <paths >applied 2>integrate.err &
pid=$!
exec 3>paths
at_exit "kill $pid 2>/dev/null"
at() { [ "$(sqlite3 m.db 'select seq from jmirror_state' 2>/dev/null)" = "$1" ]; }
gone() { [ ! -e "in/$(seg "$1")" ]; }

cp "p/$(seg 1)" in/
echo "$T/in/$(seg 1)" >&3
check "the first segment is applied" wait_for at 1
check "and removed at the durable point" wait_for gone 1
# a reader comes and goes (the last connection to close a WAL database checkpoints it
# and deletes the WAL, unless another connection holds its lock)
check "a reader sees the mirror" at 1
cp "p/$(seg 2)" "p/$(seg 3)" in/
echo "$T/in/$(seg 2)" >&3
check "the second segment is applied" wait_for at 2
check "and removed" wait_for gone 2
check "a reader sees the mirror" at 2
echo "$T/in/$(seg 3)" >&3
check "the third segment is applied" wait_for at 3
check "and removed" wait_for gone 3
exec 3>&-
expect_code 0 wait $pid
check "the mirror holds every row" test "$(sqlite3 m.db 'select group_concat(v) from t')" = "one,two"
finish

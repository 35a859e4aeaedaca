#!/bin/sh
# jintegrate --exec with --trust: the trusted key goes into the exec applier's state file
# with its progress, a forged segment never reaches the command (the first pass checks the
# signature before it runs), the next run without --trust still refuses unsigned segments,
# and --untrust alone changes only the state file. Also --delay, which commits per record.
. ./lib.sh
command -v minisign >/dev/null || skip "minisign is not installed (tests/deps.sh)"
mk() { python3 "$JM_SRC/tests/e2e/jmseg.py" "$@" >/dev/null; }
minisign -G -W -p a.pub -s a.key >/dev/null 2>&1
aid=$(sed -n 1p a.pub | awk '{ print $NF }')
mkdir p in
jappend --create p/db.journal
jrotate --sign a.key p/db.journal
jappend p/db.journal 'CREATE TABLE t(x);' 'INSERT INTO t VALUES(1);'
jrotate --sign a.key p/db.journal >/dev/null
cp "p/$(seg 1)" in/
expect_code 0 jintegrate --db x --exec 'cat >>got.sql' --trust a.pub --from in
check "the key is in the state file" grep -qx "trust $(sed -n 2p a.pub)" .x.state
check "the command ran" test "$(wc -l <got.sql)" -eq 2

lin=$(sed -n 's/^lineage //p' .x.state)
dg=$(sed -n 's/^digest //p' .x.state)
mk "in/$(seg 2)" --seq 2 --lsn 3 --prev "$dg" --lineage "$lin" 'DROP TABLE t;'
cp .x.state before
expect_code 65 jintegrate --db x --exec 'cat >>got.sql' --from in
check "forged: the message" grep -q "in/$(seg 2): unsigned segment: refused" "$T/err"
check "forged: the command never saw it" test "$(wc -l <got.sql)" -eq 2
check "forged: the state is unchanged" cmp -s before .x.state

jappend p/db.journal 'INSERT INTO t VALUES(2);'
jrotate --sign a.key p/db.journal >/dev/null
cp "p/$(seg 2)" in/
expect_code 0 jintegrate --db x --exec 'cat >>got.sql' --from in
check "the genuine segment reaches the command" test "$(tail -1 got.sql)" = 'INSERT INTO t VALUES(2);'

# --delay commits record by record: it too checks the signature before the first one
jappend p/db.journal 'INSERT INTO t VALUES(3);'
jrotate --sign a.key p/db.journal >/dev/null
sqlite3 d.db 'select 1' >/dev/null
expect_code 0 jintegrate --db d.db --trust a.pub --delay 1ms "p/$(seg 1)" "p/$(seg 2)"
dg=$(sqlite3 d.db 'select digest from jmirror_state')
mk "in/$(seg 3)" --seq 3 --lsn 4 --prev "$dg" --lineage "$lin" 'DROP TABLE t;'
expect_code 65 jintegrate --db d.db --delay 1ms --from in
check "--delay: forged segment refused" grep -q "in/$(seg 3): unsigned segment: refused" "$T/err"
check "--delay: nothing of it applied" test "$(sqlite3 d.db 'select count(*) from t')" -eq 2

expect_code 0 jintegrate --db x --exec 'cat >>got.sql' --untrust a.pub </dev/null
check "--untrust: said" grep -q "key $aid is no longer trusted: the mirror takes unsigned segments again" "$T/err"
check "--untrust: gone from the state file" sh -c '! grep -q "^trust " .x.state'
finish

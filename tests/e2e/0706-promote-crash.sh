#!/bin/sh
# jpromote stopped by SIGKILL between each of its steps (JM_TEST_CRASH): the database is
# still a mirror (integration may go on), and running jpromote again completes the
# promotion: the closing segment holds the live copy's records, the new journal follows it.
. ./lib.sh
command -v sqlite3 >/dev/null || skip "sqlite3 command line not installed"

setup() { # setup DIR: a mirror that applied two segments and a copy of the live journal
	mkdir "$1" && cd "$1" || exit 1
	mkdir p in
	jappend --create p/db.journal
	jappend p/db.journal "create table t(x)" "insert into t values(1)"
	jrotate p/db.journal >/dev/null
	jappend p/db.journal "insert into t values(2)"
	jrotate p/db.journal >/dev/null
	jappend p/db.journal "insert into t values(3)" "insert into t values(4)"
	cp p/db.0001-*.journal p/db.journal in/
	jintegrate --db m.db --from in >/dev/null && jintegrate --db m.db in/db.journal >/dev/null
	cd "$T" || exit 1
}

for step in promote-tmp promote-closing promote-live; do
	setup "$step"
	cd "$step" || exit 1
	mkdir n
	expect_code 137 env JM_TEST_CRASH=$step jpromote --force --live in/db.journal --db m.db --journal n/db.journal
	check "$step: still a mirror" test "$(sqlite3 m.db 'select role from jmirror_state')" = mirror
	expect_code 0 jintegrate --db m.db --from in
	expect_code 0 jpromote --force --live in/db.journal --db m.db --journal n/db.journal
	check "$step: operational after the rerun" test "$(sqlite3 m.db 'select role, seq, last_lsn, sealed from jmirror_state')" = "operational|3|5|1"
	check "$step: closing segment verifies" sh -c "jcat --verify in/db.0001-000000000001.journal in/db.0001-000000000002.journal n/db.0001-000000000003.journal n/db.journal >/dev/null"
	check "$step: the closing segment holds the live copy's records" sh -c "jcat n/db.0001-000000000003.journal | grep '^[0-9]' >a; jcat in/db.journal | grep '^[0-9]' >b; test -s a && cmp -s a b"
	check "$step: new journal continues the closing segment" sh -c "jcat --verify n/db.0001-000000000003.journal n/db.journal | grep -qx 'timeline 1 -> 2 at seq 4 (LSN 6)'"
	check "$step: no temporary left but the killed one's" test "$(ls -A n | grep -c '\.tmp\.')" -le 1
	cd "$T" || exit 1
done
finish

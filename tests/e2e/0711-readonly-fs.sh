#!/bin/sh
# A read-only file system is a documented code: 73 ("cannot be created", jmirror(7)) from
# jappend, jrotate and jintegrate, whose pages say so; before, jappend and jrotate said 73
# without their pages knowing it, or 74.
. ./lib.sh
[ "$(id -u)" -eq 0 ] || skip "needs root to mount a tmpfs"
mkdir ro
mount -t tmpfs -o size=4m tmpfs ro 2>/dev/null || skip "cannot mount a tmpfs here"
at_exit "umount '$T/ro'"
jappend --create ro/db.journal
jappend ro/db.journal "create table t(v)" "insert into t values(1)"
jrotate ro/db.journal >/dev/null
mount -o remount,ro ro || skip "cannot remount read-only"
expect_code 73 jappend ro/db.journal "insert into t values(2)"
check "jappend says read-only" grep -q "Read-only file system" err
expect_code 73 jrotate ro/db.journal
check "jrotate says read-only" grep -q "Read-only file system" err
expect_code 73 jintegrate --db ro/m.db ro/db.0001-000000000001.journal
for page in jappend jrotate jintegrate; do
	check "$page.1 documents 73 for a read-only file system" \
		sh -c "awk '/^\.It 73/ { p = 1; next } /^\.It/ { p = 0 } p' '$JM_SRC/man/$page.1' | tr '\n' ' ' | grep -q 'read-only'"
done
finish

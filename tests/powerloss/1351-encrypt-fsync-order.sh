#!/bin/sh
# The order of file-system calls LazyFS cannot see, for an encrypting rotation: the
# encrypted segment (.NAME.journal.enc) and the remembered recipients are fsynced before
# they are linked or renamed into place, and their directory after, before jrotate prints
# the segment (tests/tools/fsync-order, under strace).
. "$(dirname "$0")/../e2e/lib.sh"
command -v strace >/dev/null || skip "no strace (tests/deps.sh installs it)"
command -v age-keygen >/dev/null || skip "age is not installed (tests/deps.sh)"
FO="python3 $JM_SRC/tests/tools/fsync-order"
age-keygen -o key 2>/dev/null && age-keygen -y key >key.pub

run() { # WHAT CMD...
	_w=$1; shift
	$FO -v -- "$@" >"$T/out" 2>"$T/err"
	_rc=$?
	_c=$(sed -n 's/^fsync-order: \([0-9]*\) publishes checked$/\1/p' "$T/err" | tail -n 1)
	if [ "$_rc" -eq 0 ] && [ "${_c:-0}" -gt 0 ]; then
		ok "$_w: $_c publishes in order"
	else
		fail "$_w (exit $_rc, ${_c:-0} publishes)"
		grep -v '^fsync-order: checked' "$T/err" | head -5 | sed 's/^/    /'
	fi
}
D=$T/d
mkdir d
jappend --create "$D/db.journal"
jappend --sync "$D/db.journal" "CREATE TABLE t(a)" "INSERT INTO t VALUES(1)"
run "jrotate --encrypt-to" jrotate --encrypt-to "$T/key.pub" "$D/db.journal"
jappend --sync "$D/db.journal" "INSERT INTO t VALUES(2)"
run "jrotate, remembered recipients, --compress" jrotate --compress zstd "$D/db.journal"
jappend --sync "$D/db.journal" "INSERT INTO t VALUES(3)"
run "jrotate --final --encrypt-to" jrotate --final --encrypt-to "$T/key.pub" "$D/db.journal"
check "three encrypted segments" test "$(ls "$D" | grep -c '^db\.0001-')" -eq 3
finish

#!/bin/sh
# The order of file-system calls that LazyFS cannot see (it sends renames and links to the disk
# at once): every file a tool publishes by rename or link was fsynced before, and its directory
# after, before the tool reports success (tests/tools/fsync-order, under strace). Runs without
# LazyFS: it checks the calls, not a mount.
. "$(dirname "$0")/../e2e/lib.sh"
command -v strace >/dev/null || skip "no strace (tests/deps.sh installs it)"
FO="python3 $JM_SRC/tests/tools/fsync-order"

# The checker itself: each kind of mistake is caught.
cat > pub.py <<'EOF'
import os, sys
mode, d = sys.argv[1], sys.argv[2]
fd = os.open(d + "/.tmp", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o640)
os.write(fd, b"data")
if mode != "nosync":
    os.fsync(fd)
os.close(fd)
os.rename(d + "/.tmp", d + "/file")
if mode == "late":
    print(d + "/file", flush=True)
if mode != "nodir":
    dfd = os.open(d, os.O_RDONLY | os.O_DIRECTORY)
    os.fsync(dfd)
    os.close(dfd)
EOF
mkdir p
expect_code 0 $FO -- python3 pub.py good "$T/p"
expect_code 1 $FO -- python3 pub.py nosync "$T/p"
check "a rename before the data's fsync is caught" grep -q "renamed before its data was synced" err
expect_code 1 $FO -- python3 pub.py nodir "$T/p"
check "a missing directory fsync is caught" grep -q "was not synced before exiting" err
expect_code 1 $FO -- python3 pub.py late "$T/p"
check "a report before the directory fsync is caught" \
	grep -q "was not synced before reporting on standard output" err

# The tools. Each line: what, then the command; every publish must be in order.
n=0
run() { # WHAT CMD...
	_w=$1; shift
	$FO -v -- "$@" >"$T/out" 2>"$T/err"
	_rc=$?
	_c=$(sed -n 's/^fsync-order: \([0-9]*\) publishes checked$/\1/p' "$T/err" | tail -n 1)
	n=$((n + ${_c:-0}))
	if [ "$_rc" -eq 0 ] && [ "${_c:-0}" -gt 0 ]; then
		ok "$_w: $_c publishes in order"
	else
		fail "$_w (exit $_rc, ${_c:-0} publishes)"
		grep -v '^fsync-order: checked' "$T/err" | head -5 | sed 's/^/    /'
	fi
}
D=$T/d
mkdir d in arch nd inc
run "jappend --create" jappend --create "$D/db.journal"
jappend --sync "$D/db.journal" "CREATE TABLE t(a)" "INSERT INTO t VALUES(1)"
run "jappend --sync after a torn tail" sh -c "printf 'torn' >> '$D/db.journal' &&
	jappend --sync '$D/db.journal' 'INSERT INTO t VALUES(2)' && jrotate '$D/db.journal'"
jappend --sync "$D/db.journal" "INSERT INTO t VALUES(3)"
run "jrotate" jrotate "$D/db.journal"
jappend --sync "$D/db.journal" "INSERT INTO t VALUES(4)"
run "jrotate --every" sh -c "jrotate --every 10ms '$D/db.journal' > '$T/every' & p=\$!
	while [ ! -s '$T/every' ]; do sleep 0.01; done; kill \$p; wait \$p"
run "jship file://" jship --to "file://$T/in/" "$D"/db.0001-*.journal
run "jship --from file://" sh -c "jappend '$D/db.journal' 'INSERT INTO t VALUES(5)' &&
	jrotate -q '$D/db.journal' && jship --from '$D' --to 'file://$T/in/'"
jappend --sync "$D/db.journal" "INSERT INTO t VALUES(6)"
cp "$D/db.journal" inc/
run "jrotate --final" jrotate --final "$D/db.journal"
jship -q --from "$D" --to "file://$T/in/" >/dev/null
run "jintegrate --archive" jintegrate --db "$T/m.db" --archive "$T/arch" "$T"/in/db.0001-*.journal
run "jbackup" jbackup --db "$T/m.db" -o "$T/b.tar.zst"
run "jbackup --restore" jbackup --restore "$T/b.tar.zst" --db "$T/r.db"
run "jpromote" jpromote --db "$T/m.db" --journal "$T/nd/db.journal"
# A promotion that seals the closing segment from a copied live journal.
mkdir nd2
jintegrate --db "$T/m2.db" "$T"/arch/db.0001-00000000000[1234].journal "$T/inc/db.journal" \
	>/dev/null || fail "jintegrate of a live journal copy"
run "jpromote --force --live (closing segment)" jpromote --force --db "$T/m2.db" --live "$T/inc/db.journal" \
	--journal "$T/nd2/db.journal"
echo "  $n publishes checked"
finish

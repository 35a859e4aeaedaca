#!/bin/sh
# jintegrate --archive DIR on another file system that fills up: the copy fails with 74,
# nothing is left in DIR (no partial temporary), the segment stays where it was and is not
# printed; once there is room, the next run archives it (found applied) and prints it.
. ./lib.sh
command -v sqlite3 >/dev/null || skip "sqlite3 command line not installed"

mkdir in arch
mount -t tmpfs -o size=64k tmpfs arch 2>/dev/null || skip "cannot mount a small tmpfs (needs root)"
at_exit "umount '$T/arch'"
jmgen -r 40 -b 4000 in 1 >paths 2>/dev/null
seg=$(cat paths)
check "the segment is larger than the archive" test "$(stat -c %s "$seg")" -gt 65536
expect_code 74 jintegrate --db m.db --archive arch "$seg"
check "says why" grep -q "unable to copy $seg to .*No space left on device" err
check "no partial temporary left in the archive" test -z "$(ls -A arch)"
check "the segment is still in place" test -f "$seg"
check "not printed" test ! -s out
check "applied (the archive comes after the commit)" test "$(sqlite3 m.db 'select last_lsn from jmirror_state')" = 40

umount arch
mount -t tmpfs -o size=4m tmpfs arch
cp "$seg" orig
expect_code 0 jintegrate --db m.db --archive arch "$seg"
check "archived and printed once there is room" test "$(cat out)" = "arch/$(basename "$seg")"
check "the archive holds it whole" cmp -s orig "arch/$(basename "$seg")"
check "and only it" test "$(ls -A arch)" = "$(basename "$seg")"
check "the original is gone" test ! -e "$seg"
finish

#!/bin/sh
# The power-loss mount survives a file that is used after it was unlinked (a process still
# writing a temporary another one removed, as a run of jfetch after a cut removes the
# temporaries of the run that was cut): write, sync and read it back, and the mount is
# still there, with what was synced before. (What such a file held in LazyFS's cache
# before the unlink is not read back: it is gone with the name, as after a crash; and
# libfuse answers a stat of it with ESTALE.) Upstream LazyFS with hard_remove died
# at the first write (see lazyfs-hard-remove.patch).
. "$(dirname "$0")/lib.sh"
lz_start
printf 'kept\n' >"$MNT/kept"
python3 -c 'import os,sys; fd=os.open(sys.argv[1], os.O_RDONLY); os.fsync(fd)' "$MNT/kept"
python3 - "$MNT" >out 2>&1 <<'PY'
import os, sys
m = sys.argv[1]
fd = os.open(m + "/gone", os.O_RDWR | os.O_CREAT, 0o600)
os.write(fd, b"hello")
os.unlink(m + "/gone")
os.pwrite(fd, b"world", 5)
os.fsync(fd)
os.fdatasync(fd)
print(os.pread(fd, 5, 5).decode())
os.close(fd)
PY
check "an unlinked file is written, synced and read" \
    test "$(tr '\n' ' ' <out)" = "world "
check "the mount is still there" test "$(cat "$MNT/kept")" = kept
check "and the unlinked file is gone" test ! -e "$MNT/gone"
lz_crash
check "what was synced survives a crash" grep -qx kept "$ROOT/kept"
finish

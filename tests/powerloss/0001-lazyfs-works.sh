#!/bin/sh
# The power-loss mount itself: what was fsynced survives a crash, what was not is gone.
# Every other test in this directory depends on both halves.
. "$(dirname "$0")/lib.sh"
lz_start
printf 'synced\n' > "$MNT/a"
python3 -c 'import os,sys; fd=os.open(sys.argv[1], os.O_RDWR); os.fsync(fd)' "$MNT/a"
printf 'unsynced\n' > "$MNT/b"
lz_crash
check "fsynced data survives a crash" grep -qx synced "$ROOT/a"
if [ -s "$ROOT/b" ]; then fail "unsynced data survived a crash"; else ok "unsynced data is lost"; fi
finish

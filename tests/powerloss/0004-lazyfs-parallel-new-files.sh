#!/bin/sh
# The power-loss mount survives threads that sync their new files while other new files
# keep coming (jfetch: workers write and sync temporaries, getattr and create add files).
# Upstream LazyFS looked up a file's lock in a hash table without the lock that guards it,
# while another thread added a file to it; caught while the table grew (rehashed), the
# lookup found nothing or the next file's lock: LazyFS died unlocking a NULL lock
# (0070 failed 1 run in 15: "Software caused connection abort"), or unlocked another file's
# lock and hung (see lazyfs-hard-remove.patch). A race: each round, on a fresh mount (a
# fresh table), grows the table past 1109 files while 6 threads create, write and fsync;
# upstream LazyFS died or hung in about 1 round in 10 here, more on a loaded machine.
# LazyFS keeps ~240 KiB per file it has seen: the table is kept small (~1500 files).
LAZYFS_CACHE_SIZE=${LAZYFS_CACHE_SIZE:-8mb}
. "$(dirname "$0")/lib.sh"

cat >load.py <<'PY'
import os, sys, threading
root, mnt, n, k = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
stop = False
errors = []
def syncer(t):
    try:
        i = 0
        while not stop:
            p = "%s/fresh/s%d-%05d" % (mnt, t, i)
            fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            os.write(fd, b"%s\n" % p.encode())
            os.fsync(fd)
            os.close(fd)
            i += 1
    except OSError as e:
        errors.append("syncer %d: %s" % (t, e))
ts = [threading.Thread(target=syncer, args=(t,)) for t in range(k)]
for t in ts:
    t.start()
try:
    for i in range(n):  # a getattr adds each to LazyFS's table
        os.stat("%s/many/f%05d" % (mnt, i))
except OSError as e:
    errors.append("stat: %s" % e)
stop = True
for t in ts:
    t.join()
print("\n".join(errors) if errors else "ok")
PY

rounds=$(pl_rounds 30)
N=1150
died=0 hung=0 r=0
while [ $r -lt "$rounds" ]; do
	r=$((r + 1))
	# the files to stat are made behind LazyFS's back, only to be quick
	rm -rf "$ROOT"
	mkdir -p "$ROOT/many" "$ROOT/fresh"
	python3 -c 'import os, sys
for i in range(int(sys.argv[2])): open("%s/f%05d" % (sys.argv[1], i), "w").close()' "$ROOT/many" $N
	lz_start
	python3 load.py "$ROOT" "$MNT" $N 6 >out 2>&1 &
	pid=$!
	i=0
	while ! ended $pid && [ $i -lt 600 ]; do i=$((i + 1)); sleep 0.1; done
	if ! ended $pid; then
		hung=$((hung + 1))
		echo "    round $r: LazyFS hung"
		lz_crash $pid
		wait $pid
		continue
	fi
	wait $pid
	if [ "$(cat out)" != ok ] || ! [ -d "$MNT/fresh" ]; then
		died=$((died + 1))
		echo "    round $r: $(head -n 1 out)"
	fi
	lz_cut
done
check "LazyFS neither died nor hung in $rounds rounds ($died died, $hung hung)" \
	[ $((died + hung)) -eq 0 ]
finish

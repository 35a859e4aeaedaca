# Sourced by every tests/powerloss/NNNN-topic.sh after nothing else: the e2e helpers (ok, fail,
# expect_code, finish, ...) plus a LazyFS mount that loses every unsynced byte on a crash,
# exactly like a power cut (../shared/tools/lazyfs, built into the build directory by
# `make lazyfs`).
#   lz_start            mount $MNT (what the tools write to), backed by $ROOT
#   lz_crash            power cut: drop every unsynced byte, unmount; $ROOT holds what survived
#   lz_stop             clean unmount (everything written back)
#   lz_fault 'lazyfs::...'   arm a fault (crash before/after an operation, torn-op, ...)
#   lz_wait_down        wait until a fault's crash has taken the mount down
# Without /dev/fuse or the LazyFS binary the test is skipped, and `make check-powerloss`
# counts a skip as a failure.
. "$(dirname "$0")/../e2e/lib.sh"

: "${JM_SHARED:=$JM_SRC/../shared}"
LZ=${LAZYFS_SH:-$JM_SHARED/tools/lazyfs/lazyfs.sh}
: "${LAZYFS_BIN:=$JM_BIN/../lazyfs/lazyfs}"
ROOT=$T/root
MNT=$T/mnt
LAZYFS_RUN_DIR=$T/lzrun
LAZYFS_CACHE_SIZE=${LAZYFS_CACHE_SIZE:-512mb}
export LAZYFS_BIN LAZYFS_RUN_DIR LAZYFS_CACHE_SIZE

[ -c /dev/fuse ] || skip "no /dev/fuse: power-loss tests cannot run here"
[ -r "$LZ" ] || skip "no $LZ (the LazyFS wrapper)"
[ -x "$LAZYFS_BIN" ] || skip "no LazyFS binary at $LAZYFS_BIN (make lazyfs)"

_lz_up=0
lz_start() {
	mkdir -p "$ROOT" "$MNT"
	sh "$LZ" start "$ROOT" "$MNT" >/dev/null 2>"$T/lz.err" || {
		cat "$T/lz.err" >&2; fail "LazyFS did not start"; finish; }
	_lz_up=1
}
lz_crash() { sh "$LZ" crash "$MNT" >/dev/null 2>&1; _lz_up=0; }
lz_stop() { [ "$_lz_up" -eq 0 ] || sh "$LZ" stop "$MNT" >/dev/null 2>&1; _lz_up=0; }
lz_fault() { sh "$LZ" fault "$MNT" "$1" >/dev/null 2>&1; }
# A crash fault kills lazyfs itself; unmount what is left so that the next lz_start works.
lz_wait_down() {
	_i=0
	while sh "$LZ" status "$MNT" 2>/dev/null | grep -q '^pid: *[0-9]'; do
		_i=$((_i + 1)); [ $_i -lt 300 ] || break
		sleep 0.1
	done
	fusermount3 -uz "$MNT" 2>/dev/null
	_lz_up=0
}
at_exit 'lz_stop; fusermount3 -uz "$MNT" 2>/dev/null'

# Sourced by every tests/powerloss/NNNN-topic.sh after nothing else: the e2e helpers (ok, fail,
# expect_code, finish, ...) plus a LazyFS mount that loses every unsynced byte on a crash,
# exactly like a power cut (../shared/tools/lazyfs, built into the build directory by
# `make lazyfs`).
#   lz_start            mount $MNT (what the tools write to), backed by $ROOT
#   lz_crash [PID...]   power cut at this instant: the tools PID... die with it, every
#                       unsynced byte is lost; $ROOT holds what survived
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

_lz_up=0 _lz_pid=
lz_start() {
	mkdir -p "$ROOT" "$MNT"
	_lz_pid=$(sh "$LZ" start "$ROOT" "$MNT" 2>"$T/lz.err") || {
		cat "$T/lz.err" >&2; fail "LazyFS did not start"; finish; }
	_lz_up=1
}
# The pid of the LazyFS lz_start started, while it runs (not `lazyfs.sh status`: that looks
# at the mount point, which a hung LazyFS hangs).
_lz_live() {
	case $(tr '\0' ' ' <"/proc/$_lz_pid/cmdline" 2>/dev/null) in
	*" --config-path $LAZYFS_RUN_DIR/"*) echo "$_lz_pid" ;;
	*) return 1 ;;
	esac
}
# A power cut is one instant and stops everything: lz_crash [PID...] kills the given running
# tools (and their children) first, then LazyFS (lz_cut, below). A tool left running would
# see an fsync succeed on data already dropped (lazyfs.sh's own crash clears the cache before
# it kills LazyFS), or write into the bare mount point once it is detached.
lz_crash() {
	for _p in "$@"; do pkill -KILL -P "$_p" 2>/dev/null; kill -KILL "$_p" 2>/dev/null; done
	lz_cut
}
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

# For tests that cut the power many times. LAZYFS_CACHE_SIZE is best set small (32mb) before
# sourcing this file: the cache is allocated at every start.
#   lz_arm 'lazyfs::crash::...'   like lz_fault, but returns as soon as LazyFS took the fault
#   lz_cut              power cut at this instant (SIGKILL to LazyFS, as a crash fault does),
#                       without waiting for the dead LazyFS to be reaped
#   lz_restart          after a crash fault fired (or not): wait for it, cut, mount again
#   pl_rounds N         N scaled by JM_POWERLOSS_ROUNDS (default 1): a longer sweep
#   pl_point            count one crash point; pl_points "what" prints how many were run
_lz_info() { sh "$LZ" status "$MNT" 2>/dev/null | sed -n "s/^$1: *//p"; }
_lz_count() { grep -cF -- "$1" "$(_lz_info log)" 2>/dev/null || true; }
_lz_wait_log() { # PATTERN N: wait until PATTERN occurs more than N times in the log
	_i=0
	while [ "$(_lz_count "$1")" -le "$2" ]; do
		_i=$((_i + 1)); [ $_i -lt 600 ] || return 1
		sleep 0.05
	done
}
_lz_send() { timeout 10 sh -c 'printf "%s\n" "$1" > "$2"' sh "$1" "$(_lz_info fifo)"; }
lz_arm() {
	_n=$(_lz_count 'crash fault:')
	_lz_send "$1" || { fail "LazyFS took no fault"; return 1; }
	_lz_wait_log 'crash fault:' "$_n" || { fail "LazyFS did not answer: $1"; return 1; }
	if tail -n 3 "$(_lz_info log)" | grep -q INVALID; then fail "LazyFS refused $1"; return 1; fi
}
lz_cut() {
	_p=$(_lz_live) || { lz_wait_down; return; }
	# One SIGKILL is the cut: the unsynced data dies with LazyFS's memory, at one instant.
	# (Clearing the cache first would let running tools go on meanwhile, and an fsync
	# after the clear would report durable what was already dropped.)
	kill -KILL "$_p" 2>/dev/null
	# Dead once its command line is gone (a zombie is dead enough: its mount is aborted).
	_i=0
	while [ -s "/proc/$_p/cmdline" ]; do
		_i=$((_i + 1)); [ $_i -lt 200 ] || break
		sleep 0.02
	done
	fusermount3 -uz "$MNT" 2>/dev/null
	_lz_up=0
}
lz_restart() { lz_cut; lz_start; }
pl_rounds() { echo $(($1 * ${JM_POWERLOSS_ROUNDS:-1})); }
_pl_points=0
pl_point() { _pl_points=$((_pl_points + 1)); }
pl_points() { printf '  %d crash points: %s\n' "$_pl_points" "$1"; }

# Journals: pl_files DIR NAME lists NAME's segments in order, then the live journal;
# (a journal sealed final once); pl_payloads FILE... prints every record's payload, one a line, in order.
pl_files() {
	_last=
	for _f in $(ls "$1" | grep -E "^$2\.[0-9]{4}-[0-9]{12}\.journal\$" | sort); do
		echo "$1/$_f"; _last=$1/$_f
	done
	# A journal sealed final is its last segment under the live name: list it once.
	[ ! -e "$1/$2.journal" ] || [ "$1/$2.journal" -ef "$_last" ] || echo "$1/$2.journal"
}
pl_payloads() {
	jcat --json "$@" | sed -n 's/^{"kind":"record".*"payload":"\([^"]*\)".*/\1/p'
}

# For mirrors on the mount:
#   pl_applied          the last sequence the mirror $ROOT/m.db applied whole, as the disk
#                       that survived says (0: none), read from a copy
#   lz_down             after a run that may have fired a crash fault: wait for it, or cut now
pl_applied() {
	rm -rf "$T/chk"; mkdir "$T/chk"
	[ -f "$ROOT/m.db" ] || { echo 0; return; }
	cp "$ROOT/m.db" "$T/chk/"
	[ -f "$ROOT/m.db-wal" ] && cp "$ROOT/m.db-wal" "$T/chk/"
	sqlite3 "$T/chk/m.db" 'select case sealed when 1 then seq else seq - 1 end from jmirror_state' 2>/dev/null | grep . || echo 0
}
lz_down() {
	if _lz_live >/dev/null; then lz_crash; else lz_wait_down; fi
}

# For jfetch into $IN from the directory $HUB (journal "db"): pl_fetched_ok WHAT checks that
# every file under a segment name in $IN is whole (identical to the hub's) and that the
# fetched state claims only what $IN holds; fail "WHAT: ..." and return 1 otherwise.
pl_fetched_ok() { # WHAT
	for _f in $(ls "$IN" 2>/dev/null | grep -E '^db\.[0-9]{4}-[0-9]{12}\.journal$'); do
		cmp -s "$IN/$_f" "$HUB/$_f" || { fail "$1: $_f in DIR is not the whole segment"; return 1; }
	done
	# the state claims nothing DIR does not hold (nothing was removed from DIR here)
	if [ -f "$IN/.db.journal.fetched" ]; then
		for _r in $(sed -n 's/^has 1 \([0-9]*\) \([0-9]*\)$/\1-\2/p' "$IN/.db.journal.fetched"); do
			for _s in $(seq "${_r%-*}" "${_r#*-}"); do
				[ -e "$IN/$(seg "$_s")" ] || { fail "$1: the state claims $(seg "$_s")"; return 1; }
			done
		done
	fi
	return 0
}

# Crash points written TIMING:OP:FROM:TO (FROM and TO: regexes, either may be empty):
# pl_fault POINT prints its LazyFS crash fault, pl_what POINT its words for messages.
pl_fault() {
	_r=${1#*:}; _o=${_r%%:*}; _r=${_r#*:}
	_f="lazyfs::crash::timing=${1%%:*}::op=$_o"
	[ -z "${_r%%:*}" ] || _f="$_f::from_rgx=${_r%%:*}"
	[ -z "${_r#*:}" ] || _f="$_f::to_rgx=${_r#*:}"
	echo "$_f"
}
pl_what() { _r=${1#*:}; _o=${_r%%:*}; _r=${_r#*:}; echo "${1%%:*} $_o ${_r%%:*}${_r#*:}"; }
# pl_fetch_cut POINT: jfetch file://$HUB/ into an empty $IN (the paths it prints into
# $T/printed) with the power cut at POINT, then mount again: 0 when the cut came during
# the run, 1 when the run ended first, 2 when LazyFS took no fault (stop the sweep).
# LazyFS has been seen to hang instead of dying at a crash fault while other threads of
# jfetch wait on it: jfetch is then killed after a while, and the cut comes then.
pl_fetch_cut() {
	rm -rf "$IN"
	mkdir "$IN"
	sync
	lz_arm "$(pl_fault "$1")" || return 2
	_c=0
	timeout -s KILL 120 jfetch "file://$HUB/" "$IN" >"$T/printed" 2>"$T/fetch.err" &&
		{ echo "    (not cut: $(pl_what "$1"))"; _c=1; }
	lz_restart
	pl_point
	return $_c
}
# pl_fetch_again WHAT N: the run after a cut completes $IN to N whole segments.
pl_fetch_again() {
	jfetch "file://$HUB/" "$IN" >/dev/null 2>"$T/fetch2.err" ||
		{ fail "$1: the run after the cut: $(cat "$T/fetch2.err")"; return 1; }
	pl_fetched_ok "$1 (after the next run)" || return 1
	_n=$(ls "$IN" | grep -cE '^db\.[0-9]{4}-[0-9]{12}\.journal$')
	[ "$_n" -eq "$2" ] || { fail "$1: after the next run DIR has $_n of $2 segments"; return 1; }
}

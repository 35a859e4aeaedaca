# Sourced by every tests/e2e/NNNN-topic.sh. Each test runs in its own temporary directory
# ($T, removed afterwards) with the tools on PATH ($JM_BIN), and reports through these:
#   ok "what"                  a passed check
#   fail "what"                a failed check (the test goes on; it fails at the end)
#   check "what" CMD...        ok if CMD succeeds, fail otherwise
#   expect_code N CMD...       run CMD, check its exit status is N (stdout -> $T/out, stderr -> $T/err)
#   test_cmp EXPECTED ACTUAL   compare two files, show the diff when they differ
#   skip "why"                 the whole test is skipped, saying why (exit 77)
#   skip_check "what" "why"    one check cannot run here: says SKIP, never ok, and the test
#                              goes on (a check that did not run has not passed)
#   heavy                      this test starts a heavy server (Ceph RGW, PostgreSQL, the extra
#                              FTP/SFTP/WebDAV servers): it runs once, in the plain build, and is
#                              skipped when JM_HEAVY=0 (the sanitizer pass, make HEAVY=0)
#   finish                     exit 0 if every check passed, 1 otherwise (call it last)
#   free_port                  print a free TCP port on 127.0.0.1
#   wait_for CMD...            wait (up to 30 s) until CMD succeeds; then its status
#   wait_lines N FILE          wait (up to 30 s) until FILE has at least N lines
#   watching PID               PID, or a child of PID, has an inotify watch in place
#   handles PID [SIGNUM]       PID has its handler for SIGNUM (default 15, SIGTERM) installed
#   locked FILE                some process holds a lock on FILE (read from /proc/locks)
#   sleeping PID               PID is in a timed sleep (nanosleep: waiting for a time to come)
#   ended PID                  PID has exited (gone, or a zombie not yet waited for)
#   procs_in DIR               pids of the processes whose working directory is DIR or below
#   at_exit "cmd"              run cmd when the test exits (stop servers)
# and the helpers several tests share:
#   seg N                      the name of segment N: db.0001-00000000000N.journal
#   writer_lines W N           N lines "wW 1" ... "wW N" (what writer W appends)
#   w DB JOURNAL SQL...        run each SQL in the sqlite3 database DB and append it to JOURNAL
#   dump DB                    DB's schema and rows, without jmirror's bookkeeping
#   same DB1 DB2               test_cmp of the two dumps
#   mirror_at                  "seq|last_lsn" of the mirror m.db
#   drained JOURNAL            the live JOURNAL holds no record (all of it is sealed)
#   flip FILE OFFSET           add 1 to the byte at OFFSET (a one-byte corruption)
set -u
: "${JM_BIN:?JM_BIN must name the directory of the built tools}"
: "${JM_SRC:=$(cd "$(dirname "$0")/../.." && pwd)}"
PATH="$JM_BIN:${JM_TEST:-$JM_BIN/../test}:$PATH"
export PATH JM_SRC
T=$(mktemp -d "${TMPDIR:-/tmp}/jm-e2e.XXXXXX")
cd "$T" || exit 1
_failed=0
_checks=0
_atexit=""
at_exit() { _atexit="$1; $_atexit"; }
_cleanup() { eval "$_atexit" >/dev/null 2>&1; cd /; [ -n "${JM_KEEP:-}" ] || rm -rf "$T"; }
trap _cleanup EXIT
trap 'exit 130' INT TERM

ok() { _checks=$((_checks + 1)); printf '  ok   %s\n' "$1"; }
fail() { _checks=$((_checks + 1)); _failed=$((_failed + 1)); printf '  FAIL %s\n' "$1"; }
check() { # check "what" CMD...: ok if CMD succeeds
	_w=$1; shift
	if "$@"; then ok "$_w"; else fail "$_w"; fi
}
expect_code() {
	_want=$1; shift
	"$@" >"$T/out" 2>"$T/err"
	_got=$?
	if [ "$_got" -eq "$_want" ]; then
		ok "exit $_want: $*"
	else
		fail "exit $_got, wanted $_want: $*"
		sed 's/^/    stderr: /' "$T/err" | head -5
	fi
}
test_cmp() {
	if cmp -s "$1" "$2"; then return 0; fi
	diff -u "$1" "$2" | head -20 | sed 's/^/    /'
	return 1
}
skip() { printf '  skip %s\n' "$1"; exit 77; }
heavy() { [ "${JM_HEAVY:-1}" = 1 ] || skip "heavy suite: it runs once, in the build with HEAVY=1"; }
skip_check() { printf '  SKIP %s: %s\n' "$1" "$2"; }
finish() {
	[ "$_checks" -gt 0 ] || { echo "  FAIL no checks ran"; exit 1; }
	[ "$_failed" -eq 0 ] && exit 0
	exit 1
}
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null ||
		echo $((20000 + $$ % 20000))
}
wait_for() {
	_wf=0
	until "$@" 2>/dev/null || [ $_wf -ge 600 ]; do sleep 0.05; _wf=$((_wf + 1)); done
	"$@" 2>/dev/null
}
_has_lines() { [ "$(cat "$2" 2>/dev/null | wc -l)" -ge "$1" ]; }
wait_lines() { wait_for _has_lines "$1" "$2"; }
watching() {
	for _p in "$1" $(pgrep -P "$1" 2>/dev/null); do
		grep -qs '^inotify wd:' /proc/"$_p"/fdinfo/* && return 0
	done
	return 1
}
handles() {
	_m=$(sed -n 's/^SigCgt:[[:space:]]*//p' /proc/"$1"/status 2>/dev/null)
	[ -n "$_m" ] || return 1
	_m=${_m#????????}               # signals 1 to 32 are the last 8 hex digits
	[ $(( (0x$_m >> (${2:-15} - 1)) & 1 )) -eq 1 ]
}
locked() {
	_di=$(stat -c '%d %i' "$1" 2>/dev/null) || return 1
	set -- $_di
	grep -q " $(printf '%02x:%02x' $((($1 >> 8) & 0xfff)) $((($1 & 0xff) | (($1 >> 12) & 0xfff00)))):$2 " /proc/locks
}
sleeping() { grep -qs nanosleep /proc/"$1"/wchan; }
procs_in() {
	for _p in /proc/[0-9]*; do
		_c=$(readlink "$_p/cwd" 2>/dev/null) || continue
		case $_c in "$1"|"$1"/*) printf '%s ' "${_p#/proc/}" ;; esac
	done
}
ended() {
	kill -0 "$1" 2>/dev/null || return 0
	[ "$(sed 's/.*) //' /proc/"$1"/stat 2>/dev/null | cut -c1)" = Z ]
}

seg() { printf 'db.0001-%012d.journal' "$1"; }
writer_lines() { awk -v w="$1" -v n="$2" 'BEGIN { for (i = 1; i <= n; i++) printf "w%s %d\n", w, i }'; }
w() { _db=$1 _j=$2; shift 2; for _s; do sqlite3 "$_db" "$_s" && jappend "$_j" "$_s" || return 1; done; }
dump() { sqlite3 "$1" .dump | grep -v jmirror_ | grep -v '^PRAGMA\|^BEGIN\|^COMMIT'; }
same() { dump "$1" >"$1.dump"; dump "$2" >"$2.dump"; test_cmp "$1.dump" "$2.dump"; }
mirror_at() { sqlite3 m.db 'select seq, last_lsn from jmirror_state'; }
drained() { [ "$(jjdump "$1" | wc -l)" -eq 0 ]; }
flip() {
	_b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
	printf "$(printf '\\%03o' $(( (_b + 1) % 256 )))" | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}

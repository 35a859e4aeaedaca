#!/bin/sh
# The progress bar: drawn by jship on a terminal (its standard error) for a file of 16 MiB
# or more once it has taken half a second, and cleared at the end of the upload; never with
# -q, never when standard error is not a terminal, never for a small file. The transfer
# module only reports progress; what is drawn is jship's.
. ./lib.sh
. "$JM_SRC/tests/e2e/servers.sh"

command -v script >/dev/null || skip "script(1) is missing"
mkdir big small
jmgen -r 20 -b 1000000 big 1 >/dev/null 2>&1       # about 20 MB
jmgen -n sm small 1 >/dev/null 2>&1
start_http "$T" http || skip "nginx did not start"
tty_ship() { # LOG ARGS...: jship with a terminal as standard error
	log=$1; shift
	script -qec "$JM_BIN/jship $*" /dev/null > "$log" 2>&1
}
tty_ship bar.log --limit-rate 20M --to "$HTTP_URL" big/db.0001-000000000001.journal
check "a terminal: the bar is drawn" grep -q 'db.0001-000000000001.journal -> http://.*% .* MB/s' bar.log
check "a terminal: the bar is cleared at the end" grep -q "$(printf '\r\033\\[K')" bar.log
check "a terminal: the file arrived" cmp -s big/db.0001-000000000001.journal "$HTTP_ROOT/db.0001-000000000001.journal"
rm -f "$HTTP_ROOT/db.0001-000000000001.journal"
tty_ship quiet.log -q --limit-rate 20M --to "$HTTP_URL" big/db.0001-000000000001.journal
check "-q: no bar" sh -c '! grep -q "MB/s" quiet.log'
rm -f "$HTTP_ROOT/db.0001-000000000001.journal"
expect_code 0 jship --limit-rate 20M --to "$HTTP_URL" big/db.0001-000000000001.journal
check "no terminal: no bar" sh -c '! grep -q "MB/s" err'
tty_ship small.log --to "$HTTP_URL" small/sm.0001-000000000001.journal
check "a small file: no bar" sh -c '! grep -q "MB/s" small.log'
stop_server http
finish

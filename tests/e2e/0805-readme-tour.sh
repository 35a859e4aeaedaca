#!/bin/sh
# The README's five-minute tour, run as it is written there: every indented command line of
# the section, in order, in an empty directory; `kill %1` and `kill %2` (job control of an
# interactive shell) become stopping the mirror's and the primary's pipelines, `kill %3` the
# primary's jcapture --every. Checks what
# the reader is told to expect.
. ./lib.sh

awk '/^Five-minute tour$/ { f = 1; next } /^Tools$/ { f = 0 } f && /^    [^ ]/ { sub(/^    /, ""); print }' \
	"$JM_SRC/README" >lines
check "the tour has commands ($(wc -l <lines) lines)" test "$(wc -l <lines)" -ge 20
mkdir tour
{
	cat <<'PROLOGUE'
set -e
# stop_in NAME...: TERM the processes named NAME... that run in this directory, and wait
# (up to 30 s) until they are gone
named_in() {
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/cwd" 2>/dev/null)" = "$PWD" ] || continue
		n=$(cat "$p/comm" 2>/dev/null) || continue
		for w; do
			if [ "$n" = "$w" ]; then echo "${p#/proc/}"; fi
		done
	done
}
stop_in() {
	for p in $(named_in "$@"); do kill -TERM "$p" 2>/dev/null || :; done
	i=0
	while [ -n "$(named_in "$@")" ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i + 1)); done
	return 0
}
PROLOGUE
	sed -e 's/^kill %1$/stop_in jwatch jintegrate/' -e 's/^kill %2$/stop_in jrotate jship/' \
	    -e 's/^kill %3$/stop_in jcapture/' lines
} >tour/tour.sh
cd tour || exit 1
expect_code 0 sh tour.sh
cd "$T" || exit 1
cp "$T/out" tour.out
check "jrotate printed the first segment" grep -qx 'primary/shop.0001-000000000001.journal' tour.out
check "the mirror has the first order" grep -qx '1|tea' tour.out
check "the running pipelines brought the second" grep -qx '2|coffee' tour.out
n=$(grep -c '^1|tea$' tour.out)
check "both queries answered (tea seen $n times)" test "$n" -eq 2
check "jpromote made the mirror operational" test -f tour/mirror/shop.journal
check "the new primary took an append" grep -q cake tour.out
check "'now' on the primary is 'now' on the mirror" test "$(sqlite3 tour/primary/shop.db 'SELECT at FROM orders ORDER BY id')" = \
	"$(sqlite3 tour/mirror/shop.db 'SELECT at FROM orders WHERE id < 3 ORDER BY id')"
# jpromote reports what it did on standard error; nothing else may be there
grep -v '^jpromote: mirror/shop.db is operational: timeline 2 starts at seq ' "$T/err" >diag
check "no diagnostics" test ! -s diag
sed 's/^/    stderr: /' diag | head -5
# what is left in the tour directory: nothing running
left=""
for p in /proc/[0-9]*; do
	c=$(readlink "$p/cwd" 2>/dev/null) || continue
	[ "$c" = "$T/tour" ] && left="$left ${p#/proc/}"
done
check "nothing left running (${left:-none})" test -z "$left"
for p in $left; do kill -KILL "$p" 2>/dev/null; done
finish

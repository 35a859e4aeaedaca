#!/bin/sh
# make demo's script (examples/demo.sh) end to end with the file:// transport and a short
# load: it exits 0, every mirror equals the primary before and after the switch-over, the
# lag is measured for every mirror, it takes well under a minute, and nothing is left running
# or left behind.
. ./lib.sh

start=$(date +%s)
DEMO_DIR=$T/demo DEMO_SECONDS=3 DEMO_RATE=300 JM_TEST=${JM_TEST:-$JM_BIN/../test} \
	expect_code 0 sh "$JM_SRC/examples/demo.sh"
took=$(( $(date +%s) - start ))
check "under a minute (${took}s)" test "$took" -lt 60
cp "$T/out" demo.out
check "working in the named directory" grep -q "^working in $T/demo\$" demo.out
check "content at the switch-over: all four equal, 900 rows" \
	grep -qx 'content at the switch-over: all equal (900 rows)' demo.out
check "content after the switch-over: all three equal, 1200 rows" \
	grep -qx 'content after the switch-over: all equal (1200 rows)' demo.out
check "appends refused after jrotate --final (exit 69)" \
	grep -qx '(exit 69: appends are refused once the journal is closed)' demo.out
check "jstatus ran while it wrote" grep -q '^\$ jstatus primary/app.journal$' demo.out
check "mirror1 promoted to timeline 2" grep -q "^\$ jpromote --db mirror1/mirror.db" demo.out
check "the chain across the switch-over verifies" \
	grep -qx '(every segment verified, one unbroken chain)' demo.out
n=$(grep -c '^  mirror[123] .*: p50 [0-9.]* ms, p99 [0-9.]* ms, max [0-9.]* ms (\([0-9]*\) of \1 rows)$' demo.out)
check "lag measured on every mirror, every row seen ($n of 5 lines)" test "$n" -eq 5
check "demo: OK" grep -qx '== demo: OK: every mirror equals the primary' demo.out
check "no diagnostics" test ! -s "$T/err"
[ -s "$T/err" ] && sed 's/^/    stderr: /' "$T/err" | head -5
left=$(procs_in "$T/demo")
check "nothing left running (${left:-none})" test -z "$left"
check "the named directory is kept" test -f "$T/demo/mirror2/mirror.db"
finish

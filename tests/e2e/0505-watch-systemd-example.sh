#!/bin/sh
# examples/systemd/jwatch-integrate.service: the unit is valid (systemd-analyze verify where
# it works here, otherwise parsed), and its ExecStart pipeline, run with the test's paths,
# does what the unit says: segments renamed into the directory end up in the mirror.
. ./lib.sh
U=$JM_SRC/examples/systemd/jwatch-integrate.service

check "unit exists" test -f "$U"
# systemd-analyze verify needs a working systemd environment: try it on a trivial unit first.
printf '[Service]\nExecStart=/bin/true\n' >probe.service
if command -v systemd-analyze >/dev/null && systemd-analyze verify --man=no probe.service >/dev/null 2>&1; then
	cp "$U" .
	expect_code 0 systemd-analyze verify --man=no jwatch-integrate.service
	check "systemd-analyze verify: no complaint" test_cmp /dev/null "$T/err"
else
	skip_check "systemd-analyze verify" "not usable here (the unit is parsed below)"
fi
# Parse: the sections, and the keys this unit relies on, with values systemd accepts.
awk '
	/^[ \t]*(#|$)/ { next }
	/^\[/ { sec = $0; seen[sec] = 1; next }
	/=/ { k = substr($0, 1, index($0, "=") - 1); key[sec "." k] = substr($0, index($0, "=") + 1); next }
	{ print "not a key=value line: " $0; bad = 1 }
	END {
		if (!seen["[Unit]"] || !seen["[Service]"] || !seen["[Install]"]) { print "missing section"; bad = 1 }
		if (key["[Service].ExecStart"] !~ /^\//) { print "ExecStart not absolute"; bad = 1 }
		if (key["[Service].Restart"] !~ /^(no|always|on-success|on-failure|on-abnormal|on-abort|on-watchdog)$/) { print "bad Restart"; bad = 1 }
		if (key["[Service].Type"] != "simple") { print "Type is not simple"; bad = 1 }
		exit bad
	}' "$U" >parse.out
check "unit parses: sections and keys" test_cmp /dev/null parse.out

cmd=$(sed -n "s/^ExecStart=\/bin\/sh -c '\(.*\)'\$/\1/p" "$U")
check "ExecStart is a sh -c pipeline" test -n "$cmd"
check "the pipeline is jwatch DIR | jintegrate --db DB" \
	sh -c 'echo "$1" | grep -Eq "^/usr/local/bin/jwatch [^ ]+ \| /usr/local/bin/jintegrate --db [^ ]+\$"' x "$cmd"

# Run it with the test's directories and tools.
mkdir -p st lib/incoming
jmgen st 4 >/dev/null 2>&1 || fail "jmgen"
run=$(printf '%s\n' "$cmd" | sed "s|/usr/local/bin/|$JM_BIN/|g; s|/var/lib/jmirror/|$T/lib/|g")
mv st/db.0001-000000000002.journal lib/incoming/
sh -c "$run" >pipe.out 2>pipe.err &
pid=$!
wait_for watching $pid
for s in 4 1 3; do mv st/db.0001-00000000000$s.journal lib/incoming/; done
mirrored() { test "$(sqlite3 lib/mirror.db 'SELECT count(*) FROM t' 2>/dev/null)" = 39; }
wait_for mirrored
check "the mirror holds every record of the four segments" mirrored
pkill -TERM -P $pid 2>/dev/null     # what systemd does: SIGTERM to every process
wait_for ended $pid
check "SIGTERM to the pipeline's processes ends it" ended $pid
ended $pid && wait $pid
finish

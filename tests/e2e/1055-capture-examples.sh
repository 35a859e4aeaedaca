#!/bin/sh
# examples/systemd/jcapture.service and examples/cron/jcapture.crontab: their command lines,
# run with the test's paths, capture an application's writes into a mirror; examples/shop.py
# (make demo's application) is one such application.
. ./lib.sh
U=$JM_SRC/examples/systemd/jcapture.service
C=$JM_SRC/examples/cron/jcapture.crontab

appdump() { sqlite3 "$1" .dump | grep -v 'jmirror_\|^PRAGMA\|^BEGIN\|^COMMIT\|sqlite_sequence'; }
check "unit exists" test -f "$U"
awk '
	/^[ \t]*(#|$)/ { next }
	/^\[/ { sec = $0; seen[sec] = 1; next }
	/=/ { k = substr($0, 1, index($0, "=") - 1); key[sec "." k] = substr($0, index($0, "=") + 1); next }
	{ print "not a key=value line: " $0; bad = 1 }
	END {
		if (!seen["[Unit]"] || !seen["[Service]"] || !seen["[Install]"]) { print "missing section"; bad = 1 }
		if (key["[Service].ExecStart"] !~ /^\//) { print "ExecStart not absolute"; bad = 1 }
		if (key["[Service].Type"] != "simple") { print "Type is not simple"; bad = 1 }
		exit bad
	}' "$U" >parse.out
check "unit parses: sections and keys" test_cmp /dev/null parse.out

mkdir -p srv lib in
sqlite3 srv/app.db "CREATE TABLE orders(id INTEGER PRIMARY KEY, item TEXT, at TEXT)"
jappend --create lib/app.journal
jcapture --install srv/app.db lib/app.journal || fail "install"
DB=$T/srv/app.db JOURNAL=$T/lib/app.journal
cmd=$(sed -n 's/^ExecStart=\/usr\/local\/bin\///p' "$U" | sed "s|\${DB}|$DB|; s|\${JOURNAL}|$JOURNAL|")
check "ExecStart is jcapture --every" sh -c 'echo "$1" | grep -q "^jcapture --every 100ms "' x "$cmd"
$cmd &
svc=$!
at_exit "kill $svc"
sqlite3 srv/app.db "INSERT INTO orders(item, at) VALUES('tea', strftime('%Y-%m-%d %H:%M:%f', 'now'))"
wait_for sh -c '[ "$(sqlite3 srv/app.db "SELECT count(*) FROM jmirror_outbox WHERE op <> '\''P'\''")" -eq 0 ]'
kill -TERM $svc
wait $svc
check "the unit's command stops on SIGTERM with 0" test $? -eq 0

# The cron line, with the test's paths and a file:// destination.
line=$(grep -v '^#' "$C" | grep 'jcapture')
line=$(echo "$line" | cut -f2- | sed "s|\$DB|$DB|; s|\$JM_DIR|$T/lib|g; s|sftp://mirror1/var/lib/jmirror/incoming/|file://$T/in/|")
sqlite3 srv/app.db "INSERT INTO orders(item, at) VALUES('cake', strftime('%Y-%m-%d %H:%M:%f', 'now'))"
sh -c "$line" || fail "the cron line"
sh -c "$line" || fail "the cron line, run again"
jintegrate --db m.db in/app.0001-*.journal >/dev/null || fail "integrate"
appdump srv/app.db >p.dump
appdump m.db >m.dump
check "the mirror has what the application wrote, 'now' included" test_cmp p.dump m.dump

# make demo's application, captured: its 'now' and random() reach the mirror as they were.
sqlite3 srv/shop.db "CREATE TABLE orders(id INTEGER PRIMARY KEY, ts INTEGER NOT NULL, v TEXT)"
jappend --create lib/shop.journal
jcapture --install srv/shop.db lib/shop.journal || fail "install in shop.db"
expect_code 0 python3 "$JM_SRC/examples/shop.py" srv/shop.db 1 20 1000
expect_code 0 jcapture srv/shop.db lib/shop.journal
jrotate lib/shop.journal >/dev/null
expect_code 0 jintegrate --db shop-m.db lib/shop.0001-*.journal
appdump srv/shop.db >p.dump
appdump shop-m.db >m.dump
check "examples/shop.py's 20 orders, mirrored exactly" test_cmp p.dump m.dump
check "20 orders" test "$(sqlite3 shop-m.db 'SELECT count(*) FROM orders')" -eq 20
finish

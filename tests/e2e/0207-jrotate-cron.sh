#!/bin/sh
# examples/cron/jmirror.crontab: its commands run here as cron would run them (jship
# against a file:// destination in place of the example's sftp one).
. ./lib.sh

tab=$JM_SRC/examples/cron/jmirror.crontab
check "example crontab exists" test -f "$tab"
JM_DIR=$T/var
export JM_DIR
mkdir -p var dest
jappend --create var/db.journal
run_tab() { # run every active and commented-out cron command line once
	sed -n 's/^#\{0,1\}[*0-9][^	]*	//p' "$tab" | while IFS= read -r line; do
		line=$(printf '%s' "$line" | sed "s|--to [^ ]*|--to file://$T/dest/|")
		sh -c "$line" || echo "failed: $line"
	done
}
jappend var/db.journal a b
out=$(run_tab)
# the only output: jship names the segment it sent
check "cron commands succeed" test "$out" = "$T/var/db.0001-000000000001.journal"
[ -n "$out" ] && printf '%s\n' "$out" | head -3 | sed 's/^/    /'
check "segment 1 sealed" test -f var/db.0001-000000000001.journal
out=$(run_tab)
check "run again with nothing new: nothing sealed, no error" test -z "$out"
check "no segment 2" test ! -e var/db.0001-000000000002.journal
check "jship queue run delivered segment 1" cmp -s var/db.0001-000000000001.journal \
	dest/db.0001-000000000001.journal
expect_code 0 jjdump var/db.0001-000000000001.journal var/db.journal
printf '1\ta\n2\tb\n' >want
check "records" test_cmp want "$T/out"
finish

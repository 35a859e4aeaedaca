#!/bin/sh
# Stale temporaries of ours are removed over WebDAV too (PROPFIND lists the directory): one
# of this host whose process is gone goes; one of a live process, one of another host and
# any other file stay. nginx has no PROPFIND: nothing is listed there, nothing fails.
. ./lib.sh
. "$JM_SRC/tests/e2e/servers.sh"
. "$JM_SRC/tests/e2e/servers-other.sh"
. "$JM_SRC/tests/e2e/interop.sh"
heavy
mkdir src
jmgen -r 5 src 1 >/dev/null 2>&1
host=$(hostname | sed 's/[^A-Za-z0-9_-]/_/g' | cut -c1-64)
sleep 600 &
live=$!
at_exit "kill $live"
gone=$(sh -c 'echo $$')
for k in lighttpd apache rclone-webdav; do
	start_other $k "$T" || { skip_check "$k" "the server did not start"; continue; }
	for f in ".x.$host-$gone-00000001.part" ".x.$host-$live-00000002.part" \
	    ".x.otherhost-$gone-00000003.part" ".davfs.tmp123" keep; do
		echo data > "$SRV_ROOT/$f"
	done
	chown -R www-data "$SRV_ROOT" 2>/dev/null
	expect_code 0 jship --retries 0 $SRV_OPTS --to "$SRV_URL" src/db.0001-000000000001.journal
	check "$k: the stale temporary is removed" test ! -e "$SRV_ROOT/.x.$host-$gone-00000001.part"
	check "$k: a live process's temporary stays" test -e "$SRV_ROOT/.x.$host-$live-00000002.part"
	check "$k: another host's temporary stays" test -e "$SRV_ROOT/.x.otherhost-$gone-00000003.part"
	check "$k: other files stay" test -e "$SRV_ROOT/.davfs.tmp123" -a -e "$SRV_ROOT/keep"
	stop_other
done
start_http "$T" http || skip "nginx did not start"
echo data > "$HTTP_ROOT/.x.$host-$gone-00000001.part"
expect_code 0 jship --retries 0 --to "$HTTP_URL" src/db.0001-000000000001.journal
check "nginx: published without a listing" cmp -s src/db.0001-000000000001.journal "$HTTP_ROOT/db.0001-000000000001.journal"
finish

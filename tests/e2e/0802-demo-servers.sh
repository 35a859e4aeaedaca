#!/bin/sh
# examples/demo.sh over the real servers on loopback: DEMO_TRANSPORT=sftp (OpenSSH sshd),
# ftp (vsftpd) and http (nginx WebDAV), each a short run ending with every mirror equal to the
# primary and no process left.
. ./lib.sh

[ "$(id -u)" -eq 0 ] || skip "the servers need root"
for tr in sftp ftp http; do
	case $tr in
	sftp) command -v /usr/sbin/sshd >/dev/null 2>&1 || { fail "sshd is not installed"; continue; } ;;
	ftp) command -v /usr/sbin/vsftpd >/dev/null 2>&1 || { fail "vsftpd is not installed"; continue; } ;;
	http) command -v /usr/sbin/nginx >/dev/null 2>&1 || { fail "nginx is not installed"; continue; } ;;
	esac
	DEMO_TRANSPORT=$tr DEMO_DIR=$T/$tr DEMO_SECONDS=2 DEMO_RATE=200 \
		JM_TEST=${JM_TEST:-$JM_BIN/../test} expect_code 0 sh "$JM_SRC/examples/demo.sh"
	check "$tr: the demo says so" grep -q "^== jmirror demo: $tr transport" "$T/out"
	check "$tr: equal at the switch-over" grep -qx 'content at the switch-over: all equal (400 rows)' "$T/out"
	check "$tr: equal after it" grep -qx 'content after the switch-over: all equal (600 rows)' "$T/out"
	check "$tr: demo: OK" grep -qx '== demo: OK: every mirror equals the primary' "$T/out"
	left=$(procs_in "$T/$tr")
	check "$tr: nothing left running, servers included (${left:-none})" test -z "$left"
done
finish

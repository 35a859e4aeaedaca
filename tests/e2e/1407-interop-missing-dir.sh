#!/bin/sh
# A destination directory that does not exist: one code (73) and one message on every
# scheme, nothing retried; --mkdir creates it (and its parents) and the segment arrives.
. ./lib.sh
. "$JM_SRC/tests/e2e/servers.sh"
. "$JM_SRC/tests/e2e/servers-other.sh"
heavy
mkdir src
jmgen -r 5 src 1 >/dev/null 2>&1
f=db.0001-000000000001.journal

missing() { # NAME URL OPTS...: 73 with the message, then --mkdir publishes
	_n=$1 _u=$2; shift 2
	expect_code 73 jship -v --retries 3 "$@" --to "$_u" src/$f
	check "$_n: the missing directory is named" grep -q "unable to upload $f to .*: no such directory (create it, or give --mkdir)" err
	check "$_n: not retried" sh -c "! grep -q 'again in' err"
	expect_code 0 jship --mkdir "$@" --to "$_u" src/$f
}

missing file "file://$T/dest/a/b/"
check "file: created with its parents" cmp -s src/$f "dest/a/b/$f"

if start_ftp "$T" plain; then
	missing ftp "${FTP_URL}a/b/"
	check "ftp: created" cmp -s src/$f "$FTP_ROOT/a/b/$f"
else
	skip_check ftp "vsftpd did not start"
fi
if start_sftp "$T"; then
	missing sftp "${SFTP_URL}a/b/" --key "$SSH_KEY" --known-hosts "$KNOWN_HOSTS"
	check "sftp: created" cmp -s src/$f "$SFTP_ROOT/a/b/$f"
else
	skip_check sftp "sshd did not start"
fi
if start_other lighttpd "$T"; then
	missing http "${SRV_URL}a/b/" $SRV_OPTS
	check "http (WebDAV MKCOL): created" cmp -s src/$f "$SRV_ROOT/a/b/$f"
else
	skip_check http "lighttpd did not start"
fi
finish

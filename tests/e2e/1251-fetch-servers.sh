#!/bin/sh
# jfetch from real servers: SFTP (OpenSSH), FTP and FTP with explicit TLS (vsftpd), WebDAV
# (nginx, PROPFIND): every segment fetched byte-identical and printed once, the mirror's
# cursor written under .jmirror/, and the same credential rules as jship (unknown host key
# refused with 77, TLS verified against --cacert).
. ./lib.sh
. "$JM_SRC/tests/e2e/servers.sh"

mkdir src
jmgen src 4 >/dev/null 2>&1
start_sftp "$T" || skip "no sshd"
SSH="--key $SSH_KEY --known-hosts $KNOWN_HOSTS"

fetch_from() { # NAME URL ROOT [options]
	_n=$1 _u=$2 _r=$3; shift 3
	jship -q "$@" --to "$_u" src/*.journal >/dev/null || { fail "$_n: jship"; return; }
	mkdir "in-$_n"
	expect_code 0 jfetch --name "$_n" "$@" "$_u" "in-$_n"
	printf "in-$_n/%s\n" $(seg 1) $(seg 2) $(seg 3) $(seg 4) > want
	check "$_n: every segment fetched, in order" test_cmp want out
	check "$_n: byte-identical" sh -c "for f in src/*.journal; do cmp -s \$f in-$_n/\${f#src/} || exit 1; done"
	check "$_n: cursor written" test -f "$_r/.jmirror/$_n.cursor.0001-000000000004"
	expect_code 0 jfetch --name "$_n" "$@" "$_u" "in-$_n"
	check "$_n: nothing fetched twice" test ! -s out
}

fetch_from sftp "$SFTP_URL" "$SFTP_ROOT" $SSH
if start_ftp "$T"; then
	fetch_from ftp "$FTP_URL" "$FTP_ROOT"
else
	skip_check "ftp hub" "vsftpd did not start"
fi
if start_ftp "$T" explicit; then
	fetch_from ftpes "$FTP_URL" "$FTP_ROOT" --cacert "$T/cert.pem"
	mkdir in-notls
	expect_code 77 jfetch "$FTP_URL" in-notls
	check "an unverified certificate is refused" grep -q "cacert" err
else
	skip_check "ftpes hub" "vsftpd did not start with TLS"
fi
if start_http "$T" && [ -n "$HTTP_PROPFIND" ]; then
	fetch_from webdav "$HTTP_URL" "$HTTP_ROOT"
else
	skip_check "WebDAV hub" "nginx without PROPFIND (libnginx-mod-http-dav-ext)"
fi

# an unknown host key: refused, nothing fetched, the fix named
: > empty_known_hosts
mkdir in-unknown
expect_code 77 jfetch --key "$SSH_KEY" --known-hosts empty_known_hosts "$SFTP_URL" in-unknown
check "unknown host key: how to add it" grep -q "ssh-keyscan -t ed25519" err
check "unknown host key: nothing fetched" test -z "$(ls in-unknown)"
finish

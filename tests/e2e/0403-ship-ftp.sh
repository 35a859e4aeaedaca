#!/bin/sh
# jship over FTP (vsftpd): plain, explicit TLS (ftpes://) and implicit TLS (ftps://), with a
# self-signed certificate given by --cacert; untrusted certificate refused.
. ./lib.sh
. "$JM_SRC/tests/e2e/servers.sh"

mkdir src other
jmgen src 3 >/dev/null 2>&1
jmgen -r 11 other 1 >/dev/null 2>&1
ls src/* > want
for mode in plain explicit implicit; do
	start_ftp "$T" $mode || skip "vsftpd did not start"
	expect_code 0 jship --cacert "$T/cert.pem" --to "$FTP_URL" src/*
	check "$mode: paths printed" test_cmp want out
	for f in src/*; do
		check "$mode: $f identical" cmp -s "$f" "$FTP_ROOT/${f#src/}"
	done
	check "$mode: no temporary left" test -z "$(ls -A "$FTP_ROOT" | grep '^\.')"
	expect_code 0 jship --cacert "$T/cert.pem" --to "$FTP_URL" src/db.0001-000000000001.journal
	expect_code 65 jship --cacert "$T/cert.pem" --to "$FTP_URL" other/db.0001-000000000001.journal
	check "$mode: conflict message" grep -q 'exists with a different size' err
	check "$mode: original kept" cmp -s src/db.0001-000000000001.journal "$FTP_ROOT/db.0001-000000000001.journal"
	if [ $mode != plain ]; then
		expect_code 77 jship --to "$FTP_URL" src/db.0001-000000000002.journal
		check "$mode: untrusted certificate message" grep -q 'give --cacert' err
	fi
done
# ftpes:// requires TLS: a server without it is refused, nothing goes out in clear.
start_ftp "$T" plain || skip "vsftpd did not start"
rm -f "$FTP_ROOT"/*
expect_code 75 jship --retries 0 --to "ftpes://127.0.0.1:$FTP_PORT/incoming/" src/db.0001-000000000001.journal
check "ftpes without TLS: nothing sent" test ! -e "$FTP_ROOT/db.0001-000000000001.journal"
finish

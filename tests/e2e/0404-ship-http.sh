#!/bin/sh
# jship over HTTP and HTTPS to nginx WebDAV (PUT then MOVE), credentials from netrc, a
# different file refused after a byte comparison, untrusted certificate and wrong password.
. ./lib.sh
. "$JM_SRC/tests/e2e/servers.sh"

mkdir src other
jmgen src 3 >/dev/null 2>&1
jmgen -r 11 other 1 >/dev/null 2>&1
ls src/* > want
for mode in http https; do
	start_http "$T" $mode || skip "nginx did not start"
	expect_code 0 jship --cacert "$T/cert.pem" --to "$HTTP_URL" src/*
	check "$mode: paths printed" test_cmp want out
	for f in src/*; do
		check "$mode: $f identical" cmp -s "$f" "$HTTP_ROOT/${f#src/}"
	done
	check "$mode: no temporary left" test -z "$(ls -A "$HTTP_ROOT" | grep '^\.')"
	expect_code 0 jship --cacert "$T/cert.pem" --to "$HTTP_URL" src/db.0001-000000000003.journal
	check "$mode: re-send leaves no temporary" test -z "$(ls -A "$HTTP_ROOT" | grep '^\.')"
	expect_code 65 jship --cacert "$T/cert.pem" --to "$HTTP_URL" other/db.0001-000000000001.journal
	check "$mode: conflict message" grep -q 'exists with a different \(size\|content\)' err
	check "$mode: original kept" cmp -s src/db.0001-000000000001.journal "$HTTP_ROOT/db.0001-000000000001.journal"
	# netrc credentials
	rm -f netrc
	printf 'machine 127.0.0.1 login ship password secret\n' > netrc
	chmod 644 netrc
	expect_code 77 jship --netrc-file netrc --cacert "$T/cert.pem" --to "$HTTP_AUTH_URL" src/db.0001-000000000001.journal
	check "$mode: readable netrc refused" grep -q 'netrc can be read by others: refused' err
	chmod 600 netrc
	expect_code 0 jship --netrc-file netrc --cacert "$T/cert.pem" --to "$HTTP_AUTH_URL" src/db.0001-000000000001.journal
	check "$mode: netrc login" cmp -s src/db.0001-000000000001.journal "$HTTP_AUTH_ROOT/db.0001-000000000001.journal"
	printf 'machine 127.0.0.1 login ship password wrong\n' > badnetrc
	chmod 600 badnetrc
	expect_code 77 jship --netrc-file badnetrc --cacert "$T/cert.pem" --to "$HTTP_AUTH_URL" src/db.0001-000000000002.journal
	check "$mode: wrong password message" grep -q 'HTTP 401' err
	check "$mode: password never printed" sh -c '! grep -q wrong err'
	if [ $mode = https ]; then
		expect_code 77 jship --to "$HTTP_URL" src/db.0001-000000000002.journal
		check "untrusted certificate message" grep -q 'give --cacert' err
	fi
	stop_server http
done
finish

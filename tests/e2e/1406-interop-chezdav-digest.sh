#!/bin/sh
# chezdav asks for Digest authentication (and takes PUT without any): libcurl negotiates
# the scheme as curl --anyauth does, so MOVE is authenticated and nothing is left behind.
. ./lib.sh
. "$JM_SRC/tests/e2e/servers.sh"
. "$JM_SRC/tests/e2e/servers-other.sh"
heavy
start_other chezdav "$T" || skip "chezdav did not start"
mkdir src
jmgen -r 5 src 2 >/dev/null 2>&1
expect_code 0 jship $SRV_OPTS --to "$SRV_URL" src/*
for f in src/*; do
	check "$f published" cmp -s "$f" "$SRV_ROOT/${f#src/}"
done
check "no temporary left" test -z "$(ls -A "$SRV_ROOT" | grep '^\.')"
expect_code 0 jship -v -v $SRV_OPTS --to "$SRV_URL" src/*
check "identical resend: compared, not uploaded again" sh -c "! grep -q '> PUT' err && grep -q 'already there' err"
# (chezdav 3.0 takes any password for a known user: a wrong one cannot be checked here)
finish

#!/bin/sh
# jship over SFTP and SCP against OpenSSH's sshd: key authentication, host keys checked,
# byte-identical arrival, no temporary left, re-send accepted, conflict refused.
. ./lib.sh
. "$JM_SRC/tests/e2e/servers.sh"

start_sftp "$T" || skip "sshd did not start"
mkdir src other
jmgen src 3 >/dev/null 2>&1
jmgen -r 11 other 1 >/dev/null 2>&1
ssh="--key $SSH_KEY --known-hosts $KNOWN_HOSTS"

expect_code 0 jship $ssh --to "$SFTP_URL" src/*
ls src/* > want
check "paths printed" test_cmp want out
for f in src/*; do
	check "sftp: $f identical" cmp -s "$f" "$SFTP_ROOT/${f#src/}"
done
check "sftp: no temporary left" test -z "$(ls -A "$SFTP_ROOT" | grep '^\.')"
expect_code 0 jship $ssh --to "$SFTP_URL" src/db.0001-000000000002.journal
expect_code 65 jship $ssh --to "$SFTP_URL" other/db.0001-000000000001.journal
check "sftp: conflict message" grep -q 'exists with a different size' err
check "sftp: original kept" cmp -s src/db.0001-000000000001.journal "$SFTP_ROOT/db.0001-000000000001.journal"
check "sftp: refused temporary removed" test -z "$(ls -A "$SFTP_ROOT" | grep '^\.')"

# The default key and known_hosts come from ~/.ssh.
mkdir -p home/.ssh
cp "$SSH_KEY" home/.ssh/id_ed25519
cp "$SSH_KEY.pub" home/.ssh/id_ed25519.pub
cp "$KNOWN_HOSTS" home/.ssh/known_hosts
mkdir "$SFTP_ROOT/h"
expect_code 0 env HOME="$T/home" jship --to "${SFTP_URL}h/" src/db.0001-000000000001.journal
check "keys from ~/.ssh" cmp -s src/db.0001-000000000001.journal "$SFTP_ROOT/h/db.0001-000000000001.journal"

# scp: no rename exists, the file is written under its name.
mkdir "$SFTP_ROOT/scp"
expect_code 0 jship $ssh --to "${SCP_URL}scp/" src/*
for f in src/*; do
	check "scp: $f identical" cmp -s "$f" "$SFTP_ROOT/scp/${f#src/}"
done

# Unknown host key: refused, saying how to add it.
: > empty_known
expect_code 77 jship --key "$SSH_KEY" --known-hosts empty_known --to "$SFTP_URL" src/db.0001-000000000003.journal
check "unknown host key message" grep -q "host key not in empty_known; after checking it, add it with: ssh-keyscan -t ed25519 -p $SFTP_PORT 127.0.0.1 >> empty_known" err
# Changed host key.
ssh-keygen -q -t ed25519 -N '' -f other_host
printf '[127.0.0.1]:%s %s\n' "$SFTP_PORT" "$(cut -d' ' -f1-2 other_host.pub)" > wrong_known
expect_code 77 jship --key "$SSH_KEY" --known-hosts wrong_known --to "$SFTP_URL" src/db.0001-000000000003.journal
check "changed host key message" grep -q 'host key CHANGED' err
# A key the server does not accept.
ssh-keygen -q -t ed25519 -N '' -f stranger
expect_code 77 jship --key stranger --known-hosts "$KNOWN_HOSTS" --to "$SFTP_URL" src/db.0001-000000000003.journal
check "refused key message" grep -q 'unable to [a-z]* db.0001-000000000003.journal [a-z]* sftp' err
expect_code 77 jship --key missing_key --known-hosts "$KNOWN_HOSTS" --to "$SFTP_URL" src/db.0001-000000000003.journal
finish

#!/bin/sh
# Credentials never reach any output: libcurl's trace (-v -v) is scrubbed; a netrc others
# may read is refused (77); a password about to go in clear is said once on stderr.
. ./lib.sh
. "$JM_SRC/tests/e2e/servers.sh"

mkdir src
jmgen src 2 >/dev/null 2>&1
s1=src/db.0001-000000000001.journal
s2=src/db.0001-000000000002.journal
start_http "$T" http || skip "nginx did not start"
printf 'machine 127.0.0.1 login ship password secret\n' > netrc
chmod 600 netrc

expect_code 0 jship -v -v --netrc-file netrc --to "$HTTP_AUTH_URL" $s1 $s2
check "sent with basic authentication" cmp -s $s2 "$HTTP_AUTH_ROOT/db.0001-000000000002.journal"
check "the trace shows the header, hidden" grep -q '> Authorization: \[hidden\]' err
b64=$(printf 'ship:secret' | base64)
check "no credential in the trace" sh -c "! grep -q -e secret -e '$b64' err"
check "the trace checked the temporary's end with a range" grep -q '> Range: bytes=' err
check "clear password: said once" test "$(grep -c 'goes over the network in clear' err)" -eq 1

start_ftp "$T" plain || skip "vsftpd did not start"
printf 'machine 127.0.0.1 login anonymous password hush-hush\n' > netrc
expect_code 0 jship -v -v --netrc-file netrc --to "$FTP_URL" $s1 $s2
check "ftp: sent" cmp -s $s2 "$FTP_ROOT/db.0001-000000000002.journal"
check "ftp: clear password said once" test "$(grep -c "$FTP_URL goes over the network in clear" err)" -eq 1
check "ftp: no password in the trace" sh -c "! grep -q hush-hush err"
check "ftp: the temporary's end read back (REST)" grep -q '> REST ' err

# No password for this host in netrc: nothing to say.
printf 'machine elsewhere.example login u password p\n' > netrc2
chmod 600 netrc2
expect_code 0 jship --netrc-file netrc2 --to "$HTTP_URL" $s1
check "no password for the host: no warning" sh -c "! grep -q 'in clear' err"

# A netrc others may read: refused, nothing sent.
chmod 644 netrc
rm -f "$FTP_ROOT"/db.*
expect_code 77 jship --netrc-file netrc --to "$FTP_URL" $s1
check "world-readable netrc: says why" grep -q 'netrc can be read by others: refused' err
check "world-readable netrc: nothing sent" test ! -e "$FTP_ROOT/db.0001-000000000001.journal"
chmod 640 netrc
expect_code 77 jship --netrc-file netrc --to "$HTTP_AUTH_URL" $s1
# The default ~/.netrc is held to the same rule; sftp does not use netrc.
mkdir home
cp netrc home/.netrc
chmod 604 home/.netrc
expect_code 77 env HOME="$T/home" jship --to "$FTP_URL" $s1
finish

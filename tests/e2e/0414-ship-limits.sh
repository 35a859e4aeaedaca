#!/bin/sh
# jship at the edges: a NAME of 215 bytes (the format's limit) ships and is acknowledged;
# a queue directory that cannot be written is reported as what it is (73 read-only file
# system, 77 permission denied), never as another jship being busy.
. ./lib.sh
. "$JM_SRC/tests/e2e/servers.sh"

name=$(printf '%0215d' 0 | tr 0 n)
mkdir p in
jappend --create "p/$name.journal"
jappend "p/$name.journal" "CREATE TABLE t(i);"
seg=$(jrotate "p/$name.journal")
check "a 215-byte NAME makes a 241-byte segment name" test "${#seg}" -eq 243
expect_code 0 jship --to "file://$T/in/" --from p
check "215-byte NAME: shipped" cmp -s "$seg" "in/${seg#p/}"
check "215-byte NAME: acknowledged" grep -qx 'has 1 1 1' p/.$name.journal.ship-*[0-9a-f]
check "215-byte NAME: nothing left over" test -z "$(ls -A in p | grep -e '\.tmp\.' -e '\.part$')"
jappend "p/$name.journal" "INSERT INTO t VALUES(1);"
jrotate "p/$name.journal" > list
jappend "p/$name.journal" "INSERT INTO t VALUES(2);"
jrotate "p/$name.journal" >> list
expect_code 0 sh -c "jship --to 'file://$T/in/' < list"
check "215-byte NAME streamed, acknowledged" grep -qx 'has 1 1 3' p/.$name.journal.ship-*[0-9a-f]
if start_sftp "$T"; then
	expect_code 0 jship --key $SSH_KEY --known-hosts $KNOWN_HOSTS --to "$SFTP_URL" --from p
	check "215-byte NAME over sftp (its temporary fits in 255 bytes)" cmp -s "$seg" "$SFTP_ROOT/${seg#p/}"
fi

# A read-only queue directory.
mkdir q ro
jmgen q 1 >/dev/null 2>&1
if mount --bind -o ro q ro 2>/dev/null; then
	at_exit "umount '$T/ro'"
	expect_code 73 jship --to "file://$T/in/" --from ro
	check "read-only: the real error" grep -q 'Read-only file system' err
	check "read-only: not called busy" sh -c "! grep -q 'another jship' err"
	umount ro
else
	printf '  skip read-only bind mount not permitted\n'
fi
# A queue directory this user may not write.
if [ "$(id -u)" -eq 0 ] && id nobody >/dev/null 2>&1; then
	chmod 755 "$T" q
	chmod 644 q/*
	chmod 777 in
	expect_code 77 setpriv --reuid=nobody --regid=nogroup --clear-groups jship --to "file://$T/in/" --from q
	check "permission denied: the real error" grep -q 'Permission denied' err
	check "permission denied: not called busy" sh -c "! grep -q 'another jship' err"
else
	printf '  skip not root, or no user nobody\n'
fi
finish

#!/bin/sh
# Two jship sending the same segment to the same destination at once: each writes its own
# temporary (.NAME.HOST-PID-RANDOM.part), checks it before the rename, and the published
# file is byte for byte the segment, over file://, sftp, ftp and http. A stale temporary of
# ours (its process gone) or an old one of anyone's is removed by a later run; a live
# process's is left alone.
. ./lib.sh
. "$JM_SRC/tests/e2e/servers.sh"

mkdir src dst
jmgen -r 8 -b 1000000 src 1 >/dev/null 2>&1        # about 8 MB
seg=src/db.0001-000000000001.journal
base=db.0001-000000000001.journal

# big_temp ROOT: a temporary of $base over 2 MB is there
big_temp() { [ -n "$(find "$1" -maxdepth 1 -name ".$base.*part" -size +2M)" ]; }

# race URL ROOT OPTS...: a second sender starts when the first is half way; when the first
# has published, the file is already whole (nothing of the second's is in it)
race() {
	_u=$1 _root=$2
	shift 2
	rm -f "$_root/$base"
	jship "$@" --retries 2 --limit-rate 4M --to "$_u" $seg >o1 2>e1 &
	_p1=$!
	case $_u in
	file:*) ;;        # written natively, unthrottled: the two simply run at once
	*) wait_for big_temp "$_root" || fail "$_u: no temporary appeared" ;;
	esac
	jship "$@" --retries 2 --limit-rate 1M --to "$_u" $seg >o2 2>e2 &
	_p2=$!
	wait $_p1
	_c1=$?
	check "$_u: published by the first, identical" cmp -s $seg "$_root/$base"
	wait $_p2
	_c2=$?
	check "$_u: both senders exit 0 ($_c1 $_c2)" test "$_c1$_c2" = 00
	check "$_u: still identical" cmp -s $seg "$_root/$base"
	check "$_u: no temporary left" test -z "$(ls -A "$_root" | grep '\.part$')"
}

race "file://$T/dst/" dst
start_sftp "$T" || skip "sshd did not start"
race "$SFTP_URL" "$SFTP_ROOT" --key $SSH_KEY --known-hosts $KNOWN_HOSTS
start_ftp "$T" plain || skip "vsftpd did not start"
race "$FTP_URL" "$FTP_ROOT"
start_http "$T" http || skip "nginx did not start"
race "$HTTP_URL" "$HTTP_ROOT"

# Stale temporaries at a file:// destination.
host=$(hostname | tr -c 'A-Za-z0-9_\n-' '_' | cut -c1-64)
sh -c 'exit 0' &
dead=$!
wait $dead
for t in ".$base.$host-$dead-0000abcd.part" ".$base.$host-$$-0000abcd.part" \
    ".$base.otherhost-1-0000abcd.part" ".$base.otherhost-2-0000abcd.part" \
    ".db.0001-000000000009.journal.part"; do
	echo partial > "dst/$t"
done
touch -d '2 days ago' "dst/.$base.otherhost-1-0000abcd.part"
touch -d '2 days ago' "dst/.db.0001-000000000009.journal.part"
jmgen -s 2 -l 11 src 1 >/dev/null 2>&1
expect_code 0 jship --to "file://$T/dst/" src/db.0001-000000000002.journal
check "stale: ours with no process, removed" test ! -e "dst/.$base.$host-$dead-0000abcd.part"
check "stale: another host's, two days old, removed" test ! -e "dst/.$base.otherhost-1-0000abcd.part"
check "live process's kept" test -e "dst/.$base.$host-$$-0000abcd.part"
check "another host's, young, kept" test -e "dst/.$base.otherhost-2-0000abcd.part"
check "a name not of ours kept" test -e "dst/.db.0001-000000000009.journal.part"

# The same over sftp: ours with no process is removed.
echo partial > "$SFTP_ROOT/.$base.$host-$dead-0000abcd.part"
echo partial > "$SFTP_ROOT/.$base.$host-$$-0000abcd.part"
expect_code 0 jship --key $SSH_KEY --known-hosts $KNOWN_HOSTS --to "$SFTP_URL" src/db.0001-000000000002.journal
check "sftp stale: removed" test ! -e "$SFTP_ROOT/.$base.$host-$dead-0000abcd.part"
check "sftp live: kept" test -e "$SFTP_ROOT/.$base.$host-$$-0000abcd.part"
finish

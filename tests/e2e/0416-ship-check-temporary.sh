#!/bin/sh
# What the server holds is checked before the rename: something on the server replaces the
# temporary while it is uploaded (another inode under its name), with the right size but
# other bytes, or with more bytes. jship then says what it found (the end differs; the
# size), removes the temporary, publishes nothing and exits 75; a later run publishes the
# segment. Over SFTP the check is one read of the last bytes, which also tells the size; a
# longer file is not read beyond its first difference.
. ./lib.sh
. "$JM_SRC/tests/e2e/servers.sh"
start_sftp "$T" || skip "sshd did not start"
command -v inotifywait >/dev/null || skip "inotifywait is not installed"

mkdir src
jmgen -r 40 -b 1000000 src 1 >/dev/null 2>&1         # about 40 MB: its upload takes a while
base=db.0001-000000000001.journal
seg=src/$base
size=$(stat -c %s "$seg")
o="--retries 0 --key $SSH_KEY --known-hosts $KNOWN_HOSTS"

watching_dir() { grep -qs inotify /proc/"$1"/fdinfo/* 2>/dev/null; }
# swap BYTES: once a temporary appears, put BYTES zero bytes (sparse) under its name
swap() {
	: > created
	inotifywait -q -m -e create --format '%f' "$SFTP_ROOT" > created 2>/dev/null &
	iw=$!
	wait_for watching_dir $iw || echo "inotifywait did not start"
	(
		while ! grep -q '\.part$' created; do sleep 0.001; done
		truncate -s "$1" "$T/zeros"
		mv "$T/zeros" "$SFTP_ROOT/$(grep '\.part$' created | head -1)"
		kill $iw
	) &
	sw=$!
}

# refused WHAT BYTES MESSAGE: the temporary swapped for BYTES zero bytes; 75 and MESSAGE
refused() {
	swap "$2"
	expect_code 75 jship $o --to "$SFTP_URL" "$seg"
	wait $sw
	check "$1: said" grep -q "unable to publish $base at .*: $3" err
	check "$1: nothing published" test ! -e "$SFTP_ROOT/$base"
	check "$1: the temporary removed" test -z "$(ls -A "$SFTP_ROOT")"
}
refused "same size, other bytes" "$size" "the end of \.$base\..*\.part differs from the source"
big=$((size + 5000000000))
refused "5 GB longer" "$big" "\.$base\..*\.part has $big bytes, not $size"

expect_code 0 jship $o --to "$SFTP_URL" "$seg"
check "a later run publishes it" cmp -s "$seg" "$SFTP_ROOT/$base"
finish

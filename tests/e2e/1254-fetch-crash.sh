#!/bin/sh
# jfetch killed (SIGKILL) at every step of its crash ladder: nothing incomplete ever carries
# a segment's name in DIR, and the next run completes the work: every segment in DIR once,
# byte-identical, none fetched twice. A crash between a new cursor and the removal of the
# old one leaves two; readers take the higher and the next run removes the older.
. ./lib.sh

mkdir src hub
jmgen src 3 >/dev/null 2>&1
cp src/*.journal hub/
H="file://$T/hub/"

for step in fetch-synced fetch-verified fetch-published fetch-recorded; do
	rm -rf in && mkdir in
	JM_TEST_CRASH=$step jfetch "$H" in >out1 2>err1
	check "$step: killed there" test $? -eq 137
	for f in in/*.journal; do
		[ -e "$f" ] || continue
		cmp -s "$f" "src/${f#in/}" || fail "$step: $f is not whole"
	done
	expect_code 0 jfetch "$H" in
	check "$step: every segment in DIR, byte-identical" sh -c 'for f in src/*; do cmp -s $f in/${f#src/} || exit 1; done'
	check "$step: no temporary left" test -z "$(ls -A in | grep '\.part$')"
	cat out1 out > printed
	check "$step: no path printed twice" test "$(sort printed | uniq -d | wc -l)" -eq 0
	expect_code 0 jfetch "$H" in
	check "$step: a third run fetches nothing" test ! -s out
done

# the cursor: new one written, old one not yet removed
rm -rf in hub/.jmirror && mkdir in
rm hub/$(seg 3)
expect_code 0 jfetch --name m "$H" in
cp src/$(seg 3) hub/
JM_TEST_CRASH=cursor-put jfetch --name m "$H" in >/dev/null 2>&1
check "cursor-put: killed there" test $? -eq 137
check "cursor-put: two cursors for a moment" test "$(ls hub/.jmirror | wc -l)" -eq 2
expect_code 0 jstatus --hub "$H"
check "readers take the higher" grep -q "mirror m *at 0001-000000000003" out
expect_code 0 jfetch --name m "$H" in
check "the next run removes the older" test "$(ls hub/.jmirror)" = "m.cursor.0001-000000000003"
finish

#!/bin/sh
# jwatch: what counts as an arrival (renamed, linked, written in place, completed later,
# compressed), what does not (temporary, foreign, symlinked, directory, half-written), --once
# in sequence order, -0, SIGTERM, and the directory removed or moved away.
. ./lib.sh

mkdir st in big
jmgen st 12 >/dev/null 2>&1 || fail "jmgen"

expect_code 0 jwatch --help
check "--help prints the synopsis" grep -q 'jwatch \[-0\]' "$T/out"
expect_code 0 jwatch --version
expect_code 64 jwatch
expect_code 64 jwatch a b
expect_code 64 jwatch --backoff nonsense in
expect_code 66 jwatch --once nowhere
check "missing directory named" grep -q 'jwatch: unable to open directory nowhere' "$T/err"
: >afile
expect_code 66 jwatch afile

# --once: in sequence order whatever the creation order; plain and compressed; the rest
# ignored.
cp st/"$(seg 3)" in/
cp st/"$(seg 1)" in/
zstd -q st/"$(seg 2)" -o in/"$(seg 2)".zst
cp st/"$(seg 4)" in/.db.0001-000000000004.journal.part        # temporary name
printf 'hello\n' >in/notes.txt                                 # foreign name
printf 'not a segment at all, but named like one...\n' >in/db.0001-000000000009.journal
ln -s ../st/"$(seg 5)" in/"$(seg 5)"                           # symlink to a whole segment
mkdir in/"$(seg 6)"                                            # directory
head -c 300 st/"$(seg 7)" >in/"$(seg 7)"                       # half-written
mkfifo in/"$(seg 8)"                                           # not a regular file
expect_code 0 jwatch --once in
printf 'in/%s\nin/%s.zst\nin/%s\n' "$(seg 1)" "$(seg 2)" "$(seg 3)" >want
check "--once: complete segments in sequence order" test_cmp want "$T/out"
check "--once: a foreign file with a segment name is named" \
	grep -q "ignoring in/$(seg 9): " "$T/err"
expect_code 0 jwatch --once -0 in/
printf 'in/%s\0in/%s.zst\0in/%s\0' "$(seg 1)" "$(seg 2)" "$(seg 3)" >want
check "-0: NUL-terminated, trailing slash dropped" test_cmp want "$T/out"

# Live: what is there first (in order), then arrivals in arrival order.
rm -f in/"$(seg 9)" in/"$(seg 8)"
jwatch in >live 2>live.err &
pid=$!
wait_lines 3 live
mv st/"$(seg 10)" in/                                   # rename (IN_MOVED_TO)
wait_lines 4 live
cp st/"$(seg 4)" in/.tmp && ln in/.tmp in/"$(seg 4)" && rm in/.tmp  # link+unlink (IN_CREATE)
wait_lines 5 live
# seg 7 has not changed since the scan, and every event before seg 4's is handled
check "half-written file not reported yet" test "$(wc -l <live)" -eq 5
tail -c +301 st/"$(seg 7)" >>in/"$(seg 7)"              # completed in place (IN_CLOSE_WRITE)
wait_lines 6 live
cp st/"$(seg 11)" in/                                   # written in place
wait_lines 7 live
xz -c st/"$(seg 12)" >in/.x && mv in/.x in/"$(seg 12)".xz    # compressed, renamed
wait_lines 8 live
# A larger segment (read in two places, not at once), half-written then completed.
jmgen -r 300 -b 100 -s 13 -l 200 big 1 >/dev/null 2>&1
big=$(seg 13)
head -c 20000 big/$big >in/$big
# A marker arrival after it: once the marker is reported, the events of the half-written
# file have been handled, without a report.
cp st/"$(seg 8)" in/.m && mv in/.m in/"$(seg 8)"
wait_lines 9 live
check "large half-written file not reported yet" test "$(tail -n 1 live)" = in/"$(seg 8)"
tail -c +20001 big/$big >>in/$big
wait_lines 10 live
mkfifo in/db.0001-000000000030.journal                      # a FIFO must not block jwatch
# Neither the dot file, the symlink, the directory, a half-written copy, nor a second copy of
# a reported segment (compressed) is reported; a file re-created after the reported one
# left the directory (deleted here; set aside by jintegrate) is a new arrival.
cp st/"$(seg 5)" in/.db.0001-000000000005.journal
ln -sf ../st/"$(seg 11)" in/db.0001-000000000020.journal
mkdir in/db.0001-000000000021.journal
head -c 500 st/"$(seg 5)" >in/"$(seg 5)".tmp && mv in/"$(seg 5)".tmp in/db.0001-000000000022.journal
gzip -c in/"$(seg 3)" >in/"$(seg 3)".gz
rm in/"$(seg 10)" && cp st/"$(seg 11)" in/"$(seg 10)"   # same name again: reported again
rm in/"$(seg 1)" && cp in/"$(seg 3)" in/"$(seg 1)"
wait_lines 12 live              # every event above was handled before the last one
kill -TERM $pid
wait $pid
check "SIGTERM: exit 0" test $? -eq 0
cat >want <<W
in/$(seg 1)
in/$(seg 2).zst
in/$(seg 3)
in/$(seg 10)
in/$(seg 4)
in/$(seg 7)
in/$(seg 11)
in/$(seg 12).xz
in/$(seg 8)
in/$(seg 13)
in/$(seg 10)
in/$(seg 1)
W
check "live: scan in order, then each arrival once, in arrival order" test_cmp want live
check "live: nothing on stderr" test_cmp /dev/null live.err

# SIGINT too.
jwatch in >/dev/null 2>&1 &
pid=$!
wait_for watching $pid
kill -INT $pid
wait $pid
check "SIGINT: exit 0" test $? -eq 0

# The watched directory removed, or moved away: said, and exit 66.
mkdir gone
jwatch gone >/dev/null 2>gone.err &
pid=$!
wait_for watching $pid
rmdir gone
wait $pid
check "directory removed: exit 66" test $? -eq 66
check "directory removed: said" grep -q '^jwatch: gone: directory removed$' gone.err
mkdir moved
jwatch moved/ >/dev/null 2>moved.err &
pid=$!
wait_for watching $pid
mv moved moved2
wait $pid
check "directory moved: exit 66" test $? -eq 66
check "directory moved: said" grep -q '^jwatch: moved: directory moved away$' moved.err

# A reader that goes away ends jwatch at once (not at the next arrival, which may never
# come), exit 74, so that a pipeline whose consumer failed ends and can be restarted.
mkfifo pipe
mkdir empty
jwatch empty >pipe 2>pipe.err &
pid=$!
: <pipe
wait_for ended $pid
wait $pid
check "reader gone: exit 74" test $? -eq 74
check "reader gone: said" grep -q '^jwatch: standard output closed by its reader$' pipe.err
finish

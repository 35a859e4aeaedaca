#!/bin/sh
# A rotation whose unlocked first pass meets a record that a writer is still writing must
# read that record again under the lock and seal it, not cut it as a torn tail.
. ./lib.sh

jappend --create db.journal
jappend db.journal a b c
# The frame the next append would write, made on a copy.
cp db.journal copy.journal
jappend copy.journal "the record being written"
tail -c +$(($(stat -c %s db.journal) + 1)) copy.journal >frame
check "frame is 52 bytes" test "$(stat -c %s frame)" -eq 52
# A "writer" holds the lock, writes half the frame, pauses (1 s, on purpose: the rotation
# starts meanwhile), writes the rest.
size0=$(stat -c %s db.journal)
flock .db.journal.lock sh -c 'head -c 20 frame >>db.journal; sleep 1
	tail -c +21 frame >>db.journal' &
holder=$!
half_written() { [ "$(stat -c %s db.journal)" -eq $((size0 + 20)) ]; }
wait_for half_written
jrotate db.journal >rot.out 2>rot.err &    # pass 1 sees half a frame, then waits
rp=$!
wait $holder
wait $rp
check "jrotate exits 0" test $? -eq 0
check "sealed segment 1" grep -qx db.0001-000000000001.journal rot.out
expect_code 0 jjdump db.0001-000000000001.journal db.journal
printf '1\ta\n2\tb\n3\tc\n4\tthe record being written\n' >want
check "the record written during pass 1 is sealed" test_cmp want "$T/out"
finish

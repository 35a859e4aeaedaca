#!/bin/sh
# A power cut tears an unsynced append: LazyFS's torn-op persists some thirds of the write
# (zeros where the others were, and the appends before it never reached the disk), then
# crashes. The next jappend cuts what the power cut left (jmirror.5: a torn tail) and appending
# goes on with the next LSN; every record appended with --sync before it survives; jcat
# --verify passes. 0.1.0 stayed stuck here ("damaged record ... with records after it", 65).
. "$(dirname "$0")/lib.sh"

J=$MNT/db.journal
batch="batch-record-01 batch-record-02 batch-record-03 batch-record-04 batch-record-05
batch-record-06 batch-record-07 batch-record-08 batch-record-09 batch-record-10
batch-record-11 batch-record-12"         # 12 records of 43 bytes: thirds of 4 records

# Tear the next write to the journal: keep the parts in $1 of 3, then crash.
torn_append() {
	lz_fault "lazyfs::torn-op::file=$real_root/db.journal::persist=$1::parts=3"
	# shellcheck disable=SC2086
	jappend "$J" $batch 2>/dev/null
	lz_wait_down
	lz_start
}

# Records as "LSN payload", in order.
records() { jcat "$J" | awk '!/^#/ { print $1, $4 }'; }

lz_start
real_root=$(cd "$ROOT" && pwd -P)
expect_code 0 jappend --create "$J"
expect_code 0 jappend --sync "$J" s1 s2
jappend "$J" u1 && jappend "$J" u2          # never synced: lost with the torn write

# persist=2,3: the write's first third is missing, its tail and whole records survive.
torn_append 2,3
check "the torn write reached the disk in part" sh -c "[ \$(wc -c < '$ROOT/db.journal') -gt 400 ]"
expect_code 0 jcat --verify "$J"
expect_code 0 jappend --sync "$J" next1
records > got
printf '1 s1\n2 s2\n3 next1\n' > want
check "the torn write and the lost appends cut; LSN 3 follows the synced 2" test_cmp want got

# persist=1,3: a hole in the middle; the first four records of the write are whole.
expect_code 0 jappend --sync "$J" s3
torn_append 1,3
expect_code 0 jappend --sync "$J" next2
expect_code 0 jcat --verify "$J"
records > got
printf '1 s1\n2 s2\n3 next1\n4 s3\n5 batch-record-01\n6 batch-record-02\n7 batch-record-03\n8 batch-record-04\n9 next2\n' > want
check "the write's whole first third kept, the rest cut" test_cmp want got

# A plain power cut in the middle of a stream of unsynced appends, then appends.
( i=0; while jappend "$J" "stream-$i" 2>/dev/null; do i=$((i + 1)); done ) &
n=0
while [ "$(jcat "$J" 2>/dev/null | grep -c stream-)" -lt 20 ] && [ $n -lt 600 ]; do
	n=$((n + 1)); sleep 0.05
done
check "the stream was running" [ $n -lt 600 ]
lz_crash $!
wait
lz_start
expect_code 0 jappend --sync "$J" after
expect_code 0 jcat --verify "$J"
records > got
printf '1 s1\n2 s2\n3 next1\n4 s3\n5 batch-record-01\n6 batch-record-02\n7 batch-record-03\n8 batch-record-04\n9 next2\n10 after\n' > want
check "the unsynced stream is gone, every synced record kept" test_cmp want got

# A one-record append torn the same way: its lost third is shorter than a record head and
# nothing whole follows it, so no rule can mistake it for damage to keep.
lz_fault "lazyfs::torn-op::file=$real_root/db.journal::persist=2,3::parts=3"
jappend "$J" tiny 2>/dev/null
lz_wait_down
lz_start
expect_code 0 jappend --sync "$J" after-tiny
check "the torn record cut, LSN 11 follows" sh -c "jcat '$J' | grep -q '^11 .* after-tiny\$'"

# The rotator follows the same rule: it seals what the torn write left before it.
expect_code 0 jappend --sync "$J" s4
torn_append 2,3
expect_code 0 jrotate "$J"
seg=$MNT/db.0001-000000000001.journal
expect_code 0 jcat --verify "$seg"
check "the segment ends with the last synced record" sh -c "jcat '$seg' | awk '!/^#/ { l = \$1 \" \" \$4 } END { exit l != \"12 s4\" }'"
expect_code 0 jappend --sync "$J" after-rotation
check "the live journal goes on at LSN 13" sh -c "jcat '$J' | grep -q '^13 .* after-rotation\$'"
lz_stop
finish

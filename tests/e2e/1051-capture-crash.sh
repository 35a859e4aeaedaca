#!/bin/sh
# A drain killed at each of its steps (JM_TEST_CRASH, a test-only hook), and restarted after
# rotations that sealed and removed the segment holding its last record: every change reaches
# the journal exactly once, in order.
. ./lib.sh

row() { python3 "$JM_SRC/tests/e2e/jmrow.py" "$@"; }
appdump() { sqlite3 "$1" .dump | grep -v 'jmirror_\|^PRAGMA\|^BEGIN\|^COMMIT\|sqlite_sequence'; }
# Positions of every row record follow one another with no gap and no overlap.
contiguous() { row positions "$@" | awk 'NR > 1 && $1 != last + 1 { exit 1 } { last = $2 }'; }
# The journal files of directory $1, in order: segments, then the live journal.
files() { ls "$1"/app.0*.journal 2>/dev/null | sort; echo "$1/app.journal"; }
mirrored() { rm -f "$1/r.db"; row replay "$1/r.db" $(files "$1") && appdump "$1/app.db" >"$1/p.dump" &&
	appdump "$1/r.db" >"$1/r.dump" && test_cmp "$1/p.dump" "$1/r.dump"; }

setup() {
	mkdir "$1"
	sqlite3 "$1/app.db" "CREATE TABLE t(k INTEGER PRIMARY KEY, v); INSERT INTO t VALUES(1, 'one')"
	jappend --create "$1/app.journal"
	jcapture --install "$1/app.db" "$1/app.journal" || fail "$1: install"
	sqlite3 "$1/app.db" "INSERT INTO t VALUES(2, 'two'); UPDATE t SET v = 'uno' WHERE k = 1"
}

for step in capture-read capture-appended capture-deleted; do
	d=$step
	setup "$d"
	JM_TEST_CRASH=$step jcapture "$d/app.db" "$d/app.journal" >/dev/null 2>&1
	rc=$?
	check "$d: killed at $step (rc $rc)" test $rc -eq 137
	sqlite3 "$d/app.db" "INSERT INTO t VALUES(3, 'three')"
	expect_code 0 jcapture "$d/app.db" "$d/app.journal"
	check "$d: the outbox is empty" test "$(sqlite3 "$d/app.db" "SELECT count(*) FROM jmirror_outbox WHERE op <> 'P'")" -eq 0
	check "$d: positions contiguous" contiguous $(files "$d")
	check "$d: every change once (the mirror equals the primary)" mirrored "$d"
	expect_code 0 jcat --verify $(files "$d")
done

# Killed after appending; the journal rotated twice (the second time with no row record)
# and every segment removed: the live journal's header alone says what was appended.
d=rotated
setup $d
JM_TEST_CRASH=capture-appended jcapture $d/app.db $d/app.journal >/dev/null 2>&1
check "$d: killed after appending" test "$(sqlite3 $d/app.db "SELECT count(*) FROM jmirror_outbox WHERE op <> 'P'")" -gt 0
jrotate -q $d/app.journal
jappend $d/app.journal "SELECT 1"
jrotate -q $d/app.journal
pos=$(row positions $(files $d) | tail -1 | cut -d' ' -f2)
mkdir $d/shipped
mv $d/app.0*.journal $d/shipped/
python3 -c '
import struct, sys
h = open(sys.argv[1], "rb").read(128)
print(struct.unpack_from("<Q", h, 96)[0])' $d/app.journal >carried
check "$d: the live header carries position $pos" test "$(cat carried)" = "$pos"
sqlite3 $d/app.db "INSERT INTO t VALUES(4, 'four')"
expect_code 0 jcapture $d/app.db $d/app.journal
mv $d/shipped/* $d/
check "$d: positions contiguous" contiguous $(files $d)
check "$d: every change once" mirrored $d

finish

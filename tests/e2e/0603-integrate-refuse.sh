#!/bin/sh
# jintegrate: damaged, truncated, CR/LF-mangled, foreign, unchained, renamed and
# out-of-timeline segments are refused (65) with a one-line reason, the mirror unchanged.
. ./lib.sh
command -v sqlite3 >/dev/null || skip "sqlite3 command line not installed"

mkdir in bad
jmgen -r 10 in 3 >/dev/null 2>d3
jmgen -r 10 -s 4 -l 31 -p "$(cat d3)" bad 1 >/dev/null 2>/dev/null
good=bad/db.0001-000000000004.journal
expect_code 0 jintegrate --db m.db in/*
snap() { sqlite3 m.db '.dump t' 'select * from jmirror_state' 'select * from jmirror_timeline'; }
snap >before
refused() { # refused FILE PATTERN
	expect_code 65 jintegrate --db m.db "$1"
	check "one line: $2" test "$(wc -l <err)" -eq 1
	check "says: $2" grep -q "$2" err
	check "nothing printed" test ! -s out
	snap >after
	check "mirror unchanged" test_cmp before after
}
size=$(wc -c <$good)

mkdir d; cp $good d/; flip d/db.0001-000000000004.journal 300
refused d/db.0001-000000000004.journal "checksum"
mkdir d2; cp $good d2/; flip d2/db.0001-000000000004.journal $((size - 10))
refused d2/db.0001-000000000004.journal "SHA-256 mismatch"
mkdir t; head -c $((size - 10)) $good >t/db.0001-000000000004.journal
refused t/db.0001-000000000004.journal "truncated"
mkdir t2; head -c 500 $good >t2/db.0001-000000000004.journal
refused t2/db.0001-000000000004.journal "truncated"
mkdir c; perl -0777 -pe 's/\n/\r\n/g' <$good >c/db.0001-000000000004.journal
refused c/db.0001-000000000004.journal "CR/LF"
mkdir f; jmgen -L 22222222222222222222222222222222 -r 10 -s 4 -l 31 -p "$(cat d3)" f 1 >/dev/null 2>&1
refused f/db.0001-000000000004.journal "foreign segment: lineage 2222"
mkdir u; jmgen -r 10 -s 4 -l 31 -p "$(printf '%064d' 7)" u 1 >/dev/null 2>&1
refused u/db.0001-000000000004.journal "does not chain"
mkdir g; jmgen -r 10 -s 4 -l 35 -p "$(cat d3)" g 1 >/dev/null 2>&1
refused g/db.0001-000000000004.journal "LSNs out of sequence"
mkdir r; cp in/db.0001-000000000003.journal r/db.0001-000000000004.journal   # its turn: seq 4
refused r/db.0001-000000000004.journal "renamed or damaged"
mkdir e; jmgen -r 10 e 3 >/dev/null 2>&1
refused e/db.0001-000000000003.journal "differs from the segment the mirror applied as seq 3"

# timelines: the new primary's timeline 2 chains at seq 4; the old primary's late seq 4
# and 5 on timeline 1 are refused
mkdir tl2 tl1
jmgen -t 2 -r 10 -s 4 -l 31 -p "$(cat d3)" tl2 1 >/dev/null 2>/dev/null
jmgen -t 1 -r 10 -s 4 -l 31 -p "$(cat d3)" tl1 2 >/dev/null 2>/dev/null
expect_code 0 jintegrate --db m.db tl2/db.0002-000000000004.journal
check "follows timeline 2" test "$(sqlite3 m.db 'select timeline, seq from jmirror_state; select * from jmirror_timeline')" = "2|4
1|1|1
2|4|31"
snap >before
refused tl1/db.0001-000000000005.journal "segment 5 is on timeline 1, the mirror follows timeline 2 since seq 4: written by the old primary after the fork?"
refused tl1/db.0001-000000000004.journal "segment 4 is on timeline 1, the mirror follows timeline 2 since seq 4"
expect_code 0 jintegrate --db m.db in/db.0001-000000000002.journal
check "an old segment before the fork is already applied" test_cmp in/../before before

# after a final segment only a new timeline goes on, as jcat --verify says
mkdir fin fin1 fin2
jmgen -F -r 2 fin 2 >/dev/null 2>fd
jmgen -s 3 -l 5 -p "$(cat fd)" -r 1 fin1 1 >/dev/null 2>&1
jmgen -t 2 -s 3 -l 5 -p "$(cat fd)" -r 1 fin2 1 >/dev/null 2>&1
expect_code 0 jintegrate --db f.db fin/*
expect_code 65 jintegrate --db f.db fin1/db.0001-000000000003.journal
check "after final, same timeline: refused" grep -qx "jintegrate: fin1/db.0001-000000000003.journal: segment 3 follows the final segment (seq 2) on the same timeline 1: only a new timeline goes on after it" err
check "after final, same timeline: nothing applied" test "$(sqlite3 f.db 'select timeline, seq, last_lsn from jmirror_state')" = "1|2|4"
expect_code 0 jintegrate --db f.db fin2/db.0002-000000000003.journal
check "after final, a new timeline goes on" test "$(sqlite3 f.db 'select timeline, seq, last_lsn from jmirror_state')" = "2|3|5"

# operational databases refuse integration
sqlite3 m.db "update jmirror_state set role='operational'"
expect_code 69 jintegrate --db m.db tl2/db.0002-000000000004.journal
check "says operational" grep -q "operational" err
finish

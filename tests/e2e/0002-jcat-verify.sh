#!/bin/sh
# jcat --verify: checksums of each file and the chain across them, with the file, the byte
# offset and what is wrong for each problem.
. ./lib.sh
s() { printf 'db.%04d-%012d.journal' "$1" "$2"; }
mkdir c
jmgen -r 5 c 4 >/dev/null 2>digest4
cd c

expect_code 0 jcat --verify db.*
cat >../want <<EOF2
$(s 1 1): ok, sealed, timeline 1, seq 1, LSN 1-5
$(s 1 2): ok, sealed, timeline 1, seq 2, LSN 6-10
$(s 1 3): ok, sealed, timeline 1, seq 3, LSN 11-15
$(s 1 4): ok, sealed, timeline 1, seq 4, LSN 16-20
EOF2
check "good chain" test_cmp ../want ../out
expect_code 0 jcat --verify -q db.*
check "-q: nothing on stdout" test ! -s ../out
# the order of the arguments does not matter: files are sorted by (timeline, seq)
expect_code 0 jcat --verify $(s 1 4) $(s 1 2) $(s 1 3) $(s 1 1)
check "arguments in any order" test_cmp ../want ../out
expect_code 0 jcat --verify --json db.*
check "json lines" test "$(python3 -c 'import json,sys; print(sum(json.loads(l)["kind"] == "verified" for l in open(sys.argv[1])))' ../out)" = 4

# a hole
expect_code 65 jcat --verify $(s 1 1) $(s 1 3) $(s 1 4)
check "hole named" grep -qx "jcat: $(s 1 3): offset 40: segment 3 does not follow seq 1: missing seq 2" ../err
check "no ok line for the file after the hole" sh -c "! grep -q '^$(s 1 3)' ../out"
check "ok lines for the others" test "$(grep -c ': ok, ' ../out)" -eq 2

# a reordered pair: two segments swapped under each other's names
mkdir ../sw && cp db.* ../sw && cd ../sw
mv $(s 1 2) x && mv $(s 1 3) $(s 1 2) && mv x $(s 1 3)
expect_code 65 jcat --verify db.*
check "swapped names: header seq differs from the name" grep -qx "jcat: $(s 1 3): offset 40: the name says timeline 1 seq 3, the header timeline 1 seq 2: renamed or damaged" ../err
check "swapped names: both named" grep -qx "jcat: $(s 1 2): offset 40: the name says timeline 1 seq 2, the header timeline 1 seq 3: renamed or damaged" ../err
cd ../c

# a foreign lineage continuing the numbering
mkdir ../f
jmgen -L 22222222222222222222222222222222 -s 5 -l 21 -p "$(cat ../digest4)" -r 2 ../f 1 >/dev/null 2>&1
expect_code 65 jcat --verify db.* ../f/$(s 1 5)
check "foreign lineage" grep -qx "jcat: ../f/$(s 1 5): offset 16: foreign segment: lineage 22222222222222222222222222222222, the chain follows lineage 11111111111111111111111111111111" ../err
# the right continuation, but a wrong previous digest
jmgen -s 5 -l 21 -p "$(printf '%064d' 7)" -r 2 ../f 1 >/dev/null 2>&1
expect_code 65 jcat --verify db.* ../f/$(s 1 5)
check "previous digest" grep -qx "jcat: ../f/$(s 1 5): offset 64: segment 5 does not chain: its previous digest is 0000000000000000..., the chain's last segment (seq 4) has $(cut -c1-16 ../digest4)..." ../err
jmgen -s 5 -l 22 -p "$(cat ../digest4)" -r 2 ../f 1 >/dev/null 2>&1
expect_code 65 jcat --verify db.* ../f/$(s 1 5)
check "LSN gap" grep -qx "jcat: ../f/$(s 1 5): offset 48: segment 5 starts at LSN 22, the chain is at LSN 20: LSNs out of sequence" ../err
jmgen -s 5 -l 21 -p "$(cat ../digest4)" -r 2 ../f 1 >/dev/null 2>../digest5
expect_code 0 jcat --verify db.* ../f/$(s 1 5)

# a flipped byte, anywhere, is found with its offset
cp $(s 1 2) ../keep
printf 'X' | dd of=$(s 1 2) bs=1 seek=200 conv=notrunc 2>/dev/null
expect_code 65 jcat --verify db.*
check "flipped byte" grep -qx "jcat: $(s 1 2): offset 196: record checksum mismatch" ../err
check "no ok line for the damaged file" sh -c "! grep -q '^$(s 1 2)' ../out"
size=$(wc -c <../keep)
printf 'X' | dd of=$(s 1 2) bs=1 seek=$((size - 1)) conv=notrunc 2>/dev/null
cp ../keep x; printf 'X' | dd of=x bs=1 seek=$((size - 1)) conv=notrunc 2>/dev/null; mv x $(s 1 2)
expect_code 65 jcat --verify $(s 1 2)
check "flipped digest byte" grep -qx "jcat: $(s 1 2): offset $((size - 80)): SHA-256 mismatch: the segment is damaged" ../err
cp ../keep $(s 1 2)

# truncated
head -c $((size - 1)) ../keep >$(s 1 2)
expect_code 65 jcat --verify db.*
check "truncated trailer" grep -qx "jcat: $(s 1 2): offset $((size - 80)): truncated trailer (cut short in transit? re-ship it)" ../err
head -c 300 ../keep >$(s 1 2)
expect_code 65 jcat --verify $(s 1 2)
check "truncated record" grep -q "offset [0-9]*: truncated record: its length [0-9]* runs past the end (cut short in transit? re-ship it)" ../err
cp ../keep $(s 1 2)

# an ASCII-mode transfer: LF -> CR LF, and CR LF -> LF
sed 's/$/\r/' ../keep >$(s 1 2)
expect_code 65 jcat --verify db.*
check "LF to CR/LF named" grep -qx "jcat: $(s 1 2): offset 0: bad magic: LF converted to CR/LF (ASCII-mode transfer)" ../err
python3 -c 'import sys; d=open(sys.argv[1],"rb").read(); open(sys.argv[2],"wb").write(d.replace(b"\r\n",b"\n"))' ../keep $(s 1 2)
expect_code 65 jcat --verify $(s 1 2)
check "CR/LF to LF named" grep -qx "jcat: $(s 1 2): offset 0: bad magic: CR/LF converted to LF (ASCII-mode transfer)" ../err
cp ../keep $(s 1 2)

# timelines: a switch where the chain continues is shown; a fork is out of timeline
mkdir ../t && cp db.* ../t && cd ../t
jmgen -t 2 -s 5 -l 21 -p "$(cat ../digest4)" -r 3 . 2 >/dev/null 2>/dev/null
expect_code 0 jcat --verify db.*
check "timeline switch shown" grep -qx "timeline 1 -> 2 at seq 5 (LSN 21)" ../out
check "segments after the switch" grep -qx "$(s 2 6): ok, sealed, timeline 2, seq 6, LSN 24-26" ../out
cp ../f/$(s 1 5) .        # the old primary's segment 5, written after the fork
expect_code 65 jcat --verify db.*
check "fork: out of timeline" grep -qx "jcat: $(s 1 5): offset 32: timeline 1 at seq 5 is superseded by timeline 2 ($(s 2 5)): out of timeline" ../err
rm $(s 1 5)
jmgen -t 1 -s 7 -l 27 -r 1 . 1 >/dev/null 2>&1
expect_code 65 jcat --verify db.*
check "timeline going back" grep -qx "jcat: $(s 1 7): offset 32: segment 7 is on timeline 1, the chain follows timeline 2 since seq 5: written by the old primary after the fork?" ../err
rm $(s 1 7)
# after a final segment the chain may only go on in a new timeline
mkdir ../fin && cd ../fin
jmgen -F -r 2 . 2 >/dev/null 2>d
jmgen -s 3 -l 5 -p "$(cat d)" -r 1 . 1 >/dev/null 2>&1
expect_code 65 jcat --verify db.*
check "after final, same timeline" grep -qx "jcat: $(s 1 3): offset 32: segment 3 follows the final segment (seq 2) on the same timeline 1: only a new timeline goes on after it" ../err
rm $(s 1 3)
jmgen -t 2 -s 3 -l 5 -p "$(cat d)" -r 1 . 1 >/dev/null 2>&1
expect_code 0 jcat --verify db.*
check "final segment shown" grep -qx "$(s 1 2): ok, sealed, timeline 1, seq 2, LSN 3-4, final" ../out
cd ../c

# a live journal may end the chain, not sit inside it
jmgen -s 5 -l 21 -p "$(cat ../digest4)" -r 3 ../f 1 >/dev/null 2>../digest5
head -c $(( $(wc -c <../f/$(s 1 5)) - 90 )) ../f/$(s 1 5) >db.journal
expect_code 0 jcat --verify db.*
check "live journal ends the chain" grep -qx "db.journal: ok, live, timeline 1, seq 5, LSN 21-22, torn tail of 58 bytes ignored" ../out
# beside the segment it became (a rotation stopped after sealing): an earlier state of it
expect_code 0 jcat --verify db.* ../f/$(s 1 5)
check "live journal beside its own segment" grep -qx "../f/$(s 1 5): ok, sealed, timeline 1, seq 5, LSN 21-23" ../out
jmgen -s 6 -l 24 -p "$(cat ../digest5)" -r 1 ../f 1 >/dev/null 2>&1
expect_code 65 jcat --verify db.* ../f/$(s 1 6)
check "live journal inside the chain" grep -qx "jcat: ../f/$(s 1 6): offset 0: segment 6 follows a live journal of seq 5: a live journal ends its chain" ../err
rm db.journal
jmgen -s 3 -l 11 -p "$(printf '%064d' 3)" -r 1 ../f 1 >/dev/null 2>&1
cp ../f/$(s 1 3) db.journal
expect_code 65 jcat --verify db.*
check "two different files with one seq" grep -qx "jcat: db.journal: offset 0: seq 3 given twice, with different headers (also $(s 1 3))" ../err
rm db.journal
# identical copies (plain and compressed) of one segment are one segment
zstd -q $(s 1 2) -o $(s 1 2).zst
expect_code 0 jcat --verify db.*
check "compressed copy accepted" grep -qx "$(s 1 2): ok, sealed, timeline 1, seq 2, LSN 6-10" ../out
rm $(s 1 2); expect_code 0 jcat --verify db.*
check "compressed copy alone" grep -qx "$(s 1 2).zst: ok, sealed, timeline 1, seq 2, LSN 6-10" ../out
rm $(s 1 2).zst; cp ../keep $(s 1 2)

# junk, empty files, directories, missing files: a line each, never a crash
head -c 5000 /dev/urandom >../junk
: >../empty
mkdir ../$(s 1 9)
expect_code 65 jcat --verify ../junk
check "junk" grep -qx "jcat: ../junk: offset 0: not a jmirror journal (bad magic)" ../err
expect_code 65 jcat --verify ../empty
check "empty" grep -qx "jcat: ../empty: offset 0: truncated: 0 bytes, shorter than a header" ../err
expect_code 66 jcat --verify ../missing.journal
check "missing" grep -qx "jcat: ../missing.journal: unable to open: No such file or directory" ../err
expect_code 74 jcat --verify ../$(s 1 9)
check "directory: I/O error" grep -q "Is a directory" ../err
expect_code 66 jcat --verify db.* ../junk ../missing.journal
check "the worst problem decides the code, every problem is listed" test "$(wc -l <../err)" -eq 2
expect_code 65 jcat /dev/null
finish

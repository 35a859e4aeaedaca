#!/bin/sh
# jintegrate --from DIR reads regular files only and never follows a symbolic link: a FIFO,
# a directory or a symlink named like a segment neither blocks nor stops it, and nothing
# outside DIR is read. A damaged or foreign file is set aside into DIR/.quarantine (never
# deleted, never replaced) without blocking the segments before it, the run ends 65, and
# the genuine segment that then arrives under its name is applied.
. ./lib.sh
command -v sqlite3 >/dev/null || skip "sqlite3 command line not installed"

mkdir st in
jmgen -r 10 st 6 >/dev/null 2>&1 || fail "jmgen"

# A secret outside DIR, behind a FIFO: opening it for reading would let the writer finish.
mkfifo secret
sh -c 'echo root:x:0:0 >secret' &
writer=$!
at_exit "kill $writer"

cp st/"$(seg 1)" st/"$(seg 3)" in/
printf 'not a segment at all, but named like one...\n' >in/"$(seg 2)"
cp in/"$(seg 2)" garbage
mkfifo in/"$(seg 4)"                                 # a FIFO
ln -s ../st/"$(seg 5)" in/"$(seg 5)"                  # a symlink to a valid segment
mkdir in/"$(seg 6)"                                  # a directory
ln -s ../secret in/db.0001-000000000007.journal      # a symlink out of DIR
ln -s /etc/passwd in/db.0001-000000000008.journal

expect_code 65 timeout 20 jintegrate --db m.db --from in
check "seq 1 applied before the garbage, printed" test "$(cat out)" = "in/$(seg 1)"
check "mirror at seq 1" test "$(mirror_at)" = "1|10"
check "the garbage is set aside, said in one line" \
	grep -q "^jintegrate: in/$(seg 2): .*: set aside as in/.quarantine/$(seg 2)\$" err
check "the hole it leaves is named" grep -q "waiting for $(seg 2)" err
check "two lines on stderr" test "$(wc -l <err)" -eq 2
check "quarantine holds the garbage" cmp -s garbage in/.quarantine/"$(seg 2)"
check "its name is free for the genuine one" test ! -e in/"$(seg 2)"
check "the FIFO, symlinks and directory are left alone" \
	test -p in/"$(seg 4)" -a -L in/"$(seg 5)" -a -d in/"$(seg 6)" -a -L in/db.0001-000000000007.journal
check "nothing outside DIR was opened" kill -0 $writer

# Another garbage under the same name: set aside beside the first, nothing replaced.
printf 'more garbage\n' >in/"$(seg 2)"
expect_code 65 timeout 20 jintegrate --db m.db --from in
check "a name taken in quarantine gets a suffix" grep -q '^more garbage$' in/.quarantine/"$(seg 2)".1
check "the first one kept" cmp -s garbage in/.quarantine/"$(seg 2)"

# The genuine seq 2 arrives; seq 3 is damaged inside (a record's checksum): found while
# applying, rolled back, set aside.
cp st/"$(seg 2)" in/
flip in/"$(seg 3)" 300
cp in/"$(seg 3)" damaged
expect_code 65 timeout 20 jintegrate --db m.db --from in
check "seq 2 applied" test "$(mirror_at)" = "2|20"
check "the damaged seq 3 is set aside" cmp -s damaged in/.quarantine/"$(seg 3)"
check "and said why" grep -q "^jintegrate: in/$(seg 3): .*checksum.*: set aside as " err

# Everything genuine now, in place of the FIFO, the symlink and the directory.
cp st/"$(seg 3)" in/
rm in/"$(seg 4)" in/"$(seg 5)" in/db.0001-000000000007.journal in/db.0001-000000000008.journal
rmdir in/"$(seg 6)"
cp st/"$(seg 4)" st/"$(seg 5)" st/"$(seg 6)" in/
expect_code 0 timeout 20 jintegrate --db m.db --from in
check "everything applied" test "$(mirror_at)" = "6|60"
check "all rows" test "$(sqlite3 m.db 'select count(*) from t')" = 59
check "quarantine untouched" test "$(ls -A in/.quarantine | wc -l)" -eq 3
check "still nothing outside DIR opened" kill -0 $writer

# Arguments are the operator's choice: refused as before, nothing moved; a FIFO or a
# symlink given as an argument is not read (66), and does not hang.
mkfifo f.0001-000000000001.journal
expect_code 66 timeout 20 jintegrate --db x.db f.0001-000000000001.journal
check "a FIFO argument: said" grep -q 'not a regular file' err
ln -s st/"$(seg 1)" l.0001-000000000001.journal
expect_code 66 timeout 20 jintegrate --db x.db l.0001-000000000001.journal
check "a symlink argument: said" grep -q 'a symbolic link (never followed)' err
cp garbage db.0001-000000000001.journal
expect_code 65 jintegrate --db x.db db.0001-000000000001.journal
check "a garbage argument stays where it is" test -f db.0001-000000000001.journal -a ! -e .quarantine

# A file that cannot be set aside (.quarantine is not a directory) stops the run, said.
mkdir in3
cp garbage in3/"$(seg 1)"
: >in3/.quarantine
expect_code 65 jintegrate --db z.db --from in3
check "cannot set aside: says both why" \
	grep -q "^jintegrate: in3/$(seg 1): not a jmirror segment (bad magic); unable to set it aside: unable to open in3/.quarantine (it must be a directory): " err
check "cannot set aside: left in place" cmp -s garbage in3/"$(seg 1)"

# Standard input: a FIFO or symlink is skipped with one line, not opened.
mkdir in2
mkfifo in2/"$(seg 1)"
printf 'in2/%s\n' "$(seg 1)" | timeout 20 jintegrate --db y.db >out 2>err
check "stdin FIFO: no hang, nothing held" test $? -eq 0
check "stdin FIFO: said" grep -q "ignoring in2/$(seg 1): not a regular file" err
finish

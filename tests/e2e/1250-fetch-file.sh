#!/bin/sh
# jfetch from a file:// hub: what DIR lacks is fetched in order, verified and printed once;
# a gap is filled when the missing segment arrives late; a segment applied and removed
# from DIR is not fetched again; compressed copies are fetched as they are; damaged,
# renamed and half-uploaded objects are never published; usage and missing input.
. ./lib.sh

mkdir src hub in
jmgen src 6 >/dev/null 2>&1
for i in 1 2 4; do cp src/$(seg $i) hub/; done
printf 'half' > hub/.$(seg 3).host-1-1.part          # an upload in progress

expect_code 0 jfetch "file://$T/hub/" in
printf 'in/%s\n' $(seg 1) $(seg 2) $(seg 4) > want
check "prints each fetched path, in order" test_cmp want out
check "byte-identical" cmp -s src/$(seg 4) in/$(seg 4)
check "the temporary on the hub is not taken" test ! -e in/$(seg 3)
check "no temporary left in DIR" test -z "$(ls -A in | grep '\.part$')"
check "not world-readable" test "$(stat -c %a in/$(seg 1))" = 640

expect_code 0 jfetch "file://$T/hub/" in
check "nothing fetched twice" test ! -s out

# the gap is filled when segment 3 arrives, after 4 was fetched
cp src/$(seg 3) hub/
expect_code 0 jfetch "file://$T/hub/" in/
check "a late segment below the highest is fetched" test_cmp - out <<X
in/$(seg 3)
X

# applied and removed (jintegrate --remove): not fetched again
rm in/$(seg 1) in/$(seg 2)
expect_code 0 jfetch "file://$T/hub/" in
check "a removed segment is not fetched again" test ! -s out
check "the state keeps one run" grep -qx 'has 1 1 4' in/.db.journal.fetched

# a compressed copy on the hub is fetched as it is; -0 ends paths with NUL
jship -q --compress zstd --to "file://$T/hub/" src/$(seg 5) >/dev/null
expect_code 0 jfetch -0 "file://$T/hub/" in
printf 'in/%s.zst\0' $(seg 5) > want
check "-0, compressed copy" test_cmp want out
check "compressed copy verified and kept" cmp -s hub/$(seg 5).zst in/$(seg 5).zst

# damaged: refused (65), never published; what follows it is still fetched
cp src/$(seg 6) hub/
cp src/$(seg 6) hub/db.0001-000000000007.journal
flip hub/$(seg 6) 200
expect_code 65 jfetch "file://$T/hub/" in
check "damaged object refused" grep -q "$(seg 6): not fetched: .*" err
check "renamed object refused" grep -q "db.0001-000000000007.journal: not fetched: .*the name says timeline 1 seq 7, the header timeline 1 seq 6" err
check "neither published" test ! -e in/$(seg 6) -a ! -e in/db.0001-000000000007.journal
check "no temporary left behind" test -z "$(ls -A in | grep '\.part$')"
cp src/$(seg 6) hub/
rm hub/db.0001-000000000007.journal
expect_code 0 jfetch "file://$T/hub/" in
check "the re-shipped segment is fetched" test_cmp - out <<X
in/$(seg 6)
X

# a truncated object under a final name (scp:// writes in place): refused, not published
mkdir in2 hub2
head -c 200 src/$(seg 1) > hub2/$(seg 1)
expect_code 65 jfetch "file://$T/hub2/" in2
check "a cut-short object is refused" test ! -e in2/$(seg 1)

# one connection fetches the same
mkdir in3
expect_code 0 jfetch --connections 1 "file://$T/hub/" in3
check "--connections 1: the same segments" test "$(ls in3)" = "$(ls hub)"
expect_code 64 jfetch --connections 0 "file://$T/hub/" in3
expect_code 64 jfetch --connections 9 "file://$T/hub/" in3

expect_code 64 jfetch "file://$T/hub/"
expect_code 64 jfetch --every 0 "file://$T/hub/" in
expect_code 64 jfetch --name .x "file://$T/hub/" in
expect_code 64 jfetch "scp://127.0.0.1/x/" in
check "scp refused with the reason" grep -q "cannot list" err
expect_code 64 jfetch "gopher://x/" in
expect_code 66 jfetch "file://$T/hub/" nosuchdir
expect_code 0 jfetch "file://$T/nosuchhub/" in
check "a hub directory not there yet is empty" test ! -s out
expect_code 0 jfetch --help
check "--help prints the synopsis" grep -q "jfetch \[-0qv\]" out
finish

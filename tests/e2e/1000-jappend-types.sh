#!/bin/sh
# jappend -t: the applier range 1..127 is open, jmirror's own types 128..255 are not.
. ./lib.sh

expect_code 0 jappend --create db.journal
expect_code 0 jappend -t 3 db.journal three
expect_code 0 jappend -t 127 db.journal last
for t in 128 129 200 255 row check; do
	expect_code 64 jappend -t $t db.journal x
	check "-t $t: refused as jmirror's own type" \
	    grep -q "^jappend: record type $t is reserved for jmirror's own records" "$T/err"
done
expect_code 64 jappend -t 256 db.journal x
expect_code 0 jjdump db.journal
check "only the applier records were written" test "$(wc -l <"$T/out")" -eq 2
finish

#!/bin/sh
# --if-size and --if-age: rotate only a journal big enough or old enough.
. ./lib.sh

jappend --create db.journal
jappend db.journal "$(printf '%0500d' 0)"
expect_code 0 jrotate --if-size 1K db.journal
check "below --if-size: nothing" test ! -s "$T/out"
jappend db.journal "$(printf '%0500d' 1)"
expect_code 0 jrotate --if-size 1K db.journal
check "at --if-size: sealed" grep -qx db.0001-000000000001.journal "$T/out"

jappend db.journal young
expect_code 0 jrotate --if-age 1h db.journal
check "younger than --if-age: nothing" test ! -s "$T/out"
sleep 1.2                       # the journal ages past --if-age 1s on purpose
expect_code 0 jrotate --if-age 1s db.journal
check "older than --if-age: sealed" grep -qx db.0001-000000000002.journal "$T/out"
expect_code 0 jrotate --if-age 1ms db.journal
check "empty journal: nothing whatever its age" test ! -s "$T/out"
jappend db.journal x
expect_code 0 jrotate --if-age 1h --if-size 1 db.journal
check "both conditions must hold" test ! -s "$T/out"
expect_code 0 jrotate --if-age 1ms --if-size 1 db.journal
check "both hold: sealed" grep -qx db.0001-000000000003.journal "$T/out"
finish

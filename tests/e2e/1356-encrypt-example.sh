#!/bin/sh
# examples/encrypted.sh runs as it says: encrypted segments from a primary through a hub
# with no key to a mirror that applies them.
. ./lib.sh
command -v age-keygen >/dev/null || skip "age is not installed (tests/deps.sh installs it)"
command -v sqlite3 >/dev/null || skip "sqlite3 command line not installed"
expect_code 0 sh "$JM_SRC/examples/encrypted.sh" "$T/ex"
printf 'Ada\nGrace\n' >want
grep -x "Ada\|Grace" out >got
check "the mirror holds the records" test_cmp want got
check "the hub's copy is encrypted" sh -c "jcat $T/ex/hub/in/db.0001-000000000001.journal | grep -q ', encrypted ('"
finish

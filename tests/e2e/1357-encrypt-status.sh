#!/bin/sh
# jstatus on a mirror whose redo queue holds an encrypted segment: its records cannot be read
# without the identity, so its creation time stands for its oldest record and the lag shows
# that it waits (never 0 as if the queue were empty of records).
. ./lib.sh
command -v age-keygen >/dev/null || skip "age is not installed (tests/deps.sh installs it)"
age-keygen -o key 2>/dev/null && age-keygen -y key >key.pub
mkdir p in
jappend --create p/db.journal
jappend p/db.journal "CREATE TABLE t(a)"
jrotate -q --encrypt-to key.pub p/db.journal
jappend p/db.journal "INSERT INTO t VALUES(1)"
jrotate -q p/db.journal
cp p/$(seg 1) in/
expect_code 0 jintegrate --db m.db --identity key in/$(seg 1)
cp p/$(seg 2) in/
created=$(jcat --json in/$(seg 2) | sed -n 's/.*"kind":"header".*"created_ns":\([0-9]*\),.*/\1/p')
expect_code 0 jstatus --json --db m.db --incoming in
now=$(sed -n 's/.*"now":\([0-9]*\),.*/\1/p' out)
lag=$(sed -n 's/.*"lag":\([0-9.]*\).*/\1/p' out)
check "one encrypted segment waits" grep -q '"redo_queue":{"segments":1,' out
check "the lag counts from its creation ($lag s)" awk -v l="$lag" -v n="$now" -v c="$created" \
    'BEGIN { d = (n - c) / 1e9; exit !(l > 0 && l >= d - 0.01 && l <= d + 0.01) }'
finish

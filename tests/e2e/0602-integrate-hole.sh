#!/bin/sh
# jintegrate: a hole at the end of input is "waiting" (75, naming the awaited segment), not
# damage; filling it applies what was held.
. ./lib.sh
command -v sqlite3 >/dev/null || skip "sqlite3 command line not installed"

mkdir in
jmgen -r 10 in 5 >paths 2>/dev/null
s() { echo "in/db.0001-00000000000$1.journal"; }

expect_code 75 jintegrate --db m.db "$(s 2)" "$(s 3)"
check "hole on an empty mirror names seq 1" grep -q 'waiting for db.0001-000000000001.journal (timeline 1 or later, seq 1, from LSN 1): input ended with 2 later segments held (seq 2 to 3)' err
check "nothing printed" test ! -s out
check "nothing applied" test "$(sqlite3 m.db "select count(*) from sqlite_master where name='t'")" = 0

expect_code 75 jintegrate --db m.db "$(s 1)" "$(s 2)" "$(s 4)" "$(s 5)"
printf '%s\n' "$(s 1)" "$(s 2)" >expect
check "applied up to the hole, printed" test_cmp expect out
check "names the missing segment" grep -q 'waiting for db.0001-000000000003.journal (timeline 1 or later, seq 3, from LSN 21): input ended with 2 later segments held (seq 4 to 5)' err
check "mirror at seq 2" test "$(sqlite3 m.db 'select seq, last_lsn from jmirror_state')" = "2|20"

# the hole filled, on standard input, out of order
printf '%s\n' "$(s 5)" "$(s 4)" "$(s 3)" | jintegrate --db m.db >out 2>err
check "exit 0 once filled" test $? -eq 0
printf '%s\n' "$(s 3)" "$(s 4)" "$(s 5)" >expect
check "printed in order" test_cmp expect out
check "mirror at seq 5" test "$(sqlite3 m.db 'select seq, last_lsn, count(*) from jmirror_state, t')" = "5|50|49"
finish

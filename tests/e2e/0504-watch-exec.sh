#!/bin/sh
# jwatch --exec: CMD runs once per arrival with the path as its last argument, one at a time,
# in order; a failing CMD is reported and retried with backoff while later arrivals wait
# (and keep being watched); --once --exec; SIGTERM lets the running CMD finish.
. ./lib.sh

mkdir st in
jmgen st 8 >/dev/null 2>&1 || fail "jmgen"
# The handler: logs each call; fails on segment 3 the first two times it sees it.
cat >handler <<'H'
#!/bin/sh
for last; do :; done
echo "$* $#" >>"$LOG"
case $last in
*-000000000003.journal)
	n=$(cat count 2>/dev/null || echo 0); n=$((n + 1)); echo $n >count
	[ $n -gt 2 ] || exit 3 ;;
esac
echo "$last" >>done
H
chmod +x handler
LOG=$T/calls
export LOG

cp st/"$(seg 2)" st/"$(seg 1)" in/
jwatch --backoff 200ms --exec "./handler 'a b'" in >out 2>err &
pid=$!
wait_lines 1 done
mv st/"$(seg 3)" in/
wait_for grep -q "$(seg 3)" calls
mv st/"$(seg 5)" in/      # arrive while 3 is failing: wait behind it
mv st/"$(seg 4)" in/
wait_lines 5 done
kill -TERM $pid
wait $pid
check "exit 0 on SIGTERM" test $? -eq 0
printf 'in/%s\n' "$(seg 1)" "$(seg 2)" "$(seg 3)" "$(seg 5)" "$(seg 4)" >want
check "each arrival handled once, in order, nothing skipped" test_cmp want done
cat >want <<W
a b in/$(seg 1) 2
a b in/$(seg 2) 2
a b in/$(seg 3) 2
a b in/$(seg 3) 2
a b in/$(seg 3) 2
a b in/$(seg 5) 2
a b in/$(seg 4) 2
W
check "CMD split by sh, path last; the failing one retried twice" test_cmp want calls
check "nothing printed on stdout with --exec" test_cmp /dev/null out
check "first failure reported" grep -q "^jwatch: ./handler 'a b' in/$(seg 3) failed (exit status 3): retrying in 200ms\$" err
check "backoff doubles" grep -q "failed (exit status 3): retrying in 400ms\$" err

# --once --exec: what is there now, in sequence order, then exit 0.
rm -f done calls count
expect_code 0 jwatch --once --backoff 10ms --exec ./handler in
printf 'in/%s\n' "$(seg 1)" "$(seg 2)" "$(seg 3)" "$(seg 4)" "$(seg 5)" >want
check "--once --exec: in sequence order, after retries" test_cmp want done

# SIGTERM while CMD runs: CMD finishes, then exit 0.
cat >slow <<'H'
#!/bin/sh
echo "$1" >>slowstarted
sleep 0.5                       # a CMD that takes its time, on purpose
echo "$1" >>slowdone
H
chmod +x slow
jwatch --exec ./slow in >/dev/null 2>&1 &
pid=$!
wait_for test -s slowstarted
kill -TERM $pid
wait $pid
check "SIGTERM during CMD: exit 0" test $? -eq 0
check "SIGTERM during CMD: the running CMD finished" test "$(cat slowdone)" = "in/$(seg 1)"
check "SIGTERM during CMD: no later CMD started" test "$(wc -l <slowdone)" -eq 1

# The directory removed while CMD keeps failing: no endless retry on paths that are gone,
# exit 66 once the running CMD has finished.
mkdir in2
cp st/"$(seg 1)" st/"$(seg 2)" in2/
jwatch --backoff 50ms --exec false in2 >/dev/null 2>gone.err &
pid=$!
wait_for grep -q 'retrying in' gone.err
rm -rf in2
wait_for ended $pid
wait $pid
check "directory removed while retrying: exit 66" test $? -eq 66
check "directory removed while retrying: said" grep -q '^jwatch: in2: directory removed$' gone.err
finish

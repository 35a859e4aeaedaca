#!/bin/sh
# jstatus: the figures against known states (live journal, send queue per destination, redo
# queue, lag), the three output forms, and the check's exit code at each threshold.
. ./lib.sh
command -v sqlite3 >/dev/null || skip "sqlite3 command line not installed"

mkdir p in
jappend --create p/db.journal
jappend p/db.journal "create table t(x)" "insert into t values(1)"
jrotate p/db.journal >/dev/null
mkdir a b
jship -q --from p --to "file://$T/a/" --to "file://$T/b/"
jappend p/db.journal "insert into t values(22)"
jrotate p/db.journal >/dev/null
jappend p/db.journal "insert into t values(333)"
jrotate p/db.journal >/dev/null
jappend p/db.journal a bb ccc
s2=$(wc -c <p/db.0001-000000000002.journal)
s3=$(wc -c <p/db.0001-000000000003.journal)
# destination a has seq 1 only, b everything
jship -q --from p --to "file://$T/b/"
sleep 1                         # the records age on purpose (oldest >= 1s)

echo "-- the operational side"
expect_code 0 jstatus p/db.journal
check "header line" grep -q "^journal p/db.journal: lineage [0-9a-f]\{32\}, timeline 1, seq 4$" out
check "live journal: 3 records, 218 bytes, oldest >= 1s" grep -q "^  live journal  3 records, 218B, oldest [1-9][0-9]*\.[0-9]*s$" out
check "sealed segments" grep -qx "  sealed        3 segments" out
check "queue of a" grep -q "^  send queue    file://$T/a/: 2 segments, $((s2 + s3))B, oldest [1-9][0-9.]*s (has up to timeline 1, seq 1)$" out
check "queue of b" grep -q "^  send queue    file://$T/b/: 0 segments, 0B, oldest 0.000s (has up to timeline 1, seq 3)$" out
expect_code 0 jstatus --json p/db.journal
check "json: live" grep -q '"live":{"records":3,"bytes":218,"oldest_age":[1-9]' out
check "json: a's queue" grep -q "{\"url\":\"file://$T/a/\",\"acked_timeline\":1,\"acked_seq\":1,\"segments\":2,\"bytes\":$((s2 + s3)),\"oldest_age\":[1-9]" out
check "json: one line" test "$(wc -l <out)" -eq 1
expect_code 0 jstatus --prometheus p/db.journal
check "prometheus: live records" grep -qx 'jmirror_live_records{role="journal",path="p/db.journal",name="db"} 3' out
check "prometheus: queue of a" grep -qx "jmirror_send_queue_segments{role=\"journal\",path=\"p/db.journal\",name=\"db\",destination=\"file://$T/a/\"} 2" out
check "prometheus: queue bytes of b" grep -qx "jmirror_send_queue_bytes{role=\"journal\",path=\"p/db.journal\",name=\"db\",destination=\"file://$T/b/\"} 0" out
check "prometheus: TYPE lines" test "$(grep -c '^# TYPE jmirror_[a-z_]* gauge$' out)" -eq 11
check "prometheus: every sample is a jmirror_ gauge" sh -c '! grep -v "^# \|^jmirror_[a-z_]*{[^}]*} [0-9.]*$" out'

expect_code 0 jstatus --warn queue=2 --crit queue=5 p/db.journal
check "OK at the threshold (alerts only above it)" grep -q "^JMIRROR OK - lag [0-9.]*s, queue 2 | lag=[0-9.]*s;; queue=2;2;5 bytes=$((s2 + s3))B;; age=[0-9.]*s;;$" out
expect_code 1 jstatus --warn queue=1 --crit queue=5 p/db.journal
check "WARNING line" grep -q "^JMIRROR WARNING - lag [0-9.]*s, queue 2 (warning) | .* queue=2;1;5 " out
expect_code 2 jstatus --warn queue=1 --crit queue=1 p/db.journal
check "CRITICAL line" grep -q "^JMIRROR CRITICAL - lag [0-9.]*s, queue 2 (critical) |" out
expect_code 0 jstatus --warn lag=1h,age=1h --crit lag=2h p/db.journal
expect_code 1 jstatus --warn lag=500ms --crit lag=1h p/db.journal
check "lag warning in perf data" grep -q " lag=[1-9][0-9.]*s;0.5;3600 " out
expect_code 2 jstatus --warn lag=500ms --crit lag=900ms p/db.journal
expect_code 2 jstatus --crit age=1ms p/db.journal
expect_code 1 jstatus --warn "bytes=$((s2 + s3 - 1))" p/db.journal
expect_code 0 jstatus --warn "bytes=$((s2 + s3))" p/db.journal
expect_code 64 jstatus --warn lagg=1s p/db.journal
expect_code 64 jstatus --warn lag=soon p/db.journal
expect_code 64 jstatus --json --warn lag=1s p/db.journal
expect_code 3 jstatus --warn lag=1s missing/db.journal
check "UNKNOWN line" grep -q "^JMIRROR UNKNOWN - missing/db.journal: " out
expect_code 66 jstatus missing/db.journal

echo "-- a mirror"
cp p/db.0001-*.journal in/
expect_code 0 jintegrate --db m.db in/db.0001-000000000001.journal
sleep 1                         # the lag grows on purpose (lag >= 2s)
expect_code 0 jstatus --db m.db --incoming in
check "last applied" grep -qx "  last applied  timeline 1, seq 1, LSN 2" out
check "redo queue" grep -qx "  redo queue    2 segments, $((s2 + s3))B in in" out
check "lag >= 2s (the oldest record waiting)" grep -q "^  lag           [2-9][0-9.]*s$" out
expect_code 0 jstatus --json --db m.db --incoming in
check "json: mirror" grep -q '"role":"mirror","name":"db","lineage":"[0-9a-f]*","timeline":1,"seq":1,"last_lsn":2,"sealed":true,"final":false' out
check "a mirror of sql records: not captured" grep -q '"verified_time":0,"captured":false' out
check "json: redo queue" grep -q "\"redo_queue\":{\"segments\":2,\"bytes\":$((s2 + s3))},\"clock_ahead\":0.000,\"lag\":[2-9]" out
expect_code 0 jstatus --prometheus --db m.db --incoming in
check "prometheus: redo queue" grep -qx 'jmirror_redo_queue_segments{role="mirror",path="m.db",name="db"} 2' out
check "prometheus: applied LSN" grep -qx 'jmirror_applied_lsn{role="mirror",path="m.db",name="db"} 2' out
expect_code 2 jstatus --db m.db --incoming in --warn lag=1s,queue=1 --crit lag=1h,queue=1
check "critical on the queue, warning on the lag" grep -q "^JMIRROR CRITICAL - lag [0-9.]*s (warning), queue 2 (critical) | lag=[0-9.]*s;1;3600 queue=2;1;1 bytes=$((s2 + s3))B;; age=[0-9.]*s;;$" out
expect_code 3 jstatus --db m.db --warn lag=1s
check "no --incoming: lag unknown" grep -q "^JMIRROR UNKNOWN - lag unknown (no --incoming) |" out
expect_code 0 jstatus --db m.db --warn age=1h
expect_code 0 jintegrate --db m.db --from in
expect_code 0 jstatus --db m.db --incoming in --warn lag=1s,queue=0 --crit lag=2s,queue=1
check "all applied: OK, lag 0" grep -q "^JMIRROR OK - lag 0.0s, queue 0 | lag=0.0s;1;2 queue=0;0;1 bytes=0B;; age=" out
expect_code 3 jstatus --db missing.db --warn lag=1s
expect_code 66 jstatus --db missing.db
expect_code 64 jstatus --incoming in p/db.journal
odd=$(printf 'q\377\nr')
mkdir "$odd"
jappend --create "$odd/db.journal"
expect_code 0 jstatus --json "$odd/db.journal"
check "json: a byte that is not UTF-8 is escaped, a newline too" \
	grep -qF '"path":"q\u00ff\nr/db.journal"' out
sqlite3 e.db "create table x(y)"
expect_code 0 jstatus --db e.db
check "empty mirror" grep -qx "mirror e.db: empty, nothing applied yet" out
finish

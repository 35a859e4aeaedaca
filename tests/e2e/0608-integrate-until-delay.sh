#!/bin/sh
# jintegrate --until LSN|TIME stops after the last record at or before it (the segment it
# stops in is applied in part and not printed); --delay applies a record only once it is that
# old (a delayed standby).
. ./lib.sh
command -v sqlite3 >/dev/null || skip "sqlite3 command line not installed"

mkdir in
jmgen -r 10 in 4 >paths 2>/dev/null
q() { sqlite3 m.db 'select count(*), last_lsn, seq, sealed from t, jmirror_state'; }
expect_code 0 jintegrate --db m.db --until 25 $(cat paths)
printf '%s\n' in/db.0001-000000000001.journal in/db.0001-000000000002.journal >expect
check "prints the segments applied whole" test_cmp expect out
check "stops after LSN 25, seq 3 in part" test "$(q)" = "24|25|3|0"
expect_code 0 jintegrate --db m.db --until 20 $(cat paths)
check "already past: nothing to do" test "$(q)" = "24|25|3|0"
expect_code 0 jintegrate --db m.db --until 30 $(cat paths)
check "at a segment's end: seq 3 whole" test "$(q)" = "29|30|3|1"
check "and printed" test "$(tail -1 out)" = "in/db.0001-000000000003.journal"
expect_code 0 jintegrate --db m.db $(cat paths)
check "the rest" test "$(q)" = "39|40|4|1"

# by time: two segments written 2.2 s apart
mkdir tm
printf 'CREATE TABLE k(a);\0INSERT INTO k VALUES(1);\0' | jmrec tm/db.0001-000000000001.journal 2>d1
sleep 1.1                       # time passes on purpose: the records are 2.2 s apart
cut=$(date +%s.%N)
sleep 1.1
printf 'INSERT INTO k VALUES(2);\0' | jmrec -s 2 -l 3 -p "$(cat d1)" tm/db.0001-000000000002.journal 2>/dev/null
expect_code 0 jintegrate --db k.db --until "@$cut" tm/*
check "until a time" test "$(sqlite3 k.db 'select group_concat(a), last_lsn from k, jmirror_state')" = "1|2"
at=$(date -d "@${cut%.*}" '+%Y-%m-%d %H:%M:%S')
expect_code 0 jintegrate --db k2.db --until "$at" tm/*
check "until a local date and time" test "$(sqlite3 k2.db 'select group_concat(a) from k')" = "1"
expect_code 64 jintegrate --db k.db --until yesterday tm/*

# delay: segments written now are applied only 2 s later
mkdir d
jmgen -r 10 d 2 >dpaths 2>/dev/null
t0=$(date +%s%N)
expect_code 0 jintegrate --db dl.db --delay 2s $(cat dpaths)
t1=$(date +%s%N)
check "waited about 2 s" test $(( (t1 - t0) / 1000000 )) -ge 1800
check "then applied" test "$(sqlite3 dl.db 'select count(*) from t')" = 19
check "printed" test_cmp dpaths out
jintegrate --db dl2.db --delay 1h $(cat dpaths) >/dev/null 2>&1 &
pid=$!
wait_for sleeping $pid          # it has reached the first record, and waits
check "a young record waits" test "$(sqlite3 dl2.db "select count(*) from sqlite_master where name='t'" 2>/dev/null || echo 0)" = 0
check "the lock is free while it waits (a backup could run)" flock -n .dl2.db.lock true
kill -TERM $pid
wait $pid
check "SIGTERM stops a delayed standby, exit 0" test $? -eq 0
finish

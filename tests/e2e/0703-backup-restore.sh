#!/bin/sh
# jbackup: a backup and an integration exclude each other; the archive's manifest says
# where the mirror is; a restore seeds a new mirror that catches up and equals the primary;
# damaged archives and existing databases are refused; and the switch back rebuilds the old
# primary from a backup of the new one (with --journal after jrotate --final).
. ./lib.sh
command -v sqlite3 >/dev/null || skip "sqlite3 command line not installed"
command -v zstd >/dev/null || skip "zstd not installed"
RB=$JM_SRC/examples/runbook
export JM_ROTATE_AGE=1ms

slow="insert into t(v) select count(*) from (with recursive c(x) as (select 1 union all select x+1 from c where x < 6000000) select x from c)"

mkdir p inm
jappend --create p/db.journal
w p.db p/db.journal "create table t(id integer primary key, v text)" "insert into t(v) values('a')"
expect_code 0 sh $RB/primary-cron.sh p/db.journal "file://$T/inm/"
w p.db p/db.journal "$slow"
expect_code 0 sh $RB/primary-cron.sh p/db.journal "file://$T/inm/"
w p.db p/db.journal "insert into t(v) values('c')"
expect_code 0 sh $RB/primary-cron.sh p/db.journal "file://$T/inm/"
expect_code 0 jintegrate --db m.db inm/db.0001-000000000001.journal

# the second segment takes a while to apply: a backup meanwhile is busy, or waits
jintegrate --db m.db inm/db.0001-000000000002.journal >/dev/null 2>&1 &
ipid=$!
wait_for locked .m.db.lock
expect_code 75 jbackup --no-wait --db m.db -o busy.tar.zst
check "busy: says why" grep -q "m.db: busy: an integration (or another backup) holds its lock" err
check "busy: no archive left" test ! -e busy.tar.zst
expect_code 0 jbackup --db m.db -o b.tar.zst
wait $ipid
check "the backup waited for the integration: it has seq 2" grep -q "b.tar.zst: mirror of db at timeline 1, seq 2, LSN 3" err

# the manifest, and the database's SHA-256 in it
zstd -dc b.tar.zst | tar -xf - MANIFEST database
check "manifest role" grep -qx "role mirror" MANIFEST
check "manifest position" test "$(grep -E '^(timeline|seq|last_lsn|sealed) ' MANIFEST | tr '\n' ' ')" = "timeline 1 seq 2 last_lsn 3 sealed 1 "
check "manifest SHA-256 of the database" test "$(sed -n 's/^sha256 //p' MANIFEST)" = "$(sha256sum <database | cut -d' ' -f1)"
check "manifest size" test "$(sed -n 's/^size //p' MANIFEST)" = "$(wc -c <database | tr -d ' ')"
check "archive not world-readable" test "$(stat -c %a b.tar.zst)" = 640
expect_code 73 jbackup --db m.db -o b.tar.zst
check "existing archive: says so" grep -q "exists already" err

# restore: seeds a new mirror that continues with seq 3 and equals the primary
expect_code 0 sh $RB/seed-mirror.sh b.tar.zst n.db inm
check "restore says where it continues" grep -q "restored n.db: mirror of db at timeline 1, seq 2, LSN 3; integration continues with seq 3" err
check "new mirror equals the primary" same p.db n.db
check "new mirror at seq 3" test "$(sqlite3 n.db 'select role, seq, last_lsn from jmirror_state')" = "mirror|3|4"
expect_code 73 jbackup --restore b.tar.zst --db n.db
check "existing database: refused" grep -q "n.db exists already" err
expect_code 0 jbackup --restore b.tar.zst --force --db n.db
check "--force replaced it (back at seq 2)" test "$(sqlite3 n.db 'select seq from jmirror_state')" = 2
expect_code 0 jintegrate --db n.db --from inm

# damaged archives
size=$(wc -c <b.tar.zst)
head -c $((size / 2)) b.tar.zst >cut.tar.zst
expect_code 65 jbackup --restore cut.tar.zst --db x.db
check "truncated: no database left" test ! -e x.db
zstd -dc b.tar.zst >plain.tar
off=$(grep -abo 'SQLite format 3' plain.tar | head -1 | cut -d: -f1)
printf 'X' | dd of=plain.tar bs=1 seek=$((off + 600)) conv=notrunc 2>/dev/null
expect_code 65 jbackup --restore plain.tar --db x.db
check "changed byte: SHA-256 mismatch" grep -q "SHA-256 differs from the manifest" err
check "changed byte: no database left" test ! -e x.db
echo hello >foreign.tar.zst
expect_code 65 jbackup --restore foreign.tar.zst --db x.db
expect_code 66 jbackup --restore missing.tar.zst --db x.db
expect_code 66 jbackup --db missing.db -o y.tar.zst
echo "not a database, not at all, no" >notdb.db
expect_code 65 jbackup --db notdb.db -o y.tar.zst
check "nothing left of it" test -z "$(ls -A | grep '^\.y\.tar' )$(ls y.tar.zst 2>/dev/null)"
expect_code 64 jbackup --db m.db
expect_code 64 jbackup --restore b.tar.zst -o z.tar.zst --db m.db

# switch over to m, then switch back: the old primary p is rebuilt from m's backup
expect_code 0 jintegrate --db m.db --from inm
expect_code 0 sh $RB/switchover-primary.sh p/db.journal "file://$T/inm/"
mkdir inn
expect_code 0 sh $RB/switchover-mirror.sh m.db inm m/db.journal "file://$T/inn/"
w m.db m/db.journal "insert into t(v) values('on m')"
expect_code 0 sh $RB/primary-cron.sh m/db.journal "file://$T/inn/"
expect_code 0 jbackup --db m.db -o op.tar.zst
expect_code 65 jbackup --restore op.tar.zst --db x.db
check "an operational backup does not seed a mirror" grep -q "a backup of an operational database" err
expect_code 69 jbackup --db m.db --journal m/db.journal -o sb.tar.zst
check "--journal wants a final rotation" grep -q "not closed by a final rotation" err
expect_code 0 sh $RB/switchback-primary.sh m.db m/db.journal sb.tar.zst "file://$T/inn/"
check "the switch-back backup is a mirror at m's final segment" grep -q "sb.tar.zst: mirror of db at timeline 2, seq 6, LSN 5" err
zstd -dc sb.tar.zst | tar -xOf - MANIFEST >sb.manifest
t5=$(jcat --json m/db.0002-000000000005.journal | sed -n 's/.*"lsn":5,.*"time_ns":\([0-9]*\),.*/\1/p')
check "its commit time is LSN 5's (the final segment is empty)" test "$(sed -n 's/^last_time //p' sb.manifest)" = "$t5"
expect_code 0 sh $RB/switchback-old.sh sb.tar.zst p.db p/db.journal
check "p promoted onto timeline 3" grep -q "p.db is operational: timeline 3 starts at seq 7, LSN 6" err
check "the old journal directory was moved aside" sh -c 'ls -d p.before-switchback.* >/dev/null'
w p.db p/db.journal "insert into t(v) values('on p again')"
expect_code 0 sh $RB/primary-cron.sh p/db.journal "file://$T/inn/"
expect_code 0 sh $RB/mirror-cron.sh n.db inn
check "n followed m, then p: equals p" same p.db n.db
check "n on timeline 3" test "$(sqlite3 n.db 'select timeline from jmirror_state')" = 3
check "m equals p up to the switch back" test "$(sqlite3 m.db 'select count(*) from t')" -eq $(( $(sqlite3 p.db 'select count(*) from t') - 1 ))
finish

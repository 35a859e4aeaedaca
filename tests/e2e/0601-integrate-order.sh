#!/bin/sh
# jintegrate: shuffled and doubled input is applied once, in order, and each segment printed
# once in sequence order; the mirror equals what the sqlite3 command line builds from the
# same statements (through the exec applier).
. ./lib.sh
command -v sqlite3 >/dev/null || skip "sqlite3 command line not installed"

mkdir in
jmgen -r 20 in 6 >paths 2>digest
sort paths >expect

# shuffled and doubled, on standard input
{ sort -r paths; cat paths; sort -r paths; } >input
expect_code 0 sh -c 'jintegrate --db m.db <input'
check "printed once each, in sequence order" test_cmp expect out
check "nothing on stderr" test ! -s err
check "all rows" test "$(sqlite3 m.db 'select count(*), min(id), max(id) from t')" = "119|2|120"
check "bookkeeping" test "$(sqlite3 m.db 'select role, name, timeline, seq, last_lsn, sealed, final, segment from jmirror_state')" = \
	"mirror|db|1|6|120|1|0|db.0001-000000000006.journal"
check "digest of the last segment" test "$(sqlite3 m.db 'select digest from jmirror_state')" = "$(cat digest)"
check "WAL mode" test "$(sqlite3 m.db 'pragma journal_mode')" = wal

# the reference: the sqlite3 command line fed by the exec applier
expect_code 0 jintegrate --db ref --exec '{ echo "BEGIN;"; cat; echo "COMMIT;"; } | sqlite3 -bail ref.db' $(cat paths)
check "exec prints too" test_cmp expect out
sqlite3 ref.db '.dump t' >ref.dump
sqlite3 m.db '.dump t' >m.dump
check "mirror equals the reference" test_cmp ref.dump m.dump

# everything again: already applied, printed once more per run, nothing changes
expect_code 0 jintegrate --db m.db $(cat paths) $(cat paths)
check "already applied: printed once each" test_cmp expect out
sqlite3 m.db '.dump t' >m2.dump
check "unchanged" test_cmp m.dump m2.dump

# --from DIR and -0
expect_code 0 jintegrate --db m.db --from in
check "--from prints in order" test_cmp expect out
tr '\n' '\0' <paths >input0
expect_code 0 sh -c 'jintegrate -0 --db m.db <input0'
tr '\n' '\0' <expect >expect0
check "-0 in and out" test_cmp expect0 out

# arguments in any order
expect_code 0 jintegrate --db m2.db $(sort -r paths)
check "arguments in reverse: printed in order" test_cmp expect out
sqlite3 m2.db '.dump t' >m3.dump
check "same content" test_cmp m.dump m3.dump

expect_code 0 jintegrate --help
check "--help shows the synopsis" grep -q 'jintegrate --db' out
expect_code 64 jintegrate in/db.0001-000000000001.journal
expect_code 64 jintegrate --db x.db --archive in --remove
expect_code 66 jintegrate --db m.db in/nothere.0001-000000000001.journal
finish

#!/bin/sh
# jintegrate --archive DIR moves applied segments there (and prints their new paths);
# --remove deletes them; compressed segments (.zst .gz .xz) are read through libarchive.
. ./lib.sh
command -v sqlite3 >/dev/null || skip "sqlite3 command line not installed"

mkdir in arch
jmgen -r 10 in 4 >paths 2>/dev/null
expect_code 0 jintegrate --db m.db --archive arch in/db.0001-000000000001.journal
expect_code 0 jintegrate --db m.db --archive arch $(sed 1d paths)
check "prints the archived paths" test "$(cat out)" = "arch/db.0001-000000000002.journal
arch/db.0001-000000000003.journal
arch/db.0001-000000000004.journal"
check "incoming is empty" test -z "$(ls in)"
check "all archived" test "$(ls arch | wc -l)" -eq 4
mkdir twice arch2; jmgen -r 5 twice 2 >/dev/null 2>&1
expect_code 0 jintegrate --db t.db --archive arch2 twice/db.0001-000000000001.journal twice/db.0001-000000000001.journal twice/db.0001-000000000002.journal
check "given twice: archived once, printed once" test "$(cat out)" = "arch2/db.0001-000000000001.journal
arch2/db.0001-000000000002.journal"
expect_code 0 jintegrate --db m2.db --remove $(ls arch/* | sed 's/^/.\//')
check "--remove deletes" test -z "$(ls arch)"

mkdir z; jmgen -r 10 z 4 >zpaths 2>/dev/null
zstd -q --rm z/db.0001-000000000001.journal
gzip z/db.0001-000000000002.journal
xz z/db.0001-000000000003.journal
expect_code 0 jintegrate --db z.db z/db.0001-000000000003.journal.xz z/db.0001-000000000001.journal.zst \
	z/db.0001-000000000002.journal.gz z/db.0001-000000000004.journal
check "compressed, in order" test "$(cat out)" = "z/db.0001-000000000001.journal.zst
z/db.0001-000000000002.journal.gz
z/db.0001-000000000003.journal.xz
z/db.0001-000000000004.journal"
check "all applied" test "$(sqlite3 z.db 'select count(*), last_lsn from t, jmirror_state')" = "39|40"
mkdir zt; jmgen -r 200 zt 1 >/dev/null 2>&1; zstd -q --rm zt/*
head -c 300 zt/db.0001-000000000001.journal.zst >zt/x && mv zt/x zt/db.0001-000000000001.journal.zst
expect_code 65 jintegrate --db zt.db zt/db.0001-000000000001.journal.zst
check "says truncated or damaged" grep -q "zt/db.0001-000000000001.journal.zst: " err
check "nothing applied" test "$(sqlite3 zt.db "select count(*) from sqlite_master where name='t'")" = 0
finish

#!/bin/sh
# What logical decoding does not carry, handled explicitly (installed by
# examples/pg/capture-primary.sh): --ddl runs a schema change on the
# primary and journals it at its place, so both mirrors follow; a failing --ddl changes
# nothing (65). A table without a primary key is captured insert-only: the application's
# UPDATE of it still works on the primary (install gave it REPLICA IDENTITY FULL), and the
# drain stops with 78 naming the table, journaling nothing of that transaction and keeping
# it in the slot.
. ./lib.sh
. "$JM_SRC/tests/pg/pg.sh"
heavy
pg_primary_mirror
psqlq prim "CREATE TABLE t(id int PRIMARY KEY, v text); CREATE TABLE hist(a int, note text);
	INSERT INTO t VALUES (1, 'one')"
# examples/pg/capture-primary.sh: the journal and the install
expect_code 0 sh "$JM_SRC/examples/pg/capture-primary.sh" "$P" db.journal
check "the example says what to run next" grep -q "jcapture --every" out

psqlq prim "INSERT INTO t VALUES (2, 'two')"
expect_code 0 jcapture --ddl 'ALTER TABLE t ADD COLUMN n bigint' "$P" db.journal
psqlq prim "INSERT INTO t VALUES (3, 'three', 33); UPDATE t SET n = 11 WHERE id = 1"
expect_code 65 jcapture --ddl 'ALTER TABLE nosuch ADD COLUMN x int' "$P" db.journal
check "a failing DDL says why" grep -q 'nosuch' err
expect_code 0 jcapture "$P" db.journal
jcat db.journal >j.txt
check "the DDL is journaled between the changes around it" sh -c \
	"grep -n 'insert t (id=2)\|ALTER TABLE t ADD COLUMN n\|insert t (id=3)' j.txt | cut -d: -f1 | sort -n -c"
check "the failed DDL is not journaled" sh -c "! grep -q nosuch j.txt"

psqlq prim "INSERT INTO hist VALUES (1, 'inserted')"
check "the application may still update a table without a key" \
	psqlq prim "UPDATE hist SET note = 'changed' WHERE a = 1"
psqlq prim "INSERT INTO t VALUES (4, 'four', 44)"
expect_code 78 jcapture "$P" db.journal
check "the refusal names the table" grep -q 'table hist has no primary key: an UPDATE' err
jcat db.journal >j2.txt
check "the insert before it is journaled" grep -q "insert hist (a=1, note='inserted')" j2.txt
check "nothing of the refused transaction or after it" sh -c "! grep -q \"changed\|id=4\" j2.txt"
expect_code 78 jcapture "$P" db.journal
check "the slot kept it: refused again" grep -q 'table hist' err

jrotate -q db.journal
expect_code 0 jintegrate --db m.db "$(seg 1)"
expect_code 0 jintegrate --db "$(pg_url mirror)" "$(seg 1)"
check "PostgreSQL mirror followed the DDL" test \
	"$(psqlq mirror 'SELECT id, v, n FROM t ORDER BY id' | tr '\n' ' ')" = "1|one|11 2|two| 3|three|33 "
check "SQLite mirror followed the DDL" test \
	"$(sqlite3 m.db 'SELECT id, v, n FROM t ORDER BY id' | tr '\n' ' ')" = "1|one|11 2|two| 3|three|33 "
finish

#!/bin/sh
# A power cut inside a group: its first records made durable, its last never written. The
# live journal then ends inside a group, which every reader takes for a torn tail (jcat,
# jintegrate of the live journal apply none of it), and the next writer or rotation cuts.
. "$(dirname "$0")/lib.sh"

J=$MNT/db.journal
cat >group <<'X'
group
insert t id=i:1 -> id=i:1 v=t:one
commit
insert t id=i:2 -> id=i:2 v=t:two
commit
insert t id=i:3 -> id=i:3 v=t:three
commit
fsync
X
echo "signal $T/mid" >>group
echo "wait $T/never" >>group

# Write the durable part of a group, then cut the power with its writer inside it.
torn_group() {
	rm -f "$T/mid"
	jmrow "$J" <group >/dev/null 2>&1 &
	_w=$!
	wait_for test -e "$T/mid"
	lz_crash $_w
	wait $_w 2>/dev/null
	lz_start
}

lz_start
expect_code 0 jappend --create "$J"
expect_code 0 jappend --sync "$J" "CREATE TABLE t(id INTEGER PRIMARY KEY, v)" \
    "INSERT INTO t VALUES(0, 'synced')"
torn_group
check "the group's first records survived the cut" \
    sh -c "[ \$(wc -c < '$ROOT/db.journal') -gt 400 ]"
expect_code 0 jcat --verify "$J"
expect_code 0 jcat "$J"
check "readers stop before the incomplete group" grep -q '^# live: 2 records, last LSN 2, torn tail of' "$T/out"
expect_code 0 jintegrate --db m.db "$J"
check "a mirror of the live journal has none of it" \
    test "$(sqlite3 m.db 'SELECT count(*), max(id) FROM t; SELECT last_lsn FROM jmirror_state')" = "$(printf '1|0\n2')"

# The next writer cuts it and goes on with LSN 3.
expect_code 0 jappend --sync "$J" "INSERT INTO t VALUES(9, 'after')"
expect_code 0 jcat "$J"
check "cut: LSN 3 follows the synced 2" grep -q '^# live: 3 records, last LSN 3$' "$T/out"

# A rotation cuts it too, and never seals it.
torn_group
expect_code 0 jrotate "$J"
expect_code 0 jcat --verify "$MNT/db.0001-000000000001.journal"
jcat "$MNT/db.0001-000000000001.journal" | tail -1 >trailer
check "sealed: 3 records, none of the group" grep -q '^# sealed: 3 records, last LSN 3,' trailer
expect_code 0 jintegrate --db m.db "$MNT/db.0001-000000000001.journal"
check "the mirror has the synced rows only" \
    test "$(sqlite3 m.db 'SELECT group_concat(id) FROM t')" = "0,9"
lz_stop
finish

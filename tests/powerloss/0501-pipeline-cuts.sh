#!/bin/sh
# Power cuts at arbitrary moments of a steady pipeline: a writer appending with --sync,
# `jrotate --every | jship --to file://` and `jwatch | jintegrate --sync`, all on the mount
# that loses power. After each cut the tools are started again and run to the end (the cron
# queue run, then jintegrate --from). Then: the journal's chain verifies, every record the
# writer had acknowledged is in it, every segment sits in the mirror's incoming directory
# byte-identical, and the mirror holds exactly the records of the chain, once each. (The
# mirror database lives off the mount: LazyFS answers SQLite's reopening of a -shm file
# after a cut with ENOENT, a LazyFS fault that no disk has; jintegrate's own power cuts are
# 0301 and 0302.)
LAZYFS_CACHE_SIZE=${LAZYFS_CACHE_SIZE:-32mb}
. "$(dirname "$0")/lib.sh"

D=$MNT/d
J=$D/db.journal
IN=$MNT/in
DB=$T/m.db

start_pipeline() {
	# (LazyFS's rename is not atomic: an append racing a rotation can briefly find no live
	# journal and fail; the writer tries that record again, as an application would.)
	( n=$(cat "$T/n"); while :; do
		jappend --sync "$J" "INSERT INTO t VALUES($((n + 1)));" 2>/dev/null || continue
		n=$((n + 1))
		echo "$n" > "$T/n.tmp" && mv "$T/n.tmp" "$T/n"   # never read half written
	done ) &
	wpid=$!
	jrotate -q --every 50ms "$J" 2>/dev/null | jship -q --to "file://$IN/" 2>/dev/null &
	spid=$!
	jwatch "$IN" 2>/dev/null | jintegrate --sync --db "$DB" >/dev/null 2>&1 &
	ipid=$!
}
# every process of the pipeline, the writer's children too
procs() { pgrep -f "$MNT" 2>/dev/null; }

rounds=$(pl_rounds 10)
lz_start
mkdir -p "$D" "$IN"
jappend --create "$J" || fail "create"
jappend --sync "$J" "CREATE TABLE t(n INTEGER PRIMARY KEY);" || fail "schema"
echo 0 > "$T/n"
i=0
while [ $i -lt "$rounds" ]; do
	i=$((i + 1))
	start_pipeline
	# let it run until a few more records are acknowledged, then a little more
	want=$(( $(cat "$T/n") + 50 ))
	wait_for sh -c "[ \$(cat '$T/n') -ge $want ]" || fail "round $i: the writer made no progress"
	sleep "$(awk -v s="$i" 'BEGIN { srand(s * 7907); printf "%.3f", rand() * 0.3 }')"
	acked=$(cat "$T/n")
	# shellcheck disable=SC2046
	lz_crash $wpid $spid $ipid $(procs)
	wait 2>/dev/null
	pl_point
	lz_start
	echo "$acked" > "$T/n.acked.$i"
	# the writer's counter may be ahead of what it acknowledged: continue from what is there
	last=$(pl_payloads $(pl_files "$D" db) | sed -n 's/^INSERT INTO t VALUES(\([0-9]*\));$/\1/p' | tail -n 1)
	[ -n "$last" ] || last=0
	[ "$last" -ge "$acked" ] || fail "round $i: acknowledged record $acked lost (journal ends at $last)"
	echo "$last" > "$T/n"
done
# The cron jobs finish what the cuts interrupted.
jrotate -q "$J" || fail "jrotate after the cuts"
jship -q --from "$D" --to "file://$IN/" || fail "the queue run after the cuts"
jintegrate --db "$DB" --from "$IN" >/dev/null 2>"$T/int.err" || fail "jintegrate --from: $(cat "$T/int.err")"
lz_stop

files=$(pl_files "$ROOT/d" db)
# shellcheck disable=SC2086
check "the chain verifies" jcat -q --verify $files
n_chain=$(pl_payloads $files | grep -c '^INSERT')
echo "  $(echo $files | wc -w) segments, $n_chain records after $rounds cuts"
bad=0
for f in $(ls "$ROOT/d" | grep -E '^db\.[0-9]{4}-[0-9]{12}\.journal$'); do
	cmp -s "$ROOT/d/$f" "$ROOT/in/$f" || { bad=$((bad + 1)); echo "    differs or missing: $f"; }
done
check "every segment is in the incoming directory, byte-identical" [ "$bad" -eq 0 ]
check "the mirror holds every record of the chain, once" \
	[ "$(sqlite3 "$DB" 'SELECT count(*), count(DISTINCT n) FROM t')" = "$n_chain|$n_chain" ]
check "the mirror holds every acknowledged record" \
	[ "$(sqlite3 "$DB" 'SELECT max(n) FROM t')" -ge "$(cat "$T/n.acked.$rounds")" ]
pl_points "a steady pipeline (writer, jrotate --every | jship, jwatch | jintegrate), cut at random"
finish

#!/bin/sh
# Power cuts at arbitrary moments while `jrotate --every 20ms` seals and a writer appends with
# --sync. Afterwards: every segment jrotate printed is there whole; the chain verifies (no
# hole, no sequence twice); every record the writer was told was synced is there, once, in
# order; and after the next rotation appends go on.
LAZYFS_CACHE_SIZE=${LAZYFS_CACHE_SIZE:-32mb}
. "$(dirname "$0")/lib.sh"

D=$MNT/d
J=$D/db.journal
good=0
rounds=$(pl_rounds 8)
lz_start
mkdir "$D"
jappend --create "$J" || fail "create"
i=0
for r in $(seq 1 "$rounds"); do
	: > "$T/acked.$r"
	: > "$T/printed.$r"
	rm -f "$T/stop"
	# Both go on after a failure until the cut: LazyFS renames its cache entry and then the
	# file, so a lookup racing with a rotation's rename can miss the live journal for an
	# instant, which a real file system's atomic rename never shows.
	( until [ -e "$T/stop" ]; do
		jrotate --every 20ms "$J" >> "$T/printed.$r" 2>>"$T/rot.$r" &
		echo $! > "$T/rot.pid"
		wait $!
	done ) &
	rp=$!
	# The writer notes each record once jappend --sync has returned 0.
	( until [ -e "$T/stop" ]; do
		i=$((i + 1))
		if jappend --sync "$J" "r$r-$i" 2>>"$T/app.$r"; then echo "r$r-$i" >> "$T/acked.$r"; fi
	done ) &
	wp=$!
	# Cut after a few segments and records, at whatever step the two are then.
	want=$((2 + r % 5))
	n=0
	while [ "$(wc -l < "$T/printed.$r")" -lt "$want" ] ||
	    [ "$(wc -l < "$T/acked.$r")" -lt $((want * 3)) ]; do
		n=$((n + 1))
		[ $n -lt 3000 ] || { fail "round $r: no progress: $(tail -n 2 "$T/rot.$r" "$T/app.$r")"; break; }
		sleep 0.01
	done
	lz_cut
	touch "$T/stop"
	kill "$(cat "$T/rot.pid")" 2>/dev/null
	wait "$wp" "$rp" 2>/dev/null
	pl_point
	lz_start
	for s in $(cat "$T/printed.$r"); do
		jcat -q --verify "$s" 2>/dev/null || fail "round $r: printed segment $s is not whole"
	done
	jrotate -q "$J" 2>"$T/rot.err" || { fail "round $r: jrotate after the cut: $(cat "$T/rot.err")"; continue; }
	files=$(pl_files "$D" db)
	# shellcheck disable=SC2086
	jcat -q --verify $files 2>"$T/v.err" || { fail "round $r: chain: $(cat "$T/v.err")"; continue; }
	# shellcheck disable=SC2086
	pl_payloads $files | grep "^r$r-" > "$T/got"
	# Every acknowledged record is there, in order, none twice.
	if [ -n "$(sort "$T/got" | uniq -d)" ]; then fail "round $r: a record twice"; continue; fi
	grep -vxF -f "$T/got" "$T/acked.$r" > "$T/lost"
	if [ -s "$T/lost" ]; then
		fail "round $r: acknowledged records lost: $(head -n 3 "$T/lost" | tr '\n' ' ')"; continue; fi
	if ! sort -t- -k2n "$T/got" | cmp -s - "$T/got"; then fail "round $r: out of order"; continue; fi
	jappend --sync "$J" "after$r" || { fail "round $r: appends do not go on"; continue; }
	good=$((good + 1))
done
lz_stop
check "every cut during jrotate --every and a syncing writer kept every acknowledged record" \
	[ "$good" -eq "$rounds" ]
pl_points "cuts at arbitrary moments of jrotate --every and jappend --sync"
finish

# Comparing two commands on a shared, noisy machine: run them interleaved, A then B, ROUNDS
# times (default 5), each after its own untimed preparation, so that a burst of load falls on
# both alike; report the ratio of the medians and the range of the rounds' ratios. That
# ratio, not a best-of, is the number to quote.
# Use: . "$JM_SRC/tests/bench/lib.sh" (defines t, secs; needs nothing else).
#
#   interleave FILE PREP_A CMD_A PREP_B CMD_B
#                            ROUNDS rounds; appends "secondsA secondsB" per round to FILE
#   ratio FILE NA NB         prints "R LO HI MA MB": MA, MB the median seconds of A and B,
#                            R = (MA/NA) / (MB/NB) (with NA, NB items per run of A and B:
#                            how many times B's rate is A's), LO and HI the least and most of
#                            the rounds' own ratios
ROUNDS=${ROUNDS:-5}

t() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.4f", b - a }'; }

interleave() {
	_r=0
	while [ "$_r" -lt "$ROUNDS" ]; do
		eval "$2"
		_a=$(t); eval "$3"; _z=$(t)
		_ta=$(secs "$_a" "$_z")
		eval "$4"
		_a=$(t); eval "$5"; _z=$(t)
		echo "$_ta $(secs "$_a" "$_z")" >>"$1"
		_r=$((_r + 1))
	done
}

ratio() {
	sort -n -k1,1 "$1" | awk '{ print $1 }' >"$1.a"
	sort -n -k2,2 "$1" | awk '{ print $2 }' >"$1.b"
	awk -v na="$2" -v nb="$3" '
		function med(v, n) { return (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2 }
		FILENAME ~ /\.a$/ { a[++n] = $1; next }
		FILENAME ~ /\.b$/ { b[++m] = $1; next }
		{ r = ($1 / na) / ($2 / nb); if (k++ == 0 || r < lo) lo = r; if (r > hi) hi = r }
		END { ma = med(a, n); mb = med(b, m)
		      printf "%.3f %.3f %.3f %.4f %.4f\n", (ma / na) / (mb / nb), lo, hi, ma, mb }
	' "$1.a" "$1.b" "$1"
}

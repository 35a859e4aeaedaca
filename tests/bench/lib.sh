# Comparing two commands on a shared, noisy machine: run them interleaved, A then B, ROUNDS
# times (default 5), each after its own untimed preparation, so that a burst of load falls on
# both alike; report the ratio of the medians and the range of the rounds' ratios. That
# ratio, not a best-of, is the number to quote.
# Use: . "$JM_SRC/tests/bench/lib.sh" (defines t and secs too; needs pgrep for SRV_PIDS).
#
#   interleave FILE PREP_A CMD_A PREP_B CMD_B
#                            ROUNDS rounds (each command after its PREP and a sync of the
#                            current directory's file system, untimed); appends
#                            "secondsA secondsB cpuA cpuB srvA srvB"
#                            per round to FILE: cpu the CPU seconds (user and system) the
#                            command and its children took, srv those the servers in
#                            SRV_PIDS (pids, if set) and their children took meanwhile
#   ratio FILE NA NB         prints "R LO HI MA MB": MA, MB the median seconds of A and B,
#                            R = (MA/NA) / (MB/NB) (with NA, NB items per run of A and B:
#                            how many times B's rate is A's), LO and HI the least and most of
#                            the rounds' own ratios
#   cpu FILE NA NB           prints "CA SA CB SB": the median CPU milliseconds per item of
#                            A's command, of the servers during A, and likewise for B
#
# Wall time on a loaded 2-core machine is mostly the load; CPU time per item is what the
# code costs, here and on the server it talks to: the figures that explain a ratio.
ROUNDS=${ROUNDS:-5}

t() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.4f", b - a }'; }

# CPU seconds of this shell's children so far, into _k (`times` of this very shell, not of a
# subshell: its second line).
_cpu_kids() {
	_tf=${TMPDIR:-/tmp}/jm-bench-times.$$
	times >"$_tf"
	_k=$(awk 'NR == 2 { gsub(/[ms]/, " "); print $1 * 60 + $2 + $3 * 60 + $4 }' "$_tf")
	rm -f "$_tf"
}
# CPU seconds of the servers SRV_PIDS and their reaped children, once these are reaped: a
# connection's process exits and is collected just after its client is gone.
_cpu_srv() {
	[ -n "${SRV_PIDS:-}" ] || { echo 0; return; }
	for _p in $SRV_PIDS; do
		_i=0
		while [ -n "$(pgrep -P "$_p" 2>/dev/null)" ] && [ $_i -lt 300 ]; do
			sleep 0.01; _i=$((_i + 1))
		done
	done
	for _p in $SRV_PIDS; do cat "/proc/$_p/stat" 2>/dev/null; done |
		awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); s += $12 + $13 + $14 + $15 }
			END { printf "%.3f\n", s / hz }'
}
# _run1 PREP CMD: run PREP, then time CMD; sets _w, _c, _s (wall, own CPU, servers' CPU).
# The file system is synced first, so that one run's writes are not flushed in the next.
_run1() {
	eval "$1"
	sync -f .
	_s0=$(_cpu_srv); _cpu_kids; _c0=$_k
	_a=$(t); eval "$2"; _z=$(t)
	_cpu_kids; _c1=$_k; _s1=$(_cpu_srv)
	_w=$(secs "$_a" "$_z")
	_c=$(awk -v a="$_c0" -v b="$_c1" 'BEGIN { printf "%.3f", b - a }')
	_s=$(awk -v a="$_s0" -v b="$_s1" 'BEGIN { printf "%.3f", b - a }')
}

interleave() {
	_r=0
	while [ "$_r" -lt "$ROUNDS" ]; do
		_run1 "$2" "$3"
		_wa=$_w _ca=$_c _sa=$_s
		_run1 "$4" "$5"
		echo "$_wa $_w $_ca $_c $_sa $_s" >>"$1"
		_r=$((_r + 1))
	done
}

# The awk function med(v, n): the median of v[1..n], sorting v.
_med='function med(v, n,   i, j, x) {
	for (i = 2; i <= n; i++) { x = v[i]; for (j = i - 1; j > 0 && v[j] > x; j--) v[j + 1] = v[j]; v[j + 1] = x }
	return (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2 }'

ratio() {
	awk -v na="$2" -v nb="$3" "$_med"'
		{ n++; a[n] = $1; b[n] = $2; r = ($1 / na) / ($2 / nb)
		  if (n == 1 || r < lo) lo = r; if (n == 1 || r > hi) hi = r }
		END { ma = med(a, n); mb = med(b, n)
		      printf "%.3f %.3f %.3f %.4f %.4f\n", (ma / na) / (mb / nb), lo, hi, ma, mb }
	' "$1"
}

cpu() {
	awk -v na="$2" -v nb="$3" "$_med"'
		{ n++; ca[n] = $3; cb[n] = $4; sa[n] = $5; sb[n] = $6 }
		END { printf "%.3f %.3f %.3f %.3f\n", med(ca, n) * 1000 / na, med(sa, n) * 1000 / na,
		      med(cb, n) * 1000 / nb, med(sb, n) * 1000 / nb }
	' "$1"
}

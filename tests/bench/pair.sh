# Interleaved timing of a command against its baseline, for the benchmarks that compare
# jship with curl (ship, ship-s3, ship-servers). The machine is shared and noisy, so one pair
# of runs means little: the two commands run alternately, ROUNDS times (default 5; baseline
# first in each round), and what is reported is the ratio of the medians, with the ratio of
# the best runs and the range of the per-round ratios beside it.
# Source it after defining D (a scratch directory).
#
#   pair_run PREP_B CMD_B PREP_J CMD_J
#       ROUNDS rounds of: PREP_B (untimed), CMD_B (timed), PREP_J (untimed), CMD_J (timed).
#       Before each timed command the file system of D is synced (untimed): the servers
#       under test write to the same disk, and one run's writes would otherwise be flushed
#       by the next run's fsync (jship records what a destination has, durably).
#       Returns 1 at the first failing command (pair_failed then says which: "base" or
#       "jship"), 0 otherwise. The times are kept for pair_stat.
#   pair_stat BYTES
#       one line: "jship M MB/s, BASE M MB/s, ratio of medians R (best-of R, rounds LO-HI,
#       N rounds); CPU jship C s, BASE C s" where BASE is $PAIR_BASE (default curl); ratio =
#       baseline time / jship time, so 1.0 is as fast as the baseline and more is faster;
#       CPU is the median user + system time of each command's processes (in clock ticks,
#       from the shell's own accounting of its children). On a machine whose CPUs are
#       all busy the time ratio tends to the ratio of the CPU the two sides (with the
#       server's) spend, whatever the transfer: the CPU figures say what jship adds.
#       With PAIR_SERVER set to pids, the CPU of those processes and their descendants (and
#       of the children they waited for) is added: "CPU jship +server C s, BASE +server C s".
#   pair_target MIN
#       "(target >= MIN)", or "(target >= MIN NOT MET)" when the last pair_stat's ratio of
#       medians is below MIN

ROUNDS=${ROUNDS:-5}
PAIR_BASE=${PAIR_BASE:-curl}
pair_failed=""

_pair_t() { date +%s.%N; }
# The CPU time of this shell's waited-for children, in clock ticks (fields 16 and 17),
# plus that of PAIR_SERVER's process tree (fields 14 to 17 of each).
_pair_cpu() {
	# cat, not awk's own file list: a process that ends meanwhile is skipped, not fatal
	cat /proc/[0-9]*/stat 2>/dev/null | awk -v me=$$ -v srv="${PAIR_SERVER:-}" '
	{ line = $0; pid = $1; sub(/.*\) /, "", line); split(line, f, " ")
		ppid[pid] = f[2]; own[pid] = f[12] + f[13] + f[14] + f[15]; kids[pid] = f[14] + f[15] }
	END {
		t = kids[me] + 0
		n = split(srv, sv, " ")
		for (i = 1; i <= n; i++) is[sv[i]] = 1
		if (n) for (p in own) for (q = p; q in ppid; q = ppid[q])
			if (q in is) { t += own[p]; break }
		print t
	}'
}

# one timed run of CMD (after syncing), its times and CPU ticks appended to FILE: 0, or 1
_pair_one() {
	sync -f "$D"
	_pc=$(_pair_cpu)
	_pa=$(_pair_t)
	eval "$1" || return 1
	_pz=$(_pair_t)
	echo "$_pa $_pz $_pc $(_pair_cpu)" >> "$2"
}

pair_run() {
	: > "$D/.pair.b"
	: > "$D/.pair.j"
	pair_failed=""
	_pr=0
	while [ $_pr -lt "$ROUNDS" ]; do
		eval "$1"
		_pair_one "$2" "$D/.pair.b" || { pair_failed=base; return 1; }
		eval "$3"
		_pair_one "$4" "$D/.pair.j" || { pair_failed=jship; return 1; }
		_pr=$((_pr + 1))
	done
	return 0
}

pair_stat() {
	paste -d ' ' "$D/.pair.b" "$D/.pair.j" | awk -v s="$1" -v base="$PAIR_BASE" -v out="$D/.pair.r" \
	    -v hz="$(getconf CLK_TCK)" -v srv="${PAIR_SERVER:+ +server}" '
	function med(a, n,   i, j, t) {
		for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] > a[j]; j--) {
			t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	{ n++; b[n] = $2 - $1; j[n] = $6 - $5; r = b[n] / j[n]
	  cb[n] = ($4 - $3) / hz; cj[n] = ($8 - $7) / hz
	  if (n == 1 || r < lo) lo = r; if (n == 1 || r > hi) hi = r
	  if (n == 1 || b[n] < bb) bb = b[n]; if (n == 1 || j[n] < jb) jb = j[n] }
	END {
		mb = med(b, n); mj = med(j, n)
		printf "jship %4.0f MB/s, %s %4.0f MB/s, ratio of medians %.2f (best-of %.2f, rounds %.2f-%.2f, %d rounds); CPU jship%s %.2fs, %s%s %.2fs",
		    s / mj / 1e6, base, s / mb / 1e6, mb / mj, bb / jb, lo, hi, n, srv, med(cj, n), base, srv, med(cb, n)
		printf "%.4f\n", mb / mj > out
	}'
}

pair_target() {
	awk -v r="$(cat "$D/.pair.r")" -v m="$1" 'BEGIN { printf "(target >= %s%s)", m, r < m ? " NOT MET" : "" }'
}

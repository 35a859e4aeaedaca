# Comparing two commands on a shared, noisy machine, the one way the benchmarks do it:
# run them interleaved, A (the baseline) then B (jmirror's command), ROUNDS times (default
# 5), each after its own untimed preparation, so that a burst of load falls on both alike;
# report the ratio of the medians, the best-of ratio and the range of the rounds' ratios.
# The ratio of the medians, not a best-of, is the number to quote.
# Use: . "$JM_SRC/tests/bench/lib.sh" after cd to the scratch directory (defines t and secs
# too).
#
#   interleave FILE PREP_A CMD_A PREP_B CMD_B
#       ROUNDS rounds, each command after its PREP and a sync of the current directory's
#       file system (untimed: the servers under test write to the same disk, and one run's
#       writes would otherwise be flushed by the next run's fsync). Appends per round
#       "secondsA secondsB cpuA cpuB srvA srvB" to FILE: cpu the CPU seconds (user and
#       system) the command and its children took; srv those the servers in SRV_PIDS (pids,
#       if set) took meanwhile, with all their descendants (a server's workers and its
#       connections' processes, alive or reaped): after each command it waits (up to 3 s)
#       until the servers have no more processes than before it, so that a connection's
#       process, which ends just after its client, is counted in its own run.
#       Returns 1 at the first failing command, with interleave_failed set to A or B (that
#       round is not recorded, no command runs after it); 0 otherwise.
#   ratio FILE NA NB
#       prints "R LO HI MA MB BEST": MA, MB the median seconds of A and B, R = (MA/NA) /
#       (MB/NB) (with NA, NB items per run of A and B: how many times B's rate is A's; with
#       1 1, A's time over B's), LO and HI the least and most of the rounds' own ratios,
#       BEST the same ratio of the two shortest times
#   cpu FILE NA NB
#       prints "CA SA CB SB": the median CPU milliseconds per item of A's command, of the
#       servers during A, and likewise for B
#   summary FILE BYTES NAME_A NAME_B [MIN]
#       one line for one transfer of BYTES by each: "NAME_B M MB/s, NAME_A M MB/s, ratio of
#       medians R (best-of R, rounds LO-HI, N rounds); CPU NAME_B C s, NAME_A C s", each CPU
#       figure the median seconds of the command, followed by "+ server S s" when SRV_PIDS
#       is set; with MIN, " (target >= MIN)" after it, as target prints it. With no round
#       in FILE (the first failed): "not measured: no round completed". On a machine whose
#       CPUs are all busy the time ratio tends to the ratio of the CPU the two sides (with
#       the server's) spend: the CPU says what B adds.
#   median
#       the median of the numbers on standard input, one a line (for timings taken some
#       other way than by interleave: more than two commands a round)
#   target OP BOUND R
#       "target OP BOUND", with " NOT MET" added when R OP BOUND (>= or <=) does not hold
#   srv_base DIR
#       where the test servers keep their files, into S: a directory of its own on a tmpfs
#       (/dev/shm, removed at exit through at_exit), as a server on another machine keeps
#       them on its own disk. On the disk of this machine a server's writeback of what it
#       has just received is flushed by jship's fsync of its acknowledgement (measured:
#       50-65 ms of a 0.19 s run of 128 MiB to vsftpd), a cost no remote server imposes
#       and curl, which records nothing, never pays. SRV_DISK=1: DIR itself.
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
# "LIVE SECONDS" of the servers SRV_PIDS and their descendants: how many of the descendants
# are running (not zombies), and the CPU seconds of all of them with the children each has
# reaped.
_cpu_srv() {
	[ -n "${SRV_PIDS:-}" ] || { echo "0 0"; return; }
	# cat, not awk's own file list: a process that ends meanwhile is skipped, not fatal
	cat /proc/[0-9]*/stat 2>/dev/null | awk -v srv="$SRV_PIDS" -v hz="$(getconf CLK_TCK)" '
	{ pid = $1; sub(/^.*\) /, ""); ppid[pid] = $2; st[pid] = $1; own[pid] = $12 + $13 + $14 + $15 }
	END {
		n = split(srv, sv, " ")
		for (i = 1; i <= n; i++) is[sv[i]] = 1
		for (p in own) for (q = p; q in ppid; q = ppid[q])
			if (q in is) { s += own[p]; if (p != q && st[p] != "Z") live++; break }
		printf "%d %.3f\n", live, s / hz
	}'
}
# _run1 PREP CMD: run PREP, then time CMD; sets _w, _c, _s (wall, own CPU, servers' CPU);
# returns CMD's failure.
_run1() {
	eval "$1"
	sync -f .
	set -- "$2" $(_cpu_srv)
	_cpu_kids; _c0=$_k
	_a=$(t); eval "$1" || return 1; _z=$(t)
	_cpu_kids; _c1=$_k
	_i=0
	while _n=$(_cpu_srv) && [ "${_n%% *}" -gt "$2" ] && [ $_i -lt 300 ]; do
		sleep 0.01; _i=$((_i + 1))
	done
	_w=$(secs "$_a" "$_z")
	_c=$(awk -v a="$_c0" -v b="$_c1" 'BEGIN { printf "%.3f", b - a }')
	_s=$(awk -v a="$3" -v b="${_n#* }" 'BEGIN { printf "%.3f", b - a }')
}

interleave() {
	interleave_failed=""
	_r=0
	while [ "$_r" -lt "$ROUNDS" ]; do
		_run1 "$2" "$3" || { interleave_failed=A; return 1; }
		_wa=$_w _ca=$_c _sa=$_s
		_run1 "$4" "$5" || { interleave_failed=B; return 1; }
		echo "$_wa $_w $_ca $_c $_sa $_s" >>"$1"
		_r=$((_r + 1))
	done
	return 0
}

# The awk function med(v, n): the median of v[1..n], sorting v.
_med='function med(v, n,   i, j, x) {
	for (i = 2; i <= n; i++) { x = v[i]; for (j = i - 1; j > 0 && v[j] > x; j--) v[j + 1] = v[j]; v[j + 1] = x }
	return (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2 }'

ratio() {
	awk -v na="$2" -v nb="$3" "$_med"'
		{ n++; a[n] = $1; b[n] = $2; r = ($1 / na) / ($2 / nb)
		  if (n == 1 || r < lo) lo = r; if (n == 1 || r > hi) hi = r
		  if (n == 1 || $1 < ba) ba = $1; if (n == 1 || $2 < bb) bb = $2 }
		END { ma = med(a, n); mb = med(b, n)
		      printf "%.3f %.3f %.3f %.4f %.4f %.3f\n", (ma / na) / (mb / nb), lo, hi, ma, mb,
		          (ba / na) / (bb / nb) }
	' "$1"
}

cpu() {
	awk -v na="$2" -v nb="$3" "$_med"'
		{ n++; ca[n] = $3; cb[n] = $4; sa[n] = $5; sb[n] = $6 }
		END { printf "%.3f %.3f %.3f %.3f\n", med(ca, n) * 1000 / na, med(sa, n) * 1000 / na,
		      med(cb, n) * 1000 / nb, med(sb, n) * 1000 / nb }
	' "$1"
}

median() { awk "$_med"'{ v[++n] = $1 } END { printf "%.6f\n", med(v, n) }'; }

summary() {
	[ -s "$1" ] || { echo "not measured: no round completed"; return; }
	_min=${5:-}
	set -- "$1" "$2" "$3" "$4" $(ratio "$1" 1 1) $(cpu "$1" 1 1)
	awk -v s="$2" -v na="$3" -v nb="$4" -v r="$5" -v lo="$6" -v hi="$7" -v ma="$8" -v mb="$9" \
	    -v best="${10}" -v ca="${11}" -v sa="${12}" -v cb="${13}" -v sb="${14}" \
	    -v n="$(grep -c . "$1")" -v srv="${SRV_PIDS:+1}" 'BEGIN {
		printf "%s %4.0f MB/s, %s %4.0f MB/s, ratio of medians %.2f (best-of %.2f, rounds %.2f-%.2f, %d rounds); ",
		    nb, s / mb / 1e6, na, s / ma / 1e6, r, best, lo, hi, n
		if (srv)
			printf "CPU %s %.2f s + server %.2f s, %s %.2f s + server %.2f s",
			    nb, cb / 1000, sb / 1000, na, ca / 1000, sa / 1000
		else
			printf "CPU %s %.2f s, %s %.2f s", nb, cb / 1000, na, ca / 1000 }'
	[ -z "$_min" ] || printf ' (%s)' "$(target '>=' "$_min" "$5")"
	echo
}

target() {
	awk -v op="$1" -v b="$2" -v r="$3" 'BEGIN {
		printf "target %s %s%s", op, b, ((op == ">=") ? r >= b : r <= b) ? "" : " NOT MET" }'
}

srv_base() {
	S=$1
	[ "${SRV_DISK:-0}" = 1 ] && return 0
	S=$(mktemp -d /dev/shm/jm-srv.XXXXXX) && chmod 755 "$S" || return 1
	at_exit "rm -rf '$S'"
}

#!/bin/sh
# jmirror, the whole story on one machine in under a minute (what `make demo` runs).
#
#   primary   an unchanged Python application (examples/shop.py, the standard sqlite3
#             module) writes orders into primary.db; jcapture --every 100ms moves what it
#             commits into the journal, exactly once; jrotate --every seals it into
#             segments; jship fans them out to mirror1 and mirror3
#   mirror1   jwatch in/ | jintegrate --db mirror.db | jship --to mirror2  (a relay)
#   mirror2   jwatch in/ | jintegrate --db mirror.db                       (mirror-mirror)
#   mirror3   jwatch in/ | jintegrate --db mirror.db                       (hub-and-spoke)
#
# While it runs, jstatus shows the send queue and each mirror's lag. Then the planned
# switch-over: the application stops, jcapture drains what is left, jrotate --final on the
# primary (appends are refused from then on), the mirrors apply the final segment, every
# mirror is compared with the primary, jpromote makes mirror1 the operational (and, as its
# primary was, captured) database on timeline 2, and the same application writing there reaches mirror2
# and mirror3. Last, it
# checks that every mirror's data equals the (new) primary's (sqlite3 .dump of the data
# table; the bookkeeping is left out) and prints the measured commit-to-visible lag.
#
# Environment:
#   JM_BIN           directory of the jmirror tools (default: on PATH)
#   JM_TEST          directory of jmlag (default: JM_BIN/../test)
#   DEMO_TRANSPORT   file (default), sftp, ftp or http: the last three use real servers on
#                    loopback (OpenSSH sshd, vsftpd, nginx; root only; tests/e2e/servers.sh)
#   DEMO_SECONDS     seconds of write load before the switch-over (default 15)
#   DEMO_RATE        transactions per second (default 200)
#   DEMO_EVERY       rotation period (default 200ms)
#   DEMO_DIR         where to work (default: a new directory under TMPDIR, removed at the end)
#   DEMO_KEEP        set: keep DEMO_DIR
# Exit 0 when every mirror equals the primary, 1 otherwise. Nothing is left running.
set -u
[ -n "${JM_BIN:-}" ] && PATH=$JM_BIN:$PATH
JM_SRC=${JM_SRC:-$(cd "$(dirname "$0")/.." && pwd)}
JM_TEST=${JM_TEST:-${JM_BIN:+$JM_BIN/../test}}
[ -n "$JM_TEST" ] && PATH=$PATH:$JM_TEST
export PATH
TRANSPORT=${DEMO_TRANSPORT:-file}
SECONDS_1=${DEMO_SECONDS:-15}
RATE=${DEMO_RATE:-200}
EVERY=${DEMO_EVERY:-200ms}
SECONDS_2=$(( (SECONDS_1 + 2) / 3 ))
N1=$((RATE * SECONDS_1))
N2=$((RATE * SECONDS_2))

say() { printf '%s\n' "$*"; }
step() { printf '\n== %s\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }   # show a command, then run it
die() { printf 'demo: %s\n' "$*" >&2; exit 1; }
have() { command -v "$1" >/dev/null 2>&1; }

for t in jappend jcapture jrotate jship jwatch jintegrate jcat jmlag sqlite3 python3 setsid; do
	have $t || die "$t not found (run it as make demo, or set JM_BIN and JM_TEST)"
done
missing=""
for t in jstatus jpromote; do have $t || missing="$missing $t"; done

if [ -n "${DEMO_DIR:-}" ]; then
	mkdir -p "$DEMO_DIR" || exit 1
	D=$(cd "$DEMO_DIR" && pwd -P)
else
	D=$(mktemp -d "${TMPDIR:-/tmp}/jm-demo.XXXXXX") || exit 1
	D=$(cd "$D" && pwd -P)
fi

# Every background pipeline runs in its own process group (setsid), stopped at the end.
groups=""
_atexit=""
at_exit() { _atexit="$1; $_atexit"; }
spawn() { setsid sh -c "$1" </dev/null & bg=$!; groups="$groups $bg"; }
# Is any process of group PGID alive? (kill -0 would count the zombie of its leader too.)
group_alive() { # PGID
	for p in $(pgrep -g "$1" 2>/dev/null); do
		s=$(cut -d' ' -f3 "/proc/$p/stat" 2>/dev/null) && [ "$s" != Z ] && return 0
	done
	return 1
}
stop_group() { # PGID
	kill -TERM -"$1" 2>/dev/null || return 0
	i=0
	while group_alive "$1" && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	kill -KILL -"$1" 2>/dev/null
	wait "$1" 2>/dev/null
	return 0
}
pids=""   # the lag probes: plain background children
cleanup() {
	for p in $pids; do kill -TERM "$p" 2>/dev/null; done
	for g in $groups; do stop_group "$g"; done
	eval "$_atexit" >/dev/null 2>&1
	cd /
	if [ -z "${DEMO_KEEP:-}" ] && [ -z "${DEMO_DIR:-}" ]; then rm -rf "$D"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null ||
		echo $((20000 + $$ % 20000))
}
cd "$D" || exit 1
mkdir -p primary mirror1 mirror2 mirror3

# ---- transport: where each mirror's incoming directory is, and its URL ----
SHIPOPT=""
case $TRANSPORT in
file)
	for m in 1 2 3; do mkdir -p mirror$m/in; eval "IN$m=\$D/mirror$m/in; URL$m=file://\$D/mirror$m/in/"; done ;;
sftp|ftp|http)
	[ "$(id -u)" -eq 0 ] || die "DEMO_TRANSPORT=$TRANSPORT starts servers on loopback: run as root"
	. "$JM_SRC/tests/e2e/servers.sh"
	case $TRANSPORT in
	sftp) start_sftp "$D" || die "the sftp server did not start"
	      root=$SFTP_ROOT url=$SFTP_URL
	      SHIPOPT="--key $SSH_KEY --known-hosts $KNOWN_HOSTS" ;;
	ftp)  start_ftp "$D" || die "the ftp server did not start"
	      root=$FTP_ROOT url=$FTP_URL ;;
	http) start_http "$D" || die "the http server did not start"
	      root=$HTTP_ROOT url=$HTTP_URL ;;
	esac
	for m in 1 2 3; do
		mkdir -p "$root/mirror$m"
		[ "$TRANSPORT" = ftp ] && chown ftp "$root/mirror$m"
		eval "IN$m=\$root/mirror\$m; URL$m=\${url}mirror\$m/"
	done ;;
*) die "DEMO_TRANSPORT must be file, sftp, ftp or http" ;;
esac

# Readers of a mirror wait a little for a lock (.timeout), as jintegrate(1) asks of them.
# The mirror's lag and position from its bookkeeping, when jstatus is not there to say it.
position() { # DB
	sqlite3 -cmd ".timeout 2000" "$1" "SELECT printf('timeline %d seq %d lsn %d%s, applied %.2f s after its commit', timeline, seq,
	    last_lsn, CASE final WHEN 1 THEN ' (final)' ELSE '' END,
	    (applied_at - last_time) / 1e9) FROM jmirror_state" 2>/dev/null || echo "nothing applied yet"
}
status() { # JOURNAL, then the mirrors still following it
	j=$1; shift
	if have jstatus; then
		run jstatus "$j"
		for m in "$@"; do eval "run jstatus --db mirror$m/mirror.db --incoming \$IN$m"; done
	else
		say "live journal $j: $(ls "$(dirname "$j")" | grep -c '\.journal$') files"
		for m in "$@"; do say "mirror$m: $(position mirror$m/mirror.db)"; done
	fi
}
rows() { sqlite3 -cmd ".timeout 2000" "$1" "SELECT count(*) FROM orders" 2>/dev/null || echo 0; }
final_of() { sqlite3 -cmd ".timeout 2000" "$1" "SELECT final FROM jmirror_state" 2>/dev/null || echo 0; }
dump() { sqlite3 -cmd ".timeout 2000" "$1" ".dump orders" | sha256sum | cut -c1-16; }
wait_until() { # SECONDS CONDITION...: poll CONDITION every 0.1 s
	lim=$(($1 * 10)); shift
	k=0
	until eval "$*"; do
		k=$((k + 1)); [ $k -ge $lim ] && return 1
		sleep 0.1
	done
}
same() { # LABEL DB...: every DB's orders equal the first's
	label=$1; shift
	ref=$(dump "$1") refn=$(rows "$1") all=1
	for db in "$@"; do
		h=$(dump "$db")
		if [ "$h" = "$ref" ]; then say "  $db: $(rows "$db") rows, dump sha256 $h: equal"
		else say "  $db: $(rows "$db") rows, dump sha256 $h: DIFFERS"; all=0; fi
	done
	if [ $all = 1 ]; then say "$label: all equal ($refn rows)"; else say "$label: MISMATCH"; ok=0; fi
}
lagline() { # LABEL FILE
	[ -s "$2" ] || { say "  $1: not measured"; ok=0; return; }
	set -- "$1" $(cat "$2")
	l=$1; shift
	for kv; do eval "L_${kv%%=*}=${kv#*=}"; done
	say "  $l: p50 $L_p50_ms ms, p99 $L_p99_ms ms, max $L_max_ms ms ($L_visible of $L_count rows)"
	[ "$L_visible" = "$L_count" ] || ok=0
}
ok=1
# The application writes its database and nothing else; jcapture --every drains it.
app() { # DB JOURNAL FIRSTID COUNT
	say "\$ jcapture --every 100ms $1 $2"
	spawn "jcapture --every 100ms '$1' '$2'"
	capture=$bg
	say "\$ python3 examples/shop.py $1 $3 $4 $RATE"
	spawn "python3 '$JM_SRC/examples/shop.py' '$1' $3 $4 $RATE"
	appj=$bg
}
# The application is done: stop the drainer (SIGTERM lets its drain finish), drain the rest.
app_wait() {
	wait $appj
	stop_group "$capture"
	run jcapture "$1" "$2" || ok=0
}

step "jmirror demo: $TRANSPORT transport, $RATE orders/s for $SECONDS_1 s, then a planned switch-over"
say "working in $D"
[ -n "$missing" ] && say "(not built yet:$missing; those steps are skipped)"

step "the operational side: a journal, and capture installed in the application's database"
sqlite3 primary/primary.db "CREATE TABLE orders(id INTEGER PRIMARY KEY, ts INTEGER NOT NULL, v TEXT)" || exit 1
run jappend --create primary/app.journal || exit 1
run jcapture --install primary/primary.db primary/app.journal || exit 1

step "the mirrors: jwatch | jintegrate, mirror1 relaying to mirror2"
say "\$ jwatch $IN1 | jintegrate --db mirror1/mirror.db | jship ${SHIPOPT:+$SHIPOPT }--to $URL2"
spawn "jwatch '$IN1' | jintegrate --db mirror1/mirror.db | jship -q $SHIPOPT --to '$URL2' >/dev/null"
relay=$bg
say "\$ jwatch $IN2 | jintegrate --db mirror2/mirror.db"
spawn "jwatch '$IN2' | jintegrate --db mirror2/mirror.db >/dev/null"
m2=$bg
say "\$ jwatch $IN3 | jintegrate --db mirror3/mirror.db"
spawn "jwatch '$IN3' | jintegrate --db mirror3/mirror.db >/dev/null"
m3=$bg

step "shipping: jrotate --every $EVERY | jship fanning out to mirror1 and mirror3"
say "\$ jrotate --every $EVERY primary/app.journal | jship ${SHIPOPT:+$SHIPOPT }--to $URL1 --to $URL3"
spawn "jrotate --every $EVERY primary/app.journal |
    jship -q $SHIPOPT --to '$URL1' --to '$URL3' >/dev/null"
ship=$bg

step "the application writes $N1 orders at $RATE/s, jcapture drains them"
for m in 1 2 3; do
	jmlag -t orders -p 5000 -w 20 mirror$m/mirror.db "$N1" >"$D/lag1.$m" 2>/dev/null &
	eval "lagpid$m=\$!"; pids="$pids $!"
done
app primary/primary.db primary/app.journal 1 "$N1"
t=0
while [ $t -lt "$SECONDS_1" ]; do
	for k in 1 2 3 4 5 6 7 8; do sleep 0.5; done   # short sleeps: ^C is handled at once
	t=$((t + 4))
	[ $t -lt "$SECONDS_1" ] || break
	step "status after $t s"
	status primary/app.journal 1 2 3
done
app_wait primary/primary.db primary/app.journal
say "the application wrote $(rows primary/primary.db) orders"

step "planned switch-over, 1: the primary stops taking writes"
pkill -TERM -g "$ship" -x jrotate
wait "$ship"
run jrotate --final primary/app.journal || ok=0
say "\$ jappend primary/app.journal \"INSERT INTO orders ...\""
jappend primary/app.journal "INSERT INTO orders(id, ts, v) VALUES(0, 0, 'late');" 2>&1
say "(exit $?: appends are refused once the journal is closed)"
run jship -q $SHIPOPT --from primary --to "$URL1" --to "$URL3" >/dev/null || ok=0

step "planned switch-over, 2: wait until every mirror has applied the final segment"
for m in 1 2 3; do
	if wait_until 20 "[ \"\$(final_of mirror$m/mirror.db)\" = 1 ]"; then
		say "mirror$m: $(position mirror$m/mirror.db)"
	else
		say "mirror$m: did not apply the final segment: $(position mirror$m/mirror.db)"; ok=0
	fi
done
for m in 1 2 3; do eval "wait \$lagpid$m"; done
status primary/app.journal 1 2 3
same "content at the switch-over" primary/primary.db mirror1/mirror.db mirror2/mirror.db mirror3/mirror.db

if ! have jpromote; then
	step "jpromote is not built: the demo stops before the promotion"
	ok=0
else
	step "planned switch-over, 3: mirror1 becomes the operational database"
	stop_group "$relay"   # integration must not run during the promotion
	mkdir -p mirror1/journal
	run jpromote --db mirror1/mirror.db --journal mirror1/journal/app.journal 2>&1 || ok=0

	step "writes on the new primary (timeline 2) reach mirror2 and mirror3"
	say "\$ jrotate --every $EVERY mirror1/journal/app.journal | jship ${SHIPOPT:+$SHIPOPT }--to $URL2 --to $URL3"
	spawn "jrotate --every $EVERY mirror1/journal/app.journal |
	    jship -q $SHIPOPT --to '$URL2' --to '$URL3' >/dev/null"
	ship=$bg
	for m in 2 3; do
		jmlag -t orders -p 5000 -w 20 -i $((N1 + 1)) mirror$m/mirror.db "$N2" >"$D/lag2.$m" 2>/dev/null &
		eval "lagpid$m=\$!"; pids="$pids $!"
	done
	app mirror1/mirror.db mirror1/journal/app.journal $((N1 + 1)) "$N2"
	app_wait mirror1/mirror.db mirror1/journal/app.journal
	pkill -TERM -g "$ship" -x jrotate
	wait "$ship"
	run jrotate -q mirror1/journal/app.journal
	run jship -q $SHIPOPT --from mirror1/journal --to "$URL2" --to "$URL3" >/dev/null || ok=0
	total=$((N1 + N2 + 0))
	for m in 2 3; do
		wait_until 20 "[ \"\$(rows mirror$m/mirror.db)\" -ge $total ]" ||
			{ say "mirror$m did not catch up: $(rows mirror$m/mirror.db) of $total rows"; ok=0; }
		eval "wait \$lagpid$m"
	done
	status mirror1/journal/app.journal 2 3
	step "the chain mirror2 received, across the switch-over"
	say "\$ jcat --verify -q $IN2/app.*.journal"
	jcat --verify -q "$IN2"/app.*.journal && say "(every segment verified, one unbroken chain)"
	same "content after the switch-over" mirror1/mirror.db mirror2/mirror.db mirror3/mirror.db
fi

step "measured lag, from commit on the primary to visible on the mirror ($RATE orders/s)"
lagline "mirror1 (from the primary)" "$D/lag1.1"
lagline "mirror2 (through mirror1's relay)" "$D/lag1.2"
lagline "mirror3 (from the primary)" "$D/lag1.3"
if have jpromote; then
	lagline "mirror2 after the switch-over" "$D/lag2.2"
	lagline "mirror3 after the switch-over" "$D/lag2.3"
fi

if [ $ok = 1 ]; then step "demo: OK: every mirror equals the primary"; exit 0; fi
step "demo: FAILED (see above)"
exit 1

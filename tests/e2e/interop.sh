# Checks that every server of the interoperability tests (tests/e2e/14NN) goes through.
# Source after lib.sh, servers.sh and servers-other.sh; a server is started with start_other
# (or start_ftp/start_sftp/start_http with SRV_* set by the caller).
#
#   ix_big DIR MB            a valid segment of about MB megabytes in DIR (db.0001-...1)
#   ix_ours DIR              list the temporaries of jship left in DIR (.NAME.HOST-PID-RND.part)
#   ix_sent PID BYTES        PID has sent at least BYTES over TCP
#   ix_kill_mid FILE         start jship slowly on FILE to SRV_URL, SIGKILL it once its
#                            temporary has bytes at the server (or it sent 1 MB); the server is left with a partial temporary
#   ix_checks NAME           the whole check list against SRV_*, one line per check:
#                            "NAME SCHEME: check" (publish, identical resend, different
#                            content refused, queue, large segment, kill mid-transfer,
#                            bad credentials, untrusted certificate where TLS). Each result
#                            is also appended to $T/matrix as "NAME SCHEME CHECK ok|FAIL|SKIP".
#                            A failed check for which ix_limit NAME CHECK (if the test
#                            defines it) prints a reason is a known limit of the server: SKIP.
# IX_BIG (MB, default 250) is the size of the large segment.

ix_big() {
	mkdir -p "$1"
	jmgen -r $(( $2 * 10 )) -b 100000 "$1" 1 >/dev/null 2>&1
}

ix_ours() { ls -A "$1" 2>/dev/null | grep '^\..*-[0-9]*-[0-9a-f]\{8\}\.part$'; }

ix_sent() { # the bytes PID sent over TCP (ss -i: bytes_sent of each of its sockets)
	_ixw=$(ss -tinpH 2>/dev/null | awk -v p="pid=$1," 'index($0, p) { m = 1; next }
		m { if (match($0, /bytes_sent:[0-9]+/)) n += substr($0, RSTART + 11, RLENGTH - 11); m = 0 }
		END { print n + 0 }')
	[ "$_ixw" -ge "$2" ]
}

_ix_partial() { # PID: a temporary of ours has bytes at the server, or PID sent 1 MB
	for _ixf in $(ix_ours "$SRV_ROOT"); do
		[ -s "$SRV_ROOT/$_ixf" ] && return 0
	done
	ix_sent "$1" 1048576
}

ix_kill_mid() {
	jship --retries 0 --limit-rate 1M $SRV_OPTS --to "$SRV_URL" "$1" >/dev/null 2>&1 &
	_ixp=$!
	wait_for _ix_partial $_ixp
	_ixok=$?
	kill -KILL $_ixp 2>/dev/null
	wait $_ixp 2>/dev/null
	return $_ixok
}

_ix_res() { # NAME SCHEME CHECK RESULT
	if [ "$4" = FAIL ] && command -v ix_limit >/dev/null 2>&1 && _ixy=$(ix_limit "$1" "$3"); then
		set -- "$1" "$2" "$3" SKIP "$_ixy"
	fi
	printf '%s %s %s %s\n' "$1" "$2" "$3" "$4" >> "$T/matrix"
	case $4 in
	ok) ok "$1 $2: $3" ;;
	SKIP) skip_check "$1 $2: $3" "${5:-not for this server}" ;;
	*) fail "$1 $2: $3"; [ -s "$T/ixerr" ] && sed 's/^/    /' "$T/ixerr" | head -3 ;;
	esac
}

_ix_run() { # WANT CMD...: exit status WANT, stderr in $T/ixerr
	_want=$1; shift
	"$@" >"$T/ixout" 2>"$T/ixerr"
	[ $? -eq "$_want" ]
}

ix_checks() {
	_n=$1
	_s=${SRV_URL%%://*}
	_d=$T/ix-$_n
	rm -rf "$_d"
	mkdir -p "$_d/src" "$_d/other" "$_d/q"
	jmgen -r 20 "$_d/src" 3 >/dev/null 2>&1
	jmgen -r 20 "$_d/other" 1 >/dev/null 2>&1
	_f1=$_d/src/db.0001-000000000001.journal
	_r=FAIL
	if _ix_run 0 jship --retries 0 $SRV_OPTS --to "$SRV_URL" "$_d"/src/* &&
	    cmp -s "$_f1" "$SRV_ROOT/db.0001-000000000001.journal" &&
	    cmp -s "$_d/src/db.0001-000000000003.journal" "$SRV_ROOT/db.0001-000000000003.journal" &&
	    [ -z "$(ix_ours "$SRV_ROOT")" ]; then _r=ok; fi
	_ix_res "$_n" "$_s" publish $_r
	_r=FAIL
	_ix_run 0 jship --retries 0 $SRV_OPTS --to "$SRV_URL" "$_f1" && _r=ok
	_ix_res "$_n" "$_s" "identical resend" $_r
	_r=FAIL
	if _ix_run 65 jship --retries 0 $SRV_OPTS --to "$SRV_URL" "$_d/other/db.0001-000000000001.journal" &&
	    cmp -s "$_f1" "$SRV_ROOT/db.0001-000000000001.journal"; then _r=ok; fi
	_ix_res "$_n" "$_s" "different content refused" $_r
	# the queue: what the destination lacks is sent by --from, in order, once
	jmgen -r 5 -n q "$_d/q" 2 >/dev/null 2>&1
	_r=FAIL
	if _ix_run 0 jship --retries 0 $SRV_OPTS --from "$_d/q" --to "$SRV_URL" &&
	    [ "$(wc -l < "$T/ixout")" -eq 2 ] &&
	    _ix_run 0 jship --retries 0 $SRV_OPTS --from "$_d/q" --to "$SRV_URL" &&
	    [ ! -s "$T/ixout" ] && cmp -s "$_d/q/q.0001-000000000002.journal" "$SRV_ROOT/q.0001-000000000002.journal"
	then _r=ok; fi
	_ix_res "$_n" "$_s" queue $_r
	# a large segment, then a kill in the middle of sending it again under another name
	_r=FAIL
	if [ -f "$T/big/db.0001-000000000001.journal" ]; then
		mkdir -p "$_d/big"
		ln -sf "$T/big/db.0001-000000000001.journal" "$_d/big/big.0001-000000000001.journal"
		if _ix_run 0 jship --retries 0 $SRV_OPTS --to "$SRV_URL" "$_d/big/big.0001-000000000001.journal" &&
		    cmp -s "$T/big/db.0001-000000000001.journal" "$SRV_ROOT/big.0001-000000000001.journal"
		then _r=ok; fi
		rm -f "$SRV_ROOT/big.0001-000000000001.journal"
		_ix_res "$_n" "$_s" "large segment (${IX_BIG:-250} MB)" $_r
	else
		_ix_res "$_n" "$_s" "large segment" SKIP "no large segment made"
	fi
	_ix_kill "$_n" "$_s" "$_d"
	_r=FAIL
	_ix_run 77 jship --retries 0 $SRV_BAD --to "$SRV_URL" "$_d/src/db.0001-000000000002.journal" && _r=ok
	_ix_res "$_n" "$_s" "bad credentials refused" $_r
	if [ "$SRV_TLS" = 1 ]; then
		_r=FAIL
		_ix_run 77 jship --retries 0 $(echo "$SRV_OPTS" | sed 's/--cacert [^ ]*//') \
			--to "$SRV_URL" "$_d/src/db.0001-000000000002.journal" && _r=ok
		_ix_res "$_n" "$_s" "untrusted certificate refused" $_r
	fi
}

# Kill a transfer in the middle; the next run publishes the whole segment and removes
# the stale temporary of ours. The next run retries as a cron run would: a single-threaded
# server (chezdav) may still be busy with the killed upload and reset the first connection.
_ix_kill() { # NAME SCHEME DIR
	mkdir -p "$3/kill"
	jmgen -r 100 -b 100000 -n k "$3/kill" 1 >/dev/null 2>&1
	_k=$3/kill/k.0001-000000000001.journal
	_r=FAIL
	if ix_kill_mid "$_k" && _ix_run 0 jship --retries 2 $SRV_OPTS --to "$SRV_URL" "$_k" &&
	    cmp -s "$_k" "$SRV_ROOT/k.0001-000000000001.journal"; then _r=ok; fi
	[ -z "$(ix_ours "$SRV_ROOT")" ] || _r=FAIL
	_ix_res "$1" "$2" "kill mid-transfer, then resend" $_r
}

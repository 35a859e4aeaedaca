#!/bin/sh
# The interoperability matrix: the same check list (tests/e2e/interop.sh: publish,
# identical resend, different content refused, queue, a large segment, a kill in the middle
# of a transfer, bad credentials, an untrusted certificate where TLS) against every server
# of servers.sh and servers-other.sh, one line per server x scheme x check, then the table
# that README keeps. JM_MATRIX=KIND... runs only those; IX_BIG=MB sizes the large segment.
. ./lib.sh
. "$JM_SRC/tests/e2e/servers.sh"
. "$JM_SRC/tests/e2e/servers-other.sh"
. "$JM_SRC/tests/e2e/interop.sh"
heavy
: > "$T/matrix"
ix_big "$T/big" "${IX_BIG:-250}"

# Known limits of a server, not failures of jship: those checks report SKIP with the reason
# (interop.sh asks ix_limit when a check fails).
ix_limit() { # KIND CHECK
	case "$1:$2" in
	pyftpdlib:*) echo "pyftpdlib resets TLS data connections (curl -T fails too)" ;;
	tinysshd:*) echo "no key exchange in common with libssh2 1.10 (test 1405)" ;;
	chezdav:"bad credentials refused") echo "chezdav 3.0 takes any password for a known user" ;;
	*) return 1 ;;
	esac
}

run_kind() { # KIND
	case $1 in
	vsftpd|vsftpd-ftpes|vsftpd-ftps)
		_m=plain; [ "$1" = vsftpd-ftpes ] && _m=explicit; [ "$1" = vsftpd-ftps ] && _m=implicit
		start_ftp "$T" $_m || return 1
		# anonymous upload; a named login is refused (local_enable=NO)
		printf 'machine 127.0.0.1 login ship password wrong\n' > "$T/ftp.badnetrc"
		chmod 600 "$T/ftp.badnetrc"
		SRV_URL=$FTP_URL SRV_ROOT=$FTP_ROOT SRV_PID=$_srv_ftp SRV_TLS=0 SRV_OPTS=""
		SRV_BAD="--netrc-file $T/ftp.badnetrc"
		if [ $_m != plain ]; then
			SRV_TLS=1 SRV_OPTS="--cacert $T/cert.pem" SRV_BAD="$SRV_BAD --cacert $T/cert.pem"
		fi ;;
	openssh)
		start_sftp "$T" || return 1
		ssh-keygen -q -t ed25519 -N '' -f "$T/stranger" </dev/null >/dev/null 2>&1
		SRV_URL=$SFTP_URL SRV_ROOT=$SFTP_ROOT SRV_PID=$_srv_sftp SRV_TLS=0
		SRV_OPTS="--key $SSH_KEY --known-hosts $KNOWN_HOSTS"
		SRV_BAD="--key $T/stranger --known-hosts $KNOWN_HOSTS" ;;
	nginx|nginx-https)
		_m=http; [ "$1" = nginx-https ] && _m=https
		start_http "$T" $_m || return 1
		printf 'machine 127.0.0.1 login ship password secret\n' > "$T/nginx.netrc"
		printf 'machine 127.0.0.1 login ship password wrong\n' > "$T/nginx.badnetrc"
		chmod 600 "$T/nginx.netrc" "$T/nginx.badnetrc"
		SRV_URL=$HTTP_AUTH_URL SRV_ROOT=$HTTP_AUTH_ROOT SRV_PID=$_srv_http SRV_TLS=0
		SRV_OPTS="--netrc-file $T/nginx.netrc" SRV_BAD="--netrc-file $T/nginx.badnetrc"
		if [ $_m = https ]; then
			SRV_TLS=1 SRV_OPTS="$SRV_OPTS --cacert $T/cert.pem" SRV_BAD="$SRV_BAD --cacert $T/cert.pem"
		fi ;;
	*) start_other "$1" "$T" || return 1 ;;
	esac
}

for k in ${JM_MATRIX:-vsftpd vsftpd-ftpes vsftpd-ftps openssh nginx nginx-https $(other_kinds)}; do
	if ! run_kind "$k" 2>"$T/start.err"; then
		skip_check "$k" "the server did not start: $(head -1 "$T/start.err")"
		printf '%s - start SKIP\n' "$k" >> "$T/matrix"
		continue
	fi
	if why=$(ix_limit "$k" any); then
		skip_check "$k ${SRV_URL%%://*}" "$why"
		printf '%s %s all SKIP\n' "$k" "${SRV_URL%%://*}" >> "$T/matrix"
	else
		ix_checks "$k"
	fi
	case $k in vsftpd*) stop_server ftp ;; openssh) stop_server sftp ;; nginx*) stop_server http ;; *) stop_other ;; esac
done

# The table: one row per server and scheme, one column per check.
echo "  matrix (server scheme: publish resend conflict queue large kill badcred untrusted):"
awk '{ key = $1 " " $2; if (!(key in seen)) { seen[key] = 1; order[++n] = key }
       r = $NF; row[key] = row[key] " " (r == "ok" ? "ok" : r == "SKIP" ? "-" : "FAIL") }
     END { for (i = 1; i <= n; i++) printf "    %-24s%s\n", order[i], row[order[i]] }' "$T/matrix"
[ -n "${JM_MATRIX_OUT:-}" ] && cp "$T/matrix" "$JM_MATRIX_OUT"
finish

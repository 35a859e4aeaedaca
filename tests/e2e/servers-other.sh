# The other servers people run, beside vsftpd, OpenSSH and nginx (servers.sh), for the
# interoperability tests (tests/e2e/14NN) and tests/bench/ship-servers. Source it after
# servers.sh; every server runs on free 127.0.0.1 ports and is stopped by stop_servers
# (at_exit), by pid.
#
#   start_other KIND DIR     start one server with its files under DIR/KIND. KIND:
#       proftpd proftpd-ftpes proftpd-ftps proftpd-sftp proftpd-nooverwrite
#                            ProFTPD (plain, explicit TLS, implicit TLS, mod_sftp; the last
#                            with its built-in AllowOverwrite off)
#       pureftpd pureftpd-r  pure-ftpd (defaults; -r: uploads onto an existing name are renamed)
#       dropbear             dropbear with OpenSSH's sftp-server
#       tinysshd             tinysshd (its key exchange is one libssh2 1.10 lacks)
#       rclone-sftp rclone-webdav   rclone serve sftp / serve webdav of a local directory
#       lighttpd apache      lighttpd mod_webdav, Apache mod_dav_fs (Basic authentication)
#       chezdav              chezdav (phodav) with Digest authentication
#       pyftpdlib            pyftpdlib over explicit TLS
#     and sets
#       SRV_URL    the destination (a directory URL)
#       SRV_ROOT   the local directory behind it
#       SRV_OPTS   jship's options to reach it (netrc file, key, known_hosts, CA)
#       SRV_BAD    the same with a credential the server refuses
#       SRV_TLS    1 when the scheme checks a certificate (then SRV_CA is the CA given in
#                  SRV_OPTS; without it the certificate is untrusted)
#       SRV_PID    the server's pid (stop_other stops it)
#     It returns 1 with a message when the server cannot run here (not installed): a test
#     then skips that server.
#   other_kinds              every KIND, in the order the matrix prints them
#   stop_other               stop the last server started
#
# proftpd and pure-ftpd are unpacked from their .deb files under the build directory
# (tests/e2e/srvdebs.sh); dropbear and tinysshd read root's ~/.ssh/authorized_keys, so they
# run in a private mount namespace where a home of the test's is mounted over it.

other_kinds() {
	echo proftpd proftpd-ftpes proftpd-ftps proftpd-sftp proftpd-nooverwrite pureftpd \
		pureftpd-r dropbear tinysshd rclone-sftp rclone-webdav lighttpd apache chezdav pyftpdlib
}

_o_srvroot() {
	_r=$(cd "$JM_BIN/.." && pwd)
	sh "$JM_SRC/tests/e2e/srvdebs.sh" "$_r" >&2 || return 1
	SRVROOT=$_r/srvroot
}

_o_netrc() { # DIR: netrc (ship/secret) and badnetrc (a wrong password)
	printf 'machine 127.0.0.1 login ship password secret\n' > "$1/netrc"
	printf 'machine 127.0.0.1 login ship password wrong\n' > "$1/badnetrc"
	chmod 600 "$1/netrc" "$1/badnetrc"
}

_o_sshkeys() { # DIR: host, client and stranger ed25519 keys
	[ -f "$1/host" ] || ssh-keygen -q -t ed25519 -N '' -f "$1/host" >/dev/null
	[ -f "$1/client" ] || ssh-keygen -q -t ed25519 -N '' -f "$1/client" >/dev/null
	[ -f "$1/stranger" ] || ssh-keygen -q -t ed25519 -N '' -f "$1/stranger" >/dev/null
}

_o_known() { # DIR PORT PUBKEYFILE: known_hosts and the options using it
	printf '[127.0.0.1]:%s %s\n' "$2" "$(cut -d' ' -f1-2 "$3")" > "$1/known_hosts"
	SRV_OPTS="--key $1/client --known-hosts $1/known_hosts"
	SRV_BAD="--key $1/stranger --known-hosts $1/known_hosts"
}

_o_started() { # PID PORT LOG
	SRV_PID=$1
	_srv_pids="$_srv_pids $1"
	_srv_register
	_srv_wait_port "$2" "$1" "$3"
}

stop_other() {
	_srv_stop_tree "${SRV_PID:-}"
	SRV_PID=""
}

start_other() {
	_k=$1
	_d=$(cd "$2" && pwd)/$_k
	mkdir -p "$_d/root/in"
	chmod 755 "$2" "$_d"            # servers that drop privileges must reach their files
	SRV_ROOT=$_d/root/in SRV_TLS=0 SRV_CA="" SRV_OPTS="" SRV_BAD="" SRV_PID=""
	_o_port=$(free_port)
	case $_k in
	proftpd*) _o_proftpd "$_k" "$_d" ;;
	pureftpd*) _o_pureftpd "$_k" "$_d" ;;
	dropbear|tinysshd) _o_dropbear "$_k" "$_d" ;;
	rclone-*) _o_rclone "$_k" "$_d" ;;
	lighttpd) _o_lighttpd "$_d" ;;
	apache) _o_apache "$_d" ;;
	chezdav) _o_chezdav "$_d" ;;
	pyftpdlib) _o_pyftpdlib "$_d" ;;
	*) echo "servers: unknown server $_k" >&2; return 1 ;;
	esac || return 1
	export SRV_URL SRV_ROOT SRV_OPTS SRV_BAD SRV_TLS SRV_CA SRV_PID
}

# ---- FTP ----

_o_proftpd() { # KIND DIR
	_o_srvroot || return 1
	_o_netrc "$2"
	_uid=$(id -u ftp) _gid=$(id -g ftp)
	chown -R ftp "$2/root"
	printf 'ship:%s:%s:%s::%s:/bin/sh\n' "$(openssl passwd -6 secret)" "$_uid" "$_gid" \
		"$2/root" > "$2/passwd"
	printf 'ftp:x:%s:\n' "$_gid" > "$2/group"
	chmod 600 "$2/passwd"
	_pasv=$(free_port)
	_over=on
	[ "$1" = proftpd-nooverwrite ] && _over=off
	cat > "$2/proftpd.conf" <<EOF
ServerType standalone
DefaultServer on
Port $_o_port
DefaultAddress 127.0.0.1
SocketBindTight on
UseIPv6 off
User nobody
Group nogroup
PidFile $2/pid
ScoreboardFile $2/scoreboard
DelayTable none
WtmpLog off
UseReverseDNS off
SystemLog $2/log
TransferLog none
ModulePath $SRVROOT/usr/lib/proftpd
AuthOrder mod_auth_file.c
AuthUserFile $2/passwd
AuthGroupFile $2/group
RequireValidShell off
DefaultRoot ~
PassivePorts $_pasv $((_pasv + 20))
MasqueradeAddress 127.0.0.1
ListOptions -a
<Directory />
	AllowOverwrite $_over
</Directory>
EOF
	SRV_URL="ftp://127.0.0.1:$_o_port/in/"
	case $1 in
	proftpd-ftpes|proftpd-ftps)
		srv_cert "$2" || return 1
		cat >> "$2/proftpd.conf" <<EOF
LoadModule mod_tls.c
TLSEngine on
TLSRequired on
TLSRSACertificateFile $2/cert.pem
TLSRSACertificateKeyFile $2/key.pem
TLSOptions NoSessionReuseRequired
TLSLog $2/tls.log
EOF
		SRV_TLS=1 SRV_CA=$2/cert.pem
		SRV_URL="ftpes://127.0.0.1:$_o_port/in/"
		if [ "$1" = proftpd-ftps ]; then
			echo "TLSOptions NoSessionReuseRequired UseImplicitSSL" >> "$2/proftpd.conf"
			SRV_URL="ftps://127.0.0.1:$_o_port/in/"
		fi ;;
	proftpd-sftp)
		_o_sshkeys "$2"
		ssh-keygen -e -f "$2/client.pub" > "$2/authorized_keys"
		cat >> "$2/proftpd.conf" <<EOF
LoadModule mod_sftp.c
SFTPEngine on
SFTPHostKey $2/host
SFTPAuthMethods publickey
SFTPAuthorizedUserKeys file:$2/authorized_keys
SFTPLog $2/sftp.log
EOF
		SRV_URL="sftp://ship@127.0.0.1:$_o_port/in/" ;;
	esac
	LD_LIBRARY_PATH=$SRVROOT/usr/lib/x86_64-linux-gnu "$SRVROOT/usr/sbin/proftpd" -n -q \
		-c "$2/proftpd.conf" >"$2/stderr" 2>&1 &
	_o_started $! "$_o_port" "$2/stderr" || return 1
	case $1 in
	proftpd-sftp) _o_known "$2" "$_o_port" "$2/host.pub" ;;
	*) SRV_OPTS="--netrc-file $2/netrc" SRV_BAD="--netrc-file $2/badnetrc"
	   [ -n "$SRV_CA" ] && SRV_OPTS="$SRV_OPTS --cacert $SRV_CA" SRV_BAD="$SRV_BAD --cacert $SRV_CA" ;;
	esac
	return 0
}

_o_pureftpd() { # KIND DIR
	_o_srvroot || return 1
	_o_netrc "$2"
	chown -R ftp "$2/root"
	printf 'secret\nsecret\n' | "$SRVROOT/usr/bin/pure-pw" useradd ship -u ftp -g ftp \
		-d "$2/root" -f "$2/pureftpd.passwd" >/dev/null 2>&1 &&
		"$SRVROOT/usr/bin/pure-pw" mkdb "$2/pureftpd.pdb" -f "$2/pureftpd.passwd" >/dev/null ||
		{ echo "servers: pure-pw failed" >&2; return 1; }
	_pasv=$(free_port)
	_r=""
	[ "$1" = pureftpd-r ] && _r=-r
	"$SRVROOT/usr/sbin/pure-ftpd" -S "127.0.0.1,$_o_port" -l "puredb:$2/pureftpd.pdb" -E -A \
		-p "$_pasv:$((_pasv + 20))" -P 127.0.0.1 -u 1 -H $_r >"$2/stderr" 2>&1 &
	_o_started $! "$_o_port" "$2/stderr" || return 1
	SRV_URL="ftp://127.0.0.1:$_o_port/in/"
	SRV_OPTS="--netrc-file $2/netrc" SRV_BAD="--netrc-file $2/badnetrc"
}

_o_pyftpdlib() { # DIR
	/usr/bin/python3 -c 'import pyftpdlib' 2>/dev/null ||
		{ echo "servers: python3-pyftpdlib is not installed" >&2; return 1; }
	srv_cert "$1" || return 1
	_o_netrc "$1"
	/usr/bin/python3 "$JM_SRC/tests/e2e/pyftpd.py" "$_o_port" "$(free_port)" "$1/root" \
		"$1/cert.pem" "$1/key.pem" >"$1/stderr" 2>&1 &
	_o_started $! "$_o_port" "$1/stderr" || return 1
	SRV_URL="ftpes://127.0.0.1:$_o_port/in/" SRV_TLS=1 SRV_CA=$1/cert.pem
	SRV_OPTS="--netrc-file $1/netrc --cacert $1/cert.pem"
	SRV_BAD="--netrc-file $1/badnetrc --cacert $1/cert.pem"
}

# ---- SSH ----

_o_dropbear() { # KIND DIR: root's home is DIR/home inside the server's mount namespace
	command -v "$1" >/dev/null 2>&1 || { echo "servers: $1 is not installed" >&2; return 1; }
	_o_sshkeys "$2"
	mkdir -p "$2/home/.ssh"
	chmod 700 "$2/home" "$2/home/.ssh"
	cp "$2/client.pub" "$2/home/.ssh/authorized_keys"
	chmod 600 "$2/home/.ssh/authorized_keys"
	_home=$(getent passwd root | cut -d: -f6)
	if [ "$1" = dropbear ]; then
		[ -f "$2/host.dropbear" ] || dropbearconvert openssh dropbear "$2/host" \
			"$2/host.dropbear" >/dev/null 2>&1 || { echo "servers: dropbearconvert failed" >&2; return 1; }
		unshare -m sh -c 'mount --bind "$1" "$2" && exec dropbear -F -E -s -p "127.0.0.1:$3" -r "$4" -P "$5"' \
			sh "$2/home" "$_home" "$_o_port" "$2/host.dropbear" "$2/pid" >"$2/stderr" 2>&1 &
	else
		[ -f "$2/tinykeys/ed25519.pk" ] || tinysshd-makekey "$2/tinykeys" >/dev/null 2>&1
		unshare -m sh -c 'mount --bind "$1" "$2" && shift 2 && exec "$@"' sh "$2/home" "$_home" \
			/usr/bin/python3 "$JM_SRC/tests/e2e/tcpserve.py" "$_o_port" tinysshd -v "$2/tinykeys" \
			>"$2/stderr" 2>&1 &
	fi
	_o_started $! "$_o_port" "$2/stderr" || return 1
	if [ "$1" = dropbear ]; then
		_o_known "$2" "$_o_port" "$2/host.pub"
	else
		printf '[127.0.0.1]:%s ssh-ed25519 %s\n' "$_o_port" \
			"$(python3 -c 'import sys,base64,struct; k=open(sys.argv[1],"rb").read(); t=b"ssh-ed25519"; print(base64.b64encode(struct.pack(">I",len(t))+t+struct.pack(">I",len(k))+k).decode())' "$2/tinykeys/ed25519.pk")" \
			> "$2/known_hosts"
		SRV_OPTS="--key $2/client --known-hosts $2/known_hosts"
		SRV_BAD="--key $2/stranger --known-hosts $2/known_hosts"
	fi
	SRV_URL="sftp://root@127.0.0.1:$_o_port$2/root/in/"
}

# ---- rclone ----

_o_rclone() { # KIND DIR
	command -v rclone >/dev/null 2>&1 || { echo "servers: rclone is not installed" >&2; return 1; }
	_o_netrc "$2"
	_rc="--config /dev/null --dir-cache-time 1s --log-file $2/log"
	if [ "$1" = rclone-sftp ]; then
		_o_sshkeys "$2"
		cp "$2/client.pub" "$2/authorized_keys"
		rclone serve sftp "$2/root" --addr "127.0.0.1:$_o_port" --key "$2/host" \
			--authorized-keys "$2/authorized_keys" --user ship $_rc >"$2/stderr" 2>&1 &
		_o_started $! "$_o_port" "$2/stderr" || return 1
		_o_known "$2" "$_o_port" "$2/host.pub"
		SRV_URL="sftp://ship@127.0.0.1:$_o_port/in/"
	else
		rclone serve webdav "$2/root" --addr "127.0.0.1:$_o_port" --user ship --pass secret \
			$_rc >"$2/stderr" 2>&1 &
		_o_started $! "$_o_port" "$2/stderr" || return 1
		SRV_URL="http://127.0.0.1:$_o_port/in/"
		SRV_OPTS="--netrc-file $2/netrc" SRV_BAD="--netrc-file $2/badnetrc"
	fi
}

# ---- WebDAV ----

_o_lighttpd() { # DIR
	[ -f /usr/lib/lighttpd/mod_webdav.so ] ||
		{ echo "servers: lighttpd-mod-webdav is not installed" >&2; return 1; }
	_o_netrc "$1"
	mkdir -p "$1/tmp"
	chown -R www-data "$1/root" "$1/tmp"
	printf 'ship:secret\n' > "$1/users"
	cat > "$1/lighttpd.conf" <<EOF
server.modules = ("mod_auth", "mod_authn_file", "mod_webdav")
server.document-root = "$1/root"
server.bind = "127.0.0.1"
server.port = $_o_port
server.username = "www-data"
server.groupname = "www-data"
server.upload-dirs = ("$1/tmp")
server.errorlog = "$1/tmp/error.log"
server.max-request-size = 0
webdav.activate = "enable"
webdav.is-readonly = "disable"
auth.backend = "plain"
auth.backend.plain.userfile = "$1/users"
auth.require = ("/" => ("method" => "basic", "realm" => "jship", "require" => "valid-user"))
EOF
	lighttpd -D -f "$1/lighttpd.conf" >"$1/stderr" 2>&1 &
	_o_started $! "$_o_port" "$1/stderr" || return 1
	SRV_URL="http://127.0.0.1:$_o_port/in/"
	SRV_OPTS="--netrc-file $1/netrc" SRV_BAD="--netrc-file $1/badnetrc"
}

_o_apache() { # DIR
	[ -x /usr/sbin/apache2 ] || { echo "servers: apache2 is not installed" >&2; return 1; }
	_o_netrc "$1"
	mkdir -p "$1/lock" "$1/run"
	chown -R www-data "$1/root" "$1/lock"
	htpasswd -bc "$1/htpasswd" ship secret >/dev/null 2>&1
	_m=/usr/lib/apache2/modules
	cat > "$1/apache2.conf" <<EOF
ServerRoot $1
ServerName 127.0.0.1
Listen 127.0.0.1:$_o_port
LoadModule mpm_event_module $_m/mod_mpm_event.so
LoadModule authz_core_module $_m/mod_authz_core.so
LoadModule authz_user_module $_m/mod_authz_user.so
LoadModule authn_core_module $_m/mod_authn_core.so
LoadModule authn_file_module $_m/mod_authn_file.so
LoadModule auth_basic_module $_m/mod_auth_basic.so
LoadModule dav_module $_m/mod_dav.so
LoadModule dav_fs_module $_m/mod_dav_fs.so
User www-data
Group www-data
PidFile $1/run/pid
ErrorLog $1/error.log
DefaultRuntimeDir $1/run
DavLockDB $1/lock/davlock
LimitRequestBody 0
DocumentRoot $1/root
<Directory $1/root>
	Dav On
	AuthType Basic
	AuthName jship
	AuthUserFile $1/htpasswd
	Require valid-user
</Directory>
EOF
	/usr/sbin/apache2 -DFOREGROUND -f "$1/apache2.conf" >"$1/stderr" 2>&1 &
	_o_started $! "$_o_port" "$1/stderr" || return 1
	SRV_URL="http://127.0.0.1:$_o_port/in/"
	SRV_OPTS="--netrc-file $1/netrc" SRV_BAD="--netrc-file $1/badnetrc"
}

_o_chezdav() { # DIR
	command -v chezdav >/dev/null 2>&1 || { echo "servers: chezdav is not installed" >&2; return 1; }
	_o_netrc "$1"
	printf 'ship:jship:%s\n' "$(printf 'ship:jship:secret' | md5sum | cut -d' ' -f1)" > "$1/htdigest"
	chezdav --local --no-mdns -p "$_o_port" -P "$1/root" -d "$1/htdigest" --realm jship \
		>"$1/stderr" 2>&1 &
	_o_started $! "$_o_port" "$1/stderr" || return 1
	SRV_URL="http://127.0.0.1:$_o_port/in/"
	SRV_OPTS="--netrc-file $1/netrc" SRV_BAD="--netrc-file $1/badnetrc"
}

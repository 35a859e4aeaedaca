# Real transfer servers for tests and benchmarks, on free 127.0.0.1 ports, each with its
# files under a directory the caller names (normally the test's $T). Source it after lib.sh
# (it needs free_port and at_exit; a benchmark may define both itself). Every server runs in
# the foreground of a background job and is stopped when the test exits (at_exit), or by
# stop_servers.
# Use: . "$JM_SRC/tests/e2e/servers.sh" (lib.sh has already changed to the test directory).
#
#   srv_cert DIR             self-signed certificate for IP:127.0.0.1: DIR/cert.pem,
#                            DIR/key.pem (also the CA to pass to --cacert). Idempotent.
#   start_sftp DIR [PORT]    OpenSSH sshd (SFTP and SCP), ed25519 host and client keys.
#                            Sets SFTP_PORT, SSH_KEY (client private key), KNOWN_HOSTS
#                            (a file with the [127.0.0.1]:PORT ed25519 entry), SFTP_ROOT
#                            (DIR/sftp/in, an absolute path, writable) and SFTP_URL
#                            (sftp://USER@127.0.0.1:PORT/SFTP_ROOT/), SCP_URL likewise.
#   start_ftp DIR [plain|explicit|implicit [PORT]]
#                            vsftpd with anonymous upload into /incoming/. Sets FTP_PORT,
#                            FTP_ROOT (the local directory behind /incoming/) and FTP_URL
#                            (ftp://, ftpes:// or ftps://127.0.0.1:PORT/incoming/). The
#                            TLS modes use srv_cert DIR (CA: DIR/cert.pem).
#   start_http DIR [http|https [PORT]]
#                            nginx with WebDAV PUT/MOVE/DELETE. Sets HTTP_PORT, HTTP_ROOT
#                            (the local directory behind /in/), HTTP_URL
#                            (http(s)://127.0.0.1:PORT/in/) and HTTP_AUTH_URL
#                            (.../auth/in/, basic authentication as user "ship" with
#                            password "secret", files in HTTP_AUTH_ROOT). With
#                            libnginx-mod-http-dav-ext installed it answers PROPFIND too
#                            (a hub's listing) and sets HTTP_PROPFIND=1, else HTTP_PROPFIND=.
#   stop_server NAME         stop one server (NAME: sftp, ftp, http), e.g. mid-transfer
#   stop_servers             stop them all (registered with at_exit on the first start)
#
# Each start_* waits until the port accepts connections and fails (return 1, a message on
# stderr) if the server does not come up. Given a PORT (say the one of a server stopped
# with stop_server), a server restarts where it was, with the same keys and files; otherwise it, e.g. because the program is not installed:
# a test should then `skip`. Servers run as root, so the tests must too.

_srv_pids=""
_srv_registered=""

_srv_register() {
	[ -n "$_srv_registered" ] && return 0
	_srv_registered=1
	at_exit stop_servers
}

_srv_wait_port() { # PORT PID LOG
	_i=0
	while [ $_i -lt 100 ]; do
		if ! kill -0 "$2" 2>/dev/null; then
			echo "servers: server on port $1 exited:" >&2; tail -5 "$3" >&2; return 1
		fi
		if command -v ss >/dev/null 2>&1; then
			ss -ltnH "sport = :$1" 2>/dev/null | grep -q . && return 0
		elif python3 -c "import socket,sys; s=socket.socket(); s.settimeout(0.2); sys.exit(s.connect_ex(('127.0.0.1',$1)))" 2>/dev/null; then
			return 0
		fi
		sleep 0.1
		_i=$((_i + 1))
	done
	echo "servers: nothing listens on port $1 after 10s" >&2
	return 1
}

srv_cert() {
	[ -f "$1/cert.pem" ] && return 0
	mkdir -p "$1"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
		-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
		-keyout "$1/key.pem" -out "$1/cert.pem" >/dev/null 2>&1 ||
		{ echo "servers: openssl could not make a certificate" >&2; return 1; }
	chmod 600 "$1/key.pem"
}

start_sftp() {
	command -v /usr/sbin/sshd >/dev/null 2>&1 || { echo "servers: sshd is not installed" >&2; return 1; }
	_d=$(cd "$1" && pwd)/sshd
	mkdir -p "$_d" /run/sshd
	chmod 755 /run/sshd
	[ -f "$_d/host" ] || ssh-keygen -q -t ed25519 -N '' -f "$_d/host" >/dev/null
	[ -f "$_d/client" ] || ssh-keygen -q -t ed25519 -N '' -f "$_d/client" >/dev/null
	cp "$_d/client.pub" "$_d/authorized_keys"
	SFTP_PORT=${2:-$(free_port)}
	cat > "$_d/config" <<EOF
Port $SFTP_PORT
ListenAddress 127.0.0.1
HostKey $_d/host
PidFile $_d/pid
AuthorizedKeysFile $_d/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
Subsystem sftp internal-sftp
LogLevel ERROR
EOF
	/usr/sbin/sshd -D -e -f "$_d/config" 2>"$_d/log" &
	_srv_sftp=$!
	_srv_pids="$_srv_pids $_srv_sftp"
	_srv_register
	_srv_wait_port "$SFTP_PORT" "$_srv_sftp" "$_d/log" || return 1
	SSH_KEY=$_d/client
	KNOWN_HOSTS=$_d/known_hosts
	printf '[127.0.0.1]:%s %s\n' "$SFTP_PORT" "$(cut -d' ' -f1-2 "$_d/host.pub")" > "$KNOWN_HOSTS"
	SFTP_ROOT=$(cd "$1" && pwd)/sftp/in
	mkdir -p "$SFTP_ROOT"
	SFTP_URL="sftp://$(id -un)@127.0.0.1:$SFTP_PORT$SFTP_ROOT/"
	SCP_URL="scp://$(id -un)@127.0.0.1:$SFTP_PORT$SFTP_ROOT/"
	export SFTP_PORT SSH_KEY KNOWN_HOSTS SFTP_ROOT SFTP_URL SCP_URL
}

start_ftp() {
	command -v /usr/sbin/vsftpd >/dev/null 2>&1 || { echo "servers: vsftpd is not installed" >&2; return 1; }
	_mode=${2:-plain}
	_base=$(cd "$1" && pwd)
	_d=$_base/vsftpd-$_mode
	mkdir -p "$_d/root/incoming" "$_d/empty"
	chown root:root "$_d/root" "$_d/empty"
	chmod 755 "$_d/root"
	chmod 555 "$_d/empty"
	chown ftp "$_d/root/incoming"
	chmod 755 "$_d/root/incoming"
	FTP_PORT=${3:-$(free_port)}
	_pasv=$(free_port)
	cat > "$_d/config" <<EOF
listen=YES
listen_ipv6=NO
background=NO
listen_address=127.0.0.1
listen_port=$FTP_PORT
anonymous_enable=YES
local_enable=NO
write_enable=YES
anon_upload_enable=YES
anon_mkdir_write_enable=YES
anon_other_write_enable=YES
anon_umask=022
anon_root=$_d/root
no_anon_password=YES
secure_chroot_dir=$_d/empty
seccomp_sandbox=NO
pasv_enable=YES
pasv_address=127.0.0.1
pasv_min_port=$_pasv
pasv_max_port=$((_pasv + 20))
xferlog_enable=NO
vsftpd_log_file=$_d/log
dual_log_enable=NO
EOF
	case $_mode in
	plain) FTP_URL="ftp://127.0.0.1:$FTP_PORT/incoming/" ;;
	explicit|implicit)
		srv_cert "$_base" || return 1
		cat >> "$_d/config" <<EOF
ssl_enable=YES
rsa_cert_file=$_base/cert.pem
rsa_private_key_file=$_base/key.pem
allow_anon_ssl=YES
force_anon_data_ssl=YES
force_anon_logins_ssl=YES
ssl_ciphers=HIGH
require_ssl_reuse=NO
EOF
		if [ "$_mode" = implicit ]; then
			echo implicit_ssl=YES >> "$_d/config"
			FTP_URL="ftps://127.0.0.1:$FTP_PORT/incoming/"
		else
			FTP_URL="ftpes://127.0.0.1:$FTP_PORT/incoming/"
		fi ;;
	*) echo "servers: start_ftp: unknown mode $_mode" >&2; return 1 ;;
	esac
	/usr/sbin/vsftpd "$_d/config" >"$_d/stderr" 2>&1 &
	_srv_ftp=$!
	_srv_pids="$_srv_pids $_srv_ftp"
	_srv_register
	_srv_wait_port "$FTP_PORT" "$_srv_ftp" "$_d/stderr" || return 1
	FTP_ROOT=$_d/root/incoming
	export FTP_PORT FTP_ROOT FTP_URL
}

start_http() {
	command -v /usr/sbin/nginx >/dev/null 2>&1 || { echo "servers: nginx is not installed" >&2; return 1; }
	_mode=${2:-http}
	_base=$(cd "$1" && pwd)
	_d=$_base/nginx-$_mode
	mkdir -p "$_d/www/in" "$_d/www/auth/in" "$_d/tmp" "$_d/logs"
	HTTP_PORT=${3:-$(free_port)}
	# user ship, password secret
	printf 'ship:%s\n' "$(openssl passwd -apr1 secret)" > "$_d/htpasswd"
	_listen="listen 127.0.0.1:$HTTP_PORT;"
	_ssl=""
	if [ "$_mode" = https ]; then
		srv_cert "$_base" || return 1
		_listen="listen 127.0.0.1:$HTTP_PORT ssl;"
		_ssl="ssl_certificate $_base/cert.pem; ssl_certificate_key $_base/key.pem;"
	fi
	_davext=/usr/lib/nginx/modules/ngx_http_dav_ext_module.so
	HTTP_PROPFIND=
	_load="" _propfind=""
	if [ -f "$_davext" ]; then
		HTTP_PROPFIND=1 _load="load_module $_davext;" _propfind="dav_ext_methods PROPFIND OPTIONS;"
	fi
	cat > "$_d/nginx.conf" <<EOF
$_load
daemon off;
user root root;
master_process on;
worker_processes 1;
pid $_d/nginx.pid;
error_log $_d/logs/error.log;
events { worker_connections 64; }
http {
	access_log off;
	client_body_temp_path $_d/tmp/body;
	proxy_temp_path $_d/tmp/proxy;
	fastcgi_temp_path $_d/tmp/fastcgi;
	uwsgi_temp_path $_d/tmp/uwsgi;
	scgi_temp_path $_d/tmp/scgi;
	client_max_body_size 0;
	server {
		$_listen
		$_ssl
		root $_d/www;
		location / {
			dav_methods PUT DELETE MOVE MKCOL;
			$_propfind
			create_full_put_path on;
			dav_access user:rw group:r;
		}
		location /auth/ {
			auth_basic "jship";
			auth_basic_user_file $_d/htpasswd;
			dav_methods PUT DELETE MOVE MKCOL;
			$_propfind
			create_full_put_path on;
		}
	}
}
EOF
	/usr/sbin/nginx -e "$_d/logs/error.log" -p "$_d" -c "$_d/nginx.conf" >"$_d/stderr" 2>&1 &
	_srv_http=$!
	_srv_pids="$_srv_pids $_srv_http"
	_srv_register
	_srv_wait_port "$HTTP_PORT" "$_srv_http" "$_d/stderr" || return 1
	HTTP_ROOT=$_d/www/in
	HTTP_AUTH_ROOT=$_d/www/auth/in
	HTTP_URL="$_mode://127.0.0.1:$HTTP_PORT/in/"
	HTTP_AUTH_URL="$_mode://127.0.0.1:$HTTP_PORT/auth/in/"
	export HTTP_PORT HTTP_ROOT HTTP_AUTH_ROOT HTTP_URL HTTP_AUTH_URL HTTP_PROPFIND
}

_srv_kill() { # PID [SIGNAL]
	[ -n "$1" ] || return 0
	kill "-${2:-TERM}" "$1" 2>/dev/null || return 0
	_i=0
	while kill -0 "$1" 2>/dev/null && [ $_i -lt 50 ]; do sleep 0.1; _i=$((_i + 1)); done
	kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	return 0
}

# sshd's and vsftpd's children (sessions) are stopped with their parent's process group
# gone, so kill children first, then the server.
_srv_stop_tree() { # PID [SIGNAL]
	[ -n "$1" ] || return 0
	for _c in $(pgrep -P "$1" 2>/dev/null); do
		for _g in $(pgrep -P "$_c" 2>/dev/null); do kill -KILL "$_g" 2>/dev/null; done
		kill -KILL "$_c" 2>/dev/null
	done
	_srv_kill "$1" "${2:-TERM}"
}

stop_server() {
	case $1 in
	sftp) _srv_stop_tree "${_srv_sftp:-}"; _srv_sftp="" ;;
	ftp) _srv_stop_tree "${_srv_ftp:-}"; _srv_ftp="" ;;
	http) _srv_stop_tree "${_srv_http:-}" QUIT; _srv_http="" ;;
	esac
}

stop_servers() {
	for _p in $_srv_pids; do _srv_stop_tree "$_p"; done
	_srv_pids=""
}

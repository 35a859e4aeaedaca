# A real S3 server for tests and benchmarks: a single-node Ceph RGW (one monitor, one
# memstore OSD, radosgw with the beast frontend) on free 127.0.0.1 ports, everything under a
# directory the caller names. Source it after lib.sh (it needs free_port and at_exit; a
# benchmark may define both itself). Debian 12: radosgw ceph-mon ceph-osd (tests/deps.sh).
#
#   start_s3 DIR [BUCKET]   start it (about 3 s) with a user whose keys are random and a
#                           bucket (default "jmirror"). Sets S3_ENDPOINT (http://127.0.0.1:PORT),
#                           S3_ACCESS_KEY, S3_SECRET_KEY, S3_BUCKET, S3_CEPH_CONF and
#                           S3_PIDS, and registers stop_s3 with at_exit. Returns 1 with a
#                           message on stderr if it does not come up.
#   stop_s3                 stop the daemons it started, by pid (gateway, OSD, monitor)
#   kill_rgw / start_rgw    SIGKILL the gateway (a store going away mid-transfer), and start
#                           it again on the same port
#   s3curl ARGS...          curl signed with the test keys (x-amz-content-sha256 is the
#                           caller's, as libcurl 7.88 needs it), for checks of the store
#   s3_sha FILE             the hex SHA-256 of FILE
#   s3_empty                the SHA-256 of an empty body
#   s3get ARGS...           s3curl for a request without a body (GET, HEAD, DELETE)
#   s3_status KEY           the HTTP status of a HEAD of KEY in the bucket (200, 404)
#   s3_uploads              how many unfinished multipart uploads the bucket has
#   s3_objects PREFIX DIR   print each segment of DIR whose object is under PREFIX; 1 (and
#                           a line on stderr) when one of them is not identical to it
#                           (the objects are fetched to s3-object.tmp)
#
# What it took (../shared/NOTES.md, S3): no cephx (auth_*_required none) and
# ms_mon_client_mode crc, or radosgw hangs; pool size 1 and pg_num 1; a short paxos
# interval; the monitor is driven through Debian's python3 rados module, since the ceph
# command costs about a second a call. beast's tcp_nodelay=1: without it a GET's headers and
# body leave in two segments and the second waits ~40 ms for the client's delayed ACK.
# Deleted data is reclaimed by the gateway's garbage collector within seconds (its default
# waits two hours): a benchmark that writes and deletes more than the store's 4 GiB would
# otherwise fill it, and uploads then stall.

_S3_PY=/usr/bin/python3

_s3_log() { echo "ceph.sh: $*" >&2; }

_s3_monctl() { # CONF OP [ARG]: one librados connection
	"$_S3_PY" - "$@" <<'EOF'
import json, sys, time, rados
conf, op = sys.argv[1], sys.argv[2]
end = time.time() + 60
while True:
    try:
        c = rados.Rados(conffile=conf); c.connect(timeout=5); break
    except Exception as e:
        if time.time() > end: sys.exit("monitor not reachable: %s" % e)
        time.sleep(0.1)
def cmd(**kw):
    r, out, err = c.mon_command(json.dumps(kw), b'', timeout=30)
    if r != 0: sys.exit("%s: %d %s" % (kw["prefix"], r, err))
    return out
if op == "osd-new":
    cmd(prefix="osd new", uuid=sys.argv[3], id=0)
elif op == "wait-osd-up":
    while True:
        osds = json.loads(cmd(prefix="osd dump", format="json"))["osds"]
        if any(o["osd"] == 0 and o["up"] for o in osds): break
        if time.time() > end: sys.exit("osd.0 not up")
        time.sleep(0.05)
c.shutdown()
EOF
}

_s3_conf() { # DIR MONPORT RGWPORT
	cat > "$1/ceph.conf" <<EOF
[global]
fsid = $(cat /proc/sys/kernel/random/uuid)
mon_host = v2:127.0.0.1:$2
public_addr = 127.0.0.1
ms_bind_ipv6 = false
ms_bind_msgr1 = false
auth_cluster_required = none
auth_service_required = none
auth_client_required = none
ms_mon_client_mode = crc
run_dir = $1/run
admin_socket =
log_file = $1/log/\$name.log
pid_file = $1/run/\$name.pid
keyring = $1/keyring
mon_data = $1/mon
osd_data = $1/osd
mon_allow_pool_size_one = true
mon_warn_on_pool_no_redundancy = false
mon_data_avail_warn = 1
mon_max_pg_per_osd = 1000
paxos_propose_interval = 0.05
osd_pool_default_size = 1
osd_pool_default_min_size = 1
osd_pool_default_pg_num = 1
osd_pool_default_pgp_num = 1
osd_pool_default_pg_autoscale_mode = off
osd_crush_chooseleaf_type = 0
osd_objectstore = memstore
memstore_device_bytes = 4294967296
osd_memory_target = 939524096
[client.rgw]
rgw_frontends = beast endpoint=127.0.0.1:$3 tcp_nodelay=1
rgw_thread_pool_size = 64
rgw_gc_obj_min_wait = 1
rgw_gc_processor_period = 2
rgw_gc_processor_max_time = 2
EOF
}

_s3_alive() { kill -0 "$1" 2>/dev/null && [ "$(awk '{print $3}' /proc/"$1"/stat 2>/dev/null)" != Z ]; }

_s3_pid() { cat "$S3_DIR/run/$1.pid" 2>/dev/null; }

start_rgw() {
	radosgw -c "$S3_CEPH_CONF" -n client.rgw </dev/null >>"$S3_DIR/log/startup.log" 2>&1 ||
		{ _s3_log "radosgw did not start"; return 1; }
	_n=0
	until curl -sf -o /dev/null "$S3_ENDPOINT/"; do
		[ $_n -lt 600 ] || { _s3_log "radosgw did not answer on $S3_ENDPOINT"; return 1; }
		sleep 0.05; _n=$((_n + 1))
	done
	S3_PIDS="$(_s3_pid mon.a) $(_s3_pid osd.0) $(_s3_pid client.rgw)"
}

kill_rgw() {
	_p=$(_s3_pid client.rgw)
	[ -n "$_p" ] && kill -KILL "$_p" 2>/dev/null
	while [ -n "$_p" ] && _s3_alive "$_p"; do sleep 0.05; done
	rm -f "$S3_DIR/run/client.rgw.pid"
}

s3_sha() { sha256sum "$1" | cut -d' ' -f1; }
s3_empty() { echo e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855; }
s3curl() { curl -sS --aws-sigv4 "aws:amz:us-east-1:s3" --user "$S3_ACCESS_KEY:$S3_SECRET_KEY" "$@"; }
s3get() { s3curl -H "x-amz-content-sha256: $(s3_empty)" "$@"; }
s3_status() { s3get -I -o /dev/null -w '%{http_code}' "$S3_ENDPOINT/$S3_BUCKET/$1"; }
s3_uploads() { s3get "$S3_ENDPOINT/$S3_BUCKET?uploads=" | grep -o '<UploadId>[^<]*</UploadId>' | wc -l; }
s3_objects() {
	for _f in "$2"/*.journal; do
		case $(s3_status "$1${_f##*/}") in
		200) s3get -o s3-object.tmp "$S3_ENDPOINT/$S3_BUCKET/$1${_f##*/}"
		     cmp -s s3-object.tmp "$_f" || { echo "$1${_f##*/} differs" >&2; return 1; }
		     echo "$_f" ;;
		404) ;;
		*) echo "$1${_f##*/}: unexpected status" >&2; return 1 ;;
		esac
	done
}

start_s3() {
	for _b in ceph-mon ceph-osd radosgw radosgw-admin monmaptool ceph-authtool curl; do
		command -v $_b >/dev/null || { _s3_log "missing $_b (tests/deps.sh)"; return 1; }
	done
	"$_S3_PY" -c 'import rados' 2>/dev/null || { _s3_log "missing python3-rados"; return 1; }
	S3_DIR=$(mkdir -p "$1/ceph" && cd "$1/ceph" && pwd)
	S3_BUCKET=${2:-jmirror}
	S3_CEPH_CONF=$S3_DIR/ceph.conf
	mkdir -p "$S3_DIR/mon" "$S3_DIR/osd" "$S3_DIR/run" "$S3_DIR/log"
	_mp=$(free_port); _rp=$(free_port)
	while [ "$_rp" = "$_mp" ]; do _rp=$(free_port); done
	S3_ENDPOINT=http://127.0.0.1:$_rp
	_s3_conf "$S3_DIR" "$_mp" "$_rp"
	at_exit stop_s3
	_c="-c $S3_CEPH_CONF"
	_u=$(cat /proc/sys/kernel/random/uuid)
	ceph-osd $_c --no-mon-config -i 0 --mkfs --osd-uuid "$_u" >>"$S3_DIR/log/startup.log" 2>&1 &
	_mkfs=$!
	ceph-authtool --create-keyring "$S3_DIR/keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null &&
	monmaptool --create --addv a "[v2:127.0.0.1:$_mp]" --fsid "$(sed -n 's/^fsid = //p' "$S3_CEPH_CONF")" \
		"$S3_DIR/monmap" >/dev/null &&
	ceph-mon $_c --mkfs -i a --monmap "$S3_DIR/monmap" >>"$S3_DIR/log/startup.log" 2>&1 &&
	ceph-mon $_c -i a </dev/null >>"$S3_DIR/log/startup.log" 2>&1 ||
		{ wait $_mkfs; _s3_log "ceph-mon did not start"; return 1; }
	wait $_mkfs || { _s3_log "osd mkfs failed"; return 1; }
	_s3_monctl "$S3_CEPH_CONF" osd-new "$_u" >>"$S3_DIR/log/startup.log" 2>&1 &&
	ceph-osd $_c -i 0 </dev/null >>"$S3_DIR/log/startup.log" 2>&1 &&
	_s3_monctl "$S3_CEPH_CONF" wait-osd-up >>"$S3_DIR/log/startup.log" 2>&1 ||
		{ _s3_log "the OSD did not come up"; return 1; }
	start_rgw || return 1
	S3_ACCESS_KEY=$(head -c 10 /dev/urandom | od -An -tx1 | tr -d ' \n' | tr a-f A-F)
	S3_SECRET_KEY=$(head -c 20 /dev/urandom | od -An -tx1 | tr -d ' \n')
	radosgw-admin $_c user create --uid=tester --display-name=tester \
		--access-key="$S3_ACCESS_KEY" --secret-key="$S3_SECRET_KEY" >/dev/null \
		2>>"$S3_DIR/log/startup.log" || { _s3_log "user create failed"; return 1; }
	_code=$(s3curl -X PUT -H "x-amz-content-sha256: $(s3_empty)" -o /dev/null -w '%{http_code}' \
		"$S3_ENDPOINT/$S3_BUCKET")
	[ "$_code" = 200 ] || { _s3_log "bucket create returned HTTP $_code"; return 1; }
	export S3_ENDPOINT S3_ACCESS_KEY S3_SECRET_KEY S3_BUCKET
}

stop_s3() {
	[ -n "${S3_DIR:-}" ] || return 0
	for _n in client.rgw osd.0 mon.a; do
		_p=$(_s3_pid $_n)
		[ -n "$_p" ] || continue
		if _s3_alive "$_p" && tr '\0' ' ' </proc/"$_p"/cmdline 2>/dev/null | grep -qF -- "$S3_CEPH_CONF"; then
			kill -TERM "$_p" 2>/dev/null
			_n2=0
			while _s3_alive "$_p" && [ $_n2 -lt 200 ]; do sleep 0.05; _n2=$((_n2 + 1)); done
			_s3_alive "$_p" && kill -KILL "$_p" 2>/dev/null
		fi
		rm -f "$S3_DIR/run/$_n.pid"
	done
}

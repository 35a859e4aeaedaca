#!/bin/sh
# Installs what jmirror needs to build and test on Debian 12, only what is missing.
# As root it runs apt-get; otherwise it prints the exact command and fails.
set -eu

pkgs="gcc make pkg-config libcurl4-openssl-dev libarchive-dev liblzma-dev libsqlite3-dev libssl-dev
check libsubunit-dev mandoc sqlite3 zstd xz-utils curl inotify-tools
vsftpd openssh-server openssh-client nginx-light libnginx-mod-http-dav-ext openssl iproute2 procps
libpq-dev postgresql-15 postgresql-client-15
clang libclang-rt-14-dev time python3 strace minisign age
radosgw ceph-mon ceph-osd python3-rados
dropbear-bin tinysshd rclone lighttpd lighttpd-mod-webdav apache2 apache2-utils chezdav
patch python3-pyftpdlib libhiredis0.14 libmemcached11 libmemcachedutil2 libsodium23"
# proftpd and pure-ftpd conflict with vsftpd (ftp-server): only their .deb files are fetched
# into apt's cache; tests/e2e/srvdebs.sh unpacks them under the build directory.
debs="proftpd-core proftpd-mod-crypto pure-ftpd pure-ftpd-common"
fetch_debs() {
	for d in $debs; do
		ls /var/cache/apt/archives/"${d}_"*.deb >/dev/null 2>&1 && continue
		[ "$(id -u)" -eq 0 ] || { echo "deps: as root: cd /var/cache/apt/archives && apt-get download $d" >&2; return 1; }
		(cd /var/cache/apt/archives && apt-get download -q "$d" >&2) || return 1
	done
}

missing=
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
if [ -z "$missing" ]; then fetch_debs; exit; fi

if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing Debian packages:$missing" >&2
	echo "deps: run as root: apt-get install$missing" >&2
	exit 1
fi
echo "deps: installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
# Test servers must not start as system services on install; the tests start their own.
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
	chmod 755 /usr/sbin/policy-rc.d
	trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
apt-get install -y -qq --no-install-recommends $missing >&2
fetch_debs

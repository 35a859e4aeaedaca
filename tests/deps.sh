#!/bin/sh
# Installs what jmirror needs to build and test on Debian 12, only what is missing.
# As root it runs apt-get; otherwise it prints the exact command and fails.
set -eu

pkgs="gcc make pkg-config libcurl4-openssl-dev libarchive-dev liblzma-dev libsqlite3-dev libssl-dev
check libsubunit-dev mandoc sqlite3 zstd xz-utils curl inotify-tools
vsftpd openssh-server openssh-client nginx-light libnginx-mod-http-dav-ext openssl iproute2 procps
libpq-dev postgresql-15 postgresql-client-15
clang libclang-rt-14-dev time python3 strace minisign
radosgw ceph-mon ceph-osd python3-rados"

missing=
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

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

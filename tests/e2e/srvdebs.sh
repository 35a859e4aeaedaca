#!/bin/sh
# Unpacks the FTP servers that cannot be installed beside vsftpd (proftpd and pure-ftpd, which
# all provide ftp-server) under DIR/srvroot, from their .deb files: DIR/debs, then apt's cache
# (/var/cache/apt/archives, filled by tests/deps.sh), then `apt-get download`. Offline once
# the files are in either place. Idempotent; prints nothing on success.
# Use: sh tests/e2e/srvdebs.sh BUILDDIR
set -eu
dir=${1:?usage: srvdebs.sh BUILDDIR}
root=$dir/srvroot
[ -x "$root/usr/sbin/proftpd" ] && [ -x "$root/usr/sbin/pure-ftpd" ] &&
	[ -f "$root/usr/lib/proftpd/mod_tls.so" ] && exit 0
mkdir -p "$dir/debs" "$root.new"
for p in proftpd-core proftpd-mod-crypto pure-ftpd pure-ftpd-common; do
	deb=$(ls "$dir/debs/${p}_"*.deb /var/cache/apt/archives/"${p}_"*.deb 2>/dev/null | head -1)
	if [ -z "$deb" ]; then
		(cd "$dir/debs" && apt-get download -q "$p" >/dev/null 2>&1) ||
			{ echo "srvdebs: $p: no .deb in $dir/debs or apt's cache, and apt-get download failed" >&2; exit 1; }
		deb=$(ls "$dir/debs/${p}_"*.deb | head -1)
	fi
	dpkg-deb -x "$deb" "$root.new"
done
rm -rf "$root"
mv "$root.new" "$root"

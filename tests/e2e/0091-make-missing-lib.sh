#!/bin/sh
# A library that pkg-config cannot find stops the build with a message naming the Debian
# package to install (PKGS maps pkg-config names to packages; a made-up one stands in for a
# missing library here).
. ./lib.sh

expect_code 2 make -C "$JM_SRC" O="$T/o" PKGS="libcurl:libcurl4-openssl-dev nosuchlib:libnosuch-dev" all
check "names the package to install" grep -q "missing libraries: install the Debian packages: libnosuch-dev" "$T/err"
check "nothing was built" test ! -e "$T/o"
finish

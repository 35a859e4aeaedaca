#!/bin/sh
# What make passes to the compiler (dry runs, nothing is built): a header change rebuilds
# the objects that include it and no others (-MMD dependency files); CPPFLAGS reaches every
# compile; WERROR= drops -Werror from a plain build, and make checkrun keeps it regardless.
. ./lib.sh

O=$(dirname "$JM_BIN")
# Dependency files name their targets as O was spelled when they were written: the tree's
# own builds say O=build, relative to the top directory.
case $O in "$JM_SRC"/*) O=${O#"$JM_SRC"/} ;; esac
compiles() { grep -- ' -c -o ' "$1"; }   # the compile lines of a dry run's output

make -n -C "$JM_SRC" -W common/parse.h O="$O" all >hdr 2>&1
check "parse.h changed: parse.c is compiled again" grep -q -- "-o $O/common/parse.o common/parse.c" hdr
check "parse.h changed: crc32c.c, which does not include it, is not" \
	sh -c '! grep -q -- "common/crc32c.c" hdr'

make -n -C "$JM_SRC" O="$T/o" CPPFLAGS=-DJM_PROBE_CPPFLAGS all >cpp 2>&1
check "a dry run for a new O compiles something" test -n "$(compiles cpp)"
check "CPPFLAGS on every compile line" sh -c '! grep -- " -c -o " cpp | grep -qv -- -DJM_PROBE_CPPFLAGS'

make -n -C "$JM_SRC" O="$T/o" all >plain 2>&1
check "-Werror by default" sh -c '! grep -- " -c -o " plain | grep -qv -- -Werror'
make -n -C "$JM_SRC" O="$T/o" WERROR= all >lenient 2>&1
check "WERROR= drops it" sh -c '! grep -- " -c -o " lenient | grep -q -- -Werror'
make -n -C "$JM_SRC" O="$T/o" WERROR= HEAVY=0 checkrun >ci 2>&1
check "checkrun compiles something" test -n "$(compiles ci)"
check "checkrun keeps -Werror even with WERROR=" sh -c '! grep -- " -c -o " ci | grep -qv -- -Werror'
check "a dry run built nothing" test ! -e "$T/o"
finish

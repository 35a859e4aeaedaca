#!/bin/sh
# make install puts every tool under PREFIX/bin and every manual page under
# PREFIX/share/man/manN, below DESTDIR, with usable modes.
. ./lib.sh

O=$(dirname "$JM_BIN")
expect_code 0 make -s -C "$JM_SRC" install O="$O" PREFIX=/opt/jm DESTDIR="$T/root"
for c in "$JM_SRC"/cmd/*.c; do
	t=$(basename "$c" .c)
	check "bin/$t installed, executable" test -x "$T/root/opt/jm/bin/$t"
done
for m in "$JM_SRC"/man/*.[1-8]; do
	b=$(basename "$m"); s=${b##*.}
	check "man$s/$b installed" cmp -s "$m" "$T/root/opt/jm/share/man/man$s/$b"
done
"$T/root/opt/jm/bin/jcat" --version > "$T/ver"
check "an installed tool runs" grep -q '^jcat (jmirror) ' "$T/ver"
finish

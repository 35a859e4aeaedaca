#!/bin/sh
# make install puts every tool under PREFIX/bin (mode 755) and every manual page under
# PREFIX/share/man/manN (mode 644), below DESTDIR; make uninstall removes exactly those
# files and leaves anything else in the same directories alone.
. ./lib.sh

O=$(dirname "$JM_BIN")
mode() { stat -c %a "$1"; }
expect_code 0 make -s -C "$JM_SRC" install O="$O" PREFIX=/opt/jm DESTDIR="$T/root"
for c in "$JM_SRC"/cmd/*.c; do
	t=$(basename "$c" .c)
	check "bin/$t installed, mode 755" test "$(mode "$T/root/opt/jm/bin/$t")" = 755
done
for m in "$JM_SRC"/man/*.[1-8]; do
	b=$(basename "$m"); s=${b##*.}
	check "man$s/$b installed" cmp -s "$m" "$T/root/opt/jm/share/man/man$s/$b"
	check "man$s/$b mode 644" test "$(mode "$T/root/opt/jm/share/man/man$s/$b")" = 644
done
"$T/root/opt/jm/bin/jcat" --version > "$T/ver"
check "an installed tool runs" grep -q '^jcat (jmirror) ' "$T/ver"

# Someone else's files in the same directories.
echo other >"$T/root/opt/jm/bin/jmirror-local"
echo other >"$T/root/opt/jm/share/man/man1/other.1"
expect_code 0 make -s -C "$JM_SRC" uninstall O="$O" PREFIX=/opt/jm DESTDIR="$T/root"
(cd "$T/root" && find . -type f | sort) >"$T/left"
printf '%s\n' ./opt/jm/bin/jmirror-local ./opt/jm/share/man/man1/other.1 >"$T/want"
check "uninstall removed every installed file and nothing else" test_cmp "$T/want" "$T/left"
expect_code 0 make -s -C "$JM_SRC" uninstall O="$O" PREFIX=/opt/jm DESTDIR="$T/root"
finish

#!/bin/sh
# Every file under examples/ is exercised by some e2e test, so that no example rots
# unnoticed: a tests/e2e/*.sh other than this one names it, either by its path
# (examples/DIR/NAME) or by its directory's path (examples/DIR, usually kept in a variable)
# together with its file name. A README there documents its directory and is not a script:
# it is listed, not required (and not counted as a passed check).
. ./lib.sh

cd "$JM_SRC" || exit 1
files=$(find examples -type f ! -name '*~' ! -name '.*' | sort)
check "there are examples" test -n "$files"
self=tests/e2e/0804-examples-tested.sh
for f in $files; do
	case ${f##*/} in README*) echo "  (not required: $f, documentation)"; continue ;; esac
	dir=${f%/*} base=${f##*/}
	users=""
	for t in tests/e2e/[0-9]*.sh; do
		[ "$t" = "$self" ] && continue
		if grep -qF "$f" "$t" || { grep -qF "$dir" "$t" && grep -qF "$base" "$t"; }; then
			users="$users ${t##*/}"
		fi
	done
	if [ -n "$users" ]; then ok "$f:$users"; else fail "$f: no e2e test names it"; fi
done
finish

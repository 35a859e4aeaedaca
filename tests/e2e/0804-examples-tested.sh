#!/bin/sh
# Every file under examples/ is exercised by some e2e test: its path (examples/...) appears in
# a tests/e2e/*.sh other than this one, so that no example rots unnoticed.
. ./lib.sh

cd "$JM_SRC" || exit 1
files=$(find examples -type f ! -name '*~' ! -name '.*' | sort)
check "there are examples" test -n "$files"
self=tests/e2e/0804-examples-tested.sh
for f in $files; do
	users=$(grep -lF "$f" tests/e2e/*.sh 2>/dev/null | grep -vx "$self" | tr '\n' ' ')
	if [ -n "$users" ]; then ok "$f: $users"; else fail "$f: no e2e test names it"; fi
done
finish

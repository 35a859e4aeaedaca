#!/bin/sh
# make fuzz builds one libFuzzer target per tests/fuzz/fuzz_*.c (clang with the warnings of
# every other build, so a warning there is an error too), and each target reads its
# checked-in corpus without breaking a promise. Fuzzing itself is tests/fuzz/run (CI).
. ./lib.sh

O=$(dirname "$JM_BIN")
expect_code 0 make -s -C "$JM_SRC" O="$O" fuzz
for f in "$JM_SRC"/tests/fuzz/fuzz_*.c; do
	t=$(basename "$f" .c)
	check "$t built" test -x "$O/fuzz/$t"
	check "$t: a corpus is checked in" test -n "$(ls "$JM_SRC/tests/fuzz/corpus/${t#fuzz_}")"
	expect_code 0 "$O/fuzz/$t" -runs=0 "$JM_SRC/tests/fuzz/corpus/${t#fuzz_}"
done
finish

#!/bin/sh
# make clean removes the build directory it is given (O) and build-san, and nothing else:
# not other build-* directories that happen to sit beside them. Run on a copy of the
# Makefile, so that the tree under test keeps its own builds, and without the variables of
# the make that runs the tests (MAKEFLAGS would pass its O on).
. ./lib.sh
unset MAKEFLAGS MFLAGS MAKELEVEL

mkdir src o
cp "$JM_SRC/Makefile" src/
mkdir src/build src/build-san src/build-mine src/common
touch src/build/x src/build-san/x src/build-mine/x o/x
expect_code 0 make -s -C src clean O="$T/o"
check "O is removed" test ! -e o
check "build-san is removed" test ! -e src/build-san
check "a build directory of someone else's stays" test -e src/build-mine/x
check "the default build directory stays when O names another" test -e src/build/x
expect_code 0 make -s -C src clean
check "without O, build is removed" test ! -e src/build
finish

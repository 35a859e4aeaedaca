#!/bin/sh
# Compressed segments cost bounded memory and work, whatever their headers ask for: an xz
# stream with a 1 GiB dictionary and a zstd frame with a 2 GiB window are refused (65)
# before they allocate it, and a stream that expands beyond JMIRROR_MAX_SEGMENT (default
# 4 GiB) is refused (65) after decoding at most that much, so that a bomb among good
# segments does not hold them up. Peak RSS is measured with /usr/bin/time.
. ./lib.sh
san=
ldd "$(command -v jcat)" 2>/dev/null | grep -q 'libasan' && san=1
rss_check() { # like check, for a peak RSS: a sanitizer's shadow memory hides the reader's
	if [ -n "$san" ]; then echo "  skip $1 (sanitizer build)"; else check "$@"; fi
}
command -v xz >/dev/null && command -v zstd >/dev/null || skip "needs xz and zstd"
rss() { # rss FILE CMD...: run CMD (stdout discarded, stderr -> err), peak RSS KiB in FILE
	_f=$1; shift
	/usr/bin/time -o "$_f" -f %M "$@" >/dev/null 2>err
	_rc=$?
	tail -1 "$_f" >"$_f.kb"
	return $_rc
}
# bomb N SEQ: a valid sealed segment of N records of 16 MiB of 'x' (the largest record)
bomb() {
	python3 -c "import sys
for _ in range($1): sys.stdout.buffer.write(b'x' * (16 << 20) + b'\0')" |
		jmrec -T raw -s "$2" -l $(($2 * 1000 - 999)) /dev/stdout 2>/dev/null
}
mkdir w
bomb 12 2 | xz -T1 --lzma2=preset=0,dict=1GiB,mf=hc3 -c >w/db.0001-000000000002.journal.xz
check "xz bomb: $(wc -c <w/db.0001-000000000002.journal.xz) bytes, 192 MiB of records" \
	test "$(wc -c <w/db.0001-000000000002.journal.xz)" -lt 100000
rss m jcat -q w/db.0001-000000000002.journal.xz
check "jcat refuses the 1 GiB xz dictionary with 65" test $? -eq 65
check "...saying why" grep -q "needs 1024 MiB of memory, more than the limit of 128 MiB" err
rss_check "...with a peak RSS of $(cat m.kb) KiB < 32 MiB" test "$(cat m.kb)" -lt 32768
# jintegrate opens a segment only at its turn: the bomb it is given is the first one.
mkdir w1
bomb 12 1 | xz -T1 --lzma2=preset=0,dict=1GiB,mf=hc3 -c >w1/db.0001-000000000001.journal.xz
rss m jintegrate --db m.db w1/db.0001-000000000001.journal.xz
check "jintegrate refuses it with 65 too" test $? -eq 65
check "...saying why" grep -q "more than the limit of 128 MiB" err
rss_check "...with a peak RSS of $(cat m.kb) KiB < 32 MiB" test "$(cat m.kb)" -lt 32768
# A backup is read through the same bounded decoders (but its size is not limited).
rm -rf bk
mkdir bk
jmgen bk 1 >/dev/null 2>&1
jintegrate --db bk/m.db bk/db.0001-000000000001.journal >/dev/null
jbackup --db bk/m.db -o bk/b.tar 2>/dev/null
xz -T1 --lzma2=preset=0,dict=1GiB -c bk/b.tar >bk/big.tar.xz
expect_code 65 jbackup --restore bk/big.tar.xz --db bk/r.db
check "jbackup --restore refuses the 1 GiB xz dictionary" grep -q "needs 1024 MiB of memory" err
xz -9 -c bk/b.tar >bk/ok.tar.xz
expect_code 0 jbackup --restore bk/ok.tar.xz --db bk/r2.db
rm w/*
bomb 12 2 | zstd -q -1 --long=31 -c >w/db.0001-000000000002.journal.zst
rss m jcat -q w/db.0001-000000000002.journal.zst
check "jcat refuses a zstd frame with a 2 GiB window with 65" test $? -eq 65
rss_check "...with a peak RSS of $(cat m.kb) KiB < 32 MiB" test "$(cat m.kb)" -lt 32768

# What our own writers make at their strongest levels is accepted.
jmgen -r 2000 -b 200 . 1 >/dev/null 2>&1
xz -9e -c db.0001-000000000001.journal >db.0001-000000000001.journal.xz
zstd -q --ultra -22 -c db.0001-000000000001.journal >db.0001-000000000001.journal.zst
expect_code 0 jcat -q db.0001-000000000001.journal.xz
expect_code 0 jcat -q db.0001-000000000001.journal.zst

# The decompressed size: 192 MiB of valid records against a 64 MiB limit.
bomb 12 2 | zstd -q -1 -c >w/db.0001-000000000002.journal.zst
JMIRROR_MAX_SEGMENT=64M
export JMIRROR_MAX_SEGMENT
expect_code 65 jcat -q w/db.0001-000000000002.journal.zst
check "refused after 64 MiB: the limit is in the message" \
	grep -q "expands beyond 67108864 bytes, the limit (JMIRROR_MAX_SEGMENT)" err
mkdir one
bomb 12 1 | zstd -q -1 -c >one/db.0001-000000000001.journal.zst
expect_code 65 jintegrate --db m2.db one/db.0001-000000000001.journal.zst
check "...jintegrate too" grep -q "expands beyond 67108864 bytes" err
# A bomb between two good segments: jwatch reports both good ones and no bomb.
jmgen w 1 >/dev/null 2>&1
zstd -q --rm w/db.0001-000000000001.journal
jmgen -s 3 -l 3000 w 1 >/dev/null 2>&1
expect_code 0 jwatch --once w
printf '%s\n' w/db.0001-000000000001.journal.zst w/db.0001-000000000003.journal >want
sed "s|^$T/||; s|^\./||" "$T/out" | sort >got
check "jwatch printed the good segments around the bomb" test_cmp want got
unset JMIRROR_MAX_SEGMENT
JMIRROR_MAX_SEGMENT=lots expect_code 64 jcat -q w/db.0001-000000000002.journal.zst
check "a bad limit is a usage error naming the variable" grep -q "JMIRROR_MAX_SEGMENT=lots" err
JMIRROR_MAX_SEGMENT=lots expect_code 64 jwatch --once w

# The default limit, 4 GiB: 257 records of 16 MiB (4 GiB and 16 MiB) in a 2 MB file.
bomb 257 2 | zstd -q -1 -c >w/db.0001-000000000002.journal.zst
start=$(date +%s)
rss m jcat -q w/db.0001-000000000002.journal.zst
rc=$?
echo "  (refused after $(( $(date +%s) - start ))s, peak RSS $(cat m.kb) KiB)"
check "a 4 GiB + 16 MiB segment is refused with 65 by default" test "$rc" -eq 65
check "...after 4 GiB" grep -q "expands beyond 4294967296 bytes" err
finish

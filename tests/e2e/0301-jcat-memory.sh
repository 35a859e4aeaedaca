#!/bin/sh
# jcat's memory is bounded by one record, not by the file: peak RSS while reading a 40 MB
# segment (plain and zstd) stays far below its size; a 16 MiB record costs about itself.
. ./lib.sh
if ldd "$(command -v jcat)" 2>/dev/null | grep -q 'libasan'; then
	skip "sanitizer build: its shadow memory hides the reader's"
fi
peak() { # peak RSS in KiB of a command (stdout discarded)
	python3 -c '
import resource, subprocess, sys
rc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss if rc == 0 else -rc - 1)' "$@"
}
jmgen -r 20000 -b 2000 . 1 >/dev/null 2>&1
seg=db.0001-000000000001.journal
zstd -q -1 $seg -o $seg.zst
small=$(peak jcat -q $seg)
check "40 MB segment: peak RSS ${small} KiB < 32 MiB" test "$small" -gt 0 -a "$small" -lt 32768
kb=$(peak jcat --verify $seg.zst)
check "40 MB zstd segment: peak RSS ${kb} KiB < 32 MiB" test "$kb" -gt 0 -a "$kb" -lt 32768
kb=$(peak jcat --json $seg)
check "40 MB segment as JSON: peak RSS ${kb} KiB < 32 MiB" test "$kb" -gt 0 -a "$kb" -lt 32768
mkdir big
jmgen -n big -T raw -r 2 -b 16777216 big 1 >/dev/null 2>&1
kb=$(peak jcat --verify big/big.0001-000000000001.journal)
check "two 16 MiB records: peak RSS ${kb} KiB < 16 MiB + 32 MiB" test "$kb" -gt 0 -a "$kb" -lt 49152
finish

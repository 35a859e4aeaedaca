#!/bin/sh
# proftpd with AllowOverwrite off (its built-in default) refuses to write over any file: a
# temporary left by a killed transfer must not block the later runs, and is removed.
. ./lib.sh
. "$JM_SRC/tests/e2e/servers.sh"
. "$JM_SRC/tests/e2e/servers-other.sh"
. "$JM_SRC/tests/e2e/interop.sh"
heavy
start_other proftpd-nooverwrite "$T" || skip "proftpd did not start"
mkdir src
jmgen -r 100 -b 100000 src 2 >/dev/null 2>&1
f=db.0001-000000000001.journal
check "killed in the middle of sending" ix_kill_mid src/$f
check "a partial temporary is left" test -n "$(ix_ours "$SRV_ROOT")"
expect_code 0 jship $SRV_OPTS --to "$SRV_URL" src/$f
check "published after the kill" cmp -s src/$f "$SRV_ROOT/$f"
check "the stale temporary is removed" test -z "$(ix_ours "$SRV_ROOT")"
expect_code 0 jship $SRV_OPTS --to "$SRV_URL" src/*
check "identical resend and the next segment" cmp -s src/db.0001-000000000002.journal "$SRV_ROOT/db.0001-000000000002.journal"
finish

#!/bin/sh
# The runbook scripts with signed segments (JM_SIGN, JM_TRUST): the primary signs, the mirror
# applies and relays only what the primary signed, a forgery in its incoming directory stops
# at it; a planned switch-over onto the standby's own key, which the mirror-mirror trusted
# beforehand; the mirror-mirror ends equal to the new primary.
. ./lib.sh
command -v minisign >/dev/null || skip "minisign is not installed (tests/deps.sh)"
command -v sqlite3 >/dev/null || skip "sqlite3 command line not installed"
RB=$JM_SRC/examples/runbook
export JM_ROTATE_AGE=1ms
mkkey() { minisign -G -W -p "$1.pub" -s "$1.key" >/dev/null 2>&1; }
mk() { python3 "$JM_SRC/tests/e2e/jmseg.py" "$@" >/dev/null; }
mkkey a
mkkey s

mkdir p m inm inmm
jappend --create p/db.journal
jrotate --sign a.key p/db.journal
w p.db p/db.journal "create table t(id integer primary key, v text)" "insert into t(v) values('one')"
expect_code 0 env JM_SIGN="$T/a.key" sh $RB/primary-cron.sh p/db.journal "file://$T/inm/"
expect_code 0 env JM_TRUST="$T/a.pub" sh $RB/mirror-cron.sh m.db inm "file://$T/inmm/"
expect_code 0 env JM_TRUST="$T/a.pub" sh $RB/mirror-cron.sh mm.db inmm
expect_code 0 jintegrate --db mm.db --trust s.pub --from inmm    # the standby's key, beforehand
check "mm trusts both keys" test "$(sqlite3 mm.db 'select count(*) from jmirror_trust')" = 2

# a cron line that forgot the key: stops with jrotate's 64, nothing unsigned is published
w p.db p/db.journal "insert into t(v) values('two')"
expect_code 64 sh $RB/primary-cron.sh p/db.journal "file://$T/inm/"
check "the forgotten key is said" grep -q "is signed by key .*: only a rotation with --sign can seal it" "$T/err"
expect_code 0 env JM_SIGN="$T/a.key" sh $RB/primary-cron.sh p/db.journal "file://$T/inm/"

# a forgery dropped into the mirror's incoming directory stops there
dg=$(jcat "inm/$(seg 2)" | sed -n 's/.*digest \([0-9a-f]*\).*/\1/p')
lin=$(jcat "inm/$(seg 2)" | sed -n '1s/.*lineage \([0-9a-f]*\),.*/\1/p')
mk "inm/$(seg 3)" --seq 3 --lsn 4 --prev "$dg" --lineage "$lin" "delete from t"
expect_code 65 env JM_TRUST="$T/a.pub" sh $RB/mirror-cron.sh m.db inm "file://$T/inmm/"
check "the forgery is refused" grep -q "inm/$(seg 3): unsigned segment: refused" "$T/err"
check "the forgery is not relayed" test ! -e "inmm/$(seg 3)"
check "segment 2 is relayed" test -e "inmm/$(seg 2)"

# planned switch-over onto the standby's own key
expect_code 0 env JM_SIGN="$T/a.key" sh $RB/switchover-primary.sh p/db.journal "file://$T/inm/"
expect_code 0 env JM_SIGN="$T/s.key" sh $RB/switchover-mirror.sh m.db inm m/db.journal "file://$T/inmm/"
w m.db m/db.journal "insert into t(v) values('three')"
expect_code 0 env JM_SIGN="$T/s.key" sh $RB/primary-cron.sh m/db.journal "file://$T/inmm/"
expect_code 0 env JM_TRUST="$T/a.pub" sh $RB/mirror-cron.sh mm.db inmm
check "the mirror-mirror follows timeline 2" test "$(sqlite3 mm.db 'select timeline from jmirror_state')" = 2
check "the mirror-mirror equals the new primary" same m.db mm.db
expect_code 0 jcat --verify --trust a.pub --trust s.pub $(ls inmm/db.*.journal | sort)
finish

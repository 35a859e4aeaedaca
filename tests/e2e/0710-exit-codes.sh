#!/bin/sh
# One exit-code table (jmirror(7)) that every tool and runbook script follows: "closed by a
# final rotation" and "operational" are 69, permission denied is 77, and the cron scripts of
# examples/runbook tell them apart (a root-owned lock file must not pass for a closed journal).
. ./lib.sh
RB=$JM_SRC/examples/runbook

# The table, and each page's EXIT STATUS listing only its codes.
codes() { # the .It codes of the EXIT STATUS section of man page $1
	awk '/^\.Sh EXIT STATUS/ { p = 1; next } /^\.Sh/ { p = 0 } p && /^\.It [0-9]+$/ { print $2 }' "$1"
}
table=$(codes "$JM_SRC/man/jmirror.7" | tr '\n' ' ')
check "jmirror.7 has the table ($table)" test "$table" = "0 64 65 66 69 70 71 73 74 75 77 78 "
for page in "$JM_SRC"/man/*.1; do
	bad=""
	for c in $(codes "$page"); do
		case " $table " in *" $c "*) ;; *) bad="$bad $c" ;; esac
	done
	# jstatus' Nagios mode (--warn/--crit) answers 0-3 as monitoring checks do.
	[ "${page##*/}" = jstatus.1 ] && bad=$(echo "$bad" | sed 's/ [123]\b//g')
	check "${page##*/}: EXIT STATUS uses only codes of the table${bad:+ (not:$bad)}" test -z "$bad"
	check "${page##*/}: EXIT STATUS refers to the table" sh -c \
		"awk '/^\.Sh EXIT STATUS/ { p = 1; next } /^\.Sh/ { p = 0 } p' '$page' | grep -q '^\.Xr jmirror 7'"
done

# Closed by a final rotation: 69 from jappend and jrotate; the primary's cron script still
# sends the queue and exits 0.
mkdir -p p in
jappend --create p/db.journal
jappend p/db.journal "create table t(v)" "insert into t values(1)"
jrotate --final p/db.journal >/dev/null
expect_code 69 jappend p/db.journal "insert into t values(2)"
check "jappend says closed" grep -q "closed by a final rotation" err
expect_code 69 jrotate p/db.journal
expect_code 0 sh "$RB/primary-cron.sh" "$T/p/db.journal" "file://$T/in/"
check "primary-cron.sh on a closed journal still ships the final segment" \
	test -f in/db.0001-000000000001.journal

# Permission denied: a lock file the cron user cannot open is 77, and the cron script stops
# with 77 instead of taking it for a closed journal.
mkdir -p q in2
jappend --create q/db.journal
jappend q/db.journal "create table t(v)"
chmod 755 "$T" q
chmod 644 q/db.journal
check "the lock file is root's, 0640" test "$(stat -c %U%a q/.db.journal.lock)" = root640
if [ "$(id -u)" -eq 0 ] && command -v runuser >/dev/null; then
	chmod 777 in2
	expect_code 77 runuser -u nobody -- jrotate "$T/q/db.journal"
	check "jrotate says permission denied" grep -q "Permission denied" err
	expect_code 77 runuser -u nobody -- sh "$RB/primary-cron.sh" "$T/q/db.journal" "file://$T/in2/"
	check "primary-cron.sh passes jrotate's message on" grep -q "Permission denied" err
else
	echo "  skip permission checks: need root and runuser"
fi

# Operational (promoted) mirror: 69 from jintegrate, and the mirror's cron script stops with
# it instead of taking it for "waiting for a segment".
mkdir -p min
jmgen min 1 >/dev/null 2>&1
expect_code 0 jintegrate --db m.db min/db.0001-000000000001.journal
sqlite3 m.db "update jmirror_state set role='operational'"
expect_code 69 jintegrate --db m.db --from min
expect_code 69 sh "$RB/mirror-cron.sh" m.db min
check "mirror-cron.sh says operational" grep -q "operational" err

# The monitoring check answers in Nagios' codes even when jstatus fails otherwise.
JM_WARN=lag=bogus
export JM_WARN
expect_code 3 sh "$RB/check.sh" m.db min
unset JM_WARN
check "check.sh: UNKNOWN" grep -q "^UNKNOWN" out
finish

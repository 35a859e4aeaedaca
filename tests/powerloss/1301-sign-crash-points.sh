#!/bin/sh
# A signing rotation (jrotate --sign) under a power cut before and after each write, fsync,
# link, create and rename. The seal of a signed journal is the trailer and the signature in
# one write: afterwards a printed segment is whole and signed; a writer, or a rotation
# without the key, never leaves an unsigned segment (it completes a durable seal, cuts a
# torn one, and refuses to make one); the next signing rotation completes everything, and
# every segment verifies with the public key alone, every synced record once, in order.
LAZYFS_CACHE_SIZE=${LAZYFS_CACHE_SIZE:-32mb}
. "$(dirname "$0")/lib.sh"
command -v minisign >/dev/null || skip "minisign is not installed (tests/deps.sh)"
minisign -G -W -p "$T/a.pub" -s "$T/a.key" >/dev/null 2>&1

D=$MNT/d
J=$D/db.journal
LIVE='.*/d/db\.journal'
NEXT='.*/d/\.db\.journal\.next'
points="before:write:$LIVE: after:write:$LIVE: before:fsync:$LIVE: after:fsync:$LIVE:
before:link::db\\.0001- after:link::db\\.0001- before:create:$NEXT: after:create:$NEXT:
before:fsync:$NEXT: after:fsync:$NEXT: before:rename::/d/db\\.journal after:rename::/d/db\\.journal"

setup() {
	rm -rf "$D"
	mkdir "$D"
	jappend --create "$J" && jrotate --sign "$T/a.key" "$J" || fail "create"
	jappend --sync "$J" s1 s2 && jrotate -q --sign "$T/a.key" "$J" || fail "rotate before the cut"
	jappend --sync "$J" s3 s4 || fail "append"
}

all_signed() { # FILES...: every one a segment signed by the trusted key, and the chain
	jcat --verify --trust "$T/a.pub" "$@" >"$T/v.out" 2>"$T/v.err" &&
		[ "$(grep -c 'signed by trusted key' "$T/v.out")" -eq $# ]
}

_ok=0
lz_start
for p in $points; do
	tim=${p%%:*}; r=${p#*:}; op=${r%%:*}; r=${r#*:}; from=${r%%:*}; to=${r#*:}
	what="$tim $op ${from}${to}"
	setup
	f="lazyfs::crash::timing=$tim::op=$op"
	[ -z "$from" ] || f="$f::from_rgx=$from"
	[ -z "$to" ] || f="$f::to_rgx=$to"
	lz_arm "$f" || break
	jrotate --sign "$T/a.key" "$J" >"$T/printed" 2>"$T/rot.err"
	lz_restart
	pl_point
	if [ -s "$T/printed" ] && ! all_signed "$(cat "$T/printed")"; then
		fail "$what: printed segment is not whole and signed: $(cat "$T/v.err")"; continue
	fi
	# without the key: a writer appends, a rotation completes or refuses; nothing unsigned
	jappend --sync "$J" s5 2>"$T/app.err" || { fail "$what: jappend after the cut: $(cat "$T/app.err")"; continue; }
	jrotate "$J" >/dev/null 2>"$T/rot2.err"
	rc=$?
	[ $rc -eq 0 ] || [ $rc -eq 64 ] || { fail "$what: jrotate without the key: exit $rc: $(cat "$T/rot2.err")"; continue; }
	# shellcheck disable=SC2046
	all_signed $(ls "$D"/db.0001-*.journal | sort) ||
		{ fail "$what: a segment is not signed: $(cat "$T/v.err")"; continue; }
	jrotate -q --sign "$T/a.key" "$J" || { fail "$what: jrotate --sign after the cut"; continue; }
	# shellcheck disable=SC2046
	all_signed $(ls "$D"/db.0001-*.journal | sort) ||
		{ fail "$what: the chain is not signed whole: $(cat "$T/v.err")"; continue; }
	# shellcheck disable=SC2046
	got=$(pl_payloads $(ls "$D"/db.0001-*.journal | sort) | tr '\n' ' ')
	[ "$got" = "s1 s2 s3 s4 s5 " ] || { fail "$what: records: $got"; continue; }
	_ok=$((_ok + 1))
done
lz_stop
check "every crash point left a signed chain with every synced record" [ "$_ok" -eq "$_pl_points" ]
pl_points "jrotate --sign, before/after write, fsync, link, create, rename"
finish

#!/bin/sh
# An encrypting rotation (jrotate --encrypt-to) under a power cut before and after each
# create, write and fsync of the encrypted segment (.NAME.journal.enc), the live journal's
# seal, the link, and the successor's create, fsync and rename. Afterwards a printed segment
# is whole and encrypted; a writer and a rotation given no recipient and no key complete
# the rotation, and never leave a plaintext segment; every segment verifies without a key,
# and with the identity gives every synced record once, in order.
LAZYFS_CACHE_SIZE=${LAZYFS_CACHE_SIZE:-32mb}
. "$(dirname "$0")/lib.sh"
command -v age-keygen >/dev/null || skip "age is not installed (tests/deps.sh)"
age-keygen -o "$T/key" 2>/dev/null && age-keygen -y "$T/key" >"$T/key.pub"

D=$MNT/d
J=$D/db.journal
LIVE='.*/d/db\.journal'
ENC='.*/d/\.db\.journal\.enc'
NEXT='.*/d/\.db\.journal\.next'
points="before:create:$ENC: after:create:$ENC: before:write:$ENC: after:write:$ENC:
before:fsync:$ENC: after:fsync:$ENC: before:write:$LIVE: after:write:$LIVE:
before:fsync:$LIVE: after:fsync:$LIVE: before:link::db\\.0001- after:link::db\\.0001-
before:create:$NEXT: after:create:$NEXT: before:fsync:$NEXT: after:fsync:$NEXT:
before:rename::/d/db\\.journal after:rename::/d/db\\.journal"

setup() {
	rm -rf "$D"
	mkdir "$D"
	jappend --create "$J" || fail "create"
	jappend --sync "$J" s1 s2 && jrotate -q --encrypt-to "$T/key.pub" "$J" || fail "rotate before the cut"
	jappend --sync "$J" s3 s4 || fail "append"
}

all_encrypted() { # SEGMENTS...: every one encrypted, and with the live journal the chain
	# verifies keyless
	jcat --verify "$@" "$J" >"$T/v.out" 2>"$T/v.err" || return 1
	for _f; do jcat "$_f" | grep -q ', encrypted (' || { echo "$_f: not encrypted" >"$T/v.err"; return 1; }; done
}
payloads() { jcat --json --identity "$T/key" "$@" | sed -n 's/^{"kind":"record".*"payload":"\([^"]*\)".*/\1/p'; }

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
	jrotate --encrypt-to "$T/key.pub" "$J" >"$T/printed" 2>"$T/rot.err"
	lz_restart
	pl_point
	if [ -s "$T/printed" ] && ! all_encrypted "$(cat "$T/printed")"; then
		fail "$what: printed segment is not whole and encrypted: $(cat "$T/v.err")"; continue
	fi
	# no recipient and no key given: a writer appends, a rotation completes
	jappend --sync "$J" s5 2>"$T/app.err" || { fail "$what: jappend after the cut: $(cat "$T/app.err")"; continue; }
	jrotate -q "$J" 2>"$T/rot2.err" || { fail "$what: jrotate after the cut: $(cat "$T/rot2.err")"; continue; }
	# shellcheck disable=SC2046
	all_encrypted $(ls "$D"/db.0001-*.journal | sort) ||
		{ fail "$what: a segment is not encrypted, or the chain breaks: $(cat "$T/v.err")"; continue; }
	# shellcheck disable=SC2046
	got=$(payloads $(ls "$D"/db.0001-*.journal | sort) | tr '\n' ' ')
	[ "$got" = "s1 s2 s3 s4 s5 " ] || { fail "$what: records: $got"; continue; }
	[ ! -e "$D/.db.journal.next" ] || { fail "$what: a .next is left"; continue; }
	_ok=$((_ok + 1))
done
lz_stop
check "every crash point left an encrypted chain with every synced record" [ "$_ok" -eq "$_pl_points" ]
pl_points "jrotate --encrypt-to, before/after create, write, fsync of .enc, the seal, link, create, fsync, rename"
finish

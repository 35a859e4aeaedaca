#!/bin/sh
# Fail closed: a recipient or identity that is given but unusable (missing, of the wrong
# kind, a secret others can read) stops the tool before anything is sealed, applied or
# written; an encrypted segment without the identity that opens it, or whose ciphertext was
# changed, is refused with the mirror unchanged. Every message and exit code, and no secret
# in any of them.
. ./lib.sh
command -v age >/dev/null || skip "age is not installed (tests/deps.sh installs it)"
age-keygen -o key 2>/dev/null && age-keygen -y key >key.pub
age-keygen -o other 2>/dev/null
mkdir j && jappend --create j/db.journal
w p.db j/db.journal "CREATE TABLE t(a)" "INSERT INTO t VALUES(1)"
cp j/db.journal live.before
secret=$(grep AGE-SECRET key | cut -c16-)
other_secret=$(grep AGE-SECRET other | cut -c16-)
# every run's output is kept, to look for the secrets in it at the end
x() { expect_code "$@"; cat out err >>all.txt; }

# jrotate: unusable recipients, nothing sealed
x 66 jrotate --encrypt-to missing.pub j/db.journal
check "missing recipient file: said" grep -qx 'jrotate: --encrypt-to: recipient missing.pub: No such file or directory' err
x 64 jrotate --encrypt-to key j/db.journal
check "a secret identity as recipient: said, line named" grep -qx 'jrotate: --encrypt-to: recipient key, line 3: a secret identity, not a recipient (age-keygen -y gives its recipient)' err
x 64 jrotate --encrypt-to age1qqqqqqqqqqqqqqqq j/db.journal
check "a malformed recipient: said" grep -qx 'jrotate: --encrypt-to: recipient: not a valid age recipient' err
printf 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ x@y\n' >ssh.pub
x 64 jrotate --encrypt-to ssh.pub j/db.journal
check "an ssh key as recipient: said" grep -q 'not an age recipient (age1...)' err
check "nothing sealed by the refused rotations" sh -c "! ls j | grep -q '0001-'"
check "the live journal unchanged" cmp -s live.before j/db.journal

x 0 jrotate --encrypt-to key.pub j/db.journal
w p.db j/db.journal "INSERT INTO t VALUES(2)"
x 0 jrotate --encrypt-to key.pub j/db.journal

# jintegrate: no identity, wrong identity, unusable identities: the mirror is unchanged
x 77 jintegrate --db m.db j/$(seg 1)
check "no identity: said" grep -qx "jintegrate: j/$(seg 1): encrypted segment: applying it needs --identity KEY" err
check "no identity: nothing applied" sh -c "! sqlite3 m.db 'select * from t' 2>/dev/null | grep -q ."
x 77 jintegrate --db m.db --identity other j/$(seg 1)
check "wrong identity: said" grep -qx "jintegrate: j/$(seg 1): encrypted records: no identity matches: encrypted to other recipients" err
check "wrong identity: nothing applied" sh -c "! sqlite3 m.db 'select * from t' 2>/dev/null | grep -q ."
check "wrong identity: the segment stays where it is" test -f j/$(seg 1)
chmod 644 other
x 77 jintegrate --db n.db --identity other j/$(seg 1)
check "world-readable identity: refused" grep -qx 'jintegrate: --identity: identity: other can be read by others: refused (chmod 600 it)' err
check "world-readable identity: the mirror is not even created" test ! -e n.db
chmod 640 other
x 77 jintegrate --db n.db --identity other j/$(seg 1)
check "group-readable identity: refused too" grep -q 'can be read by others' err
x 66 jintegrate --db n.db --identity nosuch j/$(seg 1)
check "missing identity: said" grep -qx 'jintegrate: --identity: identity nosuch: No such file or directory' err
chmod 600 key.pub
x 64 jintegrate --db n.db --identity key.pub j/$(seg 1)
check "a recipient as identity: said" grep -qx 'jintegrate: --identity: identity key.pub, line 1: a recipient (public key), not an identity' err
printf -- '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEA\n' >sshkey && chmod 600 sshkey
x 64 jintegrate --db n.db --identity sshkey j/$(seg 1)
check "an ssh key as identity: said" grep -qx 'jintegrate: --identity: identity sshkey, line 1: not an age identity (AGE-SECRET-KEY-1...)' err
check "no mirror created by any refusal" test ! -e n.db
if [ "$(id -u)" -eq 0 ]; then
	skip_check "unreadable identity (EACCES)" "root reads any file"
else
	cp key unreadable && chmod 000 unreadable
	expect_code 77 jintegrate --db n.db --identity unreadable j/$(seg 1)
fi
x 77 jcat --identity other j/$(seg 1)
check "jcat refuses a world-readable identity too" grep -q 'can be read by others' err

# changed ciphertext: the digest catches it; with the digest made anew, the AEAD does
cp j/$(seg 2) s2.orig
jcat --export-region j/$(seg 2) >r.age
python3 -c "
import sys; b = bytearray(open('r.age','rb').read()); b[-20] ^= 1; open('r2.age','wb').write(b)"
mkdir f && python3 "$JM_SRC/tests/e2e/jmcrypt.py" wrap j/$(seg 2) r2.age f/$(seg 2)
cp j/$(seg 1) f/
x 0 jcat --verify f/$(seg 1) f/$(seg 2)
check "a forger who recomputes the digest passes a keyless check" grep -q 'seq 2, LSN 3-3' out
x 0 jintegrate --db m.db --identity key f/$(seg 1)
x 65 jintegrate --db m.db --identity key f/$(seg 2)
check "but the records do not authenticate: said" grep -qx "jintegrate: f/$(seg 2): age payload: chunk 0 does not authenticate (truncated or damaged)" err
check "the mirror stays at seq 1" test "$(mirror_at)" = "1|2"
x 0 jintegrate --db m.db --identity key j/$(seg 2)
check "the genuine segment then applies" test "$(mirror_at)" = "2|3"

check "no secret in any output of any run" sh -c "! grep -qF '$secret' all.txt && ! grep -qF '$other_secret' all.txt"
check "and the runs said something" test -s all.txt
finish

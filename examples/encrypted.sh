#!/bin/sh
# Encrypted segments through a hub that holds no key, on one machine (three directories
# stand for the three hosts):
#
#   primary: jrotate --encrypt-to mirror.pub --compress zstd | jship --to file://hub/in/
#   hub:     jwatch --once hub/in | jship --to file://mirror/in/        (no key: it checks
#            every digest and passes the bytes on)
#   mirror:  jintegrate --identity mirror.key --from mirror/in
#
#   sh examples/encrypted.sh [DIR]       (DIR defaults to a new temporary directory)
#
# Needs age-keygen (Debian package age) and the jmirror tools on PATH.
set -eu
d=${1:-$(mktemp -d "${TMPDIR:-/tmp}/jm-encrypted.XXXXXX")}
mkdir -p "$d/primary" "$d/hub/in" "$d/mirror/in"
cd "$d"

# On the mirror: its key pair; only the recipient line travels to the primary.
age-keygen -o mirror/mirror.key 2>/dev/null
age-keygen -y mirror/mirror.key >primary/mirror.pub

# On the primary: a journal, some records, an encrypted rotation shipped to the hub.
jappend --create primary/db.journal
jappend primary/db.journal "CREATE TABLE patients(id INTEGER PRIMARY KEY, name TEXT)" \
    "INSERT INTO patients(name) VALUES('Ada')" "INSERT INTO patients(name) VALUES('Grace')"
jrotate --encrypt-to primary/mirror.pub --compress zstd primary/db.journal |
    jship --quiet --to "file://$d/hub/in/"

# On the hub: no key. The names, the chain and the digests are checked; the records are not
# readable there.
jcat --verify hub/in/*.journal
if grep -rqa Grace hub; then echo "the hub can read the records" >&2; exit 1; fi
jwatch --once hub/in | jship --quiet --to "file://$d/mirror/in/"

# On the mirror: the identity opens them.
jintegrate --identity mirror/mirror.key --db mirror/m.db --from mirror/in >/dev/null
sqlite3 mirror/m.db 'SELECT name FROM patients ORDER BY id'
echo "encrypted: done in $d"

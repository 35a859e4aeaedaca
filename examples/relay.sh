#!/bin/sh
# A mirror that relays: apply each segment arriving in IN to the mirror database DB, then
# pass the very same file on to the next mirror (a mirror-mirror). jintegrate prints a
# segment only once it is committed, so the next mirror never gets ahead of this one.
#
#   IN=/srv/jm/in DB=/srv/jm/m.db DONE=/srv/jm/done TO=sftp://mirror2/srv/jm/in/ \
#       sh examples/relay.sh
#
# Runs until jwatch is stopped (SIGTERM to the process group, as systemd does). For a hub
# that feeds several mirrors, give jship --to once per destination.
set -eu
: "${IN:?the incoming directory}" "${DB:?the mirror database}" "${TO:?the next mirror}"
DONE=${DONE:-$IN/../done}
mkdir -p "$DONE"
jwatch "$IN" | jintegrate --db "$DB" --archive "$DONE" | jship --to "$TO"

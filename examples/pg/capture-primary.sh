#!/bin/sh
# Make a PostgreSQL database the primary of a jmirror journal: the journal (created when it
# does not exist yet), then the capture's publication and slot, with the schema and every row
# journaled as the first records. Afterwards run the drain, for example from systemd:
#   jcapture --every 100ms URL JOURNAL
#
#   capture-primary.sh URL JOURNAL
#
# URL is libpq's: postgresql:///DATABASE?host=/run/postgresql (the password, if any, in
# ~/.pgpass). The server needs wal_level = logical; the user, REPLICATION.
set -eu
[ $# -eq 2 ] || { echo "usage: capture-primary.sh URL JOURNAL" >&2; exit 64; }
url=$1 journal=$2
[ -e "$journal" ] || jappend --create "$journal" >/dev/null
jcapture --install "$url" "$journal"
echo "capture-primary.sh: $url is captured into $journal; now run: jcapture --every 100ms '$url' $journal"

#!/bin/sh
# A mirror that pulls from a hub: jfetch polls the hub every EVERY (default 2s) and puts
# each new segment into IN, registered on the hub as NAME so that the hub keeps what this
# mirror still lacks; jwatch | jintegrate applies what arrives, in order, and removes it.
#
#   NAME=m1 HUB=sftp://hub/srv/journal/ IN=/srv/jm/in DB=/srv/jm/m.db \
#       sh examples/hub/pulling-mirror.sh
#
# Runs until stopped (SIGTERM to its process group, as systemd does); both halves can be
# restarted at any moment without losing or repeating a segment. Credentials: ~/.ssh/ and
# ~/.netrc, as for jship; KEY and KNOWN_HOSTS name others.
set -eu
: "${NAME:?the mirror's name on the hub}" "${HUB:?the hub URL}" "${IN:?the incoming directory}"
: "${DB:?the mirror database}"
set --
[ -n "${KEY:-}" ] && set -- "$@" --key "$KEY"
[ -n "${KNOWN_HOSTS:-}" ] && set -- "$@" --known-hosts "$KNOWN_HOSTS"
mkdir -p "$IN"
jfetch -q --every "${EVERY:-2s}" --name "$NAME" "$@" "$HUB" "$IN" &
fetcher=$!
trap 'kill $fetcher 2>/dev/null' EXIT
trap 'exit 0' TERM INT
jwatch "$IN" | jintegrate --db "$DB" --remove >/dev/null

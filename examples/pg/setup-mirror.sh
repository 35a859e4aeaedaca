#!/bin/sh
# Make a PostgreSQL database ready to be a jmirror mirror that jintegrate applies as ROLE, a
# role that is not a superuser: the database, owned by ROLE (jintegrate creates the schema
# jmirror in it), and the right to keep the application's triggers quiet while row records
# are applied (session_replication_role; PostgreSQL 15 and later).
#
#   setup-mirror.sh DATABASE ROLE
#
# Run it as a superuser; psql takes the server from PGHOST, PGPORT and PGUSER. The role must
# exist (CREATE ROLE jmirror LOGIN), with its password in ~/.pgpass on the mirror host. Then:
#   jintegrate --db "postgresql:///DATABASE?user=ROLE" SEGMENT...
set -eu
[ $# -eq 2 ] || { echo "usage: setup-mirror.sh DATABASE ROLE" >&2; exit 64; }
db=$1 role=$2
q() { psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "$1"; }
exists=$(echo "SELECT 1 FROM pg_database WHERE datname = :'db'" |
    psql -X -q -A -t -v ON_ERROR_STOP=1 -d postgres -v db="$db")
[ -n "$exists" ] || q "CREATE DATABASE \"$db\" OWNER \"$role\""
q "GRANT SET ON PARAMETER session_replication_role TO \"$role\""
echo "setup-mirror.sh: $db ready for jintegrate as $role"

# Sourced by tests that need a PostgreSQL 15 server (after tests/e2e/lib.sh). Debian's
# postgresql-15 refuses to run as root, so the cluster runs as the user postgres in a
# directory of its own (outside $T, which is root's 0700), listening on a Unix socket there
# and nowhere else; at_exit stops it (pg_ctl stop -m immediate, by its pid file).
#   pg_start              start a cluster; sets PGBIN, PGSOCK, PGPORT
#   pg_url DB             the URL of database DB on it (postgresql:///DB?host=...&port=...)
#   pg_createdb DB        create database DB
#   psqlq DB SQL          run SQL in DB; print rows unaligned, '|' between fields
#   pg_restart            stop the server (fast) and start it again on the same port
#   pg_primary_mirror     pg_start, then databases prim and mirror; sets P, the URL of prim
PGBIN=$(pg_config --bindir 2>/dev/null)
[ -x "$PGBIN/postgres" ] || PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | tail -n 1)

_pg_ctl() { (cd / && runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGDIR/data" -s "$@"); }

pg_start() {
	[ -x "$PGBIN/initdb" ] || skip "no PostgreSQL server (postgresql-15) here"
	id postgres >/dev/null 2>&1 || skip "no postgres user"
	PGDIR=$(mktemp -d /tmp/jm-pg.XXXXXX)
	chmod 755 "$PGDIR"
	chown postgres "$PGDIR"
	PGSOCK=$PGDIR
	PGPORT=$(free_port)
	(cd / && runuser -u postgres -- "$PGBIN/initdb" -A trust -U postgres -D "$PGDIR/data") \
		>"$T/initdb.log" 2>&1 || { cat "$T/initdb.log"; fail "initdb"; finish; }
	cat >>"$PGDIR/data/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$PGSOCK'
port = $PGPORT
wal_level = logical
max_wal_senders = 4
max_replication_slots = 4
fsync = on
CONF
	at_exit "pg_stop"
	_pg_ctl -l "$PGDIR/log" -w -t 60 start || { cat "$PGDIR/log"; fail "pg_ctl start"; finish; }
}

pg_stop() {
	[ -n "${PGDIR:-}" ] || return 0
	_pg_ctl -m immediate stop >/dev/null 2>&1
	rm -rf "$PGDIR"
}

pg_restart() {
	_pg_ctl -m fast -w stop && _pg_ctl -l "$PGDIR/log" -w -t 60 start
}

pg_url() { printf 'postgresql:///%s?host=%s&port=%s&user=postgres' "$1" "$PGSOCK" "$PGPORT"; }

psqlq() {
	_db=$1; shift
	"$PGBIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 -h "$PGSOCK" -p "$PGPORT" -U postgres -d "$_db" -c "$*"
}

pg_createdb() { psqlq postgres "CREATE DATABASE $1"; }

pg_primary_mirror() { pg_start; pg_createdb prim; pg_createdb mirror; P=$(pg_url prim); }

#!/bin/sh
# Entrypoint of the test server image. What Testcontainers.PostgreSql 4.17 expects:
# - POSTGRES_USER, POSTGRES_PASSWORD, POSTGRES_DB name the superuser, its password and a database to create;
# - the command is extra server options (it passes "-c fsync=off -c full_page_writes=off -c synchronous_commit=off");
# - readiness is "pg_isready --host localhost" run inside the container: TCP answers only once the set-up is done,
#   because the set-up runs on a socket-only temporary server.
# The server is remote to the tests: reached over TCP at the Docker bridge, its files invisible to them. So it is set up
# as a primary that base backups and WAL streaming work against: wal_level=replica, WAL senders and slots, a login role
# with REPLICATION (POSTGRES_REPLICATION_USER, default "replicator", same password), and pg_hba rules for replication
# connections from any address (the bridge), all with scram-sha-256.
set -eu
: "${POSTGRES_USER:=postgres}" "${POSTGRES_DB:=$POSTGRES_USER}" "${POSTGRES_REPLICATION_USER:=replicator}"
if [ -z "${POSTGRES_PASSWORD:-}" ]; then
  echo "postgres-entrypoint: set POSTGRES_PASSWORD" >&2
  exit 2
fi
as_postgres() { setpriv --reuid=postgres --regid=postgres --init-groups "$@"; }
quote_literal() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/''/g")"; }
quote_ident() { printf '"%s"' "$(printf '%s' "$1" | sed 's/"/""/g')"; }

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  mkdir -p "$PGDATA" /var/run/postgresql
  chown postgres:postgres "$PGDATA" /var/run/postgresql
  chmod 700 "$PGDATA"
  pwfile=$(mktemp)
  printf '%s\n' "$POSTGRES_PASSWORD" > "$pwfile"
  chown postgres "$pwfile"
  as_postgres initdb -D "$PGDATA" -U "$POSTGRES_USER" --pwfile="$pwfile" -E UTF8 --locale=C.UTF-8 \
    --auth-local=trust --auth-host=scram-sha-256 --data-checksums --no-instructions >/dev/null
  rm -f "$pwfile"
  cat >> "$PGDATA/postgresql.conf" <<CONF
listen_addresses = '*'
unix_socket_directories = '/var/run/postgresql'
max_connections = 200
wal_level = replica
max_wal_senders = 10
max_replication_slots = 10
password_encryption = 'scram-sha-256'
CONF
  cat >> "$PGDATA/pg_hba.conf" <<HBA
host all all 0.0.0.0/0 scram-sha-256
host all all ::/0 scram-sha-256
host replication all 0.0.0.0/0 scram-sha-256
host replication all ::/0 scram-sha-256
HBA
  as_postgres pg_ctl -D "$PGDATA" -w -s -o "-c listen_addresses='' -c unix_socket_directories=/var/run/postgresql" start
  psql_setup() { as_postgres psql -v ON_ERROR_STOP=1 -q -h /var/run/postgresql -U "$POSTGRES_USER" -d postgres "$@"; }
  if [ "$POSTGRES_DB" != "postgres" ]; then
    psql_setup -c "CREATE DATABASE $(quote_ident "$POSTGRES_DB")"
  fi
  psql_setup -c "CREATE ROLE $(quote_ident "$POSTGRES_REPLICATION_USER") WITH LOGIN REPLICATION PASSWORD $(quote_literal "$POSTGRES_PASSWORD")"
  as_postgres pg_ctl -D "$PGDATA" -w -s -m fast stop
fi
exec setpriv --reuid=postgres --regid=postgres --init-groups postgres -D "$PGDATA" "$@"

#!/usr/bin/env bash
# Entrypoint of the streaming replica (official postgres image): on first start, copy the primary
# with pg_basebackup (-R writes primary_conninfo and standby.signal, -C -S a replication slot so
# that the primary keeps the WAL the replica has not received yet), then start PostgreSQL
# through the image's own entrypoint, which sees a data directory and starts it as a hot standby.
set -euo pipefail
: "${PGDATA:?}" "${PRIMARY_HOST:?}" "${REPLICATION_PASSWORD:?}"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  mkdir -p "$PGDATA"
  chown postgres:postgres "$PGDATA"
  chmod 700 "$PGDATA"
  export PGPASSWORD="$REPLICATION_PASSWORD"
  slot="${REPLICATION_SLOT:-replica_1}"
  until gosu postgres pg_isready -h "$PRIMARY_HOST" -p "${PRIMARY_PORT:-5432}" -q; do sleep 1; done
  # A slot left by an earlier copy of this replica (its volume was removed) would make -C fail.
  # (On stdin, not -c: psql substitutes :'slot' only in what it reads.)
  gosu postgres psql -h "$PRIMARY_HOST" -p "${PRIMARY_PORT:-5432}" -U replicator -d postgres -Atq -v ON_ERROR_STOP=1 --set=slot="$slot" <<'SQL'
SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = :'slot' AND NOT active;
SQL
  gosu postgres pg_basebackup -h "$PRIMARY_HOST" -p "${PRIMARY_PORT:-5432}" -U replicator -D "$PGDATA" \
    -X stream -R -C -S "$slot" --checkpoint=fast --progress
fi
exec docker-entrypoint.sh postgres -c hot_standby=on "$@"

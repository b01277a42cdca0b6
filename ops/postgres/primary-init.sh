#!/usr/bin/env bash
# Run once by the official postgres image when it creates the primary's data directory
# (/docker-entrypoint-initdb.d): a role for the streaming replica and the pg_hba.conf line that
# lets it connect for replication (the image's own line, "host all all all", does not cover
# replication connections).
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  --set=password="$REPLICATION_PASSWORD" <<'SQL'
CREATE ROLE replicator WITH REPLICATION LOGIN PASSWORD :'password';
SQL
echo "host replication replicator all scram-sha-256" >> "$PGDATA/pg_hba.conf"

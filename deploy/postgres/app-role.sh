#!/bin/sh
# Run once by the postgres image when its data volume is new: the role the app connects as.
# It may read and write rows only; the tables belong to POSTGRES_USER, which runs migrations.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<SQL
CREATE ROLE attest_app LOGIN PASSWORD '${ATTEST_APP_PASSWORD}';
GRANT CONNECT ON DATABASE "$POSTGRES_DB" TO attest_app;
SQL

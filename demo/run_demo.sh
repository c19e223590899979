#!/usr/bin/env bash
# run_demo.sh — `make demo`: two sample marketplaces of the same shape, one in MariaDB
# and one in SQL Server (the project's TDS test server), migrated into one PostgreSQL
# platform with re-mapped keys, then the status table.
# Runs on the throwaway servers of test/harness (stopped at the end; --keep leaves them
# up and prints how to connect).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${TRIBUTARY_RUN_DIR:-}" ]; then
	exec test/harness/with_servers.sh "$@" "$0"
fi
bin=build/tributary
say() { printf '\n== %s\n' "$*"; }
mariadb_root() { mariadb --no-defaults --default-character-set=utf8mb4 --socket="$TRIBUTARY_MYSQL_SOCKET" -uroot "$@"; }
psql_demo() { PGOPTIONS="-c client_min_messages=warning" psql -qX -v ON_ERROR_STOP=1 "$@"; }

say "two source marketplaces (5,000 users, 20,000 listings, 40,000 photos each): market_a in MariaDB, market_b in SQL Server"
mariadb_root -e "CREATE DATABASE market_a CHARACTER SET utf8mb4"
{ echo "SET @domain = 'market-a.example';"; cat demo/marketplace.sql; } | mariadb_root market_a
out=$(sed 's/DOMAIN/market-b.example/g' demo/marketplace_mssql.sql |
	tsql -S tributary_test -U "$TRIBUTARY_TDS_USER" -P "$TRIBUTARY_TDS_PASSWORD" -D "$TRIBUTARY_TDS_DATABASE" -o q 2>&1)
if printf '%s' "$out" | grep -q '^Msg [0-9]'; then
	printf '%s\n' "$out" >&2
	exit 1
fi

say "the platform database: extension, target schema, sources imported as foreign tables"
psql_demo -d postgres -c "CREATE DATABASE platform"
export PGDATABASE=platform
psql_demo -f - <<SQL
CREATE EXTENSION tributary;
\i demo/target.sql
SQL
psql_demo -v port="$TRIBUTARY_MYSQL_PORT" -v user="$TRIBUTARY_MYSQL_USER" \
	-v password="$TRIBUTARY_MYSQL_PASSWORD" <<'SQL'
CREATE SERVER market_a FOREIGN DATA WRAPPER tributary_mysql
	OPTIONS (host '127.0.0.1', port :'port', dbname 'market_a');
CREATE USER MAPPING FOR CURRENT_USER SERVER market_a OPTIONS (username :'user', password :'password');
CREATE SCHEMA market_a;
IMPORT FOREIGN SCHEMA market_a FROM SERVER market_a INTO market_a;
SQL
psql_demo -v port="$TRIBUTARY_TDS_PORT" -v db="$TRIBUTARY_TDS_DATABASE" -v user="$TRIBUTARY_TDS_USER" \
	-v password="$TRIBUTARY_TDS_PASSWORD" <<'SQL'
CREATE SERVER market_b FOREIGN DATA WRAPPER tributary_mssql
	OPTIONS (host '127.0.0.1', port :'port', dbname :'db');
CREATE USER MAPPING FOR CURRENT_USER SERVER market_b OPTIONS (username :'user', password :'password');
CREATE SCHEMA market_b;
IMPORT FOREIGN SCHEMA dbo FROM SERVER market_b INTO market_b;
SQL
for market in market_a market_b; do
	psql_demo -v market="$market" -f demo/transform.sql >/dev/null
done

say "the plan"
"$bin" plan

say "the migration (tributary run --jobs 2)"
set +e
"$bin" run --jobs 2
rc=$?
set -e
echo "exit code $rc (1 = migrated, with failed records kept in migration.failure)"

say "status"
"$bin" status

say "what failed, and why"
psql_demo -c "SELECT step, source, source_key, sqlstate, left(message, 70) AS message FROM migration.unresolved_failures ORDER BY step, source, id"

say "spot check: a migrated listing, its seller and its photos, traced back to the source"
psql_demo -c "SELECT l.marketplace, l.legacy_id AS source_listing, l.id AS platform_listing, u.legacy_id AS source_seller, u.id AS platform_seller, count(p.id) AS photos
FROM platform.listings l JOIN platform.users u ON u.id = l.seller_id LEFT JOIN platform.photos p ON p.listing_id = l.id
WHERE l.legacy_id IN (2, 3) GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2"
[ "$rc" -le 1 ]

#!/usr/bin/env bash
# run_demo.sh — `make demo`: two sample marketplaces of the same shape, in MariaDB,
# migrated into one PostgreSQL platform with re-mapped keys, then the status table.
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

say "two source marketplaces in MariaDB (5,000 users, 20,000 listings, 40,000 photos each)"
for market in market_a market_b; do
	mariadb_root -e "CREATE DATABASE $market CHARACTER SET utf8mb4"
	{ echo "SET @domain = '${market//_/-}.example';"; cat demo/marketplace.sql; } | mariadb_root "$market"
done

say "the platform database: extension, target schema, sources imported as foreign tables"
psql_demo -d postgres -c "CREATE DATABASE platform"
export PGDATABASE=platform
psql_demo -f - <<SQL
CREATE EXTENSION tributary;
\i demo/target.sql
SQL
for market in market_a market_b; do
	psql_demo -v market="$market" -v port="$TRIBUTARY_MYSQL_PORT" -v user="$TRIBUTARY_MYSQL_USER" \
		-v password="$TRIBUTARY_MYSQL_PASSWORD" <<'SQL'
CREATE SERVER :"market" FOREIGN DATA WRAPPER tributary_mysql
	OPTIONS (host '127.0.0.1', port :'port', dbname :'market');
CREATE USER MAPPING FOR CURRENT_USER SERVER :"market" OPTIONS (username :'user', password :'password');
CREATE SCHEMA :"market";
IMPORT FOREIGN SCHEMA :"market" FROM SERVER :"market" INTO :"market";
SQL
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

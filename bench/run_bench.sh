#!/usr/bin/env bash
# run_bench.sh — `make bench`: tributary side by side with the anchors of issues 3-6, in
# one run on the same generated data, on the throwaway servers of test/harness:
#   1. MySQL scan      tributary_mysql vs mysql_fdw vs the mariadb client; backend memory
#   2. SQL Server scan tributary_mssql vs tds_fdw (as shipped, showplan_all) vs FreeTDS
#   3. full load       tributary run vs mysql_fdw INSERT … SELECT vs pgloader vs COPY
#   4. diff            tributary run --mode diff vs the hand-written upsert (if the loader
#                      has a diff mode)
# Prints a results table per section and writes them to bench/results/latest.md.
#
# Environment: SCALE (default 1: 300k users, 1.5M listings, 1M SQL Server rows; 0.05 for
# a quick try), REPEAT (scans, default 3, median reported), LOAD_REPEAT (full loads,
# default 1), BENCH_SECTIONS (default "scan_mysql scan_mssql load diff"), TRIBUTARY_BIN.
# See bench/README.md for what is measured and how.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${TRIBUTARY_RUN_DIR:-}" ]; then
	exec test/harness/with_servers.sh "$0" "$@"
fi
BENCH_DIR=$PWD/bench
. "$BENCH_DIR/lib/common.sh"
for f in "$BENCH_DIR"/sections/*.sh; do
	. "$f"
done

SECTIONS=${BENCH_SECTIONS:-scan_mysql scan_mssql load diff}
TRIBUTARY_BIN=${TRIBUTARY_BIN:-$PWD/build/tributary}
[ -x "$TRIBUTARY_BIN" ] || TRIBUTARY_BIN=$(command -v tributary || true)
[ -n "$TRIBUTARY_BIN" ] || die "no loader binary: build it first (make)"
command -v /usr/bin/time >/dev/null || die "/usr/bin/time is missing: scripts/install_deps.sh --bench"

# The work folder lives in the harness's run folder (removed with it); PostgreSQL writes
# and reads the COPY files there, so it belongs to the postgres user when we are root.
W=$TRIBUTARY_RUN_DIR/bench
mkdir -p "$W"
[ "$(id -u)" -eq 0 ] && chown postgres: "$W"
printf '[client]\nhost=127.0.0.1\nport=%s\nuser=%s\npassword=%s\ndefault-character-set=utf8mb4\n' \
	"$TRIBUTARY_MYSQL_PORT" "$TRIBUTARY_MYSQL_USER" "$TRIBUTARY_MYSQL_PASSWORD" >"$W/my.cnf"
chmod 600 "$W/my.cnf"
mkdir -p "$BENCH_DIR/results"
RESULTS=$BENCH_DIR/results/latest.md
RESULTS_TMP=$W/results.md
: >"$RESULTS_TMP"
started=$EPOCHREALTIME

# ---- the header: what ran where -------------------------------------------------------
version_of() { dpkg-query -W -f '${Version}' "$1" 2>/dev/null || echo 'not installed'; }
out "# tributary benchmarks"
out ""
out "$(date -u '+%Y-%m-%d %H:%M UTC') · commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet HEAD 2>/dev/null || echo ' (with uncommitted changes)')"
out "· SCALE=$SCALE: $USERS users, $LISTINGS listings (MariaDB), $MSSQL_ROWS listings (SQL Server)"
out "· REPEAT=$REPEAT (scans: median), LOAD_REPEAT=$LOAD_REPEAT (full loads: median)"
out ""
out "Machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')), $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo) RAM, load average at start $(cut -d' ' -f1-3 /proc/loadavg)."
out "Versions: PostgreSQL $(pg_val -d postgres -c 'SHOW server_version'), MariaDB $(mariadb_root -N -e 'SELECT VERSION()'),"
out "mysql_fdw $(version_of postgresql-15-mysql-fdw), tds_fdw $(version_of postgresql-15-tds-fdw), pgloader $(version_of pgloader),"
out "FreeTDS $(version_of freetds-bin), tributary loader $("$TRIBUTARY_BIN" --version 2>/dev/null | awk '{ print $NF }')."

# ---- the data: generated once, read by every contender ---------------------------------
say "generating the data (SCALE=$SCALE)"
t=$EPOCHREALTIME
mariadb_root -e "CREATE DATABASE bench CHARACTER SET utf8mb4"
sed -e "s/{USERS}/$USERS/g; s/{LISTINGS}/$LISTINGS/g; s/{MEM_SMALL}/$MEM_SMALL/g" \
	-e "s/{MEM_LARGE}/$MEM_LARGE/g; s/{MEM_REPEAT}/$MEM_REPEAT/g" "$BENCH_DIR/sql/source_mariadb.sql" |
	mariadb_root bench
row_bytes=$(mariadb_root -N bench -e "SELECT round(avg(4 + 4 + length(title) + length(description) + 5 + 1 + 8 + 8)) FROM listings")
[ -n "${TRIBUTARY_TDS_PORT:-}" ] || die "the harness started no TDS test server (is build/test/tds_server built?)"
gen=$(sed "s/{LISTINGS}/$MSSQL_ROWS/" "$BENCH_DIR/sql/source_mssql.sql" | tsql_bench 2>&1)
if printf '%s' "$gen" | grep -q '^Msg [0-9]'; then
	die "could not create the SQL Server table: $gen"
fi
pg -d postgres -c "CREATE DATABASE bench_template"
pg -d bench_template -o /dev/null -v my_port="$TRIBUTARY_MYSQL_PORT" -v my_user="$TRIBUTARY_MYSQL_USER" \
	-v my_password="$TRIBUTARY_MYSQL_PASSWORD" -v tds_port="${TRIBUTARY_TDS_PORT:-1}" \
	-v tds_db="${TRIBUTARY_TDS_DATABASE:-none}" -v tds_user="${TRIBUTARY_TDS_USER:-none}" \
	-v tds_password="${TRIBUTARY_TDS_PASSWORD:-none}" -v batch_size="${BATCH_SIZE:-10000}" \
	-v mssql_small_query="SELECT TOP $MSSQL_SMALL * FROM dbo.listings ORDER BY id" \
	-v mssql_small_query_nodates="SELECT TOP $MSSQL_SMALL id, user_id, title, description, price, state FROM dbo.listings ORDER BY id" \
	-f "$BENCH_DIR/sql/setup_pg.sql"
# The scans run in a copy of the template, so that the template never has a connection.
wait_no_backends bench_template
pg -d postgres -c "CREATE DATABASE bench TEMPLATE bench_template"
out ""
out "Data: listings rows carry ≈ $row_bytes bytes of values (ids, varchar title, text description of 200-500 bytes, decimal, enum, two datetimes); generated in $(awk -v a="$t" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.0f", b - a }') s."

# Read the source once before anything is timed (InnoDB and the page cache warm).
mariadb_tcp --quick bench -e 'SELECT * FROM listings' >/dev/null
mariadb_tcp --quick bench -e 'SELECT * FROM users' >/dev/null

for s in $SECTIONS; do
	say "section $s"
	t=$EPOCHREALTIME
	"section_$s"
	say "section $s took $(awk -v a="$t" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.0f", b - a }') s"
done

out ""
out "Total time of the benchmark run (without build): $(awk -v a="$started" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.0f", b - a }') s; load average at the end $(cut -d' ' -f1-3 /proc/loadavg)."
cp "$RESULTS_TMP" "$RESULTS"
say "results written to ${RESULTS#"$PWD"/}"

# Diff loads: only rows changed since the watermark move; soft deletes travel as updates;
# a late commit inside the overlap window is picked up by the next diff; a MariaDB source
# gets the window pushed down.
. "$(dirname "$0")/lib.bash"
bin=${TRIBUTARY_BIN:?}
plan 17
fresh_db it_diff
psql_admin <<'SQL'
CREATE TABLE src_items (id int PRIMARY KEY, v text, deleted boolean NOT NULL DEFAULT false,
	updated_at timestamptz NOT NULL DEFAULT clock_timestamp());
-- a minute apart, a day ago: the overlap window (5 minutes) before the watermark holds 5 rows
INSERT INTO src_items (id, v, updated_at) SELECT g, 'v' || g, now() - interval '1 day' - g * interval '1 minute' FROM generate_series(1, 5000) g;
CREATE TABLE items (id int PRIMARY KEY, v text, deleted boolean NOT NULL, updated_at timestamptz NOT NULL);
SELECT migration.define_step('items', 'src_items', 'items', '{id}', 'id', updated_at_column => 'updated_at', batch_size => 700);
SQL
same() { psql_admin -c "SELECT count(*) FROM ((TABLE src_items EXCEPT TABLE items) UNION ALL (TABLE items EXCEPT TABLE src_items)) d"; }

out=$("$bin" run --mode diff 2>&1); rc=$?
is $rc 3 "a diff before the full load is refused"
like "$out" 'has not completed a full load; run a full load first' "and says why"
"$bin" -q run; is $? 0 "the full load succeeds"
is "$(same)" 0 "after the full load target and source agree"
is "$(psql_admin -c "SELECT high_water::timestamptz = (SELECT max(updated_at) FROM src_items) FROM migration.watermark")" t \
	"the full load took the first watermark"

psql_admin <<'SQL'
UPDATE src_items SET v = v || ' edited', updated_at = clock_timestamp() WHERE id % 50 = 0;
UPDATE src_items SET deleted = true, updated_at = clock_timestamp() WHERE id IN (7, 8, 9);
INSERT INTO src_items (id, v) SELECT g, 'new ' || g FROM generate_series(5001, 5040) g;
SQL
out=$("$bin" --json run --mode diff 2>&1); rc=$?
is $rc 0 "the diff run succeeds"
is "$(printf '%s' "$out" | grep -o '"rows_read": [0-9]*' | head -1)" '"rows_read": 148' \
	"it reads only the 143 changed rows and the 5 in the overlap window"
is "$(same)" 0 "after the diff target and source agree, soft deletes included"
# The last run's batches: how many, and the key each started from (null: the first key).
batches() { psql_admin -c "SELECT count(*) || ' batch(es) from ' || string_agg(coalesce(lower_key->>0, 'the start'), ',') FROM migration.batch WHERE run_id = (SELECT max(id) FROM migration.run)"; }
is "$(batches)" "1 batch(es) from 1" "the changed keys were listed first and loaded as one batch of keys, from the first changed key"

# More changed rows than the loader lists (TRIBUTARY_LIST_KEYS_MAX): keyset batches instead.
psql_admin -c "UPDATE src_items SET v = v || ' again', updated_at = clock_timestamp() WHERE id % 10 = 0"
out=$(TRIBUTARY_LIST_KEYS_MAX=100 "$bin" --json run --mode diff 2>&1)
is "$(batches)" "1 batch(es) from the start" "over the limit the window is read as a keyset batch from the start"
is "$(same)" 0 "and target and source agree"

# A late commit: stamped before the diff's high-water mark, committed after it ran.
psql_admin -c "BEGIN; UPDATE src_items SET v = 'late', updated_at = clock_timestamp() WHERE id = 4242; SELECT pg_sleep(3); COMMIT;" >/dev/null &
late=$!
sleep 0.5
psql_admin -c "UPDATE src_items SET v = 'early', updated_at = clock_timestamp() WHERE id = 17"
"$bin" -q run --mode diff
wait $late
is "$(psql_admin -c "SELECT string_agg(v, ',' ORDER BY id) FROM items WHERE id IN (17, 4242)")" "early,v4242" \
	"the diff saw the committed change, not yet the open one"
"$bin" -q run --mode diff --overlap '0 seconds'
is "$(psql_admin -c "SELECT v FROM items WHERE id = 4242")" "v4242" "without an overlap window the late commit would be lost"
"$bin" -q run --mode diff
is "$(psql_admin -c "SELECT v FROM items WHERE id = 4242")" "late" "the overlap window picks the late commit up"
is "$(same)" 0 "target and source agree"

# A MariaDB source: the window goes to the source.
mariadb --no-defaults --default-character-set=utf8mb4 --socket="$TRIBUTARY_MYSQL_SOCKET" -uroot <<SQL
DROP DATABASE IF EXISTS $db; CREATE DATABASE $db; USE $db;
CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(20), updated_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6), KEY (updated_at));
INSERT INTO t (id, v, updated_at) SELECT seq, CONCAT('m', seq), NOW(6) - INTERVAL 1 DAY - INTERVAL seq MINUTE FROM seq_1_to_3000;
SQL
psql_admin -v port="$TRIBUTARY_MYSQL_PORT" -v user="$TRIBUTARY_MYSQL_USER" -v pw="$TRIBUTARY_MYSQL_PASSWORD" -v db="$db" <<'SQL'
CREATE SERVER my FOREIGN DATA WRAPPER tributary_mysql OPTIONS (host '127.0.0.1', port :'port', dbname :'db');
CREATE USER MAPPING FOR CURRENT_USER SERVER my OPTIONS (username :'user', password :'pw');
CREATE FOREIGN TABLE my_t (id int NOT NULL, v text, updated_at timestamptz NOT NULL) SERVER my OPTIONS (table_name 't');
CREATE TABLE t (id int PRIMARY KEY, v text, updated_at timestamptz);
SELECT migration.define_step('t', 'my_t', 't', '{id}', 'id', updated_at_column => 'updated_at', batch_size => 1000);
SQL
"$bin" -q run --step t
mariadb --no-defaults --socket="$TRIBUTARY_MYSQL_SOCKET" -uroot "$db" -e "UPDATE t SET v = 'changed' WHERE id IN (50, 2500)"
out=$("$bin" --json run --step t --mode diff 2>&1)
is "$(printf '%s' "$out" | grep -o '"rows_read": [0-9]*' | head -1)" '"rows_read": 7' \
	"the MariaDB diff reads only the 2 changed rows and the 5 in the overlap window"
plan_out=$(psql_admin -c "EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM my_t WHERE updated_at > '2024-01-01'::timestamptz AND updated_at <= '2100-01-01'::timestamptz AND id > 5 ORDER BY id LIMIT 10")
like "$plan_out" "Remote SQL: SELECT \`id\` FROM \`t\` WHERE \(\`updated_at\` > TIMESTAMP'2024-01-01 00:00:00'\) AND \(\`updated_at\` <= TIMESTAMP'2100-01-01 00:00:00'\) AND \(\`id\` > 5\) ORDER BY \`id\` ASC LIMIT 10" \
	"the window, the keyset condition, the order and the limit are sent to MariaDB"
mariadb --no-defaults --socket="$TRIBUTARY_MYSQL_SOCKET" -uroot -e "DROP DATABASE $db"
psql_admin -d postgres -c "DROP DATABASE $db"
finish

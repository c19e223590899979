# Full loads with the loader against local source tables: dependency order, id maps
# (keep and map), foreign keys translated through the parent's map, bad rows isolated
# and recorded, reruns without duplicates, kill -9 and resume, two runs at once.
. "$(dirname "$0")/lib.bash"
bin=${TRIBUTARY_BIN:?}
plan 27
fresh_db it_full
psql_admin <<'SQL'
CREATE SCHEMA src;
CREATE TABLE src.users (id int PRIMARY KEY, email text, name text, consent boolean);
INSERT INTO src.users SELECT g, 'u' || g || '@example.com', 'User ' || g, g % 1000 <> 0
FROM generate_series(1, 20000) g;
-- two users share an email: the target's unique constraint refuses the second one
UPDATE src.users SET email = 'twice@example.com' WHERE id IN (777, 15001);
CREATE TABLE src.listings (id bigint PRIMARY KEY, user_id int, title text, price numeric(10,2));
INSERT INTO src.listings SELECT g, 1 + g % 20000, 'Listing ' || g, (g % 5000) + 0.99
FROM generate_series(1, 50000) g;

CREATE TABLE users (id bigint GENERATED ALWAYS AS IDENTITY (START 1000000) PRIMARY KEY,
	legacy_id int NOT NULL, email text UNIQUE, name text);
CREATE TABLE listings (id bigint PRIMARY KEY, user_id bigint NOT NULL REFERENCES users,
	title text, price numeric(10,2) CHECK (price < 4990));
CREATE VIEW src.v_users AS SELECT id, email, name FROM src.users WHERE consent;
SELECT migration.define_step('users', 'src.v_users', 'users', '{id}', 'id', key_mode => 'map',
	source_key_column => 'legacy_id', batch_size => 3000);
CREATE VIEW src.v_listings AS
	SELECT l.id, m.target_key AS user_id, l.title, l.price
	FROM src.listings l LEFT JOIN migration.map_users m ON m.source = 'default' AND m.id = l.user_id;
SELECT migration.define_step('listings', 'src.v_listings', 'listings', '{id}', 'id',
	depends_on => '{users}', batch_size => 7000);
SQL

out=$("$bin" plan 2>&1)
like "$out" "^1\. users .*
.*
2\. listings " "plan lists parents before children"

out=$("$bin" run 2>&1); rc=$?
is $rc 1 "a run with recorded failures exits 1"
expected_users=$(psql_admin -c "SELECT count(*) - 1 FROM src.users WHERE consent")
is "$(psql_admin -c 'SELECT count(*) FROM users')" "$expected_users" "every consenting user but the duplicate is migrated"
is "$(psql_admin -c "SELECT count(*) FROM migration.map_users")" "$expected_users" "the id map has one row per migrated user"
is "$(psql_admin -c "SELECT count(*) FROM users u JOIN migration.map_users m ON m.target_key = u.id AND m.id = u.legacy_id")" "$expected_users" \
	"every target user is traceable to its source key"
is "$(psql_admin -c "SELECT min(id) >= 1000000 FROM users")" "t" "map mode allocates keys from the target's identity"
is "$(psql_admin -c "SELECT string_agg(source_key::text || ' ' || sqlstate, ',' ORDER BY id) FROM migration.failure WHERE step = 'users'")" \
	'["15001"] 23505' "the duplicate user is recorded with its key and SQLSTATE"
is "$(psql_admin -c "SELECT source_row->>'email' FROM migration.failure WHERE step = 'users'")" "twice@example.com" \
	"the failure keeps the source row"
# listings: orphans (user without consent or the refused duplicate) and prices the CHECK refuses
bad_listings=$(psql_admin -c "SELECT count(*) FROM src.listings l LEFT JOIN migration.map_users m ON m.id = l.user_id WHERE m.id IS NULL OR l.price >= 4990")
is "$(psql_admin -c "SELECT count(*) FROM migration.failure WHERE step = 'listings'")" "$bad_listings" "every bad listing is recorded"
is "$(psql_admin -c "SELECT count(*) FROM listings")" "$((50000 - bad_listings))" "all other listings are migrated"
is "$(psql_admin -c "SELECT count(*) FROM listings l JOIN migration.map_users m ON m.target_key = l.user_id JOIN src.listings s ON s.id = l.id AND s.user_id = m.id")" \
	"$((50000 - bad_listings))" "every listing points at its migrated user"
is "$(psql_admin -c "SELECT string_agg(DISTINCT sqlstate, ',' ORDER BY sqlstate) FROM migration.failure WHERE step = 'listings'")" "23502,23514" \
	"orphans (NOT NULL) and CHECK violations are told apart"
is "$(psql_admin -c "SELECT string_agg(state, ',' ORDER BY step) FROM migration.step_state")" "completed,completed" "both steps are completed"
is "$(psql_admin -c "SELECT reltuples::bigint FROM pg_class WHERE oid = 'migration.map_users'::regclass")" "$expected_users" \
	"a completed step's id map is analyzed: its statistics count its rows (the listings view looks users up in it)"
is "$(psql_admin -c "SELECT relallvisible > 0 FROM pg_class WHERE oid = 'migration.map_users'::regclass")" "t" \
	"and vacuumed: its pages are all-visible, so a look-up reads the primary key alone"

out=$("$bin" run 2>&1); rc=$?
is $rc 0 "a rerun of completed steps does nothing and succeeds"
like "$out" "already completed" "the rerun says the steps are already completed"
"$bin" -q run --restart >/dev/null 2>&1
is "$(psql_admin -c 'SELECT count(*) FROM users')" "$expected_users" "a restart upserts: no user is duplicated"
is "$(psql_admin -c "SELECT count(*) FROM migration.failure WHERE attempts = 2")" "$((bad_listings + 1))" "a restart counts a second attempt on each failure"

# kill -9 in the middle of a slow step, then resume: nothing lost, nothing twice
psql_admin <<'SQL'
CREATE TABLE src.events (id int PRIMARY KEY, note text);
INSERT INTO src.events SELECT g, 'event ' || g FROM generate_series(1, 3000) g;
CREATE FUNCTION src.slow(text) RETURNS text LANGUAGE plpgsql STABLE AS 'BEGIN PERFORM pg_sleep(0.002); RETURN $1; END';
CREATE VIEW src.v_events AS SELECT id, src.slow(note) AS note FROM src.events;
CREATE TABLE events (id int PRIMARY KEY, note text);
SELECT migration.define_step('events', 'src.v_events', 'events', '{id}', 'id', batch_size => 100);
SQL
"$bin" -q run --step events >/dev/null 2>&1 &
pid=$!
sleep 2
kill -9 $pid
wait $pid 2>/dev/null
# The killed loader's backend finishes its statement (and holds the step's lock) until
# it notices the client is gone.
for _ in $(seq 1 100); do
	[ "$(psql_admin -c "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'tributary'")" = 0 ] && break
	sleep 0.1
done
partial=$(psql_admin -c "SELECT count(*) FROM events")
ok $([ "$partial" -gt 0 ] && [ "$partial" -lt 3000 ] && echo 0 || echo 1) "kill -9 left a partial load ($partial of 3000 rows)"
is "$(psql_admin -c "SELECT (last_key->>0)::int FROM migration.step_state WHERE step = 'events'")" "$partial" \
	"the committed resume point matches the committed rows"

# a second run of the same step while the first holds it
"$bin" -q run --step events >/dev/null 2>&1 &
pid=$!
sleep 0.7
out=$("$bin" run --step events 2>&1); rc=$?
is $rc 4 "a second run of a step that is running exits 4"
like "$out" 'step "events" of source "default" is being migrated by another run' "and says why"
wait $pid
is "$(psql_admin -c "SELECT count(*), count(DISTINCT id), min(id), max(id) FROM events")" "3000|3000|1|3000" \
	"after the resume every event is there exactly once"

# Key windows: dense stretches of an integer key are loaded as (last, last + batch size]
# without asking for the batch's last key; a sparse stretch goes back to asking.
psql_admin <<'SQL'
CREATE TABLE src.parts (id bigint PRIMARY KEY, label text);
INSERT INTO src.parts SELECT g, 'dense ' || g FROM generate_series(1, 2600) g;
INSERT INTO src.parts SELECT g * 1000, 'sparse ' || g FROM generate_series(10, 40) g;
INSERT INTO src.parts SELECT g, 'dense again ' || g FROM generate_series(50001, 52345) g;
CREATE TABLE parts (id bigint PRIMARY KEY, label text);
SELECT migration.define_step('parts', 'src.parts', 'parts', '{id}', 'id', batch_size => 500);
SQL
"$bin" -q run --step parts
is "$(psql_admin -c "SELECT count(*) FROM ((TABLE src.parts EXCEPT TABLE parts) UNION ALL (TABLE parts EXCEPT TABLE src.parts)) d")|$(psql_admin -c "SELECT count(*) FROM parts")" \
	"0|4976" "key windows: every row arrives, once"
# Asked: up to 500, 1000, 50469 (across the sparse stretch), 50969; windows: the rest (a
# window ends on its last key, present or not; an empty one is not recorded, asking ends it).
is "$(psql_admin -c "SELECT string_agg(coalesce(lower_key->>0, '') || '..' || (upper_key->>0) || ':' || rows_read, ' ' ORDER BY id) FROM migration.batch WHERE step = 'parts'")" \
	"..500:500 500..1000:500 1000..1500:500 1500..2000:500 2000..2500:500 2500..3000:100 3000..50469:500 50469..50969:500 50969..51469:500 51469..51969:500 51969..52469:376" \
	"dense stretches go as windows of 500 keys, a sparse one is asked for"
is "$(psql_admin -c "SELECT count(*) FROM migration.batch a JOIN migration.batch b ON a.step = b.step AND a.id < b.id AND (a.upper_key->>0)::bigint > coalesce((b.lower_key->>0)::bigint, 0) AND coalesce((a.lower_key->>0)::bigint, 0) < (b.upper_key->>0)::bigint WHERE a.step = 'parts'")" \
	"0" "and the batches' key ranges do not overlap"

psql_admin -d postgres -c "DROP DATABASE $db"
finish

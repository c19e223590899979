# The migration state survives pg_dump and restore: steps, states, runs, failures, id maps.
. "$(dirname "$0")/lib.bash"
bin=${TRIBUTARY_BIN:?}
plan 6
src=it_dump_$$
dst=it_restore_$$
psql_admin -d postgres -c "DROP DATABASE IF EXISTS $src" -c "CREATE DATABASE $src" -c "DROP DATABASE IF EXISTS $dst" -c "CREATE DATABASE $dst"
psql_admin -d $src <<'SQL'
CREATE EXTENSION tributary;
CREATE TABLE src_users (id int PRIMARY KEY, email text);
INSERT INTO src_users SELECT g, 'u' || g || '@x' FROM generate_series(1, 500) g;
UPDATE src_users SET email = 'u1@x' WHERE id = 300;
CREATE TABLE users (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, legacy_id int, email text UNIQUE);
SELECT migration.define_step('users', 'src_users', 'users', '{id}', 'id', key_mode => 'map', source_key_column => 'legacy_id');
INSERT INTO migration.setting (step, batch_size) VALUES ('*', 123);
INSERT INTO migration.setting (step, rows_per_second) VALUES ('users', 1000000);
SQL
PGDATABASE=$src "$bin" -q run >/dev/null 2>&1
is $? 1 "the run records one failure"
pg_dump -d $src >"$TRIBUTARY_RUN_DIR/dump.sql" 2>"$TRIBUTARY_RUN_DIR/dump.err"
is $? 0 "pg_dump succeeds"
psql_admin -d $dst -f "$TRIBUTARY_RUN_DIR/dump.sql" >/dev/null 2>&1
q="SELECT (SELECT string_agg(name || '/' || state, ',') FROM migration.step JOIN migration.step_state ON step = name),
	(SELECT count(*) FROM migration.map_users), (SELECT count(*) FROM migration.failure),
	(SELECT count(*) FROM migration.run), (SELECT count(*) FROM users)"
is "$(psql_admin -d $dst -c "$q")" "$(psql_admin -d $src -c "$q")" "steps, states, id map, failures, runs and target rows are restored"
is "$(psql_admin -d $dst -c "SELECT string_agg(step || ':' || coalesce(batch_size::text, '-') || ':' || coalesce(rows_per_second::text, '-'), ',' ORDER BY step) FROM migration.setting")" \
	"*:123:-,users:-:1000000" "live settings are restored"
PGDATABASE=$dst "$bin" -q run >/dev/null 2>&1
is $? 0 "the restored database knows its steps are completed"
out=$(PGDATABASE=$dst "$bin" status 2>&1)
like "$out" "users +default +completed +499 +1 +1" "status reads the restored state"
psql_admin -d postgres -c "DROP DATABASE $src" -c "DROP DATABASE $dst"
finish

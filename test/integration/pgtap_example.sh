# The pgTAP assertions as a DBA uses them: a real migration by the loader (full load,
# verify, retry-failed), then the example plan docs/examples/migration_test.sql through
# pg_prove — failing with diagnostics while a record is refused, passing once it is fixed,
# failing again when the target is damaged by hand (a row deleted, a row made up), and
# passing after verify --repair.
. "$(dirname "$0")/lib.bash"
bin=${TRIBUTARY_BIN:?}
example=$(cd "$(dirname "$0")/../.." && pwd)/docs/examples/migration_test.sql
plan 30
fresh_db it_pgtap
psql_admin <<'SQL'
CREATE SCHEMA src;
CREATE TABLE src.users (id int PRIMARY KEY, email text, name text);
INSERT INTO src.users SELECT g, 'u' || g || '@example.com', 'User ' || g FROM generate_series(1, 50) g;
CREATE TABLE src.listings (id bigint PRIMARY KEY, user_id int, title text, price numeric(10,2));
INSERT INTO src.listings SELECT g, 1 + g % 50, 'Listing ' || g, (g % 90) + 0.5 FROM generate_series(1, 200) g;
-- one listing the target refuses (its CHECK)
UPDATE src.listings SET price = -1 WHERE id = 77;

CREATE TABLE users (id bigint GENERATED ALWAYS AS IDENTITY (START 9000) PRIMARY KEY,
	legacy_id int NOT NULL, email text, name text);
CREATE TABLE listings (id bigint PRIMARY KEY, user_id bigint NOT NULL REFERENCES users,
	title text, price numeric(10,2) CHECK (price >= 0));
SELECT migration.define_step('users', 'src.users', 'users', '{id}', 'id', key_mode => 'map',
	source_key_column => 'legacy_id', batch_size => 20);
CREATE VIEW src.v_listings AS
	SELECT l.id, m.target_key AS user_id, l.title, l.price
	FROM src.listings l JOIN migration.map_users m ON m.source = 'default' AND m.id = l.user_id;
SELECT migration.define_step('listings', 'src.v_listings', 'listings', '{id}', 'id',
	depends_on => '{users}', batch_size => 64);
SQL
prove_plan() { pg_prove -v "$example" 2>&1; }

# Without pgTAP the assertions say what is missing.
out=$(psql_admin -c "SELECT migration.step_completed('users')" 2>&1)
like "$out" 'pgTAP is not installed in this database' "without pgTAP an assertion names what is missing"
like "$out" 'HINT: +Run CREATE EXTENSION pgtap' "and how to get it"
psql_admin -c "CREATE EXTENSION pgtap"

"$bin" -q run; is $? 1 "the full load ends with one refused listing (exit 1)"
"$bin" -q run --mode verify; is $? 5 "verify finds it missing (exit 5)"
out=$(prove_plan); rc=$?
ok "$([ $rc -ne 0 ]; echo $?)" "the example plan fails while a listing is refused"
like "$out" '^ok 1 - step users should be completed' "users are loaded"
like "$out" 'not ok 3 - every step should have no unresolved failures' "the refused listing is an unresolved failure"
like "$out" '#         listings \[default\] \["77"\]: 23514 new row for relation "listings" violates check constraint "listings_price_check" \(1 attempt\)' \
	"named by key, SQLSTATE and message"
like "$out" '#     listings \[default\]: verify run [0-9]+ found 1 difference \(1 missing, 0 different, 0 extra\)' \
	"verify_clean reports the last verify's difference"
like "$out" '#         \["77"\] missing \(known failure\)' "by key"
like "$out" '#         have: 199 rows of listings reachable through migration.map_listings' "row_counts_match: 199 target rows"
like "$out" '#         want: 200 rows of src.v_listings' "against 200 source rows"
like "$out" '^ok 4 - step users should verify clean' "users verify clean"
like "$out" '^ok 9 - every listing comes from the old shop' "a description of the DBA's own"
like "$out" 'Failed 3/12 subtests' "three tests fail"

# The fix: the source row is corrected and the failure retried; verify again.
psql_admin -c "UPDATE src.listings SET price = 10 WHERE id = 77"
"$bin" -q run --mode retry-failed; is $? 0 "retry-failed migrates the fixed listing"
"$bin" -q run --mode verify; is $? 0 "verify is clean"
out=$(prove_plan); rc=$?
is $rc 0 "the example plan passes"
like "$out" 'All tests successful' "every test of it"
like "$out" 'Files=1, Tests=12' "all twelve"

# Damage by hand: a listing deleted from the target.
psql_admin -c "DELETE FROM listings WHERE id = 42"
out=$(prove_plan); rc=$?
ok "$([ $rc -ne 0 ]; echo $?)" "a deleted target row fails the plan"
like "$out" 'not ok 7 - step listings should have as many target rows as source rows' "on row counts"
"$bin" -q run --mode verify; is $? 5 "verify sees the deleted row (exit 5)"
out=$(prove_plan)
like "$out" 'not ok 5 - step listings should verify clean' "then verify_clean fails too"
like "$out" '#         \["42"\] missing' "naming the key"

# A listing made up in the target, with no source row behind it.
psql_admin -c "INSERT INTO listings VALUES (5000, 9000, 'made up', 1)"
out=$(prove_plan)
like "$out" 'not ok 9 - every listing comes from the old shop' "a made-up row is not traceable"
like "$out" '#     listings: 1 of 200 rows have no entry in migration.map_listings' "counted"
like "$out" '#         untraceable id: 5000' "and named"

# Repaired: verify --repair brings the deleted row back; the made-up row is removed.
"$bin" -q run --mode verify --repair; is $? 0 "verify --repair restores the deleted listing"
psql_admin -c "DELETE FROM listings WHERE id = 5000"
out=$(prove_plan); rc=$?
is $rc 0 "the example plan passes again"

psql_admin -d postgres -c "DROP DATABASE $db"
finish

# The modes that keep a target converging on a live source and prove it: retry-failed
# after a fix, verify (and --repair), find-missing after rows were deleted by hand, orphans,
# local-diff for a table without updated_at, and --dry-run leaving no trace.
. "$(dirname "$0")/lib.bash"
bin=${TRIBUTARY_BIN:?}
plan 42
fresh_db it_modes
psql_admin <<'SQL'
CREATE SCHEMA src;
CREATE TABLE src.users (id int PRIMARY KEY, email text, name text);
INSERT INTO src.users SELECT g, 'u' || g || '@example.com', 'User ' || g FROM generate_series(1, 3000) g;
CREATE TABLE src.listings (id bigint PRIMARY KEY, user_id int, title text, price numeric(10,2));
INSERT INTO src.listings SELECT g, 1 + g % 3000, 'Listing ' || g, (g % 500) + 0.5 FROM generate_series(1, 12000) g;
-- one listing the target refuses (its CHECK): a failure to retry after the fix
UPDATE src.listings SET price = -1 WHERE id = 4321;

CREATE TABLE users (id bigint GENERATED ALWAYS AS IDENTITY (START 500000) PRIMARY KEY,
	legacy_id int NOT NULL, email text, name text, gone_at timestamptz);
CREATE TABLE listings (id bigint PRIMARY KEY, user_id bigint NOT NULL REFERENCES users,
	title text, price numeric(10,2) CHECK (price >= 0));
SELECT migration.define_step('users', 'src.users', 'users', '{id}', 'id', key_mode => 'map',
	source_key_column => 'legacy_id', batch_size => 1000);
CREATE VIEW src.v_listings AS
	SELECT l.id, m.target_key AS user_id, l.title, l.price
	FROM src.listings l JOIN migration.map_users m ON m.source = 'default' AND m.id = l.user_id;
SELECT migration.define_step('listings', 'src.v_listings', 'listings', '{id}', 'id',
	depends_on => '{users}', batch_size => 2500);
SQL
# Source and target agree row by row (listings by id; users through legacy_id).
diffs() {
	psql_admin -c "SELECT (SELECT count(*) FROM ((SELECT * FROM src.v_listings EXCEPT SELECT * FROM listings)
		UNION ALL (SELECT * FROM listings EXCEPT SELECT * FROM src.v_listings)) d)
		+ (SELECT count(*) FROM ((SELECT id, email, name FROM src.users EXCEPT SELECT legacy_id, email, name FROM users)
		UNION ALL (SELECT legacy_id, email, name FROM users EXCEPT SELECT id, email, name FROM src.users)) e)"
}
state() { # everything the loader could write: a digest of the target and the migration schema
	psql_admin -c "SELECT md5(string_agg(x, '|' ORDER BY x)) FROM (
		SELECT 'l' || l::text AS x FROM listings l UNION ALL SELECT 'u' || u::text FROM users u
		UNION ALL SELECT 'r' || r.id || r.status FROM migration.run r
		UNION ALL SELECT 'b' || b.id FROM migration.batch b
		UNION ALL SELECT 'f' || f::text FROM migration.failure f
		UNION ALL SELECT 'm' || m::text FROM migration.map_users m
		UNION ALL SELECT 'n' || n::text FROM migration.map_listings n
		UNION ALL SELECT 's' || s::text FROM migration.step_state s
		UNION ALL SELECT 'x' || x::text FROM migration.mismatch x) all_rows"
}

"$bin" -q run; is $? 1 "the full load ends with one recorded failure (exit 1)"
is "$(diffs)" 1 "only the refused listing is missing"

# verify: the refused row is a difference, and a known one
out=$("$bin" run --mode verify 2>&1); rc=$?
is $rc 5 "verify exits 5 when source and target differ"
like "$out" 'listings \[default\]: 12000 rows compared, 1 missing, 0 different, 0 extra \(1 missing are known failures\)' \
	"verify counts the rows it compared and names the known failure"
like "$out" '\["4321"\] missing \(known failure\)' "and prints the mismatching key"
like "$out" 'users \[default\]: 3000 rows compared, 0 missing, 0 different, 0 extra — clean' "users verify clean"
is "$(psql_admin -c "SELECT string_agg(step || ' ' || source_key::text || ' ' || kind || ' ' || known_failure, ',') FROM migration.mismatch")" \
	'listings ["4321"] missing true' "the mismatch is recorded in migration.mismatch"

# retry-failed before the fix: still failing, one more attempt
out=$("$bin" run --mode retry-failed 2>&1); rc=$?
is $rc 1 "retry-failed before the fix still has a failure (exit 1)"
like "$out" 'listings \[default\]: 0 failures resolved, 1 still failing' "and says so"
is "$(psql_admin -c "SELECT attempts || ' ' || (resolved_at IS NULL) FROM migration.failure")" "2 true" "the attempt is counted"
psql_admin -c "UPDATE src.listings SET price = 10 WHERE id = 4321"
out=$("$bin" run --mode retry-failed 2>&1); rc=$?
is $rc 0 "retry-failed after the fix succeeds"
like "$out" 'listings \[default\]: 1 failures resolved, 0 still failing' "and resolves the failure"
is "$(psql_admin -c "SELECT count(*) FROM migration.unresolved_failures")" 0 "no unresolved failure is left"
is "$(diffs)" 0 "source and target agree"
"$bin" -q run --mode verify; is $? 0 "verify is clean (exit 0)"

# Hand-made damage: a changed row, a deleted row, and a source row deleted (an orphan)
psql_admin <<'SQL'
UPDATE listings SET title = 'edited by hand' WHERE id = 100;
DELETE FROM listings WHERE id = 200;
DELETE FROM src.listings WHERE id = 300;
SQL
out=$("$bin" run --mode verify --step listings 2>&1); rc=$?
is $rc 5 "verify finds the damage"
like "$out" '11999 rows compared, 1 missing, 1 different, 1 extra' "one of each kind"
like "$out" '\["100"\] different' "the changed row by key"
like "$out" '\["200"\] missing' "the deleted row by key"
like "$out" '\["300"\] extra' "the orphan by key"
out=$("$bin" run --mode verify --step listings --repair 2>&1); rc=$?
is $rc 5 "--repair fixes what it can; the orphan stays a difference"
like "$out" '1 missing, 1 different, 1 extra; 2 repaired' "two rows repaired"
is "$(psql_admin -c "SELECT title FROM listings WHERE id = 100")" "Listing 100" "the changed row is the source's again"
out=$("$bin" run --mode verify --step listings --repair --delete-orphans 2>&1); rc=$?
is $rc 0 "with --delete-orphans the orphan is removed and verify ends clean"
is "$(psql_admin -c "SELECT count(*) FROM listings WHERE id = 300") $(psql_admin -c "SELECT count(*) FROM migration.map_listings WHERE id = 300")" \
	"0 0" "the orphan left the target and the id map"
is "$(diffs)" 0 "source and target agree"

# find-missing: rows deleted from the target by hand come back; an orphan user is marked
psql_admin <<'SQL'
DELETE FROM listings WHERE id IN (11, 12, 13);
INSERT INTO src.users VALUES (3001, 'new@example.com', 'New');
SQL
out=$("$bin" run --mode find-missing 2>&1); rc=$?
is $rc 0 "find-missing succeeds"
like "$out" 'listings \[default\]: 11999 rows compared, 3 missing, 0 extra; 3 migrated' "it migrates the 3 deleted listings"
like "$out" 'users \[default\]: 3001 rows compared, 1 missing, 0 extra; 1 migrated' "and the new user"
is "$(diffs)" 0 "source and target agree"
psql_admin -c "DELETE FROM src.users WHERE id = 3001"
out=$("$bin" run --mode find-missing --step users 2>&1); rc=$?
is $rc 5 "find-missing exits 5 when it leaves an orphan"
like "$out" 'users \[default\]: 3000 rows compared, 0 missing, 1 extra; 0 migrated' "and reports it"
out=$("$bin" run --mode find-missing --step users --mark-orphans gone_at 2>&1); rc=$?
is $rc 0 "find-missing marks the orphan user"
is "$(psql_admin -c "SELECT legacy_id FROM users WHERE gone_at IS NOT NULL")" 3001 "in gone_at"
psql_admin -c "DELETE FROM users WHERE gone_at IS NOT NULL"

# local-diff: no updated_at needed; only rows whose fingerprint changed are written
psql_admin -c "UPDATE src.listings SET title = title || ' (edited)' WHERE id IN (5, 6)"
out=$("$bin" --json run --mode local-diff --step listings 2>&1); rc=$?
is $rc 0 "local-diff succeeds"
like "$(printf '%s' "$out" | tr -d ' \n')" '"inserted":0,"outcome":"completed","rows_read":11999,' \
	"it reads every row and inserts none"
like "$(printf '%s' "$out" | tr -d ' \n')" '"updated":2' "it writes the 2 changed rows only"
psql_admin -c "UPDATE listings SET title = 'drift' WHERE id = 7" # the target changed, the id map did not
is "$(diffs)" 2 "a hand edit of the target (1 row, counted both ways) is not local-diff's business (verify's)"
psql_admin -c "UPDATE listings SET title = 'Listing 7' WHERE id = 7"

# --dry-run: the report tells what would happen; target and migration schema unchanged
psql_admin -c "UPDATE src.listings SET price = price + 1 WHERE id BETWEEN 1 AND 40" \
	-c "UPDATE src.listings SET price = -5 WHERE id = 41"
before=$(state)
out=$("$bin" run --mode local-diff --dry-run --step listings 2>&1); rc=$?
is $rc 1 "a dry run reports the failure it would record (exit 1)"
like "$out" 'dry run \(rolled back: nothing was kept\)' "and says that it was a dry run"
like "$out" 'listings +default +11999 +0 +40 +1 ' "it would update 40 rows and fail 1"
is "$(state)" "$before" "target and migration schema are unchanged"

psql_admin -d postgres -c "DROP DATABASE $db"
finish

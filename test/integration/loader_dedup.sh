# De-duplication: duplicates (equal dedup columns) are not migrated; their id map entry
# points at the survivor (first in the declared order), so their children attach to it;
# a later source's duplicates of an already migrated row merge into that row; every
# merge is listed in migration.merges; verify treats the merged rows as matching.
. "$(dirname "$0")/lib.bash"
bin=${TRIBUTARY_BIN:?}
plan 12
fresh_db it_dedup
psql_admin <<'SQL'
CREATE SCHEMA a; CREATE SCHEMA b;
CREATE TABLE a.users (id int PRIMARY KEY, email text, created_at date);
INSERT INTO a.users VALUES (1, 'Ann@example.com', '2020-01-01'), (2, 'ann@example.com', '2019-05-01'),
	(3, 'bob@example.com', '2021-01-01'), (4, NULL, '2021-01-01'), (5, NULL, '2021-02-01');
CREATE TABLE a.listings (id int PRIMARY KEY, user_id int, title text);
INSERT INTO a.listings VALUES (100, 1, 'by the duplicate'), (101, 2, 'by the survivor'), (102, 3, 'by bob');
CREATE TABLE b.users (id int PRIMARY KEY, email text, created_at date);
INSERT INTO b.users VALUES (10, 'BOB@example.com', '2018-01-01'), (11, 'cy@example.com', '2022-01-01');
CREATE TABLE b.listings (id int PRIMARY KEY, user_id int, title text);
INSERT INTO b.listings VALUES (200, 10, 'by bob in b'), (201, 11, 'by cy');

CREATE TABLE users (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, legacy_id int, email text, created_at date);
CREATE TABLE listings (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, legacy_id int, user_id bigint REFERENCES users, title text);
CREATE VIEW a.v_users AS SELECT id, email, lower(email) AS email_key, created_at FROM a.users;
CREATE VIEW b.v_users AS SELECT id, email, lower(email) AS email_key, created_at FROM b.users;
SELECT migration.define_step('users', 'a.v_users', 'users', '{id}', 'id', key_mode => 'map', source => 'a',
	source_key_column => 'legacy_id', options => '{"dedup": {"columns": ["email_key"], "order": "created_at, id"}}');
SELECT migration.define_step('users', 'b.v_users', 'users', '{id}', 'id', key_mode => 'map', source => 'b',
	source_key_column => 'legacy_id', options => '{"dedup": {"columns": ["email_key"], "order": "created_at, id"}}');
CREATE VIEW a.v_listings AS SELECT l.id, m.target_key AS user_id, l.title FROM a.listings l
	LEFT JOIN migration.map_users m ON m.source = 'a' AND m.id = l.user_id;
CREATE VIEW b.v_listings AS SELECT l.id, m.target_key AS user_id, l.title FROM b.listings l
	LEFT JOIN migration.map_users m ON m.source = 'b' AND m.id = l.user_id;
SELECT migration.define_step('listings', 'a.v_listings', 'listings', '{id}', 'id', key_mode => 'map', source => 'a',
	source_key_column => 'legacy_id', depends_on => '{users}');
SELECT migration.define_step('listings', 'b.v_listings', 'listings', '{id}', 'id', key_mode => 'map', source => 'b',
	source_key_column => 'legacy_id', depends_on => '{users}');
SQL
tk() { psql_admin -c "SELECT target_key FROM migration.map_users WHERE source = '$1' AND id = $2"; }

"$bin" -q run --step users --step listings; is $? 0 "both sources load"
is "$(psql_admin -c "SELECT count(*) FROM users")" 5 "7 users, 2 duplicates: 5 rows (NULL emails are never duplicates)"
is "$(tk a 1)" "$(tk a 2)" "a's user 1 maps to the survivor, user 2 (the earlier created_at)"
is "$(psql_admin -c "SELECT legacy_id FROM users WHERE id = $(tk a 1)")" 2 "the survivor's row is user 2's"
is "$(tk b 10)" "$(tk a 3)" "b's bob merges into a's bob, migrated first"
is "$(psql_admin -c "SELECT count(DISTINCT user_id) FROM listings WHERE title IN ('by the duplicate', 'by the survivor')")" 1 \
	"the duplicate's listing attaches to the survivor"
is "$(psql_admin -c "SELECT user_id FROM listings WHERE title = 'by bob in b'")" "$(tk a 3)" "so does b's bob's listing"
is "$(psql_admin -c "SELECT string_agg(source || source_key::text || '>' || survivor_source || survivor_key::text, ' ' ORDER BY source) FROM migration.merges")" \
	'a["1"]>a["2"] b["10"]>a["3"]' "migration.merges lists every merge"
out=$("$bin" run --mode verify --step users 2>&1); rc=$?
is $rc 0 "verify: the merged duplicates are no difference"
like "$out" 'users \[a\]: 4 rows compared, 0 missing, 0 different, 0 extra — clean' "a: 4 rows compared (not the duplicate)"
out=$(psql_admin -c "SELECT migration.define_step('users', 'a.v_users', 'users', '{id}', 'id', key_mode => 'map', source => 'a',
	source_key_column => 'legacy_id', options => '{\"dedup\": {\"columns\": [\"email_key\"], \"order\": \"created_at; DROP TABLE users\"}}')" 2>&1)
like "$out" 'dedup order of step "users": "created_at; DROP TABLE users" is not a column' "an order that is not a column list is refused"
out=$(psql_admin -c "SELECT migration.define_step('users2', 'a.v_users', 'users', '{id}', 'id',
	options => '{\"dedup\": {\"columns\": [\"email_key\"]}}')" 2>&1)
like "$out" 'step "users2" de-duplicates but keeps its keys' "dedup needs key_mode map"
psql_admin -d postgres -c "DROP DATABASE $db"
finish

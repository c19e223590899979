-- migration.define_step: definitions accepted and rejected, id maps, helper views.
BEGIN;
SELECT plan(26);

CREATE SCHEMA t;
CREATE TABLE t.src_users (id int PRIMARY KEY, email text, name text, updated_at timestamptz);
CREATE TABLE t.src_listings (id bigint, user_id int, title text, shop text);
CREATE TABLE t.users (id int PRIMARY KEY, email text, name text);
CREATE TABLE t.users_mapped (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, legacy_id int, email text);
CREATE TABLE t.listings (id bigserial PRIMARY KEY, legacy_key jsonb, user_id bigint, title text);
CREATE TABLE t.nothing_shared (zzz int PRIMARY KEY);

SELECT lives_ok($$SELECT migration.define_step('users', 't.src_users', 't.users', '{id}', 'id',
	updated_at_column => 'updated_at')$$, 'a keep-mode step is accepted');
SELECT is((SELECT key_mode FROM migration.step WHERE name = 'users'), 'keep', 'key mode defaults to keep');
SELECT is((SELECT state FROM migration.step_state WHERE step = 'users' AND source = 'default'), 'pending',
	'a new step is pending');
SELECT has_table('migration', 'map_users', 'the step gets an id map table');
SELECT col_type_is('migration', 'map_users', 'id', 'integer', 'the id map keeps the source key''s type');
SELECT col_type_is('migration', 'map_users', 'target_key', 'integer', 'the id map keeps the target key''s type');
SELECT is((SELECT array_agg(indexrelid::regclass::text) FROM pg_index WHERE indrelid = 'migration.map_users'::regclass),
	ARRAY['migration.map_users_pkey'], 'the id map has one index, its primary key: every row inserted pays for each index');

SELECT lives_ok($$SELECT migration.define_step('users_m', 't.src_users', 't.users_mapped', '{id}', 'id',
	key_mode => 'map', source => 'shop_a', source_key_column => 'legacy_id')$$,
	'a map-mode step on an identity column is accepted');
SELECT lives_ok($$SELECT migration.define_step('users_m', 't.src_users', 't.users_mapped', '{id}', 'id',
	key_mode => 'map', source => 'shop_b', source_key_column => 'legacy_id')$$,
	'a second source of the same shape shares the step');
SELECT is((SELECT count(*)::int FROM migration.step WHERE name = 'users_m'), 2, 'one row per source');
SELECT lives_ok($$SELECT migration.define_step('listings', 't.src_listings', 't.listings', '{id,shop}', 'id',
	key_mode => 'map', source_key_column => 'legacy_key', depends_on => '{users_m}')$$,
	'a composite source key is accepted in map mode');
SELECT col_type_is('migration', 'map_listings', 'shop', 'text', 'composite keys keep every column');
SELECT is((SELECT pg_get_indexdef(conindid) FROM pg_constraint WHERE conrelid = 'migration.map_users'::regclass AND contype = 'p'),
	'CREATE UNIQUE INDEX map_users_pkey ON migration.map_users USING btree (id, source) INCLUDE (target_key)',
	'the id map''s primary key starts with the source key and includes the target key (index-only look-ups)');
SELECT is((SELECT pg_get_indexdef(conindid) FROM pg_constraint WHERE conrelid = 'migration.map_listings'::regclass AND contype = 'p'),
	'CREATE UNIQUE INDEX map_listings_pkey ON migration.map_listings USING btree (id, shop, source) INCLUDE (target_key)',
	'a composite source key: every key column, then source');

SELECT throws_ok($$SELECT migration.define_step('Bad Name', 't.src_users', 't.users', '{id}', 'id')$$,
	'22023', 'invalid step name "Bad Name"', 'step names are checked');
SELECT throws_ok($$SELECT migration.define_step('x', 't.src_users', 't.users', '{nope}', 'id')$$,
	'42703', 'source relation t.src_users of step "x" has no column "nope"', 'a missing source key column is rejected');
SELECT throws_ok($$SELECT migration.define_step('x', 't.src_users', 't.users', '{id}', 'nope')$$,
	'42703', NULL, 'a missing target key column is rejected');
SELECT throws_ok($$SELECT migration.define_step('x', 't.no_such_view', 't.users', '{id}', 'id')$$,
	'42P01', NULL, 'a missing relation is rejected');
SELECT throws_ok($$SELECT migration.define_step('x', 't.src_users', 't.users', '{email}', 'id')$$,
	'42804', NULL, 'a key type mismatch is rejected');
SELECT throws_ok($$SELECT migration.define_step('x', 't.src_users', 't.users', '{id}', 'id', depends_on => '{ghost}')$$,
	'42704', NULL, 'an unknown dependency is rejected');
SELECT throws_ok($$SELECT migration.define_step('x', 't.src_users', 't.users', '{id}', 'id', key_mode => 'map', source_key_column => 'email')$$,
	'22023', NULL, 'map mode needs a sequence or identity on the target key');
SELECT throws_ok($$SELECT migration.define_step('x', 't.src_users', 't.users_mapped', '{id}', 'id', key_mode => 'map')$$,
	'22023', NULL, 'map mode needs a column to keep the source key in');
SELECT throws_ok($$SELECT migration.define_step('x', 't.src_users', 't.nothing_shared', '{id}', 'zzz')$$,
	'22023', NULL, 'a source and target with no common column are rejected');
SELECT throws_ok($$SELECT migration.define_step('users_m', 't.src_users', 't.users_mapped', '{id}', 'id',
	key_mode => 'map', source => 'shop_a', source_key_column => 'legacy_id', depends_on => '{listings}')$$,
	'22023', NULL, 'a dependency cycle is rejected');
SELECT throws_ok($$SELECT migration.drop_step('users_m')$$, '2BP01', NULL,
	'a step others depend on cannot be dropped');
SELECT results_eq($$SELECT step, source, state FROM migration.progress ORDER BY step, source$$,
	$$VALUES ('listings', 'default', 'pending'), ('users', 'default', 'pending'),
	         ('users_m', 'shop_a', 'pending'), ('users_m', 'shop_b', 'pending')$$,
	'migration.progress lists every step and source');

SELECT * FROM finish();
ROLLBACK;

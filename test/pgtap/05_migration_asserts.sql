-- The pgTAP assertions about a migration (migration.step_completed, no_unresolved_failures,
-- verify_clean, row_counts_match, target_rows_traceable, tap_ok): each one passing and
-- failing, checked with pgTAP's check_test() (result, description and diagnostics), on
-- steps over local tables and the state rows a real run would have written.
BEGIN;
SELECT plan(129);

-- Nothing defined yet.
SELECT * FROM check_test(migration.step_completed('users'), false, 'step_completed without any step',
	'step users should be completed',
	'    no step is defined in this database (migration.define_step)');

-- tap_ok itself: pgTAP's ok() plus diagnostics only when the test fails.
SELECT * FROM check_test(migration.tap_ok(true, 'it passes', 'not shown'), true, 'tap_ok passing',
	'it passes', '');
SELECT * FROM check_test(migration.tap_ok(false, 'it fails', E'line one\nline two'), false, 'tap_ok failing',
	'it fails', E'line one\nline two');
SELECT * FROM check_test(migration.tap_ok(NULL, 'unknown', NULL), false, 'tap_ok with a NULL result',
	'unknown', '');

-- A small migration: users (map mode, one source) and tags (keep mode, two sources into one table).
CREATE SCHEMA t;
CREATE TABLE t.src_users (id int PRIMARY KEY, email text);
CREATE TABLE t.users (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, legacy_id int, email text);
CREATE TABLE t.src_tags (id int PRIMARY KEY, label text);
CREATE TABLE t.src_tags_eu (id int PRIMARY KEY, label text);
CREATE TABLE t.src_old_tags (id int PRIMARY KEY, label text);
CREATE TABLE t.tags (id int PRIMARY KEY, label text);
DO $$
BEGIN
	PERFORM migration.define_step('users', 't.src_users', 't.users', '{id}', 'id', key_mode => 'map',
		source_key_column => 'legacy_id');
	PERFORM migration.define_step('tags', 't.src_tags', 't.tags', '{id}', 'id');
	PERFORM migration.define_step('tags', 't.src_tags_eu', 't.tags', '{id}', 'id', source => 'eu');
END
$$;
INSERT INTO t.src_users VALUES (1, 'a@example.com'), (2, 'b@example.com'), (3, 'c@example.com');
INSERT INTO t.users (id, legacy_id, email) OVERRIDING SYSTEM VALUE
	VALUES (100, 1, 'a@example.com'), (101, 2, 'b@example.com'), (102, 3, 'c@example.com');
INSERT INTO migration.map_users (source, id, target_key) VALUES ('default', 1, 100), ('default', 2, 101), ('default', 3, 102);
INSERT INTO t.src_tags VALUES (1, 'red'), (2, 'green'), (3, 'blue');
INSERT INTO t.src_tags_eu VALUES (11, 'rot'), (12, 'grün');
INSERT INTO t.tags SELECT * FROM t.src_tags UNION ALL SELECT * FROM t.src_tags_eu;
INSERT INTO migration.map_tags (source, id, target_key)
	VALUES ('default', 1, 1), ('default', 2, 2), ('default', 3, 3), ('eu', 11, 11), ('eu', 12, 12);

-- The full run: tags completed, users interrupted by a lost connection.
INSERT INTO migration.run (mode, status, steps, finished_at, message)
	VALUES ('full', 'failed', '{users/default,tags/default,tags/eu}', now(), 'users: server closed the connection unexpectedly')
	RETURNING id AS run_full \gset
UPDATE migration.step_state SET state = 'completed', rows_done = 3, last_run_id = :run_full WHERE step = 'tags';
UPDATE migration.step_state SET state = 'in_progress', rows_done = 2, rows_failed = 1, last_run_id = :run_full
	WHERE step = 'users';

-- step_completed
SELECT * FROM check_test(migration.step_completed('tags'), true, 'step_completed, every source completed',
	'step tags should be completed', '');
SELECT * FROM check_test(migration.step_completed('tags', 'eu', description => 'EU tags are loaded'), true,
	'step_completed of one source, with a description', 'EU tags are loaded', '');
SELECT * FROM check_test(migration.step_completed('users'), false, 'step_completed, step in progress',
	'step users should be completed',
	format(E'    users [default]\n        have: in_progress (2 rows done, 1 failed; run %s failed: users: server closed the connection unexpectedly)\n        want: completed', :run_full));
SELECT * FROM check_test(migration.step_completed(NULL), false, 'step_completed of every step',
	'every step should be completed',
	format(E'    users [default]\n        have: in_progress (2 rows done, 1 failed; run %s failed: users: server closed the connection unexpectedly)\n        want: completed', :run_full));
SELECT * FROM check_test(migration.step_completed('nope'), false, 'step_completed of an unknown step',
	'step nope should be completed', '    step nope is not defined (defined steps: tags, users)');
SELECT * FROM check_test(migration.step_completed('users', 'users are migrated'), false,
	'step_completed with a description where the source goes',
	'step users [users are migrated] should be completed',
	E'    step users has no source "users are migrated" (its sources: default)\n    to give a description, name it: description => ''…''');
SELECT * FROM check_test(migration.step_completed('tags', 'us'), false, 'step_completed of an unknown source',
	'step tags [us] should be completed', '    step tags has no source "us" (its sources: default, eu)');
UPDATE migration.step_state SET state = 'pending', rows_done = 0, last_run_id = NULL WHERE step = 'tags' AND source = 'eu';
SELECT * FROM check_test(migration.step_completed('tags'), false, 'step_completed, one source still pending',
	'step tags should be completed', E'    tags [eu]\n        have: pending (0 rows done, 0 failed)\n        want: completed');
UPDATE migration.step_state SET state = 'completed', rows_done = 2 WHERE step = 'tags' AND source = 'eu';

-- no_unresolved_failures
INSERT INTO migration.failure (step, source, source_key, sqlstate, message, attempts)
	VALUES ('users', 'default', '["4"]', '23505', 'duplicate key value violates unique constraint "users_email_key"', 2);
INSERT INTO migration.failure (step, source, source_key, sqlstate, message, resolved_at)
	VALUES ('tags', 'default', '["9"]', '23514', 'new row violates check constraint "tags_label_check"', now());
SELECT * FROM check_test(migration.no_unresolved_failures('tags'), true,
	'no_unresolved_failures, only a resolved failure', 'step tags should have no unresolved failures', '');
SELECT * FROM check_test(migration.no_unresolved_failures(), false, 'no_unresolved_failures of every step',
	'every step should have no unresolved failures',
	E'    1 unresolved failure\n        users [default] ["4"]: 23505 duplicate key value violates unique constraint "users_email_key" (2 attempts)');
SELECT * FROM check_test(migration.no_unresolved_failures(source => 'eu'), true,
	'no_unresolved_failures of one source', 'every step of source eu should have no unresolved failures', '');
INSERT INTO migration.failure (step, source, source_key, sqlstate, message)
	SELECT 'tags', 'eu', jsonb_build_array(g::text), '22001', 'value too long for type character varying(10)'
	FROM generate_series(21, 32) g;
SELECT * FROM check_test(migration.no_unresolved_failures('tags', 'eu'), false,
	'no_unresolved_failures lists the first ten', 'step tags [eu] should have no unresolved failures',
	E'^    12 unresolved failures\n        tags \\[eu\\] \\["21"\\]: 22001 value too long for type character varying\\(10\\) \\(1 attempt\\)\n'
	|| E'(        tags \\[eu\\] [^\n]*\n){9}        and 2 more: SELECT \\* FROM migration.unresolved_failures$', true);
DELETE FROM migration.failure WHERE step = 'tags';

-- verify_clean
SELECT * FROM check_test(migration.verify_clean('users'), false, 'verify_clean, never verified',
	'step users should verify clean',
	'    users [default] was never verified (tributary run --mode verify --step users)');
INSERT INTO migration.run (mode, status, steps, finished_at)
	VALUES ('verify', 'succeeded', '{users/default,tags/default,tags/eu}', now()) RETURNING id AS run_v1 \gset
SELECT * FROM check_test(migration.verify_clean(), true, 'verify_clean, a clean verify of every step',
	'every step should verify clean', '');
-- A dry run leaves no trace in a real database; one recorded by hand is not a verify.
INSERT INTO migration.run (mode, dry_run, status, steps, finished_at)
	VALUES ('verify', true, 'succeeded', '{tags/default}', now()) RETURNING id AS run_dry \gset
INSERT INTO migration.mismatch (run_id, step, source, source_key, kind) VALUES (:run_dry, 'tags', 'default', '["1"]', 'missing');
SELECT * FROM check_test(migration.verify_clean('tags'), true, 'verify_clean ignores dry runs',
	'step tags should verify clean', '');
-- The last verify of tags [default] finds differences; one was repaired.
INSERT INTO migration.run (mode, status, steps, finished_at)
	VALUES ('verify', 'succeeded', '{tags/default}', now()) RETURNING id AS run_v2 \gset
INSERT INTO migration.mismatch (run_id, step, source, source_key, kind, known_failure, repaired_at) VALUES
	(:run_v2, 'tags', 'default', '["2"]', 'different', false, NULL),
	(:run_v2, 'tags', 'default', '["1"]', 'missing', false, now()),
	(:run_v2, 'tags', 'default', '["3"]', 'missing', true, NULL),
	(:run_v2, 'tags', 'default', '["7"]', 'extra', false, NULL);
SELECT * FROM check_test(migration.verify_clean('tags'), false, 'verify_clean, differences remain',
	'step tags should verify clean',
	format(E'    tags [default]: verify run %s found 3 differences (1 missing, 1 different, 1 extra)\n'
	       || E'        ["2"] different\n        ["3"] missing (known failure)\n        ["7"] extra', :run_v2));
SELECT * FROM check_test(migration.verify_clean('tags', 'eu'), true, 'verify_clean of the other source',
	'step tags [eu] should verify clean', '');
UPDATE migration.mismatch SET repaired_at = now() WHERE run_id = :run_v2;
SELECT * FROM check_test(migration.verify_clean('tags'), true, 'verify_clean once every difference is repaired',
	'step tags should verify clean', '');
INSERT INTO migration.run (mode, status, steps) VALUES ('verify', 'running', '{users/default}') RETURNING id AS run_v3 \gset
SELECT * FROM check_test(migration.verify_clean('users'), false, 'verify_clean, verify still running',
	'step users should verify clean', format('    users [default]: verify run %s has not finished', :run_v3));
UPDATE migration.run SET status = 'failed', finished_at = now(), message = 'users: canceling statement due to user request'
	WHERE id = :run_v3;
SELECT * FROM check_test(migration.verify_clean('users'), false, 'verify_clean, verify failed',
	'step users should verify clean',
	format('    users [default]: verify run %s ended failed: users: canceling statement due to user request', :run_v3));
INSERT INTO migration.run (mode, status, steps, finished_at)
	VALUES ('verify', 'succeeded', '{tags/eu}', now()) RETURNING id AS run_v4 \gset
INSERT INTO migration.mismatch (run_id, step, source, source_key, kind)
	SELECT :run_v4, 'tags', 'eu', jsonb_build_array(g::text), 'missing' FROM generate_series(101, 112) g;
SELECT * FROM check_test(migration.verify_clean(), false, 'verify_clean of every step, two failing',
	'every step should verify clean',
	format(E'^    tags \\[eu\\]: verify run %s found 12 differences \\(12 missing, 0 different, 0 extra\\)\n'
	       || E'        \\["101"\\] missing\n(        [^\n]* missing\n){9}'
	       || E'        and 2 more: SELECT \\* FROM migration.mismatch WHERE run_id = %s AND repaired_at IS NULL\n'
	       || E'    users \\[default\\]: verify run %s ended failed: [^\n]*$', :run_v4, :run_v4, :run_v3), true);
DELETE FROM migration.run WHERE id IN (:run_v3, :run_v4);

-- row_counts_match
SELECT * FROM check_test(migration.row_counts_match('users'), true, 'row_counts_match, equal counts',
	'step users should have as many target rows as source rows', '');
DELETE FROM t.users WHERE id = 101;	-- its id map entry stays behind
SELECT * FROM check_test(migration.row_counts_match('users'), false, 'row_counts_match, a target row gone',
	'step users should have as many target rows as source rows',
	E'    users [default]\n        have: 2 rows of t.users reachable through migration.map_users\n'
	|| E'        want: 3 rows of t.src_users\n'
	|| E'        1 unresolved failure of this step and source (migration.unresolved_failures)');
SELECT * FROM check_test(migration.row_counts_match('tags'), true, 'row_counts_match, two sources into one table',
	'step tags should have as many target rows as source rows', '');
INSERT INTO t.src_tags_eu VALUES (13, 'blau');
SELECT * FROM check_test(migration.row_counts_match('tags'), false, 'row_counts_match, a source row not migrated',
	'step tags should have as many target rows as source rows',
	E'    tags [eu]\n        have: 2 rows of t.tags reachable through migration.map_tags\n        want: 3 rows of t.src_tags_eu');
SELECT * FROM check_test(migration.row_counts_match('tags', 'default', 'tags of the main shop'), true,
	'row_counts_match of one source', 'tags of the main shop', '');
SELECT * FROM check_test(migration.row_counts_match(NULL), false, 'row_counts_match of every step',
	'every step should have as many target rows as source rows',
	E'    tags [eu]\n        have: 2 rows of t.tags reachable through migration.map_tags\n        want: 3 rows of t.src_tags_eu\n'
	|| E'    users [default]\n        have: 2 rows of t.users reachable through migration.map_users\n'
	|| E'        want: 3 rows of t.src_users\n'
	|| E'        1 unresolved failure of this step and source (migration.unresolved_failures)');

-- target_rows_traceable
SELECT * FROM check_test(migration.target_rows_traceable('tags'), true, 'target_rows_traceable, keep mode',
	'every row of t.tags should be traceable to its source key', '');
SELECT * FROM check_test(migration.target_rows_traceable('users'), true,
	'target_rows_traceable, map mode (a dangling id map entry is no untraceable row)',
	'every row of t.users should be traceable to its source key', '');
INSERT INTO t.tags VALUES (50, 'made by hand');
INSERT INTO t.users (id, legacy_id, email) OVERRIDING SYSTEM VALUE VALUES (103, NULL, 'new@example.com');
SELECT * FROM check_test(migration.target_rows_traceable('tags'), false, 'target_rows_traceable, a row made by hand',
	'every row of t.tags should be traceable to its source key',
	E'    t.tags: 1 of 6 rows have no entry in migration.map_tags\n        untraceable id: 50');
SELECT * FROM check_test(migration.target_rows_traceable('users', 'migrated users have a legacy'), false,
	'target_rows_traceable, map mode, with a description', 'migrated users have a legacy',
	E'    t.users: 1 of 3 rows have no entry in migration.map_users\n        untraceable id: 103');
INSERT INTO t.tags SELECT g, 'bulk ' || g FROM generate_series(200, 210) g;
SELECT * FROM check_test(migration.target_rows_traceable(NULL), false, 'target_rows_traceable of every step',
	'every target row should be traceable to its source key',
	E'    t.tags: 12 of 17 rows have no entry in migration.map_tags\n'
	|| E'        untraceable id: 50, 200, 201, 202, 203, 204, 205, 206, 207, 208 and 2 more\n'
	|| E'    t.users: 1 of 3 rows have no entry in migration.map_users\n        untraceable id: 103');
-- A second step loading into the same table: its id map traces those rows.
DO $$ BEGIN PERFORM migration.define_step('old_tags', 't.src_old_tags', 't.tags', '{id}', 'id'); END $$;
INSERT INTO migration.map_old_tags (source, id, target_key) SELECT 'default', g, g FROM generate_series(200, 210) g;
INSERT INTO migration.map_old_tags (source, id, target_key) VALUES ('default', 50, 50);
SELECT * FROM check_test(migration.target_rows_traceable('tags'), true,
	'target_rows_traceable, rows of another step loading the same table',
	'every row of t.tags should be traceable to its source key', '');
SELECT * FROM check_test(migration.target_rows_traceable('nope'), false, 'target_rows_traceable of an unknown step',
	'every row of the target of step nope should be traceable to its source key',
	'    step nope is not defined (defined steps: old_tags, tags, users)');

-- Everything in order: every assertion passes for every step.
UPDATE migration.step_state SET state = 'completed' WHERE step = 'users';
DELETE FROM migration.failure;
DELETE FROM t.users WHERE id = 103;
INSERT INTO t.users (id, legacy_id, email) OVERRIDING SYSTEM VALUE VALUES (101, 2, 'b@example.com');
DELETE FROM t.src_tags_eu WHERE id = 13;
DELETE FROM migration.run WHERE id = :run_v2;
UPDATE migration.step_state SET state = 'completed' WHERE step = 'old_tags';
INSERT INTO migration.run (mode, status, steps, finished_at)
	VALUES ('verify', 'succeeded', '{old_tags/default}', now());
SELECT * FROM check_test(migration.step_completed(NULL), true, 'all done: step_completed', 'every step should be completed', '');
SELECT * FROM check_test(migration.no_unresolved_failures(), true, 'all done: no_unresolved_failures',
	'every step should have no unresolved failures', '');
SELECT * FROM check_test(migration.verify_clean(), true, 'all done: verify_clean', 'every step should verify clean', '');
SELECT * FROM check_test(migration.target_rows_traceable(NULL), true, 'all done: target_rows_traceable',
	'every target row should be traceable to its source key', '');
-- A duplicate merged into a surviving row (step option dedup) is mapped to the survivor's target row.
INSERT INTO t.src_users VALUES (4, 'A@example.com');
INSERT INTO migration.map_users (source, id, target_key) VALUES ('default', 4, 100);
SELECT * FROM check_test(migration.row_counts_match('users'), true, 'all done: row_counts_match, with a merged duplicate',
	'step users should have as many target rows as source rows', '');

SELECT * FROM finish();
ROLLBACK;

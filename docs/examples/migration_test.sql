-- migration_test.sql — a DBA's pgTAP plan for a marketplace migration (users, then their
-- listings). Run it after the loader, like any pgTAP test:
--
--     tributary run && tributary run --mode verify
--     pg_prove -v -d shop docs/examples/migration_test.sql
--
-- The migration.* assertions look at what the loader recorded (steps, failures, verify
-- runs, id maps) and at the target tables; the last two tests are the DBA's own checks in
-- plain pgTAP. Needs CREATE EXTENSION pgtap in the database. test/integration/pgtap_example.sh
-- runs this file against a real migration, passing and failing.
BEGIN;
SELECT plan(12);

-- Every step has loaded every row it could, and nothing is left failing.
SELECT migration.step_completed('users');
SELECT migration.step_completed('listings');
SELECT migration.no_unresolved_failures();

-- The last `tributary run --mode verify` found no difference that is still there.
SELECT migration.verify_clean('users');
SELECT migration.verify_clean('listings');

-- Nothing lost: every source row reaches a target row through the id map.
SELECT migration.row_counts_match('users');
SELECT migration.row_counts_match('listings');

-- Nothing invented: every target row leads back to its source key.
SELECT migration.target_rows_traceable('users');
SELECT migration.target_rows_traceable('listings', 'every listing comes from the old shop');

-- The same, for every step at once (a plan that need not change when a step is added).
SELECT migration.step_completed(NULL, description => 'the whole migration has loaded');

-- The DBA's own checks on the migrated data.
SELECT is_empty($$SELECT id FROM users WHERE email IS NULL$$, 'every user has an email');
SELECT is((SELECT count(*) FROM listings l JOIN users u ON u.id = l.user_id), (SELECT count(*) FROM listings),
	'every listing belongs to a migrated user');

SELECT * FROM finish();
ROLLBACK;

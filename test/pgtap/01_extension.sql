-- The extension's SQL surface: what CREATE EXTENSION tributary must create.
BEGIN;
SELECT plan(12);

SELECT has_extension('tributary', 'the tributary extension is installed');
SELECT has_schema('migration', 'CREATE EXTENSION creates the migration schema');
SELECT is(
	(SELECT array_agg(fdwname ORDER BY fdwname)::text[] FROM pg_foreign_data_wrapper
	  WHERE fdwname LIKE 'tributary%'),
	ARRAY['tributary_mssql', 'tributary_mysql'],
	'both foreign data wrappers exist');
SELECT is(
	(SELECT fdwhandler::regproc::text FROM pg_foreign_data_wrapper WHERE fdwname = 'tributary_mysql'),
	'tributary_mysql_handler', 'tributary_mysql has its own handler');
SELECT is(
	(SELECT fdwvalidator::regproc::text FROM pg_foreign_data_wrapper WHERE fdwname = 'tributary_mssql'),
	'tributary_mssql_validator', 'tributary_mssql has its own validator');
SELECT function_returns('tributary_boundary_check', ARRAY['text'], 'integer');
SELECT is(tributary_boundary_check('ok'), 42, 'the boundary check runs C++ code and returns');
SELECT throws_ok($$SELECT tributary_boundary_check('pg_error')$$, '22P02', NULL,
	'a PostgreSQL error raised inside C++ code keeps its SQLSTATE');
SELECT throws_ok($$SELECT tributary_boundary_check('remote_error')$$, 'HV00R', NULL,
	'a missing remote table becomes fdw_table_not_found');
SELECT throws_ok($$SELECT tributary_boundary_check('bad_alloc')$$, '53200', 'out of memory',
	'std::bad_alloc becomes out of memory');
SELECT ok(NOT has_function_privilege('public', 'tributary_boundary_check(text)', 'EXECUTE'),
	'PUBLIC may not run the boundary check');

SELECT set_eq(
	$$SELECT c::regclass::text FROM pg_extension, unnest(extconfig) AS c WHERE extname = 'tributary'$$,
	$$SELECT c.oid::regclass::text FROM pg_class c JOIN pg_depend d ON d.classid = 'pg_class'::regclass
	  AND d.objid = c.oid AND d.deptype = 'e' AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'tributary')
	  WHERE c.relnamespace = 'migration'::regnamespace AND c.relkind IN ('r', 'S')$$,
	'pg_dump keeps every state table and sequence of the migration schema (all of the extension''s)');

SELECT * FROM finish();
ROLLBACK;

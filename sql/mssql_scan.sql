-- Scans of the TDS test server (the harness's, seeded from test/fixtures/tds/regress.sql).
\getenv tds_port TRIBUTARY_TDS_PORT
\getenv tds_user TRIBUTARY_TDS_USER
\getenv tds_password TRIBUTARY_TDS_PASSWORD
\getenv tds_db TRIBUTARY_TDS_DATABASE
CREATE SERVER ms FOREIGN DATA WRAPPER tributary_mssql OPTIONS (host '127.0.0.1', port :'tds_port', dbname :'tds_db');
CREATE USER MAPPING FOR CURRENT_USER SERVER ms OPTIONS (username :'tds_user', password :'tds_password');
CREATE SCHEMA ms_imported;
IMPORT FOREIGN SCHEMA dbo LIMIT TO (customers, branch_42) FROM SERVER ms INTO ms_imported;
\d ms_imported.customers
SET TimeZone = 'UTC';
SET DateStyle = 'ISO';
SELECT * FROM ms_imported.customers ORDER BY id;
SELECT * FROM ms_imported.branch_42 ORDER BY id;
SELECT id FROM ms_imported.customers WHERE email = 'bob@example.com';   -- SQL Server alone would also return 2
SELECT id FROM ms_imported.customers WHERE active AND branch = 7 ORDER BY id;
SELECT id FROM ms_imported.customers WHERE created_at > '2024-01-02 11:30:00.4' ORDER BY id;
SELECT count(*), min(id), max(created_at) FROM ms_imported.customers WHERE branch = 42;
SELECT count(*) + 1, min(id)::numeric::text, max(created_at)::text FROM ms_imported.customers WHERE branch = 42;
SELECT id, email FROM ms_imported.customers WHERE id > 1 ORDER BY id LIMIT 2;
CREATE FUNCTION ms_email_of(p_id int) RETURNS text LANGUAGE plpgsql AS $$
DECLARE r text;
BEGIN
	SELECT email INTO r FROM ms_imported.customers WHERE id = p_id;
	RETURN r;
END $$;
SET plan_cache_mode = force_generic_plan;
SELECT count(*) FILTER (WHERE ms_email_of(1 + i % 4) = (ARRAY['ada@example.com', 'Bob@Example.com',
	'cy@example.com', 'bob@example.com'])[1 + i % 4]) AS correct_calls
FROM generate_series(0, 19) AS i;
RESET plan_cache_mode;
-- errors keep the connection usable
CREATE FOREIGN TABLE ms_missing (id int) SERVER ms OPTIONS (schema_name 'dbo', table_name 'no_such');
SELECT * FROM ms_missing;
SELECT count(*) FROM ms_imported.customers;
DROP FUNCTION ms_email_of(int);
DROP FOREIGN TABLE ms_missing;
DROP SCHEMA ms_imported CASCADE;
DROP USER MAPPING FOR CURRENT_USER SERVER ms;
DROP SERVER ms;
RESET TimeZone;
RESET DateStyle;

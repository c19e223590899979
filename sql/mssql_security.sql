-- Who may connect to SQL Server, and that a cancelled remote query (statement_timeout,
-- while rows stream and while the server works before the first row) leaves the session
-- and its cached connection usable.
\getenv tds_port TRIBUTARY_TDS_PORT
\getenv tds_user TRIBUTARY_TDS_USER
\getenv tds_password TRIBUTARY_TDS_PASSWORD
\getenv tds_db TRIBUTARY_TDS_DATABASE
CREATE SERVER ms_sec FOREIGN DATA WRAPPER tributary_mssql OPTIONS (host '127.0.0.1', port :'tds_port', dbname :'tds_db');
CREATE USER MAPPING FOR CURRENT_USER SERVER ms_sec OPTIONS (username :'tds_user', password :'tds_password');
CREATE FOREIGN TABLE ms_sec_customers (id int, email text) SERVER ms_sec OPTIONS (schema_name 'dbo', table_name 'customers');
CREATE ROLE ms_sec_user;
GRANT USAGE ON FOREIGN SERVER ms_sec TO ms_sec_user;
GRANT SELECT ON ms_sec_customers TO ms_sec_user;
-- a non-superuser whose mapping has no password is refused before any connection
CREATE USER MAPPING FOR ms_sec_user SERVER ms_sec OPTIONS (username :'tds_user');
SET ROLE ms_sec_user;
SELECT count(*) FROM ms_sec_customers;
-- and cannot read anybody's mapping options
SELECT usename, umoptions FROM pg_user_mappings WHERE srvname = 'ms_sec' ORDER BY usename;
RESET ROLE;
-- a wrong password: SQL Server's login error, never the password
ALTER USER MAPPING FOR ms_sec_user SERVER ms_sec OPTIONS (ADD password 'not-the-password');
SET ROLE ms_sec_user;
\set VERBOSITY terse
SELECT count(*) FROM ms_sec_customers;
\set VERBOSITY default
RESET ROLE;
-- with the right password it works
ALTER USER MAPPING FOR ms_sec_user SERVER ms_sec OPTIONS (SET password :'tds_password');
SET ROLE ms_sec_user;
SELECT count(*) FROM ms_sec_customers;
RESET ROLE;

-- statement_timeout while 10 million rows stream (the cursor's read-ahead thread is
-- running), then while the server works before its first row; the cached connection
-- serves the next queries
CREATE FOREIGN TABLE ms_sec_many (n bigint) SERVER ms_sec OPTIONS (query
	'SELECT a.d + 10 * b.d + 100 * c.d + 1000 * e.d + 10000 * f.d + 100000 * g.d + 1000000 * h.d AS n
	 FROM dbo.digits a CROSS JOIN dbo.digits b CROSS JOIN dbo.digits c CROSS JOIN dbo.digits e
	 CROSS JOIN dbo.digits f CROSS JOIN dbo.digits g CROSS JOIN dbo.digits h');
CREATE FOREIGN TABLE ms_sec_slow (n bigint) SERVER ms_sec OPTIONS (query
	'SELECT COUNT_BIG(*) AS n FROM dbo.digits a CROSS JOIN dbo.digits b CROSS JOIN dbo.digits c
	 CROSS JOIN dbo.digits e CROSS JOIN dbo.digits f CROSS JOIN dbo.digits g CROSS JOIN dbo.digits h
	 CROSS JOIN dbo.digits k CROSS JOIN dbo.digits l');
SET statement_timeout = '500ms';
SELECT sum(n) FROM ms_sec_many;
SELECT * FROM ms_sec_slow;
RESET statement_timeout;
SELECT count(*) FROM ms_sec_customers;
SELECT count(*) FROM ms_sec_many WHERE n < 5000;
BEGIN;
SELECT count(*) FROM ms_sec_customers;
SELECT count(*) FROM ms_sec_customers WHERE id > 2;
COMMIT;

DROP FOREIGN TABLE ms_sec_customers, ms_sec_many, ms_sec_slow;
DROP USER MAPPING FOR ms_sec_user SERVER ms_sec;
DROP USER MAPPING FOR CURRENT_USER SERVER ms_sec;
REVOKE USAGE ON FOREIGN SERVER ms_sec FROM ms_sec_user;
DROP ROLE ms_sec_user;
DROP SERVER ms_sec;

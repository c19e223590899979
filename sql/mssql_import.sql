-- IMPORT FOREIGN SCHEMA from the TDS test server: LIMIT TO / EXCEPT, views, options, mistakes.
\getenv tds_port TRIBUTARY_TDS_PORT
\getenv tds_user TRIBUTARY_TDS_USER
\getenv tds_password TRIBUTARY_TDS_PASSWORD
\getenv tds_db TRIBUTARY_TDS_DATABASE
CREATE SERVER ms_imp FOREIGN DATA WRAPPER tributary_mssql OPTIONS (host '127.0.0.1', port :'tds_port', dbname :'tds_db');
CREATE USER MAPPING FOR CURRENT_USER SERVER ms_imp OPTIONS (username :'tds_user', password :'tds_password');
CREATE SCHEMA ms_imp1;
IMPORT FOREIGN SCHEMA dbo LIMIT TO (customers, branch_42) FROM SERVER ms_imp INTO ms_imp1;
SELECT foreign_table_name FROM information_schema.foreign_tables
WHERE foreign_table_schema = 'ms_imp1' ORDER BY 1;
\d ms_imp1.branch_42
-- EXCEPT
CREATE SCHEMA ms_imp2;
IMPORT FOREIGN SCHEMA dbo EXCEPT (customers, all_types) FROM SERVER ms_imp INTO ms_imp2;
SELECT foreign_table_name FROM information_schema.foreign_tables
WHERE foreign_table_schema = 'ms_imp2' ORDER BY 1;
-- import_not_null 'false': no NOT NULL constraints
CREATE SCHEMA ms_imp3;
IMPORT FOREIGN SCHEMA dbo LIMIT TO (customers) FROM SERVER ms_imp INTO ms_imp3
	OPTIONS (import_not_null 'false');
SELECT column_name, is_nullable FROM information_schema.columns
WHERE table_schema = 'ms_imp3' AND column_name IN ('id', 'name') ORDER BY 1;
-- mistakes are reported, not skipped
IMPORT FOREIGN SCHEMA dbo LIMIT TO (no_such) FROM SERVER ms_imp INTO ms_imp3;
IMPORT FOREIGN SCHEMA dbo FROM SERVER ms_imp INTO ms_imp3 OPTIONS (import_not_nul 'false');
IMPORT FOREIGN SCHEMA dbo FROM SERVER ms_imp INTO ms_imp3 OPTIONS (import_not_null 'maybe');
IMPORT FOREIGN SCHEMA no_such_schema FROM SERVER ms_imp INTO ms_imp3;
DROP SCHEMA ms_imp1, ms_imp2, ms_imp3 CASCADE;
DROP USER MAPPING FOR CURRENT_USER SERVER ms_imp;
DROP SERVER ms_imp;

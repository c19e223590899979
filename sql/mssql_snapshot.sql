-- The isolation_level option: one remote transaction per local one where the level needs
-- it, and SNAPSHOT refused where the database does not allow it (the TDS test server's
-- database has snapshot isolation OFF, as SQL Server's default).
\getenv tds_port TRIBUTARY_TDS_PORT
\getenv tds_user TRIBUTARY_TDS_USER
\getenv tds_password TRIBUTARY_TDS_PASSWORD
\getenv tds_db TRIBUTARY_TDS_DATABASE
CREATE SERVER ms_snap FOREIGN DATA WRAPPER tributary_mssql
	OPTIONS (host '127.0.0.1', port :'tds_port', dbname :'tds_db', isolation_level 'snapshot');
CREATE SERVER ms_rr FOREIGN DATA WRAPPER tributary_mssql
	OPTIONS (host '127.0.0.1', port :'tds_port', dbname :'tds_db', isolation_level 'repeatable_read');
CREATE SERVER ms_auto FOREIGN DATA WRAPPER tributary_mssql
	OPTIONS (host '127.0.0.1', port :'tds_port', dbname :'tds_db');
CREATE USER MAPPING FOR CURRENT_USER SERVER ms_snap OPTIONS (username :'tds_user', password :'tds_password');
CREATE USER MAPPING FOR CURRENT_USER SERVER ms_rr OPTIONS (username :'tds_user', password :'tds_password');
CREATE USER MAPPING FOR CURRENT_USER SERVER ms_auto OPTIONS (username :'tds_user', password :'tds_password');
CREATE FOREIGN TABLE ms_snap_level (trancount int, isolation int) SERVER ms_snap
	OPTIONS (query 'SELECT @@TRANCOUNT AS trancount, 0 AS isolation');
CREATE FOREIGN TABLE ms_rr_level (trancount int) SERVER ms_rr
	OPTIONS (query 'SELECT @@TRANCOUNT AS trancount');
CREATE FOREIGN TABLE ms_auto_level (trancount int) SERVER ms_auto
	OPTIONS (query 'SELECT @@TRANCOUNT AS trancount');
-- snapshot where the database has it OFF: an error that says so
SELECT * FROM ms_snap_level;
-- repeatable_read: every scan of a local transaction runs in one remote transaction
BEGIN;
SELECT trancount FROM ms_rr_level;
SELECT trancount FROM ms_rr_level;
COMMIT;
-- ... which ends with it: the next local transaction starts a new one
SELECT trancount FROM ms_rr_level;
BEGIN;
SELECT trancount FROM ms_rr_level;
ROLLBACK;
-- auto on a database without snapshot isolation: READ COMMITTED, no remote transaction
BEGIN;
SELECT trancount FROM ms_auto_level;
COMMIT;
DROP FOREIGN TABLE ms_snap_level, ms_rr_level, ms_auto_level;
DROP USER MAPPING FOR CURRENT_USER SERVER ms_snap;
DROP USER MAPPING FOR CURRENT_USER SERVER ms_rr;
DROP USER MAPPING FOR CURRENT_USER SERVER ms_auto;
DROP SERVER ms_snap, ms_rr, ms_auto;

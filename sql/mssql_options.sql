-- Options of tributary_mssql: checked at CREATE/ALTER time, with hints.
CREATE SERVER ms_opt FOREIGN DATA WRAPPER tributary_mssql
	OPTIONS (host '127.0.0.1', port '1433', dbname 'crm', tds_version '7.4', client_charset 'UTF-8',
	         connect_timeout '5', query_timeout '30', app_name 'nightly load', encryption 'off',
	         isolation_level 'snapshot', fetch_size '5000');
-- unknown option: closest match and the valid list
CREATE SERVER ms_bad FOREIGN DATA WRAPPER tributary_mssql OPTIONS (tds_verison '7.4');
-- an option that belongs elsewhere
CREATE SERVER ms_bad FOREIGN DATA WRAPPER tributary_mssql OPTIONS (username 'sa');
-- malformed values
CREATE SERVER ms_bad FOREIGN DATA WRAPPER tributary_mssql OPTIONS (tds_version '8.0');
CREATE SERVER ms_bad FOREIGN DATA WRAPPER tributary_mssql OPTIONS (client_charset 'CP1252');
CREATE SERVER ms_bad FOREIGN DATA WRAPPER tributary_mssql OPTIONS (encryption 'maybe');
CREATE SERVER ms_bad FOREIGN DATA WRAPPER tributary_mssql OPTIONS (isolation_level 'serializable');
CREATE SERVER ms_bad FOREIGN DATA WRAPPER tributary_mssql OPTIONS (query_timeout '-1');
CREATE SERVER ms_bad FOREIGN DATA WRAPPER tributary_mssql OPTIONS (port '0');
CREATE SERVER ms_bad FOREIGN DATA WRAPPER tributary_mssql OPTIONS (fetch_size '0');
-- MySQL options are not SQL Server options
CREATE SERVER ms_bad FOREIGN DATA WRAPPER tributary_mssql OPTIONS (ssl_mode 'required');
-- ALTER is validated too
ALTER SERVER ms_opt OPTIONS (SET tds_version '4.2');
ALTER SERVER ms_opt OPTIONS (SET isolation_level 'read_committed');

-- user mappings: username, password, password_required (superuser-only to disable)
CREATE USER MAPPING FOR CURRENT_USER SERVER ms_opt OPTIONS (username 'u', password 'secret');
CREATE USER MAPPING FOR PUBLIC SERVER ms_opt OPTIONS (user 'u');
CREATE ROLE ms_opt_plain_user;
GRANT USAGE ON FOREIGN SERVER ms_opt TO ms_opt_plain_user;
SET ROLE ms_opt_plain_user;
CREATE USER MAPPING FOR ms_opt_plain_user SERVER ms_opt OPTIONS (username 'u', password_required 'false');
RESET ROLE;
ALTER USER MAPPING FOR CURRENT_USER SERVER ms_opt OPTIONS (ADD tds_version '7.4');

-- tables: schema_name/table_name or query; columns: column_name, mssql_type
CREATE FOREIGN TABLE ms_opt_ft (id int OPTIONS (column_name 'ID', mssql_type 'int'), v text OPTIONS (mssql_type 'sql_variant'))
	SERVER ms_opt OPTIONS (schema_name 'sales', table_name 'orders');
CREATE FOREIGN TABLE ms_opt_bad (id int) SERVER ms_opt OPTIONS (table_name 't', query 'SELECT 1 AS id');
CREATE FOREIGN TABLE ms_opt_bad (id int OPTIONS (mysql_type 'int')) SERVER ms_opt;
CREATE FOREIGN TABLE ms_opt_bad (id int) SERVER ms_opt OPTIONS (dbname_ 'x');

-- read-only
INSERT INTO ms_opt_ft VALUES (1, NULL);
UPDATE ms_opt_ft SET id = 2;
DELETE FROM ms_opt_ft;

DROP FOREIGN TABLE ms_opt_ft;
DROP USER MAPPING FOR CURRENT_USER SERVER ms_opt;
REVOKE USAGE ON FOREIGN SERVER ms_opt FROM ms_opt_plain_user;
DROP ROLE ms_opt_plain_user;
DROP SERVER ms_opt;

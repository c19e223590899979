-- Options of tributary_mysql: checked at CREATE/ALTER time, with hints.
CREATE SERVER opt_srv FOREIGN DATA WRAPPER tributary_mysql
	OPTIONS (host '127.0.0.1', port '3306', dbname 'shop', character_set 'utf8mb4',
	         connect_timeout '5', read_timeout '30', fetch_size '5000', ssl_mode 'preferred');
-- unknown option: closest match and the valid list
CREATE SERVER opt_bad FOREIGN DATA WRAPPER tributary_mysql OPTIONS (hots '127.0.0.1');
-- an option that belongs elsewhere
CREATE SERVER opt_bad FOREIGN DATA WRAPPER tributary_mysql OPTIONS (password 'x');
-- malformed values
CREATE SERVER opt_bad FOREIGN DATA WRAPPER tributary_mysql OPTIONS (port '70000');
CREATE SERVER opt_bad FOREIGN DATA WRAPPER tributary_mysql OPTIONS (port 'abc');
CREATE SERVER opt_bad FOREIGN DATA WRAPPER tributary_mysql OPTIONS (fetch_size '0');
CREATE SERVER opt_bad FOREIGN DATA WRAPPER tributary_mysql OPTIONS (ssl_mode 'sometimes');
CREATE SERVER opt_bad FOREIGN DATA WRAPPER tributary_mysql OPTIONS (character_set 'utf8; DROP');
CREATE SERVER opt_bad FOREIGN DATA WRAPPER tributary_mysql OPTIONS (use_remote_estimate 'maybe');
-- SQL Server options are not MySQL options
CREATE SERVER opt_bad FOREIGN DATA WRAPPER tributary_mysql OPTIONS (tds_version '7.4');
-- ALTER is validated too
ALTER SERVER opt_srv OPTIONS (SET port '0');
ALTER SERVER opt_srv OPTIONS (SET read_timeout '-1');
-- the wrapper itself takes no options
ALTER FOREIGN DATA WRAPPER tributary_mysql OPTIONS (host 'x');

-- user mappings: username, password, password_required (superuser-only to disable)
CREATE USER MAPPING FOR CURRENT_USER SERVER opt_srv OPTIONS (username 'u', password 'secret');
CREATE USER MAPPING FOR PUBLIC SERVER opt_srv OPTIONS (user 'u');
CREATE ROLE opt_plain_user;
GRANT USAGE ON FOREIGN SERVER opt_srv TO opt_plain_user;
SET ROLE opt_plain_user;
CREATE USER MAPPING FOR opt_plain_user SERVER opt_srv OPTIONS (username 'u', password_required 'false');
RESET ROLE;
-- connection options belong to the server
ALTER USER MAPPING FOR CURRENT_USER SERVER opt_srv OPTIONS (ADD port '1');

-- tables: dbname/table_name or query, not both; columns: column_name, zero_dates
CREATE FOREIGN TABLE opt_ft (id int OPTIONS (column_name 'ID'), d date OPTIONS (zero_dates 'null'))
	SERVER opt_srv OPTIONS (dbname 'shop', table_name 'users');
CREATE FOREIGN TABLE opt_bad_ft (id int) SERVER opt_srv OPTIONS (table_name 't', query 'SELECT 1');
CREATE FOREIGN TABLE opt_bad_ft (id int OPTIONS (colum_name 'x')) SERVER opt_srv;
CREATE FOREIGN TABLE opt_bad_ft (d date OPTIONS (zero_dates 'zero')) SERVER opt_srv;
CREATE FOREIGN TABLE opt_bad_ft (id int) SERVER opt_srv OPTIONS (host 'x');

-- read-only
INSERT INTO opt_ft VALUES (1, NULL);
UPDATE opt_ft SET id = 2;
DELETE FROM opt_ft;

DROP FOREIGN TABLE opt_ft;
DROP USER MAPPING FOR CURRENT_USER SERVER opt_srv;
REVOKE USAGE ON FOREIGN SERVER opt_srv FROM opt_plain_user;
DROP ROLE opt_plain_user;
DROP SERVER opt_srv;

-- Who may connect, what they may see, and that a cancelled remote query leaves the
-- session and its cached connection usable.
\getenv mysql_port TRIBUTARY_MYSQL_PORT
\getenv mysql_user TRIBUTARY_MYSQL_USER
\getenv mysql_password TRIBUTARY_MYSQL_PASSWORD
CREATE SERVER sec FOREIGN DATA WRAPPER tributary_mysql OPTIONS (host '127.0.0.1', port :'mysql_port', dbname 'regress');
CREATE USER MAPPING FOR CURRENT_USER SERVER sec OPTIONS (username :'mysql_user', password :'mysql_password');
CREATE FOREIGN TABLE sec_users (id int, email text) SERVER sec OPTIONS (table_name 'users');
CREATE ROLE regress_sec_user;
GRANT USAGE ON FOREIGN SERVER sec TO regress_sec_user;
GRANT SELECT ON sec_users TO regress_sec_user;
-- a non-superuser whose mapping has no password is refused before any connection
CREATE USER MAPPING FOR regress_sec_user SERVER sec OPTIONS (username :'mysql_user');
SET ROLE regress_sec_user;
SELECT count(*) FROM sec_users;
-- and cannot read anybody's mapping options
SELECT usename, umoptions FROM pg_user_mappings WHERE srvname = 'sec' ORDER BY usename;
RESET ROLE;
-- a superuser may waive the rule; the source then decides (and refuses)
ALTER USER MAPPING FOR regress_sec_user SERVER sec OPTIONS (ADD password_required 'false');
SET ROLE regress_sec_user;
SELECT count(*) FROM sec_users;
RESET ROLE;
-- with a password of its own it works
ALTER USER MAPPING FOR regress_sec_user SERVER sec OPTIONS (ADD password :'mysql_password');
SET ROLE regress_sec_user;
SELECT count(*) FROM sec_users;
RESET ROLE;

-- statement_timeout cancels a slow remote query; the next query on the same cached
-- connection works
CREATE FOREIGN TABLE sec_slow (s int) SERVER sec OPTIONS (query 'SELECT SLEEP(3) AS s');
SET statement_timeout = '300ms';
SELECT * FROM sec_slow;
RESET statement_timeout;
SELECT count(*) FROM sec_users;
BEGIN;
SELECT count(*) FROM sec_users;
SELECT count(*) FROM sec_users WHERE id > 2;
COMMIT;

DROP FOREIGN TABLE sec_users, sec_slow;
DROP USER MAPPING FOR regress_sec_user SERVER sec;
DROP USER MAPPING FOR CURRENT_USER SERVER sec;
REVOKE USAGE ON FOREIGN SERVER sec FROM regress_sec_user;
DROP ROLE regress_sec_user;
DROP SERVER sec;

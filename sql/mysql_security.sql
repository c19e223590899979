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

-- statement_timeout cancels a slow remote query at once (KILL QUERY on a side
-- connection), not when the remote SLEEP(10) ends; the cached connection stays usable
CREATE FOREIGN TABLE sec_slow (s int) SERVER sec OPTIONS (query 'SELECT SLEEP(10) AS s');
CREATE TEMP TABLE started (at timestamptz);
INSERT INTO started SELECT clock_timestamp();
SET statement_timeout = '300ms';
SELECT * FROM sec_slow;
RESET statement_timeout;
SELECT clock_timestamp() - at < interval '3 s' AS returned_promptly FROM started;
SELECT count(*) FROM sec_users;
-- the same for pg_cancel_backend() from another session, inside a transaction
\! (for i in $(seq 1 100); do sleep 0.1; n=$(psql -X -At -d postgres -c "SELECT count(pg_cancel_backend(pid)) FROM pg_stat_activity WHERE state = 'active' AND query LIKE 'SELECT s AS cancel_me%' AND pid <> pg_backend_pid()" 2>/dev/null); [ "$n" = 1 ] && break; done) >/dev/null 2>&1 &
UPDATE started SET at = clock_timestamp();
BEGIN;
SELECT s AS cancel_me FROM sec_slow;
ROLLBACK;
SELECT clock_timestamp() - at < interval '3 s' AS returned_promptly FROM started;
SELECT count(*) FROM sec_users;
BEGIN;
SELECT count(*) FROM sec_users;
SELECT count(*) FROM sec_users WHERE id > 2;
COMMIT;

-- TLS with the harness's throwaway CA; the server's certificate names only localhost
\getenv ssl_ca TRIBUTARY_MYSQL_SSL_CA
\getenv other_ca TRIBUTARY_MYSQL_SSL_OTHER_CA
CREATE SERVER sec_tls FOREIGN DATA WRAPPER tributary_mysql OPTIONS (host 'localhost',
	port :'mysql_port', ssl_mode 'verify_identity', ssl_ca :'ssl_ca');
CREATE USER MAPPING FOR CURRENT_USER SERVER sec_tls
	OPTIONS (username :'mysql_user', password :'mysql_password');
CREATE FOREIGN TABLE sec_cipher (encrypted boolean) SERVER sec_tls OPTIONS (query
	'SELECT VARIABLE_VALUE <> '''' AS encrypted FROM information_schema.SESSION_STATUS WHERE VARIABLE_NAME = ''Ssl_cipher''');
SELECT * FROM sec_cipher;
-- refused: a host name the certificate does not list
ALTER SERVER sec_tls OPTIONS (SET host '127.0.0.1');
SELECT * FROM sec_cipher;
-- refused: a certificate of another CA
ALTER SERVER sec_tls OPTIONS (SET host 'localhost', SET ssl_ca :'other_ca');
SELECT * FROM sec_cipher;
-- verify_ca checks the chain, not the name
ALTER SERVER sec_tls OPTIONS (SET host '127.0.0.1', SET ssl_ca :'ssl_ca', SET ssl_mode 'verify_ca');
SELECT * FROM sec_cipher;
-- a verify mode without a CA file would verify nothing: refused when it is set
ALTER SERVER sec_tls OPTIONS (DROP ssl_ca);
ALTER SERVER sec_tls OPTIONS (SET ssl_mode 'required', DROP ssl_ca);
SELECT * FROM sec_cipher;
ALTER SERVER sec_tls OPTIONS (SET ssl_mode 'disabled');
SELECT * FROM sec_cipher;
DROP FOREIGN TABLE sec_cipher;
DROP USER MAPPING FOR CURRENT_USER SERVER sec_tls;
DROP SERVER sec_tls;

DROP FOREIGN TABLE sec_users, sec_slow;
DROP USER MAPPING FOR regress_sec_user SERVER sec;
DROP USER MAPPING FOR CURRENT_USER SERVER sec;
REVOKE USAGE ON FOREIGN SERVER sec FROM regress_sec_user;
DROP ROLE regress_sec_user;
DROP SERVER sec;

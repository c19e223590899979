-- One remote snapshot per PostgreSQL transaction: every scan of a transaction reads
-- MariaDB as of the transaction's first remote access while a concurrent writer commits
-- (separate statements, one join, a nested loop driven by key, an open cursor).
-- The writer is the mariadb client, run through psql's \!.
\getenv mysql_port TRIBUTARY_MYSQL_PORT
\getenv mysql_user TRIBUTARY_MYSQL_USER
\getenv mysql_password TRIBUTARY_MYSQL_PASSWORD
\! MYSQL_PWD="$TRIBUTARY_MYSQL_PASSWORD" mariadb --no-defaults -h 127.0.0.1 -P "$TRIBUTARY_MYSQL_PORT" -u "$TRIBUTARY_MYSQL_USER" regress -e "DROP TABLE IF EXISTS snap_a, snap_b; CREATE TABLE snap_a (id INT PRIMARY KEY) ENGINE=InnoDB; CREATE TABLE snap_b (id INT PRIMARY KEY, a_id INT, KEY (a_id)) ENGINE=InnoDB; INSERT INTO snap_a VALUES (1), (2); INSERT INTO snap_b VALUES (10, 1), (20, 2)"
CREATE SERVER snap FOREIGN DATA WRAPPER tributary_mysql
	OPTIONS (host '127.0.0.1', port :'mysql_port', dbname 'regress');
CREATE USER MAPPING FOR CURRENT_USER SERVER snap
	OPTIONS (username :'mysql_user', password :'mysql_password');
CREATE FOREIGN TABLE snap_a (id int NOT NULL) SERVER snap OPTIONS (table_name 'snap_a');
CREATE FOREIGN TABLE snap_b (id int NOT NULL, a_id int) SERVER snap OPTIONS (table_name 'snap_b');

BEGIN;
SELECT count(*) FROM snap_a;
\! MYSQL_PWD="$TRIBUTARY_MYSQL_PASSWORD" mariadb --no-defaults -h 127.0.0.1 -P "$TRIBUTARY_MYSQL_PORT" -u "$TRIBUTARY_MYSQL_USER" regress -e "INSERT INTO snap_a VALUES (3); INSERT INTO snap_b VALUES (30, 3)"
-- the writer has committed: this transaction still sees neither row
SELECT count(*) FROM snap_b;
SELECT id FROM snap_a ORDER BY id;
-- one statement reading both tables (one connection: the first scan spools its rest)
SELECT a.id, b.id AS b_id FROM snap_a a JOIN snap_b b ON b.a_id = a.id ORDER BY a.id;
SELECT (SELECT count(*) FROM snap_a) AS a_rows, (SELECT count(*) FROM snap_b) AS b_rows;
-- a nested loop sending each outer key to the source
SET enable_hashjoin = off;
SET enable_mergejoin = off;
SET enable_material = off;
ALTER SERVER snap OPTIONS (ADD fdw_startup_cost '1');
EXPLAIN (VERBOSE, COSTS OFF) SELECT a.id, b.id AS b_id FROM snap_a a JOIN snap_b b ON b.a_id = a.id;
SELECT a.id, b.id AS b_id FROM snap_a a JOIN snap_b b ON b.a_id = a.id ORDER BY a.id;
RESET enable_hashjoin;
RESET enable_mergejoin;
RESET enable_material;
COMMIT;
ALTER SERVER snap OPTIONS (DROP fdw_startup_cost);
-- the next transaction takes a new snapshot
SELECT count(*) FROM snap_a;

-- a cursor streaming snap_a while another statement of the transaction reads snap_b
BEGIN;
DECLARE c CURSOR FOR SELECT id FROM snap_a ORDER BY id;
FETCH 1 FROM c;
\! MYSQL_PWD="$TRIBUTARY_MYSQL_PASSWORD" mariadb --no-defaults -h 127.0.0.1 -P "$TRIBUTARY_MYSQL_PORT" -u "$TRIBUTARY_MYSQL_USER" regress -e "INSERT INTO snap_a VALUES (4); INSERT INTO snap_b VALUES (40, 4)"
SELECT count(*) FROM snap_b;
FETCH ALL FROM c;
CLOSE c;
COMMIT;

-- a spool larger than work_mem goes to a temporary file and is read back while the join
-- resets its own memory between rows
\! MYSQL_PWD="$TRIBUTARY_MYSQL_PASSWORD" mariadb --no-defaults -h 127.0.0.1 -P "$TRIBUTARY_MYSQL_PORT" -u "$TRIBUTARY_MYSQL_USER" regress -e "DROP TABLE IF EXISTS snap_big; CREATE TABLE snap_big (id INT PRIMARY KEY, pad VARCHAR(200)) SELECT seq AS id, REPEAT('x', 100 + seq % 50) AS pad FROM seq_1_to_5000"
CREATE FOREIGN TABLE snap_big (id int, pad text) SERVER snap OPTIONS (table_name 'snap_big');
SET work_mem = '64kB';
SET enable_mergejoin = off;
SET enable_nestloop = off;
EXPLAIN (COSTS OFF) SELECT count(*), sum(length(x.pad)), sum(length(y.pad)) FROM snap_big x JOIN snap_big y ON y.id = x.id;
SELECT count(*), sum(length(x.pad)), sum(length(y.pad)) FROM snap_big x JOIN snap_big y ON y.id = x.id;
RESET work_mem;
RESET enable_mergejoin;
RESET enable_nestloop;
DROP FOREIGN TABLE snap_big;

-- isolation_level 'read_committed': no snapshot, each statement sees the latest data
ALTER SERVER snap OPTIONS (ADD isolation_level 'read_committed');
BEGIN;
SELECT count(*) FROM snap_a;
\! MYSQL_PWD="$TRIBUTARY_MYSQL_PASSWORD" mariadb --no-defaults -h 127.0.0.1 -P "$TRIBUTARY_MYSQL_PORT" -u "$TRIBUTARY_MYSQL_USER" regress -e "INSERT INTO snap_a VALUES (5)"
SELECT count(*) FROM snap_a;
COMMIT;

DROP FOREIGN TABLE snap_a, snap_b;
DROP USER MAPPING FOR CURRENT_USER SERVER snap;
DROP SERVER snap;
\! MYSQL_PWD="$TRIBUTARY_MYSQL_PASSWORD" mariadb --no-defaults -h 127.0.0.1 -P "$TRIBUTARY_MYSQL_PORT" -u "$TRIBUTARY_MYSQL_USER" regress -e "DROP TABLE snap_a, snap_b, snap_big"

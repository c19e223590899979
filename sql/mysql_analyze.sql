-- ANALYZE on a foreign table: a small table is read whole, a large one is sampled by the
-- source (WHERE RAND() < f), and the planner then estimates rows from the statistics.
\getenv mysql_port TRIBUTARY_MYSQL_PORT
\getenv mysql_user TRIBUTARY_MYSQL_USER
\getenv mysql_password TRIBUTARY_MYSQL_PASSWORD
\! MYSQL_PWD="$TRIBUTARY_MYSQL_PASSWORD" mariadb --no-defaults -h 127.0.0.1 -P "$TRIBUTARY_MYSQL_PORT" -u "$TRIBUTARY_MYSQL_USER" regress -e "DROP TABLE IF EXISTS an_small, an_big; CREATE TABLE an_small (id INT PRIMARY KEY, grp INT, name VARCHAR(20)) SELECT seq AS id, seq % 5 AS grp, CONCAT('n', seq % 3) AS name FROM seq_1_to_1000; CREATE TABLE an_big (id INT PRIMARY KEY, grp INT) SELECT seq AS id, seq % 100 AS grp FROM seq_1_to_200000; ANALYZE TABLE an_small, an_big" >/dev/null
CREATE SERVER an FOREIGN DATA WRAPPER tributary_mysql
	OPTIONS (host '127.0.0.1', port :'mysql_port', dbname 'regress');
CREATE USER MAPPING FOR CURRENT_USER SERVER an
	OPTIONS (username :'mysql_user', password :'mysql_password');
CREATE FOREIGN TABLE an_small (id int, grp int, name text) SERVER an OPTIONS (table_name 'an_small');
CREATE FOREIGN TABLE an_big (id int, grp int) SERVER an OPTIONS (table_name 'an_big');
CREATE FOREIGN TABLE an_query (id int, grp int) SERVER an
	OPTIONS (query 'SELECT id, grp FROM an_small WHERE id <= 300');
-- the planner's estimate of a plan's rows
CREATE FUNCTION plan_rows(q text) RETURNS int LANGUAGE plpgsql AS $$
DECLARE plan json;
BEGIN
	EXECUTE 'EXPLAIN (FORMAT JSON) ' || q INTO plan;
	RETURN (plan -> 0 -> 'Plan' ->> 'Plan Rows')::int;
END $$;

-- before ANALYZE: no statistics, a default guess
SELECT reltuples FROM pg_class WHERE relname = 'an_small';
SELECT plan_rows('SELECT * FROM an_small WHERE grp = 3') AS guessed;
-- a small table: every row read, exact statistics
ANALYZE an_small;
SELECT reltuples FROM pg_class WHERE relname = 'an_small';
SELECT attname, null_frac, n_distinct FROM pg_stats WHERE tablename = 'an_small' ORDER BY attname;
SELECT plan_rows('SELECT * FROM an_small WHERE grp = 3') AS grp_3,
	plan_rows('SELECT * FROM an_small WHERE id <= 100') AS first_100,
	plan_rows('SELECT * FROM an_small WHERE name = ''n1''') AS name_n1;
-- a remote query: read whole (the source has no statistics for it)
SET client_min_messages = info;
ANALYZE VERBOSE an_query;
RESET client_min_messages;
SELECT reltuples FROM pg_class WHERE relname = 'an_query';
-- a large table: the source sends a sample of about 1.25 x 30000 rows
ANALYZE an_big;
SELECT reltuples BETWEEN 190000 AND 210000 AS about_200000 FROM pg_class WHERE relname = 'an_big';
SELECT n_distinct FROM pg_stats WHERE tablename = 'an_big' AND attname = 'grp';
SELECT plan_rows('SELECT * FROM an_big WHERE grp = 7') BETWEEN 1700 AND 2300 AS about_2000;
-- the estimates shape the join: the small filtered side becomes the hash table
SET enable_mergejoin = off;
EXPLAIN (COSTS OFF) SELECT * FROM an_big b JOIN an_small s ON s.id = b.id WHERE s.grp = 3;
RESET enable_mergejoin;
-- ANALYZE inside a transaction while a cursor of the same server streams
BEGIN;
DECLARE c CURSOR FOR SELECT id FROM an_small ORDER BY id;
FETCH 2 FROM c;
ANALYZE an_query;
FETCH 2 FROM c;
COMMIT;

DROP FUNCTION plan_rows(text);
DROP FOREIGN TABLE an_small, an_big, an_query;
DROP USER MAPPING FOR CURRENT_USER SERVER an;
DROP SERVER an;
\! MYSQL_PWD="$TRIBUTARY_MYSQL_PASSWORD" mariadb --no-defaults -h 127.0.0.1 -P "$TRIBUTARY_MYSQL_PORT" -u "$TRIBUTARY_MYSQL_USER" regress -e "DROP TABLE an_small, an_big"

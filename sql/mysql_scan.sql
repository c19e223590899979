-- Scans of a live MariaDB (the harness's, seeded from test/fixtures/mariadb/regress.sql).
\getenv mysql_port TRIBUTARY_MYSQL_PORT
\getenv mysql_user TRIBUTARY_MYSQL_USER
\getenv mysql_password TRIBUTARY_MYSQL_PASSWORD
CREATE SERVER live FOREIGN DATA WRAPPER tributary_mysql
	OPTIONS (host '127.0.0.1', port :'mysql_port', dbname 'regress');
CREATE USER MAPPING FOR CURRENT_USER SERVER live
	OPTIONS (username :'mysql_user', password :'mysql_password');
CREATE FOREIGN TABLE users (
	id int NOT NULL, email varchar(120) NOT NULL, name varchar(60), consent boolean NOT NULL,
	balance numeric(12,2), score float8, created_at timestamp(6) NOT NULL,
	updated_at timestamptz(6) NOT NULL
) SERVER live OPTIONS (table_name 'users');
CREATE FOREIGN TABLE listings (
	id numeric(20,0) NOT NULL, user_id int NOT NULL, title varchar(200) NOT NULL, body text,
	price numeric(10,2) NOT NULL, state text NOT NULL, tags text[], published date
) SERVER live OPTIONS (table_name 'listings');
SET TimeZone = 'UTC';

SELECT * FROM users ORDER BY id;
SELECT id, title, length(body) AS body_length, price, state, tags, published FROM listings ORDER BY id;
-- conditions the source evaluates, and the superset rule for text
SELECT id FROM users WHERE consent ORDER BY id;
SELECT id FROM users WHERE email = 'bob@example.com';        -- MariaDB alone would also return 2
SELECT id FROM users WHERE name = 'Bob';                      -- 'Bob  ' is not 'Bob' in PostgreSQL
SELECT id FROM users WHERE email IN ('BOB@EXAMPLE.COM', 'ada@example.com');
SELECT id FROM users WHERE name <> 'bob' ORDER BY id;
SELECT id FROM users WHERE balance IS NULL OR score < 0 ORDER BY id;
SELECT id FROM users WHERE updated_at > '2024-05-02 14:00:00+02' ORDER BY id;
SELECT id FROM users WHERE created_at >= '2024-02-29 23:59:59.999999';
SELECT count(*), min(id), max(id), max(updated_at) FROM users;
SELECT count(*) + 1, min(id)::numeric::text, max(updated_at)::text FROM users;   -- computed over the source's aggregates
SELECT m FROM (SELECT max(updated_at)::text AS m FROM users WHERE id > 100) s WHERE m IS NOT NULL;  -- no row
SELECT count(*) FROM users HAVING count(*) > 1 AND min(id) = 1;
SELECT count(*) FROM users WHERE id > 2;
SELECT id, email FROM users WHERE id > 1 ORDER BY id LIMIT 2;
SELECT id FROM listings WHERE id > 12 ORDER BY id LIMIT 10;
-- LIKE is exact whatever the column's collation (utf8mb4_general_ci here), NOT LIKE too;
-- ILIKE is sent as a superset and rechecked
SELECT id FROM users WHERE email LIKE 'bob%' ORDER BY id;       -- not Bob@Example.com
SELECT id FROM users WHERE name LIKE 'Bob';                     -- 'Bob  ' has two spaces
SELECT id FROM users WHERE name LIKE 'Bob%' ORDER BY id;
SELECT id FROM users WHERE name LIKE 'Zo_ _';                   -- one character each: ë, 🦊
SELECT id FROM users WHERE name LIKE 'Zoe%';                    -- accents count
SELECT id FROM users WHERE email NOT LIKE '%@example.com' ORDER BY id;
SELECT id FROM users WHERE name ILIKE 'BOB%' ORDER BY id;
SELECT id FROM users WHERE name ILIKE 'zoË%';
SELECT id FROM users WHERE name ILIKE 'zoe%';                   -- ILIKE keeps accents
CREATE FOREIGN TABLE like_rows (id int, s text) SERVER live OPTIONS (query
	'SELECT 1 AS id, ''a%b'' AS s UNION ALL SELECT 2, ''axb'' UNION ALL SELECT 3, ''a_b'' UNION ALL SELECT 4, ''a\\b'' UNION ALL SELECT 5, ''A%B''');
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM like_rows WHERE s LIKE 'a\%b';
SELECT id FROM like_rows WHERE s LIKE 'a\%b' ORDER BY id;       -- a literal %
SELECT id FROM like_rows WHERE s LIKE 'a_b' ORDER BY id;        -- _ is any one character
SELECT id FROM like_rows WHERE s LIKE 'a\_b' ORDER BY id;       -- a literal _
SELECT id FROM like_rows WHERE s LIKE 'a\\b' ORDER BY id;       -- a literal backslash
SELECT id FROM like_rows WHERE s LIKE 'a#%b' ESCAPE '#' ORDER BY id;
SELECT id FROM like_rows WHERE s ILIKE 'a\%b' ORDER BY id;
SELECT id FROM like_rows WHERE s NOT LIKE 'a%' ORDER BY id;
DROP FOREIGN TABLE like_rows;

-- generic plans: a parameter travels as a remote parameter on every call
CREATE FUNCTION email_of(p_id int) RETURNS text LANGUAGE plpgsql AS $$
DECLARE r text;
BEGIN
	SELECT email INTO r FROM users WHERE id = p_id;
	RETURN r;
END $$;
SET plan_cache_mode = force_generic_plan;
SELECT count(*) FILTER (WHERE email_of(1 + i % 5) = (ARRAY['ada@example.com', 'Bob@Example.com',
	'cy@example.com', 'dee@example.com', 'bob@example.com'])[1 + i % 5]) AS correct_calls
FROM generate_series(0, 19) AS i;
RESET plan_cache_mode;

-- a nested loop drives the scan by key (parameterized path)
CREATE TEMP TABLE wanted (id int);
INSERT INTO wanted VALUES (2), (4);
ANALYZE wanted;
SET enable_hashjoin = off;
SET enable_mergejoin = off;
ALTER SERVER live OPTIONS (ADD fdw_startup_cost '1');
EXPLAIN (VERBOSE, COSTS OFF) SELECT w.id, u.email FROM wanted w JOIN users u ON u.id = w.id;
SELECT w.id, u.email FROM wanted w JOIN users u ON u.id = w.id ORDER BY w.id;
ALTER SERVER live OPTIONS (DROP fdw_startup_cost);
RESET enable_hashjoin;
RESET enable_mergejoin;

-- errors name the table, never the password
CREATE FOREIGN TABLE missing (id int) SERVER live OPTIONS (table_name 'no_such_table');
SELECT * FROM missing;
ALTER USER MAPPING FOR CURRENT_USER SERVER live OPTIONS (SET password 'wrong-password');
SELECT * FROM users;
ALTER USER MAPPING FOR CURRENT_USER SERVER live OPTIONS (SET password :'mysql_password');
SELECT count(*) FROM users;

DROP FUNCTION email_of(int);
DROP FOREIGN TABLE users, listings, missing;
DROP USER MAPPING FOR CURRENT_USER SERVER live;
DROP SERVER live;
RESET TimeZone;

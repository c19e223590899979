-- What tributary_mysql sends to the source, checked offline with EXPLAIN VERBOSE
-- (planning never connects unless use_remote_estimate is set).
CREATE SERVER dp_srv FOREIGN DATA WRAPPER tributary_mysql OPTIONS (host '127.0.0.1', port '1');
CREATE USER MAPPING FOR CURRENT_USER SERVER dp_srv OPTIONS (username 'nobody');
CREATE FOREIGN TABLE dp_users (
	id int NOT NULL,
	email varchar(120) NOT NULL,
	name text OPTIONS (column_name 'full name'),
	consent boolean NOT NULL,
	balance numeric(12,2),
	score float8,
	created_at timestamp NOT NULL,
	updated_at timestamptz NOT NULL,
	born date,
	avatar bytea
) SERVER dp_srv OPTIONS (dbname 'shop', table_name 'users');
CREATE FOREIGN TABLE dp_q (n int) SERVER dp_srv OPTIONS (query 'SELECT 1 AS n');
SET TimeZone = 'Europe/Berlin';

-- projection: only referenced columns
EXPLAIN (VERBOSE, COSTS OFF) SELECT id, email FROM dp_users;                          -- Var
EXPLAIN (VERBOSE, COSTS OFF) SELECT count(*) FROM dp_users WHERE false;              -- constant false
EXPLAIN (VERBOSE, COSTS OFF) SELECT name FROM dp_users;                               -- column_name
-- comparisons on integers, numerics, floats, booleans, dates, timestamps
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM dp_users WHERE id = 3;                    -- OpExpr =
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM dp_users WHERE id <> 3 AND id >= -2;       -- <>, >=, negative
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM dp_users WHERE balance < 10.5;            -- numeric
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM dp_users WHERE score > 1.5;               -- float8
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM dp_users WHERE score = 'NaN';             -- NaN stays local
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM dp_users WHERE score > 0.1::real;         -- real: its exact double
SET extra_float_digits = 0;
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM dp_users WHERE score = 0.30000000000000004; -- exact, any extra_float_digits
RESET extra_float_digits;
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM dp_users WHERE consent;                   -- bool Var
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM dp_users WHERE NOT consent;               -- NOT
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM dp_users WHERE born = '2024-02-29';       -- date
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM dp_users WHERE born < '-infinity';        -- infinite date local
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM dp_users WHERE created_at >= '2024-01-01 10:00:00.25';  -- timestamp
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM dp_users WHERE updated_at > '2024-05-01 02:00:00+02';   -- timestamptz in UTC
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM dp_users WHERE created_at > '2024-05-01 00:00:00+00'::timestamptz; -- mixed: local
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM dp_users WHERE born < created_at;         -- date vs timestamp
-- NULL tests, AND/OR/NOT, IN and = ANY
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM dp_users WHERE name IS NULL OR balance IS NOT NULL;  -- NullTest, OR
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM dp_users WHERE id IN (1, 2, 3);           -- ScalarArrayOpExpr
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM dp_users WHERE id = ANY ('{4,5}'::int[]);  -- = ANY
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM dp_users WHERE id <> ALL ('{4,5}'::int[]); -- <> ALL: local
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM dp_users WHERE NOT (id = 1 OR balance > 2); -- NOT over OR
-- text: equality goes as a superset and is rechecked; everything else stays local
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM dp_users WHERE email = 'Bob@Example.com'; -- text =
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM dp_users WHERE email IN ('a', 'it''s');   -- text IN, quote
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM dp_users WHERE email = 'back\slash';      -- backslash: hex
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM dp_users WHERE email <> 'x';              -- text <>: local
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM dp_users WHERE email > 'm';               -- text order: local
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM dp_users WHERE NOT (email = 'x');         -- NOT of superset
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM dp_users WHERE email = 'x' COLLATE "C";   -- deterministic collation
CREATE COLLATION dp_ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
CREATE COLLATION dp_icu (provider = icu, locale = 'und');
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM dp_users WHERE email = 'X' COLLATE dp_ci; -- nondeterministic: local
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM dp_users WHERE email COLLATE dp_ci IN ('X', 'y'); -- nondeterministic IN
-- LIKE: exact under utf8mb4_bin; ILIKE: a superset (non-ASCII widened to _), rechecked
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM dp_users WHERE email LIKE 'a%';           -- LIKE
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM dp_users WHERE email NOT LIKE '%\_x';      -- NOT LIKE, escaped _
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM dp_users WHERE email LIKE 'a#%b' ESCAPE '#'; -- ESCAPE: normalized
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM dp_users WHERE email LIKE 'it''s%';       -- quote
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM dp_users WHERE name ILIKE 'ärger%';       -- ILIKE: superset
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM dp_users WHERE name NOT ILIKE 'a%';       -- NOT ILIKE: local
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM dp_users WHERE name ILIKE 'a%' COLLATE dp_icu; -- ICU lower(): local
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM dp_users WHERE name LIKE 'a%' COLLATE dp_icu;  -- LIKE: any deterministic
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM dp_users WHERE NOT (name ILIKE 'a%');     -- NOT of superset: local
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM dp_users WHERE NOT (name LIKE 'a%');      -- NOT of exact LIKE
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM dp_users WHERE email LIKE 'a\';           -- lone escape: local
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM dp_users WHERE email LIKE name;           -- pattern not constant
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM dp_users WHERE avatar LIKE 'a%'::bytea;    -- bytea LIKE: local
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM dp_users WHERE email::char(120) LIKE 'a%'; -- char pads: local
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM dp_users WHERE email LIKE 'a%' ORDER BY id LIMIT 2; -- exact: LIMIT pushed
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM dp_users WHERE avatar = '\x00ff';         -- bytea
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM dp_users WHERE lower(email) = 'x';        -- function: local
-- ORDER BY, LIMIT/OFFSET (keyset batches)
EXPLAIN (VERBOSE, COSTS OFF) SELECT id, email FROM dp_users WHERE id > 100 ORDER BY id LIMIT 500;  -- keyset
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM dp_users ORDER BY id DESC LIMIT 10 OFFSET 20;
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM dp_users ORDER BY balance NULLS FIRST LIMIT 3;  -- nullable
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM dp_users ORDER BY email LIMIT 3;          -- text order: local sort
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM dp_users WHERE email = 'x' LIMIT 3;       -- recheck: no LIMIT pushdown
EXPLAIN (VERBOSE, COSTS OFF) SELECT id, email FROM dp_users WHERE id > 5 LIMIT 3;     -- LIMIT alone
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM dp_users LIMIT 3 OFFSET 10;                -- LIMIT, OFFSET
-- aggregates the loader needs
EXPLAIN (VERBOSE, COSTS OFF) SELECT count(*) FROM dp_users;                            -- count(*)
EXPLAIN (VERBOSE, COSTS OFF) SELECT max(updated_at) FROM dp_users WHERE consent;      -- high-water mark
EXPLAIN (VERBOSE, COSTS OFF) SELECT min(id), max(id), count(*) FROM dp_users WHERE id > 10;  -- range split
-- an output built on aggregates: the source aggregates, PostgreSQL casts and adds
EXPLAIN (VERBOSE, COSTS OFF) SELECT min(id)::numeric::text, max(id)::numeric::text FROM dp_users;
EXPLAIN (VERBOSE, COSTS OFF) SELECT count(*) + 1, max(updated_at)::text FROM dp_users WHERE consent;
EXPLAIN (VERBOSE, COSTS OFF) SELECT count(*) + random() FROM dp_users;                  -- volatile: local
EXPLAIN (VERBOSE, COSTS OFF) SELECT min(id) + sum(balance) FROM dp_users;              -- sum inside: local
-- HAVING: the source sends the groups and their aggregates, PostgreSQL filters them
EXPLAIN (VERBOSE, COSTS OFF) SELECT m FROM (SELECT max(updated_at)::text AS m FROM dp_users) s WHERE m IS NOT NULL;
EXPLAIN (VERBOSE, COSTS OFF) SELECT id, count(*) FROM dp_users GROUP BY id HAVING count(*) > 1 AND id > 3;
EXPLAIN (VERBOSE, COSTS OFF) SELECT count(*) FROM dp_users HAVING count(*) > 1 LIMIT 1;  -- no LIMIT under a local filter
EXPLAIN (VERBOSE, COSTS OFF) SELECT count(*) FROM dp_users HAVING sum(balance) > 0;  -- sum: local
-- through a view whose LEFT JOIN to a local table the planner removes (a transform view)
CREATE TABLE dp_names (id int PRIMARY KEY, label text);
CREATE VIEW dp_users_v AS SELECT u.id, u.updated_at, n.label FROM dp_users u LEFT JOIN dp_names n ON n.id = u.id;
EXPLAIN (VERBOSE, COSTS OFF) SELECT min(id)::numeric::text, max(id)::numeric::text FROM dp_users_v;
DROP VIEW dp_users_v;
DROP TABLE dp_names;
EXPLAIN (VERBOSE, COSTS OFF) SELECT max(email) FROM dp_users;                          -- text max: local
EXPLAIN (VERBOSE, COSTS OFF) SELECT sum(balance) FROM dp_users;                        -- sum: local
-- parameters: generic plans send real remote parameters
PREPARE by_id(int) AS SELECT email FROM dp_users WHERE id = $1;
SET plan_cache_mode = force_generic_plan;
EXPLAIN (VERBOSE, COSTS OFF) EXECUTE by_id(7);                                         -- Param
RESET plan_cache_mode;
DEALLOCATE by_id;
-- a remote query as a table
EXPLAIN (VERBOSE, COSTS OFF) SELECT n FROM dp_q WHERE n = 1;

-- A transform view that LEFT JOINs an id map on its unique key: when the query reads no
-- column of the map, PostgreSQL removes the join, and the join's column is not fetched.
CREATE TABLE dp_map (source text, id int, target_key bigint, PRIMARY KEY (source, id));
CREATE VIEW dp_v AS SELECT u.id, u.email, m.target_key AS owner
	FROM dp_users u LEFT JOIN dp_map m ON m.source = 'a' AND m.id = u.balance::int;
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM dp_v WHERE id > 5;           -- join removed: id only
EXPLAIN (VERBOSE, COSTS OFF) SELECT id, owner FROM dp_v WHERE id > 5;    -- joined: balance fetched
EXPLAIN (VERBOSE, COSTS OFF) SELECT u.id, u.balance FROM dp_users u LEFT JOIN dp_map m
	ON m.source = 'a' AND m.id = u.balance::int;                         -- removed, balance in output
DROP VIEW dp_v;
DROP TABLE dp_map;

RESET TimeZone;
DROP FOREIGN TABLE dp_users, dp_q;
DROP COLLATION dp_ci;
DROP COLLATION dp_icu;
DROP USER MAPPING FOR CURRENT_USER SERVER dp_srv;
DROP SERVER dp_srv;

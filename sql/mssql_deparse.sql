-- What tributary_mssql sends to SQL Server, checked offline with EXPLAIN VERBOSE.
CREATE SERVER ms_dp FOREIGN DATA WRAPPER tributary_mssql OPTIONS (host '127.0.0.1', port '1', dbname 'crm');
CREATE USER MAPPING FOR CURRENT_USER SERVER ms_dp OPTIONS (username 'nobody');
CREATE FOREIGN TABLE ms_customers (
	id int NOT NULL, email varchar(120) NOT NULL, branch int NOT NULL, active boolean NOT NULL,
	balance numeric(12,2), created_at timestamp NOT NULL, seen_at timestamptz, born date,
	photo bytea
) SERVER ms_dp OPTIONS (schema_name 'dbo', table_name 'customers');
SET TimeZone = 'Europe/Berlin';
EXPLAIN (VERBOSE, COSTS OFF) SELECT id, email FROM ms_customers;                            -- brackets
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM ms_customers WHERE branch = 42 AND id >= -2;     -- OpExpr
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM ms_customers WHERE email = 'O''Brien';           -- N'' literal, superset
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM ms_customers WHERE email > 'm';                  -- text order: local
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM ms_customers WHERE active;                       -- bit
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM ms_customers WHERE created_at >= '2024-01-01 10:00:00.25';  -- datetime2 literal
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM ms_customers WHERE seen_at < '2024-05-01 02:00:00+02';      -- UTC
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM ms_customers WHERE born = '2000-01-01';          -- date literal
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM ms_customers WHERE photo = '\x00ff';             -- 0x literal
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM ms_customers WHERE id IN (1, 2) OR balance IS NULL;
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM ms_customers ORDER BY id LIMIT 10;               -- TOP
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM ms_customers WHERE id > 5 ORDER BY id LIMIT 10 OFFSET 20;  -- OFFSET FETCH
EXPLAIN (VERBOSE, COSTS OFF) SELECT count(*), min(id), max(created_at) FROM ms_customers WHERE branch = 42;
EXPLAIN (VERBOSE, COSTS OFF) SELECT min(id)::numeric::text, max(created_at)::text FROM ms_customers;  -- casts computed here
PREPARE ms_by_id(int) AS SELECT email FROM ms_customers WHERE id = $1;
SET plan_cache_mode = force_generic_plan;
EXPLAIN (VERBOSE, COSTS OFF) EXECUTE ms_by_id(3);                                            -- @P1
RESET plan_cache_mode;
DEALLOCATE ms_by_id;
EXPLAIN (VERBOSE, COSTS OFF) SELECT count(balance) FROM ms_customers;                        -- COUNT_BIG
-- sql_variant (column option mssql_type): read as the text of its value, compared locally
CREATE FOREIGN TABLE ms_variants (id int, v text OPTIONS (mssql_type 'sql_variant'))
	SERVER ms_dp OPTIONS (schema_name 'dbo', table_name 'variants');
EXPLAIN (VERBOSE, COSTS OFF) SELECT id, v FROM ms_variants WHERE v = 'x' AND id > 1;
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM ms_variants WHERE v IS NULL;
RESET TimeZone;
DROP FOREIGN TABLE ms_variants;
DROP FOREIGN TABLE ms_customers;
DROP USER MAPPING FOR CURRENT_USER SERVER ms_dp;
DROP SERVER ms_dp;

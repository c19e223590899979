-- bench/sql/setup_pg.sql — the benchmark's PostgreSQL database (used as a template: each
-- load contender gets a fresh copy): both MySQL wrappers and both SQL Server wrappers
-- over the same source tables, the prepared target, tributary's transform views and steps.
-- psql variables: my_port my_user my_password tds_port tds_db tds_user tds_password
-- mssql_small_query mssql_small_query_nodates batch_size.
SET client_min_messages = warning;
CREATE EXTENSION tributary;
CREATE EXTENSION mysql_fdw;
CREATE EXTENSION tds_fdw;

-- MariaDB through tributary_mysql (imported) and through mysql_fdw (declared with the
-- same column types; its own IMPORT would create enum types).
CREATE SERVER src_tributary FOREIGN DATA WRAPPER tributary_mysql
	OPTIONS (host '127.0.0.1', port :'my_port', dbname 'bench'); -- fetch_size: default (10000)
CREATE USER MAPPING FOR CURRENT_USER SERVER src_tributary
	OPTIONS (username :'my_user', password :'my_password');
CREATE SCHEMA src_tributary;
IMPORT FOREIGN SCHEMA bench FROM SERVER src_tributary INTO src_tributary;

CREATE SERVER src_mysql_fdw FOREIGN DATA WRAPPER mysql_fdw
	OPTIONS (host '127.0.0.1', port :'my_port', fetch_size '10000', character_set 'utf8mb4');
CREATE USER MAPPING FOR CURRENT_USER SERVER src_mysql_fdw
	OPTIONS (username :'my_user', password :'my_password');
CREATE SCHEMA src_mysql_fdw;
CREATE FOREIGN TABLE src_mysql_fdw.users (
	id bigint NOT NULL, email varchar(190) NOT NULL, name varchar(80),
	newsletter_consent boolean NOT NULL, created_at timestamp(6), updated_at timestamptz(6)
) SERVER src_mysql_fdw OPTIONS (dbname 'bench', table_name 'users');
CREATE FOREIGN TABLE src_mysql_fdw.listings (
	id bigint NOT NULL, user_id bigint NOT NULL, title varchar(200) NOT NULL, description text,
	price numeric(10,2) NOT NULL, state text NOT NULL, created_at timestamp(6), updated_at timestamptz(6)
) SERVER src_mysql_fdw OPTIONS (dbname 'bench', table_name 'listings');
CREATE FOREIGN TABLE src_mysql_fdw.listings_mem_small (
	id bigint NOT NULL, user_id bigint NOT NULL, title varchar(200) NOT NULL, description text,
	price numeric(10,2) NOT NULL, state text NOT NULL, created_at timestamp(6), updated_at timestamptz(6)
) SERVER src_mysql_fdw OPTIONS (dbname 'bench', table_name 'listings_mem_small');
CREATE FOREIGN TABLE src_mysql_fdw.listings_mem_large (
	id bigint NOT NULL, user_id bigint NOT NULL, title varchar(200) NOT NULL, description text,
	price numeric(10,2) NOT NULL, state text NOT NULL, created_at timestamp(6), updated_at timestamptz(6)
) SERVER src_mysql_fdw OPTIONS (dbname 'bench', table_name 'listings_mem_large');

-- SQL Server (the TDS test server) through tributary_mssql and through tds_fdw, as
-- shipped (row_estimate_method 'execute') and with 'showplan_all'. tds_fdw's tables
-- leave out the date/time columns (they fail unless FreeTDS's locales.conf is changed);
-- listings_dates keeps them, to show the failure.
CREATE SERVER mssql_tributary FOREIGN DATA WRAPPER tributary_mssql
	OPTIONS (host '127.0.0.1', port :'tds_port', dbname :'tds_db');
CREATE USER MAPPING FOR CURRENT_USER SERVER mssql_tributary
	OPTIONS (username :'tds_user', password :'tds_password');
CREATE SCHEMA mssql_tributary;
IMPORT FOREIGN SCHEMA dbo LIMIT TO (listings) FROM SERVER mssql_tributary INTO mssql_tributary;

CREATE SERVER mssql_tds_fdw FOREIGN DATA WRAPPER tds_fdw
	OPTIONS (servername '127.0.0.1', port :'tds_port', database :'tds_db', tds_version '7.4');
CREATE SERVER mssql_tds_fdw_showplan FOREIGN DATA WRAPPER tds_fdw
	OPTIONS (servername '127.0.0.1', port :'tds_port', database :'tds_db', tds_version '7.4',
	         row_estimate_method 'showplan_all');
CREATE USER MAPPING FOR CURRENT_USER SERVER mssql_tds_fdw
	OPTIONS (username :'tds_user', password :'tds_password');
CREATE USER MAPPING FOR CURRENT_USER SERVER mssql_tds_fdw_showplan
	OPTIONS (username :'tds_user', password :'tds_password');
CREATE SCHEMA mssql_tds_fdw;
CREATE FOREIGN TABLE mssql_tds_fdw.listings (
	id integer, user_id integer, title varchar(200), description text, price numeric(10,2),
	state varchar(10)
) SERVER mssql_tds_fdw OPTIONS (schema_name 'dbo', table_name 'listings');
CREATE FOREIGN TABLE mssql_tds_fdw.listings_showplan (
	id integer, user_id integer, title varchar(200), description text, price numeric(10,2),
	state varchar(10)
) SERVER mssql_tds_fdw_showplan OPTIONS (schema_name 'dbo', table_name 'listings');
-- The memory check: the first :mssql_small rows, through each wrapper's query option.
CREATE FOREIGN TABLE mssql_tributary.listings_small (
	id integer, user_id integer, title varchar(200), description text, price numeric(10,2),
	state varchar(10), created_at timestamp(6), updated_at timestamptz(6)
) SERVER mssql_tributary OPTIONS (query :'mssql_small_query');
CREATE FOREIGN TABLE mssql_tds_fdw.listings_small (
	id integer, user_id integer, title varchar(200), description text, price numeric(10,2),
	state varchar(10)
) SERVER mssql_tds_fdw_showplan OPTIONS (query :'mssql_small_query_nodates');
CREATE FOREIGN TABLE mssql_tds_fdw.listings_dates (
	id integer, user_id integer, title varchar(200), description text, price numeric(10,2),
	state varchar(10), created_at timestamp(6), updated_at timestamptz(6)
) SERVER mssql_tds_fdw_showplan OPTIONS (schema_name 'dbo', table_name 'listings');

-- The prepared target.
\ir target.sql

-- tributary's steps: what a DBA writes. Users keep their columns; a listing's seller
-- gets the migrated user's new id from the users step's id map.
CREATE SCHEMA transform;
CREATE VIEW transform.v_users AS
SELECT u.id, u.email, u.name, u.newsletter_consent,
	u.created_at AT TIME ZONE 'UTC' AS created_at, u.updated_at
FROM src_tributary.users u;
SELECT migration.define_step('users', 'transform.v_users', 'platform.users', '{id}', 'id',
	key_mode => 'map', source => 'market', source_key_column => 'legacy_id',
	updated_at_column => 'updated_at', batch_size => :batch_size);
CREATE VIEW transform.v_listings AS
SELECT l.id, m.target_key AS user_id, l.title, l.description, l.price, l.state,
	l.created_at AT TIME ZONE 'UTC' AS created_at, l.updated_at
FROM src_tributary.listings l
LEFT JOIN migration.map_users m ON m.source = 'market' AND m.id = l.user_id;
SELECT migration.define_step('listings', 'transform.v_listings', 'platform.listings', '{id}', 'id',
	key_mode => 'map', source => 'market', source_key_column => 'legacy_id',
	updated_at_column => 'updated_at', depends_on => '{users}', batch_size => :batch_size);

-- tributary--0.1.sql: what CREATE EXTENSION tributary creates.
\echo Use "CREATE EXTENSION tributary" to load this file. \quit

-- The foreign data wrappers: one library, one handler and one validator per driver,
-- so each validator knows its driver's options.
CREATE FUNCTION tributary_mysql_handler() RETURNS fdw_handler
	AS 'MODULE_PATHNAME' LANGUAGE C STRICT;
CREATE FUNCTION tributary_mysql_validator(text[], oid) RETURNS void
	AS 'MODULE_PATHNAME' LANGUAGE C STRICT;
CREATE FUNCTION tributary_mssql_handler() RETURNS fdw_handler
	AS 'MODULE_PATHNAME' LANGUAGE C STRICT;
CREATE FUNCTION tributary_mssql_validator(text[], oid) RETURNS void
	AS 'MODULE_PATHNAME' LANGUAGE C STRICT;

CREATE FOREIGN DATA WRAPPER tributary_mysql
	HANDLER tributary_mysql_handler VALIDATOR tributary_mysql_validator;
COMMENT ON FOREIGN DATA WRAPPER tributary_mysql IS 'MySQL and MariaDB sources (MariaDB Connector/C)';
CREATE FOREIGN DATA WRAPPER tributary_mssql
	HANDLER tributary_mssql_handler VALIDATOR tributary_mssql_validator;
COMMENT ON FOREIGN DATA WRAPPER tributary_mssql IS 'Microsoft SQL Server sources (FreeTDS)';

-- Self-test of the C/C++ error boundary: forces one kind of failure inside C++ code
-- ('ok', 'pg_error', 'exception', 'bad_alloc', 'remote_error', 'unknown_exception').
CREATE FUNCTION tributary_boundary_check(mode text) RETURNS integer
	AS 'MODULE_PATHNAME' LANGUAGE C STRICT VOLATILE;
CREATE FUNCTION tributary_boundary_destructor_runs() RETURNS bigint
	AS 'MODULE_PATHNAME' LANGUAGE C STRICT VOLATILE;
REVOKE ALL ON FUNCTION tributary_boundary_check(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION tributary_boundary_destructor_runs() FROM PUBLIC;

-- The state of every migration lives here (steps, id maps, runs, failures…).
CREATE SCHEMA migration;
COMMENT ON SCHEMA migration IS 'tributary: migration steps, id maps, runs, watermarks and failures';

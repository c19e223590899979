-- Every SQL Server type read from the TDS test server (seeded from test/fixtures/tds/regress.sql):
-- the mapping IMPORT FOREIGN SCHEMA chooses, and the values decoded from their wire form.
\getenv tds_port TRIBUTARY_TDS_PORT
\getenv tds_user TRIBUTARY_TDS_USER
\getenv tds_password TRIBUTARY_TDS_PASSWORD
\getenv tds_db TRIBUTARY_TDS_DATABASE
CREATE SERVER ms_ty FOREIGN DATA WRAPPER tributary_mssql OPTIONS (host '127.0.0.1', port :'tds_port', dbname :'tds_db');
CREATE USER MAPPING FOR CURRENT_USER SERVER ms_ty OPTIONS (username :'tds_user', password :'tds_password');
CREATE SCHEMA ms_types;
IMPORT FOREIGN SCHEMA dbo LIMIT TO (all_types) FROM SERVER ms_ty INTO ms_types;
\d ms_types.all_types
SET TimeZone = 'UTC';
SET DateStyle = 'ISO';
SET extra_float_digits = 0;
-- integers, bit, exact and approximate numbers: extremes of each
SELECT id, b, ti, si, i, bi, d38, n, m, sm, r, f FROM ms_types.all_types ORDER BY id;
-- money travels as two swapped 32-bit halves: both signs, both ends, exactly
SELECT id, m = -922337203685477.5808 AS money_min, sm FROM ms_types.all_types WHERE id <= 2 ORDER BY id;
-- text: padded char/nchar, empty strings (not NULL), non-ASCII and emoji in every kind
SELECT id, c, vc, nc, nv, nvm, t, nt, length(c) AS c_len, vc = '' AS vc_empty
FROM ms_types.all_types ORDER BY id;
-- bytes
SELECT id, bn, vb, vbm, im FROM ms_types.all_types ORDER BY id;
-- date and time: year 1 and 9999, datetime's 1/300 s, smalldatetime, datetimeoffset in UTC
SELECT id, dt, tm, dtt, sdt, dt2, dto FROM ms_types.all_types ORDER BY id;
SET TimeZone = 'Asia/Kolkata';
SELECT id, dto FROM ms_types.all_types WHERE id = 2;
SET TimeZone = 'UTC';
-- uniqueidentifier: SQL Server keeps the first three groups little-endian on the wire
SELECT id, g, g = '6f9619ff-8b86-d011-b42d-00c04fc964ff'::uuid AS same_guid FROM ms_types.all_types ORDER BY id;
-- xml, rowversion (8 bytes from a counter: only its length is stable)
SELECT id, x, length(rv) AS rv_bytes FROM ms_types.all_types ORDER BY id;
-- sql_variant: the text of each value's base type (int, float, nvarchar, varbinary, NULL)
SELECT id, sv FROM ms_types.all_types ORDER BY id;
EXPLAIN (VERBOSE, COSTS OFF) SELECT id, sv FROM ms_types.all_types WHERE sv = '5';
SELECT id, sv FROM ms_types.all_types WHERE sv = '5';
-- count(*) is COUNT_BIG(*) remotely: bigint whatever the row count
EXPLAIN (VERBOSE, COSTS OFF) SELECT count(*), count(sv) FROM ms_types.all_types;
SELECT count(*), count(sv) FROM ms_types.all_types;
RESET extra_float_digits;
RESET TimeZone;
RESET DateStyle;
DROP SCHEMA ms_types CASCADE;
DROP USER MAPPING FOR CURRENT_USER SERVER ms_ty;
DROP SERVER ms_ty;

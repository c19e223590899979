-- IMPORT FOREIGN SCHEMA from the live MariaDB: every type, views, LIMIT TO / EXCEPT, options.
\getenv mysql_port TRIBUTARY_MYSQL_PORT
\getenv mysql_user TRIBUTARY_MYSQL_USER
\getenv mysql_password TRIBUTARY_MYSQL_PASSWORD
CREATE SERVER imp FOREIGN DATA WRAPPER tributary_mysql OPTIONS (host '127.0.0.1', port :'mysql_port');
CREATE USER MAPPING FOR CURRENT_USER SERVER imp
	OPTIONS (username :'mysql_user', password :'mysql_password');
CREATE SCHEMA imported;
IMPORT FOREIGN SCHEMA regress_types LIMIT TO (all_types, small_things) FROM SERVER imp INTO imported;
\d+ imported.all_types
\d imported.small_things
SET TimeZone = 'UTC';
SET DateStyle = 'ISO';
SELECT * FROM imported.all_types ORDER BY id;
SELECT * FROM imported.small_things;
-- MariaDB's JSON (LONGTEXT + CHECK json_valid) imports as jsonb, a plain LONGTEXT as text;
-- a document that is not JSON is an error naming the column, or NULL by invalid_value
IMPORT FOREIGN SCHEMA regress_types LIMIT TO (json_docs) FROM SERVER imp INTO imported;
\d imported.json_docs
SELECT id, doc, doc -> 'k' ->> 1 AS second, note FROM imported.json_docs WHERE id < 3 ORDER BY id;
SELECT id, doc FROM imported.json_docs ORDER BY id;
ALTER FOREIGN TABLE imported.json_docs ALTER COLUMN doc OPTIONS (ADD invalid_value 'null');
SELECT id, doc FROM imported.json_docs ORDER BY id;
-- EXCEPT, and a second import into another schema with options
CREATE SCHEMA imported2;
IMPORT FOREIGN SCHEMA regress_types EXCEPT (all_types) FROM SERVER imp INTO imported2;
SELECT foreign_table_name FROM information_schema.foreign_tables
WHERE foreign_table_schema = 'imported2' ORDER BY 1;
CREATE SCHEMA imported3;
IMPORT FOREIGN SCHEMA regress_types LIMIT TO (all_types) FROM SERVER imp INTO imported3
	OPTIONS (tinyint1_as_boolean 'false', import_not_null 'false');
SELECT column_name, data_type, is_nullable FROM information_schema.columns
WHERE table_schema = 'imported3' AND column_name IN ('id', 'flag') ORDER BY 1;
-- mistakes are reported, not skipped
IMPORT FOREIGN SCHEMA regress_types LIMIT TO (no_such) FROM SERVER imp INTO imported3;
IMPORT FOREIGN SCHEMA regress_types FROM SERVER imp INTO imported3 OPTIONS (tinyint_as_boolean 'true');
IMPORT FOREIGN SCHEMA no_such_db FROM SERVER imp INTO imported3;
RESET TimeZone;
RESET DateStyle;
DROP SCHEMA imported, imported2, imported3 CASCADE;
DROP USER MAPPING FOR CURRENT_USER SERVER imp;
DROP SERVER imp;

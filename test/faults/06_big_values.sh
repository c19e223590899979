# Big input, both drivers: text and binary values of 16 MB and more (whole, byte for
# byte, never cut at a buffer or packet size), and tables of 500 columns (imported,
# loaded, every value in place).
. "$(dirname "$0")/lib.bash"
plan 13
db=flt_big_values
fresh_db $db
mariadb_source $db
tds_source flt_big_tds
mb16=$((16 * 1024 * 1024))

# ---- values of 16 MB and more -----------------------------------------------------------
# Text: multibyte characters all along (é is 2 bytes, 😀 4), so a cut inside a character
# or a lost chunk changes the checksum. Binary: random bytes, checksummed at the source.
mariadb_root $db <<'SQL' || bail_out "could not create the MariaDB tables"
CREATE TABLE huge (id INT PRIMARY KEY, t LONGTEXT CHARACTER SET utf8mb4, b LONGBLOB);
INSERT INTO huge VALUES (1, 'small', 0x00);
INSERT INTO huge VALUES (2, REPEAT('abcé😀', 2000000), NULL);
INSERT INTO huge VALUES (3, NULL, RANDOM_BYTES(1024));
UPDATE huge SET b = REPEAT(b, 17 * 1024) WHERE id = 3;
INSERT INTO huge VALUES (4, CONCAT(REPEAT('x', 16777215), '😀'), CONCAT(REPEAT(0x00FF, 8388608), 0x01));
SQL
psql_admin >/dev/null <<'SQL'
CREATE FOREIGN TABLE my_huge (id int NOT NULL, t text, b bytea) SERVER my OPTIONS (table_name 'huge');
CREATE TABLE huge_my (id int PRIMARY KEY, t text, b bytea);
SELECT migration.define_step('huge_my', 'my_huge', 'huge_my', '{id}', 'id', batch_size => 2);
SQL
"$bin" -q run --step huge_my 2>"$TRIBUTARY_RUN_DIR/flt_big.err"; rc=$?
sed 's/^/#   /' "$TRIBUTARY_RUN_DIR/flt_big.err" | head -5
is $rc 0 "MariaDB: the step with 16 MB+ values completes"
source_sums=$(mariadb_root -N $db -e "SELECT GROUP_CONCAT(CONCAT_WS(':', id, LENGTH(t), MD5(t), LENGTH(b), MD5(b)) ORDER BY id SEPARATOR ' ') FROM huge")
target_sums=$(psql_admin -c "SELECT string_agg(concat_ws(':', id, octet_length(t), md5(t), octet_length(b), md5(b)), ' ' ORDER BY id) FROM huge_my")
is "$target_sums" "$source_sums" "MariaDB: every value arrived byte for byte (lengths and MD5 as the source computes them)"
is "$(psql_admin -c "SELECT octet_length(t) >= $mb16 AND octet_length(b) >= $mb16 FROM huge_my WHERE id = 4")" t \
	"MariaDB: the values are really 16 MB and more"
ok=$([ $rc -eq 0 ] && [ "$target_sums" = "$source_sums" ] && echo 3 || echo 0)
tally "bad input" "MariaDB: TEXT/BLOB values of 16 MB and more" 3 "$ok" "$([ "$ok" = 3 ] && echo 0 || echo 3)"
note "MariaDB huge values"

# The TDS test server has no hash function: values are built from patterns that
# PostgreSQL builds again to compare.
tds_sql >/dev/null <<'SQL' || bail_out "could not create the TDS tables"
DROP TABLE IF EXISTS flt_huge
CREATE TABLE flt_huge (id int PRIMARY KEY, t nvarchar(max) NULL, b varbinary(max) NULL)
INSERT INTO flt_huge (id, t, b) VALUES (1, N'small', 0x00)
INSERT INTO flt_huge (id, t, b) VALUES (2, REPLICATE(CAST(N'abcé😀' AS nvarchar(max)), 2000000), NULL)
INSERT INTO flt_huge (id, t, b) VALUES (3, NULL, CAST(REPLICATE(CAST('0123456789abcdef' AS varchar(max)), 1100000) AS varbinary(max)))
go
SQL
psql_admin >/dev/null <<'SQL'
CREATE FOREIGN TABLE ms_huge (id int NOT NULL, t text, b bytea) SERVER ms OPTIONS (table_name 'flt_huge');
CREATE TABLE huge_ms (id int PRIMARY KEY, t text, b bytea);
SELECT migration.define_step('huge_ms', 'ms_huge', 'huge_ms', '{id}', 'id', batch_size => 2);
SQL
"$bin" -q run --step huge_ms 2>"$TRIBUTARY_RUN_DIR/flt_big.err"; rc=$?
sed 's/^/#   /' "$TRIBUTARY_RUN_DIR/flt_big.err" | head -5
is $rc 0 "TDS: the step with 16 MB+ values completes"
got=$(psql_admin -c "SELECT string_agg(concat_ws(':', id, CASE WHEN id = 1 THEN t ELSE octet_length(t)::text END,
	CASE WHEN id = 1 THEN b::text WHEN id = 2 THEN (t = repeat('abcé😀', 2000000))::text ELSE octet_length(b)::text END,
	CASE WHEN id = 3 THEN (b = convert_to(repeat('0123456789abcdef', 1100000), 'UTF8'))::text END), '|' ORDER BY id) FROM huge_ms")
is "$got" "1:small:\\x00|2:18000000:true|3:17600000:true" "TDS: every value arrived whole and unchanged"
ok=$([ $rc -eq 0 ] && [ "$got" = "1:small:\\x00|2:18000000:true|3:17600000:true" ] && echo 2 || echo 0)
tally "bad input" "TDS: nvarchar(max)/varbinary(max) values of 16 MB and more" 2 "$ok" "$([ "$ok" = 2 ] && echo 0 || echo 2)"
note "TDS huge values"

# ---- 500 columns ----------------------------------------------------------------------------
# c1…c500 alternate int, text, numeric and date; every value differs by row and column.
if fast; then wide_rows=60; else wide_rows=300; fi
cols_my="" vals_my="" cols_ms="" vals_ms="" cols_pg=""
for i in $(seq 1 500); do
	case $((i % 4)) in
	0) cols_my+=", c$i INT NULL"; vals_my+=", seq * $i"; cols_ms+=", c$i int NULL"; vals_ms+=", n * $i"; cols_pg+=", c$i int" ;;
	1) cols_my+=", c$i VARCHAR(30) CHARACTER SET latin1 NULL"; vals_my+=", CONCAT('r', seq, 'c$i')"; cols_ms+=", c$i nvarchar(30) NULL"; vals_ms+=", 'r' || n || 'c$i'"; cols_pg+=", c$i text" ;;
	2) cols_my+=", c$i DECIMAL(12,2) NULL"; vals_my+=", seq + $i / 100"; cols_ms+=", c$i decimal(12,2) NULL"; vals_ms+=", (n + $i) || '.25'"; cols_pg+=", c$i numeric(12,2)" ;;
	3) cols_my+=", c$i DATE NULL"; vals_my+=", '2020-01-01' + INTERVAL (seq + $i) DAY"; cols_ms+=", c$i date NULL"; vals_ms+=", date('2020-01-01', '+' || (n + $i) || ' days')"; cols_pg+=", c$i date" ;;
	esac
done
mariadb_root $db <<SQL 2>&1 | tail -3 | sed "s/^/# /"; [ "${PIPESTATUS[0]}" -eq 0 ] || bail_out "could not create the 500-column MariaDB table"
CREATE TABLE wide (id INT PRIMARY KEY$cols_my) ROW_FORMAT=DYNAMIC;
INSERT INTO wide SELECT seq$vals_my FROM seq_1_to_$wide_rows;
UPDATE wide SET c500 = NULL WHERE id = 7;
SQL
tds_sql >/dev/null <<SQL || bail_out "could not create the 500-column TDS table"
DROP TABLE IF EXISTS flt_wide
CREATE TABLE flt_wide (id int PRIMARY KEY$cols_ms)
INSERT INTO flt_wide WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < $wide_rows) SELECT n$vals_ms FROM g
UPDATE flt_wide SET c500 = NULL WHERE id = 7
go
SQL
psql_admin >/dev/null <<SQL
CREATE SCHEMA wide_my;
IMPORT FOREIGN SCHEMA $db LIMIT TO (wide) FROM SERVER my INTO wide_my;
CREATE SCHEMA wide_ms;
IMPORT FOREIGN SCHEMA dbo LIMIT TO (flt_wide) FROM SERVER ms INTO wide_ms;
CREATE TABLE wide_target_my (id int PRIMARY KEY$cols_pg);
CREATE TABLE wide_target_ms (id int PRIMARY KEY$cols_pg);
SELECT migration.define_step('wide_my', 'wide_my.wide', 'wide_target_my', '{id}', 'id', batch_size => 100);
SELECT migration.define_step('wide_ms', 'wide_ms.flt_wide', 'wide_target_ms', '{id}', 'id', batch_size => 100);
SQL
for d in my ms; do
	label=$([ $d = my ] && echo MariaDB || echo TDS)
	rel=$([ $d = my ] && echo wide_my.wide || echo wide_ms.flt_wide)
	is "$(psql_admin -c "SELECT count(*) FROM pg_attribute WHERE attrelid = '$rel'::regclass AND attnum > 0")" 501 \
		"$label: IMPORT FOREIGN SCHEMA creates all 501 columns"
	"$bin" -q run --step wide_$d 2>"$TRIBUTARY_RUN_DIR/flt_big.err"; rc=$?
	sed 's/^/#   /' "$TRIBUTARY_RUN_DIR/flt_big.err" | head -5
	is $rc 0 "$label: the 500-column step completes"
	lost=$(rows_differ "SELECT * FROM $rel" "SELECT * FROM wide_target_$d")
	is "$lost" 0 "$label: every value of every column arrived in place"
	is "$(psql_admin -c "SELECT count(*), count(c500), sum(c4), max(c499) FROM wide_target_$d")" \
		"$(psql_admin -c "SELECT count(*), count(*) - 1, sum(g * 4), max(date '2020-01-01' + g + 499) FROM generate_series(1, $wide_rows) g")" \
		"$label: and the values are the generated ones"
	tally "bad input" "$label: a table of 500 columns" 1 "$([ $rc -eq 0 ] && [ "$lost" = 0 ] && echo 1 || echo 0)" "$lost"
done
note "500 columns"

drop_db $db
mariadb_drop $db
printf 'DROP TABLE flt_huge\nDROP TABLE flt_wide\ngo\n' | tds_sql >/dev/null
finish

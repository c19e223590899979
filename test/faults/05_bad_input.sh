# Bad input, both drivers: each bad row is recorded in migration.failure with a clear
# reason (SQLSTATE and a message naming what is wrong) and every other row moves intact.
# MariaDB: zero dates (policy 'error' and the default 'null'), impossible dates, TIME
# beyond 24 h, invalid UTF-8 in a binary column read as text, latin1 text, NUL bytes
# (text: refused; bytea: intact), strings too long for the target, numeric overflow,
# NULL into NOT NULL, orphan foreign keys, emoji. TDS: the same where SQL Server has the
# case, and date strings the transform view cannot cast. Both: duplicate source keys
# coming out of a view.
. "$(dirname "$0")/lib.bash"
plan 19
db=flt_bad
fresh_db $db
mariadb_source $db
psql_admin >/dev/null <<'SQL'
CREATE TABLE parents (id int PRIMARY KEY);
INSERT INTO parents SELECT g FROM generate_series(1, 100) g;
SQL

# ---- MariaDB ---------------------------------------------------------------------------
mariadb_root $db <<'SQL'
SET SESSION sql_mode = 'ALLOW_INVALID_DATES';
CREATE TABLE bad (id INT PRIMARY KEY, d DATE NULL, dz DATE NULL, t TIME NULL, raw VARBINARY(40) NULL,
	lat VARCHAR(40) CHARACTER SET latin1 NULL, lbin VARCHAR(40) CHARACTER SET latin1 COLLATE latin1_bin NULL,
	nul VARCHAR(40) NULL, bin VARBINARY(40) NULL, long_text VARCHAR(200) NULL, big BIGINT NULL,
	num DECIMAL(40,2) NULL, req VARCHAR(20) NULL, parent INT NULL, emoji VARCHAR(40) CHARACTER SET utf8mb4 NULL);
INSERT INTO bad SELECT seq, '2024-01-01' + INTERVAL seq DAY, '2020-05-05', '12:34:56', CAST(CONCAT('raw ', seq) AS BINARY),
	'café', 'Ångström', 'plain', 0x0102, CONCAT('short ', seq), seq, seq + 0.5, 'required', 1 + seq % 100, 'plain'
	FROM seq_1_to_2000;
UPDATE bad SET d = '0000-00-00' WHERE id = 2;
UPDATE bad SET d = '2023-02-30' WHERE id = 3;
UPDATE bad SET t = '838:59:59' WHERE id = 4;
UPDATE bad SET raw = 0x41C328FF42 WHERE id = 5;
UPDATE bad SET nul = CONCAT('a', CHAR(0), 'b') WHERE id = 6;
UPDATE bad SET long_text = REPEAT('x', 150) WHERE id = 7;
UPDATE bad SET big = 9000000000 WHERE id = 8;
UPDATE bad SET num = 1e30 WHERE id = 9;
UPDATE bad SET req = NULL WHERE id = 10;
UPDATE bad SET parent = 999 WHERE id = 11;
-- good rows with values that must arrive exactly
UPDATE bad SET dz = '0000-00-00', lat = 'café ÿ ß', lbin = 0xC5E9FF, bin = 0x00FF00, emoji = '😀 🚀 𝄞 家' WHERE id = 12;
UPDATE bad SET dz = '2024-02-00', emoji = CONCAT('a', X'F09F9880', 'b') WHERE id = 13;
CREATE TABLE dup (id INT PRIMARY KEY, k INT NOT NULL, v VARCHAR(20));
INSERT INTO dup SELECT seq, seq, CONCAT('v', seq) FROM seq_1_to_1000;
UPDATE dup SET k = 500 WHERE id = 501;
SQL
psql_admin >/dev/null <<'SQL'
CREATE FOREIGN TABLE my_bad (id int NOT NULL, d date OPTIONS (zero_dates 'error'), dz date, t time, raw text, lat text, lbin text,
	nul text, bin bytea, long_text text, big bigint, num numeric, req text, parent int, emoji text) SERVER my OPTIONS (table_name 'bad');
CREATE TABLE bad_my (id int PRIMARY KEY, d date, dz date, t time, raw text, lat text, lbin text, nul text, bin bytea,
	long_text varchar(20), big int, num numeric(12,2), req text NOT NULL, parent int REFERENCES parents, emoji text);
SELECT migration.define_step('bad_my', 'my_bad', 'bad_my', '{id}', 'id', batch_size => 500);
CREATE FOREIGN TABLE my_dup (id int NOT NULL, k int NOT NULL, v text) SERVER my OPTIONS (table_name 'dup');
CREATE VIEW v_dup_my AS SELECT k AS id, v FROM my_dup;
CREATE TABLE dup_my (id int PRIMARY KEY, v text);
SELECT migration.define_step('dup_my', 'v_dup_my', 'dup_my', '{id}', 'id', batch_size => 300);
SQL

# ---- TDS ---------------------------------------------------------------------------------
tds_source flt_bad_tds
tds_sql >/dev/null <<'SQL' || bail_out "could not create the TDS source tables"
DROP TABLE IF EXISTS flt_bad
DROP TABLE IF EXISTS flt_dup
CREATE TABLE flt_bad (id int PRIMARY KEY, d varchar(20) NULL, raw varbinary(40) NULL, lat varchar(40) NULL,
	nul nvarchar(40) NULL, bin varbinary(40) NULL, long_text nvarchar(200) NULL, big bigint NULL, num decimal(38,2) NULL,
	req nvarchar(20) NULL, parent int NULL, emoji nvarchar(40) NULL, dt datetime2(7) NULL)
INSERT INTO flt_bad (id, d, raw, lat, nul, bin, long_text, big, num, req, parent, emoji, dt)
	WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 2000)
	SELECT n, '2024-01-15', CAST('raw ' || n AS varbinary(40)), 'café', 'plain', 0x0102, 'short ' || n, n, n || '.50',
	'required', 1 + n % 100, 'plain', '2024-01-01 10:00:00.1234567' FROM g
UPDATE flt_bad SET d = '0000-00-00' WHERE id = 2
UPDATE flt_bad SET d = '2023-02-30' WHERE id = 3
UPDATE flt_bad SET raw = 0x41C328FF42 WHERE id = 5
UPDATE flt_bad SET nul = N'a' + NCHAR(0) + N'b' WHERE id = 6
UPDATE flt_bad SET long_text = REPLICATE(N'x', 150) WHERE id = 7
UPDATE flt_bad SET big = 9000000000 WHERE id = 8
UPDATE flt_bad SET num = 1000000000000000000000000000000.00 WHERE id = 9
UPDATE flt_bad SET req = NULL WHERE id = 10
UPDATE flt_bad SET parent = 999 WHERE id = 11
UPDATE flt_bad SET lat = 'café ÿ ß', bin = 0x00FF00, emoji = N'😀 🚀 𝄞 家', dt = '0001-01-01 00:00:00' WHERE id = 12
UPDATE flt_bad SET dt = '9999-12-31 23:59:59.999999' WHERE id = 13
CREATE TABLE flt_dup (id int PRIMARY KEY, k int NOT NULL, v nvarchar(20))
INSERT INTO flt_dup (id, k, v) WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 1000) SELECT n, n, 'v' || n FROM g
UPDATE flt_dup SET k = 500 WHERE id = 501
go
SQL
psql_admin >/dev/null <<'SQL'
CREATE FOREIGN TABLE ms_bad (id int NOT NULL, d text, raw text, lat text, nul text, bin bytea, long_text text, big bigint,
	num numeric, req text, parent int, emoji text, dt timestamp(6)) SERVER ms OPTIONS (table_name 'flt_bad');
-- the transform casts the date strings: an impossible date is the view's error
CREATE VIEW v_bad_ms AS SELECT id, d::date AS d, raw, lat, nul, bin, long_text, big, num, req, parent, emoji, dt FROM ms_bad;
CREATE TABLE bad_ms (id int PRIMARY KEY, d date, raw text, lat text, nul text, bin bytea, long_text varchar(20), big int,
	num numeric(12,2), req text NOT NULL, parent int REFERENCES parents, emoji text, dt timestamp(6));
SELECT migration.define_step('bad_ms', 'v_bad_ms', 'bad_ms', '{id}', 'id', batch_size => 500);
CREATE FOREIGN TABLE ms_dup (id int NOT NULL, k int NOT NULL, v text) SERVER ms OPTIONS (table_name 'flt_dup');
CREATE VIEW v_dup_ms AS SELECT k AS id, v FROM ms_dup;
CREATE TABLE dup_ms (id int PRIMARY KEY, v text);
SELECT migration.define_step('dup_ms', 'v_dup_ms', 'dup_ms', '{id}', 'id', batch_size => 300);
SQL
note "sources ready"

failures() { # STEP — "key:sqlstate" of its failures, in key order
	psql_admin -c "SELECT string_agg((source_key ->> 0) || ':' || sqlstate, ' ' ORDER BY (source_key ->> 0)::int)
		FROM migration.failure WHERE step = '$1'"
}

# check_bad STEP FOREIGN_TABLE EXPECTED_FAILURES LABEL GOOD_QUERY TARGET_QUERY
check_bad() {
	local step=$1 expected=$3 label=$4 got lost wrong n
	"$bin" -q run --step "$step" 2>"$TRIBUTARY_RUN_DIR/flt_bad.err"; rc=$?
	is $rc 1 "$label: the run completes with recorded failures (exit 1)"
	got=$(failures "$step")
	is "$got" "$expected" "$label: each bad row is in migration.failure with its SQLSTATE"
	psql_admin -c "SELECT '#   ' || (source_key ->> 0) || ' ' || sqlstate || ' ' || message || coalesce(' / ' || detail, '')
		FROM migration.failure WHERE step = '$step' ORDER BY (source_key ->> 0)::int"
	is "$(psql_admin -c "SELECT count(*) FROM migration.failure WHERE step = '$step' AND (message IS NULL OR message = '')")" 0 \
		"$label: every failure has a message"
	lost=$(rows_lost "$step" "SELECT id FROM $2" "SELECT id FROM $step")
	is "$lost" 0 "$label: every source row is in the target or in migration.failure"
	wrong=$(rows_differ "$5" "$6")
	is "$wrong" 0 "$label: every other row arrived exactly as the source has it"
	n=$(echo "$expected" | wc -w)
	tally "bad input" "$label" "$n" "$([ "$got" = "$expected" ] && echo "$n" || echo 0)" "$((lost + wrong))"
}

check_bad bad_my my_bad "2:22008 3:22008 4:22008 5:22021 6:22021 7:22001 8:22003 9:22003 10:23502 11:23503" "MariaDB" \
	"SELECT * FROM my_bad WHERE id = 1 OR id >= 12" "SELECT * FROM bad_my"
is "$(psql_admin -c "SELECT dz IS NULL, lat, lbin, encode(bin, 'hex'), emoji FROM bad_my WHERE id = 12")" "t|café ÿ ß|Åéÿ|00ff00|😀 🚀 𝄞 家" \
	"MariaDB: zero dates read as NULL (default policy), latin1 converted, NUL bytes intact in bytea, emoji intact"
like "$(psql_admin -c "SELECT string_agg(message, ' | ' ORDER BY (source_key ->> 0)::int) FROM migration.failure WHERE step = 'bad_my' AND sqlstate IN ('22008', '22021')")" \
	'zero date .*"d".*"d" is not a valid date.*"t" is out of range for type time.*UTF8.* "raw".*"nul" contains a NUL byte' \
	"MariaDB: the driver's conversion errors name the value's column"

check_bad bad_ms ms_bad "2:22008 3:22008 5:22021 6:22021 7:22001 8:22003 9:22003 10:23502 11:23503" "TDS" \
	"SELECT * FROM v_bad_ms WHERE id = 1 OR id = 4 OR id >= 12" "SELECT * FROM bad_ms"
is "$(psql_admin -c "SELECT lat, encode(bin, 'hex'), emoji, dt FROM bad_ms WHERE id = 12")" "café ÿ ß|00ff00|😀 🚀 𝄞 家|0001-01-01 00:00:00" \
	"TDS: varchar text converted, NUL bytes intact in bytea, emoji (surrogate pairs) intact, year 1 intact"

# Duplicate source keys out of a view: the key is recorded (21000, none of its rows
# written) and the rest moves.
for d in my ms; do
	label=$([ $d = my ] && echo MariaDB || echo TDS)
	"$bin" -q run --step dup_$d 2>"$TRIBUTARY_RUN_DIR/flt_bad.err"; rc=$?
	sed 's/^/#   /' "$TRIBUTARY_RUN_DIR/flt_bad.err" | head -3
	is "$rc" 1 "$label: a view with a duplicate key: the run completes with a recorded failure (exit 1)"
	got=$(psql_admin -c "SELECT string_agg((source_key ->> 0) || ':' || sqlstate, ' ') FROM migration.failure WHERE step = 'dup_$d'")
	is "$got" "500:21000" "$label: the duplicate key is in migration.failure"
	n=$(psql_admin -c "SELECT count(*) FROM dup_$d")
	is "$n" 998 "$label: every other key moved"
	lost=$(rows_lost dup_$d "SELECT id FROM v_dup_$d" "SELECT id FROM dup_$d")
	tally "bad input" "$label: duplicate source keys in a view" 1 "$([ $rc -eq 1 ] && [ "$lost" = 0 ] && echo 1 || echo 0)" "$lost"
done

drop_db $db
mariadb_drop $db
printf 'DROP TABLE flt_bad\nDROP TABLE flt_dup\ngo\n' | tds_sql >/dev/null
finish

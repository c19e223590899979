# Identifiers that break naive quoting, both drivers: tables and columns with double
# quotes, spaces, brackets, backticks, non-ASCII letters and reserved words, as the
# remote names (imported, scanned, keyset-paged on a key column named that way) and as
# the local ones (foreign table, target, key, id map). And step definitions whose names
# try SQL injection: refused at definition time with a clear error, nothing executed.
. "$(dirname "$0")/lib.bash"
plan 23
db=flt_idents
fresh_db $db
mariadb_source $db
tds_source flt_idents_tds
psql_admin -c "CREATE TABLE victim (id int); INSERT INTO victim VALUES (1)"

# ---- odd identifiers end to end ------------------------------------------------------------
mariadb_root $db <<'SQL' || bail_out "could not create the MariaDB table"
CREATE TABLE `we"ird tab``le [ü]` (`ke"y ü` INT PRIMARY KEY, `co"l` VARCHAR(60), `sp ace` INT, `[br]` VARCHAR(10),
	`back``tick` INT, `Ünïcödé` VARCHAR(20), `s` INT, `select` INT, `x"); DROP TABLE victim; --` VARCHAR(20));
INSERT INTO `we"ird tab``le [ü]` SELECT seq, CONCAT('it''s "q" \\ ', seq), seq * 2, '[x]', seq * 3, 'ü', seq * 4, seq * 5, 'harmless'
	FROM seq_1_to_2500;
SQL
tds_sql >/dev/null <<'SQL' || bail_out "could not create the TDS table"
DROP TABLE IF EXISTS [we"ird tab`le [ü]]]
CREATE TABLE [we"ird tab`le [ü]]] ([ke"y ü] int PRIMARY KEY, [co"l] nvarchar(60), [sp ace] int, [[br]]] nvarchar(10),
	[back`tick] int, [Ünïcödé] nvarchar(20), [s] int, [select] int, [x"); DROP TABLE victim; --] nvarchar(20))
INSERT INTO [we"ird tab`le [ü]]] WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 2500)
	SELECT n, 'it''s "q" \ ' || n, n * 2, '[x]', n * 3, 'ü', n * 4, n * 5, 'harmless' FROM g
go
SQL
psql_admin >/dev/null <<SQL
CREATE SCHEMA "Src ""my"" [ü]";
IMPORT FOREIGN SCHEMA $db FROM SERVER my INTO "Src ""my"" [ü]";
CREATE SCHEMA "Src ""ms"" [ü]";
IMPORT FOREIGN SCHEMA dbo LIMIT TO ("we""ird tab\`le [ü]") FROM SERVER ms INTO "Src ""ms"" [ü]";
SQL
for d in my ms; do
	psql_admin >/dev/null <<SQL
CREATE TABLE "Target ""$d"" \`t\` [ü]" ("ke""y ü" int PRIMARY KEY, "co""l" text, "sp ace" int, "[br]" text, "back\`tick" int,
	"Ünïcödé" text, s int, "select" int, "x""); DROP TABLE victim; --" text);
SELECT migration.define_step('odd_$d', '"Src ""$d"" [ü]"."we""ird tab\`le [ü]"', '"Target ""$d"" \`t\` [ü]"',
	'{"ke\\"y ü"}', 'ke"y ü', batch_size => 700);
CREATE TABLE "Mapped ""$d"" [ü]" ("new id" bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, "old ""key""" int NOT NULL,
	"co""l" text, s int, "x""); DROP TABLE victim; --" text);
CREATE VIEW "v ""$d"" ü" AS SELECT "ke""y ü" AS "old id", "co""l", s, "x""); DROP TABLE victim; --"
	FROM "Src ""$d"" [ü]"."we""ird tab\`le [ü]";
SELECT migration.define_step('odd_map_$d', '"v ""$d"" ü"', '"Mapped ""$d"" [ü]"', '{old id}', 'new id', key_mode => 'map',
	source_key_column => 'old "key"', batch_size => 900);
SQL
done
note "sources and steps ready"

for d in my ms; do
	label=$([ $d = my ] && echo MariaDB || echo TDS)
	src="\"Src \"\"$d\"\" [ü]\".\"we\"\"ird tab\`le [ü]\""
	is "$(psql_admin -c "SELECT string_agg(attname, '|' ORDER BY attnum) FROM pg_attribute WHERE attrelid = '$src'::regclass AND attnum > 0")" \
		'ke"y ü|co"l|sp ace|[br]|back`tick|Ünïcödé|s|select|x"); DROP TABLE victim; --' "$label: IMPORT keeps every odd column name"
	"$bin" -q run --step odd_$d --step odd_map_$d 2>"$TRIBUTARY_RUN_DIR/flt_idents.err"; rc=$?
	sed 's/^/#   /' "$TRIBUTARY_RUN_DIR/flt_idents.err" | head -4
	is $rc 0 "$label: both steps (key kept, key mapped) complete"
	lost=$(rows_differ "SELECT * FROM $src" "SELECT * FROM \"Target \"\"$d\"\" \`t\` [ü]\"")
	is "$lost" 0 "$label: every row arrived, values with quotes and backslashes intact"
	lost2=$(rows_differ "SELECT * FROM \"v \"\"$d\"\" ü\"" "SELECT \"old \"\"key\"\"\", \"co\"\"l\", s, \"x\"\"); DROP TABLE victim; --\" FROM \"Mapped \"\"$d\"\" [ü]\"")
	is "$lost2" 0 "$label: the key-mapped step too, through a view with odd names"
	is "$(psql_admin -c "SELECT count(*) FROM migration.\"map_odd_map_$d\" m JOIN \"Mapped \"\"$d\"\" [ü]\" t ON t.\"new id\" = m.target_key AND t.\"old \"\"key\"\"\" = m.\"old id\"")" 2500 \
		"$label: the id map (its key column named after the odd source key) traces every row"
	tally "bad input" "$label: identifiers with quotes, spaces, brackets, backticks, non-ASCII" 2 \
		"$([ $rc -eq 0 ] && [ "$lost" = 0 ] && [ "$lost2" = 0 ] && echo 2 || echo 0)" "$((lost + lost2))"
done
is "$(psql_admin -c "SELECT count(*) FROM victim")" 1 "the column named like an injection executed nothing"

# A source column named s: the failure's source_row must be the row, not that column.
psql_admin >/dev/null <<'SQL'
CREATE TABLE s_src (id int PRIMARY KEY, s text, v int);
INSERT INTO s_src SELECT g, 'text ' || g, g FROM generate_series(1, 50) g;
CREATE TABLE s_target (id int PRIMARY KEY, s text, v int CHECK (v <> 25));
SELECT migration.define_step('col_s', 's_src', 's_target', '{id}', 'id', batch_size => 20);
SQL
"$bin" -q run --step col_s 2>/dev/null; rc=$?
got=$(psql_admin -c "SELECT source_key ->> 0, sqlstate, jsonb_typeof(source_row), source_row ->> 's' FROM migration.failure WHERE step = 'col_s'")
is "$got" "25|23514|object|text 25" "a source with a column named s: the refused row is recorded with its reason and its row"
tally "bad input" "a source column named like the loader's row alias (s)" 1 "$([ "$got" = "25|23514|object|text 25" ] && echo 1 || echo 0)" \
	"$(rows_lost col_s "SELECT id FROM s_src" "SELECT id FROM s_target")"

# ---- step definitions that try SQL injection --------------------------------------------------
psql_admin >/dev/null <<'SQL'
CREATE TABLE inj_src (id int PRIMARY KEY, v text, changed timestamptz);
CREATE TABLE inj_target (id int PRIMARY KEY, v text, "legacy" int);
SQL
# attempt LABEL ARGS — define_step with ARGS must fail with a clear error and run nothing
attempts=0 refused=0
attempt() {
	local out state
	attempts=$((attempts + 1))
	out=$(PGOPTIONS="-c client_min_messages=warning" psql -qAtX -v ON_ERROR_STOP=1 -v VERBOSITY=verbose \
		-c "\\set VERBOSITY verbose" -c "SELECT migration.define_step($2)" 2>&1)
	state=$(printf '%s' "$out" | sed -nE 's/^ERROR:  ([0-9A-Z]{5}): .*/\1/p' | head -1)
	echo "# $1: $(printf '%s' "$out" | head -1)"
	if [ -n "$state" ] && [ "$state" != 42601 ] && [ "$(psql_admin -c "SELECT count(*) FROM victim")" = 1 ] &&
		[ "$(psql_admin -c "SELECT count(*) FROM migration.step WHERE name NOT IN ('odd_my', 'odd_ms', 'odd_map_my', 'odd_map_ms', 'col_s')")" = 0 ]; then
		refused=$((refused + 1))
		return 0
	fi
	return 1
}
ok_attempt() { attempt "$@"; ok $? "$1: refused with a clear error, nothing executed"; }
ok_attempt "step name" "'x; DROP TABLE victim; --', 'inj_src', 'inj_target', '{id}', 'id'"
ok_attempt "source relation" "'inj', 'inj_src; DROP TABLE victim', 'inj_target', '{id}', 'id'"
ok_attempt "target table" "'inj', 'inj_src', 'inj_target\"; DROP TABLE victim; --', '{id}', 'id'"
ok_attempt "source key" "'inj', 'inj_src', 'inj_target', '{\"id) IS NULL; DROP TABLE victim; --\"}', 'id'"
ok_attempt "target key" "'inj', 'inj_src', 'inj_target', '{id}', 'id\"; DROP TABLE victim; --'"
ok_attempt "source name" "'inj', 'inj_src', 'inj_target', '{id}', 'id', source => 'default''; DROP TABLE victim; --'"
ok_attempt "source key column" "'inj', 'inj_src', 'inj_target', '{id}', 'id', source_key_column => 'legacy\"); DROP TABLE victim; --'"
ok_attempt "updated_at column" "'inj', 'inj_src', 'inj_target', '{id}', 'id', updated_at_column => 'changed\" > now()); DROP TABLE victim; --'"
ok_attempt "dependency" "'inj', 'inj_src', 'inj_target', '{id}', 'id', depends_on => '{\"x''); DROP TABLE victim; --\"}'"
ok_attempt "key mode" "'inj', 'inj_src', 'inj_target', '{id}', 'id', key_mode => 'keep''; DROP TABLE victim; --'"
is "$(psql_admin -c "SELECT count(*) FROM victim")" 1 "after every attempt the victim table is intact"
tally "bad input" "step definitions trying SQL injection" "$attempts" "$refused" 0

drop_db $db
mariadb_drop $db
printf 'DROP TABLE [we"ird tab`le [ü]]]\ngo\n' | tds_sql >/dev/null
finish

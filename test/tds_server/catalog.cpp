/*
 * catalog.cpp — metadata tables, the INFORMATION_SCHEMA and sys views over them, the
 * per-session metadata cache and OBJECT_ID()/OBJECT_NAME().
 *
 * Zone: test server (SQLite C API). Views are plain SQLite views so ordinary SELECTs with
 * WHERE and JOIN work on them; row counts come from tds_row_count(), which counts the
 * table when asked (exact, where SQL Server's are estimates).
 */
#include "test/tds_server/catalog.hpp"

#include <atomic>

#include "test/tds_server/sqlite_util.hpp"
#include "test/tds_server/wire.hpp"

namespace tributary::tds_server
{

namespace
{

std::atomic<std::uint64_t> g_schema_version{1};

const char *const metadata_ddl = R"SQL(
CREATE TABLE IF NOT EXISTS __tds_schema(
  schema_id INTEGER PRIMARY KEY, name TEXT NOT NULL COLLATE TDSCI UNIQUE,
  principal_id INTEGER NOT NULL DEFAULT 1);
INSERT OR IGNORE INTO __tds_schema VALUES (1,'dbo',1),(2,'guest',2),(3,'INFORMATION_SCHEMA',3),(4,'sys',4);
CREATE TABLE IF NOT EXISTS __tds_object(
  object_id INTEGER PRIMARY KEY, schema_id INTEGER NOT NULL, name TEXT NOT NULL COLLATE TDSCI,
  sqlite_name TEXT NOT NULL COLLATE TDSCI UNIQUE, type TEXT NOT NULL COLLATE TDSCI,
  create_date TEXT NOT NULL, modify_date TEXT NOT NULL, definition TEXT,
  UNIQUE(schema_id, name));
CREATE TABLE IF NOT EXISTS __tds_column(
  object_id INTEGER NOT NULL, column_id INTEGER NOT NULL, name TEXT NOT NULL COLLATE TDSCI,
  type_spec TEXT NOT NULL, data_type TEXT NOT NULL COLLATE TDSCI, is_nullable INTEGER NOT NULL,
  is_identity INTEGER NOT NULL, identity_seed INTEGER, identity_increment INTEGER,
  column_default TEXT, char_max_length INTEGER, char_octet_length INTEGER,
  numeric_precision INTEGER, numeric_precision_radix INTEGER, numeric_scale INTEGER,
  datetime_precision INTEGER, character_set_name TEXT, collation_name TEXT,
  system_type_id INTEGER, user_type_id INTEGER, max_length INTEGER, precision INTEGER,
  scale INTEGER, PRIMARY KEY(object_id, column_id));
CREATE TABLE IF NOT EXISTS __tds_index(
  object_id INTEGER NOT NULL, index_id INTEGER NOT NULL, name TEXT COLLATE TDSCI,
  sqlite_name TEXT, type INTEGER NOT NULL, is_unique INTEGER NOT NULL,
  is_primary_key INTEGER NOT NULL, is_unique_constraint INTEGER NOT NULL,
  PRIMARY KEY(object_id, index_id));
CREATE TABLE IF NOT EXISTS __tds_index_column(
  object_id INTEGER NOT NULL, index_id INTEGER NOT NULL, key_ordinal INTEGER NOT NULL,
  column_id INTEGER NOT NULL, is_descending_key INTEGER NOT NULL,
  PRIMARY KEY(object_id, index_id, key_ordinal));
DROP TABLE IF EXISTS __tds_type;
CREATE TABLE __tds_type(
  name TEXT COLLATE TDSCI, system_type_id INTEGER, user_type_id INTEGER, schema_id INTEGER,
  max_length INTEGER, precision INTEGER, scale INTEGER, collation_name TEXT,
  is_nullable INTEGER, is_user_defined INTEGER, is_assembly_type INTEGER);
)SQL";

/* Views whose text needs the database name substituted. */
std::string
catalog_views(const CatalogOptions &opt)
{
	const std::string db = quote_literal(opt.database);
	/* The flag can change while the server runs (ALTER DATABASE): read it per query. */
	const std::string snap = "tds_allow_snapshot()";
	const std::string snap_desc = "CASE tds_allow_snapshot() WHEN 1 THEN 'ON' ELSE 'OFF' END";
	std::string v;
	v += "CREATE VIEW \"INFORMATION_SCHEMA.SCHEMATA\" AS SELECT " + db +
	     " AS CATALOG_NAME, s.name AS SCHEMA_NAME, 'dbo' AS SCHEMA_OWNER, NULL AS "
	     "DEFAULT_CHARACTER_SET_CATALOG, NULL AS DEFAULT_CHARACTER_SET_SCHEMA, 'iso_1' AS "
	     "DEFAULT_CHARACTER_SET_NAME FROM __tds_schema s;\n";
	v += "CREATE VIEW \"INFORMATION_SCHEMA.TABLES\" AS SELECT " + db +
	     " AS TABLE_CATALOG, s.name AS TABLE_SCHEMA, o.name AS TABLE_NAME, CASE o.type WHEN 'U' "
	     "THEN 'BASE TABLE' ELSE 'VIEW' END AS TABLE_TYPE FROM __tds_object o JOIN __tds_schema s "
	     "ON s.schema_id = o.schema_id WHERE o.type IN ('U','V');\n";
	v += "CREATE VIEW \"INFORMATION_SCHEMA.COLUMNS\" AS SELECT " + db +
	     " AS TABLE_CATALOG, s.name AS TABLE_SCHEMA, o.name AS TABLE_NAME, c.name AS COLUMN_NAME, "
	     "c.column_id AS ORDINAL_POSITION, c.column_default AS COLUMN_DEFAULT, CASE WHEN "
	     "c.is_nullable THEN 'YES' ELSE 'NO' END AS IS_NULLABLE, c.data_type AS DATA_TYPE, "
	     "c.char_max_length AS CHARACTER_MAXIMUM_LENGTH, c.char_octet_length AS "
	     "CHARACTER_OCTET_LENGTH, c.numeric_precision AS NUMERIC_PRECISION, "
	     "c.numeric_precision_radix AS NUMERIC_PRECISION_RADIX, c.numeric_scale AS NUMERIC_SCALE, "
	     "c.datetime_precision AS DATETIME_PRECISION, NULL AS CHARACTER_SET_CATALOG, NULL AS "
	     "CHARACTER_SET_SCHEMA, c.character_set_name AS CHARACTER_SET_NAME, NULL AS "
	     "COLLATION_CATALOG, NULL AS COLLATION_SCHEMA, c.collation_name AS COLLATION_NAME, NULL AS "
	     "DOMAIN_CATALOG, NULL AS DOMAIN_SCHEMA, NULL AS DOMAIN_NAME FROM __tds_column c JOIN "
	     "__tds_object o ON o.object_id = c.object_id JOIN __tds_schema s ON s.schema_id = "
	     "o.schema_id;\n";
	v += "CREATE VIEW \"INFORMATION_SCHEMA.VIEWS\" AS SELECT " + db +
	     " AS TABLE_CATALOG, s.name AS TABLE_SCHEMA, o.name AS TABLE_NAME, o.definition AS "
	     "VIEW_DEFINITION, 'NONE' AS CHECK_OPTION, 'NO' AS IS_UPDATABLE FROM __tds_object o JOIN "
	     "__tds_schema s ON s.schema_id = o.schema_id WHERE o.type = 'V';\n";
	v += "CREATE VIEW \"INFORMATION_SCHEMA.TABLE_CONSTRAINTS\" AS SELECT " + db +
	     " AS CONSTRAINT_CATALOG, s.name AS CONSTRAINT_SCHEMA, i.name AS CONSTRAINT_NAME, " + db +
	     " AS TABLE_CATALOG, s.name AS TABLE_SCHEMA, o.name AS TABLE_NAME, CASE WHEN "
	     "i.is_primary_key THEN 'PRIMARY KEY' ELSE 'UNIQUE' END AS CONSTRAINT_TYPE, 'NO' AS "
	     "IS_DEFERRABLE, 'NO' AS INITIALLY_DEFERRED FROM __tds_index i JOIN __tds_object o ON "
	     "o.object_id = i.object_id JOIN __tds_schema s ON s.schema_id = o.schema_id WHERE "
	     "i.is_primary_key OR i.is_unique_constraint;\n";
	v += "CREATE VIEW \"INFORMATION_SCHEMA.KEY_COLUMN_USAGE\" AS SELECT " + db +
	     " AS CONSTRAINT_CATALOG, s.name AS CONSTRAINT_SCHEMA, i.name AS CONSTRAINT_NAME, " + db +
	     " AS TABLE_CATALOG, s.name AS TABLE_SCHEMA, o.name AS TABLE_NAME, c.name AS COLUMN_NAME, "
	     "ic.key_ordinal AS ORDINAL_POSITION FROM __tds_index i JOIN __tds_index_column ic ON "
	     "ic.object_id = i.object_id AND ic.index_id = i.index_id JOIN __tds_column c ON "
	     "c.object_id = ic.object_id AND c.column_id = ic.column_id JOIN __tds_object o ON "
	     "o.object_id = i.object_id JOIN __tds_schema s ON s.schema_id = o.schema_id WHERE "
	     "i.is_primary_key OR i.is_unique_constraint;\n";
	v += "CREATE VIEW \"sys.schemas\" AS SELECT name, schema_id, principal_id FROM __tds_schema;\n";
	const std::string object_cols =
	    "o.name AS name, o.object_id AS object_id, NULL AS principal_id, o.schema_id AS "
	    "schema_id, 0 AS parent_object_id, o.type AS type, CASE o.type WHEN 'U' THEN "
	    "'USER_TABLE' ELSE 'VIEW' END AS type_desc, o.create_date AS create_date, o.modify_date "
	    "AS modify_date, 0 AS is_ms_shipped, 0 AS is_published, 0 AS is_schema_published";
	v += "CREATE VIEW \"sys.objects\" AS SELECT " + object_cols + " FROM __tds_object o;\n";
	v += "CREATE VIEW \"sys.all_objects\" AS SELECT " + object_cols + " FROM __tds_object o;\n";
	v += "CREATE VIEW \"sys.tables\" AS SELECT " + object_cols +
	     ", 0 AS is_replicated, 0 AS temporal_type, 0 AS is_memory_optimized FROM __tds_object o "
	     "WHERE o.type = 'U';\n";
	v += "CREATE VIEW \"sys.views\" AS SELECT " + object_cols +
	     " FROM __tds_object o WHERE o.type = 'V';\n";
	v += "CREATE VIEW \"sys.columns\" AS SELECT c.object_id AS object_id, c.name AS name, "
	     "c.column_id AS column_id, c.system_type_id AS system_type_id, c.user_type_id AS "
	     "user_type_id, c.max_length AS max_length, c.precision AS precision, c.scale AS scale, "
	     "c.collation_name AS collation_name, c.is_nullable AS is_nullable, 1 AS is_ansi_padded, "
	     "0 AS is_rowguidcol, c.is_identity AS is_identity, 0 AS is_computed, 0 AS "
	     "default_object_id FROM __tds_column c;\n";
	v += "CREATE VIEW \"sys.types\" AS SELECT * FROM __tds_type;\n";
	v += "CREATE VIEW \"sys.indexes\" AS SELECT i.object_id AS object_id, i.name AS name, "
	     "i.index_id AS index_id, i.type AS type, CASE i.type WHEN 1 THEN 'CLUSTERED' ELSE "
	     "'NONCLUSTERED' END AS type_desc, i.is_unique AS is_unique, 1 AS data_space_id, 0 AS "
	     "ignore_dup_key, i.is_primary_key AS is_primary_key, i.is_unique_constraint AS "
	     "is_unique_constraint, 0 AS fill_factor, 0 AS is_disabled, 0 AS is_hypothetical FROM "
	     "__tds_index i UNION ALL SELECT o.object_id, NULL, 0, 0, 'HEAP', 0, 1, 0, 0, 0, 0, 0, 0 "
	     "FROM __tds_object o WHERE o.type = 'U' AND NOT EXISTS (SELECT 1 FROM __tds_index x "
	     "WHERE x.object_id = o.object_id AND x.index_id = 1);\n";
	v += "CREATE VIEW \"sys.index_columns\" AS SELECT object_id, index_id, key_ordinal AS "
	     "index_column_id, column_id, key_ordinal, 0 AS partition_ordinal, is_descending_key, 0 "
	     "AS is_included_column FROM __tds_index_column;\n";
	v += "CREATE VIEW \"sys.partitions\" AS SELECT i.object_id * 65536 + i.index_id AS "
	     "partition_id, i.object_id AS object_id, i.index_id AS index_id, 1 AS partition_number, "
	     "i.object_id * 65536 + i.index_id AS hobt_id, tds_row_count(o.sqlite_name) AS rows, 0 AS "
	     "data_compression, 'NONE' AS data_compression_desc FROM \"sys.indexes\" i JOIN "
	     "__tds_object o ON o.object_id = i.object_id;\n";
	v += "CREATE VIEW \"sys.dm_db_partition_stats\" AS SELECT partition_id, object_id, index_id, "
	     "partition_number, 1 AS in_row_data_page_count, 1 AS in_row_used_page_count, 1 AS "
	     "in_row_reserved_page_count, 1 AS used_page_count, 1 AS reserved_page_count, rows AS "
	     "row_count FROM \"sys.partitions\";\n";
	v += "CREATE VIEW \"sys.databases\" AS SELECT 'master' AS name, 1 AS database_id, 160 AS "
	     "compatibility_level, '" +
	     std::string(server_collation_name) +
	     "' AS collation_name, 0 AS is_read_only, 0 AS state, 'ONLINE' AS state_desc, 1 AS "
	     "snapshot_isolation_state, 'ON' AS snapshot_isolation_state_desc, 0 AS "
	     "is_read_committed_snapshot_on UNION ALL SELECT 'tempdb', 2, 160, '" +
	     std::string(server_collation_name) + "', 0, 0, 'ONLINE', 0, 'OFF', 0 UNION ALL SELECT " +
	     db + ", 5, 160, '" + std::string(server_collation_name) + "', 0, 0, 'ONLINE', " + snap +
	     ", " + snap_desc + ", 0;\n";
	return v;
}

const char *const view_names[] = {
    "INFORMATION_SCHEMA.SCHEMATA",
    "INFORMATION_SCHEMA.TABLES",
    "INFORMATION_SCHEMA.COLUMNS",
    "INFORMATION_SCHEMA.VIEWS",
    "INFORMATION_SCHEMA.TABLE_CONSTRAINTS",
    "INFORMATION_SCHEMA.KEY_COLUMN_USAGE",
    "sys.schemas",
    "sys.objects",
    "sys.all_objects",
    "sys.tables",
    "sys.views",
    "sys.columns",
    "sys.types",
    "sys.indexes",
    "sys.index_columns",
    "sys.dm_db_partition_stats",
    "sys.partitions",
    "sys.databases",
};

void
fill_types(sqlite3 *db)
{
	static const char *const names[] = {"bit",          "tinyint",        "smallint",
	                                    "int",          "bigint",         "real",
	                                    "float",        "decimal",        "numeric",
	                                    "money",        "smallmoney",     "char(1)",
	                                    "varchar(1)",   "nchar(1)",       "nvarchar(1)",
	                                    "text",         "ntext",          "binary(1)",
	                                    "varbinary(1)", "image",          "date",
	                                    "time",         "datetime",       "smalldatetime",
	                                    "datetime2",    "datetimeoffset", "uniqueidentifier",
	                                    "xml",          "timestamp",      "sql_variant"};
	Stmt ins(db, "INSERT INTO __tds_type VALUES (?1, ?2, ?2, 4, ?3, ?4, ?5, ?6, 1, 0, 0)");
	for (const char *n : names) {
		const SqlType t = *parse_sql_type(n);
		const TypeFacts f = type_facts(t);
		ins.bind(1, std::string(type_name(t.id)));
		ins.bind(2, static_cast<std::int64_t>(f.system_type_id));
		ins.bind(3, static_cast<std::int64_t>(t.length == 1 ? 8000 : f.max_length));
		ins.bind(4, static_cast<std::int64_t>(f.precision));
		ins.bind(5, static_cast<std::int64_t>(f.scale));
		if (f.collation_name) {
			ins.bind(6, *f.collation_name);
		} else {
			ins.bind_null(6);
		}
		ins.step();
		sqlite3_reset(ins.get());
	}
}

/* Split 'db.schema.name' / '[a].[b]' into unquoted parts (empty parts kept). */
std::vector<std::string>
split_name(std::string_view s)
{
	std::vector<std::string> parts(1);
	for (std::size_t i = 0; i < s.size(); i++) {
		const char c = s[i];
		if (c == '[' || c == '"') {
			const char close = c == '[' ? ']' : '"';
			for (i++; i < s.size(); i++) {
				if (s[i] == close) {
					if (i + 1 < s.size() && s[i + 1] == close) {
						parts.back().push_back(close);
						i++;
						continue;
					}
					break;
				}
				parts.back().push_back(s[i]);
			}
		} else if (c == '.') {
			parts.emplace_back();
		} else if (c != ' ') {
			parts.back().push_back(c);
		}
	}
	return parts;
}

void
fn_object_id(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
		sqlite3_result_null(ctx);
		return;
	}
	const auto *p = reinterpret_cast<const char *>(sqlite3_value_text(argv[0]));
	std::vector<std::string> parts = split_name(p ? p : "");
	if (parts.size() > 3 || parts.back().empty()) {
		sqlite3_result_null(ctx);
		return;
	}
	const std::string name = parts.back();
	std::string schema = parts.size() >= 2 ? parts[parts.size() - 2] : "dbo";
	if (schema.empty()) {
		schema = "dbo";
	}
	std::string sql = "SELECT o.object_id FROM __tds_object o JOIN __tds_schema s ON s.schema_id = "
	                  "o.schema_id WHERE s.name = ?1 AND o.name = ?2";
	if (argc == 2 && sqlite3_value_type(argv[1]) != SQLITE_NULL) {
		sql += " AND o.type = ?3";
	}
	sqlite3_stmt *st = nullptr;
	if (sqlite3_prepare_v2(sqlite3_context_db_handle(ctx), sql.c_str(), -1, &st, nullptr) !=
	    SQLITE_OK) {
		sqlite3_finalize(st);
		sqlite3_result_null(ctx);
		return;
	}
	sqlite3_bind_text(st, 1, schema.c_str(), -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, name.c_str(), -1, SQLITE_TRANSIENT);
	if (argc == 2) {
		sqlite3_bind_value(st, 3, argv[1]);
	}
	if (sqlite3_step(st) == SQLITE_ROW) {
		sqlite3_result_int64(ctx, sqlite3_column_int64(st, 0));
	} else {
		sqlite3_result_null(ctx);
	}
	sqlite3_finalize(st);
}

void
fn_object_name(sqlite3_context *ctx, int, sqlite3_value **argv)
{
	sqlite3_stmt *st = nullptr;
	const bool schema = sqlite3_user_data(ctx) != nullptr;
	const char *sql = schema ? "SELECT name FROM __tds_schema WHERE schema_id = ?1"
	                         : "SELECT name FROM __tds_object WHERE object_id = ?1";
	if (sqlite3_prepare_v2(sqlite3_context_db_handle(ctx), sql, -1, &st, nullptr) != SQLITE_OK) {
		sqlite3_finalize(st);
		sqlite3_result_null(ctx);
		return;
	}
	sqlite3_bind_value(st, 1, argv[0]);
	if (sqlite3_step(st) == SQLITE_ROW) {
		sqlite3_result_value(ctx, sqlite3_column_value(st, 0));
	} else {
		sqlite3_result_null(ctx);
	}
	sqlite3_finalize(st);
}

} // namespace

void
init_catalog(sqlite3 *db, const CatalogOptions &opt)
{
	exec(db, "BEGIN IMMEDIATE");
	try {
		exec(db, metadata_ddl);
		fill_types(db);
		for (const char *v : view_names) {
			exec(db, "DROP VIEW IF EXISTS " + quote_ident(v));
		}
		exec(db, catalog_views(opt));
		exec(db, "COMMIT");
	} catch (...) {
		sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
		throw;
	}
}

bool
register_catalog_functions(sqlite3 *db)
{
	return sqlite3_create_function(db, "tds_object_id", 1, SQLITE_UTF8, nullptr, fn_object_id,
	                               nullptr, nullptr) == SQLITE_OK &&
	       sqlite3_create_function(db, "tds_object_id", 2, SQLITE_UTF8, nullptr, fn_object_id,
	                               nullptr, nullptr) == SQLITE_OK &&
	       sqlite3_create_function(db, "tds_object_name", 1, SQLITE_UTF8, nullptr, fn_object_name,
	                               nullptr, nullptr) == SQLITE_OK &&
	       sqlite3_create_function(db, "tds_schema_name", 1, SQLITE_UTF8,
	                               reinterpret_cast<void *>(1), fn_object_name, nullptr,
	                               nullptr) == SQLITE_OK;
}

void
bump_schema_version()
{
	g_schema_version.fetch_add(1);
}

std::string
sqlite_object_name(std::string_view schema, std::string_view name)
{
	if (iequals(schema, "dbo") || schema.empty()) {
		return std::string(name);
	}
	return std::string(schema) + "." + std::string(name);
}

void
Catalog::refresh()
{
	const std::uint64_t v = g_schema_version.load();
	if (v != m_version) {
		load();
		m_version = v;
	}
}

void
Catalog::load()
{
	m_schemas.clear();
	m_objects.clear();
	m_name_kinds.clear();
	{
		Stmt st(m_db, "SELECT schema_id, name FROM __tds_schema");
		while (st.step()) {
			m_schemas[to_lower_ascii(st.text(1))] = st.int64(0);
		}
	}
	std::map<std::int64_t, std::string> by_id;
	{
		Stmt st(m_db, "SELECT o.object_id, s.name, o.name, o.sqlite_name, o.type FROM "
		              "__tds_object o JOIN __tds_schema s ON s.schema_id = o.schema_id");
		while (st.step()) {
			ObjectMeta o;
			o.object_id = st.int64(0);
			o.schema = st.text(1);
			o.name = st.text(2);
			o.sqlite_name = st.text(3);
			o.type = st.text(4).empty() ? 'U' : st.text(4)[0];
			const std::string key = to_lower_ascii(o.sqlite_name);
			by_id[o.object_id] = key;
			m_objects[key] = std::move(o);
		}
	}
	Stmt st(m_db, "SELECT object_id, column_id, name, type_spec, is_nullable, is_identity FROM "
	              "__tds_column ORDER BY object_id, column_id");
	while (st.step()) {
		const auto it = by_id.find(st.int64(0));
		if (it == by_id.end()) {
			continue;
		}
		ColumnMeta c;
		c.ordinal = static_cast<int>(st.int64(1));
		c.name = st.text(2);
		const auto t = parse_sql_type(st.text(3));
		c.type = t ? *t : SqlType{TypeId::nvarchar, -1, 0, 0};
		c.nullable = st.int64(4) != 0;
		c.identity = st.int64(5) != 0;
		const NameKind kind = !is_char_type(c.type.id) || c.type.id == TypeId::xml ? NameKind::other
		                      : is_unicode_type(c.type.id) ? NameKind::unicode_text
		                                                   : NameKind::byte_text;
		const auto [pos, fresh] = m_name_kinds.emplace(to_lower_ascii(c.name), kind);
		if (!fresh && pos->second != kind) {
			pos->second = NameKind::unknown;
		}
		m_objects[it->second].columns.push_back(std::move(c));
	}
}

bool
Catalog::is_schema(std::string_view name)
{
	refresh();
	return m_schemas.count(to_lower_ascii(name)) > 0;
}

std::optional<std::int64_t>
Catalog::schema_id(std::string_view name)
{
	refresh();
	const auto it = m_schemas.find(to_lower_ascii(name));
	if (it == m_schemas.end()) {
		return std::nullopt;
	}
	return it->second;
}

Catalog::NameKind
Catalog::column_name_kind(std::string_view name)
{
	refresh();
	const auto it = m_name_kinds.find(to_lower_ascii(name));
	return it == m_name_kinds.end() ? NameKind::unknown : it->second;
}

const ObjectMeta *
Catalog::find(std::string_view schema, std::string_view name)
{
	return by_sqlite_name(sqlite_object_name(schema, name));
}

const ObjectMeta *
Catalog::by_sqlite_name(std::string_view sqlite_name)
{
	refresh();
	const auto it = m_objects.find(to_lower_ascii(sqlite_name));
	return it == m_objects.end() ? nullptr : &it->second;
}

const ColumnMeta *
Catalog::origin_column(std::string_view sqlite_table, std::string_view column)
{
	if (sqlite_table.substr(0, 6) == "__tds_") {
		/* Internal metadata: ids are int, flags bit, names sysname. */
		const std::string key = std::string(sqlite_table) + '\x1f' + std::string(column);
		auto it = m_internal.find(key);
		if (it != m_internal.end()) {
			return &it->second;
		}
		ColumnMeta c;
		c.name = std::string(column);
		const std::string col = to_lower_ascii(column);
		if (col.substr(0, 3) == "is_") {
			c.type = SqlType{TypeId::bit, 0, 0, 0};
		} else if (col == "definition") {
			c.type = SqlType{TypeId::nvarchar, -1, 0, 0};
		} else if (col == "column_default") {
			c.type = SqlType{TypeId::nvarchar, 4000, 0, 0};
		} else if (col == "create_date" || col == "modify_date") {
			c.type = SqlType{TypeId::datetime, 0, 0, 3};
		} else if (col == "type" && sqlite_table == "__tds_object") {
			c.type = SqlType{TypeId::char_, 2, 0, 0};
		} else if (col == "name" || col == "data_type" || col == "type_spec" ||
		           col == "character_set_name" || col == "collation_name" || col == "sqlite_name") {
			c.type = SqlType{TypeId::nvarchar, 128, 0, 0};
		} else {
			c.type = SqlType{TypeId::int4, 0, 0, 0};
		}
		return &m_internal.emplace(key, c).first->second;
	}
	const ObjectMeta *o = by_sqlite_name(sqlite_table);
	if (!o) {
		return nullptr;
	}
	for (const ColumnMeta &c : o->columns) {
		if (iequals(c.name, column)) {
			return &c;
		}
	}
	return nullptr;
}

} // namespace tributary::tds_server

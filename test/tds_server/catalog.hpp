/*
 * catalog.hpp — the test server's metadata: which schemas, tables and views exist, the
 * declared SQL Server type of every column, and the INFORMATION_SCHEMA / sys views built
 * over them.
 *
 * Storage: tables of schema dbo live in SQLite under their own name (dbo.t -> "t");
 * tables of any other schema s are named "s.t". Metadata lives in the __tds_* tables of
 * the same SQLite file; the catalog views are SQLite views named "sys.tables",
 * "INFORMATION_SCHEMA.COLUMNS" and so on, recreated at start-up.
 *
 * Zone: test server (SQLite C API). A Catalog object belongs to one session; it caches
 * the metadata and reloads it when any session has changed the schema (global version).
 */
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "test/tds_server/types.hpp"

namespace tributary::tds_server
{

struct ColumnMeta {
	std::string name;
	SqlType type;
	bool nullable = true;
	bool identity = false;
	int ordinal = 0;
};

struct ObjectMeta {
	std::int64_t object_id = 0;
	std::string schema;
	std::string name;
	std::string sqlite_name;
	char type = 'U'; /* 'U' table, 'V' view */
	std::vector<ColumnMeta> columns;
};

struct CatalogOptions {
	std::string database = "tributary";
};

/* Create metadata tables (if missing) and (re)create the catalog views. Throws SqliteError. */
void init_catalog(sqlite3 *db, const CatalogOptions &opt);

/* Functions the catalog views and OBJECT_ID() need (tds_object_id...). */
bool register_catalog_functions(sqlite3 *db);

/* Bump after any committed DDL so other sessions reload their cache. */
void bump_schema_version();

/* SQLite name of a SQL Server object: dbo.t -> t, s.t -> s.t. */
std::string sqlite_object_name(std::string_view schema, std::string_view name);

class Catalog
{
  public:
	explicit Catalog(sqlite3 *db) : m_db(db) {}

	/* Reload if another session changed the schema; cheap when nothing changed. */
	void refresh();
	void
	invalidate()
	{
		m_version = ~std::uint64_t(0);
	}

	bool is_schema(std::string_view name);
	std::optional<std::int64_t> schema_id(std::string_view name);
	const ObjectMeta *find(std::string_view schema, std::string_view name);
	const ObjectMeta *by_sqlite_name(std::string_view sqlite_name);
	/* What user columns of this name hold, when they all agree (for '+' and DATALENGTH). */
	enum class NameKind { unknown, unicode_text, byte_text, other };
	NameKind column_name_kind(std::string_view name);
	bool
	is_text_column_name(std::string_view name)
	{
		const NameKind k = column_name_kind(name);
		return k == NameKind::unicode_text || k == NameKind::byte_text;
	}
	/* Declared type of a result column's origin (user or internal table). */
	const ColumnMeta *origin_column(std::string_view sqlite_table, std::string_view column);

  private:
	void load();

	sqlite3 *m_db;
	std::uint64_t m_version = ~std::uint64_t(0);
	std::map<std::string, std::int64_t> m_schemas; /* lower-case name -> id */
	std::map<std::string, ObjectMeta> m_objects;   /* lower-case sqlite name -> object */
	std::map<std::string, ColumnMeta> m_internal;  /* "table\x1fcolumn" -> type */
	std::map<std::string, NameKind> m_name_kinds;  /* lower-case column name -> kind */
};

} // namespace tributary::tds_server

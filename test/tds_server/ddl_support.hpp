/*
 * ddl_support.hpp — parsing of T-SQL DDL pieces (object names, column definitions,
 * constraints) and the writes to the __tds_* metadata tables that CREATE/ALTER/DROP share.
 *
 * Zone: test server (SQLite C API). Helpers throw SqlError for bad T-SQL and SqliteError
 * for failed SQLite writes; callers run them inside in_savepoint().
 */
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <vector>

#include "test/tds_server/splitter.hpp"
#include "test/tds_server/sqlite_util.hpp"
#include "test/tds_server/translate.hpp"

namespace tributary::tds_server::ddl
{

constexpr std::size_t npos = static_cast<std::size_t>(-1);

struct KeyColumn {
	std::string name;
	bool desc = false;
};

struct ColumnDef {
	std::string name;
	SqlType type;
	bool nullable = true;
	bool identity = false;
	std::int64_t seed = 1;
	std::int64_t increment = 1;
	std::string default_sql;
	std::string default_display;
	std::vector<std::string> checks;
	std::string collate;
	std::string references;
	bool rowid_alias = false;
};

struct Constraint {
	enum class Kind { primary, unique, foreign, check, index } kind = Kind::primary;
	std::string name;
	std::vector<KeyColumn> columns;
	bool clustered = false;
	bool nonclustered = false;
	std::string sql; /* FOREIGN KEY / CHECK tail, already SQLite */
};

struct ObjectName {
	std::string schema = "dbo";
	std::string name;
};

/* A parsed CREATE TABLE: columns and constraints, keys normalised (names, rowid alias). */
struct TableDef {
	ObjectName name;
	std::vector<ColumnDef> columns;
	std::vector<Constraint> constraints;
};

/* CREATE TABLE statement plus triggers and indexes to run after it. */
struct TableSql {
	std::string create;
	std::vector<std::string> extra;
};

std::string upper(const Token &t);
void expect(const Statement &st, std::size_t i, const char *what);
ObjectName parse_name(const Statement &st, std::size_t &i, const TranslateContext &ctx);
std::vector<KeyColumn> parse_key_columns(const Statement &st, std::size_t &i);
void skip_storage_options(const Statement &st, std::size_t &i, std::size_t end);
std::string key_list(const std::vector<KeyColumn> &cols, bool with_order);
std::string tokens_sql(const Statement &st, std::size_t b, std::size_t e,
                       const TranslateContext &ctx);
ColumnDef parse_column(const Statement &st, std::size_t b, std::size_t e,
                       const TranslateContext &ctx, std::vector<Constraint> &constraints);
Constraint parse_table_constraint(const Statement &st, std::size_t b, std::size_t e,
                                  const TranslateContext &ctx);
/* Does a value of this type need a tds_check() CHECK constraint? */
bool needs_check(const SqlType &t);
/* SQLite column definition for a (non rowid-alias) column: type, NOT NULL, DEFAULT, CHECKs. */
std::string column_sql(const ColumnDef &c);

std::int64_t next_object_id(sqlite3 *db);
void insert_object(sqlite3 *db, std::int64_t id, std::int64_t schema_id, const ObjectName &n,
                   char type, const std::string &definition);
void insert_column(sqlite3 *db, std::int64_t object_id, int ordinal, const std::string &name,
                   const SqlType &t, bool nullable, bool identity, std::int64_t seed,
                   std::int64_t inc, const std::string &def);
void insert_index(sqlite3 *db, std::int64_t object_id, int index_id, const std::string &name,
                  const std::string &sqlite_name, bool clustered, bool unique, bool primary,
                  bool constraint, const std::vector<KeyColumn> &cols,
                  const std::vector<ColumnDef> &table_cols);
/* ddl_table.cpp: parse "( column, ..., constraint )" starting at the '(' at i. */
TableDef parse_table_body(const Statement &st, std::size_t i, const ObjectName &n,
                          const TranslateContext &ctx);
TableSql table_sql(const TableDef &def, const std::string &table);
void insert_table_metadata(sqlite3 *db, std::int64_t schema_id, const TableDef &def,
                           const std::string &table);

/* Drop a table or view and every metadata row about it. */
void drop_object(sqlite3 *db, const ObjectMeta &o);

/* Run body inside a savepoint; roll back the DDL and its metadata if anything throws. */
template <typename F>
void
in_savepoint(sqlite3 *db, F &&body)
{
	exec(db, "SAVEPOINT tds_ddl");
	try {
		body();
		exec(db, "RELEASE tds_ddl");
	} catch (...) {
		sqlite3_exec(db, "ROLLBACK TO tds_ddl; RELEASE tds_ddl", nullptr, nullptr, nullptr);
		throw;
	}
}

} // namespace tributary::tds_server::ddl

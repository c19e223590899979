/*
 * sqlite_util.hpp — small RAII helpers over the SQLite C API used by the catalog and DDL
 * code: a statement wrapper, exec(), and identifier/literal quoting.
 *
 * Zone: test server (SQLite C API). Failures throw SqliteError with SQLite's codes and
 * message; errors.cpp maps them to SQL Server errors.
 */
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace tributary::tds_server
{

class SqliteError : public std::runtime_error
{
  public:
	SqliteError(int code, int extended, const std::string &msg)
	    : std::runtime_error(msg), m_code(code), m_extended(extended)
	{
	}
	static SqliteError from(sqlite3 *db, int code);
	int
	code() const
	{
		return m_code;
	}
	int
	extended() const
	{
		return m_extended;
	}

  private:
	int m_code;
	int m_extended;
};

class Stmt
{
  public:
	Stmt(sqlite3 *db, std::string_view sql);
	~Stmt();
	Stmt(const Stmt &) = delete;
	Stmt &operator=(const Stmt &) = delete;

	Stmt &bind(int idx, std::int64_t v);
	Stmt &bind(int idx, std::string_view v);
	Stmt &bind_null(int idx);
	/* true while rows come; false when done; throws on error. */
	bool step();
	std::int64_t
	int64(int col) const
	{
		return sqlite3_column_int64(m_st, col);
	}
	std::string text(int col) const;
	bool
	is_null(int col) const
	{
		return sqlite3_column_type(m_st, col) == SQLITE_NULL;
	}
	sqlite3_stmt *
	get() const
	{
		return m_st;
	}

  private:
	sqlite3 *m_db;
	sqlite3_stmt *m_st = nullptr;
};

void exec(sqlite3 *db, const std::string &sql);
std::string quote_ident(std::string_view name);
std::string quote_literal(std::string_view text);

/* For the tds_* SQL functions: a value's text or bytes (valid until the value changes). */
std::string_view value_text(sqlite3_value *v);
std::string_view value_blob(sqlite3_value *v);
void result_text(sqlite3_context *ctx, const std::string &s);
/* Fail the function with a SQL Server error: "TDS#number#16#text" (errors.cpp decodes it). */
void result_tds_error(sqlite3_context *ctx, int number, const std::string &text);

} // namespace tributary::tds_server

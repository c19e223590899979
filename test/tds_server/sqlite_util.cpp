/*
 * sqlite_util.cpp — the RAII statement wrapper, exec() and quoting helpers.
 *
 * Zone: test server (SQLite C API).
 */
#include "test/tds_server/sqlite_util.hpp"

namespace tributary::tds_server
{

SqliteError
SqliteError::from(sqlite3 *db, int code)
{
	return SqliteError(code & 0xFF, sqlite3_extended_errcode(db), sqlite3_errmsg(db));
}

Stmt::Stmt(sqlite3 *db, std::string_view sql) : m_db(db)
{
	const int rc = sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &m_st, nullptr);
	if (rc != SQLITE_OK) {
		throw SqliteError::from(db, rc);
	}
}

Stmt::~Stmt()
{
	sqlite3_finalize(m_st);
}

Stmt &
Stmt::bind(int idx, std::int64_t v)
{
	sqlite3_bind_int64(m_st, idx, v);
	return *this;
}

Stmt &
Stmt::bind(int idx, std::string_view v)
{
	sqlite3_bind_text(m_st, idx, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
	return *this;
}

Stmt &
Stmt::bind_null(int idx)
{
	sqlite3_bind_null(m_st, idx);
	return *this;
}

bool
Stmt::step()
{
	const int rc = sqlite3_step(m_st);
	if (rc == SQLITE_ROW) {
		return true;
	}
	if (rc == SQLITE_DONE) {
		return false;
	}
	throw SqliteError::from(m_db, rc);
}

std::string
Stmt::text(int col) const
{
	const auto *p = reinterpret_cast<const char *>(sqlite3_column_text(m_st, col));
	return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(m_st, col)))
	         : std::string();
}

void
exec(sqlite3 *db, const std::string &sql)
{
	char *err = nullptr;
	const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
	if (rc != SQLITE_OK) {
		const std::string msg = err ? err : sqlite3_errmsg(db);
		sqlite3_free(err);
		throw SqliteError(rc & 0xFF, sqlite3_extended_errcode(db), msg);
	}
}

std::string
quote_ident(std::string_view name)
{
	std::string s = "\"";
	for (const char c : name) {
		s.push_back(c);
		if (c == '"') {
			s.push_back('"');
		}
	}
	s.push_back('"');
	return s;
}

std::string
quote_literal(std::string_view text)
{
	std::string s = "'";
	for (const char c : text) {
		s.push_back(c);
		if (c == '\'') {
			s.push_back('\'');
		}
	}
	s.push_back('\'');
	return s;
}

std::string_view
value_text(sqlite3_value *v)
{
	const auto *p = reinterpret_cast<const char *>(sqlite3_value_text(v));
	return std::string_view(p ? p : "", static_cast<std::size_t>(sqlite3_value_bytes(v)));
}

std::string_view
value_blob(sqlite3_value *v)
{
	const auto *p = static_cast<const char *>(sqlite3_value_blob(v));
	return std::string_view(p ? p : "", static_cast<std::size_t>(sqlite3_value_bytes(v)));
}

void
result_text(sqlite3_context *ctx, const std::string &s)
{
	sqlite3_result_text(ctx, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
}

void
result_tds_error(sqlite3_context *ctx, int number, const std::string &text)
{
	const std::string s = "TDS#" + std::to_string(number) + "#16#" + text;
	sqlite3_result_error(ctx, s.c_str(), static_cast<int>(s.size()));
}

} // namespace tributary::tds_server

/*
 * value.hpp — a SQLite-shaped value (NULL, integer, real, text, blob) used for T-SQL
 * variables and RPC parameters, with its declared SQL Server type.
 *
 * Zone: test server (SQLite C API for binding and reading only).
 */
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <map>
#include <string>

#include "test/tds_server/types.hpp"

namespace tributary::tds_server
{

struct Value {
	enum class Kind : std::uint8_t { null, integer, real, text, blob };
	Kind kind = Kind::null;
	std::int64_t i = 0;
	double d = 0.0;
	std::string s; /* text (UTF-8) or blob bytes */

	static Value
	null()
	{
		return Value{};
	}
	static Value
	integer(std::int64_t v)
	{
		Value x;
		x.kind = Kind::integer;
		x.i = v;
		return x;
	}
	static Value
	real(double v)
	{
		Value x;
		x.kind = Kind::real;
		x.d = v;
		return x;
	}
	static Value
	text(std::string v)
	{
		Value x;
		x.kind = Kind::text;
		x.s = std::move(v);
		return x;
	}
	static Value
	blob(std::string v)
	{
		Value x;
		x.kind = Kind::blob;
		x.s = std::move(v);
		return x;
	}

	static Value
	from_column(sqlite3_stmt *st, int col)
	{
		switch (sqlite3_column_type(st, col)) {
		case SQLITE_INTEGER:
			return integer(sqlite3_column_int64(st, col));
		case SQLITE_FLOAT:
			return real(sqlite3_column_double(st, col));
		case SQLITE_TEXT:
			return text(std::string(reinterpret_cast<const char *>(sqlite3_column_text(st, col)),
			                        static_cast<std::size_t>(sqlite3_column_bytes(st, col))));
		case SQLITE_BLOB: {
			const auto *p = static_cast<const char *>(sqlite3_column_blob(st, col));
			return blob(
			    std::string(p ? p : "", static_cast<std::size_t>(sqlite3_column_bytes(st, col))));
		}
		default:
			return null();
		}
	}

	void
	bind(sqlite3_stmt *st, int idx) const
	{
		switch (kind) {
		case Kind::null:
			sqlite3_bind_null(st, idx);
			break;
		case Kind::integer:
			sqlite3_bind_int64(st, idx, i);
			break;
		case Kind::real:
			sqlite3_bind_double(st, idx, d);
			break;
		case Kind::text:
			sqlite3_bind_text64(st, idx, s.data(), s.size(), SQLITE_STATIC, SQLITE_UTF8);
			break;
		case Kind::blob:
			sqlite3_bind_blob64(st, idx, s.data(), s.size(), SQLITE_STATIC);
			break;
		}
	}
};

/* A T-SQL variable or RPC parameter. */
struct Variable {
	std::string name; /* as declared, with '@' */
	SqlType type;
	bool typed = false; /* declared type known */
	bool output = false;
	Value value;
};

/* Variables of one batch or one RPC call; keys are lower-case names with '@'. */
using Scope = std::map<std::string, Variable>;

} // namespace tributary::tds_server

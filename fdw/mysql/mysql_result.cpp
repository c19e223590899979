/*
 * mysql_result.cpp — reading one MySQL/MariaDB result set row by row and
 * decoding it into remote::Cell, straight from the client library's buffers.
 *
 * Zone: driver zone (no PostgreSQL headers, never calls the backend). Throws
 * RemoteError. fetch() may run on the cursor's read-ahead thread: it touches
 * only this reader, the MYSQL handle it owns for the scan, and the
 * connection's atomic broken flag.
 *
 * No silent loss: mysql_fetch_row() returns NULL both at the end of the result
 * and on an error; only a NULL with mysql_errno() == 0 is the end marker.
 */
#include "fdw/mysql/mysql_result.hpp"

#include <mysql.h>

#include <cstring>

#include "fdw/mysql/mysql_connection.hpp"
#include "fdw/mysql/mysql_errors.hpp"
#include "fdw/remote/driver_zone.hpp"

namespace tributary::mysql {

using remote::Cell;
using remote::CellKind;
using remote::ErrorKind;
using remote::RemoteError;

namespace {

constexpr unsigned int binary_charset = 63;
/* First buffer for a string column of the binary protocol; grows on truncation. */
constexpr unsigned long initial_string_buffer = 4096;
const char empty_bytes[1] = {0};

std::string
wire_type_name(const MYSQL_FIELD &f)
{
	const bool is_unsigned = (f.flags & UNSIGNED_FLAG) != 0;
	const bool binary = f.charsetnr == binary_charset;
	std::string t;
	switch (f.type) {
	case MYSQL_TYPE_TINY: t = "tinyint"; break;
	case MYSQL_TYPE_SHORT: t = "smallint"; break;
	case MYSQL_TYPE_INT24: t = "mediumint"; break;
	case MYSQL_TYPE_LONG: t = "int"; break;
	case MYSQL_TYPE_LONGLONG: t = "bigint"; break;
	case MYSQL_TYPE_FLOAT: t = "float"; break;
	case MYSQL_TYPE_DOUBLE: t = "double"; break;
	case MYSQL_TYPE_DECIMAL:
	case MYSQL_TYPE_NEWDECIMAL: {
		const unsigned long digits = f.length - (f.decimals > 0 ? 1 : 0) - (is_unsigned ? 0 : 1);
		t = "decimal(" + std::to_string(digits) + "," + std::to_string(f.decimals) + ")";
		break;
	}
	case MYSQL_TYPE_BIT: t = "bit(" + std::to_string(f.length) + ")"; break;
	case MYSQL_TYPE_YEAR: t = "year"; break;
	case MYSQL_TYPE_DATE:
	case MYSQL_TYPE_NEWDATE: t = "date"; break;
	case MYSQL_TYPE_DATETIME:
	case MYSQL_TYPE_DATETIME2: t = "datetime"; break;
	case MYSQL_TYPE_TIMESTAMP:
	case MYSQL_TYPE_TIMESTAMP2: t = "timestamp"; break;
	case MYSQL_TYPE_TIME:
	case MYSQL_TYPE_TIME2: t = "time"; break;
	case MYSQL_TYPE_JSON: t = "json"; break;
	case MYSQL_TYPE_GEOMETRY: t = "geometry"; break;
	case MYSQL_TYPE_NULL: t = "null"; break;
	case MYSQL_TYPE_ENUM: t = "enum"; break;
	case MYSQL_TYPE_SET: t = "set"; break;
	case MYSQL_TYPE_STRING:
		t = (f.flags & ENUM_FLAG) != 0  ? "enum"
		    : (f.flags & SET_FLAG) != 0 ? "set"
		    : binary                    ? "binary"
		                                : "char";
		break;
	case MYSQL_TYPE_VARCHAR:
	case MYSQL_TYPE_VAR_STRING: t = binary ? "varbinary" : "varchar"; break;
	default: t = binary ? "blob" : "text"; break;
	}
	if (f.type >= MYSQL_TYPE_DATETIME && f.decimals > 0 && f.decimals <= 6 &&
	    f.type != MYSQL_TYPE_YEAR && f.type != MYSQL_TYPE_NEWDATE && f.type != MYSQL_TYPE_DATE) {
		t += "(" + std::to_string(f.decimals) + ")";
	}
	if (is_unsigned && t.rfind("decimal", 0) != 0) {
		t += " unsigned";
	}
	return t;
}

RemoteError
bad_value(const remote::ColumnInfo &column, const char *p, std::size_t n)
{
	std::string shown(p, n < 64 ? n : 64);
	return RemoteError(
	    ErrorKind::data, "could not decode the MySQL value of column \"" + column.name + "\"",
	    "The server sent \"" + shown + "\" for a column of type " + column.type_name + ".");
}

void
set_data(Cell &c, CellKind kind, const char *p, std::size_t n) noexcept
{
	c.kind = kind;
	c.data = p != nullptr ? p : empty_bytes;
	c.size = n;
}

/* Decode one text-protocol value (p != nullptr). */
void
decode_text_value(Decoder decoder, const char *p, std::size_t n, Cell &c,
                  const remote::ColumnInfo &column)
{
	switch (decoder) {
	case Decoder::int_signed:
		c.kind = CellKind::int64;
		if (!parse_int64(p, n, c.i)) {
			throw bad_value(column, p, n);
		}
		return;
	case Decoder::int_unsigned:
		c.kind = CellKind::uint64;
		if (!parse_uint64(p, n, c.u)) {
			throw bad_value(column, p, n);
		}
		return;
	case Decoder::float64:
		c.kind = CellKind::float64;
		if (!parse_double(p, n, c.f)) {
			throw bad_value(column, p, n);
		}
		return;
	case Decoder::decimal: set_data(c, CellKind::decimal, p, n); return;
	case Decoder::bit:
		if (n > 8) {
			throw bad_value(column, p, n);
		}
		c.kind = CellKind::uint64;
		c.u = decode_bit(reinterpret_cast<const unsigned char *>(p), n);
		return;
	case Decoder::text: set_data(c, CellKind::text, p, n); return;
	case Decoder::bytes: set_data(c, CellKind::bytes, p, n); return;
	case Decoder::geometry:
		if (!strip_geometry_srid(p, n)) {
			throw bad_value(column, p, n);
		}
		set_data(c, CellKind::bytes, p, n);
		return;
	case Decoder::date:
		c.kind = CellKind::date;
		if (!parse_date(p, n, c.t)) {
			throw bad_value(column, p, n);
		}
		return;
	case Decoder::datetime:
	case Decoder::timestamp:
		c.kind = decoder == Decoder::datetime ? CellKind::timestamp : CellKind::timestamptz;
		if (!parse_datetime(p, n, c.t)) {
			throw bad_value(column, p, n);
		}
		return;
	case Decoder::time:
		c.kind = CellKind::time;
		if (!parse_time(p, n, c.t, c.negative)) {
			throw bad_value(column, p, n);
		}
		return;
	case Decoder::null_only: c.kind = CellKind::null; return;
	}
}

void
describe_fields(const MYSQL_FIELD *fields, unsigned int count,
                std::vector<remote::ColumnInfo> &columns, std::vector<Decoder> &decoders)
{
	columns.resize(count);
	decoders.resize(count);
	for (unsigned int i = 0; i < count; i++) {
		const MYSQL_FIELD &f = fields[i];
		columns[i].name.assign(f.name, f.name_length);
		columns[i].type_name = wire_type_name(f);
		columns[i].type_code = static_cast<int>(f.type);
		columns[i].nullable = (f.flags & NOT_NULL_FLAG) == 0;
		decoders[i] = decoder_for(static_cast<int>(f.type), f.flags, f.charsetnr, columns[i].name);
	}
}

/* The text protocol: COM_QUERY, then mysql_use_result (rows read as they arrive). */
class TextResult final : public ResultReader {
  public:
	TextResult(MysqlConnection &conn, const std::string &sql) : m_conn(conn), m_mysql(conn.handle())
	{
		if (mysql_real_query(m_mysql, sql.data(), sql.size()) != 0) {
			throw failure("could not execute remote query", sql);
		}
		if (mysql_field_count(m_mysql) == 0) {
			m_ended = true; /* a statement without a result set: no rows */
			return;
		}
		m_res = mysql_use_result(m_mysql);
		if (m_res == nullptr) {
			throw failure("could not read the result of remote query", sql);
		}
		try {
			describe_fields(mysql_fetch_fields(m_res), mysql_num_fields(m_res), m_columns,
			                m_decoders);
		} catch (...) {
			finish();
			throw;
		}
	}

	~TextResult() override { finish(); }

	bool fetch(Cell *row) override
	{
		if (m_ended) {
			return false;
		}
		const MYSQL_ROW values = mysql_fetch_row(m_res);
		if (values == nullptr) {
			m_ended = true;
			if (mysql_errno(m_mysql) != 0) {
				throw failure("could not read a row of the remote result", {});
			}
			return false;
		}
		const unsigned long *lengths = mysql_fetch_lengths(m_res);
		const std::size_t count = m_columns.size();
		for (std::size_t i = 0; i < count; i++) {
			if (values[i] == nullptr) {
				row[i].kind = CellKind::null;
				continue;
			}
			decode_text_value(m_decoders[i], values[i], lengths[i], row[i], m_columns[i]);
		}
		return true;
	}

	bool skip(std::size_t max_rows) noexcept override
	{
		for (std::size_t n = 0; !m_ended && n < max_rows; n++) {
			if (mysql_fetch_row(m_res) == nullptr) {
				m_ended = true;
				m_conn.note_error(mysql_errno(m_mysql));
			}
		}
		return m_ended;
	}

	void finish() noexcept override
	{
		if (m_res != nullptr) {
			mysql_free_result(m_res); /* reads what is left, up to the end or an error */
			m_res = nullptr;
			m_conn.note_error(mysql_errno(m_mysql));
		}
		m_ended = true;
	}

  private:
	RemoteError failure(const char *message, const std::string &sql)
	{
		m_conn.note_error(mysql_errno(m_mysql));
		RemoteError error = error_from_handle(m_mysql, message);
		if (!sql.empty()) {
			error.set_query(sql);
		}
		return error;
	}

	MysqlConnection &m_conn;
	MYSQL *m_mysql;
	MYSQL_RES *m_res = nullptr;
	bool m_ended = false;
};

/* One bound result column of a prepared statement. */
struct BoundColumn {
	my_bool is_null = 0;
	my_bool error = 0;
	unsigned long length = 0;
	union {
		long long i;
		double f;
	} number{};
	MYSQL_TIME time{};
	std::vector<char> buffer;
};

/* One bound parameter's storage (values the library reads at execute time). */
struct BoundParam {
	long long i = 0;
	double f = 0;
	MYSQL_TIME time{};
	unsigned long length = 0;
	char uuid_text[37] = {};
};

void
uuid_to_text(const unsigned char *b, char *out) noexcept
{
	static const char hex[] = "0123456789abcdef";
	int o = 0;
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10) {
			out[o++] = '-';
		}
		out[o++] = hex[b[i] >> 4];
		out[o++] = hex[b[i] & 15];
	}
	out[o] = '\0';
}

void
bind_param(const Cell &cell, MYSQL_BIND &b, BoundParam &p)
{
	std::memset(&b, 0, sizeof b);
	const auto bind_bytes = [&](enum_field_types type, const char *data, std::size_t size) {
		b.buffer_type = type;
		b.buffer = const_cast<char *>(data != nullptr ? data : empty_bytes);
		b.buffer_length = size;
		p.length = size;
		b.length = &p.length;
	};
	switch (cell.kind) {
	case CellKind::null: b.buffer_type = MYSQL_TYPE_NULL; return;
	case CellKind::boolean:
	case CellKind::int64:
		p.i = cell.i;
		b.buffer_type = MYSQL_TYPE_LONGLONG;
		b.buffer = &p.i;
		return;
	case CellKind::uint64:
		p.i = static_cast<long long>(cell.u);
		b.buffer_type = MYSQL_TYPE_LONGLONG;
		b.buffer = &p.i;
		b.is_unsigned = 1;
		return;
	case CellKind::float64:
		p.f = cell.f;
		b.buffer_type = MYSQL_TYPE_DOUBLE;
		b.buffer = &p.f;
		return;
	case CellKind::decimal: bind_bytes(MYSQL_TYPE_NEWDECIMAL, cell.data, cell.size); return;
	case CellKind::text: bind_bytes(MYSQL_TYPE_STRING, cell.data, cell.size); return;
	case CellKind::bytes:
		/* The server takes BLOB parameters as binary strings, never converting them. */
		bind_bytes(MYSQL_TYPE_BLOB, cell.data, cell.size);
		return;
	case CellKind::uuid:
		if (cell.size != 16 || cell.data == nullptr) {
			throw RemoteError(ErrorKind::internal, "a uuid parameter must have 16 bytes");
		}
		uuid_to_text(reinterpret_cast<const unsigned char *>(cell.data), p.uuid_text);
		bind_bytes(MYSQL_TYPE_STRING, p.uuid_text, 36);
		return;
	case CellKind::date:
	case CellKind::time:
	case CellKind::timestamp:
	case CellKind::timestamptz:
		to_mysql_time(cell, p.time);
		b.buffer_type = cell.kind == CellKind::date   ? MYSQL_TYPE_DATE
		                : cell.kind == CellKind::time ? MYSQL_TYPE_TIME
		                                              : MYSQL_TYPE_DATETIME;
		b.buffer = &p.time;
		return;
	}
}

bool
is_string_decoder(Decoder d) noexcept
{
	return d == Decoder::decimal || d == Decoder::bit || d == Decoder::text ||
	       d == Decoder::bytes || d == Decoder::geometry;
}

/* The binary protocol: a prepared statement executed without a cursor, rows read unbuffered. */
class StatementResult final : public ResultReader {
  public:
	StatementResult(MysqlConnection &conn, const remote::Query &query) : m_conn(conn)
	{
		execute_with_retry(query);
		m_meta = mysql_stmt_result_metadata(m_stmt);
		if (m_meta == nullptr) {
			if (mysql_stmt_field_count(m_stmt) != 0) {
				RemoteError error = failure("could not read the result of remote query", query.sql);
				finish();
				throw error;
			}
			m_ended = true;
			return;
		}
		try {
			describe_fields(mysql_fetch_fields(m_meta), mysql_num_fields(m_meta), m_columns,
			                m_decoders);
			bind_results();
		} catch (...) {
			finish();
			throw;
		}
	}

	~StatementResult() override { finish(); }

	bool fetch(Cell *row) override
	{
		if (m_ended) {
			return false;
		}
		if (m_rebind) {
			if (mysql_stmt_bind_result(m_stmt, m_binds.data()) != 0) {
				m_ended = true;
				throw failure("could not bind the remote result", {});
			}
			m_rebind = false;
		}
		const int rc = mysql_stmt_fetch(m_stmt);
		if (rc == MYSQL_NO_DATA) {
			m_ended = true;
			return false;
		}
		if (rc != 0 && rc != MYSQL_DATA_TRUNCATED) {
			m_ended = true;
			throw failure("could not read a row of the remote result", {});
		}
		const std::size_t count = m_columns.size();
		for (std::size_t i = 0; i < count; i++) {
			decode(i, row[i]);
		}
		return true;
	}

	bool skip(std::size_t max_rows) noexcept override
	{
		for (std::size_t n = 0; !m_ended && n < max_rows; n++) {
			const int rc = mysql_stmt_fetch(m_stmt);
			if (rc != 0 && rc != MYSQL_DATA_TRUNCATED) {
				m_ended = true;
				m_conn.note_error(mysql_stmt_errno(m_stmt) != 0 ? mysql_stmt_errno(m_stmt)
				                                                : mysql_errno(m_conn.handle()));
			}
		}
		return m_ended;
	}

	void finish() noexcept override
	{
		if (m_stmt != nullptr) {
			/* Reads what is left of an unbuffered result; the statement stays prepared. */
			if (mysql_stmt_free_result(m_stmt) != 0) {
				m_conn.note_error(mysql_stmt_errno(m_stmt));
			}
			m_conn.note_error(mysql_errno(m_conn.handle()));
			m_stmt = nullptr;
		}
		if (m_meta != nullptr) {
			mysql_free_result(m_meta);
			m_meta = nullptr;
		}
		m_ended = true;
	}

  private:
	void execute_with_retry(const remote::Query &query)
	{
		for (int attempt = 0;; attempt++) {
			m_stmt = m_conn.prepared(query.sql);
			const unsigned long expected = mysql_stmt_param_count(m_stmt);
			if (expected != query.params.size()) {
				m_stmt = nullptr;
				throw RemoteError(ErrorKind::internal,
				                  "remote query has " + std::to_string(expected) +
				                      " placeholders but " + std::to_string(query.params.size()) +
				                      " parameters",
				                  {}, {}, 0, query.sql);
			}
			m_params.assign(query.params.size(), BoundParam{});
			std::vector<MYSQL_BIND> binds(query.params.size());
			for (std::size_t i = 0; i < query.params.size(); i++) {
				bind_param(query.params[i], binds[i], m_params[i]);
			}
			if (!binds.empty() && mysql_stmt_bind_param(m_stmt, binds.data()) != 0) {
				RemoteError error = failure("could not bind remote query parameters", query.sql);
				m_conn.forget_statement(m_stmt);
				m_stmt = nullptr;
				throw error;
			}
			if (mysql_stmt_execute(m_stmt) == 0) {
				return;
			}
			const unsigned int code = mysql_stmt_errno(m_stmt);
			RemoteError error = failure("could not execute remote query", query.sql);
			m_conn.forget_statement(m_stmt);
			m_stmt = nullptr;
			/* 1243 unknown handler, 1615 must re-prepare: the server lost our statement. */
			if (attempt == 0 && (code == 1243 || code == 1615) && !m_conn.broken()) {
				continue;
			}
			throw error;
		}
	}

	void bind_results()
	{
		const std::size_t count = m_columns.size();
		const MYSQL_FIELD *fields = mysql_fetch_fields(m_meta);
		m_bound.resize(count);
		m_binds.assign(count, MYSQL_BIND{});
		for (std::size_t i = 0; i < count; i++) {
			BoundColumn &c = m_bound[i];
			MYSQL_BIND &b = m_binds[i];
			b.is_null = &c.is_null;
			b.error = &c.error;
			b.length = &c.length;
			switch (m_decoders[i]) {
			case Decoder::int_signed:
			case Decoder::int_unsigned:
				b.buffer_type = MYSQL_TYPE_LONGLONG;
				b.buffer = &c.number.i;
				b.is_unsigned = (fields[i].flags & UNSIGNED_FLAG) != 0;
				break;
			case Decoder::float64:
				b.buffer_type = MYSQL_TYPE_DOUBLE;
				b.buffer = &c.number.f;
				break;
			case Decoder::date:
			case Decoder::datetime:
			case Decoder::timestamp:
			case Decoder::time:
				b.buffer_type = fields[i].type;
				b.buffer = &c.time;
				b.buffer_length = sizeof c.time;
				break;
			case Decoder::null_only: b.buffer_type = MYSQL_TYPE_NULL; break;
			default: {
				unsigned long size = fields[i].length + 1;
				if (size > initial_string_buffer || size < 16) {
					size = initial_string_buffer;
				}
				c.buffer.resize(size);
				b.buffer_type = MYSQL_TYPE_BLOB;
				b.buffer = c.buffer.data();
				b.buffer_length = size;
				break;
			}
			}
		}
		if (count > 0 && mysql_stmt_bind_result(m_stmt, m_binds.data()) != 0) {
			throw failure("could not bind the remote result", {});
		}
	}

	/* A long value did not fit its buffer: grow it and read the whole value again. */
	void fetch_whole(std::size_t i)
	{
		BoundColumn &c = m_bound[i];
		std::size_t size = c.buffer.size() * 2;
		if (size < c.length) {
			size = c.length;
		}
		c.buffer.resize(size);
		m_binds[i].buffer = c.buffer.data();
		m_binds[i].buffer_length = size;
		m_rebind = true;
		MYSQL_BIND b = m_binds[i];
		if (mysql_stmt_fetch_column(m_stmt, &b, static_cast<unsigned int>(i), 0) != 0) {
			throw failure("could not read a long value of the remote result", {});
		}
		if (c.length > c.buffer.size()) {
			throw RemoteError(ErrorKind::truncated,
			                  "a value of column \"" + m_columns[i].name + "\" arrived truncated");
		}
	}

	void decode(std::size_t i, Cell &cell)
	{
		BoundColumn &c = m_bound[i];
		if (c.is_null) {
			cell.kind = CellKind::null;
			return;
		}
		const Decoder d = m_decoders[i];
		if (is_string_decoder(d) && c.length > c.buffer.size()) {
			fetch_whole(i);
		}
		switch (d) {
		case Decoder::int_signed:
			cell.kind = CellKind::int64;
			cell.i = c.number.i;
			return;
		case Decoder::int_unsigned:
			cell.kind = CellKind::uint64;
			cell.u = static_cast<unsigned long long>(c.number.i);
			return;
		case Decoder::float64:
			cell.kind = CellKind::float64;
			cell.f = c.number.f;
			return;
		case Decoder::date:
		case Decoder::datetime:
		case Decoder::timestamp:
		case Decoder::time:
			cell.kind = d == Decoder::date       ? CellKind::date
			            : d == Decoder::datetime ? CellKind::timestamp
			            : d == Decoder::time     ? CellKind::time
			                                     : CellKind::timestamptz;
			cell.t = from_mysql_time(c.time, cell.negative);
			if (d == Decoder::date) {
				cell.t.hour = cell.t.minute = cell.t.second = 0;
				cell.t.microsecond = 0;
			}
			return;
		case Decoder::null_only: cell.kind = CellKind::null; return;
		default: decode_text_value(d, c.buffer.data(), c.length, cell, m_columns[i]); return;
		}
	}

	RemoteError failure(const char *message, const std::string &sql)
	{
		/*
		 * Connector/C leaves a network error of an unbuffered fetch on the
		 * connection handle, not on the statement: look at both.
		 */
		const bool on_statement = m_stmt != nullptr && mysql_stmt_errno(m_stmt) != 0;
		const unsigned int code =
		    on_statement ? mysql_stmt_errno(m_stmt) : mysql_errno(m_conn.handle());
		m_conn.note_error(code);
		RemoteError error = on_statement ? error_from_statement(m_stmt, message)
		                                 : error_from_handle(m_conn.handle(), message);
		if (code == 0) {
			error = RemoteError(ErrorKind::internal, message,
			                    "The MySQL client library reported a failure without an error.");
		}
		if (!sql.empty()) {
			error.set_query(sql);
		}
		return error;
	}

	MysqlConnection &m_conn;
	MYSQL_STMT *m_stmt = nullptr; /* owned by the connection's statement cache */
	MYSQL_RES *m_meta = nullptr;
	std::vector<BoundParam> m_params;
	std::vector<BoundColumn> m_bound;
	std::vector<MYSQL_BIND> m_binds;
	bool m_rebind = false;
	bool m_ended = false;
};

} // namespace

std::unique_ptr<ResultReader>
run_text_query(MysqlConnection &conn, const remote::Query &query)
{
	if (!query.params.empty()) {
		throw RemoteError(ErrorKind::internal,
		                  "the MySQL text protocol cannot carry query parameters");
	}
	return std::make_unique<TextResult>(conn, query.sql);
}

std::unique_ptr<ResultReader>
run_prepared_query(MysqlConnection &conn, const remote::Query &query)
{
	return std::make_unique<StatementResult>(conn, query);
}

} // namespace tributary::mysql

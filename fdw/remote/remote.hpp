/*
 * remote.hpp — the one interface between the PostgreSQL zone (fdw/pg) and the
 * drivers (fdw/mysql, fdw/tds).
 *
 * Zone: driver zone. Pure C++17 and the standard library only: this header never
 * includes postgres.h nor a client library header, so both zones can include it.
 * Everything declared here may throw RemoteError (or std::bad_alloc); nothing here
 * calls PostgreSQL. The PG zone crosses into it only through fdw/pg/guard.hpp.
 */
#pragma once

#include <csignal>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace tributary::remote {

/* What went wrong, coarse enough for the PG zone to pick an SQLSTATE. */
enum class ErrorKind : std::uint8_t {
	connect,		 /* could not establish a connection or log in */
	connection_lost, /* the connection broke during a request */
	query,			 /* the server refused or failed the statement */
	table_not_found, /* the remote table or view does not exist */
	data,			 /* a value could not be decoded or is out of range */
	truncated,		 /* a value or a result arrived incomplete */
	cancelled,		 /* the request was cancelled on our demand */
	timeout,		 /* a connect/read timeout expired */
	invalid_option,	 /* an option value the driver cannot use */
	unsupported,	 /* a feature or type the driver does not support */
	internal		 /* a bug on our side: "cannot happen" */
};

/*
 * The only exception type drivers throw on purpose. sqlstate is a 5-character
 * SQLSTATE when the remote server gave a specific one (MySQL "42S02"), else
 * empty; code is the driver's or server's error number (MySQL 1146, SQL Server
 * 208, FreeTDS 20004). message/detail never contain a password.
 */
class RemoteError : public std::runtime_error {
public:
	RemoteError(ErrorKind kind, std::string message, std::string detail = {},
				std::string sqlstate = {}, long code = 0, std::string query = {});

	ErrorKind kind() const noexcept { return m_kind; }
	const std::string &message() const noexcept { return m_message; }
	const std::string &detail() const noexcept { return m_detail; }
	const std::string &sqlstate() const noexcept { return m_sqlstate; }
	long code() const noexcept { return m_code; }
	const std::string &query() const noexcept { return m_query; }
	void set_query(std::string query) { m_query = std::move(query); }
	/* What the user can do about it (a full sentence), if the driver knows better than
	 * the generic hint; empty otherwise. */
	const std::string &hint() const noexcept { return m_hint; }
	void set_hint(std::string hint) { m_hint = std::move(hint); }

private:
	ErrorKind m_kind;
	std::string m_message;
	std::string m_detail;
	std::string m_sqlstate;
	long m_code;
	std::string m_query;
	std::string m_hint;
};

/* A calendar value as the source sent it, before any PostgreSQL conversion. */
struct Temporal {
	std::int32_t year = 0; /* 0 with month 0 and day 0: MySQL's zero date */
	std::uint8_t month = 0;
	std::uint8_t day = 0;
	std::uint16_t hour = 0; /* MySQL TIME: up to 838 (sign in Cell::negative) */
	std::uint8_t minute = 0;
	std::uint8_t second = 0;
	std::uint32_t microsecond = 0;
	std::int16_t offset_minutes = 0; /* timestamptz only: offset east of UTC */
	std::uint8_t dropped_digits = 0; /* fraction digits below microseconds that were non-zero */
};

/*
 * The canonical form of one value. Drivers decode their wire format into it;
 * fdw/pg/convert.cpp turns it into a Datum of the foreign column's type.
 */
enum class CellKind : std::uint8_t {
	null,
	boolean,	 /* i: 0 or 1 */
	int64,		 /* i */
	uint64,		 /* u */
	float64,	 /* f */
	decimal,	 /* text: "-123.4500", ASCII, no exponent */
	text,		 /* text: UTF-8 bytes (not NUL-terminated, may contain NUL) */
	bytes,		 /* text: raw bytes */
	date,		 /* t: year, month, day */
	time,		 /* t: hour..microsecond (hour may exceed 23 for MySQL TIME) */
	timestamp,	 /* t: without time zone */
	timestamptz, /* t: local time at offset_minutes */
	uuid		 /* text: 16 bytes in RFC 4122 (big-endian) order */
};

struct Cell {
	CellKind kind = CellKind::null;
	bool negative = false; /* time only: MySQL TIME may be negative */
	union {
		std::int64_t i;
		std::uint64_t u;
		double f;
	};
	Temporal t;
	const char *data = nullptr; /* decimal/text/bytes/uuid: valid until the next fetch */
	std::size_t size = 0;
	Cell() : i(0) {}
};

/* A remote column as a result set describes it. */
struct ColumnInfo {
	std::string name;
	std::string type_name; /* remote spelling, e.g. "decimal(10,2) unsigned", "nvarchar(max)" */
	int type_code = 0;	   /* driver's code (MYSQL_TYPE_*, TDS type byte) */
	bool nullable = true;
};

/*
 * A statement with its parameters. Placeholders in sql are the dialect's
 * (Dialect::placeholder); params[i] binds placeholder i+1 and travels as a real
 * remote parameter, never as text pasted into sql.
 */
struct Query {
	std::string sql;
	std::vector<Cell> params;
	std::vector<std::string> param_storage; /* owns the bytes of text/decimal/bytes params */
};

/*
 * A streaming result. next() returns true with a row, or false only after the
 * protocol's end-of-result marker arrived (and, where the protocol has one, the
 * row count matched). Anything else — a broken connection, a KILL, a truncated
 * value — throws RemoteError; a short result is never reported as complete.
 * Memory is bounded by the fetch size, whatever the row count.
 */
class Cursor {
public:
	virtual ~Cursor() = default;
	virtual const std::vector<ColumnInfo> &columns() const = 0;
	virtual bool next() = 0;
	/* The current row's value of column col (0-based); valid until next(). */
	virtual const Cell &cell(std::size_t col) const = 0;
	virtual std::uint64_t rows_read() const = 0;
};

/* One remote column of a table, for IMPORT FOREIGN SCHEMA. */
struct RemoteColumn {
	std::string name;
	std::string type_name;	  /* full remote spelling: "int(10) unsigned", "enum('a','b')" */
	std::string data_type;	  /* bare type: "int", "enum", "nvarchar" */
	bool nullable = true;
	bool is_unsigned = false;
	long max_length = -1; /* characters or bytes; -1 = unlimited (max) */
	int precision = -1;
	int scale = -1;
	std::string default_expr; /* remote default text, empty if none */
	bool json = false;		  /* holds JSON documents: MariaDB's JSON is LONGTEXT with
								 CHECK (json_valid(col)) */
};

struct RemoteTable {
	std::string schema;
	std::string name;
	bool is_view = false;
	std::vector<RemoteColumn> columns;
};

/* How a remote column becomes a PostgreSQL column (decided in the driver zone). */
struct ImportedColumn {
	std::string name;
	std::string pg_type;		/* "numeric(20,0)", "text", "timestamp(6) without time zone" */
	bool not_null = false;
	std::string check;			/* a CHECK expression for ENUM etc., empty if none */
	std::map<std::string, std::string> options; /* column options to attach */
	std::string error;			/* non-empty: cannot be mapped, and why */
};

/* PostgreSQL's LIKE operators (~~, !~~, ~~*, !~~*), for Dialect::like. */
enum class LikeKind : std::uint8_t { like, not_like, ilike, not_ilike };

/* How a source evaluates a PostgreSQL condition. */
enum class Support : std::uint8_t {
	none,	 /* not at all: the condition stays local */
	exact,	 /* exactly as PostgreSQL does */
	superset /* selects a superset of PostgreSQL's rows: sent, and rechecked locally */
};

/*
 * SQL spelling of one remote server. Used by the deparser in fdw/pg/deparse.cpp,
 * which is shared by both drivers.
 */
class Dialect {
public:
	virtual ~Dialect() = default;
	virtual std::string quote_identifier(const std::string &name) const = 0;
	virtual std::string quote_string(const std::string &utf8) const = 0;
	virtual std::string quote_bytes(const std::string &bytes) const = 0;
	virtual std::string boolean_literal(bool value) const = 0;
	/* ISO text in, the remote literal out: "2024-05-06 07:08:09.123456" */
	virtual std::string timestamp_literal(const std::string &iso) const = 0;
	virtual std::string date_literal(const std::string &iso) const = 0;
	/* Placeholder for parameter n (1-based): MySQL "?", T-SQL "@P1". */
	virtual std::string placeholder(int n) const = 0;
	/*
	 * Wrap a SELECT body with row limits. select_list and rest (FROM … WHERE …
	 * ORDER BY …) are already deparsed; limit/offset < 0 mean none.
	 */
	virtual std::string limit_query(const std::string &select_list, const std::string &rest,
									long long limit, long long offset, bool has_order) const = 0;

	/*
	 * LIKE: how the source can evaluate `text_column <kind> 'constant pattern'` under
	 * PostgreSQL's rules (case, every character significant, escape backslash, '_' one
	 * character). Default: not at all.
	 */
	virtual Support like_support(LikeKind kind) const
	{
		(void) kind;
		return Support::none;
	}
	/*
	 * The remote condition for `lhs <kind> pattern`, only called when like_support(kind)
	 * is not none. lhs is spelled already (a column); pattern is PostgreSQL's, in UTF-8,
	 * with backslash as its escape character and no lone backslash at its end.
	 */
	virtual std::string like(const std::string &lhs, const std::string &pattern,
							 LikeKind kind) const;

	/*
	 * ANALYZE: a condition that keeps each row with probability fraction (0 < f < 1),
	 * so only a sample crosses the wire, e.g. "RAND() < 0.0125". Empty (the default):
	 * the source cannot sample, and ANALYZE reads every row (keeping a bounded sample).
	 */
	virtual std::string sample_condition(double fraction) const
	{
		(void) fraction;
		return {};
	}
	/* The remote name of a shipped aggregate ("count", "min", "max"): T-SQL's COUNT_BIG. */
	virtual std::string aggregate_name(const std::string &name) const { return name; }
	/*
	 * A column in the SELECT list: quoted is its quoted name, remote_type its
	 * declared remote type (the column option mysql_type / mssql_type, empty if
	 * not given). Returns quoted, or the conversion a type needs before the
	 * driver can decode it (T-SQL sql_variant: text of its base type).
	 */
	virtual std::string select_column(const std::string &quoted,
									  const std::string &remote_type) const
	{
		(void) remote_type;
		return quoted;
	}
	/* False when conditions on a column of this remote type must stay local. */
	virtual bool comparable_column(const std::string &remote_type) const
	{
		(void) remote_type;
		return true;
	}
};

/* Options after validation: name → value, as given by server, table and user mapping. */
using Options = std::map<std::string, std::string>;

/*
 * Flags a driver may poll while it waits for the server (the PG zone passes
 * &QueryCancelPending and &ProcDiePending). The driver only reads them, from
 * its own waits; when one is non-zero it cancels the request, which then
 * throws RemoteError(cancelled). Null pointers are never read.
 */
struct InterruptFlags {
	const volatile std::sig_atomic_t *cancel = nullptr;
	const volatile std::sig_atomic_t *die = nullptr;
};

class Connection {
public:
	virtual ~Connection() = default;
	/* Run a statement and stream its result. Only one open cursor per connection. */
	virtual std::unique_ptr<Cursor> open(const Query &query) = 0;
	/* Run a statement that returns no rows (SET …). */
	virtual void execute(const std::string &sql) = 0;
	/* Start / end the remote read-only snapshot transaction for one local transaction. */
	virtual void begin_snapshot() = 0;
	virtual void end_snapshot(bool commit) = 0;
	/* Cancel the running request, if any. Safe to call from a cleanup path; never throws. */
	virtual void cancel() noexcept = 0;
	/* True if the connection is known to be broken and must be reopened. */
	virtual bool broken() const noexcept = 0;
	/* Tables of a remote schema (database for MySQL), views included. */
	virtual std::vector<RemoteTable> describe(const std::string &schema) = 0;
	/* Estimated row count of a table from remote statistics; < 0 if unknown. */
	virtual double estimate_rows(const std::string &schema, const std::string &table) = 0;
	virtual const Dialect &dialect() const = 0;
	/* Remote server version string, for errors and EXPLAIN. */
	virtual std::string server_version() const = 0;
	/*
	 * Watch flags while waiting for the server, so a query cancel reaches a
	 * request that is blocked before its next row. The flags must outlive the
	 * connection. Default: not supported (the driver does not poll).
	 */
	virtual void watch_interrupts(const InterruptFlags &flags) noexcept { (void) flags; }
};

/* Connect with validated options (server + user mapping). Throws RemoteError(connect). */
using ConnectFn = std::unique_ptr<Connection> (*)(const Options &options);

} // namespace tributary::remote

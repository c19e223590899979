/*
 * tds_cursor.cpp — the streaming cursor: send the request (SQL batch or
 * sp_executesql RPC), find the result set, read rows with dbnextrow and decode
 * db-lib's binary values straight into remote::Cell.
 *
 * Zone: driver zone (no PostgreSQL headers, never calls the backend). Throws
 * RemoteError from open_cursor() and next(); the destructor never throws.
 *
 * No silent loss: next() returns false only when dbnextrow() reported
 * NO_MORE_ROWS, the DONE token's row count (when the server sent one) equals
 * the rows read, dbresults() reported NO_MORE_RESULTS and no error was
 * recorded on the way. A (max)/text/image value as long as the session's
 * TEXTSIZE may have been cut by the server: RemoteError(truncated).
 *
 * Memory: db-lib without DBBUFFER keeps one row; (max) values are held whole
 * (FreeTDS reads a PLP value into one buffer), nothing else is buffered.
 */
#include "fdw/tds/tds_cursor.hpp"

#include <sybdb.h>
#include <sybfront.h>

#include <cstring>
#include <string>
#include <vector>

#include "fdw/tds/tds_connection.hpp"
#include "fdw/tds/tds_params.hpp"
#include "fdw/tds/tds_types.hpp"
#include "fdw/remote/driver_zone.hpp"

namespace tributary::tds {

using remote::Cell;
using remote::CellKind;
using remote::ErrorKind;
using remote::RemoteError;

namespace {

constexpr int syb_msxml = 241;     /* SYBMSXML */
constexpr int xsyb_nvarchar = 231; /* XSYBNVARCHAR */
constexpr int xsyb_nchar = 239;    /* XSYBNCHAR */
constexpr int syb_ntext = 99;      /* SYBNTEXT */
/* Rows an early close reads and drops before it sends an attention instead. */
constexpr int drain_rows = 64;

/* Per column: how to decode and how to check for TEXTSIZE truncation. */
struct ColumnPlan {
	Decoder decoder = Decoder::bytes;
	bool large = false;   /* (max), text, ntext, image, xml: subject to TEXTSIZE */
	bool unicode = false; /* UTF-16 on the wire: 2 bytes per UTF-16 unit */
};

/* UTF-16 code units of valid UTF-8 text. */
std::size_t
utf16_units(const unsigned char *p, std::size_t n) noexcept
{
	std::size_t units = 0;
	for (std::size_t i = 0; i < n; i++) {
		const unsigned char c = p[i];
		if ((c & 0xC0) != 0x80) {
			units += c >= 0xF0 ? 2 : 1;
		}
	}
	return units;
}

std::string
lower(std::string s)
{
	for (char &c : s) {
		c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
	}
	return s;
}

class TdsCursor final : public remote::Cursor {
public:
	TdsCursor(TdsConnection &conn, std::string sql)
	    : m_conn(conn), m_db(conn.handle()), m_sql(std::move(sql)), m_id(conn.open_cursor_id()),
	      m_generation(conn.cancel_generation())
	{
	}

	~TdsCursor() override
	{
		/* Another request may own the wire by now (end_snapshot after an abort). */
		if (!m_done && m_conn.open_cursor_id() == m_id) {
			close_early();
		}
		m_conn.cursor_closed(m_id);
	}

	TdsCursor(const TdsCursor &) = delete;
	TdsCursor &operator=(const TdsCursor &) = delete;

	/*
	 * Find the first result set, skipping statements that return none (SET,
	 * DDL); if there is none at all the cursor is empty and already complete.
	 */
	void start();

	const std::vector<remote::ColumnInfo> &columns() const override { return m_columns; }
	bool next() override;
	const Cell &cell(std::size_t col) const override { return m_row[col]; }
	std::uint64_t rows_read() const override { return m_rows; }

private:
	void describe_columns();
	void decode_row();
	void finish();
	void check_cancel();
	void close_early() noexcept;
	[[noreturn]] void fail(const std::string &message, ErrorKind fallback = ErrorKind::query);

	TdsConnection &m_conn;
	DBPROCESS *m_db;
	std::string m_sql;
	std::uint64_t m_id;
	std::uint64_t m_generation;
	std::vector<remote::ColumnInfo> m_columns;
	std::vector<ColumnPlan> m_plans;
	std::vector<Cell> m_row;
	std::vector<std::string> m_scratch;
	std::uint64_t m_rows = 0;
	bool m_done = false;
};

void
TdsCursor::fail(const std::string &message, ErrorKind fallback)
{
	m_done = true;
	throw m_conn.failure(message, m_sql, fallback);
}

void
TdsCursor::check_cancel()
{
	if (m_conn.cancel_generation() != m_generation) {
		m_done = true;
		RemoteError e(ErrorKind::cancelled, "the remote query was cancelled");
		e.set_query(m_sql);
		throw e;
	}
}

void
TdsCursor::start()
{
	for (;;) {
		const RETCODE rc = dbresults(m_db);
		if (rc == FAIL || !m_conn.record().empty()) {
			fail("could not execute remote query");
		}
		if (rc == NO_MORE_RESULTS) {
			m_done = true; /* a statement that returns no rows (SET, DDL, …) */
			return;
		}
		if (dbnumcols(m_db) > 0) {
			describe_columns();
			return;
		}
		/* A statement without a result set (DONE only): go on to the next one. */
	}
}

void
TdsCursor::describe_columns()
{
	const int n = dbnumcols(m_db);
	m_columns.resize(static_cast<std::size_t>(n));
	m_plans.resize(static_cast<std::size_t>(n));
	m_row.resize(static_cast<std::size_t>(n));
	m_scratch.resize(static_cast<std::size_t>(n));
	for (int i = 1; i <= n; i++) {
		remote::ColumnInfo &info = m_columns[static_cast<std::size_t>(i - 1)];
		ColumnPlan &plan = m_plans[static_cast<std::size_t>(i - 1)];
		const char *name = dbcolname(m_db, i);
		info.name = name != nullptr ? name : "";
		const int type = dbcoltype(m_db, i);
		DBCOL2 col;
		std::memset(&col, 0, sizeof col);
		col.SizeOfStruct = sizeof col;
		int server_type = type;
		long max_length = dbcollen(m_db, i);
		if (dbtablecolinfo(m_db, i, reinterpret_cast<DBCOL *>(&col)) == SUCCEED) {
			server_type = col.ServerType;
			max_length = col.MaxLength;
			info.type_name = lower(col.ServerTypeDeclaration);
			info.nullable = col.Null != 0;
		}
		if (info.type_name.empty()) {
			const char *t = dbprtype(type);
			info.type_name = lower(t != nullptr ? t : "");
		}
		info.type_code = server_type;
		plan.decoder = decoder_for(type, info.name);
		plan.unicode = server_type == xsyb_nvarchar || server_type == xsyb_nchar ||
		               server_type == syb_ntext || server_type == syb_msxml;
		plan.large = max_length > 8000 || server_type == SYBTEXT || server_type == syb_ntext ||
		             server_type == SYBIMAGE || server_type == syb_msxml;
	}
}

void
TdsCursor::decode_row()
{
	const long long textsize = m_conn.textsize();
	for (std::size_t c = 0; c < m_row.size(); c++) {
		Cell &cell = m_row[c];
		const int col = static_cast<int>(c + 1);
		const BYTE *data = dbdata(m_db, col);
		if (data == nullptr) {
			cell.kind = CellKind::null;
			cell.data = nullptr;
			cell.size = 0;
			continue;
		}
		const auto len = static_cast<std::size_t>(dbdatlen(m_db, col));
		const ColumnPlan &plan = m_plans[c];
		const DecodeStatus status = decode_value(plan.decoder, data, len, cell, m_scratch[c]);
		if (status != DecodeStatus::ok) {
			m_done = true;
			m_conn.abandon_request();
			const char *why = status == DecodeStatus::invalid_utf8 ? "is not valid UTF-8"
			                  : status == DecodeStatus::bad_length ? "has an unexpected length"
			                                                       : "is out of range";
			RemoteError e(ErrorKind::data,
			              "value of remote column \"" + m_columns[c].name + "\" " + why,
			              "Row " + std::to_string(m_rows + 1) + " of the result, SQL Server type " +
			                  m_columns[c].type_name + ".");
			e.set_query(m_sql);
			throw e;
		}
		/* UTF-16 takes at most 2 bytes per UTF-8 byte: count units only near the limit. */
		if (plan.large && static_cast<long long>(len) * (plan.unicode ? 2 : 1) >= textsize) {
			const long long wire = plan.unicode
			                           ? 2LL * static_cast<long long>(utf16_units(data, len))
			                           : static_cast<long long>(len);
			if (wire >= textsize) {
				m_done = true;
				m_conn.abandon_request();
				RemoteError e(
				    ErrorKind::truncated,
				    "value of remote column \"" + m_columns[c].name + "\" may have been truncated",
				    "It is " + std::to_string(wire) + " bytes long, the session's TEXTSIZE (" +
				        std::to_string(textsize) + ").");
				e.set_query(m_sql);
				throw e;
			}
		}
	}
}

bool
TdsCursor::next()
{
	if (m_done) {
		return false;
	}
	check_cancel();
	const RETCODE rc = dbnextrow(m_db);
	if (rc == REG_ROW) {
		if (!m_conn.record().empty()) {
			fail("could not read a row of the remote result");
		}
		decode_row();
		m_rows++;
		return true;
	}
	check_cancel();
	if (rc != NO_MORE_ROWS || !m_conn.record().empty() || DBDEAD(m_db)) {
		fail("could not read a row of the remote result",
		     DBDEAD(m_db) ? ErrorKind::connection_lost : ErrorKind::query);
	}
	finish();
	return false;
}

void
TdsCursor::finish()
{
	/* The DONE token of this result: its row count, when valid, must match. */
	if (dbiscount(m_db)) {
		const DBINT count = dbcount(m_db);
		if (count >= 0 && static_cast<std::uint64_t>(count) != m_rows) {
			m_done = true;
			m_conn.abandon_request();
			RemoteError e(ErrorKind::truncated,
			              "the row count of the remote result does not match the rows received",
			              "SQL Server reported " + std::to_string(count) + " rows, " +
			                  std::to_string(m_rows) + " arrived.");
			e.set_query(m_sql);
			throw e;
		}
	}
	for (;;) {
		const RETCODE rc = dbresults(m_db);
		if (rc == FAIL || !m_conn.record().empty()) {
			fail("could not read the end of the remote result");
		}
		if (rc == NO_MORE_RESULTS) {
			break;
		}
		if (dbnumcols(m_db) > 0) {
			m_done = true;
			m_conn.abandon_request();
			RemoteError e(ErrorKind::unsupported,
			              "the remote query returned more than one result set");
			e.set_query(m_sql);
			throw e;
		}
	}
	if (DBDEAD(m_db)) {
		fail("could not read the end of the remote result", ErrorKind::connection_lost);
	}
	m_done = true;
}

void
TdsCursor::close_early() noexcept
{
	m_done = true;
	if (m_conn.broken()) {
		return;
	}
	if (m_conn.cancel_generation() != m_generation) {
		m_conn.abandon_request(); /* cancelled: only the attention's ack may be left */
		m_conn.record().clear();
		return;
	}
	/* A short rest is cheaper to read than an attention round trip. */
	for (int i = 0; i < drain_rows; i++) {
		const RETCODE rc = dbnextrow(m_db);
		if (rc == REG_ROW) {
			continue;
		}
		if (rc == NO_MORE_ROWS) {
			RETCODE r;
			do {
				r = dbresults(m_db);
				if (r == SUCCEED && dbnumcols(m_db) > 0) {
					m_conn.abandon_request();
					m_conn.record().clear();
					return;
				}
			} while (r == SUCCEED);
		}
		break;
	}
	m_conn.abandon_request();
	m_conn.record().clear();
}

void
send_batch(TdsConnection &conn, const std::string &sql)
{
	DBPROCESS *db = conn.handle();
	if (sql.find('\0') != std::string::npos) {
		throw RemoteError(ErrorKind::data, "cannot send a statement containing a NUL byte", {}, {},
		                  0, sql);
	}
	if (dbcmd(db, sql.c_str()) == FAIL || dbsqlexec(db) == FAIL || !conn.record().empty()) {
		throw conn.failure("could not execute remote query", sql);
	}
}

void
send_rpc(TdsConnection &conn, const RpcCall &call, const std::string &shown)
{
	DBPROCESS *db = conn.handle();
	auto text_param = [db](const char *name, const std::string &text) {
		/* db-lib sends SYBVARCHAR ≤ 4000 bytes as nvarchar, but cuts longer ones at 8000. */
		const int type = text.size() <= 4000 ? SYBVARCHAR : SYBNTEXT;
		return dbrpcparam(db, name, 0, type, -1, static_cast<DBINT>(text.size()),
		                  reinterpret_cast<BYTE *>(const_cast<char *>(text.data())));
	};
	bool ok = dbrpcinit(db, "sp_executesql", 0) == SUCCEED &&
	          text_param("@stmt", call.statement) == SUCCEED &&
	          text_param("@params", call.declarations) == SUCCEED;
	for (std::size_t i = 0; ok && i < call.params.size(); i++) {
		const RpcParam &p = call.params[i];
		ok = dbrpcparam(db, p.name.c_str(), 0, p.type, -1, p.datalen,
		                reinterpret_cast<BYTE *>(const_cast<char *>(p.value()))) == SUCCEED;
	}
	if (!ok) {
		/* A refused parameter leaves the RPC half built: drop it, or the next dbrpcinit fails. */
		dbrpcinit(db, "", DBRPCRESET);
		throw conn.failure("could not execute remote query", shown);
	}
	if (dbrpcsend(db) == FAIL || dbsqlok(db) == FAIL || !conn.record().empty()) {
		throw conn.failure("could not execute remote query", shown);
	}
}

} // namespace

std::unique_ptr<remote::Cursor>
open_cursor(TdsConnection &conn, const remote::Query &query)
{
	std::string sql = query.sql;
	if (query.params.empty()) {
		send_batch(conn, sql);
	} else {
		const RpcCall call = plan_rpc(query, conn.native_temporals());
		sql = call.statement;
		if (call.params.empty()) {
			send_batch(conn, call.statement);
		} else {
			send_rpc(conn, call, call.statement);
		}
	}
	auto cursor = std::make_unique<TdsCursor>(conn, std::move(sql));
	cursor->start();
	return cursor;
}

} // namespace tributary::tds

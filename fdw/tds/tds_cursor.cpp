/*
 * tds_cursor.cpp — the streaming cursor: send the request (SQL batch or
 * sp_executesql RPC), find the result set, read rows with dbnextrow and decode
 * db-lib's binary values straight into remote::Cell — after the first
 * sync_rows rows on a read-ahead thread (fdw/remote/read_ahead.hpp), so that
 * FreeTDS's reading and character conversion overlap with the backend's work.
 *
 * Zone: driver zone (no PostgreSQL headers, never calls the backend — the
 * read-ahead thread least of all). Throws RemoteError from open_cursor() and
 * next(); the destructor never throws.
 *
 * Threads: db-lib allows one thread at a time on a DBPROCESS. Until the
 * read-ahead starts, the backend's thread reads; from then on only the
 * read-ahead thread calls db-lib for this request, until it has exited (end of
 * the result, an error, or stop_reader()). TdsConnection::cancel() stops it
 * through ScanControl::quiesce() before it touches the DBPROCESS itself.
 *
 * No silent loss: next() returns false only when dbnextrow() reported
 * NO_MORE_ROWS, the DONE token's row count (when the server sent one) equals
 * the rows read, dbresults() reported NO_MORE_RESULTS and no error was
 * recorded on the way. A (max)/text/image value as long as the session's
 * TEXTSIZE may have been cut by the server: RemoteError(truncated).
 *
 * Memory: db-lib without DBBUFFER keeps one row; (max) values are held whole
 * (FreeTDS reads a PLP value into one buffer); the read-ahead holds two batches
 * of at most fetch_size rows (2000 by default) and 8 MB of values each.
 */
#include "fdw/tds/tds_cursor.hpp"

#include <sybdb.h>
#include <sybfront.h>

#include <chrono>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

#include "fdw/tds/tds_connection.hpp"
#include "fdw/tds/tds_params.hpp"
#include "fdw/tds/tds_types.hpp"
#include "fdw/remote/read_ahead.hpp"
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
/* Rows read on the backend's thread before the read-ahead starts: short results need no thread. */
constexpr std::uint64_t sync_rows = 1000;
/* How long stopping the read-ahead waits before it interrupts db-lib's wait for the server. */
constexpr std::chrono::milliseconds reader_stop_wait(50);

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

class TdsCursor final : public remote::Cursor, private remote::RowSource, private ScanControl {
public:
	TdsCursor(TdsConnection &conn, std::string sql)
	    : m_conn(conn), m_db(conn.handle()), m_sql(std::move(sql)), m_id(conn.open_cursor_id()),
	      m_generation(conn.cancel_generation())
	{
	}

	~TdsCursor() override
	{
		stop_reader();
		/* Another request may own the wire by now (end_snapshot after an abort). */
		if (!m_wire_done && m_conn.open_cursor_id() == m_id) {
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
	const Cell &cell(std::size_t col) const override { return m_current[col]; }
	std::uint64_t rows_read() const override { return m_rows; }

private:
	/* RowSource: one row from db-lib, on the thread that owns the scan. */
	bool fetch(Cell *row) override;
	/* ScanControl: the connection is about to cancel the request. */
	void quiesce() noexcept override;
	bool next_row();
	bool start_reader();
	void stop_reader() noexcept;
	void describe_columns();
	void decode_row(Cell *row);
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
	std::vector<std::string> m_scratch;

	/* Reader side: whoever calls fetch() (the backend's thread, then the read-ahead's). */
	std::uint64_t m_fetched = 0;
	bool m_wire_done = false; /* the request is over on the wire: ended, failed or abandoned */

	/* Consumer side: the backend's thread. */
	std::vector<Cell> m_row; /* the current row while reading synchronously */
	const Cell *m_current = nullptr;
	std::uint64_t m_rows = 0;
	bool m_finished = false;    /* next() returned false */
	std::exception_ptr m_error; /* what ended the scan, rethrown by every later next() */
	std::unique_ptr<remote::ReadAhead> m_reader;
	bool m_quiesced = false; /* the connection cancelled the request under the read-ahead */
};

void
TdsCursor::fail(const std::string &message, ErrorKind fallback)
{
	m_wire_done = true;
	throw m_conn.failure(message, m_sql, fallback);
}

void
TdsCursor::check_cancel()
{
	if (m_conn.cancel_generation() != m_generation) {
		m_wire_done = true;
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
			m_wire_done = true; /* a statement that returns no rows (SET, DDL, …) */
			m_finished = true;
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
		if (plan.decoder == Decoder::text && plan.unicode) {
			plan.decoder = Decoder::converted_text;
		}
		plan.large = max_length > 8000 || server_type == SYBTEXT || server_type == syb_ntext ||
		             server_type == SYBIMAGE || server_type == syb_msxml;
	}
}

void
TdsCursor::decode_row(Cell *row)
{
	const long long textsize = m_conn.textsize();
	for (std::size_t c = 0; c < m_columns.size(); c++) {
		Cell &cell = row[c];
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
			m_wire_done = true;
			m_conn.abandon_request();
			const char *why = status == DecodeStatus::invalid_utf8 ? "is not valid UTF-8"
			                  : status == DecodeStatus::bad_length ? "has an unexpected length"
			                                                       : "is out of range";
			RemoteError e(ErrorKind::data,
			              "value of remote column \"" + m_columns[c].name + "\" " + why,
			              "Row " + std::to_string(m_fetched + 1) +
			                  " of the result, SQL Server type " +
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
				m_wire_done = true;
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
TdsCursor::fetch(Cell *row)
{
	if (m_wire_done) {
		return false;
	}
	check_cancel();
	const RETCODE rc = dbnextrow(m_db);
	if (rc == REG_ROW) {
		if (!m_conn.record().empty()) {
			fail("could not read a row of the remote result");
		}
		decode_row(row);
		m_fetched++;
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

bool
TdsCursor::next()
{
	if (m_error) {
		std::rethrow_exception(m_error);
	}
	if (m_finished) {
		return false;
	}
	try {
		return next_row();
	} catch (...) {
		m_error = std::current_exception();
		stop_reader();
		throw;
	}
}

bool
TdsCursor::next_row()
{
	if (!m_reader && m_rows >= sync_rows && m_conn.settings().read_ahead) {
		start_reader();
	}
	if (m_reader) {
		if (m_quiesced) {
			RemoteError e(ErrorKind::cancelled, "the remote query was cancelled");
			e.set_query(m_sql);
			throw e;
		}
		const Cell *row = m_reader->next();
		if (row == nullptr) {
			m_finished = true;
			stop_reader(); /* it has exited: join it, the connection is free */
			return false;
		}
		m_current = row;
		m_rows++;
		return true;
	}
	if (!fetch(m_row.data())) {
		m_finished = true;
		return false;
	}
	m_current = m_row.data();
	m_rows++;
	return true;
}

bool
TdsCursor::start_reader()
{
	remote::ReadAheadLimits limits;
	limits.batch_rows = m_conn.settings().fetch_size;
	remote::RowSource &source = *this;
	m_reader = std::make_unique<remote::ReadAhead>(source, m_columns.size(), limits);
	if (!m_reader->start()) {
		m_reader.reset(); /* no thread to be had: read on this one */
		return false;
	}
	m_conn.set_active_scan(this);
	return true;
}

void
TdsCursor::stop_reader() noexcept
{
	if (!m_reader) {
		return;
	}
	if (!m_reader->stop(reader_stop_wait)) {
		/* It waits for the server: db-lib's interrupt check sends an attention (≤ 1 s). */
		m_conn.record().stop.store(true);
	}
	m_reader->join();
	m_conn.record().stop.store(false);
	m_conn.set_active_scan(nullptr);
}

void
TdsCursor::quiesce() noexcept
{
	stop_reader();
	m_quiesced = true;
}

void
TdsCursor::finish()
{
	/* The DONE token of this result: its row count, when valid, must match. */
	if (dbiscount(m_db)) {
		const DBINT count = dbcount(m_db);
		if (count >= 0 && static_cast<std::uint64_t>(count) != m_fetched) {
			m_wire_done = true;
			m_conn.abandon_request();
			RemoteError e(ErrorKind::truncated,
			              "the row count of the remote result does not match the rows received",
			              "SQL Server reported " + std::to_string(count) + " rows, " +
			                  std::to_string(m_fetched) + " arrived.");
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
			m_wire_done = true;
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
	m_wire_done = true;
}

void
TdsCursor::close_early() noexcept
{
	m_wire_done = true;
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

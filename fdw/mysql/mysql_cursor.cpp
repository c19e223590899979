/*
 * mysql_cursor.cpp — the streaming cursor: rows from a ResultReader, read
 * ahead in batches on a thread of the driver's own (remote::ReadAhead).
 *
 * Zone: driver zone (no PostgreSQL headers, never calls the backend — the
 * read-ahead thread least of all). Throws RemoteError from next(); the
 * destructor never throws.
 *
 * Why a thread: during a scan the backend converts rows to Datums while the
 * server and the network could already deliver the next ones. The first
 * sync_rows rows are read synchronously, so short results (a keyed lookup in a
 * nested loop) never pay for a thread. Memory: the read-ahead's two batches of
 * at most fetch_size rows (fdw/remote/read_ahead.hpp), whatever the result's size.
 */
#include "fdw/mysql/mysql_cursor.hpp"

#include <chrono>
#include <exception>
#include <memory>

#include "fdw/mysql/mysql_connection.hpp"
#include "fdw/mysql/mysql_result.hpp"
#include "fdw/remote/driver_zone.hpp"
#include "fdw/remote/read_ahead.hpp"

namespace tributary::mysql {

using remote::Cell;

namespace {

/* Rows an early close reads and drops before it asks the server to stop instead. */
constexpr std::size_t drain_rows = 2000;
/* How long an early close waits for the reader before it cancels the remote query. */
constexpr std::chrono::milliseconds reader_stop_wait(50);

class MysqlCursor final : public remote::Cursor, private remote::RowSource {
  public:
	MysqlCursor(MysqlConnection &conn, std::unique_ptr<ResultReader> reader,
	            const ScanSettings &scan)
	    : m_conn(conn), m_result(std::move(reader)), m_scan(scan),
	      m_ncols(m_result->columns().size()), m_row(m_ncols)
	{
	}

	~MysqlCursor() override
	{
		/* Draining the rest may wait for the server too: a cancel must reach it. */
		remote::InterruptWatch::Armed armed(m_conn.interrupt_watch());
		stop_read_ahead();
		const bool finished = m_sync_finished || (m_ahead && m_ahead->source_finished());
		if (!finished && !m_result->skip(drain_rows)) {
			/* Much is left: ask the server to stop rather than read it all. */
			m_conn.cancel();
		}
		m_result->finish();
		m_conn.cursor_closed();
	}

	const std::vector<remote::ColumnInfo> &columns() const override { return m_result->columns(); }

	bool next() override
	{
		if (m_done) {
			if (m_error) {
				std::rethrow_exception(m_error);
			}
			return false;
		}
		if (!m_ahead && m_scan.read_ahead && m_rows >= m_scan.sync_rows) {
			start_read_ahead();
		}
		try {
			const Cell *row = nullptr;
			if (m_ahead) {
				row = m_ahead->next();
			} else {
				/* This thread waits for the server: a cancel must reach it. */
				remote::InterruptWatch::Armed armed(m_conn.interrupt_watch());
				if (m_result->fetch(m_row.data())) {
					row = m_row.data();
				} else {
					m_sync_finished = true;
				}
			}
			if (row == nullptr) {
				m_done = true;
				stop_read_ahead(); /* it has exited: join it */
				return false;
			}
			m_current = row;
		} catch (...) {
			m_done = true;
			m_sync_finished = m_sync_finished || !m_ahead;
			m_error = std::current_exception();
			stop_read_ahead();
			throw;
		}
		m_rows++;
		return true;
	}

	const Cell &cell(std::size_t col) const override { return m_current[col]; }

	std::uint64_t rows_read() const override { return m_rows; }

  private:
	/* RowSource: the next row from the server, on the read-ahead thread. */
	bool fetch(Cell *row) override { return m_result->fetch(row); }

	void start_read_ahead()
	{
		remote::ReadAheadLimits limits;
		limits.batch_rows = m_scan.fetch_size;
		remote::RowSource &source = *this;
		m_ahead = std::make_unique<remote::ReadAhead>(source, m_ncols, limits);
		if (!m_ahead->start()) {
			m_ahead.reset();
			m_scan.read_ahead = false; /* no thread to be had: read synchronously */
			return;
		}
		/* While the reader runs it may wait for the server at any moment: the watch stays
		 * armed (a cancel stops the remote query) until the reader is joined. */
		m_ahead_armed = std::make_unique<remote::InterruptWatch::Armed>(m_conn.interrupt_watch());
	}

	void stop_read_ahead() noexcept
	{
		if (!m_ahead) {
			return;
		}
		if (!m_ahead->stop(reader_stop_wait)) {
			/* The reader waits on the server (a slow query between rows): stop the query. */
			m_conn.cancel();
		}
		m_ahead->join();
		m_ahead_armed.reset();
	}

	MysqlConnection &m_conn;
	std::unique_ptr<ResultReader> m_result;
	ScanSettings m_scan;
	std::size_t m_ncols;
	std::vector<Cell> m_row; /* the current row while reading synchronously */
	const Cell *m_current = nullptr;
	std::uint64_t m_rows = 0;
	bool m_done = false;          /* next() returned false or threw: the scan is over */
	std::exception_ptr m_error;   /* what ended it, rethrown on every later next() */
	bool m_sync_finished = false; /* read on this thread up to the end marker or an error */
	/* After m_result: destroyed (its thread joined) before the reader it reads from. */
	std::unique_ptr<remote::ReadAhead> m_ahead;
	std::unique_ptr<remote::InterruptWatch::Armed> m_ahead_armed;
};

} // namespace

std::unique_ptr<remote::Cursor>
open_cursor(MysqlConnection &conn, const remote::Query &query, const ScanSettings &scan)
{
	/*
	 * The binary protocol by default: measured on 1.5M marketplace rows it reads
	 * 5–15% faster than mysql_use_result (the server skips formatting numbers
	 * and dates as text) and floats arrive exact. The text protocol stays for
	 * callers that ask for it.
	 */
	const bool binary = scan.protocol != Protocol::text;
	std::unique_ptr<ResultReader> reader =
	    binary ? run_prepared_query(conn, query) : run_text_query(conn, query);
	return std::make_unique<MysqlCursor>(conn, std::move(reader), scan);
}

} // namespace tributary::mysql

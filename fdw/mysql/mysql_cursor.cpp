/*
 * mysql_cursor.cpp — the streaming cursor: rows from a ResultReader, read
 * ahead in batches on a thread of the driver's own.
 *
 * Zone: driver zone (no PostgreSQL headers, never calls the backend — the
 * read-ahead thread least of all). Throws RemoteError from next(); the
 * destructor never throws.
 *
 * Why a thread: during a scan the backend converts rows to Datums while the
 * server and the network could already deliver the next ones. The thread
 * fills batches of up to fetch_size rows (values copied into the batch's
 * arena); the consumer walks one batch while the thread fills the other. The
 * first sync_rows rows are read synchronously, so short results (a keyed
 * lookup in a nested loop) never pay for a thread. Memory: two batches, each
 * at most fetch_size rows, batch_cell_bytes of Cells and about batch_bytes of
 * values (plus one value larger than that), whatever the result's size.
 */
#include "fdw/mysql/mysql_cursor.hpp"

#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <exception>
#include <mutex>
#include <system_error>
#include <thread>

#include "fdw/mysql/mysql_connection.hpp"
#include "fdw/mysql/mysql_result.hpp"
#include "fdw/remote/arena.hpp"
#include "fdw/remote/driver_zone.hpp"

namespace tributary::mysql {

using remote::Cell;
using remote::CellKind;
using remote::ErrorKind;
using remote::RemoteError;

namespace {

/* A batch is full at fetch_size rows or this many bytes of values, whichever comes first. */
constexpr std::size_t batch_bytes = 8U << 20;
/* …and holds at most this many bytes of Cells, so wide rows get fewer rows per batch. */
constexpr std::size_t batch_cell_bytes = 8U << 20;
constexpr std::size_t min_batch_rows = 64;
/* Rows an early close reads and drops before it asks the server to stop instead. */
constexpr std::size_t drain_rows = 2000;
/* How long an early close waits for the reader before it cancels the remote query. */
constexpr std::chrono::milliseconds reader_stop_wait(50);


bool
has_data(CellKind kind) noexcept
{
	return kind == CellKind::decimal || kind == CellKind::text || kind == CellKind::bytes ||
	       kind == CellKind::uuid;
}

class MysqlCursor final : public remote::Cursor {
  public:
	MysqlCursor(MysqlConnection &conn, std::unique_ptr<ResultReader> reader,
	            const ScanSettings &scan)
	    : m_conn(conn), m_reader(std::move(reader)), m_scan(scan),
	      m_ncols(m_reader->columns().size()), m_row(m_ncols)
	{
		const std::size_t row_bytes = (m_ncols > 0 ? m_ncols : 1) * sizeof(Cell);
		std::size_t cap = batch_cell_bytes / row_bytes;
		if (cap < min_batch_rows) {
			cap = min_batch_rows;
		}
		if (m_scan.fetch_size == 0) {
			m_scan.fetch_size = 1;
		}
		m_batch_rows = m_scan.fetch_size < cap ? m_scan.fetch_size : cap;
	}

	~MysqlCursor() override
	{
		/* Draining the rest may wait for the server too: a cancel must reach it. */
		remote::InterruptWatch::Armed armed(m_conn.interrupt_watch());
		stop_reader();
		if (!m_reader_done && !m_reader->skip(drain_rows)) {
			/* Much is left: ask the server to stop rather than read it all. */
			m_conn.cancel();
		}
		m_reader->finish();
		m_conn.cursor_closed();
	}

	const std::vector<remote::ColumnInfo> &columns() const override { return m_reader->columns(); }

	bool next() override
	{
		if (m_done) {
			if (m_error) {
				std::rethrow_exception(m_error);
			}
			return false;
		}
		if (!m_batched) {
			if (!m_scan.read_ahead || m_rows < m_scan.sync_rows || !start_reader()) {
				return next_sync();
			}
		}
		return next_batched();
	}

	const Cell &cell(std::size_t col) const override { return m_current[col]; }

	std::uint64_t rows_read() const override { return m_rows; }

  private:
	struct Batch {
		std::vector<Cell> cells;
		std::size_t rows = 0;
		remote::Arena arena;
		bool end = false;
		std::exception_ptr error;
		bool ready = false; /* filled, owned by the consumer until it sets it false */
	};

	bool next_sync()
	{
		try {
			remote::InterruptWatch::Armed armed(m_conn.interrupt_watch());
			if (!m_reader->fetch(m_row.data())) {
				m_done = true;
				m_reader_done = true;
				return false;
			}
		} catch (...) {
			m_done = true;
			m_reader_done = true;
			m_error = std::current_exception();
			throw;
		}
		m_current = m_row.data();
		m_rows++;
		return true;
	}

	bool next_batched()
	{
		for (;;) {
			if (m_holding) {
				Batch &b = m_batches[m_consume];
				if (m_pos < b.rows) {
					m_current = b.cells.data() + m_pos * m_ncols;
					m_pos++;
					m_rows++;
					return true;
				}
				if (b.error) {
					m_done = true;
					m_error = b.error;
					std::rethrow_exception(m_error);
				}
				if (b.end) {
					m_done = true;
					return false;
				}
				{
					std::lock_guard<std::mutex> lock(m_mutex);
					b.ready = false;
				}
				m_cv.notify_all();
				m_consume ^= 1;
				m_holding = false;
			}
			/* The reader waits for the server; a cancel while we wait reaches it. */
			remote::InterruptWatch::Armed armed(m_conn.interrupt_watch());
			std::unique_lock<std::mutex> lock(m_mutex);
			m_cv.wait(lock, [&]() { return m_batches[m_consume].ready; });
			m_holding = true;
			m_pos = 0;
		}
	}

	/* Start the reader with every signal blocked: PostgreSQL's handlers stay on the backend's
	 * thread. */
	bool start_reader()
	{
		for (Batch &b : m_batches) {
			b.cells.assign(m_batch_rows * m_ncols, Cell{});
		}
		sigset_t all, old;
		sigfillset(&all);
		pthread_sigmask(SIG_SETMASK, &all, &old);
		try {
			m_thread = std::thread([this]() { reader_main(); });
		} catch (const std::system_error &) {
			pthread_sigmask(SIG_SETMASK, &old, nullptr);
			m_scan.read_ahead = false; /* no thread to be had: read synchronously */
			return false;
		}
		pthread_sigmask(SIG_SETMASK, &old, nullptr);
		m_batched = true;
		return true;
	}

	void reader_main() noexcept
	{
		int produce = 0;
		for (;;) {
			Batch &b = m_batches[produce];
			{
				std::unique_lock<std::mutex> lock(m_mutex);
				m_cv.wait(lock, [&]() { return !b.ready || m_stop.load(); });
				if (m_stop.load()) {
					break;
				}
			}
			fill(b);
			const bool last = b.end || b.error;
			{
				std::lock_guard<std::mutex> lock(m_mutex);
				b.ready = true;
				if (last) {
					m_reader_done = true;
				}
			}
			m_cv.notify_all();
			if (last) {
				break;
			}
			produce ^= 1;
		}
		{
			std::lock_guard<std::mutex> lock(m_mutex);
			m_reader_exited = true;
		}
		m_cv.notify_all();
	}

	void fill(Batch &b) noexcept
	{
		b.rows = 0;
		b.end = false;
		b.error = nullptr;
		b.arena.reset();
		try {
			while (b.rows < m_batch_rows && !m_stop.load(std::memory_order_relaxed)) {
				Cell *row = b.cells.data() + b.rows * m_ncols;
				if (!m_reader->fetch(row)) {
					b.end = true;
					return;
				}
				for (std::size_t i = 0; i < m_ncols; i++) {
					if (has_data(row[i].kind) && row[i].size > 0) {
						row[i].data = b.arena.copy(row[i].data, row[i].size);
					}
				}
				b.rows++;
				if (b.arena.used() >= batch_bytes) {
					return;
				}
			}
		} catch (...) {
			b.error = std::current_exception();
		}
	}

	void stop_reader() noexcept
	{
		if (!m_thread.joinable()) {
			return;
		}
		bool exited;
		{
			std::unique_lock<std::mutex> lock(m_mutex);
			m_stop.store(true);
			m_cv.notify_all();
			exited = m_cv.wait_for(lock, reader_stop_wait, [&]() { return m_reader_exited; });
		}
		if (!exited) {
			/* The reader waits on the server (a slow query between rows): stop the query. */
			m_conn.cancel();
		}
		m_thread.join();
	}

	MysqlConnection &m_conn;
	std::unique_ptr<ResultReader> m_reader;
	ScanSettings m_scan;
	std::size_t m_ncols;
	std::size_t m_batch_rows = 1; /* fetch_size, capped by batch_cell_bytes */
	std::vector<Cell> m_row;      /* the current row while reading synchronously */
	const Cell *m_current = nullptr;
	std::uint64_t m_rows = 0;
	bool m_done = false;        /* next() returned false or threw: the scan is over */
	std::exception_ptr m_error; /* what ended it, rethrown on every later next() */
	bool m_reader_done = false; /* the reader hit the end marker or an error */

	/* Read-ahead state. */
	bool m_batched = false;
	Batch m_batches[2];
	int m_consume = 0;
	bool m_holding = false;
	std::size_t m_pos = 0;
	std::thread m_thread;
	std::mutex m_mutex;
	std::condition_variable m_cv;
	std::atomic<bool> m_stop{false};
	bool m_reader_exited = false;
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

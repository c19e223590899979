/*
 * read_ahead.hpp — the rows of a remote result, read ahead on a thread of the
 * driver's own: while the backend converts one batch of rows to Datums, the
 * thread fills the other from the client library.
 *
 * Zone: driver zone (std only). The thread calls nothing but the RowSource it
 * is given, which must touch only the driver's own handles: never PostgreSQL.
 * Every signal is blocked on the thread, so PostgreSQL's handlers keep running
 * on the backend's thread.
 *
 * A batch is handed over when full, or — once it holds an eighth of a full
 * batch — as soon as the consumer waits for it, so that neither side idles.
 *
 * Memory: two batches, each at most ReadAheadLimits::batch_rows rows, about
 * batch_cell_bytes of Cells and batch_bytes of values (plus one value larger
 * than that), whatever the size of the result.
 */
#pragma once

#include "fdw/remote/arena.hpp"
#include "fdw/remote/remote.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace tributary::remote {

/* Where the read-ahead thread gets its rows. */
class RowSource {
public:
	virtual ~RowSource() = default;
	/*
	 * Fill row[0 .. ncols) with the next row and return true, or return false
	 * at the end of the result. Cell data needs to stay valid only until the
	 * next call (the read-ahead copies it). Throws RemoteError.
	 */
	virtual bool fetch(Cell *row) = 0;
};

struct ReadAheadLimits {
	std::size_t batch_rows = 10000;          /* rows per batch (the fetch_size option) */
	std::size_t batch_bytes = 1U << 20;      /* a batch is full at this many bytes of values */
	std::size_t batch_cell_bytes = 1U << 20; /* …or of Cells: wide rows get fewer rows */
};

class ReadAhead {
public:
	ReadAhead(RowSource &source, std::size_t ncols, const ReadAheadLimits &limits);
	/* Stops and joins the thread; never throws. */
	~ReadAhead();
	ReadAhead(const ReadAhead &) = delete;
	ReadAhead &operator=(const ReadAhead &) = delete;

	/* Start the thread. False if the system has none to give; nothing happened then. */
	bool start() noexcept;
	/*
	 * The next row (ncols cells, valid until the next call), or nullptr at the
	 * end of the result. Rethrows what the source threw, on this and every
	 * later call. Only the thread that started the read-ahead calls it.
	 */
	const Cell *next();
	/*
	 * Ask the thread to stop after the row it is reading and wait up to wait
	 * for it to exit. False if it is still inside RowSource::fetch (waiting for
	 * the server): the caller then makes that call return (cancels the request)
	 * before join().
	 */
	bool stop(std::chrono::milliseconds wait) noexcept;
	/* Wait for the thread to exit (after stop() or the end of the result). */
	void join() noexcept;
	/* The source reported the end of the result or threw: nothing is left to read. */
	bool source_finished() const noexcept;

private:
	struct Batch {
		std::vector<Cell> cells;
		std::size_t rows = 0;
		Arena arena;
		bool end = false;
		std::exception_ptr error;
		bool ready = false; /* filled: the consumer's until it sets it false again */
	};

	void run() noexcept;
	void fill(Batch &b) noexcept;

	RowSource &m_source;
	std::size_t m_ncols;
	std::size_t m_batch_rows;
	std::size_t m_batch_bytes;
	Batch m_batches[2];

	/* Consumer side (the thread that called start). */
	int m_consume = 0;
	bool m_holding = false;
	std::size_t m_pos = 0;
	bool m_end = false;
	std::exception_ptr m_error;

	std::thread m_thread;
	mutable std::mutex m_mutex;
	std::condition_variable m_cv;
	std::atomic<bool> m_stop{false};
	/* The consumer waits for a batch: hand over a partial one (at least m_handover_rows). */
	std::atomic<bool> m_consumer_waiting{false};
	std::size_t m_handover_rows;
	bool m_source_finished = false; /* guarded by m_mutex */
	bool m_exited = false;          /* guarded by m_mutex */
};

} // namespace tributary::remote

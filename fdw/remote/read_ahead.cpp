/*
 * read_ahead.cpp — two batches of rows handed between a reader thread and the
 * consumer (see read_ahead.hpp).
 *
 * Zone: driver zone (no PostgreSQL headers, never calls the backend — the
 * reader thread least of all). The thread catches everything its source
 * throws and hands it over in the batch; nothing escapes it.
 */
#include "fdw/remote/read_ahead.hpp"

#include <pthread.h>
#include <signal.h>

#include <cstring>
#include <system_error>

#include "fdw/remote/driver_zone.hpp"

namespace tributary::remote {

namespace {

constexpr std::size_t min_batch_rows = 64;
const char no_bytes[1] = {0};

bool
has_data(CellKind kind) noexcept
{
	return kind == CellKind::decimal || kind == CellKind::text || kind == CellKind::bytes ||
	       kind == CellKind::uuid;
}

} // namespace

ReadAhead::ReadAhead(RowSource &source, std::size_t ncols, const ReadAheadLimits &limits)
    : m_source(source), m_ncols(ncols), m_batch_bytes(limits.batch_bytes)
{
	const std::size_t row_bytes = (ncols > 0 ? ncols : 1) * sizeof(Cell);
	std::size_t cap = limits.batch_cell_bytes / row_bytes;
	if (cap < min_batch_rows) {
		cap = min_batch_rows;
	}
	m_batch_rows = limits.batch_rows == 0 ? 1 : limits.batch_rows < cap ? limits.batch_rows : cap;
	m_handover_rows = m_batch_rows / 8 > min_batch_rows ? m_batch_rows / 8 : min_batch_rows;
}

ReadAhead::~ReadAhead()
{
	stop(std::chrono::milliseconds(0));
	join();
}

bool
ReadAhead::start() noexcept
{
	try {
		for (Batch &b : m_batches) {
			b.cells.assign(m_batch_rows * m_ncols, Cell{});
		}
	} catch (const std::bad_alloc &) {
		return false;
	}
	/* The thread inherits the signal mask: block everything while creating it. */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	bool started = true;
	try {
		m_thread = std::thread([this]() { run(); });
	} catch (const std::system_error &) {
		started = false;
	}
	pthread_sigmask(SIG_SETMASK, &old, nullptr);
	return started;
}

const Cell *
ReadAhead::next()
{
	if (m_error) {
		std::rethrow_exception(m_error);
	}
	if (m_end) {
		return nullptr;
	}
	for (;;) {
		if (m_holding) {
			Batch &b = m_batches[m_consume];
			if (m_pos < b.rows) {
				return b.cells.data() + (m_pos++) * m_ncols;
			}
			if (b.error) {
				m_error = b.error;
				std::rethrow_exception(m_error);
			}
			if (b.end) {
				m_end = true;
				return nullptr;
			}
			{
				std::lock_guard<std::mutex> lock(m_mutex);
				b.ready = false;
			}
			m_cv.notify_all();
			m_consume ^= 1;
			m_holding = false;
		}
		std::unique_lock<std::mutex> lock(m_mutex);
		m_consumer_waiting.store(true, std::memory_order_relaxed);
		m_cv.wait(lock, [this]() { return m_batches[m_consume].ready; });
		m_consumer_waiting.store(false, std::memory_order_relaxed);
		m_holding = true;
		m_pos = 0;
	}
}

void
ReadAhead::run() noexcept
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
			m_source_finished = last;
			/* This batch ends the consumer's wait: the next one is not handed over early for it. */
			m_consumer_waiting.store(false, std::memory_order_relaxed);
		}
		m_cv.notify_all();
		if (last) {
			break;
		}
		produce ^= 1;
	}
	{
		std::lock_guard<std::mutex> lock(m_mutex);
		m_exited = true;
	}
	m_cv.notify_all();
}

void
ReadAhead::fill(Batch &b) noexcept
{
	b.rows = 0;
	b.end = false;
	b.error = nullptr;
	b.arena.reset();
	try {
		while (b.rows < m_batch_rows && !m_stop.load(std::memory_order_relaxed)) {
			Cell *row = b.cells.data() + b.rows * m_ncols;
			if (!m_source.fetch(row)) {
				b.end = true;
				return;
			}
			for (std::size_t i = 0; i < m_ncols; i++) {
				Cell &c = row[i];
				if (has_data(c.kind)) {
					c.data = c.size > 0 ? b.arena.copy(c.data, c.size) : no_bytes;
				}
			}
			b.rows++;
			if (b.arena.used() >= m_batch_bytes ||
			    (b.rows >= m_handover_rows &&
			     m_consumer_waiting.load(std::memory_order_relaxed))) {
				return;
			}
		}
	} catch (...) {
		b.error = std::current_exception();
	}
}

bool
ReadAhead::stop(std::chrono::milliseconds wait) noexcept
{
	if (!m_thread.joinable()) {
		return true;
	}
	std::unique_lock<std::mutex> lock(m_mutex);
	m_stop.store(true);
	m_cv.notify_all(); /* the waiters re-check under the mutex we hold */
	return m_cv.wait_for(lock, wait, [this]() { return m_exited; });
}

void
ReadAhead::join() noexcept
{
	if (m_thread.joinable()) {
		{
			std::lock_guard<std::mutex> lock(m_mutex);
			m_stop.store(true);
		}
		m_cv.notify_all();
		m_thread.join();
	}
}

bool
ReadAhead::source_finished() const noexcept
{
	std::lock_guard<std::mutex> lock(m_mutex);
	return m_source_finished;
}

} // namespace tributary::remote

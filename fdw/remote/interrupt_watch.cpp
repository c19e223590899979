/*
 * interrupt_watch.cpp — the watchdog thread of InterruptWatch (see the header).
 *
 * Zone: driver zone (no PostgreSQL headers, never calls the backend). Nothing here
 * throws: a thread that cannot be started leaves calls unwatched (they still end when
 * the server answers), as before this watchdog existed.
 */
#include "fdw/remote/interrupt_watch.hpp"

#include <pthread.h>
#include <signal.h>

#include <system_error>

#include "fdw/remote/driver_zone.hpp"

namespace tributary::remote {

namespace {

/* After the last armed call, keep polling this long before sleeping on the condvar. */
constexpr std::chrono::milliseconds linger{1000};

} // namespace

InterruptWatch::InterruptWatch(std::function<void()> cancel) : m_cancel(std::move(cancel)) {}

InterruptWatch::~InterruptWatch()
{
	if (!m_thread.joinable()) {
		return;
	}
	{
		std::lock_guard<std::mutex> lock(m_mutex);
		m_stop = true;
	}
	m_cv.notify_all();
	m_thread.join();
}

void
InterruptWatch::watch(const InterruptFlags &flags) noexcept
{
	m_flags = flags;
}

bool
InterruptWatch::interrupted() const noexcept
{
	return (m_flags.cancel != nullptr && *m_flags.cancel != 0) ||
		   (m_flags.die != nullptr && *m_flags.die != 0);
}

void
InterruptWatch::arm() noexcept
{
	if (m_armed.fetch_add(1) != 0) {
		return;
	}
	if (!m_started.load(std::memory_order_relaxed) && !start()) {
		return;
	}
	/* seq_cst pairs with run(): either it sees m_armed, or we see it asleep and wake it. */
	if (m_sleeping.load()) {
		std::lock_guard<std::mutex> lock(m_mutex);
		m_cv.notify_all();
	}
}

void
InterruptWatch::disarm() noexcept
{
	m_armed.fetch_sub(1);
}

bool
InterruptWatch::start() noexcept
{
	if (m_start_failed || (m_flags.cancel == nullptr && m_flags.die == nullptr)) {
		return false;
	}
	/* Every signal blocked: PostgreSQL's handlers must keep running on the backend's thread. */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	try {
		m_thread = std::thread([this]() { run(); });
		m_started.store(true, std::memory_order_relaxed);
	} catch (const std::system_error &) {
		m_start_failed = true;
	}
	pthread_sigmask(SIG_SETMASK, &old, nullptr);
	return !m_start_failed;
}

void
InterruptWatch::run() noexcept
{
	using clock = std::chrono::steady_clock;
	auto last_armed = clock::now();
	auto last_cancel = clock::time_point{};
	std::unique_lock<std::mutex> lock(m_mutex);
	while (!m_stop) {
		const auto now = clock::now();
		if (m_armed.load() > 0) {
			last_armed = now;
			if (interrupted() && (last_cancel == clock::time_point{} ||
								  now - last_cancel >= repeat_interval)) {
				last_cancel = now;
				lock.unlock();
				m_cancel();
				lock.lock();
				continue;
			}
		} else if (now - last_armed >= linger) {
			m_sleeping.store(true);
			m_cv.wait(lock, [this]() { return m_stop || m_armed.load() > 0; });
			m_sleeping.store(false);
			last_armed = clock::now();
			last_cancel = clock::time_point{};
			continue;
		}
		m_cv.wait_for(lock, poll_interval, [this]() { return m_stop; });
	}
}

} // namespace tributary::remote

/*
 * interrupt_watch.hpp — a watchdog that notices PostgreSQL's cancel flags while the
 * backend is blocked inside a driver call, and cancels the remote request.
 *
 * Zone: driver zone (std only, no postgres.h, no client library). Why: PostgreSQL's
 * signal handlers only set QueryCancelPending/ProcDiePending and return; a backend
 * blocked in a client library's recv() (a SELECT SLEEP(10), a lock wait, a slow first
 * row) never reaches CHECK_FOR_INTERRUPTS until the server answers. The watchdog's
 * thread reads the flags while a driver call is armed and runs the driver's cancel
 * (MySQL: KILL QUERY on a side connection), so the blocked call returns with an error
 * at once. The thread never calls PostgreSQL, blocks every signal, and polls only while
 * calls are armed (and for a short linger after, so per-row arming costs two atomics).
 */
#pragma once

#include "fdw/remote/remote.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace tributary::remote {

class InterruptWatch {
  public:
	/* cancel runs on the watchdog's thread; it must be thread-safe and never throw. */
	explicit InterruptWatch(std::function<void()> cancel);
	~InterruptWatch();
	InterruptWatch(const InterruptWatch &) = delete;
	InterruptWatch &operator=(const InterruptWatch &) = delete;

	/* The flags to read (they must outlive this object). Null pointers are never read. */
	void watch(const InterruptFlags &flags) noexcept;

	/* True if a watched flag is raised now. */
	bool interrupted() const noexcept;

	/* How often an armed call is checked, and how often a cancel is repeated. */
	static constexpr std::chrono::milliseconds poll_interval{20};
	static constexpr std::chrono::milliseconds repeat_interval{1000};

	/*
	 * RAII: the current thread is about to wait for the server. Arming nests. The
	 * watchdog's thread starts at the first arming (never if no flags are watched).
	 */
	class Armed {
	  public:
		explicit Armed(InterruptWatch &watch) noexcept : m_watch(watch) { m_watch.arm(); }
		~Armed() { m_watch.disarm(); }
		Armed(const Armed &) = delete;
		Armed &operator=(const Armed &) = delete;

	  private:
		InterruptWatch &m_watch;
	};

  private:
	void arm() noexcept;
	void disarm() noexcept;
	bool start() noexcept;
	void run() noexcept;

	std::function<void()> m_cancel;
	InterruptFlags m_flags;
	std::atomic<int> m_armed{0};
	std::atomic<bool> m_sleeping{false};
	std::atomic<bool> m_started{false};
	bool m_start_failed = false;
	bool m_stop = false;
	std::mutex m_mutex;
	std::condition_variable m_cv;
	std::thread m_thread;
};

} // namespace tributary::remote

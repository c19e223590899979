/*
 * runner.hpp — the batch loop of one step: keyset batches from the resume point,
 * bad rows isolated by bisection and recorded, live settings re-read between batches,
 * and calls that failed for a passing reason (a lost connection, a deadlock) retried
 * with exponential backoff.
 * Zone: loader. Talks to the database only through Target.
 */
#pragma once

#include <atomic>
#include <exception>
#include <functional>
#include <string>

#include "loader/plan.hpp"
#include "loader/target.hpp"

namespace loader {

/* A step's totals: its batches' counts (RowCounts::operator+= adds a batch's), and more. */
struct StepTotals : RowCounts {
	long batches = 0;
	long retries = 0; /* calls tried again after a retryable error */
};

/* Adds another step's totals. */
inline StepTotals &
operator+=(StepTotals &a, const StepTotals &b)
{
	static_cast<RowCounts &>(a) += b;
	a.batches += b.batches;
	a.retries += b.retries;
	return a;
}

/* Called after every committed batch (for progress output). */
using BatchObserver = std::function<void(const Step &, const StepTotals &)>;

/* One retry about to happen: what failed, why, and when it is tried again. */
struct RetryNotice {
	std::string call;	/* what was being done: "load a batch", "read the live settings", … */
	std::string error;	/* the error, first line */
	int attempt = 0;	/* the try that failed (1 = the first) */
	int attempts = 0;	/* tries allowed in all */
	double delay = 0;	/* seconds until the next try */
};
using RetryObserver = std::function<void(const Step &, const RetryNotice &)>;

/*
 * How a Target call that failed for a passing reason is tried again: up to `attempts`
 * tries in all, waiting first_delay seconds before the second, doubling each time up to
 * max_delay. The wait ends early when the run is asked to stop.
 */
struct RetryPolicy {
	int attempts = 6;
	double first_delay = 1.0;
	double max_delay = 30.0;
	/* Told before each wait; null: a warning line on stderr. */
	RetryObserver on_retry;
	/* Waits `seconds` (tests replace it); null: sleeps, waking up for a stop request. */
	std::function<void(double seconds)> sleep;

	/*
	 * The defaults above, overridden by TRIBUTARY_RETRIES (tries in all, ≥ 1) and
	 * TRIBUTARY_RETRY_DELAY (first delay in seconds) where those are set and valid.
	 */
	static RetryPolicy from_environment();
	/* Seconds to wait after the attempt-th try failed (attempt ≥ 1). */
	double delay_after(int attempt) const;
};

/*
 * Whether an error from a Target call is passing, so the same call may succeed when
 * tried again: the connection to PostgreSQL or (through the foreign data wrapper) to a
 * source was lost or could not be made (SQLSTATE class 08, HV00N), the server shut the
 * session down (57P01, 57P02, 57P03), a serialization failure or deadlock (40001,
 * 40P01) or a lock timeout (55P03), or a commit whose outcome is unknown (the batch is
 * an upsert from a fixed resume point, so loading it again duplicates nothing).
 * Refused data, constraint violations, statement timeouts, cancels and everything else:
 * not retryable.
 */
bool is_retryable(const std::exception &e);

class StepRunner {
public:
	StepRunner(Target &target, BatchObserver observer, const std::atomic<bool> *stop = nullptr,
			   RetryPolicy retry = RetryPolicy::from_environment());
	/*
	 * Load the step from its resume point to the end of the source. A retryable error
	 * that outlasts its attempts is rethrown: every batch committed so far stays, and
	 * the step resumes after the last of them on the next run.
	 */
	StepTotals run(const Step &step, long run_id);
	/* What the last run() did, also when it threw: the batches committed before the error. */
	const StepTotals &totals() const { return m_totals; }

private:
	struct Slice {
		std::optional<Key> after;
		long rows = 0;
		bool more = false; /* rows may follow although fewer than asked for came */
	};
	Slice load(const Step &step, long run_id, const std::optional<Key> &after, int limit,
			   StepTotals &totals);
	void throttle(const LiveSettings &settings, long rows, double seconds);
	/* Run fn, trying it again after retryable errors as the policy says. */
	template <typename Fn>
	auto retrying(const Step &step, const char *call, StepTotals &totals, Fn &&fn)
		-> decltype(fn());
	void wait(double seconds);
	bool stopping() const { return m_stop != nullptr && m_stop->load(); }

	Target &m_target;
	BatchObserver m_observer;
	const std::atomic<bool> *m_stop;
	RetryPolicy m_retry;
	StepTotals m_totals;
};

} // namespace loader

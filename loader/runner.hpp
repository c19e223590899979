/*
 * runner.hpp — the batch loop of one step: keyset batches from the resume point,
 * bad rows isolated by bisection and recorded, live settings re-read between batches.
 * Zone: loader. Talks to the database only through Target.
 */
#pragma once

#include <atomic>
#include <functional>
#include <string>

#include "loader/plan.hpp"
#include "loader/target.hpp"

namespace loader {

struct StepTotals {
	long rows_read = 0;
	long inserted = 0;
	long updated = 0;
	long failed = 0;
	long batches = 0;
};

/* Called after every committed batch (for progress output). */
using BatchObserver = std::function<void(const Step &, const StepTotals &)>;

class StepRunner {
public:
	StepRunner(Target &target, BatchObserver observer, const std::atomic<bool> *stop = nullptr)
		: m_target(target), m_observer(std::move(observer)), m_stop(stop)
	{
	}
	/* Load the step from its resume point to the end of the source. */
	StepTotals run(const Step &step, long run_id);

private:
	struct Slice {
		std::optional<Key> after;
		long rows = 0;
	};
	Slice load(const Step &step, long run_id, const std::optional<Key> &after, int limit,
			   StepTotals &totals);
	void throttle(const LiveSettings &settings, long rows, double seconds);

	Target &m_target;
	BatchObserver m_observer;
	const std::atomic<bool> *m_stop;
};

} // namespace loader

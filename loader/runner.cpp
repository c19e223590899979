/*
 * runner.cpp — see runner.hpp. Zone: loader.
 */
#include "loader/runner.hpp"

#include <chrono>
#include <thread>

namespace loader {

StepRunner::Slice
StepRunner::load(const Step &step, long run_id, const std::optional<Key> &after, int limit,
				 StepTotals &totals)
{
	try {
		BatchResult r = m_target.load_batch(step, run_id, after, limit);
		totals.rows_read += r.rows_read;
		totals.inserted += r.inserted;
		totals.updated += r.updated;
		totals.failed += r.failed;
		if (r.rows_read == 0) {
			return {after, 0};
		}
		totals.batches++;
		return {r.last, r.rows_read};
	} catch (const DataError &e) {
		if (limit == 1) {
			std::optional<Key> key = m_target.next_key(step, after);
			if (!key) {
				return {after, 0};
			}
			m_target.record_failure(step, run_id, *key, e);
			totals.rows_read++;
			totals.failed++;
			return {key, 1};
		}
		/* Bisect: the good rows commit, the bad ones are narrowed down to single rows. */
		int half = limit / 2;
		Slice left = load(step, run_id, after, half, totals);
		if (left.rows < half) {
			return left;
		}
		Slice right = load(step, run_id, left.after, limit - half, totals);
		return {right.after, left.rows + right.rows};
	}
}

void
StepRunner::throttle(const LiveSettings &settings, long rows, double seconds)
{
	if (settings.rows_per_second <= 0 || rows <= 0) {
		return;
	}
	double wanted = static_cast<double>(rows) / settings.rows_per_second;
	if (wanted > seconds) {
		std::this_thread::sleep_for(std::chrono::duration<double>(wanted - seconds));
	}
}

StepTotals
StepRunner::run(const Step &step, long run_id)
{
	StepTotals totals;
	std::optional<Key> after = m_target.begin_step(step, run_id);
	for (;;) {
		if (m_stop != nullptr && m_stop->load()) {
			return totals;
		}
		LiveSettings settings = m_target.settings(step);
		while (settings.paused) {
			std::this_thread::sleep_for(std::chrono::milliseconds(500));
			if (m_stop != nullptr && m_stop->load()) {
				return totals;
			}
			settings = m_target.settings(step);
		}
		int limit = settings.batch_size > 0 ? settings.batch_size : step.batch_size;
		auto started = std::chrono::steady_clock::now();
		Slice s = load(step, run_id, after, limit, totals);
		double seconds =
			std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
		if (s.rows == 0) {
			break;
		}
		after = s.after;
		if (m_observer) {
			m_observer(step, totals);
		}
		if (s.rows < limit) {
			break; /* the source has no more rows after this batch */
		}
		throttle(settings, s.rows, seconds);
	}
	m_target.end_step(step, run_id);
	return totals;
}

} // namespace loader

/*
 * ranges.hpp — parallel full loads: a step's key space cut into ranges (migration.range)
 * that workers claim with FOR UPDATE SKIP LOCKED and load on their own connections. The
 * workers may be threads of this loader or of other loader processes (also on other
 * hosts) running the same step at the same time: each range is loaded by one worker at a
 * time, resumed after its last committed batch, never twice.
 * Zone: loader.
 */
#pragma once

#include <atomic>
#include <functional>

#include "loader/db.hpp"
#include "loader/runner.hpp"
#include "loader/state.hpp"

namespace loader {

/*
 * Whether a full load of the step goes by ranges: it already has ranges (a parallel load
 * to resume), or `workers` > 1 or `ranges` > 0 (run --ranges, e.g. for loader processes on
 * several hosts), its first key column is an integer and no plain load of it is half done.
 */
bool use_ranges(Session &session, const Step &step, int workers, int ranges = 0);

/*
 * Load the step by ranges with `workers` worker threads, cutting the ranges first if
 * there are none (`ranges` of them, or about four per worker, by the pushed-down min and
 * max of the first key column). Returns the totals of the ranges this process loaded; marks the step completed
 * when every range is, waiting for ranges other loaders hold. Throws the first worker's
 * error after the others have stopped.
 */
StepTotals run_ranges(const ConnectOptions &options, Session &session, const Step &step,
					  long run_id, int workers, int ranges, const BatchObserver &observer,
					  const std::atomic<bool> *stop);

} // namespace loader

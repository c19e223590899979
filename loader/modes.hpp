/*
 * modes.hpp — the modes that look at a step's rows by key rather than loading a range:
 * retry-failed, find-missing (with orphans) and verify (with --repair). full, diff and
 * local-diff are batch loops (runner.hpp).
 * Zone: loader.
 */
#pragma once

#include <atomic>
#include <string>
#include <vector>

#include "loader/plan.hpp"
#include "loader/runner.hpp"
#include "loader/state.hpp"

namespace loader {

struct CheckOptions {
	bool repair = false;		 /* verify: migrate mismatching rows again, then look again */
	bool delete_orphans = false; /* remove target rows whose source row is gone */
	std::string mark_orphans;	 /* or set this column (boolean: true, timestamp: now()) */
	size_t sample = 10;			 /* mismatches kept for the report */
};

/* What a checking mode found in one step. */
struct CheckTotals {
	long compared = 0; /* source rows compared (verify, find-missing) */
	long missing = 0;
	long different = 0;
	long extra = 0;			 /* migrated rows whose source row is gone (orphans) */
	long known_failures = 0; /* missing rows an unresolved failure explains */
	long repaired = 0;		 /* verify --repair: mismatches that match now */
	long orphans_changed = 0; /* removed or marked */
	long resolved = 0;		 /* retry-failed: failures resolved */
	long still_failing = 0;	 /* retry-failed: failures that failed again */
	std::vector<Mismatch> sample;
	std::vector<Key> orphans; /* --delete-orphans / --mark-orphans: removed after every step ran */
	/* Differences left when the mode is done. */
	long remaining() const { return missing + different + extra - repaired; }
};

StepTotals retry_failed(PgTarget &target, const Step &step, long run_id, CheckTotals &check);
StepTotals find_missing(PgTarget &target, const Step &step, long run_id, const CheckOptions &o,
						CheckTotals &check, const std::atomic<bool> *stop);
StepTotals verify(PgTarget &target, const Step &step, long run_id, const CheckOptions &o,
				  CheckTotals &check, const std::atomic<bool> *stop);

} // namespace loader

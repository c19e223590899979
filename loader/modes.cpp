/*
 * modes.cpp — see modes.hpp. Zone: loader. Talks to the database only through PgTarget.
 */
#include "loader/modes.hpp"

#include <set>

#include <nlohmann/json.hpp>

namespace loader {

namespace {

void
add(StepTotals &totals, const BatchResult &r)
{
	totals += r;
	totals.batches++;
}

void
count(CheckTotals &check, const std::vector<Mismatch> &found, size_t sample)
{
	for (const Mismatch &m : found) {
		(m.kind == "missing" ? check.missing : m.kind == "different" ? check.different : check.extra)++;
		check.known_failures += m.known_failure ? 1 : 0;
		if (check.sample.size() < sample) {
			check.sample.push_back(m);
		}
	}
}

std::string
key_text(const Key &key)
{
	return nlohmann::json(key).dump();
}

/* Orphans found in a slice: kept for removal (or marking) once every step has run, children
 * first (run_command.cpp), so that a parent is not refused while its children remain. */
void
handle_orphans(const CheckOptions &o, const std::vector<Mismatch> &found, CheckTotals &check)
{
	if (!o.delete_orphans && o.mark_orphans.empty()) {
		return;
	}
	for (const Mismatch &m : found) {
		if (m.kind == "extra") {
			check.orphans.push_back(m.key);
		}
	}
}

} // namespace

StepTotals
retry_failed(PgTarget &target, const Step &step, long run_id, CheckTotals &check)
{
	StepTotals totals;
	if (!target.is_completed(step)) {
		throw std::runtime_error("step \"" + step.name + "\" of source \"" + step.source +
								 "\" has not completed a full load; run a full load first");
	}
	std::vector<Key> keys = target.failed_keys(step);
	if (keys.empty()) {
		return totals;
	}
	std::vector<Key> loaded;
	add(totals, target.load_keys(step, run_id, keys, &loaded));
	/* Migrated now, or gone from the source: resolved. Refused again: attempts + 1. */
	check.resolved = target.resolve_failures(step, run_id, keys);
	check.still_failing = static_cast<long>(keys.size()) - check.resolved;
	return totals;
}

StepTotals
find_missing(PgTarget &target, const Step &step, long run_id, const CheckOptions &o,
			 CheckTotals &check, const std::atomic<bool> *stop)
{
	StepTotals totals;
	std::optional<Key> after;
	for (;;) {
		if (stop != nullptr && stop->load()) {
			break;
		}
		Comparison c = target.compare(step, after, step.batch_size, false);
		check.compared += c.rows;
		count(check, c.mismatches, o.sample);
		std::vector<Key> missing;
		for (const Mismatch &m : c.mismatches) {
			if (m.kind == "missing") {
				missing.push_back(m.key);
			}
		}
		if (!missing.empty()) {
			std::vector<Key> loaded;
			add(totals, target.load_keys(step, run_id, missing, &loaded));
			/* Migrated rows count as repaired; known failures that still fail do not. */
			check.repaired += static_cast<long>(loaded.size());
			target.resolve_failures(step, run_id, loaded);
		}
		handle_orphans(o, c.mismatches, check);
		if (c.end) {
			break;
		}
		after = c.last;
	}
	return totals;
}

StepTotals
verify(PgTarget &target, const Step &step, long run_id, const CheckOptions &o, CheckTotals &check,
	   const std::atomic<bool> *stop)
{
	StepTotals totals;
	if (!target.is_completed(step)) {
		throw std::runtime_error("step \"" + step.name + "\" of source \"" + step.source +
								 "\" has not completed a full load; run a full load first");
	}
	std::vector<Mismatch> found;
	std::optional<Key> after;
	for (;;) {
		if (stop != nullptr && stop->load()) {
			break;
		}
		Comparison c = target.compare(step, after, step.batch_size, true);
		check.compared += c.rows;
		found.insert(found.end(), c.mismatches.begin(), c.mismatches.end());
		if (c.end) {
			break;
		}
		after = c.last;
	}
	count(check, found, 0);
	if (o.repair && !found.empty()) {
		std::vector<Key> again, all;
		for (const Mismatch &m : found) {
			all.push_back(m.key);
			if (m.kind != "extra") {
				again.push_back(m.key);
			}
		}
		if (!again.empty()) {
			std::vector<Key> loaded;
			add(totals, target.load_keys(step, run_id, again, &loaded));
			target.resolve_failures(step, run_id, loaded);
		}
		handle_orphans(o, found, check);
		/* Look again: what still differs stays a difference. */
		std::set<std::string> left;
		for (const Mismatch &m : target.compare_keys(step, all)) {
			left.insert(key_text(m.key));
		}
		for (Mismatch &m : found) {
			m.repaired = left.count(key_text(m.key)) == 0;
			check.repaired += m.repaired ? 1 : 0;
		}
	}
	for (const Mismatch &m : found) {
		if (check.sample.size() >= o.sample) {
			break;
		}
		check.sample.push_back(m);
	}
	target.record_mismatches(step, run_id, found);
	return totals;
}

} // namespace loader

/*
 * ranges.cpp — see ranges.hpp. Zone: loader.
 */
#include "loader/ranges.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include <pqxx/pqxx>

namespace loader {

namespace {

constexpr int ranges_per_worker = 4;

long
count_ranges(Session &session, const Step &step, bool unfinished)
{
	Unit u(session);
	auto r = u.tx().exec_params1(
		std::string("SELECT count(*) FROM migration.range_state WHERE step = $1 AND source = $2") +
			(unfinished ? " AND state <> 'completed'" : ""),
		step.name, step.source);
	u.commit();
	return r[0].as<long>();
}

/* Cut the ranges, unless another loader just did. */
void
cut_ranges(Session &session, const Step &step, int count)
{
	Unit u(session);
	auto &tx = u.tx();
	tx.exec_params("SELECT pg_advisory_xact_lock(hashtext('tributary-ranges'), hashtext($1 || '/' || $2))",
				   step.name, step.source);
	if (tx.exec_params1("SELECT count(*) FROM migration.range WHERE step = $1 AND source = $2",
						step.name, step.source)[0]
			.as<long>() > 0) {
		u.commit();
		return;
	}
	const std::string k = tx.quote_name(step.source_key.at(0));
	auto mm = tx.exec1("SELECT min(" + k + ")::numeric::text, max(" + k + ")::numeric::text FROM " +
					   step.source_relation);
	const int n = std::max(1, count);
	if (mm[0].is_null()) {
		/* An empty source: one unbounded range. */
		tx.exec_params("INSERT INTO migration.range (step, source, no) VALUES ($1, $2, 1)", step.name,
					   step.source);
	} else {
		/* n ranges of equal width between min and max; the first and last unbounded, so
		 * keys added below or above later still belong to a range. */
		tx.exec_params(
			"INSERT INTO migration.range (step, source, no, lower_bound, upper_bound) "
			"SELECT $1, $2, i, CASE WHEN i > 1 THEN lo + floor((hi - lo + 1) * (i - 1) / $5) - 1 END, "
			"CASE WHEN i < $5 THEN lo + floor((hi - lo + 1) * i / $5) - 1 END "
			"FROM (SELECT $3::numeric AS lo, $4::numeric AS hi) b, generate_series(1, $5) i",
			step.name, step.source, mm[0].as<std::string>(), mm[1].as<std::string>(), n);
	}
	tx.exec_params("INSERT INTO migration.range_state (step, source, no) SELECT step, source, no "
				   "FROM migration.range WHERE step = $1 AND source = $2",
				   step.name, step.source);
	u.commit();
}

/* migration.setting's jobs for the step (or the '*' default); 0: not set. */
int
live_worker_limit(Session &session, const Step &step)
{
	Unit u(session);
	auto r = u.tx().exec_params1("SELECT coalesce((SELECT jobs FROM migration.setting WHERE step = $1), "
								 "(SELECT jobs FROM migration.setting WHERE step = '*'), 0)",
								 step.name);
	u.commit();
	return r[0].as<int>();
}

} // namespace

bool
use_ranges(Session &session, const Step &step, int workers, int ranges)
{
	if (session.dry_run()) {
		return false; /* one transaction: one connection */
	}
	Unit u(session);
	auto r = u.tx().exec_params1(
		"SELECT EXISTS (SELECT 1 FROM migration.range WHERE step = $1 AND source = $2), "
		"(SELECT last_key IS NULL FROM migration.step_state WHERE step = $1 AND source = $2), "
		"(SELECT atttypid IN ('int2'::regtype, 'int4'::regtype, 'int8'::regtype) FROM pg_attribute "
		" WHERE attrelid = $3::regclass AND attname = $4)",
		step.name, step.source, step.source_relation, step.source_key.at(0));
	u.commit();
	if (r[0].as<bool>()) {
		return true;
	}
	return (workers > 1 || ranges > 0) && !r[1].is_null() && r[1].as<bool>() && !r[2].is_null() &&
		   r[2].as<bool>();
}

StepTotals
run_ranges(const ConnectOptions &options, Session &session, const Step &step, long run_id,
		   int workers, int ranges, const BatchObserver &observer, const std::atomic<bool> *stop)
{
	cut_ranges(session, step, ranges > 0 ? ranges : workers * ranges_per_worker);
	/* The first watermark is the step's, taken before any range reads a row. */
	PgTarget(session).take_first_watermark(step, run_id);
	PgTarget(session).prepare_dedup(step, run_id);

	std::mutex mutex;
	std::vector<StepTotals> current(workers); /* the range each worker loads now */
	StepTotals finished;					  /* ranges done */
	std::string error;
	std::atomic<bool> halt{false};
	/* No range left to claim: workers resting because of the live jobs setting may end. */
	std::atomic<bool> exhausted{false};
	/* Per worker: stop after the current batch (halt, or the live jobs setting is lower
	 * than this worker's number). Written by the monitoring loop below. */
	std::unique_ptr<std::atomic<bool>[]> resting(new std::atomic<bool>[workers]);
	for (int w = 0; w < workers; w++) {
		resting[w] = false;
	}
	auto sum = [&]() {
		StepTotals t = finished;
		for (const StepTotals &c : current) {
			t += c;
		}
		return t;
	};
	auto worker = [&](int w) {
		try {
			Session data(loader::connect(options), false);
			auto claims = loader::connect(options);
			for (;;) {
				if (halt) {
					return;
				}
				if (resting[w]) {
					if (exhausted) {
						return;
					}
					std::this_thread::sleep_for(std::chrono::milliseconds(200));
					continue;
				}
				/* Claim a range: its row stays locked while this worker loads it. */
				pqxx::work claim(*claims);
				auto r = claim.exec_params(
					"SELECT r.no, r.lower_bound::text, r.upper_bound::text FROM migration.range r "
					"JOIN migration.range_state s USING (step, source, no) WHERE r.step = $1 AND "
					"r.source = $2 AND s.state <> 'completed' ORDER BY r.no LIMIT 1 "
					"FOR UPDATE OF r SKIP LOCKED",
					step.name, step.source);
				if (r.empty()) {
					exhausted = true;
					return;
				}
				KeyRange range;
				range.no = r[0][0].as<int>();
				range.lower = r[0][1].is_null() ? "" : r[0][1].as<std::string>();
				range.upper = r[0][2].is_null() ? "" : r[0][2].as<std::string>();
				PgTarget target(data, Mode::full);
				target.set_range(range, workers);
				StepRunner runner(
					target,
					[&](const Step &s, const StepTotals &t) {
						StepTotals all;
						{
							std::lock_guard<std::mutex> lock(mutex);
							current[w] = t;
							all = sum();
						}
						if (observer) {
							observer(s, all);
						}
					},
					&resting[w]);
				StepTotals t = runner.run(step, run_id);
				claim.commit();
				std::lock_guard<std::mutex> lock(mutex);
				current[w] = StepTotals{};
				finished += t;
			}
		} catch (const std::exception &e) {
			std::lock_guard<std::mutex> lock(mutex);
			if (error.empty()) {
				error = e.what();
			}
			halt = true;
		}
	};
	for (;;) {
		std::atomic<int> running{workers};
		std::vector<std::thread> threads;
		for (int w = 0; w < workers; w++) {
			threads.emplace_back([&, w]() {
				worker(w);
				running--;
			});
		}
		exhausted = false;
		int ticks = 0;
		int live_jobs = live_worker_limit(session, step);
		while (running > 0) {
			if (stop != nullptr && stop->load()) {
				halt = true;
			}
			if (++ticks % 10 == 0) {
				live_jobs = live_worker_limit(session, step); /* a DBA may lower it live */
			}
			for (int w = 0; w < workers; w++) {
				resting[w] = halt || (live_jobs > 0 && w >= live_jobs);
			}
			std::this_thread::sleep_for(std::chrono::milliseconds(100));
		}
		for (auto &t : threads) {
			t.join();
		}
		if (!error.empty()) {
			throw std::runtime_error(error);
		}
		if (halt) {
			return sum();
		}
		if (count_ranges(session, step, true) == 0) {
			break;
		}
		/* Ranges other loaders hold: wait, and take over any whose loader went away. */
		std::this_thread::sleep_for(std::chrono::seconds(1));
	}
	PgTarget(session).end_step(step, run_id);
	return sum();
}

} // namespace loader

/*
 * run_command.cpp — `tributary run`: the steps in dependency order, independent steps
 * on parallel connections (--jobs), each under its advisory lock, with progress on
 * stderr, a summary on stdout and the documented exit code.
 * Zone: loader.
 */
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <iomanip>
#include <iostream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "loader/commands.hpp"
#include "loader/exit_codes.hpp"
#include "loader/modes.hpp"
#include "loader/ranges.hpp"
#include "loader/runner.hpp"
#include "loader/state.hpp"

namespace loader {

namespace {

std::atomic<bool> g_stop{false};

extern "C" void
on_signal(int)
{
	g_stop = true;
}

enum class Outcome { pending, running, done, skipped_completed, locked, failed, blocked };

struct StepResult {
	Outcome outcome = Outcome::pending;
	StepTotals totals;
	CheckTotals check;
	double seconds = 0;
	std::string error;
};

const char *
outcome_name(Outcome o)
{
	switch (o) {
	case Outcome::pending:
		return "not run";
	case Outcome::running:
		return "running";
	case Outcome::done:
		return "completed";
	case Outcome::skipped_completed:
		return "already completed";
	case Outcome::locked:
		return "locked by another run";
	case Outcome::failed:
		return "failed";
	case Outcome::blocked:
		return "skipped: a dependency did not complete";
	}
	return "?";
}

/* Progress: a line per step at most every two seconds (and at the end of each step). */
class Progress {
public:
	explicit Progress(bool quiet) : m_quiet(quiet), m_tty(isatty(STDERR_FILENO) != 0) {}

	void batch(const Step &step, const StepTotals &t, double seconds)
	{
		if (m_quiet) {
			return;
		}
		std::lock_guard<std::mutex> lock(m_mutex);
		auto now = std::chrono::steady_clock::now();
		auto &last = m_last[step.name + "/" + step.source];
		if (now - last < std::chrono::seconds(2)) {
			return;
		}
		last = now;
		print(step, t, seconds, false);
	}

	void end(const Step &step, const StepTotals &t, double seconds)
	{
		if (m_quiet) {
			return;
		}
		std::lock_guard<std::mutex> lock(m_mutex);
		print(step, t, seconds, true);
	}

private:
	void print(const Step &step, const StepTotals &t, double seconds, bool final)
	{
		std::ostringstream line;
		line << step.name << " [" << step.source << "]: " << t.rows_read << " rows, "
			 << t.inserted << " inserted, " << t.updated << " updated, " << t.failed
			 << " failed, " << static_cast<long>(seconds > 0 ? t.rows_read / seconds : 0)
			 << " rows/s" << (final ? " (done)" : "");
		if (m_tty && !final) {
			std::cerr << '\r' << line.str() << "\033[K" << std::flush;
		} else {
			std::cerr << (m_tty ? "\r" : "") << line.str() << (m_tty ? "\033[K\n" : "\n");
		}
	}

	bool m_quiet;
	bool m_tty;
	std::mutex m_mutex;
	std::map<std::string, std::chrono::steady_clock::time_point> m_last;
};

/* Run one step on its own session (or the dry run's); never throws. */
StepResult
run_one(const Globals &g, const RunOptions &o, const Step &step, long run_id, Progress &progress,
		Session *shared)
{
	StepResult result;
	auto started = std::chrono::steady_clock::now();
	try {
		std::unique_ptr<Session> own;
		if (shared == nullptr) {
			own = std::make_unique<Session>(connect(g.connect), false);
		}
		Session &session = shared != nullptr ? *shared : *own;
		const Mode mode = parse_mode(o.mode);
		/* A parallel full load shares the step with other loaders working on its ranges. */
		const bool ranges = mode == Mode::full && use_ranges(session, step, o.jobs);
		if (!lock_step(session, step, o.wait, ranges)) {
			result.outcome = Outcome::locked;
			result.error = "step \"" + step.name + "\" of source \"" + step.source +
						   "\" is being migrated by another run";
			return result;
		}
		PgTarget target(session, mode, o.overlap);
		if (mode == Mode::full && target.is_completed(step) && !o.restart) {
			result.outcome = Outcome::skipped_completed;
			unlock_step(session, step, ranges);
			return result;
		}
		if (o.restart && mode == Mode::full) {
			reset_step(session, step);
		}
		auto observer = [&](const Step &s, const StepTotals &t) {
			progress.batch(s, t,
						   std::chrono::duration<double>(std::chrono::steady_clock::now() - started)
							   .count());
		};
		CheckOptions co;
		co.repair = o.repair;
		co.delete_orphans = o.delete_orphans;
		co.mark_orphans = o.mark_orphans;
		switch (mode) {
		case Mode::full:
			if (ranges) {
				result.totals = run_ranges(g.connect, session, step, run_id, o.jobs, observer, &g_stop);
				break;
			}
			[[fallthrough]];
		case Mode::diff:
		case Mode::local_diff: {
			StepRunner runner(target, observer, &g_stop);
			result.totals = runner.run(step, run_id);
			break;
		}
		case Mode::retry_failed:
			result.totals = retry_failed(target, step, run_id, result.check);
			break;
		case Mode::find_missing:
			result.totals = find_missing(target, step, run_id, co, result.check, &g_stop);
			break;
		case Mode::verify:
			result.totals = verify(target, step, run_id, co, result.check, &g_stop);
			break;
		}
		result.outcome = g_stop ? Outcome::failed : Outcome::done;
		if (g_stop) {
			result.error = "interrupted";
		}
		unlock_step(session, step, ranges);
	} catch (const std::exception &e) {
		result.outcome = Outcome::failed;
		std::string msg = e.what();
		auto nl = msg.find('\n');
		result.error = nl == std::string::npos ? msg : msg.substr(0, nl);
		if (result.error.rfind("ERROR:  ", 0) == 0) {
			result.error = result.error.substr(8);
		}
	}
	result.seconds =
		std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
	if (result.outcome == Outcome::done || result.outcome == Outcome::failed) {
		progress.end(step, result.totals, result.seconds);
	}
	return result;
}

bool
checking(const RunOptions &o)
{
	return o.mode == "verify" || o.mode == "find-missing" || o.mode == "retry-failed";
}

std::string
describe(const Mismatch &m)
{
	return nlohmann::json(m.key).dump() + " " + m.kind + (m.known_failure ? " (known failure)" : "") +
		   (m.repaired ? " (repaired)" : "");
}

void
print_summary(const Globals &g, const RunOptions &o, long run_id, const std::vector<Step> &steps,
			  const std::vector<StepResult> &results, double seconds)
{
	if (g.json) {
		nlohmann::json j;
		j["run_id"] = run_id;
		j["seconds"] = seconds;
		j["steps"] = nlohmann::json::array();
		for (size_t i = 0; i < steps.size(); i++) {
			const StepResult &r = results[i];
			j["steps"].push_back({{"step", steps[i].name},
								  {"source", steps[i].source},
								  {"outcome", outcome_name(r.outcome)},
								  {"rows_read", r.totals.rows_read},
								  {"inserted", r.totals.inserted},
								  {"updated", r.totals.updated},
								  {"failed", r.totals.failed},
								  {"batches", r.totals.batches},
								  {"seconds", r.seconds},
								  {"error", r.error}});
			if (checking(o)) {
				nlohmann::json sample = nlohmann::json::array();
				for (const Mismatch &m : r.check.sample) {
					sample.push_back({{"source_key", m.key},
									  {"kind", m.kind},
									  {"known_failure", m.known_failure},
									  {"repaired", m.repaired}});
				}
				j["steps"].back()["check"] = {{"compared", r.check.compared},
											  {"missing", r.check.missing},
											  {"different", r.check.different},
											  {"extra", r.check.extra},
											  {"known_failures", r.check.known_failures},
											  {"repaired", r.check.repaired},
											  {"orphans_changed", r.check.orphans_changed},
											  {"resolved", r.check.resolved},
											  {"still_failing", r.check.still_failing},
											  {"remaining", r.check.remaining()},
											  {"first", sample}};
			}
		}
		j["mode"] = o.mode;
		j["dry_run"] = o.dry_run;
		std::cout << j.dump(2) << '\n';
		return;
	}
	if (g.quiet) {
		return;
	}
	std::cout << (o.dry_run ? "dry run (rolled back: nothing was kept) of " : "") << o.mode
			  << " run " << run_id << " (" << std::fixed << std::setprecision(1) << seconds
			  << " s)\n";
	std::cout << std::left << std::setw(20) << "step" << std::setw(12) << "source" << std::right
			  << std::setw(10) << "read" << std::setw(10) << "inserted" << std::setw(10)
			  << "updated" << std::setw(8) << "failed" << "  outcome\n";
	for (size_t i = 0; i < steps.size(); i++) {
		const StepResult &r = results[i];
		std::cout << std::left << std::setw(20) << steps[i].name << std::setw(12)
				  << steps[i].source << std::right << std::setw(10) << r.totals.rows_read
				  << std::setw(10) << r.totals.inserted << std::setw(10) << r.totals.updated
				  << std::setw(8) << r.totals.failed << "  " << outcome_name(r.outcome)
				  << (r.error.empty() ? "" : ": " + r.error) << '\n';
	}
	if (!checking(o)) {
		return;
	}
	for (size_t i = 0; i < steps.size(); i++) {
		const CheckTotals &c = results[i].check;
		if (results[i].outcome != Outcome::done) {
			continue;
		}
		std::cout << steps[i].name << " [" << steps[i].source << "]: ";
		if (o.mode == "retry-failed") {
			std::cout << c.resolved << " failures resolved, " << c.still_failing
					  << " still failing\n";
			continue;
		}
		std::cout << c.compared << " rows compared, " << c.missing << " missing";
		if (o.mode == "verify") {
			std::cout << ", " << c.different << " different";
		}
		std::cout << ", " << c.extra << " extra";
		if (c.known_failures > 0) {
			std::cout << " (" << c.known_failures << " missing are known failures)";
		}
		if (o.mode == "find-missing") {
			std::cout << "; " << c.repaired << " migrated";
		} else if (o.repair) {
			std::cout << "; " << c.repaired << " repaired";
		}
		if (o.delete_orphans || !o.mark_orphans.empty()) {
			std::cout << "; " << c.orphans_changed << " orphans " << (o.delete_orphans ? "removed" : "marked");
		}
		std::cout << (o.mode == "verify" && c.remaining() == 0 ? " — clean" : "") << '\n';
		for (const Mismatch &m : c.sample) {
			std::cout << "  " << describe(m) << '\n';
		}
	}
}

} // namespace

int
cmd_run(const Globals &g, const RunOptions &o)
{
	if (o.repair && o.mode != "verify") {
		print_error("--repair is an option of --mode verify");
		return exit_usage;
	}
	if ((o.delete_orphans || !o.mark_orphans.empty()) && o.mode != "find-missing" && o.mode != "verify") {
		print_error("--delete-orphans and --mark-orphans are options of --mode find-missing and verify");
		return exit_usage;
	}
	if (o.delete_orphans && !o.mark_orphans.empty()) {
		print_error("--delete-orphans and --mark-orphans exclude each other");
		return exit_usage;
	}
	auto conn = connect(g.connect);
	{
		pqxx::read_transaction tx(*conn);
		if (!tx.exec("SELECT 1 FROM pg_extension WHERE extname = 'tributary'").size()) {
			print_error("extension \"tributary\" is not installed in this database", {},
						"Run CREATE EXTENSION tributary; in that database.");
			return exit_usage;
		}
	}
	/* A dry run: one session, one transaction for everything, rolled back at the end. */
	Session session(std::move(conn), o.dry_run);
	Session *shared = o.dry_run ? &session : nullptr;
	std::vector<Step> steps =
		select_steps(order_steps(load_steps(session)), o.steps, o.with_dependencies);
	if (steps.empty()) {
		print_error("no steps to run", {}, "Define steps with migration.define_step().");
		return exit_usage;
	}
	std::vector<std::string> names;
	for (const Step &s : steps) {
		names.push_back(s.name + "/" + s.source);
	}
	long run_id = start_run(session, o.mode, names);
	std::signal(SIGINT, on_signal);
	std::signal(SIGTERM, on_signal);
	Progress progress(g.quiet || g.json);
	auto started = std::chrono::steady_clock::now();

	/* Scheduler: a step is ready when every source of every step it depends on is done. */
	std::vector<StepResult> results(steps.size());
	std::mutex mutex;
	std::condition_variable changed;
	auto state_of_name = [&](const std::string &name) {
		bool all_done = true;
		for (size_t i = 0; i < steps.size(); i++) {
			if (steps[i].name != name) {
				continue;
			}
			Outcome oc = results[i].outcome;
			if (oc == Outcome::failed || oc == Outcome::locked || oc == Outcome::blocked) {
				return -1;
			}
			all_done = all_done && (oc == Outcome::done || oc == Outcome::skipped_completed);
		}
		return all_done ? 1 : 0;
	};
	auto worker = [&]() {
		for (;;) {
			size_t pick = steps.size();
			{
				std::unique_lock<std::mutex> lock(mutex);
				for (;;) {
					bool any_pending = false;
					pick = steps.size();
					for (size_t i = 0; i < steps.size() && pick == steps.size(); i++) {
						if (results[i].outcome != Outcome::pending) {
							continue;
						}
						int ready = 1;
						for (const std::string &d : steps[i].depends_on) {
							int s = state_of_name(d);
							ready = s < 0 ? -1 : (ready < 0 ? -1 : std::min(ready, s));
						}
						if (ready < 0 || g_stop) {
							results[i].outcome = Outcome::blocked;
							changed.notify_all();
							continue;
						}
						any_pending = true;
						if (ready == 1) {
							pick = i;
						}
					}
					if (pick != steps.size() || !any_pending) {
						break;
					}
					/* Wake up now and then to notice a signal. */
					changed.wait_for(lock, std::chrono::milliseconds(200));
				}
				if (pick == steps.size()) {
					return;
				}
				results[pick].outcome = Outcome::running;
			}
			StepResult r = run_one(g, o, steps[pick], run_id, progress, shared);
			std::lock_guard<std::mutex> lock(mutex);
			results[pick] = r;
			changed.notify_all();
		}
	};
	std::vector<std::thread> threads;
	for (int i = 0; i < (o.dry_run ? 1 : std::max(1, o.jobs)); i++) {
		threads.emplace_back(worker);
	}
	for (auto &t : threads) {
		t.join();
	}

	double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
	long read = 0, written = 0, failed = 0;
	bool any_failed = false, any_locked = false;
	std::string message;
	for (size_t i = 0; i < steps.size(); i++) {
		read += results[i].totals.rows_read;
		written += results[i].totals.inserted + results[i].totals.updated;
		failed += results[i].totals.failed;
		any_failed |= results[i].outcome == Outcome::failed || results[i].outcome == Outcome::blocked;
		any_locked |= results[i].outcome == Outcome::locked;
		if (!results[i].error.empty() && message.empty()) {
			message = steps[i].name + ": " + results[i].error;
		}
	}
	std::string status = g_stop ? "interrupted"
						 : any_failed || any_locked ? "failed"
						 : failed > 0 ? "succeeded_with_failures"
									  : "succeeded";
	finish_run(session, run_id, status, read, written, failed, message);
	print_summary(g, o, run_id, steps, results, seconds);
	for (size_t i = 0; i < steps.size(); i++) {
		if (results[i].outcome == Outcome::locked) {
			print_error(results[i].error, {},
						"Wait for the other run to finish, or run again with --wait.");
		} else if (results[i].outcome == Outcome::failed) {
			print_error("step \"" + steps[i].name + "\" [" + steps[i].source + "] failed",
						results[i].error, "Fix the cause and run again: the step resumes after its last committed batch.");
		}
	}
	if (any_failed || g_stop) {
		return exit_fatal;
	}
	if (any_locked) {
		return exit_locked;
	}
	if (o.mode == "verify" || o.mode == "find-missing") {
		for (const StepResult &r : results) {
			if (o.mode == "verify" ? r.check.remaining() > 0 : r.check.extra > r.check.orphans_changed) {
				return exit_differences;
			}
		}
	}
	return failed > 0 ? exit_with_failures : exit_success;
}

} // namespace loader

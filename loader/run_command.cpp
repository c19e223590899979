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
#include "loader/metrics.hpp"
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
	bool fk_by_batch = false;
	long replaced = -1; /* --replace: rows of the scope removed; -1: not asked */
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
	/* --metrics-file: every batch also goes to the metrics (loader/metrics.hpp). */
	void set_metrics(RunMetrics *metrics) { m_metrics = metrics; }

	void batch(const Step &step, const StepTotals &t, double seconds)
	{
		if (m_metrics != nullptr) {
			m_metrics->batch(step, t, seconds);
		}
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

	/* A full load's size (the planner's estimate of the source's rows) and the rows it had
	 * already done before this run, for the share done and the time left. */
	void expect(const Step &step, long total, long already)
	{
		std::lock_guard<std::mutex> lock(m_mutex);
		m_expected[step.name + "/" + step.source] = {total, already};
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
		auto e = m_expected.find(step.name + "/" + step.source);
		if (!final && e != m_expected.end() && e->second.first > 0 && seconds > 0 && t.rows_read > 0) {
			const double done = static_cast<double>(e->second.second + t.rows_read);
			const double total = std::max(done, static_cast<double>(e->second.first));
			const long left = static_cast<long>((total - done) / (t.rows_read / seconds));
			line << ", ~" << static_cast<int>(100 * done / total) << "% (estimate), about ";
			if (left >= 3600) {
				line << left / 3600 << " h " << (left % 3600) / 60 << " min";
			} else if (left >= 60) {
				line << left / 60 << " min " << left % 60 << " s";
			} else {
				line << left << " s";
			}
			line << " left";
		}
		if (m_tty && !final) {
			std::cerr << '\r' << line.str() << "\033[K" << std::flush;
		} else {
			std::cerr << (m_tty ? "\r" : "") << line.str() << (m_tty ? "\033[K\n" : "\n");
		}
	}

	bool m_quiet;
	bool m_tty;
	RunMetrics *m_metrics = nullptr;
	std::mutex m_mutex;
	std::map<std::string, std::chrono::steady_clock::time_point> m_last;
	std::map<std::string, std::pair<long, long>> m_expected;
};

/* --scope name=value…, as a map. */
std::map<std::string, std::string>
scope_values(const RunOptions &o)
{
	std::map<std::string, std::string> out;
	for (const std::string &s : o.scopes) {
		auto eq = s.find('=');
		out[s.substr(0, eq)] = eq == std::string::npos ? "" : s.substr(eq + 1);
	}
	return out;
}

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
		const std::map<std::string, std::string> scope = scope_values(o);
		/* A parallel full load shares the step with other loaders working on its ranges. */
		const bool ranges = mode == Mode::full && scope.empty() && use_ranges(session, step, o.jobs, o.ranges);
		if (!lock_step(session, step, o.wait, ranges)) {
			result.outcome = Outcome::locked;
			result.error = "step \"" + step.name + "\" of source \"" + step.source +
						   "\" is being migrated by another run";
			return result;
		}
		PgTarget target(session, mode, o.overlap);
		target.set_scope(scope);
		if (mode == Mode::full && scope.empty() && target.is_completed(step) && !o.restart) {
			result.outcome = Outcome::skipped_completed;
			unlock_step(session, step, ranges);
			return result;
		}
		if (o.restart && mode == Mode::full) {
			reset_step(session, step);
		}
		if (mode == Mode::full && scope.empty()) {
			const auto size = target.size_estimate(step);
			progress.expect(step, size.first, size.second);
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
				result.totals = run_ranges(g.connect, session, step, run_id, o.jobs, o.ranges, observer, &g_stop);
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
		result.fk_by_batch = target.foreign_keys_by_batch(step);
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
								  {"foreign_keys", r.fk_by_batch ? "by batch" : "by row"},
								  {"error", r.error}});
			if (r.replaced >= 0) {
				j["steps"].back()["replaced"] = r.replaced;
			}
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
	for (size_t i = 0; i < steps.size(); i++) {
		if (results[i].replaced >= 0) {
			std::cout << steps[i].name << " [" << steps[i].source << "]: " << results[i].replaced
					  << " rows of the scope removed (no longer in the transform)\n";
		}
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

/* The run's exit code (exit_codes.hpp). */
int
run_exit_code(const RunOptions &o, const std::vector<StepResult> &results, bool any_failed,
			  bool any_locked, long failed)
{
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

} // namespace

int
cmd_run(const Globals &g, const RunOptions &o, std::vector<StepOutcome> *outcomes)
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
	for (const std::string &s : o.scopes) {
		auto eq = s.find('=');
		if (eq == std::string::npos || eq == 0) {
			print_error("invalid --scope \"" + s + "\"", {}, "Write --scope name=value, e.g. --scope branch=42.");
			return exit_usage;
		}
	}
	if (!o.scopes.empty() && o.mode != "full") {
		print_error("--scope is an option of --mode full", {},
					"A scoped load re-imports a slice; verify or diff the whole step afterwards.");
		return exit_usage;
	}
	if (o.replace && o.scopes.empty()) {
		print_error("--replace needs --scope", {}, "--replace removes the rows of one slice.");
		return exit_usage;
	}
	/* --metrics-file (loader/metrics.hpp): a path the run cannot write is refused up front. */
	if (!o.metrics_file.empty() && !metrics_file_problem(o.metrics_file).empty()) {
		print_error(metrics_file_problem(o.metrics_file), {}, "Give --metrics-file a file in a writable directory.");
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
	if (!o.scopes.empty()) {
		/* A slice and its children: the steps that declare every scope asked for. */
		const auto scope = scope_values(o);
		std::vector<Step> scoped;
		for (const Step &s : steps) {
			size_t declared = 0;
			for (const auto &v : scope) {
				for (const auto &d : s.scopes) {
					declared += d.first == v.first ? 1 : 0;
				}
			}
			if (declared == scope.size()) {
				scoped.push_back(s);
			}
		}
		if (scoped.empty()) {
			print_error("no step declares the scope" + std::string(scope.size() > 1 ? "s" : "") +
							" asked for",
						{}, "Declare scopes in the step options: options => '{\"scopes\": {\"branch\": \"branch_id\"}}'.");
			return exit_usage;
		}
		steps = scoped;
	}
	std::vector<std::string> names;
	for (const Step &s : steps) {
		names.push_back(s.name + "/" + s.source);
	}
	long run_id = start_run(session, o.mode, names);
	std::signal(SIGINT, on_signal);
	std::signal(SIGTERM, on_signal);
	/* --metrics-file (loader/metrics.hpp): written until finish() below (or, on an exception, as failed). */
	RunMetrics metrics(o.metrics_file, g.connect,
					   {run_id, o.mode, o.dry_run, o.mode == "full" && o.scopes.empty()}, steps);
	Progress progress(g.quiet || g.json);
	progress.set_metrics(&metrics);
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
			metrics.step_end(steps[pick], r.totals, r.seconds, outcome_name(r.outcome)); /* --metrics-file */
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

	/* Orphans (find-missing, verify with --delete-orphans/--mark-orphans): children first. */
	for (size_t i = steps.size(); i-- > 0;) {
		if (results[i].outcome != Outcome::done || results[i].check.orphans.empty() || g_stop) {
			continue;
		}
		try {
			std::unique_ptr<Session> own;
			if (shared == nullptr) {
				own = std::make_unique<Session>(connect(g.connect), false);
			}
			PgTarget target(shared != nullptr ? *shared : *own, Mode::full);
			const long n = target.remove_orphans(steps[i], run_id, results[i].check.orphans,
												 o.delete_orphans ? "" : o.mark_orphans);
			results[i].check.orphans_changed += n;
			if (o.mode == "verify" && o.repair) {
				results[i].check.repaired += n; /* the extra rows are gone or marked */
			}
			results[i].totals.failed += static_cast<long>(results[i].check.orphans.size()) - n;
		} catch (const std::exception &e) {
			results[i].outcome = Outcome::failed;
			results[i].error = std::string("orphans: ") + e.what();
		}
	}
	/* --replace: children first, so that a parent's stale row is no longer referred to. */
	bool all_done = true;
	for (const StepResult &r : results) {
		all_done = all_done && r.outcome == Outcome::done;
	}
	if (o.replace && all_done && !g_stop) {
		for (size_t i = steps.size(); i-- > 0;) {
			try {
				std::unique_ptr<Session> own;
				if (shared == nullptr) {
					own = std::make_unique<Session>(connect(g.connect), false);
				}
				PgTarget target(shared != nullptr ? *shared : *own, Mode::full);
				target.set_scope(scope_values(o));
				results[i].replaced = target.replace_scope(steps[i], run_id);
			} catch (const std::exception &e) {
				results[i].outcome = Outcome::failed;
				results[i].error = std::string("--replace: ") + e.what();
			}
		}
	}
	double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
	long read = 0, written = 0, failed = 0;
	bool any_failed = false, any_locked = false, any_blocked = false;
	std::string message;
	for (size_t i = 0; i < steps.size(); i++) {
		read += results[i].totals.rows_read;
		written += results[i].totals.inserted + results[i].totals.updated;
		failed += results[i].totals.failed;
		any_failed |= results[i].outcome == Outcome::failed;
		any_blocked |= results[i].outcome == Outcome::blocked;
		any_locked |= results[i].outcome == Outcome::locked;
		if (!results[i].error.empty() && message.empty()) {
			message = steps[i].name + ": " + results[i].error;
		}
	}
	std::string status = g_stop ? "interrupted"
						 : any_failed || any_locked || any_blocked ? "failed"
						 : failed > 0 ? "succeeded_with_failures"
									  : "succeeded";
	finish_run(session, run_id, status, read, written, failed, message);
	print_summary(g, o, run_id, steps, results, seconds);
	if (outcomes != nullptr) {
		for (size_t i = 0; i < steps.size(); i++) {
			StepOutcome so;
			so.step = steps[i].name;
			so.source = steps[i].source;
			so.ok = results[i].outcome == Outcome::done || results[i].outcome == Outcome::skipped_completed;
			so.rows_read = results[i].totals.rows_read;
			so.written = results[i].totals.inserted + results[i].totals.updated;
			so.failed = results[i].totals.failed;
			so.differences = results[i].check.remaining();
			so.error = results[i].error;
			outcomes->push_back(so);
		}
	}
	for (size_t i = 0; i < steps.size(); i++) {
		if (results[i].outcome == Outcome::locked) {
			print_error(results[i].error, {},
						"Wait for the other run to finish, or run again with --wait.");
		} else if (results[i].outcome == Outcome::failed) {
			print_error("step \"" + steps[i].name + "\" [" + steps[i].source + "] failed", results[i].error,
						o.mode == "full" && results[i].totals.batches > 0
							? "Fix the cause and run again: the step resumes after its last committed batch."
							: "Fix the cause and run again.");
		}
	}
	/* --metrics-file: each step's outcome, the run's status and exit code (loader/metrics.hpp). */
	/* Steps held back by a locked dependency: a locked run (4), not a broken one (3). */
	const int code = run_exit_code(o, results, any_failed || (any_blocked && !any_locked), any_locked, failed);
	for (size_t i = 0; i < steps.size(); i++) {
		metrics.step_end(steps[i], results[i].totals, results[i].seconds, outcome_name(results[i].outcome));
	}
	metrics.finish(status, code);
	return code;
}

} // namespace loader

/*
 * metrics.cpp — see metrics.hpp. Zone: loader.
 */
#include "loader/metrics.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <iostream>
#include <sstream>

#include "loader/exit_codes.hpp"
#include "loader/state.hpp"

namespace loader {

namespace {

/* Upper bounds of the batch duration histogram, in seconds (+Inf is implied). */
constexpr double batch_buckets[] = {0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300};
constexpr size_t n_buckets = sizeof(batch_buckets) / sizeof(batch_buckets[0]);

/* Shortest text that reads back as the same double; locale-independent. */
std::string
number(double v)
{
	char buf[64];
	auto r = std::to_chars(buf, buf + sizeof(buf), v);
	return std::string(buf, r.ptr);
}

std::string
directory_of(const std::string &path)
{
	auto slash = path.rfind('/');
	if (slash == std::string::npos) {
		return ".";
	}
	return slash == 0 ? "/" : path.substr(0, slash);
}

std::string
system_reason()
{
	return std::strerror(errno);
}

/*
 * The run summary's outcome words as a label value. The summary's texts are for people
 * ("locked by another run"); a label should be short and stable.
 */
std::string
outcome_label(const std::string &outcome)
{
	static const std::map<std::string, std::string> known = {
		{"not run", "not_run"},
		{"already completed", "already_completed"},
		{"locked by another run", "locked"},
		{"skipped: a dependency did not complete", "blocked"},
	};
	auto it = known.find(outcome);
	if (it != known.end()) {
		return it->second;
	}
	std::string out;
	for (char c : outcome) {
		const bool word = std::isalnum(static_cast<unsigned char>(c)) != 0;
		if (word) {
			out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
		} else if (!out.empty() && out.back() != '_') {
			out += '_';
		}
	}
	while (!out.empty() && out.back() == '_') {
		out.pop_back();
	}
	return out.empty() ? "unknown" : out;
}

/* Builds the exposition text one metric family at a time (HELP, TYPE, then its samples). */
class Exposition {
public:
	void family(const std::string &name, const std::string &type, const std::string &help)
	{
		m_out << "# HELP " << name << ' ' << prometheus_escape(help, true) << '\n';
		m_out << "# TYPE " << name << ' ' << type << '\n';
	}
	void sample(const std::string &name, const std::vector<std::pair<std::string, std::string>> &labels,
				double value)
	{
		m_out << name;
		if (!labels.empty()) {
			m_out << '{';
			for (size_t i = 0; i < labels.size(); i++) {
				m_out << (i ? "," : "") << labels[i].first << "=\""
					  << prometheus_escape(labels[i].second) << '"';
			}
			m_out << '}';
		}
		m_out << ' ' << number(value) << '\n';
	}
	std::string text() const { return m_out.str(); }

private:
	std::ostringstream m_out;
};

using Labels = std::vector<std::pair<std::string, std::string>>;

/*
 * Workers of a parallel load report a step's totals from several threads, so an older
 * total may arrive after a newer one; a counter that went down would read as a reset.
 */
void
keep_highest(StepTotals &kept, const StepTotals &seen)
{
	kept.rows_read = std::max(kept.rows_read, seen.rows_read);
	kept.inserted = std::max(kept.inserted, seen.inserted);
	kept.updated = std::max(kept.updated, seen.updated);
	kept.failed = std::max(kept.failed, seen.failed);
	kept.batches = std::max(kept.batches, seen.batches);
}

} // namespace

std::string
prometheus_escape(const std::string &value, bool help)
{
	std::string out;
	for (char c : value) {
		if (c == '\\') {
			out += "\\\\";
		} else if (c == '\n') {
			out += "\\n";
		} else if (c == '"' && !help) {
			out += "\\\"";
		} else {
			out += c;
		}
	}
	return out;
}

std::string
write_file_atomically(const std::string &path, const std::string &contents)
{
	const std::string tmp = path + "." + std::to_string(getpid()) + ".tmp";
	int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		return "could not create file \"" + tmp + "\": " + system_reason();
	}
	size_t done = 0;
	while (done < contents.size()) {
		ssize_t n = write(fd, contents.data() + done, contents.size() - done);
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			std::string why = "could not write file \"" + tmp + "\": " + system_reason();
			close(fd);
			unlink(tmp.c_str());
			return why;
		}
		done += static_cast<size_t>(n);
	}
	if (fsync(fd) != 0 || close(fd) != 0) {
		std::string why = "could not write file \"" + tmp + "\": " + system_reason();
		unlink(tmp.c_str());
		return why;
	}
	if (rename(tmp.c_str(), path.c_str()) != 0) {
		std::string why = "could not rename file \"" + tmp + "\" to \"" + path + "\": " + system_reason();
		unlink(tmp.c_str());
		return why;
	}
	return {};
}

std::string
metrics_file_problem(const std::string &path)
{
	struct stat st;
	if (path.empty() || path.back() == '/' || (stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode))) {
		return "metrics file \"" + path + "\" is a directory";
	}
	const std::string dir = directory_of(path);
	if (stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
		return "directory \"" + dir + "\" of the metrics file does not exist";
	}
	if (access(dir.c_str(), W_OK) != 0) {
		return "could not write to directory \"" + dir + "\" of the metrics file: " + system_reason();
	}
	return {};
}

RunMetrics::RunMetrics(std::string path, ConnectOptions connect, Run run,
					   const std::vector<Step> &steps, std::chrono::milliseconds interval)
	: m_path(std::move(path)), m_connect(std::move(connect)), m_run(std::move(run)),
	  m_interval(interval), m_started(std::chrono::steady_clock::now()),
	  m_started_unix(std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
						 .count())
{
	if (m_path.empty()) {
		return;
	}
	for (const Step &s : steps) {
		StepFigures f;
		f.step = s;
		m_steps.push_back(f);
	}
	write_now(); /* the run is visible as running from its first second */
	m_writer = std::thread([this]() { loop(); });
}

RunMetrics::~RunMetrics()
{
	if (m_path.empty() || !m_writer.joinable()) {
		return;
	}
	try {
		finish("failed", exit_fatal);
	} catch (...) {
		/* A destructor never throws: the file keeps its last contents. */
	}
}

RunMetrics::StepFigures *
RunMetrics::find(std::vector<StepFigures> &steps, const std::string &name, const std::string &source)
{
	for (StepFigures &f : steps) {
		if (f.step.name == name && f.step.source == source) {
			return &f;
		}
	}
	return nullptr;
}

void
RunMetrics::batch(const Step &step, const StepTotals &totals, double seconds)
{
	step_end(step, totals, seconds, "running");
}

void
RunMetrics::step_end(const Step &step, const StepTotals &totals, double seconds,
					 const std::string &outcome)
{
	if (m_path.empty()) {
		return;
	}
	std::lock_guard<std::mutex> lock(m_mutex);
	if (StepFigures *f = find(m_steps, step.name, step.source)) {
		keep_highest(f->totals, totals);
		f->seconds = std::max(f->seconds, seconds);
		f->outcome = outcome;
	}
}

void
RunMetrics::finish(const std::string &status, int exit_code)
{
	if (m_path.empty() || !m_writer.joinable()) {
		return;
	}
	{
		std::lock_guard<std::mutex> lock(m_mutex);
		m_status = status;
		m_exit_code = exit_code;
		m_stop = true;
	}
	m_wake.notify_all();
	m_writer.join();
	write_now();
}

void
RunMetrics::loop()
{
	std::unique_lock<std::mutex> lock(m_mutex);
	for (;;) {
		m_wake.wait_for(lock, m_interval, [this]() { return m_stop; });
		if (m_stop) {
			return;
		}
		lock.unlock();
		write_now();
		lock.lock();
	}
}

void
RunMetrics::warn(const std::string &message)
{
	if (m_warned) {
		return;
	}
	m_warned = true;
	std::cerr << "tributary: warning: " << message << '\n';
}

void
RunMetrics::write_now()
{
	Snapshot s;
	{
		std::lock_guard<std::mutex> lock(m_mutex);
		s.steps = m_steps;
		s.status = m_status;
		s.exit_code = m_exit_code;
	}
	s.started_at = m_started_unix;
	s.elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - m_started).count();
	try {
		query(s);
	} catch (const std::exception &e) {
		/* The file is still written, without what only the database knows. */
		std::string why = e.what();
		warn("could not query the database for the metrics file (written without batch durations, backlog and last success): " +
			 why.substr(0, why.find('\n')));
		m_session.reset();
	}
	std::string problem = write_file_atomically(m_path, render(s));
	if (!problem.empty()) {
		warn(problem);
	}
}

/*
 * What only the database knows. Batch durations: migration.batch (started_at and
 * finished_at of each committed batch). Backlog (whole-step full loads only): the
 * planner's estimate of the source relation's rows (EXPLAIN, once per step: no scan, and
 * a foreign table is estimated without asking its server unless use_remote_estimate is
 * set) less the rows the step has done (migration.step_state), 0 once it is completed.
 * A dry run's batches and progress are invisible here (its transaction is rolled back),
 * so it has neither.
 */
void
RunMetrics::query(Snapshot &s)
{
	if (!m_session) {
		m_session = std::make_unique<Session>(connect(m_connect), false);
	}
	if (m_run.backlog && !m_run.dry_run) {
		for (StepFigures &f : s.steps) {
			const std::string id = f.step.name + "/" + f.step.source;
			if (m_estimates.count(id) == 0) {
				/* The same estimate as the progress line's (0: none). */
				const long rows = PgTarget(*m_session).size_estimate(f.step).first;
				m_estimates[id] = rows > 0 ? std::optional<double>(rows) : std::nullopt;
			}
			f.source_estimate = m_estimates[id];
		}
	}
	pqxx::read_transaction tx(m_session->conn());
	auto last = tx.exec_params1(
		"SELECT extract(epoch FROM max(finished_at))::float8 FROM migration.run WHERE mode = $1 "
		"AND NOT dry_run AND status IN ('succeeded', 'succeeded_with_failures')",
		m_run.mode);
	if (!last[0].is_null()) {
		s.last_success = last[0].as<double>();
	}
	if (m_run.dry_run) {
		return;
	}
	std::string bounds = "{";
	for (size_t i = 0; i < n_buckets; i++) {
		bounds += (i ? "," : "") + number(batch_buckets[i]);
	}
	bounds += "}";
	/* One row per step and bucket: the bucket's cumulative count (at most le seconds),
	 * with the step's count and sum of durations. */
	auto hist = tx.exec_params(
		"SELECT b.step, b.source, t.n, count(*) FILTER (WHERE b.d <= t.le), count(*), sum(b.d) "
		"FROM (SELECT step, source, extract(epoch FROM finished_at - started_at)::float8 AS d "
		"      FROM migration.batch WHERE run_id = $1) b "
		"CROSS JOIN unnest($2::float8[]) WITH ORDINALITY AS t(le, n) "
		"GROUP BY b.step, b.source, t.n",
		m_run.id, bounds);
	auto figures = [&s](const std::string &name, const std::string &source) {
		return find(s.steps, name, source);
	};
	for (const auto &r : hist) {
		StepFigures *f = figures(r[0].as<std::string>(), r[1].as<std::string>());
		const size_t n = r[2].as<size_t>();
		if (f == nullptr || n < 1 || n > n_buckets) {
			continue;
		}
		f->buckets.resize(n_buckets, 0);
		f->buckets[n - 1] = r[3].as<long>();
		f->batch_count = r[4].as<long>();
		f->batch_seconds = r[5].as<double>();
	}
	if (!m_run.backlog) {
		return;
	}
	for (const auto &r : tx.exec("SELECT step, source, state, rows_done + rows_failed "
								 "FROM migration.step_state")) {
		StepFigures *f = figures(r[0].as<std::string>(), r[1].as<std::string>());
		if (f == nullptr || !f->source_estimate) {
			continue;
		}
		const double done = r[3].as<double>();
		f->backlog = r[2].as<std::string>() == "completed"
						 ? 0.0
						 : std::max(0.0, *f->source_estimate - done);
	}
}

std::string
RunMetrics::render(const Snapshot &s) const
{
	return render_run(s) + render_steps(s) + render_from_database(s);
}

RunMetrics::LabelList
RunMetrics::step_labels(const StepFigures &f) const
{
	return {{"step", f.step.name}, {"source", f.step.source}, {"mode", m_run.mode}};
}

/* The run as a whole. */
std::string
RunMetrics::render_run(const Snapshot &s) const
{
	Exposition e;
	const Labels run{{"mode", m_run.mode}};
	e.family("tributary_run_id", "gauge", "Id of the run (migration.run.id) these metrics describe.");
	e.sample("tributary_run_id", run, static_cast<double>(m_run.id));
	e.family("tributary_run_dry_run", "gauge", "1 if the run is a dry run (everything rolled back).");
	e.sample("tributary_run_dry_run", run, m_run.dry_run ? 1 : 0);
	e.family("tributary_run_running", "gauge", "1 while the run goes on, 0 once it has ended.");
	e.sample("tributary_run_running", run, s.exit_code ? 0 : 1);
	e.family("tributary_run_status", "gauge",
			 "The run's status: 1 for its current status, 0 for the others (as migration.run.status).");
	for (const char *st : {"running", "succeeded", "succeeded_with_failures", "failed", "interrupted"}) {
		Labels l = run;
		l.emplace_back("status", st);
		e.sample("tributary_run_status", l, s.status == st ? 1 : 0);
	}
	if (s.exit_code) {
		e.family("tributary_run_exit_code", "gauge",
				 "Exit code of the loader: 0 success, 1 some rows failed and were recorded, 3 could "
				 "not go on, 4 a step was locked by another run, 5 verify found differences.");
		e.sample("tributary_run_exit_code", run, *s.exit_code);
	}
	e.family("tributary_run_start_timestamp_seconds", "gauge", "When the run started (Unix time).");
	e.sample("tributary_run_start_timestamp_seconds", run, s.started_at);
	e.family("tributary_run_duration_seconds", "gauge", "Seconds the run has taken so far (all of it once ended).");
	e.sample("tributary_run_duration_seconds", run, s.elapsed);
	if (s.last_success) {
		e.family("tributary_last_success_timestamp_seconds", "gauge",
				 "When the last run of this mode that was not a dry run ended succeeded "
				 "(succeeded or succeeded_with_failures; Unix time).");
		e.sample("tributary_last_success_timestamp_seconds", run, *s.last_success);
	}
	long read = 0;
	for (const StepFigures &f : s.steps) {
		read += f.totals.rows_read;
	}
	e.family("tributary_run_rows_per_second", "gauge", "Source rows read per second by the whole run, on average.");
	e.sample("tributary_run_rows_per_second", run, s.elapsed > 0 ? read / s.elapsed : 0);
	return e.text();
}

/* Per step, what the loader itself counted. */
std::string
RunMetrics::render_steps(const Snapshot &s) const
{
	Exposition e;
	auto per_step = [&](const std::string &name, const std::string &type, const std::string &help,
						auto value) {
		e.family(name, type, help);
		for (const StepFigures &f : s.steps) {
			e.sample(name, step_labels(f), value(f));
		}
	};
	per_step("tributary_step_rows_read_total", "counter", "Source rows read by this run.",
			 [](const StepFigures &f) { return static_cast<double>(f.totals.rows_read); });
	e.family("tributary_step_rows_written_total", "counter",
			 "Target rows written by this run: inserted or updated (label action).");
	for (const StepFigures &f : s.steps) {
		Labels l = step_labels(f);
		l.emplace_back("action", "inserted");
		e.sample("tributary_step_rows_written_total", l, static_cast<double>(f.totals.inserted));
		l.back().second = "updated";
		e.sample("tributary_step_rows_written_total", l, static_cast<double>(f.totals.updated));
	}
	per_step("tributary_step_rows_failed_total", "counter",
			 "Source rows refused by the target (or the transform) and recorded in migration.failure.",
			 [](const StepFigures &f) { return static_cast<double>(f.totals.failed); });
	per_step("tributary_step_batches_total", "counter", "Batches committed by this run.",
			 [](const StepFigures &f) { return static_cast<double>(f.totals.batches); });
	per_step("tributary_step_duration_seconds", "gauge", "Seconds the step has taken in this run.",
			 [](const StepFigures &f) { return f.seconds; });
	per_step("tributary_step_rows_per_second", "gauge",
			 "Source rows read per second by the step in this run, on average.",
			 [](const StepFigures &f) { return f.seconds > 0 ? f.totals.rows_read / f.seconds : 0; });
	e.family("tributary_step_outcome", "gauge",
			 "The step's outcome in this run (label outcome): pending, running, completed, "
			 "already_completed, locked, blocked or failed.");
	for (const StepFigures &f : s.steps) {
		Labels l = step_labels(f);
		l.emplace_back("outcome", outcome_label(f.outcome));
		e.sample("tributary_step_outcome", l, 1);
	}
	return e.text();
}

/* Per step, what only the database knows (see query()); families without a sample are left out. */
std::string
RunMetrics::render_from_database(const Snapshot &s) const
{
	Exposition e;
	bool any_estimate = false, any_backlog = false, any_batch = false;
	for (const StepFigures &f : s.steps) {
		any_estimate |= f.source_estimate.has_value();
		any_backlog |= f.backlog.has_value();
		any_batch |= f.batch_count > 0;
	}
	if (any_estimate) {
		e.family("tributary_step_source_rows_estimate", "gauge",
				 "The planner's estimate of the rows of the step's source relation (not a count).");
		for (const StepFigures &f : s.steps) {
			if (f.source_estimate) {
				e.sample("tributary_step_source_rows_estimate", step_labels(f), *f.source_estimate);
			}
		}
	}
	if (any_backlog) {
		e.family("tributary_step_backlog_rows_estimate", "gauge",
				 "Rows of the source the full load has not reached yet: the source's estimate less "
				 "the rows done (0 once the step is completed). An estimate, not a count.");
		for (const StepFigures &f : s.steps) {
			if (f.backlog) {
				e.sample("tributary_step_backlog_rows_estimate", step_labels(f), *f.backlog);
			}
		}
	}
	if (any_batch) {
		const std::string h = "tributary_batch_duration_seconds";
		e.family(h, "histogram", "Durations of the run's committed batches (migration.batch).");
		for (const StepFigures &f : s.steps) {
			if (f.batch_count == 0) {
				continue;
			}
			for (size_t i = 0; i < n_buckets; i++) {
				Labels l = step_labels(f);
				l.emplace_back("le", number(batch_buckets[i]));
				e.sample(h + "_bucket", l, static_cast<double>(f.buckets[i]));
			}
			Labels l = step_labels(f);
			l.emplace_back("le", "+Inf");
			e.sample(h + "_bucket", l, static_cast<double>(f.batch_count));
			e.sample(h + "_sum", step_labels(f), f.batch_seconds);
			e.sample(h + "_count", step_labels(f), static_cast<double>(f.batch_count));
		}
	}
	return e.text();
}

} // namespace loader

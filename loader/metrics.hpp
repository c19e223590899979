/*
 * metrics.hpp — `tributary run --metrics-file PATH`: the run's telemetry in Prometheus'
 * text exposition format, for node_exporter's textfile collector (rows per step, batch
 * durations, backlog estimate, rows/s, run status, exit code, last success).
 * The file is replaced atomically (a temporary file in the same directory, then
 * rename), at most every two seconds while the run goes on, and once at its end.
 * Zone: loader. Reads migration.* on a connection of its own; never writes to the
 * database, and a metrics problem never stops a migration (it is a warning on stderr).
 */
#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>


#include "loader/db.hpp"
#include "loader/plan.hpp"
#include "loader/runner.hpp"

namespace loader {

class Session;

/*
 * Write `contents` to `path` so that a reader sees either the old or the new file,
 * never a partial one: a temporary file beside it (its name does not end in .prom, so
 * the textfile collector skips it), flushed to disk, then renamed over `path`. Returns
 * an empty string, or what went wrong ("could not …" with the system's reason).
 */
std::string write_file_atomically(const std::string &path, const std::string &contents);

/*
 * Why the run could not write its metrics file at `path` (empty: it can): the
 * directory must exist and be writable, and `path` must not be a directory.
 */
std::string metrics_file_problem(const std::string &path);

/* Prometheus text format: a label value (or HELP text) escaped as the format requires. */
std::string prometheus_escape(const std::string &value, bool help = false);

/*
 * The telemetry of one run. Every method is thread-safe and cheap (no I/O): a writer
 * thread of its own renders and writes the file, and queries the database for what
 * only it knows (batch durations, each step's committed progress, the planner's row
 * estimate of the step's source, the last successful run). With an empty path the
 * object does nothing.
 */
class RunMetrics {
public:
	struct Run {
		long id = 0;
		std::string mode;
		bool dry_run = false;
		bool backlog = false; /* a whole-step full load: the backlog can be estimated */
	};
	RunMetrics(std::string path, ConnectOptions connect, Run run, const std::vector<Step> &steps,
			   std::chrono::milliseconds interval = std::chrono::seconds(2));
	/* Without finish(): the run ended by an exception, written as failed with exit code 3. */
	~RunMetrics();
	RunMetrics(const RunMetrics &) = delete;
	RunMetrics &operator=(const RunMetrics &) = delete;

	/* A committed batch of a step: its totals so far, seconds since the step started. */
	void batch(const Step &step, const StepTotals &totals, double seconds);
	/* A step's end: its totals and outcome (the summary's words, e.g. "completed"). */
	void step_end(const Step &step, const StepTotals &totals, double seconds,
				  const std::string &outcome);
	/* The run's end (after migration.run is finished): writes the final file. */
	void finish(const std::string &status, int exit_code);

private:
	struct StepFigures {
		Step step;
		StepTotals totals;
		double seconds = 0;
		std::string outcome = "pending";
		std::optional<double> source_estimate; /* planner's estimate of the source's rows */
		std::optional<double> backlog;
		/* Batch durations: cumulative counts per bucket, count, sum (from migration.batch). */
		std::vector<long> buckets;
		long batch_count = 0;
		double batch_seconds = 0;
	};
	struct Snapshot {
		std::vector<StepFigures> steps;
		std::string status = "running";
		std::optional<int> exit_code;
		double elapsed = 0;
		double started_at = 0; /* Unix time */
		std::optional<double> last_success;
	};

	static StepFigures *find(std::vector<StepFigures> &steps, const std::string &name,
							 const std::string &source);
	void loop();
	void write_now();
	void query(Snapshot &s);
	using LabelList = std::vector<std::pair<std::string, std::string>>;
	LabelList step_labels(const StepFigures &f) const;
	std::string render(const Snapshot &s) const;
	std::string render_run(const Snapshot &s) const;
	std::string render_steps(const Snapshot &s) const;
	std::string render_from_database(const Snapshot &s) const;
	void warn(const std::string &message);

	std::string m_path;
	ConnectOptions m_connect;
	Run m_run;
	std::chrono::milliseconds m_interval;
	std::chrono::steady_clock::time_point m_started;
	double m_started_unix = 0;

	std::mutex m_mutex; /* guards the figures below and m_stop */
	std::vector<StepFigures> m_steps;
	std::string m_status = "running";
	std::optional<int> m_exit_code;
	bool m_stop = false;
	std::condition_variable m_wake;

	/* Only the writer thread (and finish(), after joining it) touches these. */
	std::unique_ptr<Session> m_session;
	std::map<std::string, std::optional<double>> m_estimates; /* per step/source, once */
	bool m_warned = false;
	std::thread m_writer;
};

} // namespace loader

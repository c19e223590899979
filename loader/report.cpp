/*
 * report.cpp — see report.hpp: reading a run from the migration schema (load_run) and
 * drawing it (render_report and its parts, pure). Zone: loader.
 */
#include "loader/report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>

#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "loader/exit_codes.hpp"
#include "loader/metrics.hpp"

namespace loader {

namespace {

/* Widths of the charts, in CSS pixels. */
constexpr double chart_width = 960;
constexpr double label_width = 190;
constexpr double plot_width = chart_width - label_width - 20;
constexpr int throughput_buckets = 60;

const char *const palette[] = {"#2f6fb0", "#d9822b", "#3a9a5b", "#b5443b",
							   "#7b5ea7", "#8c6d3f", "#c2549d", "#5f7f8c"};

std::string
fixed(double v, int digits)
{
	char buf[64];
	std::snprintf(buf, sizeof(buf), "%.*f", digits, v);
	return buf;
}

std::string
duration_text(double seconds)
{
	if (seconds < 60) {
		return fixed(seconds, 1) + " s";
	}
	long s = std::lround(seconds);
	std::string out;
	if (s >= 3600) {
		out = std::to_string(s / 3600) + " h ";
	}
	return out + std::to_string(s / 60 % 60) + " min " + std::to_string(s % 60) + " s";
}

std::string
rate_text(long rows, double seconds)
{
	return seconds > 0 ? std::to_string(std::lround(rows / seconds)) : "–";
}

/* 1, 2 or 5 times a power of ten, at least v. */
double
nice_ceiling(double v)
{
	if (v <= 0) {
		return 1;
	}
	double p = std::pow(10.0, std::floor(std::log10(v)));
	for (double m : {1.0, 2.0, 5.0, 10.0}) {
		if (m * p >= v) {
			return m * p;
		}
	}
	return 10 * p;
}

/* The run's time span: start to end (or to now while it runs, or to its last batch). */
std::pair<double, double>
time_span(const ReportRun &run)
{
	double end = run.finished > 0 ? run.finished : run.now;
	for (const ReportStep &s : run.steps) {
		end = std::max(end, s.last_finish);
	}
	return {run.started, std::max(end, run.started + 0.001)};
}

/* Ticks of a time axis of `span` seconds: a step of 1, 2 or 5 × 10^k giving 4 to 10 ticks. */
double
tick_step(double span)
{
	return nice_ceiling(span / 8);
}

std::string
time_axis(double span, double x0, double width, double y_top, double y_bottom)
{
	std::ostringstream out;
	const double step = tick_step(span);
	for (double t = 0; t <= span + step * 1e-9; t += step) {
		const double x = x0 + t / span * width;
		out << "<line class=\"grid\" x1=\"" << fixed(x, 1) << "\" y1=\"" << fixed(y_top, 1)
			<< "\" x2=\"" << fixed(x, 1) << "\" y2=\"" << fixed(y_bottom, 1) << "\"/>"
			<< "<text class=\"tick\" x=\"" << fixed(x, 1) << "\" y=\"" << fixed(y_bottom + 14, 1)
			<< "\" text-anchor=\"middle\">+" << (step < 1 ? fixed(t, 1) : fixed(t, 0)) << " s</text>\n";
	}
	return out.str();
}

/* Batches of a step as bars; batches closer than half a pixel merge into one bar. */
std::string
timeline_bars(const ReportStep &s, double t0, double span, double y, const char *colour)
{
	struct Bar {
		double from, to;
		long batches, rows;
	};
	std::vector<Bar> bars;
	const double px = span / plot_width; /* seconds per pixel */
	for (const ReportBatch &b : s.batches_list) {
		if (!bars.empty() && b.started - bars.back().to < px / 2) {
			bars.back().to = std::max(bars.back().to, b.finished);
			bars.back().batches++;
			bars.back().rows += b.rows_read;
			continue;
		}
		bars.push_back({b.started, b.finished, 1, b.rows_read});
	}
	std::ostringstream out;
	for (const Bar &b : bars) {
		const double x = label_width + (b.from - t0) / span * plot_width;
		const double w = std::max(1.0, (b.to - b.from) / span * plot_width);
		out << "<rect class=\"batch\" x=\"" << fixed(x, 2) << "\" y=\"" << fixed(y, 1)
			<< "\" width=\"" << fixed(w, 2) << "\" height=\"14\" fill=\"" << colour << "\"><title>"
			<< html_escape(s.name + " [" + s.source + "]: ") << b.batches
			<< (b.batches == 1 ? " batch, " : " batches, ") << b.rows << " rows, +"
			<< fixed(b.from - t0, 2) << " s to +" << fixed(b.to - t0, 2) << " s</title></rect>\n";
	}
	return out.str();
}

std::string
render_timeline(const ReportRun &run)
{
	const auto [t0, t1] = time_span(run);
	const double span = t1 - t0;
	const double row = 24;
	const double height = 20 + row * static_cast<double>(run.steps.size()) + 24;
	std::ostringstream out;
	out << "<svg id=\"timeline-chart\" class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" "
		<< "width=\"" << chart_width << "\" height=\"" << fixed(height, 0) << "\" viewBox=\"0 0 "
		<< chart_width << ' ' << fixed(height, 0) << "\" role=\"img\" aria-label=\"batches of each step over time\">\n";
	out << time_axis(span, label_width, plot_width, 10, height - 24);
	for (size_t i = 0; i < run.steps.size(); i++) {
		const ReportStep &s = run.steps[i];
		const double y = 20 + row * static_cast<double>(i);
		out << "<text class=\"label\" x=\"" << fixed(label_width - 8, 0) << "\" y=\"" << fixed(y + 11, 1)
			<< "\" text-anchor=\"end\">" << html_escape(s.name) << " <tspan class=\"source\">["
			<< html_escape(s.source) << "]</tspan></text>\n";
		out << timeline_bars(s, t0, span, y, palette[i % 8]);
	}
	out << "</svg>\n";
	return out.str();
}

/* Rows per second in equal time buckets, each batch's rows spread evenly over its time. */
std::vector<double>
throughput(const ReportStep &s, double t0, double span)
{
	std::vector<double> rows(throughput_buckets, 0);
	const double width = span / throughput_buckets;
	for (const ReportBatch &b : s.batches_list) {
		const double from = std::clamp(b.started - t0, 0.0, span);
		const double to = std::clamp(b.finished - t0, from, span);
		if (to - from < 1e-9) {
			rows[std::min<size_t>(throughput_buckets - 1, static_cast<size_t>(from / width))] += b.rows_read;
			continue;
		}
		for (size_t k = static_cast<size_t>(from / width); k < throughput_buckets; k++) {
			const double lo = std::max(from, k * width), hi = std::min(to, (k + 1) * width);
			if (lo >= to) {
				break;
			}
			rows[k] += b.rows_read * (hi - lo) / (to - from);
		}
	}
	for (double &r : rows) {
		r /= width;
	}
	return rows;
}

/* A step line: horizontal in each bucket, vertical between them. */
std::string
step_path(const std::vector<double> &rate, double top, double height, double y_max)
{
	std::ostringstream d;
	const double w = plot_width / static_cast<double>(rate.size());
	for (size_t k = 0; k < rate.size(); k++) {
		const double y = top + height - rate[k] / y_max * height;
		d << (k == 0 ? "M" : " L") << fixed(label_width + k * w, 1) << ' ' << fixed(y, 1) << " L"
		  << fixed(label_width + (k + 1) * w, 1) << ' ' << fixed(y, 1);
	}
	return d.str();
}

std::string
render_throughput(const ReportRun &run)
{
	const auto [t0, t1] = time_span(run);
	const double span = t1 - t0, top = 14, height = 200;
	std::vector<std::vector<double>> series;
	std::vector<double> total(throughput_buckets, 0);
	for (const ReportStep &s : run.steps) {
		series.push_back(throughput(s, t0, span));
		for (size_t k = 0; k < throughput_buckets; k++) {
			total[k] += series.back()[k];
		}
	}
	const double y_max = nice_ceiling(*std::max_element(total.begin(), total.end()));
	const double svg_height = top + height + 30 + 18 * static_cast<double>(run.steps.size() + 1);
	std::ostringstream out;
	out << "<svg id=\"throughput-chart\" class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\""
		<< chart_width << "\" height=\"" << fixed(svg_height, 0) << "\" viewBox=\"0 0 " << chart_width
		<< ' ' << fixed(svg_height, 0) << "\" role=\"img\" aria-label=\"rows per second over time\">\n";
	for (int g = 0; g <= 4; g++) {
		const double y = top + height - g * height / 4;
		out << "<line class=\"grid\" x1=\"" << label_width << "\" y1=\"" << fixed(y, 1) << "\" x2=\""
			<< label_width + plot_width << "\" y2=\"" << fixed(y, 1) << "\"/><text class=\"tick\" x=\""
			<< label_width - 8 << "\" y=\"" << fixed(y + 4, 1) << "\" text-anchor=\"end\">"
			<< std::lround(y_max * g / 4) << " rows/s</text>\n";
	}
	out << time_axis(span, label_width, plot_width, top, top + height);
	double legend_y = top + height + 34;
	auto line = [&](const std::vector<double> &rate, const std::string &name, const char *colour,
					const char *cls) {
		out << "<path class=\"" << cls << "\" d=\"" << step_path(rate, top, height, y_max)
			<< "\" stroke=\"" << colour << "\"><title>" << html_escape(name) << "</title></path>\n";
		out << "<rect x=\"" << label_width << "\" y=\"" << fixed(legend_y - 9, 1)
			<< "\" width=\"14\" height=\"4\" fill=\"" << colour << "\"/><text class=\"legend\" x=\""
			<< label_width + 20 << "\" y=\"" << fixed(legend_y, 1) << "\">" << html_escape(name) << "</text>\n";
		legend_y += 18;
	};
	if (run.steps.size() > 1) {
		line(total, "all steps", "#aab2bf", "series total");
	}
	for (size_t i = 0; i < run.steps.size(); i++) {
		line(series[i], run.steps[i].name + " [" + run.steps[i].source + "]", palette[i % 8], "series");
	}
	out << "</svg>\n";
	return out.str();
}

const char *style_sheet = R"css(
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d2430; margin: 24px auto; max-width: 1000px; padding: 0 16px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 1px solid #d5dae2; padding-bottom: 4px; }
.status { display: inline-block; padding: 1px 10px; border-radius: 10px; font-weight: 600; background: #e4e8ee; }
.status.succeeded { background: #d8f0df; color: #1c6b37; } .status.succeeded_with_failures { background: #fcefd2; color: #7a5200; }
.status.failed, .status.interrupted { background: #f8dcdc; color: #8c1d1d; } .status.running { background: #dbe8f8; color: #1c4f8c; }
dl.run { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 12px 0; } dl.run dt { color: #5b6575; } dl.run dd { margin: 0; }
table { border-collapse: collapse; width: 100%; font-size: 13px; } th, td { padding: 4px 8px; border-bottom: 1px solid #e3e7ee; text-align: left; vertical-align: top; }
th { background: #f3f5f8; font-weight: 600; } td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tfoot td { font-weight: 600; border-top: 2px solid #c9d0da; } .outcome-failed { color: #8c1d1d; font-weight: 600; }
td.message { max-width: 420px; overflow-wrap: anywhere; } code { font: 12px ui-monospace, monospace; overflow-wrap: anywhere; }
svg.chart { display: block; max-width: 100%; height: auto; } svg .grid { stroke: #e3e7ee; stroke-width: 1; }
svg .tick, svg .legend, svg .label { font-size: 11px; fill: #5b6575; } svg .label { fill: #1d2430; font-size: 12px; } svg .source { fill: #8a93a3; }
svg path.series { fill: none; stroke-width: 1.5; } svg path.total { stroke-width: 4; } .note { color: #5b6575; } footer { margin-top: 32px; color: #8a93a3; font-size: 12px; }
)css";

std::string
render_header(const ReportRun &run)
{
	std::ostringstream out;
	const double end = run.finished > 0 ? run.finished : run.now;
	out << "<header><h1>tributary run " << run.id << "</h1><span id=\"run-status\" class=\"status "
		<< html_escape(run.status) << "\">" << html_escape(run.status) << "</span></header>\n";
	out << "<dl class=\"run\" id=\"run\">\n<dt>mode</dt><dd id=\"run-mode\">" << html_escape(run.mode)
		<< (run.dry_run ? " (dry run)" : "") << "</dd>\n"
		<< "<dt>database</dt><dd>" << html_escape(run.database) << "</dd>\n"
		<< "<dt>started</dt><dd>" << html_escape(run.started_text) << "</dd>\n"
		<< "<dt>finished</dt><dd>" << (run.finished > 0 ? html_escape(run.finished_text) : "still running")
		<< "</dd>\n<dt>duration</dt><dd id=\"run-duration\">" << duration_text(end - run.started) << "</dd>\n"
		<< "<dt>loader</dt><dd>" << html_escape(run.host) << " (pid " << run.pid << ")</dd>\n"
		<< "<dt>rows</dt><dd id=\"run-rows\">" << run.rows_read << " read, " << run.rows_written
		<< " written, " << run.rows_failed << " failed — " << rate_text(run.rows_read, end - run.started)
		<< " rows/s</dd>\n";
	if (!run.message.empty()) {
		out << "<dt>message</dt><dd id=\"run-message\">" << html_escape(run.message) << "</dd>\n";
	}
	out << "</dl>\n";
	return out.str();
}

std::string
render_steps(const ReportRun &run)
{
	std::ostringstream out;
	out << "<h2>Steps</h2>\n<table id=\"step-summary\">\n<thead><tr><th>step</th><th>source</th>"
		<< "<th class=\"num\">batches</th><th class=\"num\">rows read</th><th class=\"num\">inserted</th>"
		<< "<th class=\"num\">updated</th><th class=\"num\">failed</th><th class=\"num\">duration</th>"
		<< "<th class=\"num\">rows/s</th><th>outcome</th></tr></thead>\n<tbody>\n";
	for (const ReportStep &s : run.steps) {
		const double seconds = s.batches > 0 ? s.last_finish - s.first_start : 0;
		const bool failed = s.outcome.rfind("failed", 0) == 0;
		out << "<tr class=\"step\" data-step=\"" << html_escape(s.name) << "\" data-source=\""
			<< html_escape(s.source) << "\"><td>" << html_escape(s.name) << "</td><td>"
			<< html_escape(s.source) << "</td><td class=\"num batches\">" << s.batches
			<< "</td><td class=\"num read\">" << s.rows_read << "</td><td class=\"num inserted\">"
			<< s.inserted << "</td><td class=\"num updated\">" << s.updated
			<< "</td><td class=\"num failed\">" << s.failed
			<< (s.failures_recorded > s.failed
					? " <span class=\"note\" title=\"failures recorded by this run, some outside batches\">("
						  + std::to_string(s.failures_recorded) + " recorded)</span>"
					: "")
			<< "</td><td class=\"num\">" << (s.batches > 0 ? duration_text(seconds) : "–")
			<< "</td><td class=\"num rate\">" << rate_text(s.rows_read, seconds) << "</td><td class=\"outcome"
			<< (failed ? " outcome-failed" : "") << "\">" << html_escape(s.outcome) << "</td></tr>\n";
	}
	out << "</tbody>\n<tfoot><tr><td colspan=\"3\">run total (migration.run)</td><td class=\"num\">"
		<< run.rows_read << "</td><td class=\"num\" colspan=\"2\">" << run.rows_written
		<< " written</td><td class=\"num\">" << run.rows_failed << "</td><td colspan=\"3\"></td></tr></tfoot>\n</table>\n";
	return out.str();
}

std::string
render_failures(const ReportRun &run)
{
	std::ostringstream out;
	out << "<h2>Unresolved failures</h2>\n";
	if (run.failures_total == 0) {
		out << "<p id=\"failures-none\" class=\"note\">The run's steps have no unresolved failure.</p>\n";
		return out.str();
	}
	out << "<p class=\"note\" id=\"failures-count\">" << run.failures_total
		<< " unresolved failure" << (run.failures_total == 1 ? "" : "s") << " of the run's steps"
		<< (static_cast<long>(run.failures.size()) < run.failures_total
				? "; the first " + std::to_string(run.failures.size()) + " below"
				: "")
		<< ". Retry them with <code>tributary run --mode retry-failed</code>.</p>\n";
	out << "<table id=\"failures\">\n<thead><tr><th>step</th><th>source key</th><th>SQLSTATE</th>"
		<< "<th>message</th><th class=\"num\">attempts</th><th>last seen</th></tr></thead>\n<tbody>\n";
	for (const ReportFailure &f : run.failures) {
		out << "<tr class=\"failure\"><td>" << html_escape(f.step) << " [" << html_escape(f.source)
			<< "]</td><td><code>" << html_escape(f.key) << "</code></td><td><code class=\"sqlstate\">"
			<< html_escape(f.sqlstate) << "</code></td><td class=\"message\">" << html_escape(f.message);
		if (!f.detail.empty()) {
			out << "<br><span class=\"note\">" << html_escape(f.detail) << "</span>";
		}
		out << "</td><td class=\"num\">" << f.attempts << "</td><td>" << html_escape(f.last_seen)
			<< (f.this_run ? " (this run)" : "") << "</td></tr>\n";
	}
	out << "</tbody></table>\n";
	return out.str();
}

std::string
render_mismatches(const ReportRun &run)
{
	std::ostringstream out;
	out << "<h2>Mismatches</h2>\n";
	if (run.mismatches_total == 0) {
		out << "<p id=\"mismatches-none\" class=\"note\">No mismatch: source and target agree.</p>\n";
		return out.str();
	}
	out << "<table id=\"mismatch-counts\"><thead><tr><th>step</th><th>kind</th><th class=\"num\">rows</th>"
		<< "</tr></thead><tbody>\n";
	for (const auto &c : run.mismatch_counts) {
		out << "<tr><td>" << html_escape(c[0]) << " [" << html_escape(c[1]) << "]</td><td>"
			<< html_escape(c[2]) << "</td><td class=\"num\">" << html_escape(c[3]) << "</td></tr>\n";
	}
	out << "</tbody></table>\n<p class=\"note\">" << run.mismatches_total << " mismatch"
		<< (run.mismatches_total == 1 ? "" : "es") << "; the first " << run.mismatches.size() << ":</p>\n";
	out << "<table id=\"mismatches\"><thead><tr><th>step</th><th>source key</th><th>kind</th><th>note</th>"
		<< "</tr></thead><tbody>\n";
	for (const ReportMismatch &m : run.mismatches) {
		std::string note = m.known_failure ? "known failure" : "";
		if (m.repaired) {
			note += (note.empty() ? "" : ", ") + std::string("repaired");
		}
		out << "<tr class=\"mismatch\"><td>" << html_escape(m.step) << " [" << html_escape(m.source)
			<< "]</td><td><code>" << html_escape(m.key) << "</code></td><td>" << html_escape(m.kind)
			<< "</td><td>" << note << "</td></tr>\n";
	}
	out << "</tbody></table>\n";
	return out.str();
}

/* ---- reading the run ---- */

std::string
text(const pqxx::field &f)
{
	return f.is_null() ? std::string() : f.as<std::string>();
}

/* Whether the run's message names this step ("step: error", as tributary run writes it). */
std::optional<std::string>
step_error(const ReportRun &run, const std::string &step)
{
	const std::string prefix = step + ": ";
	if (run.message.rfind(prefix, 0) == 0) {
		return run.message.substr(prefix.size());
	}
	return std::nullopt;
}

/*
 * A step's outcome in the run, derived (the run keeps no per-step outcome): the run's
 * message names the first step that failed; migration.step_state says whether the run
 * completed a full load; otherwise the run's status and the step's batches tell.
 */
std::string
step_outcome(const ReportRun &run, const ReportStep &s, const std::string &state, bool state_of_run)
{
	const bool ended_well = run.status == "succeeded" || run.status == "succeeded_with_failures";
	if (auto error = step_error(run, s.name)) {
		return "failed: " + *error;
	}
	if (run.status == "running") {
		return state_of_run && state == "in_progress" ? "running" : s.batches > 0 ? "running" : "waiting";
	}
	if (run.mode == "full") {
		if (state_of_run && state == "completed") {
			return "completed";
		}
		if (state_of_run && state == "in_progress") {
			return "stopped before the end (resumes after its last batch)";
		}
		return s.batches > 0 ? "loaded" : ended_well ? "already completed" : "not run";
	}
	return ended_well ? "done" : s.batches > 0 ? "stopped" : "not run";
}

ReportStep &
step_of(ReportRun &run, const std::string &name, const std::string &source)
{
	for (ReportStep &s : run.steps) {
		if (s.name == name && s.source == source) {
			return s;
		}
	}
	ReportStep s;
	s.name = name;
	s.source = source;
	run.steps.push_back(s);
	return run.steps.back();
}

/* The run row; false if there is no such run. */
bool
load_run_row(pqxx::transaction_base &tx, long run_id, ReportRun &run)
{
	auto r = tx.exec_params(
		"SELECT id, mode, dry_run, status, coalesce(host, ''), coalesce(pid, 0), coalesce(message, ''), "
		"extract(epoch FROM started_at)::float8, coalesce(extract(epoch FROM finished_at)::float8, 0), "
		"to_char(started_at, 'YYYY-MM-DD HH24:MI:SS TZ'), coalesce(to_char(finished_at, "
		"'YYYY-MM-DD HH24:MI:SS TZ'), ''), rows_read, rows_written, rows_failed, array_to_json(steps)::text, "
		"extract(epoch FROM clock_timestamp())::float8, current_database() "
		"FROM migration.run WHERE id = coalesce($1, (SELECT max(id) FROM migration.run))",
		run_id > 0 ? std::optional<long>(run_id) : std::optional<long>());
	if (r.empty()) {
		return false;
	}
	const auto &row = r[0];
	run.id = row[0].as<long>();
	run.mode = text(row[1]);
	run.dry_run = row[2].as<bool>();
	run.status = text(row[3]);
	run.host = text(row[4]);
	run.pid = row[5].as<int>();
	run.message = text(row[6]);
	run.started = row[7].as<double>();
	run.finished = row[8].as<double>();
	run.started_text = text(row[9]);
	run.finished_text = text(row[10]);
	run.rows_read = row[11].as<long>();
	run.rows_written = row[12].as<long>();
	run.rows_failed = row[13].as<long>();
	for (const std::string &id : nlohmann::json::parse(text(row[14])).get<std::vector<std::string>>()) {
		auto slash = id.rfind('/');
		step_of(run, id.substr(0, slash), slash == std::string::npos ? "default" : id.substr(slash + 1));
	}
	run.now = row[15].as<double>();
	run.database = text(row[16]);
	return true;
}

void
load_batches(pqxx::transaction_base &tx, ReportRun &run)
{
	for (const auto &r : tx.exec_params(
			 "SELECT step, source, extract(epoch FROM started_at)::float8, "
			 "extract(epoch FROM finished_at)::float8, rows_read, rows_inserted, rows_updated, rows_failed "
			 "FROM migration.batch WHERE run_id = $1 ORDER BY started_at, id",
			 run.id)) {
		ReportStep &s = step_of(run, text(r[0]), text(r[1]));
		ReportBatch b{r[2].as<double>(), r[3].as<double>(), r[4].as<long>()};
		s.first_start = s.batches == 0 ? b.started : std::min(s.first_start, b.started);
		s.last_finish = std::max(s.last_finish, b.finished);
		s.batches++;
		s.rows_read += b.rows_read;
		s.inserted += r[5].as<long>();
		s.updated += r[6].as<long>();
		s.failed += r[7].as<long>();
		s.batches_list.push_back(b);
	}
	std::map<std::string, std::pair<std::string, long>> state; /* step/source → state, last run */
	for (const auto &r : tx.exec("SELECT step || '/' || source, state, coalesce(last_run_id, 0) "
								 "FROM migration.step_state")) {
		state[text(r[0])] = {text(r[1]), r[2].as<long>()};
	}
	for (const auto &r : tx.exec_params("SELECT step, source, count(*) FROM migration.failure "
										"WHERE last_run_id = $1 GROUP BY step, source",
										run.id)) {
		step_of(run, text(r[0]), text(r[1])).failures_recorded = r[2].as<long>();
	}
	for (ReportStep &s : run.steps) {
		auto it = state.find(s.name + "/" + s.source);
		const bool known = it != state.end();
		s.outcome = step_outcome(run, s, known ? it->second.first : "", known && it->second.second == run.id);
	}
}

void
load_problems(pqxx::transaction_base &tx, ReportRun &run, int limit)
{
	nlohmann::json ids = nlohmann::json::array();
	for (const ReportStep &s : run.steps) {
		ids.push_back(s.name + "/" + s.source);
	}
	const std::string of_steps = "(step || '/' || source) = ANY (ARRAY(SELECT jsonb_array_elements_text($1::jsonb)))";
	run.failures_total = tx.exec_params1("SELECT count(*) FROM migration.failure WHERE resolved_at IS NULL AND " +
											 of_steps,
										 ids.dump())[0]
							 .as<long>();
	for (const auto &r : tx.exec_params(
			 "SELECT step, source, source_key::text, sqlstate, message, coalesce(detail, ''), attempts, "
			 "to_char(last_seen_at, 'YYYY-MM-DD HH24:MI:SS'), last_run_id IS NOT DISTINCT FROM $2 "
			 "FROM migration.failure WHERE resolved_at IS NULL AND " + of_steps +
				 " ORDER BY id LIMIT $3",
			 ids.dump(), run.id, limit)) {
		run.failures.push_back({text(r[0]), text(r[1]), text(r[2]), text(r[3]), text(r[4]), text(r[5]),
								text(r[7]), r[6].as<int>(), r[8].as<bool>()});
	}
	for (const auto &r : tx.exec_params("SELECT step, source, kind, count(*) FROM migration.mismatch "
										"WHERE run_id = $1 GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
										run.id)) {
		run.mismatch_counts.push_back({text(r[0]), text(r[1]), text(r[2]), text(r[3])});
		run.mismatches_total += r[3].as<long>();
		ReportStep &s = step_of(run, text(r[0]), text(r[1]));
		s.outcome += (s.outcome.find(" — ") == std::string::npos ? " — " : ", ") + text(r[3]) + " " + text(r[2]);
	}
	for (const auto &r : tx.exec_params("SELECT step, source, source_key::text, kind, known_failure, "
										"repaired_at IS NOT NULL FROM migration.mismatch WHERE run_id = $1 "
										"ORDER BY id LIMIT $2",
										run.id, limit)) {
		run.mismatches.push_back(
			{text(r[0]), text(r[1]), text(r[2]), text(r[3]), r[4].as<bool>(), r[5].as<bool>()});
	}
}

} // namespace

std::string
html_escape(const std::string &text)
{
	std::string out;
	out.reserve(text.size());
	for (char c : text) {
		switch (c) {
		case '&':
			out += "&amp;";
			break;
		case '<':
			out += "&lt;";
			break;
		case '>':
			out += "&gt;";
			break;
		case '"':
			out += "&quot;";
			break;
		case '\'':
			out += "&#39;";
			break;
		default:
			out += c;
		}
	}
	return out;
}

std::string
render_report(const ReportRun &run)
{
	std::ostringstream out;
	out << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
		/* No script, no fetch: even text that escaped escaping could not run or call home. */
		<< "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n"
		<< "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
		<< "<title>tributary run " << run.id << ": " << html_escape(run.mode) << ", "
		<< html_escape(run.status) << "</title>\n<style>" << style_sheet << "</style>\n</head>\n<body>\n";
	out << render_header(run) << render_steps(run);
	bool any_batch = false;
	for (const ReportStep &s : run.steps) {
		any_batch |= s.batches > 0;
	}
	out << "<h2>Timeline</h2>\n";
	if (any_batch) {
		out << "<p class=\"note\">Each bar is a committed batch (batches closer than a pixel are drawn "
			<< "as one bar), from the run's start.</p>\n"
			<< render_timeline(run) << "<h2>Throughput</h2>\n" << render_throughput(run);
	} else {
		out << "<p id=\"no-batches\" class=\"note\">The run committed no batch.</p>\n";
	}
	out << render_failures(run);
	if (run.mode == "verify" || run.mode == "find-missing" || run.mismatches_total > 0) {
		out << render_mismatches(run);
	}
	out << "<footer>tributary " << TRIBUTARY_VERSION << " — report of run " << run.id
		<< " from migration.run, migration.batch, migration.failure and migration.mismatch.</footer>\n"
		<< "</body>\n</html>\n";
	return out.str();
}

int
cmd_report(const Globals &g, const ReportOptions &o)
{
	auto conn = connect(g.connect);
	ReportRun run;
	{
		pqxx::read_transaction tx(*conn);
		if (!tx.exec("SELECT 1 FROM pg_extension WHERE extname = 'tributary'").size()) {
			print_error("extension \"tributary\" is not installed in this database", {},
						"Run CREATE EXTENSION tributary; in that database.");
			return exit_usage;
		}
		if (!load_run_row(tx, o.run_id, run)) {
			print_error(o.run_id > 0 ? "run " + std::to_string(o.run_id) + " does not exist" : "no run recorded yet",
						{}, "\"tributary status\" lists the last runs.");
			return exit_usage;
		}
		load_batches(tx, run);
		load_problems(tx, run, o.failures_shown);
	}
	const std::string page = render_report(run);
	if (o.output.empty() || o.output == "-") {
		std::cout << page;
		return exit_success;
	}
	std::string problem = write_file_atomically(o.output, page);
	if (!problem.empty()) {
		print_error(problem);
		return exit_fatal;
	}
	if (!g.quiet) {
		std::cout << "report of run " << run.id << " written to " << o.output << '\n';
	}
	return exit_success;
}

} // namespace loader

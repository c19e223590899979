/*
 * report.hpp — `tributary report [--run ID] [-o FILE]`: one run (default: the last) as a
 * self-contained HTML page: the run, a summary per step, a timeline of the batches, the
 * throughput over time (inline SVG), the steps' unresolved failures and, for verify and
 * find-missing runs, the mismatches found. No script, no external asset: it opens from
 * a mail attachment or a CI artifact as it is.
 * Zone: loader. Reads migration.run, batch, failure, mismatch and step_state; writes
 * nothing to the database. Every text from the database is HTML-escaped.
 */
#pragma once

#include <string>
#include <vector>

#include "loader/commands.hpp"

namespace loader {

struct ReportOptions {
	long run_id = 0;		 /* 0: the last run */
	std::string output;		 /* empty: standard output */
	int failures_shown = 100; /* the first N unresolved failures (and mismatches) */
};

int cmd_report(const Globals &g, const ReportOptions &o);

/* Text for HTML element content and attribute values (& < > " '). */
std::string html_escape(const std::string &text);

/* The report's data, as read from the migration schema (what render_report draws). */
struct ReportBatch {
	double started = 0; /* Unix time */
	double finished = 0;
	long rows_read = 0;
};

struct ReportStep {
	std::string name;
	std::string source;
	long batches = 0;
	long rows_read = 0;
	long inserted = 0;
	long updated = 0;
	long failed = 0;
	double first_start = 0; /* Unix time of its first batch (0: none) */
	double last_finish = 0;
	long failures_recorded = 0; /* migration.failure rows this run (re)recorded */
	std::string outcome;
	std::vector<ReportBatch> batches_list;
};

struct ReportFailure {
	std::string step, source, key, sqlstate, message, detail, last_seen;
	int attempts = 1;
	bool this_run = false;
};

struct ReportMismatch {
	std::string step, source, key, kind;
	bool known_failure = false;
	bool repaired = false;
};

struct ReportRun {
	long id = 0;
	std::string mode, status, host, message, started_text, finished_text, database;
	bool dry_run = false;
	int pid = 0;
	double started = 0;	 /* Unix time */
	double finished = 0; /* 0: still running */
	double now = 0;		 /* when the report was made */
	long rows_read = 0, rows_written = 0, rows_failed = 0;
	std::vector<ReportStep> steps;
	std::vector<ReportFailure> failures;
	long failures_total = 0;
	std::vector<ReportMismatch> mismatches;
	long mismatches_total = 0;
	/* Per step and kind (missing, different, extra): counts of all mismatches of the run. */
	std::vector<std::vector<std::string>> mismatch_counts;
};

/* The page (pure: no database). */
std::string render_report(const ReportRun &run);

} // namespace loader

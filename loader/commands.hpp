/*
 * commands.hpp — the loader's commands (the table is in cli.cpp).
 * Zone: loader.
 */
#pragma once

#include <string>
#include <vector>

#include "loader/db.hpp"

namespace loader {

struct Globals {
	ConnectOptions connect;
	bool quiet = false;
	bool json = false;
};

struct RunOptions {
	std::vector<std::string> steps; /* empty: all */
	bool with_dependencies = false;
	bool restart = false;
	bool wait = false;
	int jobs = 1;
	int ranges = 0; /* full: cut a step into this many key ranges (0: 4 per job when jobs > 1) */
	std::string mode = "full";		   /* full | diff | local-diff | retry-failed | find-missing | verify */
	std::string overlap = "5 minutes"; /* diff: how far before the watermark to look again */
	bool dry_run = false;			   /* everything in one transaction, rolled back */
	bool repair = false;			   /* verify: migrate mismatching rows again */
	bool delete_orphans = false;	   /* find-missing, verify: remove rows whose source row is gone */
	std::string mark_orphans;		   /* … or set this column on them */
	std::vector<std::string> scopes;   /* name=value: load just this slice (full mode) */
	bool replace = false;			   /* with scopes: remove the slice's rows no longer in the source */
	std::string metrics_file;		   /* Prometheus textfile for node_exporter (loader/metrics.hpp) */
};

/* tributary set: live settings of a step (or of every step: '*'). -1: leave as is. */
struct SetOptions {
	std::string step = "*";
	int batch_size = -1;
	int rows_per_second = -1;
	int jobs = -1;
	bool pause = false;
	bool resume = false;
	bool clear = false;
};

int cmd_check(const Globals &g);
int cmd_set(const Globals &g, const SetOptions &o);
int cmd_plan(const Globals &g, const RunOptions &o);
int cmd_status(const Globals &g);
/* What a run did to one step (for commands that run runs: cutover). */
struct StepOutcome {
	std::string step;
	std::string source;
	bool ok = false; /* completed (or already completed) */
	long rows_read = 0;
	long written = 0;
	long failed = 0;
	long differences = 0; /* verify: left after the run */
	std::string error;
};

int cmd_run(const Globals &g, const RunOptions &o, std::vector<StepOutcome> *outcomes = nullptr);

/* tributary cutover: diffs until the source is quiet, then the final diff, sequences,
 * constraints and verify, and a go/no-go report. */
struct CutoverOptions {
	long threshold = 100; /* rows written per diff round below which the target has converged */
	int max_rounds = 20;
	bool final = false;	  /* the DBA froze the sources: the final steps */
};
int cmd_cutover(const Globals &g, const RunOptions &o, const CutoverOptions &c);

/* Errors in PostgreSQL's style on stderr. */
void print_error(const std::string &message, const std::string &detail = {},
				 const std::string &hint = {});

} // namespace loader

/*
 * cli.cpp — argv → command. Commands are a table; each command gets the parsed
 * global options. Errors are reported in PostgreSQL's style on stderr
 * ("tributary: error: could not …") and mapped to the documented exit codes.
 * Zone: loader.
 */
#include "loader/cli.hpp"

#include <exception>
#include <functional>
#include <iostream>

#include <CLI/CLI.hpp>
#include <pqxx/pqxx>

#include "loader/commands.hpp"
#include "loader/exit_codes.hpp"
#include "loader/plan.hpp"
#include "loader/report.hpp"

namespace loader {

namespace {

/* First line of a libpq message, without the trailing newline. */
std::string
first_line(const std::string &text)
{
	auto end = text.find('\n');
	std::string line = end == std::string::npos ? text : text.substr(0, end);
	if (line.rfind("ERROR:  ", 0) == 0) {
		line = line.substr(8);
	}
	return line;
}

} // namespace

int
run_cli(int argc, char **argv)
{
	CLI::App app{"tributary — run migrations from MySQL/MariaDB and SQL Server into "
				 "PostgreSQL,\nstep by step, through the tributary extension."};
	app.name("tributary");
	app.set_version_flag("-V,--version", std::string("tributary ") + TRIBUTARY_VERSION);
	app.set_help_flag("--help", "print this help and exit");
	app.require_subcommand(1);
	app.fallthrough();

	Globals g;
	app.add_option("-d,--dbname", g.connect.dbname,
				   "database name, or a conninfo string or URI (default: libpq's PG* "
				   "environment)");
	app.add_option("-h,--host", g.connect.host, "database server host or socket directory");
	app.add_option("-p,--port", g.connect.port, "database server port");
	app.add_option("-U,--username", g.connect.user, "database user name");
	app.add_flag("-q,--quiet", g.quiet, "print nothing but errors");
	app.add_flag("--json", g.json, "print results as JSON");

	RunOptions o;
	SetOptions so;
	CutoverOptions co;
	ReportOptions ro; /* tributary report (loader/report.hpp) */
	std::function<int()> chosen;
	struct Command {
		const char *name;
		const char *help;
		std::function<void(CLI::App *)> options;
		std::function<int()> run;
	};
	auto step_options = [&o](CLI::App *sub) {
		sub->add_option("-s,--step", o.steps, "only this step (repeatable)");
		sub->add_flag("--with-dependencies", o.with_dependencies,
					  "with --step: also the steps it depends on");
	};
	const std::vector<Command> commands = {
		{"check", "check the connection and that the tributary extension is installed",
		 nullptr, [&g]() { return cmd_check(g); }},
		{"plan", "print the steps in the order they run, with their definitions", step_options,
		 [&g, &o]() { return cmd_plan(g, o); }},
		{"run", "migrate: run the steps in dependency order, in resumable batches",
		 [&o, step_options](CLI::App *sub) {
			 step_options(sub);
			 sub->add_flag("--restart", o.restart,
						   "load completed steps again from their first row");
			 sub->add_flag("--wait", o.wait,
						   "wait for a step another run holds, instead of stopping");
			 sub->add_option("-j,--jobs", o.jobs,
							 "independent steps run in parallel, and a big step's key ranges are loaded "
							 "by this many workers")
				 ->check(CLI::Range(1, 64));
			 sub->add_option("--ranges", o.ranges,
							 "full: cut a step into this many key ranges (default: 4 per job when "
							 "--jobs > 1), e.g. for loader processes on several hosts sharing it")
				 ->check(CLI::Range(1, 10000));
			 sub->add_option("-m,--mode", o.mode,
							 "full: every row, resuming after the last batch; diff: rows whose "
							 "updated_at changed since the step's watermark; local-diff: rows "
							 "whose fingerprint differs from the one in the id map; retry-failed: "
							 "the unresolved failures again; find-missing: source rows missing in "
							 "the target; verify: compare source and target row by row")
				 ->check(CLI::IsMember({"full", "diff", "local-diff", "retry-failed", "find-missing",
										"verify"}));
			 sub->add_flag("--dry-run", o.dry_run,
						   "do everything in one transaction and roll it back; report what would "
						   "have been inserted, updated and failed");
			 sub->add_flag("--repair", o.repair,
						   "verify: migrate mismatching rows again, then compare them again");
			 sub->add_flag("--delete-orphans", o.delete_orphans,
						   "find-missing, verify: delete target rows whose source row is gone "
						   "(and their id map entries)");
			 sub->add_option("--scope", o.scopes,
							 "full: load just this slice, name=value (repeatable), in the steps that "
							 "declare the scope (step option scopes); the steps' progress is left alone");
			 sub->add_flag("--replace", o.replace,
						   "with --scope: remove the slice's migrated rows that no longer come out of "
						   "the transform (through the id map)");
			 sub->add_option("--mark-orphans", o.mark_orphans,
							 "find-missing, verify: instead, set this target column on them "
							 "(boolean: true; timestamp or date: now())");
			 sub->add_option("--overlap", o.overlap,
							 "diff: look again this far before the watermark, for late commits "
							 "and clock skew (an interval)");
			 /* Telemetry (loader/metrics.hpp). */
			 sub->add_option("--metrics-file", o.metrics_file,
							 "write Prometheus metrics of the run to this file (for node_exporter's "
							 "textfile collector), replaced atomically every 2 seconds and at the end");
		 },
		 [&g, &o]() { return cmd_run(g, o); }},
		{"status", "print each step's state, counts, failures and the last runs", nullptr,
		 [&g]() { return cmd_status(g); }},
		{"cutover", "diff until the target has caught up; with --final (sources frozen): last diff, "
					"sequences, NOT VALID constraints, verify, go/no-go",
		 [&o, &co, step_options](CLI::App *sub) {
			 step_options(sub);
			 sub->add_option("--threshold", co.threshold,
							 "converged when a diff round writes at most this many rows (default 100)")
				 ->check(CLI::Range(0L, 1000000000L));
			 sub->add_option("--max-rounds", co.max_rounds, "give up after this many rounds (default 20)")
				 ->check(CLI::Range(1, 10000));
			 sub->add_flag("--final", co.final,
						   "the sources are frozen: final diff, sequences, constraints, verify, go/no-go");
			 sub->add_option("--overlap", o.overlap, "diff rounds: as run --overlap");
			 sub->add_option("-j,--jobs", o.jobs, "as run --jobs")->check(CLI::Range(1, 64));
		 },
		 [&g, &o, &co]() { return cmd_cutover(g, o, co); }},
		{"set", "change live settings (migration.setting): a running loader follows within one batch",
		 [&so](CLI::App *sub) {
			 sub->add_option("-s,--step", so.step, "the step (default: the defaults of every step, '*')");
			 sub->add_option("--batch-size", so.batch_size, "rows per batch (0: the step's own)")
				 ->check(CLI::Range(0, 10000000));
			 sub->add_option("--rows-per-second", so.rows_per_second, "throttle (0: unlimited)")
				 ->check(CLI::Range(0, 100000000));
			 sub->add_option("--jobs", so.jobs,
							 "workers of a parallel load, at most run --jobs (0: as many as run --jobs)")
				 ->check(CLI::Range(0, 64));
			 sub->add_flag("--pause", so.pause, "pause: running loaders wait after their current batch");
			 sub->add_flag("--resume", so.resume, "resume after --pause");
			 sub->add_flag("--clear", so.clear, "remove the step's settings first (back to the defaults)");
		 },
		 [&g, &so]() { return cmd_set(g, so); }},
		/* Telemetry: a run as an HTML page (loader/report.hpp). */
		{"report", "write a run (default: the last) as a self-contained HTML page",
		 [&ro](CLI::App *sub) {
			 sub->add_option("--run", ro.run_id, "the run's id (tributary status lists the last runs)")
				 ->check(CLI::PositiveNumber);
			 sub->add_option("-o,--output", ro.output, "write the page to this file (default: standard output)");
		 },
		 [&g, &ro]() { return cmd_report(g, ro); }},
	};
	for (const Command &c : commands) {
		CLI::App *sub = app.add_subcommand(c.name, c.help);
		if (c.options) {
			c.options(sub);
		}
		sub->callback([&chosen, &c]() { chosen = c.run; });
	}

	try {
		app.parse(argc, argv);
	} catch (const CLI::CallForHelp &e) {
		return app.exit(e);
	} catch (const CLI::CallForVersion &e) {
		return app.exit(e);
	} catch (const CLI::ParseError &e) {
		std::string msg = first_line(e.what());
		if (!msg.empty()) {
			msg[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(msg[0])));
		}
		print_error(msg, {}, "Try \"tributary --help\" for more information.");
		return exit_usage;
	}

	try {
		return chosen();
	} catch (const pqxx::broken_connection &e) {
		print_error("could not connect to the database", first_line(e.what()));
		return exit_fatal;
	} catch (const pqxx::sql_error &e) {
		print_error(first_line(e.what()), "SQLSTATE " + e.sqlstate());
		return exit_fatal;
	} catch (const PlanError &e) {
		print_error(e.what());
		return exit_usage;
	} catch (const std::exception &e) {
		print_error(first_line(e.what()));
		return exit_fatal;
	}
}

} // namespace loader

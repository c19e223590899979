/*
 * commands.cpp — check, plan and status: the read-only commands.
 * Zone: loader.
 */
#include "loader/commands.hpp"

#include <iomanip>
#include <iostream>
#include <sstream>

#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "loader/exit_codes.hpp"
#include "loader/plan.hpp"
#include "loader/state.hpp"

namespace loader {

void
print_error(const std::string &message, const std::string &detail, const std::string &hint)
{
	std::cerr << "tributary: error: " << message << '\n';
	if (!detail.empty()) {
		std::cerr << "DETAIL:  " << detail << '\n';
	}
	if (!hint.empty()) {
		std::cerr << "HINT:  " << hint << '\n';
	}
}

namespace {

/* The extension must be there before anything reads migration.*. */
bool
require_extension(pqxx::connection &conn)
{
	pqxx::read_transaction tx(conn);
	auto r = tx.exec("SELECT current_database(), EXISTS (SELECT 1 FROM pg_extension "
					 "WHERE extname = 'tributary')");
	if (r[0][1].as<bool>()) {
		return true;
	}
	print_error("extension \"tributary\" is not installed in database \"" +
					r[0][0].as<std::string>() + "\"",
				{}, "Run CREATE EXTENSION tributary; in that database.");
	return false;
}

std::string
join_names(const std::vector<std::string> &names)
{
	std::string out;
	for (const auto &n : names) {
		out += (out.empty() ? "" : ", ") + n;
	}
	return out;
}

} // namespace

int
cmd_check(const Globals &g)
{
	auto conn = connect(g.connect);
	if (!require_extension(*conn)) {
		return exit_usage;
	}
	pqxx::read_transaction tx(*conn);
	auto row = tx.exec1("SELECT split_part(current_setting('server_version'), ' ', 1), "
						"(SELECT extversion FROM pg_extension WHERE extname = 'tributary'), "
						"current_database()");
	if (g.json) {
		nlohmann::json j = {{"database", row[2].as<std::string>()},
							{"server_version", row[0].as<std::string>()},
							{"extension_version", row[1].as<std::string>()}};
		std::cout << j.dump() << '\n';
	} else if (!g.quiet) {
		std::cout << "database \"" << row[2].as<std::string>() << "\": PostgreSQL "
				  << row[0].as<std::string>() << ", tributary " << row[1].as<std::string>()
				  << '\n';
	}
	return exit_success;
}

int
cmd_plan(const Globals &g, const RunOptions &o)
{
	auto conn = connect(g.connect);
	if (!require_extension(*conn)) {
		return exit_usage;
	}
	Session session(std::move(conn), false);
	auto steps = select_steps(order_steps(load_steps(session)), o.steps, o.with_dependencies);
	if (g.json) {
		nlohmann::json arr = nlohmann::json::array();
		for (const Step &s : steps) {
			arr.push_back({{"step", s.name},
						   {"source", s.source},
						   {"source_relation", s.source_relation},
						   {"target_table", s.target_table},
						   {"source_key", s.source_key},
						   {"target_key", s.target_key},
						   {"key_mode", s.key_mode},
						   {"source_key_column", s.source_key_column},
						   {"updated_at_column", s.updated_at_column},
						   {"depends_on", s.depends_on},
						   {"batch_size", s.batch_size}});
		}
		std::cout << arr.dump(2) << '\n';
		return exit_success;
	}
	if (steps.empty()) {
		std::cout << "no steps defined (define them with migration.define_step)\n";
		return exit_success;
	}
	int n = 0;
	for (const Step &s : steps) {
		std::cout << ++n << ". " << s.name << " [" << s.source << "]: " << s.source_relation
				  << " -> " << s.target_table << '\n';
		std::cout << "   key " << join_names(s.source_key) << " -> " << s.target_key << " ("
				  << s.key_mode << (s.source_key_column.empty() ? "" : ", source key kept in " + s.source_key_column)
				  << "), batches of " << s.batch_size;
		if (!s.updated_at_column.empty()) {
			std::cout << ", changes by " << s.updated_at_column;
		}
		if (!s.depends_on.empty()) {
			std::cout << ", after " << join_names(s.depends_on);
		}
		std::cout << '\n';
	}
	return exit_success;
}

int
cmd_status(const Globals &g)
{
	auto conn = connect(g.connect);
	if (!require_extension(*conn)) {
		return exit_usage;
	}
	pqxx::read_transaction tx(*conn);
	auto steps = tx.exec("SELECT step, source, state, rows_done, rows_failed, "
						 "unresolved_failures, coalesce(last_key::text, ''), "
						 "coalesce(to_char(updated_at, 'YYYY-MM-DD HH24:MI:SS'), '') "
						 "FROM migration.progress ORDER BY step, source");
	auto runs = tx.exec("SELECT id, mode, status, to_char(started_at, 'YYYY-MM-DD HH24:MI:SS'), "
						"coalesce(extract(epoch FROM duration)::numeric(12,1)::text, ''), rows_read, "
						"rows_written, rows_failed FROM migration.last_runs LIMIT 5");
	if (g.json) {
		nlohmann::json j;
		j["steps"] = nlohmann::json::array();
		for (const auto &r : steps) {
			j["steps"].push_back({{"step", r[0].as<std::string>()},
								  {"source", r[1].as<std::string>()},
								  {"state", r[2].as<std::string>()},
								  {"rows_done", r[3].as<long>()},
								  {"rows_failed", r[4].as<long>()},
								  {"unresolved_failures", r[5].as<long>()}});
		}
		j["runs"] = nlohmann::json::array();
		for (const auto &r : runs) {
			j["runs"].push_back({{"id", r[0].as<long>()},
								 {"mode", r[1].as<std::string>()},
								 {"status", r[2].as<std::string>()},
								 {"started_at", r[3].as<std::string>()},
								 {"rows_read", r[5].as<long>()},
								 {"rows_written", r[6].as<long>()},
								 {"rows_failed", r[7].as<long>()}});
		}
		std::cout << j.dump(2) << '\n';
		return exit_success;
	}
	std::ostringstream out;
	out << std::left << std::setw(20) << "step" << std::setw(12) << "source" << std::setw(13)
		<< "state" << std::right << std::setw(12) << "rows" << std::setw(10) << "failed"
		<< std::setw(12) << "unresolved" << '\n';
	for (const auto &r : steps) {
		out << std::left << std::setw(20) << r[0].as<std::string>() << std::setw(12)
			<< r[1].as<std::string>() << std::setw(13) << r[2].as<std::string>() << std::right
			<< std::setw(12) << r[3].as<long>() << std::setw(10) << r[4].as<long>()
			<< std::setw(12) << r[5].as<long>() << '\n';
	}
	if (!runs.empty()) {
		out << "\nlast runs:\n";
		for (const auto &r : runs) {
			out << "  #" << r[0].as<long>() << ' ' << r[1].as<std::string>() << ' '
				<< r[2].as<std::string>() << ", started " << r[3].as<std::string>() << ", "
				<< r[4].as<std::string>() << " s, " << r[5].as<long>() << " read, "
				<< r[6].as<long>() << " written, " << r[7].as<long>() << " failed\n";
		}
	}
	std::cout << out.str();
	return exit_success;
}

int
cmd_set(const Globals &g, const SetOptions &o)
{
	if (o.pause && o.resume) {
		print_error("--pause and --resume exclude each other");
		return exit_usage;
	}
	auto conn = connect(g.connect);
	if (!require_extension(*conn)) {
		return exit_usage;
	}
	pqxx::work tx(*conn);
	if (o.step != "*" &&
		tx.exec_params("SELECT 1 FROM migration.step WHERE name = $1", o.step).empty()) {
		print_error("step \"" + o.step + "\" does not exist", {},
					"Run \"tributary plan\" for the steps, or leave out --step to set the defaults.");
		return exit_usage;
	}
	if (o.clear) {
		tx.exec_params("DELETE FROM migration.setting WHERE step = $1", o.step);
	}
	const bool change = o.batch_size >= 0 || o.rows_per_second >= 0 || o.jobs >= 0 || o.pause || o.resume;
	if (change) {
		/* NULL parameters leave a setting as it is; 0 for a number clears it. */
		auto opt = [](int v) { return v < 0 ? std::optional<int>() : std::optional<int>(v); };
		tx.exec_params(
			"INSERT INTO migration.setting AS s (step, batch_size, rows_per_second, jobs, paused) "
			"VALUES ($1, nullif($2, 0), $3, nullif($4, 0), coalesce($5, false)) "
			"ON CONFLICT (step) DO UPDATE SET "
			"batch_size = CASE WHEN $2 IS NULL THEN s.batch_size ELSE nullif($2, 0) END, "
			"rows_per_second = coalesce($3, s.rows_per_second), "
			"jobs = CASE WHEN $4 IS NULL THEN s.jobs ELSE nullif($4, 0) END, "
			"paused = coalesce($5, s.paused), updated_at = now()",
			o.step, opt(o.batch_size), opt(o.rows_per_second), opt(o.jobs),
			o.pause ? std::optional<bool>(true) : o.resume ? std::optional<bool>(false) : std::optional<bool>());
	}
	auto rows = tx.exec("SELECT step, coalesce(batch_size::text, '-'), coalesce(jobs::text, '-'), "
						"coalesce(nullif(rows_per_second, 0)::text, '-'), paused FROM migration.setting "
						"ORDER BY step = '*' DESC, step");
	tx.commit();
	if (g.json) {
		nlohmann::json j = nlohmann::json::array();
		for (const auto &r : rows) {
			j.push_back({{"step", r[0].as<std::string>()},
						 {"batch_size", r[1].as<std::string>()},
						 {"jobs", r[2].as<std::string>()},
						 {"rows_per_second", r[3].as<std::string>()},
						 {"paused", r[4].as<bool>()}});
		}
		std::cout << j.dump(2) << '\n';
	} else if (!g.quiet) {
		std::cout << std::left << std::setw(20) << "step" << std::right << std::setw(12) << "batch size"
				  << std::setw(6) << "jobs" << std::setw(10) << "rows/s" << std::setw(8) << "paused"
				  << '\n';
		for (const auto &r : rows) {
			std::cout << std::left << std::setw(20) << (r[0].as<std::string>() == "*" ? "* (defaults)" : r[0].as<std::string>())
					  << std::right << std::setw(12) << r[1].as<std::string>() << std::setw(6)
					  << r[2].as<std::string>() << std::setw(10) << r[3].as<std::string>() << std::setw(8)
					  << (r[4].as<bool>() ? "yes" : "no") << '\n';
		}
		std::cout << "a running loader follows within one batch\n";
	}
	return exit_success;
}

} // namespace loader

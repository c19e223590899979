/*
 * cli.cpp — argv → command. Commands are a table; each command gets the parsed
 * global options. Errors are reported in PostgreSQL's style on stderr
 * ("tributary: error: could not …") and mapped to the documented exit codes.
 * Zone: loader.
 */
#include "loader/cli.hpp"

#include <cstdio>
#include <exception>
#include <functional>
#include <iostream>

#include <CLI/CLI.hpp>
#include <pqxx/pqxx>

#include "loader/db.hpp"
#include "loader/exit_codes.hpp"

namespace loader {

namespace {

struct Globals {
	ConnectOptions connect;
	bool quiet = false;
	bool json = false;
};

void
print_error(const std::string &message, const std::string &detail = {})
{
	std::cerr << "tributary: error: " << message << '\n';
	if (!detail.empty()) {
		std::cerr << "DETAIL:  " << detail << '\n';
	}
}

/* First line of a libpq message, without the trailing newline. */
std::string
first_line(const std::string &text)
{
	auto end = text.find('\n');
	return end == std::string::npos ? text : text.substr(0, end);
}

int
cmd_check(const Globals &g)
{
	auto conn = connect(g.connect);
	pqxx::nontransaction tx(*conn);
	auto row = tx.exec1("SELECT split_part(current_setting('server_version'), ' ', 1), "
						"(SELECT extversion FROM pg_extension WHERE extname = 'tributary'), "
						"current_database()");
	std::string server = row[0].as<std::string>();
	std::string database = row[2].as<std::string>();
	if (row[1].is_null()) {
		print_error("extension \"tributary\" is not installed in database \"" + database + "\"");
		std::cerr << "HINT:  Run CREATE EXTENSION tributary; in that database.\n";
		return exit_usage;
	}
	std::string extension = row[1].as<std::string>();
	if (g.json) {
		std::cout << "{\"database\": \"" << database << "\", \"server_version\": \"" << server
				  << "\", \"extension_version\": \"" << extension << "\"}\n";
	} else if (!g.quiet) {
		std::cout << "database \"" << database << "\": PostgreSQL " << server
				  << ", tributary " << extension << '\n';
	}
	return exit_success;
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

	struct Command {
		const char *name;
		const char *help;
		std::function<int(const Globals &)> run;
	};
	const std::vector<Command> commands = {
		{"check", "check the connection and that the tributary extension is installed",
		 cmd_check},
	};
	std::function<int(const Globals &)> chosen;
	for (const Command &c : commands) {
		CLI::App *sub = app.add_subcommand(c.name, c.help);
		sub->callback([&chosen, &c]() { chosen = c.run; });
	}

	try {
		app.parse(argc, argv);
	} catch (const CLI::CallForHelp &e) {
		return app.exit(e);
	} catch (const CLI::CallForVersion &e) {
		return app.exit(e);
	} catch (const CLI::ParseError &e) {
		print_error(first_line(e.what()));
		std::cerr << "HINT:  Try \"tributary --help\" for more information.\n";
		return exit_usage;
	}

	try {
		return chosen(g);
	} catch (const pqxx::broken_connection &e) {
		print_error("could not connect to the database", first_line(e.what()));
		return exit_fatal;
	} catch (const pqxx::sql_error &e) {
		print_error(first_line(e.what()), "SQLSTATE " + e.sqlstate());
		return exit_fatal;
	} catch (const std::exception &e) {
		print_error(first_line(e.what()));
		return exit_fatal;
	}
}

} // namespace loader

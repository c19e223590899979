/*
 * main.cpp — command line of tds_test_server:
 *   tds_test_server --host 127.0.0.1 --port 0 --port-file FILE --db FILE.sqlite
 *                   --user USER --password PASS [--database NAME] [--log FILE]
 *                   [--snapshot-isolation on|off]
 * SIGTERM/SIGINT end it cleanly (sessions are closed, the listener removed).
 *
 * Zone: test server. Never prints the password.
 */
#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>
#include <unistd.h>

#include "test/tds_server/server.hpp"

namespace
{

int g_stop_pipe[2] = {-1, -1};

extern "C" void
on_signal(int)
{
	const char c = 'x';
	const ssize_t r = ::write(g_stop_pipe[1], &c, 1);
	(void)r;
}

void
usage()
{
	std::fprintf(
	    stderr,
	    "usage: tds_test_server --db FILE.sqlite --user USER --password PASS\n"
	    "                       [--host 127.0.0.1] [--port N|0] [--port-file FILE]\n"
	    "                       [--database NAME] [--log FILE] [--snapshot-isolation on|off]\n");
}

bool
parse_args(int argc, char **argv, tributary::tds_server::Config &cfg)
{
	for (int i = 1; i < argc; i++) {
		const std::string a = argv[i];
		const auto value = [&](std::string &out) {
			if (i + 1 >= argc) {
				std::fprintf(stderr, "tds_test_server: %s needs a value\n", a.c_str());
				return false;
			}
			out = argv[++i];
			return true;
		};
		std::string v;
		if (a == "--host") {
			if (!value(cfg.host)) {
				return false;
			}
		} else if (a == "--port") {
			if (!value(v)) {
				return false;
			}
			cfg.port = std::atoi(v.c_str());
			if (cfg.port < 0 || cfg.port > 65535) {
				std::fprintf(stderr, "tds_test_server: invalid port %s\n", v.c_str());
				return false;
			}
		} else if (a == "--port-file") {
			if (!value(cfg.port_file)) {
				return false;
			}
		} else if (a == "--db") {
			if (!value(cfg.db_path)) {
				return false;
			}
		} else if (a == "--user") {
			if (!value(cfg.user)) {
				return false;
			}
		} else if (a == "--password") {
			if (!value(cfg.password)) {
				return false;
			}
		} else if (a == "--database") {
			if (!value(cfg.database)) {
				return false;
			}
		} else if (a == "--log") {
			if (!value(cfg.log_path)) {
				return false;
			}
		} else if (a == "--snapshot-isolation") {
			if (!value(v) || (v != "on" && v != "off")) {
				std::fprintf(stderr, "tds_test_server: --snapshot-isolation takes on or off\n");
				return false;
			}
			cfg.snapshot_isolation = v == "on";
		} else if (a == "--help" || a == "-h") {
			usage();
			std::exit(0);
		} else {
			std::fprintf(stderr, "tds_test_server: unknown option %s\n", a.c_str());
			return false;
		}
	}
	if (cfg.db_path.empty() || cfg.user.empty()) {
		std::fprintf(stderr, "tds_test_server: --db and --user are required\n");
		return false;
	}
	return true;
}

} // namespace

int
main(int argc, char **argv)
{
	tributary::tds_server::Config cfg;
	if (!parse_args(argc, argv, cfg)) {
		usage();
		return 2;
	}
	if (::pipe(g_stop_pipe) != 0) {
		std::perror("tds_test_server: pipe");
		return 1;
	}
	struct sigaction sa;
	std::memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, nullptr);
	sigaction(SIGINT, &sa, nullptr);
	std::signal(SIGPIPE, SIG_IGN);

	tributary::tds_server::Server server(cfg);
	if (!server.start()) {
		return 1;
	}
	server.serve(g_stop_pipe[0]);
	return 0;
}

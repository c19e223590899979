/*
 * mysql_cursor_scan.cpp — how fast the MySQL driver's cursor reads a table, with
 * no PostgreSQL in the way; compare with `mariadb --quick -e 'SELECT …' > /dev/null`.
 *
 * Zone: driver zone (benchmark only, not part of `make test`). Build against the
 * driver library of a CMake build directory:
 *   g++ -O2 -std=c++17 -I. -I/usr/include/mariadb bench/mysql_cursor_scan.cpp \
 *       BUILD/libtributary_drivers.a -lmariadb -lpthread -o mysql_cursor_scan
 * Run with the TRIBUTARY_MYSQL_* variables of the harness set:
 *   ./mysql_cursor_scan [binary|text] [readahead 0|1] [fetch_size] [work_ns] [sql]
 * work_ns spins that long per row to stand in for the backend's per-row work
 * (Datum conversion, COPY output), which the read-ahead thread overlaps with.
 */
#include "fdw/mysql/mysql_connection.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

const char *
env(const char *name, const char *fallback)
{
	const char *v = std::getenv(name);
	return v != nullptr ? v : fallback;
}

volatile unsigned long long sink;

} // namespace

int
main(int argc, char **argv)
{
	namespace remote = tributary::remote;
	namespace my = tributary::mysql;
	const char *protocol = argc > 1 ? argv[1] : "binary";
	const bool read_ahead = argc > 2 ? std::atoi(argv[2]) != 0 : true;
	const std::size_t fetch_size = argc > 3 ? std::strtoul(argv[3], nullptr, 10) : 10000;
	const long work_ns = argc > 4 ? std::atol(argv[4]) : 0;
	remote::Query query;
	query.sql = argc > 5 ? argv[5] : "SELECT * FROM listings";

	try {
		my::MysqlConnection conn({{"host", env("TRIBUTARY_MYSQL_HOST", "127.0.0.1")},
		                          {"port", env("TRIBUTARY_MYSQL_PORT", "3306")},
		                          {"username", env("TRIBUTARY_MYSQL_USER", "")},
		                          {"password", env("TRIBUTARY_MYSQL_PASSWORD", "")},
		                          {"dbname", env("TRIBUTARY_MYSQL_DATABASE", "")}});
		my::ScanSettings scan;
		scan.fetch_size = fetch_size;
		scan.read_ahead = read_ahead;
		scan.protocol =
		    std::strcmp(protocol, "text") == 0 ? my::Protocol::text : my::Protocol::binary;
		const auto start = std::chrono::steady_clock::now();
		auto cursor = conn.open(query, scan);
		const std::size_t ncols = cursor->columns().size();
		unsigned long long acc = 0;
		char copy[1 << 16];
		while (cursor->next()) {
			for (std::size_t i = 0; i < ncols; i++) {
				const remote::Cell &cell = cursor->cell(i);
				if (cell.data != nullptr && cell.size < sizeof copy) {
					std::memcpy(copy, cell.data,
					            cell.size); /* touch the bytes, like a Datum copy */
					acc += static_cast<unsigned char>(copy[cell.size / 2]);
				} else {
					acc += static_cast<unsigned long long>(cell.i);
				}
			}
			if (work_ns > 0) {
				const auto until =
				    std::chrono::steady_clock::now() + std::chrono::nanoseconds(work_ns);
				while (std::chrono::steady_clock::now() < until) {
				}
			}
		}
		const double seconds =
		    std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
		sink = acc;
		std::printf("%s read_ahead=%d fetch_size=%zu work=%ldns rows=%llu %.2f s %.0f rows/s\n",
		            protocol, read_ahead ? 1 : 0, fetch_size, work_ns,
		            static_cast<unsigned long long>(cursor->rows_read()), seconds,
		            static_cast<double>(cursor->rows_read()) / seconds);
	} catch (const remote::RemoteError &e) {
		std::fprintf(stderr, "%s: %s\n", e.message().c_str(), e.detail().c_str());
		return 1;
	}
	return 0;
}

/*
 * mysql_live.hpp — shared set-up of the MySQL driver's live tests: connection
 * options from the harness's environment (TRIBUTARY_MYSQL_HOST, _PORT, _USER,
 * _PASSWORD, _DATABASE), unique object names, and small helpers.
 *
 * A live test FAILS when the environment is missing: it never skips.
 */
#pragma once

#include "fdw/mysql/mysql_connection.hpp"
#include "fdw/mysql/mysql_driver.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

namespace mysql_live {

namespace remote = tributary::remote;
namespace my = tributary::mysql;

inline const char *
env(const char *name)
{
	const char *v = std::getenv(name);
	return v != nullptr && *v != '\0' ? v : nullptr;
}

inline std::string
missing_environment()
{
	std::string missing;
	for (const char *name : {"TRIBUTARY_MYSQL_HOST", "TRIBUTARY_MYSQL_PORT", "TRIBUTARY_MYSQL_USER",
	                         "TRIBUTARY_MYSQL_DATABASE"}) {
		if (env(name) == nullptr) {
			missing += missing.empty() ? name : std::string(", ") + name;
		}
	}
	if (std::getenv("TRIBUTARY_MYSQL_PASSWORD") == nullptr) {
		missing += missing.empty() ? "TRIBUTARY_MYSQL_PASSWORD" : ", TRIBUTARY_MYSQL_PASSWORD";
	}
	return missing;
}

inline remote::Options
options()
{
	return {{"host", env("TRIBUTARY_MYSQL_HOST") ? env("TRIBUTARY_MYSQL_HOST") : ""},
	        {"port", env("TRIBUTARY_MYSQL_PORT") ? env("TRIBUTARY_MYSQL_PORT") : ""},
	        {"username", env("TRIBUTARY_MYSQL_USER") ? env("TRIBUTARY_MYSQL_USER") : ""},
	        {"password", std::getenv("TRIBUTARY_MYSQL_PASSWORD")
	                         ? std::getenv("TRIBUTARY_MYSQL_PASSWORD")
	                         : ""},
	        {"dbname", env("TRIBUTARY_MYSQL_DATABASE") ? env("TRIBUTARY_MYSQL_DATABASE") : ""},
	        {"connect_timeout", "10"}};
}

inline std::string
database()
{
	return env("TRIBUTARY_MYSQL_DATABASE") ? env("TRIBUTARY_MYSQL_DATABASE") : "";
}

/* A name no other test run uses: prefix_<pid>_<counter>. */
inline std::string
unique_name(const std::string &prefix)
{
	static std::atomic<int> counter{0};
	return prefix + "_" + std::to_string(getpid()) + "_" + std::to_string(++counter);
}

inline remote::Query
query(std::string sql)
{
	remote::Query q;
	q.sql = std::move(sql);
	return q;
}

/* Each scan setting the cursor supports, to run a check through all of them. */
struct ScanMode {
	const char *name;
	my::Protocol protocol;
	bool read_ahead;
};

inline std::vector<ScanMode>
scan_modes()
{
	return {{"binary+readahead", my::Protocol::binary, true},
	        {"binary", my::Protocol::binary, false},
	        {"text+readahead", my::Protocol::text, true},
	        {"text", my::Protocol::text, false}};
}

inline my::ScanSettings
settings(const ScanMode &mode, std::size_t fetch_size = 100, std::size_t sync_rows = 0)
{
	my::ScanSettings s;
	s.protocol = mode.protocol;
	s.read_ahead = mode.read_ahead;
	s.fetch_size = fetch_size;
	s.sync_rows = sync_rows;
	return s;
}

inline std::string
text(const remote::Cell &c)
{
	return c.data != nullptr ? std::string(c.data, c.size) : std::string();
}

/* Fixture: a connection, and tables/views dropped after the test. */
class MysqlLive : public ::testing::Test {
  protected:
	void SetUp() override
	{
		const std::string missing = missing_environment();
		if (!missing.empty()) {
			FAIL() << "live MySQL tests need " << missing
			       << " (the test harness exports them; run through it)";
		}
		m_conn = std::make_unique<my::MysqlConnection>(options());
	}

	void TearDown() override
	{
		if (m_drops.empty()) {
			return;
		}
		try {
			my::MysqlConnection cleanup(options());
			for (auto it = m_drops.rbegin(); it != m_drops.rend(); ++it) {
				cleanup.execute(*it);
			}
		} catch (const std::exception &e) {
			ADD_FAILURE() << "cleanup failed: " << e.what();
		}
	}

	/* Create a table (body after the name) and drop it at the end. */
	std::string table(const std::string &prefix, const std::string &body)
	{
		const std::string name = unique_name(prefix);
		m_conn->execute("CREATE TABLE `" + name + "` " + body);
		m_drops.push_back("DROP TABLE IF EXISTS `" + name + "`");
		return name;
	}

	std::string view(const std::string &prefix, const std::string &select)
	{
		const std::string name = unique_name(prefix);
		m_conn->execute("CREATE VIEW `" + name + "` AS " + select);
		m_drops.push_back("DROP VIEW IF EXISTS `" + name + "`");
		return name;
	}

	/* The single value of a one-row, one-column query, as text ("" for NULL). */
	std::string scalar(const std::string &sql)
	{
		auto c = m_conn->open(query(sql));
		EXPECT_TRUE(c->next()) << sql;
		const remote::Cell &cell = c->cell(0);
		std::string out;
		switch (cell.kind) {
		case remote::CellKind::int64: out = std::to_string(cell.i); break;
		case remote::CellKind::uint64: out = std::to_string(cell.u); break;
		case remote::CellKind::null: break;
		default: out = text(cell); break;
		}
		while (c->next()) {
		}
		return out;
	}

	std::unique_ptr<my::MysqlConnection> m_conn;
	std::vector<std::string> m_drops;
};

} // namespace mysql_live

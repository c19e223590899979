/*
 * tds_live.hpp — shared set-up of the SQL Server driver's live tests: connection
 * options from the harness's environment (TRIBUTARY_TDS_HOST, _PORT, _USER,
 * _PASSWORD, _DATABASE; the harness starts the project's TDS test server),
 * unique object names, and small helpers.
 *
 * A live test FAILS when the environment is missing: it never skips.
 */
#pragma once

#include "fdw/tds/tds_connection.hpp"
#include "fdw/tds/tds_driver.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

namespace tds_live {

namespace remote = tributary::remote;
namespace tds = tributary::tds;

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
	for (const char *name : {"TRIBUTARY_TDS_HOST", "TRIBUTARY_TDS_PORT", "TRIBUTARY_TDS_USER",
	                         "TRIBUTARY_TDS_DATABASE"}) {
		if (env(name) == nullptr) {
			missing += missing.empty() ? name : std::string(", ") + name;
		}
	}
	if (std::getenv("TRIBUTARY_TDS_PASSWORD") == nullptr) {
		missing += missing.empty() ? "TRIBUTARY_TDS_PASSWORD" : ", TRIBUTARY_TDS_PASSWORD";
	}
	return missing;
}

inline std::string
value_of(const char *name)
{
	const char *v = std::getenv(name);
	return v != nullptr ? v : "";
}

inline remote::Options
options()
{
	return {{"host", value_of("TRIBUTARY_TDS_HOST")},
	        {"port", value_of("TRIBUTARY_TDS_PORT")},
	        {"username", value_of("TRIBUTARY_TDS_USER")},
	        {"password", value_of("TRIBUTARY_TDS_PASSWORD")},
	        {"dbname", value_of("TRIBUTARY_TDS_DATABASE")},
	        {"connect_timeout", "10"},
	        {"encryption", "off"}};
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

inline std::string
text(const remote::Cell &c)
{
	return c.data != nullptr ? std::string(c.data, c.size) : std::string();
}

/* Fixture: a connection, and tables/views dropped after the test. */
class TdsLive : public ::testing::Test {
protected:
	void SetUp() override
	{
		const std::string missing = missing_environment();
		if (!missing.empty()) {
			FAIL() << "live SQL Server tests need " << missing
			       << " (the test harness exports them; run through it)";
		}
		m_conn = std::make_unique<tds::TdsConnection>(options());
	}

	void TearDown() override
	{
		if (m_drops.empty()) {
			return;
		}
		try {
			tds::TdsConnection cleanup(options());
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
		m_conn->execute("CREATE TABLE [" + name + "] " + body);
		m_drops.push_back("DROP TABLE [" + name + "]");
		return name;
	}

	std::string view(const std::string &prefix, const std::string &select)
	{
		const std::string name = unique_name(prefix);
		m_conn->execute("CREATE VIEW [" + name + "] AS " + select);
		m_drops.push_back("DROP VIEW [" + name + "]");
		return name;
	}

	/*
	 * Insert rows i = 1..n into table: select_list is an expression list over i,
	 * e.g. "i, REPLICATE(N'x', 10)". Rows come from cross joins of a digits table
	 * (the test server has no recursive CTEs).
	 */
	void insert_numbers(const std::string &table, const std::string &select_list, long n)
	{
		if (m_digits.empty()) {
			m_digits = this->table("digits", "(d int NOT NULL)");
			m_conn->execute("INSERT INTO [" + m_digits +
			                "] VALUES (0), (1), (2), (3), (4), (5), (6), (7), (8), (9)");
		}
		std::string sum = "a0.d";
		std::string from = "[" + m_digits + "] a0";
		long scale = 10;
		for (int k = 1; scale < n; k++, scale *= 10) {
			const std::string alias = "a" + std::to_string(k);
			sum += " + " + std::to_string(scale) + " * " + alias + ".d";
			from += " CROSS JOIN [" + m_digits + "] " + alias;
		}
		m_conn->execute("INSERT INTO [" + table + "] SELECT " + select_list + " FROM (SELECT " +
		                sum + " + 1 AS i FROM " + from + ") n WHERE i <= " + std::to_string(n));
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
		case remote::CellKind::boolean: out = cell.i != 0 ? "1" : "0"; break;
		case remote::CellKind::null: break;
		default: out = text(cell); break;
		}
		while (c->next()) {
		}
		return out;
	}

	/* Rows of a query, until its end. */
	std::uint64_t count_rows(const remote::Query &q)
	{
		auto c = m_conn->open(q);
		while (c->next()) {
		}
		return c->rows_read();
	}

	std::unique_ptr<tds::TdsConnection> m_conn;
	std::vector<std::string> m_drops;
	std::string m_digits;
};

} // namespace tds_live

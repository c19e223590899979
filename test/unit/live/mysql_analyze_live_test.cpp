/*
 * mysql_analyze_live_test.cpp — ANALYZE through PostgreSQL on foreign tables of both
 * wrappers: a large MariaDB table is sampled by the source (only about 1.25 × the sample
 * crosses the wire, the row count is estimated from it), a SQL Server table (the TDS test
 * server: no sampling clause) is read whole into a bounded reservoir, and both leave
 * statistics the planner uses. Needs the installed extension and the harness.
 */
#include "test/unit/live/fuzz_support.hpp"
#include "test/unit/live/mysql_live.hpp"
#include "test/unit/live/tds_live.hpp"

namespace {

using fuzz::Notices;

double
number(pqxx::connection &c, const std::string &sql)
{
	pqxx::nontransaction tx(c);
	return tx.exec(sql)[0][0].as<double>();
}

} // namespace

TEST(ForeignAnalyze, mysql_source_samples_a_large_table)
{
	ASSERT_EQ(mysql_live::missing_environment(), "");
	namespace my = tributary::mysql;
	my::MysqlConnection conn(mysql_live::options());
	const std::string t = mysql_live::unique_name("analyze");
	conn.execute("CREATE TABLE `" + t + "` (id INT PRIMARY KEY, grp INT, label VARCHAR(20)) "
	             "SELECT seq AS id, seq % 50 AS grp, CONCAT('l', seq % 7) AS label "
	             "FROM seq_1_to_300000");
	conn.execute("ANALYZE TABLE `" + t + "`");
	struct Drop {
		std::string sql;
		~Drop()
		{
			try {
				tributary::mysql::MysqlConnection(mysql_live::options()).execute(sql);
			} catch (...) {
			}
		}
	} drop{"DROP TABLE IF EXISTS `" + t + "`"};

	pqxx::connection pg("");
	std::string notices;
	Notices sink(pg, notices);
	const std::string srv = "analyze_" + std::to_string(getpid());
	{
		pqxx::nontransaction tx(pg);
		tx.exec("SET client_min_messages = warning; CREATE EXTENSION IF NOT EXISTS tributary");
		fuzz::create_server(tx, srv, "tributary_mysql", "TRIBUTARY_MYSQL");
		tx.exec("CREATE FOREIGN TABLE " + srv + "_ft (id int, grp int, label text) SERVER " + srv +
		        " OPTIONS (table_name " + tx.quote(t) + ")");
		tx.exec("SET client_min_messages = info; ANALYZE VERBOSE " + srv + "_ft");
	}
	/*
	 * The source sampled: its condition is in the remote SQL (f = 1.25 × 30000 / the
	 * InnoDB estimate of 300000 rows, about 0.125).
	 */
	EXPECT_NE(notices.find("the source sampled about"), std::string::npos) << notices;
	EXPECT_NE(notices.find("WHERE RAND() < 0.1"), std::string::npos) << notices;
	const double tuples = number(pg, "SELECT reltuples FROM pg_class WHERE relname = '" + srv + "_ft'");
	EXPECT_NEAR(tuples, 300000, 15000);
	EXPECT_EQ(number(pg, "SELECT n_distinct FROM pg_stats WHERE tablename = '" + srv +
	                         "_ft' AND attname = 'grp'"),
	          50);
	/* The planner's estimate for one group: 300000 / 50 rows, give or take the sample. */
	pqxx::nontransaction tx(pg);
	const auto plan = tx.exec("EXPLAIN (FORMAT JSON) SELECT * FROM " + srv + "_ft WHERE grp = 7")[0][0]
	                      .as<std::string>();
	const auto at = plan.find("\"Plan Rows\": ");
	ASSERT_NE(at, std::string::npos);
	EXPECT_NEAR(std::stod(plan.substr(at + 13)), 6000, 900) << plan;
	tx.exec("DROP SERVER " + srv + " CASCADE");
}

TEST(ForeignAnalyze, sql_server_table_is_read_whole_into_a_reservoir)
{
	ASSERT_EQ(tds_live::missing_environment(), "");
	tributary::tds::TdsConnection conn(tds_live::options());
	const std::string t = tds_live::unique_name("analyze");
	conn.execute("CREATE TABLE [" + t + "] (id int PRIMARY KEY, grp int)");
	struct Drop {
		std::string sql;
		~Drop()
		{
			try {
				tributary::tds::TdsConnection(tds_live::options()).execute(sql);
			} catch (...) {
			}
		}
	} drop{"DROP TABLE [" + t + "]"};
	/* 12000 rows with a small sample target: the reservoir keeps 3000 of them. */
	std::string values;
	for (int i = 1; i <= 12000; i++) {
		values += (values.empty() ? "(" : ", (") + std::to_string(i) + ", " + std::to_string(i % 4) + ")";
		if (i % 1000 == 0) {
			conn.execute("INSERT INTO [" + t + "] VALUES " + values);
			values.clear();
		}
	}

	pqxx::connection pg("");
	std::string notices;
	Notices sink(pg, notices);
	const std::string srv = "analyze_ms_" + std::to_string(getpid());
	{
		pqxx::nontransaction tx(pg);
		tx.exec("SET client_min_messages = warning; CREATE EXTENSION IF NOT EXISTS tributary");
		fuzz::create_server(tx, srv, "tributary_mssql", "TRIBUTARY_TDS");
		tx.exec("CREATE FOREIGN TABLE " + srv + "_ft (id int, grp int) SERVER " + srv +
		        " OPTIONS (table_name " + tx.quote(t) + ")");
		tx.exec("ALTER FOREIGN TABLE " + srv + "_ft ALTER COLUMN grp SET STATISTICS 10");
		tx.exec("ALTER FOREIGN TABLE " + srv + "_ft ALTER COLUMN id SET STATISTICS 10");
		tx.exec("SET client_min_messages = info; ANALYZE VERBOSE " + srv + "_ft");
	}
	EXPECT_NE(notices.find("the source sent all 12000 rows, 3000 rows in sample"),
	          std::string::npos)
	    << notices;
	EXPECT_EQ(number(pg, "SELECT reltuples FROM pg_class WHERE relname = '" + srv + "_ft'"), 12000);
	EXPECT_EQ(number(pg, "SELECT n_distinct FROM pg_stats WHERE tablename = '" + srv +
	                         "_ft' AND attname = 'grp'"),
	          4);
	pqxx::nontransaction(pg).exec("DROP SERVER " + srv + " CASCADE");
}

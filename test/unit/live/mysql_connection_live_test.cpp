/*
 * mysql_connection_live_test.cpp — the MySQL driver's connection against the
 * harness's MariaDB: login errors, session settings, snapshots, cancel, KILL
 * mid-scan, early close, describe() and estimate_rows().
 */
#include "test/unit/live/mysql_live.hpp"

#include "fdw/mysql/mysql_types.hpp"

#include <chrono>
#include <thread>

using mysql_live::MysqlLive;
using mysql_live::query;
using mysql_live::scan_modes;
using mysql_live::settings;
using mysql_live::text;
using tributary::remote::CellKind;
using tributary::remote::ErrorKind;
using tributary::remote::RemoteError;
namespace my = tributary::mysql;

TEST_F(MysqlLive, reports_wrong_password_as_connect_error_without_the_password)
{
	auto opts = mysql_live::options();
	const std::string secret = "Wr0ng-S3cret-" + mysql_live::unique_name("pw");
	opts["password"] = secret;
	try {
		my::connect(opts);
		FAIL() << "connected with a wrong password";
	} catch (const RemoteError &e) {
		EXPECT_EQ(e.kind(), ErrorKind::connect);
		EXPECT_EQ(e.code(), 1045);
		EXPECT_NE(e.detail(), "");
		for (const std::string &s : {e.message(), e.detail(), e.query(), std::string(e.what())}) {
			EXPECT_EQ(s.find(secret), std::string::npos) << s;
		}
	}
}

TEST_F(MysqlLive, reports_unreachable_server_as_connect_error)
{
	auto opts = mysql_live::options();
	opts["port"] = "1"; /* nothing listens there */
	opts["connect_timeout"] = "3";
	try {
		my::connect(opts);
		FAIL() << "connected to port 1";
	} catch (const RemoteError &e) {
		EXPECT_EQ(e.kind(), ErrorKind::connect);
	}
}

TEST_F(MysqlLive, sets_up_session_in_utc_with_utf8mb4)
{
	EXPECT_EQ(scalar("SELECT @@session.time_zone"), "+00:00");
	EXPECT_EQ(scalar("SELECT @@character_set_client"), "utf8mb4");
	EXPECT_EQ(scalar("SELECT @@character_set_results"), "utf8mb4");
	EXPECT_EQ(scalar("SELECT @@session.sql_mode"),
	          "STRICT_TRANS_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION");
	EXPECT_NE(m_conn->server_version(), "");
	EXPECT_EQ(scalar("SELECT CONNECTION_ID()"), std::to_string(m_conn->thread_id()));
}

TEST_F(MysqlLive, reports_missing_table_with_its_sqlstate_and_query)
{
	try {
		m_conn->open(query("SELECT * FROM no_such_table_here"));
		FAIL() << "query on a missing table succeeded";
	} catch (const RemoteError &e) {
		EXPECT_EQ(e.kind(), ErrorKind::table_not_found);
		EXPECT_EQ(e.code(), 1146);
		EXPECT_EQ(e.sqlstate(), "42S02");
		EXPECT_EQ(e.query(), "SELECT * FROM no_such_table_here");
	}
	EXPECT_FALSE(m_conn->broken());
	EXPECT_EQ(scalar("SELECT 1"), "1");
}

TEST_F(MysqlLive, sees_one_snapshot_until_the_transaction_ends)
{
	const std::string t = table("snap", "(id INT PRIMARY KEY) ENGINE=InnoDB");
	m_conn->execute("INSERT INTO `" + t + "` VALUES (1), (2)");
	m_conn->begin_snapshot();
	EXPECT_EQ(scalar("SELECT COUNT(*) FROM `" + t + "`"), "2");
	{
		my::MysqlConnection other(mysql_live::options());
		other.execute("INSERT INTO `" + t + "` VALUES (3)");
	}
	EXPECT_EQ(scalar("SELECT COUNT(*) FROM `" + t + "`"), "2");
	EXPECT_THROW(m_conn->execute("INSERT INTO `" + t + "` VALUES (4)"),
	             RemoteError); /* READ ONLY */
	m_conn->end_snapshot(true);
	EXPECT_EQ(scalar("SELECT COUNT(*) FROM `" + t + "`"), "3");
}

TEST_F(MysqlLive, fails_scan_with_connection_lost_when_connection_is_killed)
{
	for (const auto &mode : scan_modes()) {
		SCOPED_TRACE(mode.name);
		m_conn = std::make_unique<my::MysqlConnection>(mysql_live::options());
		auto c = m_conn->open(query("SELECT seq, REPEAT('x', 200) FROM seq_1_to_20000000"),
		                      settings(mode, 1000));
		for (int i = 0; i < 5000; i++) {
			ASSERT_TRUE(c->next());
		}
		{
			my::MysqlConnection killer(mysql_live::options());
			killer.execute("KILL " + std::to_string(m_conn->thread_id()));
		}
		try {
			while (c->next()) {
			}
			FAIL() << "the scan ended normally after " << c->rows_read() << " rows";
		} catch (const RemoteError &e) {
			EXPECT_EQ(e.kind(), ErrorKind::connection_lost) << e.code() << " " << e.detail();
		}
		EXPECT_LT(c->rows_read(), 20000000u);
		EXPECT_THROW(c->next(), RemoteError); /* and it stays failed */
		EXPECT_TRUE(m_conn->broken());
		c.reset();
	}
}

TEST_F(MysqlLive, cancel_stops_running_scan_and_keeps_connection_usable)
{
	for (const auto &mode : scan_modes()) {
		SCOPED_TRACE(mode.name);
		auto c = m_conn->open(query("SELECT seq FROM seq_1_to_200000000"), settings(mode, 1000));
		ASSERT_TRUE(c->next());
		m_conn->cancel();
		try {
			while (c->next()) {
			}
			FAIL() << "the scan ended normally after cancel()";
		} catch (const RemoteError &e) {
			EXPECT_EQ(e.kind(), ErrorKind::cancelled) << e.code() << " " << e.detail();
			EXPECT_EQ(e.code(), 1317);
		}
		c.reset();
		EXPECT_FALSE(m_conn->broken());
		EXPECT_EQ(scalar("SELECT 41 + 1"), "42");
		/* The same statement runs again (a cached prepared statement after a KILL QUERY). */
		auto again =
		    m_conn->open(query("SELECT seq FROM seq_1_to_200000000"), settings(mode, 1000));
		for (std::int64_t i = 1; i <= 3; i++) {
			ASSERT_TRUE(again->next());
			EXPECT_EQ(again->cell(0).i, i);
		}
	}
}

TEST_F(MysqlLive, cancel_without_running_query_does_not_kill_the_next_one)
{
	m_conn->cancel(); /* no cursor: nothing is sent */
	/* A cursor whose query has ended on the server: the KILL QUERY reaches an idle session. */
	{
		auto c = m_conn->open(query("SELECT 1"));
		while (c->next()) {
		}
		m_conn->cancel();
	}
	std::this_thread::sleep_for(std::chrono::milliseconds(100));
	EXPECT_EQ(scalar("SELECT 7"), "7");
	EXPECT_EQ(scalar("SELECT 8"), "8");
}

TEST_F(MysqlLive, closing_a_scan_early_is_quick_and_keeps_connection_usable)
{
	for (const auto &mode : scan_modes()) {
		SCOPED_TRACE(mode.name);
		const auto start = std::chrono::steady_clock::now();
		{
			auto c = m_conn->open(query("SELECT seq, REPEAT('y', 100) FROM seq_1_to_100000000"),
			                      settings(mode, 1000));
			for (int i = 0; i < 10; i++) {
				ASSERT_TRUE(c->next());
			}
		}
		const auto elapsed = std::chrono::steady_clock::now() - start;
		EXPECT_LT(elapsed, std::chrono::seconds(10));
		EXPECT_FALSE(m_conn->broken());
		EXPECT_EQ(scalar("SELECT 'still here'"), "still here");
	}
}

TEST_F(MysqlLive, refuses_second_open_cursor_on_one_connection)
{
	auto c = m_conn->open(query("SELECT seq FROM seq_1_to_10"));
	try {
		m_conn->open(query("SELECT 1"));
		FAIL() << "opened two cursors";
	} catch (const RemoteError &e) {
		EXPECT_EQ(e.kind(), ErrorKind::internal);
	}
	int n = 0;
	while (c->next()) {
		n++;
	}
	EXPECT_EQ(n, 10);
}

TEST_F(MysqlLive, describes_tables_views_enum_and_set_columns)
{
	const std::string t =
	    table("desc", "(id BIGINT UNSIGNED NOT NULL PRIMARY KEY, price DECIMAL(10,2) NOT NULL "
	                  "DEFAULT 0, name VARCHAR(40), state ENUM('new','it''s') NOT NULL, "
	                  "tags SET('a','b'), at DATETIME(3), flag TINYINT(1))");
	const std::string v = view("descv", "SELECT id, name FROM `" + t + "`");
	const auto tables = m_conn->describe(mysql_live::database());
	const tributary::remote::RemoteTable *tt = nullptr, *vv = nullptr;
	for (const auto &x : tables) {
		if (x.name == t) {
			tt = &x;
		}
		if (x.name == v) {
			vv = &x;
		}
	}
	ASSERT_NE(tt, nullptr);
	ASSERT_NE(vv, nullptr);
	EXPECT_FALSE(tt->is_view);
	EXPECT_TRUE(vv->is_view);
	ASSERT_EQ(tt->columns.size(), 7u);
	EXPECT_EQ(tt->columns[0].name, "id");
	EXPECT_TRUE(tt->columns[0].is_unsigned);
	EXPECT_FALSE(tt->columns[0].nullable);
	EXPECT_EQ(tt->columns[1].data_type, "decimal");
	EXPECT_EQ(tt->columns[1].precision, 10);
	EXPECT_EQ(tt->columns[1].scale, 2);
	EXPECT_NE(tt->columns[1].default_expr, "");
	EXPECT_EQ(tt->columns[2].max_length, 40);
	EXPECT_TRUE(tt->columns[2].nullable);
	EXPECT_EQ(tt->columns[3].type_name, "enum('new','it''s')");
	EXPECT_EQ(tt->columns[5].precision, 3);
	ASSERT_EQ(vv->columns.size(), 2u);
	EXPECT_EQ(vv->columns[1].name, "name");

	const my::ImportOptions o;
	EXPECT_EQ(my::map_column(tt->columns[0], o).pg_type, "numeric(20,0)");
	EXPECT_EQ(my::map_column(tt->columns[1], o).pg_type, "numeric(10,2)");
	EXPECT_EQ(my::map_column(tt->columns[2], o).pg_type, "character varying(40)");
	EXPECT_EQ(my::map_column(tt->columns[3], o).check, "\"state\" IN ('new','it''s')");
	EXPECT_EQ(my::map_column(tt->columns[4], o).pg_type, "text[]");
	EXPECT_EQ(my::map_column(tt->columns[5], o).pg_type, "timestamp(3) without time zone");
	EXPECT_EQ(my::map_column(tt->columns[6], o).pg_type, "boolean");
}

TEST_F(MysqlLive, describes_broken_view_with_no_columns_instead_of_dropping_it)
{
	const std::string base = table("vbase", "(a INT)");
	const std::string v = view("broken", "SELECT a FROM `" + base + "`");
	m_conn->execute("DROP TABLE `" + base + "`");
	bool found = false;
	for (const auto &x : m_conn->describe(mysql_live::database())) {
		if (x.name == v) {
			found = true;
			EXPECT_TRUE(x.is_view);
			EXPECT_TRUE(x.columns.empty());
		}
	}
	EXPECT_TRUE(found);
}

TEST_F(MysqlLive, estimates_rows_from_table_statistics)
{
	const std::string t = table("est", "(id INT PRIMARY KEY) ENGINE=InnoDB");
	m_conn->execute("INSERT INTO `" + t + "` SELECT seq FROM seq_1_to_1000");
	m_conn->execute("ANALYZE TABLE `" + t + "`");
	const double rows = m_conn->estimate_rows(mysql_live::database(), t);
	EXPECT_GT(rows, 100);
	EXPECT_LT(rows, 10000);
	EXPECT_LT(m_conn->estimate_rows(mysql_live::database(), "no_such_table_xyz"), 0);
}

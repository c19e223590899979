/*
 * tds_connection_live_test.cpp — the SQL Server driver's connection against the
 * harness's TDS test server: login errors, session settings, errors that leave
 * the connection usable, cancel mid-stream, early close, snapshots, describe()
 * and estimate_rows().
 */
#include "test/unit/live/tds_live.hpp"

#include "fdw/tds/tds_types.hpp"

#include <sys/socket.h>

#include <chrono>
#include <csignal>
#include <thread>

using tds_live::query;
using tds_live::TdsLive;
using tds_live::text;
using tributary::remote::CellKind;
using tributary::remote::ErrorKind;
using tributary::remote::RemoteError;
namespace tds = tributary::tds;

/* db-lib's socket of a DBPROCESS (sybdb.h is not included: its FAIL macro breaks gtest's). */
extern "C" int dbiordesc(tds_dblib_dbprocess *dbproc);

TEST_F(TdsLive, reports_wrong_password_as_connect_error_without_the_password)
{
	auto opts = tds_live::options();
	const std::string secret = "Wr0ng-S3cret-" + tds_live::unique_name("pw");
	opts["password"] = secret;
	try {
		tds::connect(opts);
		FAIL() << "connected with a wrong password";
	} catch (const RemoteError &e) {
		EXPECT_EQ(e.kind(), ErrorKind::connect);
		EXPECT_EQ(e.code(), 18456);
		EXPECT_NE(e.detail().find("Login failed"), std::string::npos) << e.detail();
		for (const std::string &s : {e.message(), e.detail(), e.query(), std::string(e.what())}) {
			EXPECT_EQ(s.find(secret), std::string::npos) << s;
		}
	}
}

TEST_F(TdsLive, reports_unreachable_server_as_connect_error)
{
	auto opts = tds_live::options();
	opts["port"] = "1"; /* nothing listens there */
	opts["connect_timeout"] = "3";
	try {
		tds::connect(opts);
		FAIL() << "connected to port 1";
	} catch (const RemoteError &e) {
		EXPECT_EQ(e.kind(), ErrorKind::connect);
		EXPECT_NE(e.message().find(":1"), std::string::npos) << e.message();
		EXPECT_NE(e.detail().find("FreeTDS error 200"), std::string::npos) << e.detail();
	}
}

TEST_F(TdsLive, refuses_to_log_in_without_tls_when_encryption_is_required)
{
	/* The test server answers PRELOGIN with ENCRYPT_NOT_SUP. */
	auto opts = tds_live::options();
	opts["encryption"] = "require";
	try {
		tds::connect(opts);
		FAIL() << "logged in without TLS although encryption 'require'";
	} catch (const RemoteError &e) {
		EXPECT_EQ(e.kind(), ErrorKind::connect);
	}
}

TEST_F(TdsLive, logs_in_with_each_supported_tds_version_and_encryption_request)
{
	/* 7.1 is left out: the test server refuses TDS 7.1 logins (tsql's too). */
	for (const char *version : {"7.2", "7.3", "7.4"}) {
		auto opts = tds_live::options();
		opts["tds_version"] = version;
		opts["encryption"] = "request";
		auto conn = tds::connect(opts);
		auto c = conn->open(query("SELECT 42"));
		ASSERT_TRUE(c->next()) << version;
		EXPECT_EQ(c->cell(0).i, 42) << version;
		EXPECT_FALSE(c->next());
	}
}

TEST_F(TdsLive, reports_unknown_database_as_connect_error)
{
	auto opts = tds_live::options();
	opts["dbname"] = "no_such_database_here";
	try {
		tds::connect(opts);
		FAIL() << "logged in to a database that does not exist";
	} catch (const RemoteError &e) {
		EXPECT_EQ(e.kind(), ErrorKind::connect);
	}
}

TEST_F(TdsLive, sets_up_session_with_full_textsize)
{
	EXPECT_EQ(m_conn->textsize(), 2147483647LL);
	EXPECT_EQ(scalar("SELECT @@TEXTSIZE"), "2147483647");
	EXPECT_NE(m_conn->server_version(), "");
	EXPECT_EQ(m_conn->server_version().find('\n'), std::string::npos);
	EXPECT_FALSE(m_conn->broken());
}

TEST_F(TdsLive, reports_missing_table_then_runs_the_next_query)
{
	try {
		m_conn->open(query("SELECT * FROM no_such_table_here"));
		FAIL() << "query on a missing table succeeded";
	} catch (const RemoteError &e) {
		EXPECT_EQ(e.kind(), ErrorKind::table_not_found);
		EXPECT_EQ(e.code(), 208);
		EXPECT_EQ(e.query(), "SELECT * FROM no_such_table_here");
		EXPECT_NE(e.detail().find("SQL Server error 208, severity 16, state 1"), std::string::npos)
		    << e.detail();
		EXPECT_NE(e.detail().find("no_such_table_here"), std::string::npos) << e.detail();
	}
	EXPECT_FALSE(m_conn->broken());
	EXPECT_EQ(scalar("SELECT 1"), "1");
}

TEST_F(TdsLive, reports_syntax_error_with_parameters_then_runs_the_next_query)
{
	auto q = query("SELEC @P1");
	tributary::remote::Cell one;
	one.kind = CellKind::int64;
	one.i = 1;
	q.params.push_back(one);
	try {
		m_conn->open(q);
		FAIL() << "a syntax error succeeded";
	} catch (const RemoteError &e) {
		EXPECT_EQ(e.kind(), ErrorKind::query);
		EXPECT_NE(e.detail(), "");
	}
	EXPECT_EQ(scalar("SELECT 2"), "2");
}

TEST_F(TdsLive, reports_error_raised_mid_stream_instead_of_a_short_result)
{
	/*
	 * SQL Server sends rows 1..8999, then ERROR 245 and DONE(ERROR): the scan
	 * must fail, never end early. (The test server evaluates the conversion
	 * before it sends the first row, so there the error arrives at open.)
	 */
	const std::string t = table("midstream", "(id int, v nvarchar(10))");
	insert_numbers(t, "i, CAST(i AS nvarchar(10))", 10000);
	m_conn->execute("UPDATE [" + t + "] SET v = N'x' WHERE id = 9000");
	std::uint64_t rows = 0;
	try {
		auto c = m_conn->open(query("SELECT id, CAST(v AS int) FROM [" + t + "] ORDER BY id"));
		while (c->next()) {
			rows++;
		}
		FAIL() << "a conversion error ended the result silently after " << rows << " rows";
	} catch (const RemoteError &e) {
		EXPECT_EQ(e.kind(), ErrorKind::query);
		EXPECT_EQ(e.code(), 245);
		EXPECT_EQ(e.sqlstate(), "22018");
		EXPECT_NE(e.detail().find("SQL Server error 245"), std::string::npos) << e.detail();
	}
	EXPECT_LT(rows, 9000u);
	EXPECT_FALSE(m_conn->broken());
	EXPECT_EQ(scalar("SELECT 3"), "3");
}

TEST_F(TdsLive, cancels_mid_stream_then_runs_the_next_query)
{
	const std::string t = table("cancel", "(id int NOT NULL PRIMARY KEY, pad nvarchar(100))");
	insert_numbers(t, "i, REPLICATE(N'x', 100)", 20000);
	auto c = m_conn->open(query("SELECT id, pad FROM [" + t + "] ORDER BY id"));
	for (int i = 0; i < 100; i++) {
		ASSERT_TRUE(c->next());
	}
	m_conn->cancel();
	try {
		c->next();
		FAIL() << "a cancelled scan went on";
	} catch (const RemoteError &e) {
		EXPECT_EQ(e.kind(), ErrorKind::cancelled);
	}
	c.reset();
	EXPECT_FALSE(m_conn->broken());
	EXPECT_EQ(scalar("SELECT COUNT(*) FROM [" + t + "]"), "20000");
}

TEST_F(TdsLive, reports_a_connection_lost_mid_stream_instead_of_a_short_result)
{
	const std::string t = table("lost", "(id int NOT NULL PRIMARY KEY, pad nvarchar(200))");
	insert_numbers(t, "i, REPLICATE(N'y', 200)", 50000);
	tds::TdsConnection conn(tds_live::options());
	auto c = conn.open(query("SELECT id, pad FROM [" + t + "] ORDER BY id"));
	for (int i = 0; i < 10; i++) {
		ASSERT_TRUE(c->next());
	}
	/* The network goes away under the scan (what a server crash or a dropped link does). */
	::shutdown(dbiordesc(conn.handle()), SHUT_RDWR);
	std::uint64_t rows = 10;
	try {
		while (c->next()) {
			rows++; /* rows already in db-lib's buffer may still come */
		}
		FAIL() << "the scan ended quietly after " << rows << " of 50000 rows";
	} catch (const RemoteError &e) {
		EXPECT_EQ(e.kind(), ErrorKind::connection_lost) << e.message() << " " << e.detail();
	}
	EXPECT_LT(rows, 50000u);
	EXPECT_TRUE(conn.broken());
	c.reset();
	try {
		conn.execute("SELECT 1");
		FAIL() << "a broken connection ran a query";
	} catch (const RemoteError &e) {
		EXPECT_EQ(e.kind(), ErrorKind::connection_lost);
	}
}

TEST_F(TdsLive, closes_a_scan_early_then_runs_the_next_query)
{
	const std::string t = table("early", "(id int NOT NULL PRIMARY KEY)");
	insert_numbers(t, "i", 5000);
	{
		auto c = m_conn->open(query("SELECT id FROM [" + t + "] ORDER BY id"));
		ASSERT_TRUE(c->next());
		EXPECT_EQ(c->cell(0).i, 1);
	}
	EXPECT_EQ(scalar("SELECT MAX(id) FROM [" + t + "]"), "5000");
	{
		auto c = m_conn->open(query("SELECT TOP (3) id FROM [" + t + "] ORDER BY id"));
		ASSERT_TRUE(c->next()); /* 2 rows left: drained, no attention needed */
	}
	EXPECT_EQ(scalar("SELECT MIN(id) FROM [" + t + "]"), "1");
}

TEST_F(TdsLive, times_out_a_slow_query_then_runs_the_next_one)
{
	auto opts = tds_live::options();
	opts["query_timeout"] = "1";
	tds::TdsConnection conn(opts);
	try {
		auto c = conn.open(query("WAITFOR DELAY '00:00:03'; SELECT 1"));
		while (c->next()) {
		}
		FAIL() << "a 3 s query finished under a 1 s query_timeout";
	} catch (const RemoteError &e) {
		EXPECT_EQ(e.kind(), ErrorKind::timeout);
		EXPECT_EQ(e.code(), 20003);
	}
	/* The timeout sent an attention: the request ended, the connection stays usable. */
	EXPECT_FALSE(conn.broken());
	auto c = conn.open(query("SELECT 6"));
	ASSERT_TRUE(c->next());
	EXPECT_EQ(c->cell(0).i, 6);
}

TEST_F(TdsLive, cancels_a_waiting_request_when_a_watched_flag_is_set)
{
	static volatile std::sig_atomic_t cancel_pending = 0;
	cancel_pending = 0;
	tributary::remote::InterruptFlags flags;
	flags.cancel = &cancel_pending;
	m_conn->watch_interrupts(flags);
	std::thread signaller([]() {
		std::this_thread::sleep_for(std::chrono::milliseconds(300));
		cancel_pending = 1; /* what PostgreSQL's SIGINT handler does */
	});
	const auto start = std::chrono::steady_clock::now();
	try {
		auto c = m_conn->open(query("WAITFOR DELAY '00:00:08'; SELECT 1"));
		while (c->next()) {
		}
		ADD_FAILURE() << "the request was not cancelled";
	} catch (const RemoteError &e) {
		EXPECT_EQ(e.kind(), ErrorKind::cancelled) << e.message() << " " << e.detail();
	}
	signaller.join();
	const auto waited = std::chrono::steady_clock::now() - start;
	EXPECT_LT(waited, std::chrono::seconds(4));
	cancel_pending = 0;
	EXPECT_FALSE(m_conn->broken());
	EXPECT_EQ(scalar("SELECT 7"), "7");
	m_conn->watch_interrupts({});
}

TEST_F(TdsLive, refuses_a_second_request_while_a_cursor_is_open)
{
	auto c = m_conn->open(query("SELECT 1"));
	try {
		m_conn->execute("SELECT 2");
		FAIL() << "two requests at once";
	} catch (const RemoteError &e) {
		EXPECT_EQ(e.kind(), ErrorKind::internal);
	}
	EXPECT_TRUE(c->next());
	EXPECT_FALSE(c->next());
	c.reset();
	EXPECT_EQ(scalar("SELECT 4"), "4");
}

TEST_F(TdsLive, returns_an_empty_cursor_for_statements_without_rows)
{
	const std::string t = table("norows", "(id int)");
	auto c = m_conn->open(query("INSERT INTO [" + t + "] VALUES (1)"));
	EXPECT_TRUE(c->columns().empty());
	EXPECT_FALSE(c->next());
	c.reset();
	auto e = m_conn->open(query("SELECT id FROM [" + t + "] WHERE id = 2"));
	ASSERT_EQ(e->columns().size(), 1u);
	EXPECT_EQ(e->columns()[0].name, "id");
	EXPECT_FALSE(e->next());
	EXPECT_EQ(e->rows_read(), 0u);
}

TEST_F(TdsLive, reads_to_the_end_with_row_count_checked)
{
	const std::string t = table("count", "(id int NOT NULL PRIMARY KEY)");
	insert_numbers(t, "i", 3000);
	EXPECT_EQ(count_rows(query("SELECT id FROM [" + t + "]")), 3000u);
}

TEST_F(TdsLive, runs_snapshot_transactions_as_configured)
{
	/* The test server's database has snapshot isolation OFF: auto means READ COMMITTED. */
	m_conn->begin_snapshot();
	EXPECT_FALSE(m_conn->in_transaction());
	EXPECT_EQ(scalar("SELECT @@TRANCOUNT"), "0");
	m_conn->end_snapshot(true);

	auto opts = tds_live::options();
	opts["isolation_level"] = "repeatable_read";
	tds::TdsConnection rr(opts);
	rr.begin_snapshot();
	EXPECT_TRUE(rr.in_transaction());
	{
		auto c = rr.open(query("SELECT @@TRANCOUNT"));
		ASSERT_TRUE(c->next());
		EXPECT_EQ(c->cell(0).i, 1);
		while (c->next()) {
		}
	}
	rr.end_snapshot(false);
	EXPECT_FALSE(rr.in_transaction());
	auto c = rr.open(query("SELECT @@TRANCOUNT"));
	ASSERT_TRUE(c->next());
	EXPECT_EQ(c->cell(0).i, 0);
}

TEST_F(TdsLive, runs_auto_isolation_as_snapshot_where_the_database_allows_it)
{
	m_conn->execute("ALTER DATABASE CURRENT SET ALLOW_SNAPSHOT_ISOLATION ON");
	m_drops.push_back("ALTER DATABASE CURRENT SET ALLOW_SNAPSHOT_ISOLATION OFF");
	const std::string t = table("snapshot", "(id int NOT NULL PRIMARY KEY)");
	m_conn->execute("INSERT INTO [" + t + "] VALUES (1)");
	const auto count = [&t](tds::TdsConnection &c) {
		auto cur = c.open(query("SELECT COUNT(*) FROM [" + t + "]"));
		EXPECT_TRUE(cur->next());
		const long n = static_cast<long>(cur->cell(0).i);
		while (cur->next()) {
		}
		return n;
	};
	tds::TdsConnection conn(tds_live::options()); /* isolation_level auto */
	conn.begin_snapshot();
	EXPECT_TRUE(conn.in_transaction());
	EXPECT_EQ(count(conn), 1);
	m_conn->execute("INSERT INTO [" + t + "] VALUES (2)"); /* committed by another session */
	EXPECT_EQ(count(conn), 1) << "the snapshot saw a later commit";
	conn.end_snapshot(true);
	EXPECT_FALSE(conn.in_transaction());
	EXPECT_EQ(count(conn), 2);
	tds::TdsConnection explicit_snapshot([] {
		auto opts = tds_live::options();
		opts["isolation_level"] = "snapshot";
		return opts;
	}());
	explicit_snapshot.begin_snapshot();
	EXPECT_TRUE(explicit_snapshot.in_transaction());
	EXPECT_EQ(count(explicit_snapshot), 2);
	explicit_snapshot.end_snapshot(false);
}

TEST_F(TdsLive, refuses_snapshot_isolation_where_the_database_has_it_off)
{
	auto opts = tds_live::options();
	opts["isolation_level"] = "snapshot";
	tds::TdsConnection conn(opts);
	try {
		conn.begin_snapshot();
		FAIL() << "snapshot isolation began on a database without it";
	} catch (const RemoteError &e) {
		EXPECT_EQ(e.kind(), ErrorKind::unsupported);
		EXPECT_NE(e.detail().find("OFF"), std::string::npos) << e.detail();
	}
}

TEST_F(TdsLive, rolls_back_a_snapshot_aborted_while_a_scan_is_open)
{
	auto opts = tds_live::options();
	opts["isolation_level"] = "repeatable_read";
	tds::TdsConnection conn(opts);
	const std::string t = table("abort", "(id int)");
	m_conn->execute("INSERT INTO [" + t + "] VALUES (1), (2), (3)");
	conn.begin_snapshot();
	auto c = conn.open(query("SELECT id FROM [" + t + "]"));
	ASSERT_TRUE(c->next());
	conn.end_snapshot(false); /* an aborted local transaction: the scan is still alive */
	c.reset();
	EXPECT_FALSE(conn.broken());
	auto d = conn.open(query("SELECT @@TRANCOUNT"));
	ASSERT_TRUE(d->next());
	EXPECT_EQ(d->cell(0).i, 0);
}

TEST_F(TdsLive, describes_tables_and_views_of_a_schema)
{
	const std::string t =
	    table("described", "(id int NOT NULL PRIMARY KEY, name nvarchar(40) NULL, "
	                       "amount decimal(12,3) NOT NULL, at datetime2(7), "
	                       "body nvarchar(max), g uniqueidentifier, "
	                       "b varbinary(max), c char(4))");
	const std::string v = view("described_v", "SELECT id, name FROM [" + t + "]");
	const auto tables = m_conn->describe("dbo");
	const tributary::remote::RemoteTable *found = nullptr;
	const tributary::remote::RemoteTable *found_view = nullptr;
	for (const auto &rt : tables) {
		EXPECT_EQ(rt.schema, "dbo");
		if (rt.name == t) {
			found = &rt;
		} else if (rt.name == v) {
			found_view = &rt;
		}
	}
	ASSERT_NE(found, nullptr);
	ASSERT_NE(found_view, nullptr);
	EXPECT_FALSE(found->is_view);
	EXPECT_TRUE(found_view->is_view);
	ASSERT_EQ(found->columns.size(), 8u);
	const auto &cols = found->columns;
	EXPECT_EQ(cols[0].name, "id");
	EXPECT_EQ(cols[0].type_name, "int");
	EXPECT_FALSE(cols[0].nullable);
	EXPECT_EQ(cols[1].type_name, "nvarchar(40)");
	EXPECT_TRUE(cols[1].nullable);
	EXPECT_EQ(cols[2].type_name, "decimal(12,3)");
	EXPECT_EQ(cols[3].type_name, "datetime2(7)");
	EXPECT_EQ(cols[4].type_name, "nvarchar(max)");
	EXPECT_EQ(cols[5].type_name, "uniqueidentifier");
	EXPECT_EQ(cols[6].type_name, "varbinary(max)");
	EXPECT_EQ(cols[7].type_name, "char(4)");
	const tds::ImportOptions io;
	EXPECT_EQ(tds::map_column(cols[2], io).pg_type, "numeric(12,3)");
	EXPECT_TRUE(tds::map_column(cols[2], io).not_null);
	EXPECT_EQ(tds::map_column(cols[3], io).pg_type, "timestamp(6) without time zone");
	EXPECT_EQ(tds::map_column(cols[4], io).pg_type, "text");
	EXPECT_EQ(tds::map_column(cols[7], io).pg_type, "character(4)");
	ASSERT_EQ(found_view->columns.size(), 2u);
	EXPECT_EQ(found_view->columns[1].name, "name");
	EXPECT_EQ(found_view->columns[1].type_name, "nvarchar(40)");
}

TEST_F(TdsLive, describes_nothing_for_an_unknown_schema)
{
	EXPECT_TRUE(m_conn->describe("no_such_schema").empty());
}

TEST_F(TdsLive, estimates_rows_from_the_catalog)
{
	const std::string t = table("estimate", "(id int NOT NULL PRIMARY KEY)");
	insert_numbers(t, "i", 1234);
	const double rows = m_conn->estimate_rows("dbo", t);
	EXPECT_GE(rows, 0);
	EXPECT_EQ(rows, 1234);
	EXPECT_LT(m_conn->estimate_rows("dbo", "no_such_table_here"), 0);
}

/*
 * mysql_errors_test.cpp — classification of MySQL/MariaDB error numbers (no server).
 */
#include "fdw/mysql/mysql_errors.hpp"

#include <gtest/gtest.h>

using tributary::mysql::classify_error;
using tributary::mysql::error_breaks_connection;
using tributary::mysql::ErrorContext;
using tributary::mysql::make_error;
using tributary::mysql::reported_sqlstate;
using tributary::remote::ErrorKind;

TEST(MysqlErrors, classifies_login_and_network_failures_as_connect)
{
	for (unsigned code : {1044u, 1045u, 1049u, 1040u, 1130u, 2002u, 2003u, 2005u, 2026u}) {
		EXPECT_EQ(classify_error(code), ErrorKind::connect) << code;
	}
}

TEST(MysqlErrors, classifies_every_error_during_connect_as_connect)
{
	EXPECT_EQ(classify_error(1146, ErrorContext::connect), ErrorKind::connect);
	EXPECT_EQ(classify_error(2013, ErrorContext::connect), ErrorKind::connect);
}

TEST(MysqlErrors, classifies_dropped_connections_as_connection_lost)
{
	for (unsigned code : {2006u, 2013u, 2055u, 1927u, 1053u, 2027u}) {
		EXPECT_EQ(classify_error(code), ErrorKind::connection_lost) << code;
		EXPECT_TRUE(error_breaks_connection(code)) << code;
	}
}

TEST(MysqlErrors, classifies_missing_table)
{
	EXPECT_EQ(classify_error(1146), ErrorKind::table_not_found);
	EXPECT_FALSE(error_breaks_connection(1146));
}

TEST(MysqlErrors, classifies_kill_query_as_cancelled)
{
	EXPECT_EQ(classify_error(1317), ErrorKind::cancelled);
	EXPECT_FALSE(error_breaks_connection(1317));
}

TEST(MysqlErrors, classifies_timeouts)
{
	for (unsigned code : {1205u, 1969u, 3024u, 1159u, 1161u}) {
		EXPECT_EQ(classify_error(code), ErrorKind::timeout) << code;
	}
	EXPECT_TRUE(error_breaks_connection(1159));
	EXPECT_FALSE(error_breaks_connection(1205));
}

TEST(MysqlErrors, classifies_oversized_packets_as_truncated)
{
	EXPECT_EQ(classify_error(1153), ErrorKind::truncated);
	EXPECT_EQ(classify_error(2020), ErrorKind::truncated);
	EXPECT_TRUE(error_breaks_connection(2020));
}

TEST(MysqlErrors, classifies_syntax_and_other_server_errors_as_query)
{
	EXPECT_EQ(classify_error(1064), ErrorKind::query);
	EXPECT_EQ(classify_error(1054), ErrorKind::query);
	EXPECT_EQ(classify_error(1142), ErrorKind::query);
	EXPECT_EQ(classify_error(99999), ErrorKind::query);
}

TEST(MysqlErrors, drops_generic_sqlstate_hy000)
{
	EXPECT_EQ(reported_sqlstate("HY000"), "");
	EXPECT_EQ(reported_sqlstate("00000"), "");
	EXPECT_EQ(reported_sqlstate(nullptr), "");
	EXPECT_EQ(reported_sqlstate("42S02"), "42S02");
}

TEST(MysqlErrors, builds_error_with_code_sqlstate_and_server_text_in_detail)
{
	const auto e =
	    make_error(1146, "42S02", "Table 'db.t' doesn't exist", "could not execute remote query");
	EXPECT_EQ(e.kind(), ErrorKind::table_not_found);
	EXPECT_EQ(e.code(), 1146);
	EXPECT_EQ(e.sqlstate(), "42S02");
	EXPECT_EQ(e.message(), "could not execute remote query");
	EXPECT_EQ(e.detail(), "Table 'db.t' doesn't exist.");
}

TEST(MysqlErrors, reports_client_read_timeout_as_timeout)
{
	const auto e = make_error(2013, "HY000", "Lost connection to server during query (timeout)",
	                          "could not read a row of the remote result");
	EXPECT_EQ(e.kind(), ErrorKind::timeout);
	EXPECT_EQ(e.sqlstate(), "");
	EXPECT_TRUE(error_breaks_connection(2013));
}

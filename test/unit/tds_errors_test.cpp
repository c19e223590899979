/*
 * tds_errors_test.cpp — classification of SQL Server and db-lib message numbers
 * and the RemoteError built from a connection's record (no server).
 */
#include "fdw/tds/tds_errors.hpp"

#include <gtest/gtest.h>

using tributary::remote::ErrorKind;
using tributary::tds::classify_error;
using tributary::tds::describe_message;
using tributary::tds::ErrorContext;
using tributary::tds::ErrorRecord;
using tributary::tds::make_error;
using tributary::tds::sqlstate_for;
using tributary::tds::TdsMessage;

namespace {

TdsMessage
server(long number, int severity = 16, int state = 1, std::string text = "text")
{
	TdsMessage m;
	m.from_server = true;
	m.number = number;
	m.severity = severity;
	m.state = state;
	m.text = std::move(text);
	return m;
}

TdsMessage
client(long number, std::string text = "client text", std::string os = {})
{
	TdsMessage m;
	m.number = number;
	m.severity = 9;
	m.text = std::move(text);
	m.os_text = std::move(os);
	return m;
}

} // namespace

TEST(TdsErrors, classifies_missing_object_as_table_not_found)
{
	EXPECT_EQ(classify_error(server(208)), ErrorKind::table_not_found);
}

TEST(TdsErrors, classifies_login_failures_as_connect)
{
	EXPECT_EQ(classify_error(server(18456, 14)), ErrorKind::connect);
	EXPECT_EQ(classify_error(server(4060, 11)), ErrorKind::connect);
	EXPECT_EQ(classify_error(client(20009)), ErrorKind::connect);
	EXPECT_EQ(classify_error(client(20002)), ErrorKind::connect);
	EXPECT_EQ(classify_error(client(20013)), ErrorKind::connect);
}

TEST(TdsErrors, classifies_everything_during_connect_as_connect)
{
	EXPECT_EQ(classify_error(server(208), ErrorContext::connect), ErrorKind::connect);
	EXPECT_EQ(classify_error(client(20003), ErrorContext::connect), ErrorKind::connect);
	EXPECT_EQ(classify_error(client(20004), ErrorContext::connect), ErrorKind::connect);
}

TEST(TdsErrors, classifies_dead_process_and_broken_socket_as_connection_lost)
{
	EXPECT_EQ(classify_error(client(20047)), ErrorKind::connection_lost);
	EXPECT_EQ(classify_error(client(20006)), ErrorKind::connection_lost);
	EXPECT_EQ(classify_error(client(20004)), ErrorKind::connection_lost);
	EXPECT_EQ(classify_error(client(20017)), ErrorKind::connection_lost);
	/* Class 20 and above: SQL Server closes the connection. */
	EXPECT_EQ(classify_error(server(596, 21)), ErrorKind::connection_lost);
}

TEST(TdsErrors, classifies_timeout_and_charset_conversion)
{
	EXPECT_EQ(classify_error(client(20003)), ErrorKind::timeout);
	EXPECT_EQ(classify_error(client(2403)), ErrorKind::data);
	EXPECT_EQ(classify_error(client(2402)), ErrorKind::data);
}

TEST(TdsErrors, classifies_other_server_errors_as_query)
{
	EXPECT_EQ(classify_error(server(102, 15)), ErrorKind::query);
	EXPECT_EQ(classify_error(server(2627, 14)), ErrorKind::query);
	EXPECT_EQ(classify_error(client(20018)), ErrorKind::query);
}

TEST(TdsErrors, maps_constraint_and_deadlock_numbers_to_sqlstates)
{
	EXPECT_EQ(sqlstate_for(server(2627, 14)), "23505");
	EXPECT_EQ(sqlstate_for(server(2601, 14)), "23505");
	EXPECT_EQ(sqlstate_for(server(547, 16, 0,
	                              "The INSERT statement conflicted with the FOREIGN KEY constraint "
	                              "\"fk\".")),
	          "23503");
	EXPECT_EQ(sqlstate_for(server(547, 16, 0,
	                              "The INSERT statement conflicted with the CHECK constraint "
	                              "\"ck\".")),
	          "23514");
	EXPECT_EQ(sqlstate_for(server(1205, 13)), "40P01");
	EXPECT_EQ(sqlstate_for(server(8134)), "22012");
	EXPECT_EQ(sqlstate_for(server(208)), "");
	EXPECT_EQ(sqlstate_for(client(2627)), "");
}

TEST(TdsErrors, describes_server_message_with_number_severity_and_state)
{
	EXPECT_EQ(describe_message(server(208, 16, 1, "Invalid object name 'x'.")),
	          "SQL Server error 208, severity 16, state 1: Invalid object name 'x'.");
	TdsMessage m = server(50000, 16, 2, "boom");
	m.procedure = "p";
	m.line = 3;
	EXPECT_EQ(describe_message(m), "SQL Server error 50000, severity 16, state 2, procedure p, "
	                               "line 3: boom.");
}

TEST(TdsErrors, describes_client_message_with_os_error)
{
	EXPECT_EQ(describe_message(client(20009, "Unable to connect", "Connection refused")),
	          "FreeTDS error 20009, severity 9: Unable to connect (Connection refused)");
}

TEST(TdsErrors, builds_error_from_first_server_message)
{
	ErrorRecord r;
	r.messages.push_back(server(208, 16, 1, "Invalid object name 'nope'."));
	r.messages.push_back(
	    client(20018, "General SQL Server error: Check messages from the SQL Server"));
	const auto e = make_error(r, "could not execute remote query");
	EXPECT_EQ(e.kind(), ErrorKind::table_not_found);
	EXPECT_EQ(e.code(), 208);
	EXPECT_EQ(e.message(), "could not execute remote query");
	/* The generic 20018 adds nothing: it is left out of the detail. */
	EXPECT_EQ(e.detail(),
	          "SQL Server error 208, severity 16, state 1: Invalid object name 'nope'.");
}

TEST(TdsErrors, prefers_server_message_over_earlier_client_message)
{
	ErrorRecord r;
	r.messages.push_back(client(20002, "Adaptive Server connection failed"));
	r.messages.push_back(server(18456, 14, 1, "Login failed for user 'sa'."));
	const auto e = make_error(r, "could not connect", ErrorContext::connect);
	EXPECT_EQ(e.kind(), ErrorKind::connect);
	EXPECT_EQ(e.code(), 18456);
	EXPECT_NE(e.detail().find("Login failed for user 'sa'."), std::string::npos);
	EXPECT_NE(e.detail().find("20002"), std::string::npos);
}

TEST(TdsErrors, lets_a_lost_connection_win_over_a_query_error)
{
	ErrorRecord r;
	r.messages.push_back(server(245, 16, 1, "Conversion failed"));
	r.messages.push_back(client(20004, "Read from the server failed"));
	const auto e = make_error(r, "could not read");
	EXPECT_EQ(e.kind(), ErrorKind::connection_lost);
	EXPECT_EQ(e.code(), 20004);
	EXPECT_EQ(e.sqlstate(), "");
}

TEST(TdsErrors, uses_fallback_kind_when_nothing_was_recorded)
{
	ErrorRecord r;
	EXPECT_EQ(make_error(r, "x", ErrorContext::query, ErrorKind::connection_lost).kind(),
	          ErrorKind::connection_lost);
	EXPECT_EQ(make_error(r, "x", ErrorContext::connect).kind(), ErrorKind::connect);
	EXPECT_EQ(make_error(r, "x").detail(), "");
}

TEST(TdsErrors, carries_sqlstate_of_the_primary_message)
{
	ErrorRecord r;
	r.messages.push_back(server(1205, 13, 51, "Transaction (Process ID 52) was deadlocked"));
	const auto e = make_error(r, "could not execute remote query");
	EXPECT_EQ(e.kind(), ErrorKind::query);
	EXPECT_EQ(e.sqlstate(), "40P01");
	EXPECT_EQ(e.code(), 1205);
}

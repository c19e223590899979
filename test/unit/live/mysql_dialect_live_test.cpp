/*
 * mysql_dialect_live_test.cpp — the dialect's literals mean on the server what
 * they say, with and without NO_BACKSLASH_ESCAPES in sql_mode.
 */
#include "test/unit/live/mysql_live.hpp"

#include "fdw/mysql/mysql_dialect.hpp"

using mysql_live::MysqlLive;
using mysql_live::query;
using mysql_live::text;
using tributary::mysql::dialect;
using tributary::remote::CellKind;

namespace {

const std::vector<std::string> &
tricky_strings()
{
	static const std::vector<std::string> s = {
	    "",
	    "plain",
	    "it's",
	    "''",
	    "back\\slash",
	    "\\",
	    "\\'",
	    "'\\",
	    "ends with backslash\\",
	    std::string("nul\0inside", 10),
	    "new\nline\r\ttab",
	    "emoji 🐶 and ü",
	    "%_ like chars",
	    "\"double\" `back`",
	    "\x1a ctrl-z",
	};
	return s;
}

} // namespace

TEST_F(MysqlLive, string_literals_round_trip_in_every_sql_mode)
{
	for (const std::string mode :
	     {"", "NO_BACKSLASH_ESCAPES", "ANSI_QUOTES,NO_BACKSLASH_ESCAPES"}) {
		SCOPED_TRACE("sql_mode=" + mode);
		m_conn->execute("SET SESSION sql_mode = '" + mode + "'");
		for (const std::string &s : tricky_strings()) {
			const std::string lit = dialect().quote_string(s);
			auto c = m_conn->open(query("SELECT " + lit + ", " + lit + " = CONVERT(" +
			                            dialect().quote_bytes(s) + " USING utf8mb4)"));
			ASSERT_TRUE(c->next()) << lit;
			EXPECT_EQ(c->cell(0).kind, CellKind::text) << lit;
			EXPECT_EQ(text(c->cell(0)), s) << lit;
			EXPECT_EQ(c->cell(1).i, 1) << lit;
			EXPECT_FALSE(c->next());
		}
	}
}

TEST_F(MysqlLive, byte_literals_round_trip)
{
	std::string all;
	for (int i = 0; i < 256; i++) {
		all += static_cast<char>(i);
	}
	for (const std::string &s : {std::string(), all, std::string("\\'\0", 3)}) {
		auto c = m_conn->open(query("SELECT " + dialect().quote_bytes(s)));
		ASSERT_TRUE(c->next());
		EXPECT_EQ(c->cell(0).kind, CellKind::bytes);
		EXPECT_EQ(text(c->cell(0)), s);
	}
}

TEST_F(MysqlLive, quoted_identifiers_with_backticks_work)
{
	const std::string name = mysql_live::unique_name("we`ird \"t\"");
	m_conn->execute("CREATE TABLE " + dialect().quote_identifier(name) + " (" +
	                dialect().quote_identifier("c`1") + " INT)");
	m_drops.push_back("DROP TABLE IF EXISTS " + dialect().quote_identifier(name));
	m_conn->execute("INSERT INTO " + dialect().quote_identifier(name) + " VALUES (5)");
	EXPECT_EQ(scalar("SELECT " + dialect().quote_identifier("c`1") + " FROM " +
	                 dialect().quote_identifier(name)),
	          "5");
}

TEST_F(MysqlLive, temporal_boolean_and_limit_spellings_run)
{
	EXPECT_EQ(scalar("SELECT " + dialect().timestamp_literal("2024-05-06 07:08:09.123456") +
	                 " = '2024-05-06 07:08:09.123456'"),
	          "1");
	EXPECT_EQ(scalar("SELECT " + dialect().date_literal("2024-02-29") + " = '2024-02-29'"), "1");
	EXPECT_EQ(scalar("SELECT " + dialect().boolean_literal(true) + " + " +
	                 dialect().boolean_literal(false)),
	          "1");
	EXPECT_EQ(scalar(dialect().limit_query("seq", "FROM seq_1_to_100 ORDER BY seq", 1, 41, true)),
	          "42");
	EXPECT_EQ(scalar(dialect().limit_query("seq", "FROM seq_1_to_100 ORDER BY seq", -1, 99, true)),
	          "100");
}

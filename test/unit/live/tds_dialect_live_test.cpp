/*
 * tds_dialect_live_test.cpp — the T-SQL literals and row limits of
 * tds_dialect.cpp, run on the harness's TDS test server: what the dialect
 * spells must mean what PostgreSQL meant.
 */
#include "test/unit/live/tds_live.hpp"

#include "fdw/tds/tds_dialect.hpp"

using tds_live::query;
using tds_live::TdsLive;
using tds_live::text;
using tributary::remote::CellKind;
using tributary::tds::dialect;

TEST_F(TdsLive, round_trips_quoted_strings)
{
	for (const std::string s : {"it's", "''", "a\\b", "Grüße 🐶 Łódź", "line\nnext", "", "--x",
	                            "/* c */", "@P1", "[x]", "N'x'"}) {
		auto c = m_conn->open(query("SELECT " + dialect().quote_string(s)));
		ASSERT_TRUE(c->next()) << s;
		EXPECT_EQ(c->cell(0).kind, CellKind::text) << s;
		EXPECT_EQ(text(c->cell(0)), s);
		EXPECT_FALSE(c->next());
	}
}

TEST_F(TdsLive, quotes_awkward_identifiers)
{
	const std::string name = tds_live::unique_name("we]ird [name]");
	const std::string column = "col]]umn 'x\"";
	m_conn->execute("CREATE TABLE " + dialect().quote_identifier(name) + " (" +
	                dialect().quote_identifier(column) + " int)");
	m_drops.push_back("DROP TABLE " + dialect().quote_identifier(name));
	m_conn->execute("INSERT INTO " + dialect().quote_identifier(name) + " VALUES (7)");
	auto c = m_conn->open(query("SELECT " + dialect().quote_identifier(column) + " FROM " +
	                            dialect().quote_identifier(name)));
	ASSERT_EQ(c->columns().size(), 1u);
	EXPECT_EQ(c->columns()[0].name, column);
	ASSERT_TRUE(c->next());
	EXPECT_EQ(c->cell(0).i, 7);
}

TEST_F(TdsLive, spells_bytes_booleans_dates_and_timestamps_the_server_reads_exactly)
{
	const std::string t =
	    table("literals", "(id int NOT NULL PRIMARY KEY, b bit, bin varbinary(8), "
	                      "d date, ts datetime2(7), dto datetimeoffset(7))");
	m_conn->execute("INSERT INTO [" + t +
	                "] VALUES (1, 1, 0x00FF10, '2024-05-06', '2024-05-06T07:08:09.1234560', "
	                "'2024-05-06T09:08:09.5000000+02:00'), "
	                "(2, 0, 0x, '0001-01-01', '0001-01-01T00:00:00', "
	                "'9999-12-31T23:59:59.9999999+00:00')");
	auto id_where = [&](const std::string &cond) {
		auto c = m_conn->open(query("SELECT id FROM [" + t + "] WHERE " + cond + " ORDER BY id"));
		std::string out;
		while (c->next()) {
			out += (out.empty() ? "" : ",") + std::to_string(c->cell(0).i);
		}
		return out;
	};
	EXPECT_EQ(id_where("b = " + dialect().boolean_literal(true)), "1");
	EXPECT_EQ(id_where("b = " + dialect().boolean_literal(false)), "2");
	EXPECT_EQ(id_where("bin = " + dialect().quote_bytes(std::string("\x00\xFF\x10", 3))), "1");
	EXPECT_EQ(id_where("bin = " + dialect().quote_bytes("")), "2");
	EXPECT_EQ(id_where("d = " + dialect().date_literal("2024-05-06")), "1");
	EXPECT_EQ(id_where("d = " + dialect().date_literal("0001-01-01")), "2");
	EXPECT_EQ(id_where("ts = " + dialect().timestamp_literal("2024-05-06 07:08:09.123456")), "1");
	EXPECT_EQ(id_where("ts > " + dialect().timestamp_literal("2024-05-06 07:08:09.123455")), "1");
	EXPECT_EQ(id_where("ts = " + dialect().timestamp_literal("0001-01-01 00:00:00")), "2");
	/* A UTC instant (PostgreSQL's timestamptz constants) against datetimeoffset. */
	EXPECT_EQ(id_where("dto = " + dialect().timestamp_literal("2024-05-06 07:08:09.5+00")), "1");
	EXPECT_EQ(id_where("dto = " + dialect().timestamp_literal("2024-05-06 07:08:09.5")), "1");
}

TEST_F(TdsLive, limits_rows_with_top_and_offset_fetch)
{
	const std::string t = table("limits", "(id int NOT NULL PRIMARY KEY)");
	insert_numbers(t, "i", 50);
	auto ids = [&](const std::string &sql) {
		auto c = m_conn->open(query(sql));
		std::string out;
		while (c->next()) {
			out += (out.empty() ? "" : ",") + std::to_string(c->cell(0).i);
		}
		return out;
	};
	const std::string from = "FROM [" + t + "]";
	EXPECT_EQ(ids(dialect().limit_query("id", from + " ORDER BY id DESC", 3, -1, true)),
	          "50,49,48");
	EXPECT_EQ(ids(dialect().limit_query("id", from + " ORDER BY id", 2, 10, true)), "11,12");
	EXPECT_EQ(ids(dialect().limit_query("id", from + " WHERE id > 45 ORDER BY id", -1, 2, true)),
	          "48,49,50");
	EXPECT_EQ(ids(dialect().limit_query(
	              "COUNT(*)", "FROM (" + dialect().limit_query("id", from, 5, 3, false) + ") s", -1,
	              -1, false)),
	          "5");
	EXPECT_EQ(ids(dialect().limit_query("id", from, 0, -1, false)), "");
}

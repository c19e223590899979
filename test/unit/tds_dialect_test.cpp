/*
 * tds_dialect_test.cpp — T-SQL identifier quoting, literal spelling and row
 * limits (no server). The live counterpart (live/tds_dialect_live_test.cpp)
 * runs the literals on the TDS test server.
 */
#include "fdw/tds/tds_dialect.hpp"

#include <gtest/gtest.h>

using tributary::remote::ErrorKind;
using tributary::remote::RemoteError;
using tributary::tds::dialect;

namespace {

template <typename F>
ErrorKind
error_kind(F f)
{
	try {
		f();
	} catch (const RemoteError &e) {
		return e.kind();
	}
	ADD_FAILURE() << "expected RemoteError";
	return ErrorKind::internal;
}

} // namespace

TEST(TdsDialect, quotes_plain_identifier_with_brackets)
{
	EXPECT_EQ(dialect().quote_identifier("listings"), "[listings]");
	EXPECT_EQ(dialect().quote_identifier(""), "[]");
}

TEST(TdsDialect, doubles_closing_bracket_inside_identifier)
{
	EXPECT_EQ(dialect().quote_identifier("a]b"), "[a]]b]");
	EXPECT_EQ(dialect().quote_identifier("]]"), "[]]]]]");
	/* An opening bracket needs no escape. */
	EXPECT_EQ(dialect().quote_identifier("[x"), "[[x]");
}

TEST(TdsDialect, keeps_quotes_spaces_and_unicode_in_identifier)
{
	EXPECT_EQ(dialect().quote_identifier("my \"col\" 'x'"), "[my \"col\" 'x']");
	EXPECT_EQ(dialect().quote_identifier("Größe"), "[Größe]");
}

TEST(TdsDialect, rejects_nul_in_identifier)
{
	EXPECT_EQ(error_kind([] { dialect().quote_identifier(std::string("a\0b", 3)); }),
	          ErrorKind::data);
}

TEST(TdsDialect, spells_strings_as_n_literals_with_doubled_quotes)
{
	EXPECT_EQ(dialect().quote_string("it's"), "N'it''s'");
	EXPECT_EQ(dialect().quote_string(""), "N''");
	EXPECT_EQ(dialect().quote_string("''"), "N''''''");
}

TEST(TdsDialect, keeps_backslashes_and_control_characters_verbatim)
{
	/* T-SQL has no backslash escapes: a backslash is just a character. */
	EXPECT_EQ(dialect().quote_string("a\\b"), "N'a\\b'");
	EXPECT_EQ(dialect().quote_string("a\\'b"), "N'a\\''b'");
	EXPECT_EQ(dialect().quote_string("line\nnext\ttab"), "N'line\nnext\ttab'");
}

TEST(TdsDialect, keeps_utf8_and_emoji_in_string)
{
	EXPECT_EQ(dialect().quote_string("Grüße 🐶 Łódź"), "N'Grüße 🐶 Łódź'");
}

TEST(TdsDialect, rejects_nul_in_string)
{
	EXPECT_EQ(error_kind([] { dialect().quote_string(std::string("a\0b", 3)); }), ErrorKind::data);
}

TEST(TdsDialect, spells_bytes_as_hex_constant)
{
	EXPECT_EQ(dialect().quote_bytes(std::string("\x00\x01\xAB\xff", 4)), "0x0001ABFF");
	EXPECT_EQ(dialect().quote_bytes(""), "0x");
}

TEST(TdsDialect, spells_booleans_as_one_and_zero)
{
	EXPECT_EQ(dialect().boolean_literal(true), "1");
	EXPECT_EQ(dialect().boolean_literal(false), "0");
}

TEST(TdsDialect, spells_timestamp_as_iso8601_convert_style_126)
{
	EXPECT_EQ(dialect().timestamp_literal("2024-05-06 07:08:09"),
	          "CONVERT(datetime2(7), '2024-05-06T07:08:09', 126)");
	EXPECT_EQ(dialect().timestamp_literal("2024-05-06 07:08:09.123456"),
	          "CONVERT(datetime2(7), '2024-05-06T07:08:09.123456', 126)");
	EXPECT_EQ(dialect().timestamp_literal("0001-01-01T00:00:00.1234567"),
	          "CONVERT(datetime2(7), '0001-01-01T00:00:00.1234567', 126)");
}

TEST(TdsDialect, spells_timestamp_with_offset_as_datetimeoffset)
{
	EXPECT_EQ(dialect().timestamp_literal("2024-05-06 07:08:09+00"),
	          "CONVERT(datetimeoffset(7), '2024-05-06T07:08:09+00:00', 127)");
	EXPECT_EQ(dialect().timestamp_literal("2024-05-06 07:08:09.5-05:30"),
	          "CONVERT(datetimeoffset(7), '2024-05-06T07:08:09.5-05:30', 127)");
}

TEST(TdsDialect, rejects_timestamps_sql_server_cannot_hold)
{
	EXPECT_EQ(error_kind([] { dialect().timestamp_literal("0000-01-01 00:00:00"); }),
	          ErrorKind::unsupported);
	EXPECT_EQ(error_kind([] { dialect().timestamp_literal("10000-01-01 00:00:00"); }),
	          ErrorKind::unsupported);
	EXPECT_EQ(error_kind([] { dialect().timestamp_literal("2024-05-06 07:08:09.12345678"); }),
	          ErrorKind::unsupported);
	EXPECT_EQ(error_kind([] { dialect().timestamp_literal("2024-05-06 07:08:09'; DROP"); }),
	          ErrorKind::unsupported);
	EXPECT_EQ(error_kind([] { dialect().timestamp_literal("May  6 2024  7:08AM"); }),
	          ErrorKind::unsupported);
}

TEST(TdsDialect, spells_date_as_convert_style_23)
{
	EXPECT_EQ(dialect().date_literal("2024-05-06"), "CONVERT(date, '2024-05-06', 23)");
	EXPECT_EQ(error_kind([] { dialect().date_literal("2024-5-6"); }), ErrorKind::unsupported);
	EXPECT_EQ(error_kind([] { dialect().date_literal("0000-12-31"); }), ErrorKind::unsupported);
}

TEST(TdsDialect, names_placeholders_at_p_n)
{
	EXPECT_EQ(dialect().placeholder(1), "@P1");
	EXPECT_EQ(dialect().placeholder(12), "@P12");
}

TEST(TdsDialect, uses_top_for_a_limit_without_offset)
{
	EXPECT_EQ(dialect().limit_query("[a], [b]", "FROM [dbo].[t] WHERE [a] > 1", 10, -1, false),
	          "SELECT TOP (10) [a], [b] FROM [dbo].[t] WHERE [a] > 1");
	EXPECT_EQ(dialect().limit_query("[a]", "FROM [t] ORDER BY [a] ASC", 5, 0, true),
	          "SELECT TOP (5) [a] FROM [t] ORDER BY [a] ASC");
	EXPECT_EQ(dialect().limit_query("[a]", "FROM [t]", 0, -1, false),
	          "SELECT TOP (0) [a] FROM [t]");
}

TEST(TdsDialect, leaves_query_alone_without_limit_or_offset)
{
	EXPECT_EQ(dialect().limit_query("[a]", "FROM [t]", -1, -1, false), "SELECT [a] FROM [t]");
	EXPECT_EQ(dialect().limit_query("1", "", -1, -1, false), "SELECT 1");
}

TEST(TdsDialect, uses_offset_fetch_with_the_query_order)
{
	EXPECT_EQ(dialect().limit_query("[a]", "FROM [t] ORDER BY [a] ASC", 10, 20, true),
	          "SELECT [a] FROM [t] ORDER BY [a] ASC OFFSET 20 ROWS FETCH NEXT 10 ROWS ONLY");
	EXPECT_EQ(dialect().limit_query("[a]", "FROM [t] ORDER BY [a] ASC", -1, 20, true),
	          "SELECT [a] FROM [t] ORDER BY [a] ASC OFFSET 20 ROWS");
}

TEST(TdsDialect, adds_order_by_select_null_when_offset_has_no_order)
{
	EXPECT_EQ(dialect().limit_query("[a]", "FROM [t]", 10, 20, false),
	          "SELECT [a] FROM [t] ORDER BY (SELECT NULL) OFFSET 20 ROWS FETCH NEXT 10 ROWS ONLY");
}

TEST(TdsDialect, counts_with_count_big)
{
	/* COUNT returns int: past 2^31 - 1 rows SQL Server fails with error 8115. */
	EXPECT_EQ(dialect().aggregate_name("count"), "COUNT_BIG");
	EXPECT_EQ(dialect().aggregate_name("min"), "min");
	EXPECT_EQ(dialect().aggregate_name("max"), "max");
}

TEST(TdsDialect, reads_sql_variant_columns_as_the_text_of_their_base_type)
{
	const std::string v = dialect().select_column("[v]", "sql_variant");
	EXPECT_EQ(v.rfind("CASE CAST(SQL_VARIANT_PROPERTY([v], 'BaseType') AS nvarchar(128))", 0), 0u)
	    << v;
	EXPECT_NE(v.find("WHEN 'float' THEN CONVERT(nvarchar(max), CAST([v] AS float), 3)"),
	          std::string::npos)
	    << v;
	EXPECT_NE(
	    v.find("WHEN 'varbinary' THEN CONVERT(nvarchar(max), CAST([v] AS varbinary(8000)), 1)"),
	    std::string::npos)
	    << v;
	EXPECT_NE(v.find("ELSE CAST([v] AS nvarchar(max)) END AS [v]"), std::string::npos) << v;
	EXPECT_EQ(dialect().select_column("[v]", " SQL_Variant "), v);
	EXPECT_EQ(dialect().select_column("[n]", "nvarchar(40)"), "[n]");
	EXPECT_EQ(dialect().select_column("[n]", ""), "[n]");
}

TEST(TdsDialect, keeps_conditions_on_sql_variant_columns_local)
{
	EXPECT_FALSE(dialect().comparable_column("sql_variant"));
	EXPECT_TRUE(dialect().comparable_column("nvarchar(40)"));
	EXPECT_TRUE(dialect().comparable_column(""));
}

/*
 * mysql_dialect_test.cpp — MySQL identifier quoting and literal spelling (no server).
 * The live counterpart (mysql_dialect_live_test.cpp) runs the literals on MariaDB.
 */
#include "fdw/mysql/mysql_dialect.hpp"

#include <gtest/gtest.h>

using tributary::mysql::dialect;
using tributary::remote::ErrorKind;
using tributary::remote::RemoteError;

TEST(MysqlDialect, quotes_plain_identifier_with_backticks)
{
	EXPECT_EQ(dialect().quote_identifier("listings"), "`listings`");
}

TEST(MysqlDialect, quotes_backtick_inside_identifier)
{
	EXPECT_EQ(dialect().quote_identifier("a`b"), "`a``b`");
	EXPECT_EQ(dialect().quote_identifier("``"), "``````");
}

TEST(MysqlDialect, keeps_double_quote_and_space_in_identifier)
{
	EXPECT_EQ(dialect().quote_identifier("my \"col\""), "`my \"col\"`");
}

TEST(MysqlDialect, rejects_nul_in_identifier)
{
	try {
		dialect().quote_identifier(std::string("a\0b", 3));
		FAIL() << "expected RemoteError";
	} catch (const RemoteError &e) {
		EXPECT_EQ(e.kind(), ErrorKind::data);
	}
}

TEST(MysqlDialect, doubles_single_quote_in_string)
{
	EXPECT_EQ(dialect().quote_string("it's"), "'it''s'");
	EXPECT_EQ(dialect().quote_string(""), "''");
}

TEST(MysqlDialect, keeps_utf8_and_emoji_in_plain_string)
{
	EXPECT_EQ(dialect().quote_string("Grüße 🐶"), "'Grüße 🐶'");
}

TEST(MysqlDialect, spells_backslash_string_as_utf8mb4_hex)
{
	/* A backslash means different things with and without NO_BACKSLASH_ESCAPES. */
	EXPECT_EQ(dialect().quote_string("a\\b"), "_utf8mb4 X'615C62'");
	EXPECT_EQ(dialect().quote_string("\\'"), "_utf8mb4 X'5C27'");
}

TEST(MysqlDialect, spells_nul_and_control_bytes_as_hex)
{
	EXPECT_EQ(dialect().quote_string(std::string("a\0b", 3)), "_utf8mb4 X'610062'");
	EXPECT_EQ(dialect().quote_string("line\nnext"), "_utf8mb4 X'6C696E650A6E657874'");
	EXPECT_EQ(dialect().quote_string("tab\t"), "_utf8mb4 X'74616209'");
}

TEST(MysqlDialect, spells_bytes_as_hex_literal)
{
	EXPECT_EQ(dialect().quote_bytes(std::string("\x00\xff\x10", 3)), "X'00FF10'");
	EXPECT_EQ(dialect().quote_bytes(""), "X''");
}

TEST(MysqlDialect, spells_booleans)
{
	EXPECT_EQ(dialect().boolean_literal(true), "TRUE");
	EXPECT_EQ(dialect().boolean_literal(false), "FALSE");
}

TEST(MysqlDialect, spells_timestamp_literal_with_microseconds)
{
	EXPECT_EQ(dialect().timestamp_literal("2024-05-06 07:08:09.123456"),
	          "TIMESTAMP'2024-05-06 07:08:09.123456'");
	EXPECT_EQ(dialect().timestamp_literal("2024-05-06T07:08:09"), "TIMESTAMP'2024-05-06 07:08:09'");
	EXPECT_EQ(dialect().timestamp_literal("2024-05-06"), "TIMESTAMP'2024-05-06 00:00:00'");
}

TEST(MysqlDialect, drops_only_zero_digits_below_microseconds)
{
	EXPECT_EQ(dialect().timestamp_literal("2024-05-06 07:08:09.123456000"),
	          "TIMESTAMP'2024-05-06 07:08:09.123456'");
	EXPECT_THROW(dialect().timestamp_literal("2024-05-06 07:08:09.1234567"), RemoteError);
}

TEST(MysqlDialect, rejects_timestamp_text_it_cannot_express)
{
	EXPECT_THROW(dialect().timestamp_literal("infinity"), RemoteError);
	EXPECT_THROW(dialect().timestamp_literal("2024-05-06 07:08:09+02"), RemoteError);
	EXPECT_THROW(dialect().timestamp_literal("2024-05-06 07:08:09'; DROP TABLE x; --"),
	             RemoteError);
}

TEST(MysqlDialect, spells_date_literal)
{
	EXPECT_EQ(dialect().date_literal("2024-02-29"), "DATE'2024-02-29'");
	EXPECT_THROW(dialect().date_literal("2024-02-29 00:00:00"), RemoteError);
	EXPECT_THROW(dialect().date_literal("-infinity"), RemoteError);
}

TEST(MysqlDialect, uses_question_mark_placeholders)
{
	EXPECT_EQ(dialect().placeholder(1), "?");
	EXPECT_EQ(dialect().placeholder(7), "?");
}

TEST(MysqlDialect, writes_limit_and_offset)
{
	EXPECT_EQ(dialect().limit_query("`id`", "FROM `t` ORDER BY `id`", 10, 20, true),
	          "SELECT `id` FROM `t` ORDER BY `id` LIMIT 10 OFFSET 20");
	EXPECT_EQ(dialect().limit_query("`id`", "FROM `t`", 5, -1, false),
	          "SELECT `id` FROM `t` LIMIT 5");
	EXPECT_EQ(dialect().limit_query("`id`", "FROM `t`", 0, 0, false),
	          "SELECT `id` FROM `t` LIMIT 0");
}

TEST(MysqlDialect, writes_offset_only_with_largest_limit)
{
	EXPECT_EQ(dialect().limit_query("*", "FROM `t`", -1, 100, false),
	          "SELECT * FROM `t` LIMIT 18446744073709551615 OFFSET 100");
}

TEST(MysqlDialect, leaves_query_unlimited_without_limit_or_offset)
{
	EXPECT_EQ(dialect().limit_query("count(*)", "FROM `t`", -1, -1, false),
	          "SELECT count(*) FROM `t`");
	EXPECT_EQ(dialect().limit_query("1", "", -1, 0, false), "SELECT 1");
}

TEST(MysqlDialect, sends_like_and_not_like_exactly_under_utf8mb4_bin)
{
	using tributary::remote::LikeKind;
	using tributary::remote::Support;
	EXPECT_EQ(dialect().like_support(LikeKind::like), Support::exact);
	EXPECT_EQ(dialect().like_support(LikeKind::not_like), Support::exact);
	EXPECT_EQ(dialect().like("`c`", "a%", LikeKind::like),
	          "(`c` LIKE 'a%' COLLATE utf8mb4_bin ESCAPE _utf8mb4 X'5C')");
	/* A backslash in the pattern: the hex form, read the same in every sql_mode. */
	EXPECT_EQ(dialect().like("`c`", "a\\%", LikeKind::not_like),
	          "(`c` NOT LIKE _utf8mb4 X'615C25' COLLATE utf8mb4_bin ESCAPE _utf8mb4 X'5C')");
}

TEST(MysqlDialect, sends_ilike_as_a_superset_and_never_not_ilike)
{
	using tributary::remote::LikeKind;
	using tributary::remote::Support;
	EXPECT_EQ(dialect().like_support(LikeKind::ilike), Support::superset);
	EXPECT_EQ(dialect().like_support(LikeKind::not_ilike), Support::none);
	EXPECT_EQ(dialect().like("`c`", "Ab%", LikeKind::ilike),
	          "(`c` LIKE 'Ab%' COLLATE utf8mb4_unicode_ci ESCAPE _utf8mb4 X'5C')");
	EXPECT_THROW(dialect().like("`c`", "a", LikeKind::not_ilike), RemoteError);
}

TEST(MysqlDialect, widens_non_ascii_ilike_characters_to_one_character_wildcards)
{
	using tributary::mysql::ilike_superset_pattern;
	EXPECT_EQ(ilike_superset_pattern("Zoë%"), "Zo_%");
	EXPECT_EQ(ilike_superset_pattern("🦊_\\%\\\\"), "__\\%\\\\");
	EXPECT_EQ(ilike_superset_pattern("\\é"), "_"); /* an escaped non-ASCII character */
	EXPECT_EQ(ilike_superset_pattern("\\a"), "\\a");
	EXPECT_EQ(ilike_superset_pattern(""), "");
}

TEST(MysqlDialect, samples_with_rand)
{
	EXPECT_EQ(dialect().sample_condition(0.25), "RAND() < 0.250000000");
	EXPECT_EQ(dialect().sample_condition(1.0), "");
	EXPECT_EQ(dialect().sample_condition(0.0), "");
}

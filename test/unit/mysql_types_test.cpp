/*
 * mysql_types_test.cpp — IMPORT FOREIGN SCHEMA type mapping and wire-value
 * decoding helpers of the MySQL driver (no server).
 */
#include "fdw/mysql/mysql_types.hpp"

#include <gtest/gtest.h>
#include <mysql.h>

#include <limits>

using tributary::mysql::ImportOptions;
using tributary::mysql::map_column;
using tributary::remote::Cell;
using tributary::remote::CellKind;
using tributary::remote::ImportedColumn;
using tributary::remote::RemoteColumn;
using tributary::remote::RemoteError;
using tributary::remote::Temporal;
namespace my = tributary::mysql;

namespace {

RemoteColumn
col(const std::string &type_name, const std::string &data_type, bool nullable = true)
{
	RemoteColumn c;
	c.name = "c";
	c.type_name = type_name;
	c.data_type = data_type;
	c.nullable = nullable;
	c.is_unsigned = type_name.find("unsigned") != std::string::npos;
	return c;
}

std::string
pg(const std::string &type_name, const std::string &data_type, ImportOptions o = {})
{
	const ImportedColumn m = map_column(col(type_name, data_type), o);
	EXPECT_EQ(m.error, "") << type_name;
	return m.pg_type;
}

} // namespace

TEST(MysqlTypes, maps_signed_integers)
{
	EXPECT_EQ(pg("tinyint(4)", "tinyint"), "smallint");
	EXPECT_EQ(pg("smallint(6)", "smallint"), "smallint");
	EXPECT_EQ(pg("mediumint(9)", "mediumint"), "integer");
	EXPECT_EQ(pg("int(11)", "int"), "integer");
	EXPECT_EQ(pg("bigint(20)", "bigint"), "bigint");
}

TEST(MysqlTypes, widens_unsigned_integers)
{
	EXPECT_EQ(pg("tinyint(3) unsigned", "tinyint"), "smallint");
	EXPECT_EQ(pg("smallint(5) unsigned", "smallint"), "integer");
	EXPECT_EQ(pg("mediumint(8) unsigned", "mediumint"), "integer");
	EXPECT_EQ(pg("int(10) unsigned", "int"), "bigint");
	EXPECT_EQ(pg("bigint(20) unsigned", "bigint"), "numeric(20,0)");
	EXPECT_EQ(pg("int unsigned zerofill", "int"), "bigint");
}

TEST(MysqlTypes, maps_tinyint1_to_boolean_unless_disabled)
{
	EXPECT_EQ(pg("tinyint(1)", "tinyint"), "boolean");
	ImportOptions o;
	o.tinyint1_as_boolean = false;
	EXPECT_EQ(pg("tinyint(1)", "tinyint", o), "smallint");
	EXPECT_EQ(pg("tinyint(10)", "tinyint"), "smallint");
}

TEST(MysqlTypes, maps_decimal_with_precision_and_scale)
{
	RemoteColumn c = col("decimal(10,2)", "decimal");
	c.precision = 10;
	c.scale = 2;
	EXPECT_EQ(map_column(c, {}).pg_type, "numeric(10,2)");
	EXPECT_EQ(pg("decimal(65,30) unsigned", "decimal"), "numeric(65,30)");
	EXPECT_EQ(pg("decimal(8,0)", "decimal"), "numeric(8,0)");
}

TEST(MysqlTypes, maps_floating_point)
{
	EXPECT_EQ(pg("float", "float"), "real");
	EXPECT_EQ(pg("float unsigned", "float"), "real");
	EXPECT_EQ(pg("double", "double"), "double precision");
	EXPECT_EQ(pg("double(10,3)", "double"), "double precision");
}

TEST(MysqlTypes, maps_bit1_to_boolean_and_wider_bits_to_varbit)
{
	EXPECT_EQ(pg("bit(1)", "bit"), "boolean");
	EXPECT_EQ(pg("bit(8)", "bit"), "bit varying(8)");
	EXPECT_EQ(pg("bit(64)", "bit"), "bit varying(64)");
}

TEST(MysqlTypes, maps_char_and_varchar_to_varchar_with_length)
{
	RemoteColumn c = col("varchar(255)", "varchar");
	c.max_length = 255;
	EXPECT_EQ(map_column(c, {}).pg_type, "character varying(255)");
	EXPECT_EQ(pg("char(3)", "char"), "character varying(3)");
	EXPECT_EQ(pg("char(0)", "char"), "character varying");
}

TEST(MysqlTypes, maps_text_family_to_text)
{
	for (const char *t : {"tinytext", "text", "mediumtext", "longtext"}) {
		EXPECT_EQ(pg(t, t), "text") << t;
	}
}

TEST(MysqlTypes, maps_binary_and_blob_family_to_bytea)
{
	EXPECT_EQ(pg("binary(16)", "binary"), "bytea");
	EXPECT_EQ(pg("varbinary(255)", "varbinary"), "bytea");
	for (const char *t : {"tinyblob", "blob", "mediumblob", "longblob"}) {
		EXPECT_EQ(pg(t, t), "bytea") << t;
	}
}

TEST(MysqlTypes, maps_temporal_types_with_fraction_digits)
{
	EXPECT_EQ(pg("date", "date"), "date");
	EXPECT_EQ(pg("datetime", "datetime"), "timestamp(0) without time zone");
	EXPECT_EQ(pg("datetime(6)", "datetime"), "timestamp(6) without time zone");
	RemoteColumn c = col("timestamp(3)", "timestamp");
	c.precision = 3;
	EXPECT_EQ(map_column(c, {}).pg_type, "timestamp(3) with time zone");
	EXPECT_EQ(pg("time", "time"), "interval");
	EXPECT_EQ(pg("time(6)", "time"), "interval");
	EXPECT_EQ(pg("year(4)", "year"), "smallint");
}

TEST(MysqlTypes, marks_date_columns_with_zero_date_policy)
{
	ImportOptions o;
	o.zero_dates = "error";
	const ImportedColumn m = map_column(col("datetime", "datetime", false), o);
	EXPECT_EQ(m.options.at("zero_dates"), "error");
	EXPECT_TRUE(m.not_null);
	EXPECT_EQ(map_column(col("time", "time"), o).options.count("zero_dates"), 0u);
}

TEST(MysqlTypes, drops_not_null_where_zero_dates_become_null)
{
	const ImportedColumn m = map_column(col("date", "date", false), {});
	EXPECT_EQ(m.options.at("zero_dates"), "null");
	EXPECT_FALSE(m.not_null);
}

TEST(MysqlTypes, imports_not_null_only_when_asked)
{
	EXPECT_TRUE(map_column(col("int(11)", "int", false), {}).not_null);
	EXPECT_FALSE(map_column(col("int(11)", "int", true), {}).not_null);
	ImportOptions o;
	o.import_not_null = false;
	EXPECT_FALSE(map_column(col("int(11)", "int", false), o).not_null);
}

TEST(MysqlTypes, maps_enum_to_text_with_check_of_quoted_values)
{
	RemoteColumn c = col("enum('active','it''s','a\\\\b')", "enum");
	c.name = "Status";
	const ImportedColumn m = map_column(c, {});
	EXPECT_EQ(m.pg_type, "text");
	EXPECT_EQ(m.check, "\"Status\" IN ('active','it''s',E'a\\\\b')");
	ImportOptions o;
	o.enum_as_check = false;
	EXPECT_EQ(map_column(c, o).check, "");
}

TEST(MysqlTypes, maps_set_to_text_array_with_containment_check)
{
	const ImportedColumn m = map_column(col("set('red','green')", "set"), {});
	EXPECT_EQ(m.pg_type, "text[]");
	EXPECT_EQ(m.check, "\"c\" <@ ARRAY['red','green']::text[]");
}

TEST(MysqlTypes, maps_json_geometry_and_mariadb_types)
{
	EXPECT_EQ(pg("json", "json"), "jsonb");
	EXPECT_EQ(pg("longtext", "longtext"), "text");
	for (const char *t : {"geometry", "point", "linestring", "polygon", "multipoint",
	                      "multilinestring", "multipolygon", "geometrycollection"}) {
		EXPECT_EQ(pg(t, t), "bytea") << t;
	}
	EXPECT_EQ(pg("uuid", "uuid"), "uuid");
	EXPECT_EQ(pg("inet6", "inet6"), "inet");
}

TEST(MysqlTypes, reports_unknown_type_instead_of_skipping_it)
{
	const ImportedColumn m = map_column(col("vector(3)", "vector"), {});
	EXPECT_NE(m.error, "");
	EXPECT_NE(m.error.find("vector(3)"), std::string::npos);
}

TEST(MysqlTypes, keeps_full_remote_type_as_column_option)
{
	const ImportedColumn m = map_column(col("int(10) unsigned", "int"), {});
	EXPECT_EQ(m.options.at("mysql_type"), "int(10) unsigned");
}

TEST(MysqlTypes, parses_enum_values_with_escapes)
{
	const auto v = my::parse_enum_values("enum('x''y','b\\\\c','d\"e','')");
	ASSERT_EQ(v.size(), 4u);
	EXPECT_EQ(v[0], "x'y");
	EXPECT_EQ(v[1], "b\\c");
	EXPECT_EQ(v[2], "d\"e");
	EXPECT_EQ(v[3], "");
	EXPECT_TRUE(my::parse_enum_values("enum('unterminated)").empty());
}

TEST(MysqlTypes, parses_import_options)
{
	const auto o = my::parse_import_options(
	    {{"import_not_null", "false"}, {"zero_dates", "ERROR"}, {"enum_as_check", "off"}});
	EXPECT_FALSE(o.import_not_null);
	EXPECT_EQ(o.zero_dates, "error");
	EXPECT_FALSE(o.enum_as_check);
	EXPECT_TRUE(o.tinyint1_as_boolean);
	EXPECT_THROW(my::parse_import_options({{"zero_dates", "zero"}}), RemoteError);
	EXPECT_THROW(my::parse_import_options({{"import_not_null", "maybe"}}), RemoteError);
}

TEST(MysqlDecode, parses_integers_at_their_limits)
{
	std::int64_t i = 0;
	std::uint64_t u = 0;
	EXPECT_TRUE(my::parse_int64("-9223372036854775808", 20, i));
	EXPECT_EQ(i, std::numeric_limits<std::int64_t>::min());
	EXPECT_TRUE(my::parse_uint64("18446744073709551615", 20, u));
	EXPECT_EQ(u, std::numeric_limits<std::uint64_t>::max());
	EXPECT_FALSE(my::parse_int64("12x", 3, i));
	EXPECT_FALSE(my::parse_int64("", 0, i));
	EXPECT_FALSE(my::parse_uint64("18446744073709551616", 20, u));
}

TEST(MysqlDecode, parses_doubles_exactly)
{
	double d = 0;
	EXPECT_TRUE(my::parse_double("0.30000000000000004", 19, d));
	EXPECT_EQ(d, 0.1 + 0.2);
	EXPECT_TRUE(my::parse_double("-1e300", 6, d));
	EXPECT_EQ(d, -1e300);
}

TEST(MysqlDecode, parses_datetime_with_microseconds)
{
	Temporal t;
	const char *s = "2024-05-06 07:08:09.123456";
	ASSERT_TRUE(my::parse_datetime(s, 26, t));
	EXPECT_EQ(t.year, 2024);
	EXPECT_EQ(t.month, 5);
	EXPECT_EQ(t.day, 6);
	EXPECT_EQ(t.hour, 7);
	EXPECT_EQ(t.minute, 8);
	EXPECT_EQ(t.second, 9);
	EXPECT_EQ(t.microsecond, 123456u);
	ASSERT_TRUE(my::parse_datetime("2024-05-06 07:08:09.5", 21, t));
	EXPECT_EQ(t.microsecond, 500000u);
}

TEST(MysqlDecode, passes_zero_dates_through_as_zeros)
{
	Temporal t;
	ASSERT_TRUE(my::parse_datetime("0000-00-00 00:00:00", 19, t));
	EXPECT_EQ(t.year, 0);
	EXPECT_EQ(t.month, 0);
	EXPECT_EQ(t.day, 0);
	ASSERT_TRUE(my::parse_date("2024-00-15", 10, t));
	EXPECT_EQ(t.month, 0);
	EXPECT_EQ(t.day, 15);
}

TEST(MysqlDecode, parses_time_beyond_24_hours_and_negative)
{
	Temporal t;
	bool negative = false;
	ASSERT_TRUE(my::parse_time("838:59:59", 9, t, negative));
	EXPECT_FALSE(negative);
	EXPECT_EQ(t.hour, 838);
	ASSERT_TRUE(my::parse_time("-01:02:03.000004", 16, t, negative));
	EXPECT_TRUE(negative);
	EXPECT_EQ(t.hour, 1);
	EXPECT_EQ(t.second, 3);
	EXPECT_EQ(t.microsecond, 4u);
	EXPECT_FALSE(my::parse_time("12:3:00", 7, t, negative));
}

TEST(MysqlDecode, rejects_malformed_temporals)
{
	Temporal t;
	EXPECT_FALSE(my::parse_date("2024-5-06", 9, t));
	EXPECT_FALSE(my::parse_datetime("2024-05-06", 10, t));
	EXPECT_FALSE(my::parse_datetime("2024-05-06 07:08:09,1", 21, t));
}

TEST(MysqlDecode, decodes_bit_values_big_endian)
{
	const unsigned char one[] = {0x01};
	const unsigned char wide[] = {0x80, 0, 0, 0, 0, 0, 0, 0x01};
	EXPECT_EQ(my::decode_bit(one, 1), 1u);
	EXPECT_EQ(my::decode_bit(wide, 8), 0x8000000000000001ULL);
}

TEST(MysqlDecode, strips_srid_prefix_from_geometry)
{
	const char g[] = "\x00\x00\x00\x00\x01\x01\x00\x00\x00";
	const char *p = g;
	std::size_t n = 9;
	ASSERT_TRUE(my::strip_geometry_srid(p, n));
	EXPECT_EQ(n, 5u);
	EXPECT_EQ(p[0], '\x01');
	n = 3;
	EXPECT_FALSE(my::strip_geometry_srid(p, n));
}

TEST(MysqlDecode, converts_mysql_time_including_long_negative_time)
{
	MYSQL_TIME m{};
	m.time_type = MYSQL_TIMESTAMP_TIME;
	m.hour = 838;
	m.minute = 59;
	m.second = 59;
	m.neg = 1;
	bool negative = false;
	const Temporal t = my::from_mysql_time(m, negative);
	EXPECT_TRUE(negative);
	EXPECT_EQ(t.hour, 838);
	EXPECT_EQ(t.second, 59);
}

TEST(MysqlDecode, shifts_timestamptz_parameters_to_utc)
{
	Cell c;
	c.kind = CellKind::timestamptz;
	c.t.year = 2024;
	c.t.month = 3;
	c.t.day = 1;
	c.t.hour = 1;
	c.t.minute = 30;
	c.t.offset_minutes = 120; /* 01:30+02 = 23:30 UTC on Feb 29 (leap year) */
	MYSQL_TIME m{};
	my::to_mysql_time(c, m);
	EXPECT_EQ(m.year, 2024u);
	EXPECT_EQ(m.month, 2u);
	EXPECT_EQ(m.day, 29u);
	EXPECT_EQ(m.hour, 23u);
	EXPECT_EQ(m.minute, 30u);
	EXPECT_EQ(m.time_type, MYSQL_TIMESTAMP_DATETIME);
}

TEST(MysqlDecode, shifts_negative_offsets_across_year_end)
{
	Temporal t;
	t.year = 2023;
	t.month = 12;
	t.day = 31;
	t.hour = 22;
	t.offset_minutes = -150; /* 22:00-02:30 = 00:30 UTC next day */
	const Temporal u = my::to_utc(t);
	EXPECT_EQ(u.year, 2024);
	EXPECT_EQ(u.month, 1);
	EXPECT_EQ(u.day, 1);
	EXPECT_EQ(u.hour, 0);
	EXPECT_EQ(u.minute, 30);
	EXPECT_EQ(u.offset_minutes, 0);
}

TEST(MysqlDecode, chooses_decoders_from_field_metadata)
{
	EXPECT_EQ(my::decoder_for(MYSQL_TYPE_LONGLONG, UNSIGNED_FLAG, 63, "c"),
	          my::Decoder::int_unsigned);
	EXPECT_EQ(my::decoder_for(MYSQL_TYPE_LONG, UNSIGNED_FLAG, 63, "c"), my::Decoder::int_signed);
	EXPECT_EQ(my::decoder_for(MYSQL_TYPE_BLOB, 0, 63, "c"), my::Decoder::bytes);
	EXPECT_EQ(my::decoder_for(MYSQL_TYPE_BLOB, 0, 45, "c"), my::Decoder::text);
	EXPECT_EQ(my::decoder_for(MYSQL_TYPE_JSON, 0, 63, "c"), my::Decoder::text);
	EXPECT_EQ(my::decoder_for(MYSQL_TYPE_TIMESTAMP, 0, 63, "c"), my::Decoder::timestamp);
	EXPECT_EQ(my::decoder_for(MYSQL_TYPE_GEOMETRY, 0, 63, "c"), my::Decoder::geometry);
}

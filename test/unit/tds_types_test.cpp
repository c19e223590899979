/*
 * tds_types_test.cpp — decoding of db-lib's binary values (built here byte for
 * byte in FreeTDS's layouts: DBDATETIMEALL, DBNUMERIC, DBMONEY, TDS_UNIQUE …)
 * and the IMPORT FOREIGN SCHEMA type mapping (no server).
 */
#include "fdw/tds/tds_types.hpp"

#include <sybdb.h>

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

namespace remote = tributary::remote;
namespace tds = tributary::tds;
using remote::Cell;
using remote::CellKind;
using remote::ErrorKind;
using remote::RemoteError;
using tds::Decoder;
using tds::DecodeStatus;

namespace {

constexpr std::int64_t day_zero_1900 = -25567;

std::int32_t
days1900(int y, unsigned m, unsigned d)
{
	return static_cast<std::int32_t>(tds::days_from_civil(y, m, d) - day_zero_1900);
}

template <typename T>
std::vector<unsigned char>
bytes_of(const T &v)
{
	std::vector<unsigned char> out(sizeof v);
	std::memcpy(out.data(), &v, sizeof v);
	return out;
}

/* A decoded value with the storage its cell may point into (bytes and scratch). */
struct Decoded {
	Decoded(Decoder d, std::vector<unsigned char> b) : bytes(std::move(b))
	{
		status = tds::decode_value(d, bytes.data(), bytes.size(), cell, scratch);
	}
	Decoded(const Decoded &) = delete;
	Decoded &operator=(const Decoded &) = delete;

	std::vector<unsigned char> bytes;
	std::string scratch;
	Cell cell;
	DecodeStatus status;
};

Decoded
decode(Decoder d, std::vector<unsigned char> bytes)
{
	return Decoded(d, std::move(bytes));
}

/* The text of a decoded decimal/text value. */
std::string
decoded_text(Decoder d, std::vector<unsigned char> bytes)
{
	const Decoded out(d, std::move(bytes));
	EXPECT_EQ(out.status, DecodeStatus::ok);
	return std::string(out.cell.data, out.cell.size);
}

std::string
text(const Cell &c)
{
	return std::string(c.data, c.size);
}

DBDATETIMEALL
datetimeall(std::uint64_t time, std::int32_t date, std::int16_t offset = 0)
{
	DBDATETIMEALL v;
	std::memset(&v, 0, sizeof v);
	v.time = time;
	v.date = date;
	v.offset = offset;
	v.time_prec = 7;
	v.has_time = 1;
	v.has_date = 1;
	v.has_offset = offset != 0;
	return v;
}

std::uint64_t
ticks(unsigned h, unsigned m, unsigned s, std::uint64_t frac_100ns)
{
	return ((static_cast<std::uint64_t>(h) * 60 + m) * 60 + s) * 10000000ULL + frac_100ns;
}

/* A DBNUMERIC as FreeTDS keeps it: sign byte (1 = negative), big-endian magnitude. */
DBNUMERIC
numeric(unsigned char precision, unsigned char scale, bool negative, const std::string &digits)
{
	static const unsigned char bytes_per_prec[] = {
	    1,  2,  2,  3,  3,  4,  4,  4,  5,  5,  6,  6,  6,  7,  7,  8,  8,  9,  9, 9,
	    10, 10, 11, 11, 11, 12, 12, 13, 13, 14, 14, 14, 15, 15, 16, 16, 16, 17, 17};
	DBNUMERIC n;
	std::memset(&n, 0, sizeof n);
	n.precision = precision;
	n.scale = scale;
	n.array[0] = negative ? 1 : 0;
	const int len = bytes_per_prec[precision] - 1;
	for (const char ch : digits) {
		unsigned carry = static_cast<unsigned>(ch - '0');
		for (int k = len; k >= 1; k--) {
			const unsigned v = n.array[k] * 10U + carry;
			n.array[k] = static_cast<unsigned char>(v & 0xFF);
			carry = v >> 8;
		}
	}
	return n;
}

remote::RemoteColumn
column(const std::string &data_type, const std::string &type_name, long max_length = -1,
       int precision = -1, int scale = -1, bool nullable = true)
{
	remote::RemoteColumn c;
	c.name = "c";
	c.data_type = data_type;
	c.type_name = type_name;
	c.max_length = max_length;
	c.precision = precision;
	c.scale = scale;
	c.nullable = nullable;
	return c;
}

std::string
pg_type(const remote::RemoteColumn &c)
{
	const auto m = tds::map_column(c, tds::ImportOptions{});
	EXPECT_EQ(m.error, "") << c.type_name;
	return m.pg_type;
}

} // namespace

/* ---------- temporal ---------- */

TEST(TdsTypes, decodes_datetime2_with_seven_fraction_digits)
{
	const auto d = decode(Decoder::datetime2,
	                      bytes_of(datetimeall(ticks(7, 8, 9, 1234567), days1900(2024, 5, 6))));
	ASSERT_EQ(d.status, DecodeStatus::ok);
	EXPECT_EQ(d.cell.kind, CellKind::timestamp);
	EXPECT_EQ(d.cell.t.year, 2024);
	EXPECT_EQ(d.cell.t.month, 5);
	EXPECT_EQ(d.cell.t.day, 6);
	EXPECT_EQ(d.cell.t.hour, 7);
	EXPECT_EQ(d.cell.t.minute, 8);
	EXPECT_EQ(d.cell.t.second, 9);
	EXPECT_EQ(d.cell.t.microsecond, 123456u);
	EXPECT_EQ(d.cell.t.dropped_digits, 1); /* the 7th digit, 7, does not fit microseconds */
}

TEST(TdsTypes, reports_no_dropped_digit_when_the_seventh_is_zero)
{
	const auto d =
	    decode(Decoder::datetime2,
	           bytes_of(datetimeall(ticks(23, 59, 59, 9999990), days1900(9999, 12, 31))));
	ASSERT_EQ(d.status, DecodeStatus::ok);
	EXPECT_EQ(d.cell.t.year, 9999);
	EXPECT_EQ(d.cell.t.microsecond, 999999u);
	EXPECT_EQ(d.cell.t.dropped_digits, 0);
}

TEST(TdsTypes, decodes_year_one_and_day_before_1900)
{
	auto d = decode(Decoder::date, bytes_of(datetimeall(0, days1900(1, 1, 1))));
	ASSERT_EQ(d.status, DecodeStatus::ok);
	EXPECT_EQ(d.cell.kind, CellKind::date);
	EXPECT_EQ(d.cell.t.year, 1);
	EXPECT_EQ(d.cell.t.month, 1);
	EXPECT_EQ(d.cell.t.day, 1);
	EXPECT_EQ(days1900(1, 1, 1), -693595); /* FreeTDS: wire days − 693595 */
	const auto before = decode(Decoder::date, bytes_of(datetimeall(0, -1)));
	EXPECT_EQ(before.cell.t.year, 1899);
	EXPECT_EQ(before.cell.t.month, 12);
	EXPECT_EQ(before.cell.t.day, 31);
	const auto leap = decode(Decoder::date, bytes_of(datetimeall(0, days1900(2000, 2, 29))));
	EXPECT_EQ(leap.cell.t.month, 2);
	EXPECT_EQ(leap.cell.t.day, 29);
}

TEST(TdsTypes, decodes_time_with_100ns_precision)
{
	const auto d = decode(Decoder::time, bytes_of(datetimeall(ticks(13, 14, 15, 1), 0)));
	ASSERT_EQ(d.status, DecodeStatus::ok);
	EXPECT_EQ(d.cell.kind, CellKind::time);
	EXPECT_EQ(d.cell.t.hour, 13);
	EXPECT_EQ(d.cell.t.minute, 14);
	EXPECT_EQ(d.cell.t.second, 15);
	EXPECT_EQ(d.cell.t.microsecond, 0u);
	EXPECT_EQ(d.cell.t.dropped_digits, 1);
	EXPECT_EQ(d.cell.t.year, 0);
}

TEST(TdsTypes, decodes_datetimeoffset_as_local_time_at_its_offset)
{
	/* On the wire: 2024-05-06 05:08:09.5 UTC with offset +02:00 → local 07:08:09.5. */
	const auto d =
	    decode(Decoder::datetimeoffset,
	           bytes_of(datetimeall(ticks(5, 8, 9, 5000000), days1900(2024, 5, 6), 120)));
	ASSERT_EQ(d.status, DecodeStatus::ok);
	EXPECT_EQ(d.cell.kind, CellKind::timestamptz);
	EXPECT_EQ(d.cell.t.year, 2024);
	EXPECT_EQ(d.cell.t.day, 6);
	EXPECT_EQ(d.cell.t.hour, 7);
	EXPECT_EQ(d.cell.t.minute, 8);
	EXPECT_EQ(d.cell.t.microsecond, 500000u);
	EXPECT_EQ(d.cell.t.offset_minutes, 120);
}

TEST(TdsTypes, moves_datetimeoffset_across_midnight_and_year_end)
{
	/* 2024-01-01 01:00 UTC at -05:00 is 2023-12-31 20:00 local. */
	auto d = decode(Decoder::datetimeoffset,
	                bytes_of(datetimeall(ticks(1, 0, 0, 0), days1900(2024, 1, 1), -300)));
	ASSERT_EQ(d.status, DecodeStatus::ok);
	EXPECT_EQ(d.cell.t.year, 2023);
	EXPECT_EQ(d.cell.t.month, 12);
	EXPECT_EQ(d.cell.t.day, 31);
	EXPECT_EQ(d.cell.t.hour, 20);
	EXPECT_EQ(d.cell.t.offset_minutes, -300);
	/* 2023-12-31 23:30 UTC at +14:00 is 2024-01-01 13:30 local. */
	const auto east =
	    decode(Decoder::datetimeoffset,
	           bytes_of(datetimeall(ticks(23, 30, 0, 0), days1900(2023, 12, 31), 840)));
	EXPECT_EQ(east.cell.t.year, 2024);
	EXPECT_EQ(east.cell.t.day, 1);
	EXPECT_EQ(east.cell.t.hour, 13);
	EXPECT_EQ(east.cell.t.minute, 30);
}

TEST(TdsTypes, rejects_time_beyond_one_day_and_short_values)
{
	EXPECT_EQ(
	    decode(Decoder::datetime2, bytes_of(datetimeall(0, days1900(9999, 12, 31) + 1))).status,
	    DecodeStatus::out_of_range);
	EXPECT_EQ(decode(Decoder::datetimeoffset, bytes_of(datetimeall(0, -693596, 60))).status,
	          DecodeStatus::out_of_range);
	EXPECT_EQ(decode(Decoder::datetime2, bytes_of(datetimeall(864000000000ULL, 0))).status,
	          DecodeStatus::out_of_range);
	EXPECT_EQ(decode(Decoder::datetime2, {1, 2, 3}).status, DecodeStatus::bad_length);
}

TEST(TdsTypes, rounds_datetime_ticks_as_sql_server_shows_them)
{
	DBDATETIME v;
	v.dtdays = days1900(2024, 5, 6);
	const std::uint32_t base = (7 * 3600 + 8 * 60 + 9) * 300;
	const std::pair<std::uint32_t, std::uint32_t> cases[] = {
	    {0, 0}, {1, 3000}, {2, 7000}, {3, 10000}, {150, 500000}, {299, 997000}};
	for (const auto &[tick, micro] : cases) {
		v.dttime = static_cast<DBINT>(base + tick);
		const auto d = decode(Decoder::datetime, bytes_of(v));
		ASSERT_EQ(d.status, DecodeStatus::ok);
		EXPECT_EQ(d.cell.kind, CellKind::timestamp);
		EXPECT_EQ(d.cell.t.second, 9);
		EXPECT_EQ(d.cell.t.microsecond, micro) << "tick " << tick;
	}
}

TEST(TdsTypes, decodes_datetime_before_1900)
{
	DBDATETIME v;
	v.dtdays = days1900(1753, 1, 1);
	v.dttime = 0;
	const auto d = decode(Decoder::datetime, bytes_of(v));
	ASSERT_EQ(d.status, DecodeStatus::ok);
	EXPECT_EQ(d.cell.t.year, 1753);
	EXPECT_EQ(d.cell.t.month, 1);
	EXPECT_EQ(d.cell.t.day, 1);
	EXPECT_EQ(v.dtdays, -53690);
}

TEST(TdsTypes, decodes_smalldatetime)
{
	DBDATETIME4 v;
	v.days = static_cast<DBUSMALLINT>(days1900(2079, 6, 6));
	v.minutes = 23 * 60 + 59;
	const auto d = decode(Decoder::datetime4, bytes_of(v));
	ASSERT_EQ(d.status, DecodeStatus::ok);
	EXPECT_EQ(d.cell.t.year, 2079);
	EXPECT_EQ(d.cell.t.month, 6);
	EXPECT_EQ(d.cell.t.day, 6);
	EXPECT_EQ(d.cell.t.hour, 23);
	EXPECT_EQ(d.cell.t.minute, 59);
	EXPECT_EQ(d.cell.t.second, 0);
}

/* ---------- numeric, money ---------- */

TEST(TdsTypes, decodes_decimal_38_exactly)
{
	const std::string digits = "12345678901234567890123456789012345678";
	EXPECT_EQ(decoded_text(Decoder::numeric, bytes_of(numeric(38, 10, false, digits))),
	          "1234567890123456789012345678.9012345678");
	EXPECT_EQ(
	    decoded_text(Decoder::numeric,
	                 bytes_of(numeric(38, 0, true, "99999999999999999999999999999999999999"))),
	    "-99999999999999999999999999999999999999");
	EXPECT_EQ(decoded_text(Decoder::numeric, bytes_of(numeric(38, 38, false, "1"))),
	          "0.00000000000000000000000000000000000001");
}

TEST(TdsTypes, decodes_small_decimals_with_sign_and_scale)
{
	EXPECT_EQ(decoded_text(Decoder::numeric, bytes_of(numeric(5, 2, true, "12345"))), "-123.45");
	EXPECT_EQ(decoded_text(Decoder::numeric, bytes_of(numeric(10, 4, false, "5"))), "0.0005");
	EXPECT_EQ(decoded_text(Decoder::numeric, bytes_of(numeric(18, 0, false, "0"))), "0");
	/* Negative zero prints without a sign. */
	EXPECT_EQ(decoded_text(Decoder::numeric, bytes_of(numeric(9, 3, true, "0"))), "0.000");
	EXPECT_EQ(
	    decoded_text(Decoder::numeric, bytes_of(numeric(19, 0, false, "9223372036854775808"))),
	    "9223372036854775808");
}

TEST(TdsTypes, decodes_money_from_high_and_low_words)
{
	DBMONEY m;
	const std::int64_t min = INT64_MIN;
	m.mnyhigh = static_cast<DBINT>(min >> 32);
	m.mnylow = static_cast<DBUINT>(min & 0xFFFFFFFF);
	EXPECT_EQ(decoded_text(Decoder::money, bytes_of(m)), "-922337203685477.5808");
	const std::int64_t v = 12345; /* 1.2345 */
	m.mnyhigh = static_cast<DBINT>(v >> 32);
	m.mnylow = static_cast<DBUINT>(v & 0xFFFFFFFF);
	EXPECT_EQ(decoded_text(Decoder::money, bytes_of(m)), "1.2345");
	const std::int64_t big = 5000000000LL * 10000 + 1; /* needs the high word */
	m.mnyhigh = static_cast<DBINT>(big >> 32);
	m.mnylow = static_cast<DBUINT>(big & 0xFFFFFFFF);
	EXPECT_EQ(decoded_text(Decoder::money, bytes_of(m)), "5000000000.0001");
}

TEST(TdsTypes, decodes_smallmoney)
{
	DBMONEY4 m;
	m.mny4 = INT32_MIN;
	EXPECT_EQ(decoded_text(Decoder::money4, bytes_of(m)), "-214748.3648");
	m.mny4 = -1;
	EXPECT_EQ(decoded_text(Decoder::money4, bytes_of(m)), "-0.0001");
}

/* ---------- integers, floats, bit ---------- */

TEST(TdsTypes, decodes_integers_bit_and_floats)
{
	EXPECT_EQ(decode(Decoder::int1, {255}).cell.i, 255);
	EXPECT_EQ(decode(Decoder::int2, bytes_of(static_cast<std::int16_t>(-32768))).cell.i, -32768);
	EXPECT_EQ(decode(Decoder::int4, bytes_of(static_cast<std::int32_t>(INT32_MIN))).cell.i,
	          INT32_MIN);
	EXPECT_EQ(decode(Decoder::int8, bytes_of(static_cast<std::int64_t>(INT64_MAX))).cell.i,
	          INT64_MAX);
	const auto b = decode(Decoder::bit, {1});
	EXPECT_EQ(b.cell.kind, CellKind::boolean);
	EXPECT_EQ(b.cell.i, 1);
	EXPECT_EQ(decode(Decoder::bit, {0}).cell.i, 0);
	EXPECT_EQ(decode(Decoder::real, bytes_of(1.5f)).cell.f, 1.5);
	EXPECT_EQ(decode(Decoder::float8, bytes_of(-2.25)).cell.f, -2.25);
	EXPECT_EQ(decode(Decoder::int8, {1, 2}).status, DecodeStatus::bad_length);
}

/* ---------- uniqueidentifier ---------- */

TEST(TdsTypes, decodes_uniqueidentifier_in_rfc4122_byte_order)
{
	/* 6F9619FF-8B86-D011-B42D-00C04FC964FF as FreeTDS's TDS_UNIQUE (Data1..3 in host order). */
	struct {
		std::uint32_t d1;
		std::uint16_t d2;
		std::uint16_t d3;
		unsigned char d4[8];
	} u = {0x6F9619FFu, 0x8B86, 0xD011, {0xB4, 0x2D, 0x00, 0xC0, 0x4F, 0xC9, 0x64, 0xFF}};
	static_assert(sizeof u == 16, "TDS_UNIQUE is 16 bytes");
	const auto d = decode(Decoder::guid, bytes_of(u));
	ASSERT_EQ(d.status, DecodeStatus::ok);
	EXPECT_EQ(d.cell.kind, CellKind::uuid);
	const unsigned char expected[16] = {0x6F, 0x96, 0x19, 0xFF, 0x8B, 0x86, 0xD0, 0x11,
	                                    0xB4, 0x2D, 0x00, 0xC0, 0x4F, 0xC9, 0x64, 0xFF};
	ASSERT_EQ(d.cell.size, 16u);
	EXPECT_EQ(std::memcmp(d.cell.data, expected, 16), 0);
}

TEST(TdsTypes, reads_uniqueidentifier_wire_bytes_mixed_endian_on_this_host)
{
	/* The wire (and, on a little-endian host, FreeTDS's memory) holds FF 19 96 6F 86 8B 11 D0 … */
	const std::vector<unsigned char> wire = {0xFF, 0x19, 0x96, 0x6F, 0x86, 0x8B, 0x11, 0xD0,
	                                         0xB4, 0x2D, 0x00, 0xC0, 0x4F, 0xC9, 0x64, 0xFF};
	std::uint32_t probe = 1;
	unsigned char first;
	std::memcpy(&first, &probe, 1);
	if (first != 1) {
		GTEST_SKIP() << "big-endian host: FreeTDS swaps the fields itself";
	}
	const auto d = decode(Decoder::guid, wire);
	EXPECT_EQ(std::string(d.cell.data, 4), std::string("\x6F\x96\x19\xFF", 4));
	EXPECT_EQ(std::string(d.cell.data + 4, 4), std::string("\x8B\x86\xD0\x11", 4));
}

/* ---------- text ---------- */

TEST(TdsTypes, accepts_valid_utf8_text_and_emoji)
{
	const std::string s = "Zoë 🐶 Łódź ｶﾀｶﾅ";
	const std::vector<unsigned char> b(s.begin(), s.end());
	const auto d = decode(Decoder::text, b);
	ASSERT_EQ(d.status, DecodeStatus::ok);
	EXPECT_EQ(d.cell.kind, CellKind::text);
	EXPECT_EQ(text(d.cell), s);
	EXPECT_EQ(decode(Decoder::text, {}).status, DecodeStatus::ok);
}

TEST(TdsTypes, rejects_invalid_utf8)
{
	const std::vector<std::string> bad = {"\xC0\x80",         /* overlong NUL */
	                                      "\xED\xA0\x80",     /* UTF-16 surrogate */
	                                      "\xF4\x90\x80\x80", /* above U+10FFFF */
	                                      "\xF5\x80\x80\x80",
	                                      "abc\xE2\x82", /* cut short */
	                                      "\x80",
	                                      std::string("0123456789abcdef\xFF", 17)};
	for (const auto &s : bad) {
		EXPECT_FALSE(tds::valid_utf8(s.data(), s.size())) << s;
		const std::vector<unsigned char> b(s.begin(), s.end());
		EXPECT_EQ(decode(Decoder::text, b).status, DecodeStatus::invalid_utf8);
	}
	EXPECT_TRUE(tds::valid_utf8("\xF4\x8F\xBF\xBF", 4)); /* U+10FFFF */
}

TEST(TdsTypes, passes_bytes_through)
{
	const auto d = decode(Decoder::bytes, {0, 0xFF, 0x80});
	ASSERT_EQ(d.status, DecodeStatus::ok);
	EXPECT_EQ(d.cell.kind, CellKind::bytes);
	EXPECT_EQ(std::string(d.cell.data, d.cell.size), std::string("\0\xFF\x80", 3));
}

TEST(TdsTypes, picks_decoders_from_dblib_types)
{
	EXPECT_EQ(tds::decoder_for(SYBINT1, "c"), Decoder::int1);
	EXPECT_EQ(tds::decoder_for(SYBDECIMAL, "c"), Decoder::numeric);
	EXPECT_EQ(tds::decoder_for(SYBNUMERIC, "c"), Decoder::numeric);
	EXPECT_EQ(tds::decoder_for(SYBMSDATETIMEOFFSET, "c"), Decoder::datetimeoffset);
	EXPECT_EQ(tds::decoder_for(36, "c"), Decoder::guid);
	EXPECT_EQ(tds::decoder_for(SYBCHAR, "c"), Decoder::text);
	EXPECT_EQ(tds::decoder_for(SYBTEXT, "c"), Decoder::text);
	EXPECT_EQ(tds::decoder_for(SYBBINARY, "c"), Decoder::bytes);
	EXPECT_EQ(tds::decoder_for(SYBIMAGE, "c"), Decoder::bytes);
	try {
		tds::decoder_for(98, "v");
		FAIL() << "sql_variant decoded";
	} catch (const RemoteError &e) {
		EXPECT_EQ(e.kind(), ErrorKind::unsupported);
		EXPECT_NE(e.message().find("\"v\""), std::string::npos);
	}
}

/* ---------- import mapping ---------- */

TEST(TdsTypes, maps_numeric_types)
{
	EXPECT_EQ(pg_type(column("bit", "bit")), "boolean");
	EXPECT_EQ(pg_type(column("tinyint", "tinyint")), "smallint");
	EXPECT_EQ(pg_type(column("smallint", "smallint")), "smallint");
	EXPECT_EQ(pg_type(column("int", "int")), "integer");
	EXPECT_EQ(pg_type(column("bigint", "bigint")), "bigint");
	EXPECT_EQ(pg_type(column("decimal", "decimal(38,10)", -1, 38, 10)), "numeric(38,10)");
	EXPECT_EQ(pg_type(column("numeric", "numeric(5,0)", -1, 5, 0)), "numeric(5,0)");
	EXPECT_EQ(pg_type(column("decimal", "decimal(12,3)")), "numeric(12,3)");
	EXPECT_EQ(pg_type(column("money", "money", -1, 19, 4)), "numeric(19,4)");
	EXPECT_EQ(pg_type(column("smallmoney", "smallmoney", -1, 10, 4)), "numeric(10,4)");
	EXPECT_EQ(pg_type(column("real", "real", -1, 24)), "real");
	EXPECT_EQ(pg_type(column("float", "float", -1, 53)), "double precision");
}

TEST(TdsTypes, maps_character_and_binary_types)
{
	EXPECT_EQ(pg_type(column("char", "char(10)", 10)), "character(10)");
	EXPECT_EQ(pg_type(column("nchar", "nchar(3)", 3)), "character(3)");
	EXPECT_EQ(pg_type(column("varchar", "varchar(50)", 50)), "character varying(50)");
	EXPECT_EQ(pg_type(column("nvarchar", "nvarchar(4000)", 4000)), "character varying(4000)");
	EXPECT_EQ(pg_type(column("nvarchar", "nvarchar(max)", -1)), "text");
	EXPECT_EQ(pg_type(column("varchar", "varchar(max)", -1)), "text");
	EXPECT_EQ(pg_type(column("text", "text", 2147483647)), "text");
	EXPECT_EQ(pg_type(column("ntext", "ntext", 1073741823)), "text");
	EXPECT_EQ(pg_type(column("binary", "binary(16)", 16)), "bytea");
	EXPECT_EQ(pg_type(column("varbinary", "varbinary(max)", -1)), "bytea");
	EXPECT_EQ(pg_type(column("image", "image", 2147483647)), "bytea");
	EXPECT_EQ(pg_type(column("timestamp", "timestamp", 8)), "bytea");
	EXPECT_EQ(pg_type(column("uniqueidentifier", "uniqueidentifier")), "uuid");
	EXPECT_EQ(pg_type(column("xml", "xml", -1)), "xml");
	EXPECT_EQ(pg_type(column("sql_variant", "sql_variant")), "text");
}

TEST(TdsTypes, maps_temporal_types_capping_fractions_at_six)
{
	EXPECT_EQ(pg_type(column("date", "date")), "date");
	EXPECT_EQ(pg_type(column("time", "time(7)", -1, 7)), "time(6) without time zone");
	EXPECT_EQ(pg_type(column("time", "time(0)", -1, 0)), "time(0) without time zone");
	EXPECT_EQ(pg_type(column("datetime", "datetime", -1, 3)), "timestamp(3) without time zone");
	EXPECT_EQ(pg_type(column("smalldatetime", "smalldatetime", -1, 0)),
	          "timestamp(0) without time zone");
	EXPECT_EQ(pg_type(column("datetime2", "datetime2(7)", -1, 7)),
	          "timestamp(6) without time zone");
	EXPECT_EQ(pg_type(column("datetime2", "datetime2(3)", -1, 3)),
	          "timestamp(3) without time zone");
	EXPECT_EQ(pg_type(column("datetimeoffset", "datetimeoffset(7)", -1, 7)),
	          "timestamp(6) with time zone");
	EXPECT_EQ(pg_type(column("datetimeoffset", "datetimeoffset(2)", -1, 2)),
	          "timestamp(2) with time zone");
}

TEST(TdsTypes, keeps_the_declared_type_as_mssql_type_option)
{
	const auto m = tds::map_column(column("decimal", "decimal(38,10)", -1, 38, 10), {});
	EXPECT_EQ(m.options.at("mssql_type"), "decimal(38,10)");
	EXPECT_EQ(m.name, "c");
}

TEST(TdsTypes, imports_not_null_unless_disabled)
{
	auto c = column("int", "int", -1, 10, 0, false);
	EXPECT_TRUE(tds::map_column(c, {}).not_null);
	tds::ImportOptions o;
	o.import_not_null = false;
	EXPECT_FALSE(tds::map_column(c, o).not_null);
	c.nullable = true;
	EXPECT_FALSE(tds::map_column(c, {}).not_null);
}

TEST(TdsTypes, reports_unmappable_types_instead_of_skipping_them)
{
	for (const char *t : {"geography", "geometry", "hierarchyid", "cursor", "my_clr_type"}) {
		const auto m = tds::map_column(column(t, t), {});
		EXPECT_NE(m.error, "") << t;
		EXPECT_NE(m.error.find(t), std::string::npos) << m.error;
		EXPECT_EQ(m.options.at("mssql_type"), t);
	}
}

TEST(TdsTypes, parses_import_options)
{
	EXPECT_TRUE(tds::parse_import_options({}).import_not_null);
	EXPECT_FALSE(tds::parse_import_options({{"import_not_null", "false"}}).import_not_null);
	EXPECT_TRUE(tds::parse_import_options({{"import_not_null", "ON"}}).import_not_null);
	EXPECT_TRUE(tds::parse_import_options({{"other", "x"}}).import_not_null);
	try {
		tds::parse_import_options({{"import_not_null", "maybe"}});
		FAIL() << "accepted \"maybe\"";
	} catch (const RemoteError &e) {
		EXPECT_EQ(e.kind(), ErrorKind::invalid_option);
	}
}

TEST(TdsTypes, spells_declared_types_from_information_schema_values)
{
	EXPECT_EQ(tds::declared_type("nvarchar", -1, -1, -1, -1), "nvarchar(max)");
	EXPECT_EQ(tds::declared_type("NVARCHAR", 10, -1, -1, -1), "nvarchar(10)");
	EXPECT_EQ(tds::declared_type("varbinary", -1, -1, -1, -1), "varbinary(max)");
	EXPECT_EQ(tds::declared_type("decimal", -1, 38, 10, -1), "decimal(38,10)");
	EXPECT_EQ(tds::declared_type("datetime2", -1, -1, -1, 7), "datetime2(7)");
	EXPECT_EQ(tds::declared_type("time", -1, -1, -1, 3), "time(3)");
	EXPECT_EQ(tds::declared_type("datetimeoffset", -1, -1, -1, 7), "datetimeoffset(7)");
	EXPECT_EQ(tds::declared_type("int", -1, 10, 0, -1), "int");
	EXPECT_EQ(tds::declared_type("datetime", -1, -1, -1, 3), "datetime");
}

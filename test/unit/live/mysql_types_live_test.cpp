/*
 * mysql_types_live_test.cpp — every MySQL type decoded by the cursor against the
 * harness's MariaDB, through each protocol and with and without read-ahead:
 * NULLs, extremes, emoji, zero dates, and long values that must arrive whole.
 */
#include "test/unit/live/mysql_live.hpp"

#include <limits>

using mysql_live::MysqlLive;
using mysql_live::query;
using mysql_live::scan_modes;
using mysql_live::settings;
using mysql_live::text;
using tributary::remote::Cell;
using tributary::remote::CellKind;
using tributary::remote::RemoteError;

namespace {

const char *const all_types_table =
    "(id INT PRIMARY KEY, "
    "ti TINYINT, tu TINYINT UNSIGNED, si SMALLINT, su SMALLINT UNSIGNED, mi MEDIUMINT, "
    "i INT, iu INT UNSIGNED, bi BIGINT, bu BIGINT UNSIGNED, b1 TINYINT(1), "
    "de DECIMAL(20,6), fl FLOAT, db DOUBLE, bt1 BIT(1), bt BIT(64), "
    "ch CHAR(5), vc VARCHAR(50), tx TEXT, en ENUM('a','b c'), st SET('x','y','z'), js JSON, "
    "bn BINARY(3), vb VARBINARY(10), bl BLOB, "
    "d DATE, dt DATETIME(6), ts TIMESTAMP(3) NULL, tm TIME(6), yr YEAR, g GEOMETRY) "
    "DEFAULT CHARSET=utf8mb4";

} // namespace

TEST_F(MysqlLive, decodes_every_type_through_every_scan_mode)
{
	const std::string t = table("types", all_types_table);
	m_conn->execute("INSERT INTO `" + t +
	                "` VALUES (1, -128, 255, -32768, 65535, -8388608, -2147483648, 4294967295, "
	                "-9223372036854775808, 18446744073709551615, 1, -12345678901234.123456, 1.5, "
	                "0.30000000000000004, b'1', "
	                "b'1000000000000000000000000000000000000000000000000000000000000001', "
	                "'ab   ', 'Grüße 🐶🎉', 'long text', 'b c', 'x,z', '{\"k\": [1, 2]}', "
	                "X'000102', X'FF00', X'DEADBEEF', "
	                "'2024-02-29', '2024-05-06 07:08:09.123456', '2038-01-19 03:14:07.999', "
	                "'-838:59:59.000000', 2155, ST_GeomFromText('POINT(1 2)'))");
	m_conn->execute("INSERT INTO `" + t + "` (id) VALUES (2)");
	for (const auto &mode : scan_modes()) {
		SCOPED_TRACE(mode.name);
		auto c = m_conn->open(query("SELECT * FROM `" + t + "` ORDER BY id"), settings(mode));
		ASSERT_EQ(c->columns().size(), 31u);
		ASSERT_TRUE(c->next());
		const auto cell = [&](int i) -> const Cell & {
			return c->cell(static_cast<std::size_t>(i));
		};
		EXPECT_EQ(cell(1).kind, CellKind::int64);
		EXPECT_EQ(cell(1).i, -128);
		EXPECT_EQ(cell(2).i, 255);
		EXPECT_EQ(cell(3).i, -32768);
		EXPECT_EQ(cell(4).i, 65535);
		EXPECT_EQ(cell(5).i, -8388608);
		EXPECT_EQ(cell(6).i, std::numeric_limits<std::int32_t>::min());
		EXPECT_EQ(cell(7).i, 4294967295LL);
		EXPECT_EQ(cell(8).i, std::numeric_limits<std::int64_t>::min());
		EXPECT_EQ(cell(9).kind, CellKind::uint64);
		EXPECT_EQ(cell(9).u, std::numeric_limits<std::uint64_t>::max());
		EXPECT_EQ(cell(10).i, 1);
		EXPECT_EQ(cell(11).kind, CellKind::decimal);
		EXPECT_EQ(text(cell(11)), "-12345678901234.123456");
		EXPECT_EQ(cell(12).kind, CellKind::float64);
		EXPECT_EQ(cell(12).f, 1.5);
		EXPECT_EQ(cell(13).f, 0.1 + 0.2);
		EXPECT_EQ(cell(14).kind, CellKind::uint64);
		EXPECT_EQ(cell(14).u, 1u);
		EXPECT_EQ(cell(15).u, 0x8000000000000001ULL);
		EXPECT_EQ(cell(16).kind, CellKind::text);
		EXPECT_EQ(text(cell(16)), "ab"); /* MySQL strips CHAR's trailing spaces */
		EXPECT_EQ(text(cell(17)), "Grüße 🐶🎉");
		EXPECT_EQ(text(cell(18)), "long text");
		EXPECT_EQ(text(cell(19)), "b c");
		EXPECT_EQ(text(cell(20)), "x,z");
		EXPECT_EQ(cell(21).kind, CellKind::text);
		EXPECT_NE(text(cell(21)).find("\"k\""), std::string::npos);
		EXPECT_EQ(cell(22).kind, CellKind::bytes);
		EXPECT_EQ(text(cell(22)), std::string("\x00\x01\x02", 3));
		EXPECT_EQ(text(cell(23)), std::string("\xFF\x00", 2));
		EXPECT_EQ(text(cell(24)), "\xDE\xAD\xBE\xEF");
		EXPECT_EQ(cell(25).kind, CellKind::date);
		EXPECT_EQ(cell(25).t.year, 2024);
		EXPECT_EQ(cell(25).t.month, 2);
		EXPECT_EQ(cell(25).t.day, 29);
		EXPECT_EQ(cell(26).kind, CellKind::timestamp);
		EXPECT_EQ(cell(26).t.hour, 7);
		EXPECT_EQ(cell(26).t.microsecond, 123456u);
		EXPECT_EQ(cell(27).kind, CellKind::timestamptz);
		EXPECT_EQ(cell(27).t.year, 2038);
		EXPECT_EQ(cell(27).t.hour, 3); /* the session is UTC */
		EXPECT_EQ(cell(27).t.microsecond, 999000u);
		EXPECT_EQ(cell(27).t.offset_minutes, 0);
		EXPECT_EQ(cell(28).kind, CellKind::time);
		EXPECT_TRUE(cell(28).negative);
		EXPECT_EQ(cell(28).t.hour, 838);
		EXPECT_EQ(cell(28).t.minute, 59);
		EXPECT_EQ(cell(29).kind, CellKind::int64);
		EXPECT_EQ(cell(29).i, 2155);
		EXPECT_EQ(cell(30).kind, CellKind::bytes);
		/* WKB point: byte order 1, type 1, x = 1.0, y = 2.0 (no SRID prefix). */
		ASSERT_EQ(cell(30).size, 21u);
		EXPECT_EQ(cell(30).data[0], '\x01');
		EXPECT_EQ(cell(30).data[1], '\x01');

		ASSERT_TRUE(c->next());
		EXPECT_EQ(c->cell(0).i, 2);
		for (std::size_t i = 1; i < 31; i++) {
			EXPECT_EQ(c->cell(i).kind, CellKind::null) << "column " << i;
		}
		EXPECT_FALSE(c->next());
		EXPECT_EQ(c->rows_read(), 2u);
	}
}

TEST_F(MysqlLive, passes_zero_dates_through_as_zero_temporals)
{
	const std::string t = table("zero", "(id INT, d DATE, dt DATETIME, ts TIMESTAMP NULL)");
	m_conn->execute("INSERT INTO `" + t +
	                "` VALUES (1, '0000-00-00', '0000-00-00 00:00:00', '0000-00-00 00:00:00'), "
	                "(2, '2024-00-00', '2024-05-00 10:00:00', NULL)");
	for (const auto &mode : scan_modes()) {
		SCOPED_TRACE(mode.name);
		auto c =
		    m_conn->open(query("SELECT d, dt, ts FROM `" + t + "` ORDER BY id"), settings(mode));
		ASSERT_TRUE(c->next());
		for (std::size_t i = 0; i < 3; i++) {
			EXPECT_NE(c->cell(i).kind, CellKind::null) << i;
			EXPECT_EQ(c->cell(i).t.year, 0) << i;
			EXPECT_EQ(c->cell(i).t.month, 0) << i;
			EXPECT_EQ(c->cell(i).t.day, 0) << i;
		}
		EXPECT_EQ(c->cell(2).kind, CellKind::timestamptz);
		ASSERT_TRUE(c->next());
		EXPECT_EQ(c->cell(0).t.year, 2024);
		EXPECT_EQ(c->cell(0).t.month, 0);
		EXPECT_EQ(c->cell(1).t.month, 5);
		EXPECT_EQ(c->cell(1).t.day, 0);
		EXPECT_EQ(c->cell(1).t.hour, 10);
		EXPECT_FALSE(c->next());
	}
}

TEST_F(MysqlLive, keeps_four_byte_utf8_intact)
{
	const std::string s = "emoji 🐶🐱🦊 math 𝔸 cjk 漢字 end";
	const std::string t = table("utf8", "(v VARCHAR(100), x LONGTEXT) DEFAULT CHARSET=utf8mb4");
	m_conn->execute("INSERT INTO `" + t + "` VALUES ('" + s + "', '" + s + "')");
	for (const auto &mode : scan_modes()) {
		SCOPED_TRACE(mode.name);
		auto c = m_conn->open(query("SELECT v, x FROM `" + t + "`"), settings(mode));
		ASSERT_TRUE(c->next());
		EXPECT_EQ(text(c->cell(0)), s);
		EXPECT_EQ(text(c->cell(1)), s);
	}
}

/* The server's max_allowed_packet must exceed the value: raise it if we may. */
static bool
ensure_packet_size(tributary::mysql::MysqlConnection &conn, std::size_t need, std::string &why)
{
	auto c = conn.open(mysql_live::query("SELECT @@global.max_allowed_packet"));
	if (!c->next()) {
		why = "could not read max_allowed_packet";
		return false;
	}
	const unsigned long long have = c->cell(0).kind == CellKind::uint64
	                                    ? c->cell(0).u
	                                    : static_cast<unsigned long long>(c->cell(0).i);
	while (c->next()) {
	}
	c.reset();
	if (have >= need) {
		return true;
	}
	try {
		conn.execute("SET GLOBAL max_allowed_packet = " + std::to_string(need));
	} catch (const RemoteError &e) {
		why = "the server's max_allowed_packet is " + std::to_string(have) +
		      " and could not be raised: " + e.detail();
		return false;
	}
	return true;
}

TEST_F(MysqlLive, delivers_values_over_16_megabytes_whole)
{
	constexpr std::size_t size = 17 * 1024 * 1024 + 5; /* crosses the 16 MB packet boundary */
	std::string why;
	ASSERT_TRUE(ensure_packet_size(*m_conn, 64 * 1024 * 1024, why)) << why;
	/* A new session sees the raised global value. */
	m_conn = std::make_unique<tributary::mysql::MysqlConnection>(mysql_live::options());
	const std::string t = table("long", "(id INT, b LONGBLOB, x LONGTEXT) DEFAULT CHARSET=utf8mb4");
	const std::string unit = "0123456789abcdef";
	m_conn->execute("INSERT INTO `" + t + "` SELECT 1, CONCAT(REPEAT('" + unit + "', " +
	                std::to_string((size - 5) / unit.size()) + "), 'TAIL!'), CONCAT(REPEAT('" +
	                unit + "', " + std::to_string((size - 5) / unit.size()) + "), '🐶END')");
	m_conn->execute("INSERT INTO `" + t + "` VALUES (2, 'short', 'short')");
	std::string expected_b;
	expected_b.reserve(size);
	for (std::size_t i = 0; i < (size - 5) / unit.size(); i++) {
		expected_b += unit;
	}
	std::string expected_x = expected_b + "🐶END";
	expected_b += "TAIL!";
	ASSERT_EQ(scalar("SELECT LENGTH(b) FROM `" + t + "` WHERE id = 1"),
	          std::to_string(expected_b.size()))
	    << "the server did not store the long value (max_allowed_packet?)";
	for (const auto &mode : scan_modes()) {
		SCOPED_TRACE(mode.name);
		auto c =
		    m_conn->open(query("SELECT id, b, x FROM `" + t + "` ORDER BY id"), settings(mode, 10));
		ASSERT_TRUE(c->next());
		ASSERT_EQ(c->cell(1).size, expected_b.size());
		EXPECT_TRUE(text(c->cell(1)) == expected_b);
		ASSERT_EQ(c->cell(2).size, expected_x.size());
		EXPECT_TRUE(text(c->cell(2)) == expected_x);
		ASSERT_TRUE(c->next());
		EXPECT_EQ(text(c->cell(1)), "short");
		EXPECT_FALSE(c->next());
	}
}

TEST_F(MysqlLive, streams_many_rows_in_order_across_batches)
{
	for (const auto &mode : scan_modes()) {
		SCOPED_TRACE(mode.name);
		auto c = m_conn->open(
		    query("SELECT seq, CONCAT('row ', seq), REPEAT('x', seq % 300) FROM seq_1_to_50000"),
		    settings(mode, 1000, 10));
		std::int64_t expected = 1;
		while (c->next()) {
			ASSERT_EQ(c->cell(0).i, expected);
			ASSERT_EQ(text(c->cell(1)), "row " + std::to_string(expected));
			ASSERT_EQ(c->cell(2).size, static_cast<std::size_t>(expected % 300));
			expected++;
		}
		EXPECT_EQ(expected, 50001);
		EXPECT_EQ(c->rows_read(), 50000u);
		EXPECT_FALSE(c->next());
	}
}

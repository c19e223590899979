/*
 * tds_params_live_test.cpp — parameters of every kind sent as typed
 * sp_executesql RPC parameters to the harness's TDS test server, each query
 * run repeatedly with changing values (what a cached generic plan does), and
 * the values db-lib cannot send natively (empty strings, NULL, long text).
 */
#include "test/unit/live/tds_live.hpp"
#include "test/unit/cells.hpp"

#include <cstring>

using tds_live::query;
using tds_live::TdsLive;
using tds_live::text;
using tributary::remote::Cell;
using tributary::remote::CellKind;
using tributary::remote::Query;

using test_cells::data_cell;
using test_cells::int_cell;
using test_cells::temporal;


class TdsParamsLive : public TdsLive {
protected:
	void SetUp() override
	{
		TdsLive::SetUp();
		if (HasFatalFailure()) {
			return;
		}
		m_table = table("params",
		                "(id int NOT NULL PRIMARY KEY, b bit, bi bigint, d decimal(20,6), f float, "
		                "s nvarchar(50), v varchar(50), bin varbinary(20), dt date, tm time(7), "
		                "ts datetime2(7), tz datetimeoffset(7), g uniqueidentifier, "
		                "dtt datetime)");
		m_conn->execute(
		    "INSERT INTO [" + m_table +
		    "] VALUES "
		    "(1, 1, 10, CAST('1.500000' AS decimal(20,6)), 0.5E0, N'Zoë', 'abc', 0x0102, "
		    "'2024-05-06', '07:08:09.1234560', '2024-05-06T07:08:09.1234560', "
		    "'2024-05-06T09:08:09.0000000+02:00', '6F9619FF-8B86-D011-B42D-00C04FC964FF', "
		    "'2024-05-06T07:08:09.003'), "
		    "(2, 0, 20, CAST('12345678901234.123456' AS decimal(20,6)), 1.25E0, N'🐶 dog', '', "
		    "0xFF, '1999-12-31', '23:59:59.9999990', '1999-12-31T23:59:59.9999990', "
		    "'1999-12-31T23:00:00.0000000-01:00', '00000000-0000-0000-0000-000000000001', "
		    "'1999-12-31T23:59:59.997'), "
		    "(3, NULL, NULL, NULL, NULL, N'', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)");
	}

	/* Ids of the rows a one-parameter query returns, as "1,2". */
	std::string ids(const std::string &where, std::vector<Cell> params)
	{
		Query q = query("SELECT id FROM [" + m_table + "] WHERE " + where + " ORDER BY id");
		q.params = std::move(params);
		std::string out;
		try {
			auto c = m_conn->open(q);
			while (c->next()) {
				out += (out.empty() ? "" : ",") + std::to_string(c->cell(0).i);
			}
		} catch (const tributary::remote::RemoteError &e) {
			ADD_FAILURE() << where << ": " << e.message() << " — " << e.detail();
			out = "error";
		}
		return out;
	}

	std::string m_table;
};

TEST_F(TdsParamsLive, finds_rows_by_each_kind_on_every_repeated_call)
{
	const std::string dec1 = "1.5", dec2 = "12345678901234.123456";
	const std::string s1 = "Zoë", s2 = "🐶 dog";
	const std::string bin1("\x01\x02", 2), bin2("\xFF", 1);
	const std::string g1("\x6F\x96\x19\xFF\x8B\x86\xD0\x11\xB4\x2D\x00\xC0\x4F\xC9\x64\xFF", 16);
	const std::string g2(std::string(15, '\0') + "\x01");
	Cell t, f, f1, f2;
	t.kind = f.kind = CellKind::boolean;
	t.i = 1;
	f.i = 0;
	f1.kind = f2.kind = CellKind::float64;
	f1.f = 0.5;
	f2.f = 1.25;
	struct Case {
		const char *where;
		Cell first, second;
	};
	const Case cases[] = {
	    {"b = @P1", t, f},
	    {"bi = @P1", int_cell(10), int_cell(20)},
	    {"d = @P1", data_cell(CellKind::decimal, dec1), data_cell(CellKind::decimal, dec2)},
	    {"f = @P1", f1, f2},
	    {"s = @P1", data_cell(CellKind::text, s1), data_cell(CellKind::text, s2)},
	    {"bin = @P1", data_cell(CellKind::bytes, bin1), data_cell(CellKind::bytes, bin2)},
	    {"dt = @P1", temporal(CellKind::date, 2024, 5, 6, 0, 0, 0, 0),
	     temporal(CellKind::date, 1999, 12, 31, 0, 0, 0, 0)},
	    {"tm = @P1", temporal(CellKind::time, 0, 0, 0, 7, 8, 9, 123456),
	     temporal(CellKind::time, 0, 0, 0, 23, 59, 59, 999999)},
	    {"ts = @P1", temporal(CellKind::timestamp, 2024, 5, 6, 7, 8, 9, 123456),
	     temporal(CellKind::timestamp, 1999, 12, 31, 23, 59, 59, 999999)},
	    /* The same instants, given in UTC as PostgreSQL sends timestamptz. */
	    {"tz = @P1", temporal(CellKind::timestamptz, 2024, 5, 6, 7, 8, 9, 0, 0),
	     temporal(CellKind::timestamptz, 2000, 1, 1, 0, 0, 0, 0, 0)},
	    {"g = @P1", data_cell(CellKind::uuid, g1), data_cell(CellKind::uuid, g2)},
	};
	for (const Case &k : cases) {
		for (int round = 0; round < 6; round++) {
			EXPECT_EQ(ids(k.where, {k.first}), "1") << k.where << " round " << round;
			EXPECT_EQ(ids(k.where, {k.second}), "2") << k.where << " round " << round;
		}
	}
}

TEST_F(TdsParamsLive, compares_ranges_and_several_parameters)
{
	for (int round = 0; round < 10; round++) {
		EXPECT_EQ(ids("bi > @P1 AND bi <= @P2", {int_cell(round % 2 == 0 ? 5 : 15), int_cell(20)}),
		          round % 2 == 0 ? "1,2" : "2");
		EXPECT_EQ(ids("ts >= @P1", {temporal(CellKind::timestamp, 2024, 5, 6, 7, 8, 9,
		                                     round % 2 == 0 ? 123456 : 123457)}),
		          round % 2 == 0 ? "1" : "");
	}
}

TEST_F(TdsParamsLive, sends_empty_text_and_null_correctly)
{
	const std::string empty;
	/* db-lib would send a zero-length value as NULL: the driver inlines N'' instead. */
	EXPECT_EQ(ids("s = @P1", {data_cell(CellKind::text, empty)}), "3");
	EXPECT_EQ(ids("v = @P1 AND id > @P2", {data_cell(CellKind::text, empty), int_cell(0)}), "2");
	Cell null;
	EXPECT_EQ(ids("@P1 IS NULL AND b IS NULL", {null}), "3");
	EXPECT_EQ(ids("bi = @P1", {null}), "");
	EXPECT_EQ(ids("ISNULL(bi, 0) = ISNULL(@P1, 0)", {null}), "3");
}

TEST_F(TdsParamsLive, sends_long_text_and_bytes_whole)
{
	std::string long_text;
	for (int i = 0; i < 3000; i++) {
		long_text += "é🐶";
	}
	const std::string long_bytes(9000, '\x5A');
	Query q = query("SELECT DATALENGTH(@P1), DATALENGTH(@P2), @P1, @P2");
	q.params = {data_cell(CellKind::text, long_text), data_cell(CellKind::bytes, long_bytes)};
	for (int round = 0; round < 3; round++) {
		auto c = m_conn->open(q);
		ASSERT_TRUE(c->next());
		EXPECT_EQ(c->cell(0).i, 18000); /* é + surrogate pair: 6 bytes of UTF-16 each */
		EXPECT_EQ(c->cell(1).i, 9000);
		EXPECT_EQ(text(c->cell(2)), long_text);
		EXPECT_EQ(std::string(c->cell(3).data, c->cell(3).size), long_bytes);
		EXPECT_FALSE(c->next());
	}
}

TEST_F(TdsParamsLive, returns_parameter_values_unchanged)
{
	const std::string dec = "-12345678901234567890.123456789012345678";
	const std::string uuid("\x01\x23\x45\x67\x89\xAB\xCD\xEF\x01\x23\x45\x67\x89\xAB\xCD\xEF", 16);
	Query q = query("SELECT @P1, @P2, @P3, @P4");
	q.params = {data_cell(CellKind::decimal, dec),
	            temporal(CellKind::timestamp, 1, 1, 1, 0, 0, 0, 1),
	            temporal(CellKind::timestamptz, 2024, 5, 6, 7, 8, 9, 500000, -330),
	            data_cell(CellKind::uuid, uuid)};
	std::unique_ptr<tributary::remote::Cursor> c;
	try {
		c = m_conn->open(q);
	} catch (const tributary::remote::RemoteError &e) {
		FAIL() << e.message() << " — " << e.detail();
	}
	ASSERT_TRUE(c->next());
	EXPECT_EQ(text(c->cell(0)), dec);
	EXPECT_EQ(c->cell(1).t.year, 1);
	EXPECT_EQ(c->cell(1).t.microsecond, 1u);
	EXPECT_EQ(c->cell(2).kind, CellKind::timestamptz);
	EXPECT_EQ(c->cell(2).t.hour, 7);
	EXPECT_EQ(c->cell(2).t.microsecond, 500000u);
	EXPECT_EQ(c->cell(2).t.offset_minutes, -330);
	EXPECT_EQ(c->cell(3).kind, CellKind::uuid);
	EXPECT_EQ(std::string(c->cell(3).data, 16), uuid);
	EXPECT_FALSE(c->next());
}

TEST_F(TdsParamsLive, keeps_placeholders_inside_literals_alone)
{
	const std::string empty;
	Query q = query("SELECT N'@P1 stays', @P1, [x] FROM (SELECT 1 AS [x]) AS [@P1]");
	q.params = {data_cell(CellKind::text, empty)};
	auto c = m_conn->open(q);
	ASSERT_TRUE(c->next());
	EXPECT_EQ(text(c->cell(0)), "@P1 stays");
	EXPECT_EQ(c->cell(1).kind, CellKind::text);
	EXPECT_EQ(c->cell(1).size, 0u);
}

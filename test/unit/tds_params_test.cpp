/*
 * tds_params_test.cpp — the sp_executesql call planned for a parameterized
 * query: declarations, db-lib types and value bytes, and the inlining of the
 * empty values db-lib cannot send (no server).
 */
#include "fdw/tds/tds_params.hpp"

#include "fdw/tds/tds_types.hpp"
#include "test/unit/cells.hpp"

#include <sybdb.h>

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

namespace remote = tributary::remote;
namespace tds = tributary::tds;
using remote::Cell;
using remote::CellKind;
using remote::ErrorKind;
using remote::RemoteError;

using test_cells::data_cell;
using test_cells::int_cell;
using test_cells::temporal;

namespace {

remote::Query
query(std::string sql, std::vector<Cell> params)
{
	remote::Query q;
	q.sql = std::move(sql);
	q.params = std::move(params);
	return q;
}


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

DBDECIMAL
decimal_of(const tds::RpcParam &p)
{
	DBDECIMAL d;
	EXPECT_EQ(p.storage.size(), sizeof d);
	std::memcpy(&d, p.storage.data(), sizeof d);
	return d;
}

DBDATETIMEALL
datetimeall_of(const tds::RpcParam &p)
{
	DBDATETIMEALL v;
	EXPECT_EQ(p.storage.size(), sizeof v);
	std::memcpy(&v, p.storage.data(), sizeof v);
	return v;
}

} // namespace

TEST(TdsParams, declares_each_kind_with_its_sql_server_type)
{
	const std::string text = "Zoë";
	const std::string bytes("\x01\x02", 2);
	const std::string dec = "-123.4500";
	const std::string uuid("\x6F\x96\x19\xFF\x8B\x86\xD0\x11\xB4\x2D\x00\xC0\x4F\xC9\x64\xFF", 16);
	Cell b;
	b.kind = CellKind::boolean;
	b.i = 1;
	Cell f;
	f.kind = CellKind::float64;
	f.f = 0.5;
	Cell null;
	const auto call = tds::plan_rpc(
	    query("SELECT 1", {int_cell(7), data_cell(CellKind::text, text),
	                       temporal(CellKind::timestamp, 2024, 5, 6, 7, 8, 9, 123456),
	                       data_cell(CellKind::decimal, dec), data_cell(CellKind::bytes, bytes), b,
	                       f, temporal(CellKind::date, 2024, 5, 6, 0, 0, 0, 0),
	                       temporal(CellKind::time, 0, 0, 0, 23, 59, 59, 999999),
	                       temporal(CellKind::timestamptz, 2024, 5, 6, 7, 8, 9, 0, 120),
	                       data_cell(CellKind::uuid, uuid), null}),
	    true);
	EXPECT_EQ(call.declarations,
	          "@P1 bigint, @P2 nvarchar(4000), @P3 datetime2(7), @P4 decimal(38,4), "
	          "@P5 varbinary(8000), @P6 bit, @P7 float, @P8 date, @P9 time(7), "
	          "@P10 datetimeoffset(7), @P11 uniqueidentifier, @P12 nvarchar(4000)");
	ASSERT_EQ(call.params.size(), 12u);
	const int types[] = {SYBINT8,    SYBVARCHAR, SYBMSDATETIME2, SYBDECIMAL, SYBVARBINARY,
	                     SYBBIT,     SYBFLT8,    SYBVARCHAR,     SYBMSTIME,  SYBMSDATETIMEOFFSET,
	                     SYBVARCHAR, SYBINT4};
	for (std::size_t i = 0; i < 12; i++) {
		EXPECT_EQ(call.params[i].type, types[i]) << i;
		EXPECT_EQ(call.params[i].name, "@P" + std::to_string(i + 1));
	}
	/* Text and bytes are sent from the Query's own memory, not copied. */
	EXPECT_EQ(call.params[1].value(), text.data());
	EXPECT_EQ(call.params[1].datalen, 4);
	EXPECT_EQ(call.params[4].value(), bytes.data());
	/* NULL: datalen 0. Fixed-size types: -1. */
	EXPECT_EQ(call.params[11].datalen, 0);
	EXPECT_EQ(call.params[0].datalen, -1);
	std::int64_t v;
	std::memcpy(&v, call.params[0].value(), 8);
	EXPECT_EQ(v, 7);
	EXPECT_EQ(call.statement, "SELECT 1");
}

TEST(TdsParams, sends_decimal_as_exact_dbdecimal)
{
	const std::string dec = "-12345678901234567890123456789.123456789";
	const auto call = tds::plan_rpc(query("SELECT @P1", {data_cell(CellKind::decimal, dec)}), true);
	EXPECT_EQ(call.declarations, "@P1 decimal(38,9)");
	const DBDECIMAL d = decimal_of(call.params[0]);
	EXPECT_EQ(d.precision, 38);
	EXPECT_EQ(d.scale, 9);
	EXPECT_EQ(d.array[0], 1); /* negative */
	/* Decode the magnitude back with the result decoder. */
	std::string out;
	tds::numeric_text(d.array[0] != 0, d.array + 1, 16, d.scale, out);
	EXPECT_EQ(out, dec);
}

TEST(TdsParams, trims_fraction_zeros_only_when_digits_do_not_fit)
{
	const std::string fits = "1.50";
	auto call = tds::plan_rpc(query("x", {data_cell(CellKind::decimal, fits)}), true);
	EXPECT_EQ(call.declarations, "@P1 decimal(38,2)");
	const std::string wide = "0." + std::string(37, '0') + "5000";
	call = tds::plan_rpc(query("x", {data_cell(CellKind::decimal, wide)}), true);
	EXPECT_EQ(call.declarations, "@P1 decimal(38,38)");
	const std::string too_wide = "12." + std::string(37, '0') + "1";
	EXPECT_EQ(error_kind([&] {
		          tds::plan_rpc(query("x", {data_cell(CellKind::decimal, too_wide)}), true);
	          }),
	          ErrorKind::unsupported);
	const std::string neg_zero = "-0.00";
	call = tds::plan_rpc(query("x", {data_cell(CellKind::decimal, neg_zero)}), true);
	EXPECT_EQ(decimal_of(call.params[0]).array[0], 0);
}

TEST(TdsParams, sends_large_unsigned_as_decimal)
{
	Cell u;
	u.kind = CellKind::uint64;
	u.u = std::numeric_limits<std::uint64_t>::max();
	const auto call = tds::plan_rpc(query("x", {u}), true);
	EXPECT_EQ(call.declarations, "@P1 decimal(38,0)");
	EXPECT_EQ(call.params[0].type, SYBDECIMAL);
	u.u = 5;
	EXPECT_EQ(tds::plan_rpc(query("x", {u}), true).declarations, "@P1 bigint");
}

TEST(TdsParams, sends_timestamptz_as_utc_with_its_offset)
{
	/* 2024-01-01 01:30 at +02:00 is 2023-12-31 23:30 UTC. */
	const auto call = tds::plan_rpc(
	    query("x", {temporal(CellKind::timestamptz, 2024, 1, 1, 1, 30, 0, 250000, 120)}), true);
	const DBDATETIMEALL v = datetimeall_of(call.params[0]);
	EXPECT_EQ(v.offset, 120);
	EXPECT_EQ(v.date, tds::days_from_civil(2023, 12, 31) + 25567);
	EXPECT_EQ(v.time, (23ULL * 3600 + 30 * 60) * 10000000ULL + 2500000ULL);
	EXPECT_EQ(v.has_offset, 1);
}

TEST(TdsParams, sends_datetime2_with_100ns_ticks_since_midnight)
{
	const auto call =
	    tds::plan_rpc(query("x", {temporal(CellKind::timestamp, 1, 1, 1, 0, 0, 1, 1)}), true);
	const DBDATETIMEALL v = datetimeall_of(call.params[0]);
	EXPECT_EQ(v.date, -693595);
	EXPECT_EQ(v.time, 10000010ULL);
}

TEST(TdsParams, sends_uuid_and_date_as_text_dbrpcparam_accepts)
{
	const std::string uuid("\x6F\x96\x19\xFF\x8B\x86\xD0\x11\xB4\x2D\x00\xC0\x4F\xC9\x64\xFF", 16);
	const auto call = tds::plan_rpc(query("x", {data_cell(CellKind::uuid, uuid),
	                                            temporal(CellKind::date, 1, 2, 3, 0, 0, 0, 0)}),
	                                true);
	EXPECT_EQ(call.declarations, "@P1 uniqueidentifier, @P2 date");
	EXPECT_EQ(call.params[0].type, SYBVARCHAR);
	EXPECT_EQ(call.params[0].storage, "6f9619ff-8b86-d011-b42d-00c04fc964ff");
	EXPECT_EQ(call.params[0].datalen, 36);
	EXPECT_EQ(call.params[1].type, SYBVARCHAR);
	EXPECT_EQ(call.params[1].storage, "0001-02-03");
}

TEST(TdsParams, uses_long_forms_for_long_text_and_bytes)
{
	const std::string long_text(4001, 'x');
	const std::string long_bytes(8001, 'y');
	const std::string short_text(4000, 'x');
	const auto call = tds::plan_rpc(
	    query("x", {data_cell(CellKind::text, long_text), data_cell(CellKind::bytes, long_bytes),
	                data_cell(CellKind::text, short_text)}),
	    true);
	EXPECT_EQ(call.declarations, "@P1 nvarchar(max), @P2 varbinary(max), @P3 nvarchar(4000)");
	EXPECT_EQ(call.params[0].type, SYBNTEXT);
	EXPECT_EQ(call.params[1].type, SYBIMAGE);
	EXPECT_EQ(call.params[2].type, SYBVARCHAR);
}

TEST(TdsParams, inlines_empty_text_and_bytes_db_lib_would_send_as_null)
{
	const std::string empty;
	const auto call = tds::plan_rpc(
	    query("SELECT * FROM [t] WHERE [a] = @P1 AND [b] = @P2 AND [c] = @P3",
	          {data_cell(CellKind::text, empty), int_cell(3), data_cell(CellKind::bytes, empty)}),
	    true);
	EXPECT_EQ(call.statement, "SELECT * FROM [t] WHERE [a] = N'' AND [b] = @P2 AND [c] = 0x");
	EXPECT_EQ(call.declarations, "@P2 bigint");
	ASSERT_EQ(call.params.size(), 1u);
	EXPECT_EQ(call.params[0].name, "@P2");
}

TEST(TdsParams, inlines_only_real_placeholders)
{
	const std::map<int, std::string> lit = {{1, "N''"}};
	EXPECT_EQ(tds::inline_placeholders("SELECT '@P1', [@P1], \"@P1\", @P1, @P10, @@P1, x@P1", lit),
	          "SELECT '@P1', [@P1], \"@P1\", N'', @P10, @@P1, x@P1");
	EXPECT_EQ(tds::inline_placeholders("SELECT @P1 -- @P1\n, /* @P1 /* @P1 */ @P1 */ @p1", lit),
	          "SELECT N'' -- @P1\n, /* @P1 /* @P1 */ @P1 */ N''");
	EXPECT_EQ(tds::inline_placeholders("SELECT 'it''s @P1', @P1", lit), "SELECT 'it''s @P1', N''");
	EXPECT_EQ(tds::inline_placeholders("SELECT [a]]@P1], @P1", lit), "SELECT [a]]@P1], N''");
}

TEST(TdsParams, rejects_values_sql_server_cannot_hold)
{
	Cell nan;
	nan.kind = CellKind::float64;
	nan.f = std::nan("");
	EXPECT_EQ(error_kind([&] { tds::plan_rpc(query("x", {nan}), true); }), ErrorKind::unsupported);
	Cell inf = nan;
	inf.f = std::numeric_limits<double>::infinity();
	EXPECT_EQ(error_kind([&] { tds::plan_rpc(query("x", {inf}), true); }), ErrorKind::unsupported);
	EXPECT_EQ(error_kind([] {
		          tds::plan_rpc(query("x", {temporal(CellKind::date, 0, 12, 31, 0, 0, 0, 0)}),
		                        true);
	          }),
	          ErrorKind::unsupported);
	EXPECT_EQ(error_kind([] {
		          tds::plan_rpc(query("x", {temporal(CellKind::time, 0, 0, 0, 25, 0, 0, 0)}), true);
	          }),
	          ErrorKind::unsupported);
	Cell negative_time = temporal(CellKind::time, 0, 0, 0, 1, 0, 0, 0);
	negative_time.negative = true;
	EXPECT_EQ(error_kind([&] { tds::plan_rpc(query("x", {negative_time}), true); }),
	          ErrorKind::unsupported);
	EXPECT_EQ(error_kind([] {
		          tds::plan_rpc(
		              query("x", {temporal(CellKind::timestamptz, 2024, 1, 1, 0, 0, 0, 0, 900)}),
		              true);
	          }),
	          ErrorKind::unsupported);
	const std::string bad = "12a";
	EXPECT_EQ(
	    error_kind([&] { tds::plan_rpc(query("x", {data_cell(CellKind::decimal, bad)}), true); }),
	    ErrorKind::unsupported);
}

TEST(TdsParams, sends_temporals_as_iso_text_before_tds_7_3)
{
	const auto call =
	    tds::plan_rpc(query("x", {temporal(CellKind::timestamp, 2024, 5, 6, 7, 8, 9, 120000),
	                              temporal(CellKind::timestamptz, 2024, 5, 6, 7, 8, 9, 0, -330),
	                              temporal(CellKind::date, 2024, 5, 6, 0, 0, 0, 0)}),
	                  false);
	EXPECT_EQ(call.declarations, "@P1 datetime2(7), @P2 datetimeoffset(7), @P3 date");
	EXPECT_EQ(call.params[0].type, SYBVARCHAR);
	EXPECT_EQ(call.params[0].storage, "2024-05-06T07:08:09.120000");
	EXPECT_EQ(call.params[1].storage, "2024-05-06T07:08:09.000000-05:30");
	EXPECT_EQ(call.params[2].storage, "2024-05-06");
}

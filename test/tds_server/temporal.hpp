/*
 * temporal.hpp — date/time values of the test server: parsing the text forms SQL Server
 * accepts, rounding to a type's precision, canonical text (what SQLite stores) and the
 * instant ordering the TDSDT collation uses.
 *
 * Zone: test server (std only). Days count from 0001-01-01 (the DATEN epoch); ticks are
 * 100 ns units since midnight; offsets are minutes east of UTC.
 */
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "test/tds_server/types.hpp"

namespace tributary::tds_server
{

constexpr std::int64_t ticks_per_day = 864000000000LL;
/* days from 0001-01-01 to 1900-01-01 (the DATETIME epoch) */
constexpr std::int32_t days_0001_to_1900 = 693595;

struct Temporal {
	std::int32_t days = days_0001_to_1900; /* 1900-01-01 when only a time was given */
	std::int64_t ticks = 0;
	std::int16_t offset = 0;
	bool has_date = false;
	bool has_time = false;
	bool has_offset = false;
};

/*
 * Accepts 'YYYY-MM-DD', 'YYYYMMDD', 'YYYY/MM/DD', each optionally followed by ' ' or 'T'
 * and 'HH:MM[:SS[.fffffff]]' [AM|PM], then an optional offset ('+HH:MM', '-HH:MM', 'Z');
 * a time alone; and 'Mon dd yyyy [hh:mi[:ss[.mmm]]AM]' (SQL Server's default style).
 */
bool parse_temporal(std::string_view s, Temporal &out);

std::int32_t days_from_civil(int y, int m, int d); /* days since 0001-01-01 */
void civil_from_days(std::int32_t days, int &y, int &m, int &d);

/* Round to a type (datetime 1/300 s, smalldatetime minute, time/datetime2(n)). */
Temporal round_for(const Temporal &t, const SqlType &type);
/* Is the value inside the type's range (datetime from 1753, smalldatetime 1900-2079)? */
bool in_range(const Temporal &t, TypeId id);

/* Canonical text: '2024-05-06 07:08:09.1234567 +02:00' trimmed to the type. */
std::string format_temporal(const Temporal &t, const SqlType &type);

/* Ordering by instant (UTC when an offset is present). */
int compare_temporal(const Temporal &a, const Temporal &b);

/* Current wall-clock time (local or UTC) with 100 ns ticks and the local offset. */
Temporal now_temporal(bool utc);

} // namespace tributary::tds_server

/*
 * date_functions.cpp — DATEADD, DATEDIFF, DATEPART (and YEAR/MONTH/DAY through it) and
 * DATEFROMPARTS as SQLite functions over the canonical date/time text.
 *
 * Zone: test server (SQLite C API). DATEDIFF counts boundaries crossed, as SQL Server
 * does; weeks start on Sunday (SET DATEFIRST 7, the us_english default).
 */
#include <string>

#include "test/tds_server/sqlite_ext.hpp"
#include "test/tds_server/sqlite_util.hpp"
#include "test/tds_server/temporal.hpp"

namespace tributary::tds_server
{

namespace
{

enum class Part {
	year,
	quarter,
	month,
	dayofyear,
	day,
	week,
	weekday,
	hour,
	minute,
	second,
	millisecond,
	microsecond,
	nanosecond,
	tzoffset,
	iso_week,
	invalid
};

Part
parse_part(std::string_view s)
{
	const std::string p = to_lower_ascii(s);
	struct Name {
		const char *n;
		Part p;
	};
	static const Name names[] = {
	    {"year", Part::year},       {"yy", Part::year},
	    {"yyyy", Part::year},       {"quarter", Part::quarter},
	    {"qq", Part::quarter},      {"q", Part::quarter},
	    {"month", Part::month},     {"mm", Part::month},
	    {"m", Part::month},         {"dayofyear", Part::dayofyear},
	    {"dy", Part::dayofyear},    {"y", Part::dayofyear},
	    {"day", Part::day},         {"dd", Part::day},
	    {"d", Part::day},           {"week", Part::week},
	    {"wk", Part::week},         {"ww", Part::week},
	    {"weekday", Part::weekday}, {"dw", Part::weekday},
	    {"w", Part::weekday},       {"hour", Part::hour},
	    {"hh", Part::hour},         {"minute", Part::minute},
	    {"mi", Part::minute},       {"n", Part::minute},
	    {"second", Part::second},   {"ss", Part::second},
	    {"s", Part::second},        {"millisecond", Part::millisecond},
	    {"ms", Part::millisecond},  {"microsecond", Part::microsecond},
	    {"mcs", Part::microsecond}, {"nanosecond", Part::nanosecond},
	    {"ns", Part::nanosecond},   {"tzoffset", Part::tzoffset},
	    {"tz", Part::tzoffset},     {"iso_week", Part::iso_week},
	    {"isowk", Part::iso_week},  {"isoww", Part::iso_week},
	};
	for (const Name &n : names) {
		if (p == n.n) {
			return n.p;
		}
	}
	return Part::invalid;
}

bool
arg_temporal(sqlite3_context *ctx, sqlite3_value *v, Temporal &t)
{
	if (!parse_temporal(value_text(v), t)) {
		result_tds_error(ctx, 241,
		      "Conversion failed when converting date and/or time from character string.");
		return false;
	}
	return true;
}

std::int64_t
unit_ticks(Part p)
{
	switch (p) {
	case Part::hour:
		return 36000000000LL;
	case Part::minute:
		return 600000000LL;
	case Part::second:
		return 10000000LL;
	case Part::millisecond:
		return 10000LL;
	case Part::microsecond:
		return 10LL;
	case Part::nanosecond:
		return 1LL;
	default:
		return 0;
	}
}

int
day_of_week(std::int32_t days)
{
	return (days + 1) % 7 + 1; /* 0001-01-01 was a Monday; 1 = Sunday */
}

std::int64_t
floor_div(std::int64_t a, std::int64_t b)
{
	return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0);
}

void
fn_dateadd(sqlite3_context *ctx, int, sqlite3_value **argv)
{
	if (sqlite3_value_type(argv[1]) == SQLITE_NULL || sqlite3_value_type(argv[2]) == SQLITE_NULL) {
		sqlite3_result_null(ctx);
		return;
	}
	const Part part = parse_part(value_text(argv[0]));
	Temporal t;
	if (!arg_temporal(ctx, argv[2], t)) {
		return;
	}
	const std::int64_t n = sqlite3_value_int64(argv[1]);
	int y = 0;
	int m = 0;
	int d = 0;
	civil_from_days(t.days, y, m, d);
	switch (part) {
	case Part::year:
	case Part::quarter:
	case Part::month: {
		const std::int64_t months = part == Part::year ? 12 * n : part == Part::quarter ? 3 * n : n;
		std::int64_t total = static_cast<std::int64_t>(y) * 12 + (m - 1) + months;
		const int ny = static_cast<int>(floor_div(total, 12));
		const int nm = static_cast<int>(total - static_cast<std::int64_t>(ny) * 12) + 1;
		if (ny < 1 || ny > 9999) {
			result_tds_error(ctx, 517, "Adding a value to a 'datetime' column caused an overflow.");
			return;
		}
		const int dim = days_from_civil(nm == 12 ? ny + 1 : ny, nm == 12 ? 1 : nm + 1, 1) -
		                days_from_civil(ny, nm, 1);
		t.days = days_from_civil(ny, nm, d > dim ? dim : d);
		break;
	}
	case Part::dayofyear:
	case Part::day:
	case Part::weekday:
		t.days += static_cast<std::int32_t>(n);
		break;
	case Part::week:
		t.days += static_cast<std::int32_t>(7 * n);
		break;
	default: {
		const std::int64_t unit = unit_ticks(part);
		if (unit == 0) {
			result_tds_error(ctx, 155,
			      "'" + std::string(value_text(argv[0])) + "' is not a recognized dateadd option.");
			return;
		}
		const std::int64_t total = t.ticks + n * unit;
		t.days += static_cast<std::int32_t>(floor_div(total, ticks_per_day));
		t.ticks = total - floor_div(total, ticks_per_day) * ticks_per_day;
		t.has_time = true;
	}
	}
	SqlType out;
	out.id = !t.has_time ? TypeId::date : t.has_offset ? TypeId::datetimeoffset : TypeId::datetime2;
	out.scale = 7;
	const std::string s = format_temporal(t, out);
	sqlite3_result_text(ctx, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
}

void
fn_datediff(sqlite3_context *ctx, int, sqlite3_value **argv)
{
	if (sqlite3_value_type(argv[1]) == SQLITE_NULL || sqlite3_value_type(argv[2]) == SQLITE_NULL) {
		sqlite3_result_null(ctx);
		return;
	}
	const Part part = parse_part(value_text(argv[0]));
	Temporal a;
	Temporal b;
	if (!arg_temporal(ctx, argv[1], a) || !arg_temporal(ctx, argv[2], b)) {
		return;
	}
	for (Temporal *t : {&a, &b}) {
		if (t->has_offset) {
			std::int64_t total = static_cast<std::int64_t>(t->days) * ticks_per_day + t->ticks -
			                     static_cast<std::int64_t>(t->offset) * 600000000LL;
			t->days = static_cast<std::int32_t>(floor_div(total, ticks_per_day));
			t->ticks = total - static_cast<std::int64_t>(t->days) * ticks_per_day;
		}
	}
	int ya = 0, ma = 0, da = 0, yb = 0, mb = 0, db = 0;
	civil_from_days(a.days, ya, ma, da);
	civil_from_days(b.days, yb, mb, db);
	std::int64_t r = 0;
	switch (part) {
	case Part::year:
		r = yb - ya;
		break;
	case Part::quarter:
		r = (yb * 4 + (mb - 1) / 3) - (ya * 4 + (ma - 1) / 3);
		break;
	case Part::month:
		r = (yb * 12 + mb) - (ya * 12 + ma);
		break;
	case Part::dayofyear:
	case Part::day:
	case Part::weekday:
		r = b.days - a.days;
		break;
	case Part::week:
		r = floor_div(b.days + 1, 7) - floor_div(a.days + 1, 7);
		break;
	default: {
		const std::int64_t unit = unit_ticks(part);
		if (unit == 0) {
			result_tds_error(ctx, 155,
			      "'" + std::string(value_text(argv[0])) + "' is not a recognized datediff option.");
			return;
		}
		const std::int64_t ia = static_cast<std::int64_t>(a.days) * ticks_per_day + a.ticks;
		const std::int64_t ib = static_cast<std::int64_t>(b.days) * ticks_per_day + b.ticks;
		r = floor_div(ib, unit) - floor_div(ia, unit);
	}
	}
	sqlite3_result_int64(ctx, r);
}

void
fn_datepart(sqlite3_context *ctx, int, sqlite3_value **argv)
{
	if (sqlite3_value_type(argv[1]) == SQLITE_NULL) {
		sqlite3_result_null(ctx);
		return;
	}
	const Part part = parse_part(value_text(argv[0]));
	Temporal t;
	if (!arg_temporal(ctx, argv[1], t)) {
		return;
	}
	int y = 0, m = 0, d = 0;
	civil_from_days(t.days, y, m, d);
	const std::int32_t jan1 = days_from_civil(y, 1, 1);
	std::int64_t r = 0;
	switch (part) {
	case Part::year:
		r = y;
		break;
	case Part::quarter:
		r = (m - 1) / 3 + 1;
		break;
	case Part::month:
		r = m;
		break;
	case Part::dayofyear:
		r = t.days - jan1 + 1;
		break;
	case Part::day:
		r = d;
		break;
	case Part::week:
		r = (t.days - jan1 + day_of_week(jan1) - 1) / 7 + 1;
		break;
	case Part::weekday:
		r = day_of_week(t.days);
		break;
	case Part::hour:
		r = t.ticks / 36000000000LL;
		break;
	case Part::minute:
		r = t.ticks / 600000000LL % 60;
		break;
	case Part::second:
		r = t.ticks / 10000000LL % 60;
		break;
	case Part::millisecond:
		r = t.ticks / 10000 % 1000;
		break;
	case Part::microsecond:
		r = t.ticks / 10 % 1000000;
		break;
	case Part::nanosecond:
		r = t.ticks % 10000000LL * 100;
		break;
	case Part::tzoffset:
		r = t.has_offset ? t.offset : 0;
		break;
	case Part::iso_week: {
		/* ISO 8601: the week with the year's first Thursday is week 1 */
		const int dow_mon0 = (t.days % 7 + 7) % 7; /* 0 = Monday */
		const std::int32_t thursday = t.days - dow_mon0 + 3;
		int ty = 0, tm = 0, td = 0;
		civil_from_days(thursday, ty, tm, td);
		r = (thursday - days_from_civil(ty, 1, 1)) / 7 + 1;
		break;
	}
	case Part::invalid:
		result_tds_error(ctx, 155,
		      "'" + std::string(value_text(argv[0])) + "' is not a recognized datepart option.");
		return;
	}
	sqlite3_result_int64(ctx, r);
}

void
fn_datefromparts(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	for (int k = 0; k < argc; k++) {
		if (sqlite3_value_type(argv[k]) == SQLITE_NULL) {
			sqlite3_result_null(ctx);
			return;
		}
	}
	const int y = sqlite3_value_int(argv[0]);
	const int m = sqlite3_value_int(argv[1]);
	const int d = sqlite3_value_int(argv[2]);
	Temporal t;
	char buf[16];
	std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
	if (!parse_temporal(buf, t)) {
		result_tds_error(ctx, 289,
		      "Cannot construct data type date, some of the arguments have values "
		      "which are not valid.");
		return;
	}
	sqlite3_result_text(ctx, buf, -1, SQLITE_TRANSIENT);
}

} // namespace

bool
register_date_functions(sqlite3 *db)
{
	const int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC;
	return sqlite3_create_function(db, "tds_dateadd", 3, flags, nullptr, fn_dateadd, nullptr,
	                               nullptr) == SQLITE_OK &&
	       sqlite3_create_function(db, "tds_datediff", 3, flags, nullptr, fn_datediff, nullptr,
	                               nullptr) == SQLITE_OK &&
	       sqlite3_create_function(db, "tds_datepart", 2, flags, nullptr, fn_datepart, nullptr,
	                               nullptr) == SQLITE_OK &&
	       sqlite3_create_function(db, "tds_datefromparts", 3, flags, nullptr, fn_datefromparts,
	                               nullptr, nullptr) == SQLITE_OK;
}

} // namespace tributary::tds_server

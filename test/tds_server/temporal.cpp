/*
 * temporal.cpp — parsing, rounding and formatting of date/time values.
 *
 * Zone: test server (std + libc time). Calendar arithmetic is the proleptic Gregorian
 * calendar (as SQL Server's date/datetime2 use), days_from_civil after H. Hinnant's
 * public-domain algorithm.
 */
#include "test/tds_server/temporal.hpp"

#include <cctype>
#include <cstdio>
#include <ctime>

namespace tributary::tds_server
{

namespace
{

constexpr std::int64_t ticks_per_second = 10000000LL;

bool
is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int
days_in_month(int y, int m)
{
	static const int dm[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	return m == 2 && is_leap(y) ? 29 : dm[m - 1];
}

/* Cursor over the text being parsed. */
struct Scan {
	std::string_view s;
	std::size_t i = 0;

	bool
	end() const
	{
		return i >= s.size();
	}
	char
	peek(std::size_t k = 0) const
	{
		return i + k < s.size() ? s[i + k] : '\0';
	}
	void
	spaces()
	{
		while (!end() && std::isspace(static_cast<unsigned char>(s[i]))) {
			i++;
		}
	}
	int
	digits_ahead() const
	{
		int n = 0;
		while (std::isdigit(static_cast<unsigned char>(peek(static_cast<std::size_t>(n))))) {
			n++;
		}
		return n;
	}
	bool
	number(int count, int &out)
	{
		out = 0;
		for (int k = 0; k < count; k++) {
			const char c = peek();
			if (c < '0' || c > '9') {
				return false;
			}
			out = out * 10 + (c - '0');
			i++;
		}
		return true;
	}
	/* 1 or 2 digits */
	bool
	small_number(int &out)
	{
		const int n = digits_ahead();
		if (n < 1 || n > 2) {
			return false;
		}
		return number(n, out);
	}
	bool
	accept(char c)
	{
		if (peek() == c) {
			i++;
			return true;
		}
		return false;
	}
	bool
	accept_ci(const char *word)
	{
		std::size_t k = 0;
		for (; word[k]; k++) {
			if (std::tolower(static_cast<unsigned char>(peek(k))) != word[k]) {
				return false;
			}
		}
		i += k;
		return true;
	}
};

bool
make_date(int y, int m, int d, Temporal &out)
{
	if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m)) {
		return false;
	}
	out.days = days_from_civil(y, m, d);
	out.has_date = true;
	return true;
}

bool
parse_time(Scan &sc, Temporal &out)
{
	int h = 0;
	int mi = 0;
	int se = 0;
	if (!sc.small_number(h) || !sc.accept(':') || !sc.number(2, mi)) {
		return false;
	}
	std::int64_t frac = 0;
	if (sc.accept(':')) {
		if (!sc.number(2, se)) {
			return false;
		}
		if (sc.accept('.') || sc.accept(',')) {
			int nd = 0;
			while (std::isdigit(static_cast<unsigned char>(sc.peek()))) {
				if (nd < 7) {
					frac = frac * 10 + (sc.peek() - '0');
					nd++;
				}
				sc.i++;
			}
			for (; nd < 7; nd++) {
				frac *= 10;
			}
		}
	}
	const std::size_t save = sc.i;
	sc.spaces();
	if (sc.accept_ci("am")) {
		if (h > 12) {
			return false;
		}
		if (h == 12) {
			h = 0;
		}
	} else if (sc.accept_ci("pm")) {
		if (h > 12) {
			return false;
		}
		if (h != 12) {
			h += 12;
		}
	} else {
		sc.i = save;
	}
	if (h > 23 || mi > 59 || se > 59) {
		return false;
	}
	out.ticks = ((h * 60LL + mi) * 60 + se) * ticks_per_second + frac;
	out.has_time = true;
	return true;
}

bool
parse_offset(Scan &sc, Temporal &out)
{
	sc.spaces();
	if (sc.accept('Z') || sc.accept('z')) {
		out.has_offset = true;
		out.offset = 0;
		return true;
	}
	const char sign = sc.peek();
	if (sign != '+' && sign != '-') {
		return true;
	}
	sc.i++;
	int oh = 0;
	int om = 0;
	if (!sc.number(2, oh)) {
		return false;
	}
	if (sc.accept(':')) {
		if (!sc.number(2, om)) {
			return false;
		}
	} else if (sc.digits_ahead() == 2) {
		sc.number(2, om);
	}
	if (oh > 14 || om > 59) {
		return false;
	}
	out.offset = static_cast<std::int16_t>((sign == '-' ? -1 : 1) * (oh * 60 + om));
	out.has_offset = true;
	return true;
}

bool
parse_month_name(Scan &sc, int &month)
{
	static const char *names[12] = {"jan", "feb", "mar", "apr", "may", "jun",
	                                "jul", "aug", "sep", "oct", "nov", "dec"};
	for (int k = 0; k < 12; k++) {
		if (sc.accept_ci(names[k])) {
			month = k + 1;
			while (std::isalpha(static_cast<unsigned char>(sc.peek()))) {
				sc.i++;
			}
			return true;
		}
	}
	return false;
}

void
two(char *&p, int v)
{
	*p++ = static_cast<char>('0' + v / 10);
	*p++ = static_cast<char>('0' + v % 10);
}

} // namespace

std::int32_t
days_from_civil(int y, int m, int d)
{
	y -= m <= 2;
	const int era = (y >= 0 ? y : y - 399) / 400;
	const int yoe = y - era * 400;
	const int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468 + 719162;
}

void
civil_from_days(std::int32_t days, int &y, int &m, int &d)
{
	const int z = days - 719162 + 719468;
	const int era = (z >= 0 ? z : z - 146096) / 146097;
	const int doe = z - era * 146097;
	const int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	const int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	const int mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	y = yoe + era * 400 + (m <= 2);
}

bool
parse_temporal(std::string_view s, Temporal &out)
{
	out = Temporal{};
	Scan sc{s};
	sc.spaces();
	if (std::isalpha(static_cast<unsigned char>(sc.peek()))) {
		int mon = 0;
		int day = 0;
		int year = 0;
		if (!parse_month_name(sc, mon)) {
			return false;
		}
		sc.spaces();
		if (!sc.small_number(day)) {
			return false;
		}
		sc.accept(',');
		sc.spaces();
		if (!sc.number(4, year) || !make_date(year, mon, day, out)) {
			return false;
		}
		sc.spaces();
		if (!sc.end() && !parse_time(sc, out)) {
			return false;
		}
	} else {
		const int n = sc.digits_ahead();
		int y = 0;
		int m = 0;
		int d = 0;
		if (n == 8) {
			if (!sc.number(4, y) || !sc.number(2, m) || !sc.number(2, d) ||
			    !make_date(y, m, d, out)) {
				return false;
			}
		} else if (n == 4 && (sc.peek(4) == '-' || sc.peek(4) == '/' || sc.peek(4) == '.')) {
			sc.number(4, y);
			const char sep = sc.peek();
			sc.i++;
			if (!sc.small_number(m) || !sc.accept(sep) || !sc.small_number(d) ||
			    !make_date(y, m, d, out)) {
				return false;
			}
		} else if ((n == 1 || n == 2) && (sc.peek(static_cast<std::size_t>(n)) == '/' ||
		                                  sc.peek(static_cast<std::size_t>(n)) == '-')) {
			/* mdy, SQL Server's default DATEFORMAT for us_english */
			sc.small_number(m);
			const char sep = sc.peek();
			sc.i++;
			if (!sc.small_number(d) || !sc.accept(sep) || !sc.number(4, y) ||
			    !make_date(y, m, d, out)) {
				return false;
			}
		} else if ((n == 1 || n == 2) && sc.peek(static_cast<std::size_t>(n)) == ':') {
			return parse_time(sc, out) && parse_offset(sc, out) && (sc.spaces(), sc.end());
		} else {
			return false;
		}
		if (sc.peek() == 'T' || sc.peek() == 't') {
			sc.i++;
			if (!parse_time(sc, out)) {
				return false;
			}
		} else {
			const std::size_t save = sc.i;
			sc.spaces();
			const int hd = sc.digits_ahead();
			if ((hd == 1 || hd == 2) && sc.peek(static_cast<std::size_t>(hd)) == ':') {
				if (!parse_time(sc, out)) {
					return false;
				}
			} else {
				sc.i = save;
			}
		}
	}
	if (!parse_offset(sc, out)) {
		return false;
	}
	sc.spaces();
	return sc.end();
}

Temporal
round_for(const Temporal &t, const SqlType &type)
{
	Temporal r = t;
	std::int64_t unit = 1;
	switch (type.id) {
	case TypeId::date:
		r.ticks = 0;
		r.has_offset = false;
		return r;
	case TypeId::datetime: {
		const std::int64_t n300 = (t.ticks * 3 + 50000) / 100000;
		const std::int64_t ms = (n300 * 10 + 1) / 3;
		r.ticks = ms * 10000;
		r.has_offset = false;
		break;
	}
	case TypeId::smalldatetime:
		r.ticks = (t.ticks + 299995000LL) / 600000000LL * 600000000LL;
		r.has_offset = false;
		break;
	case TypeId::time:
	case TypeId::datetime2:
	case TypeId::datetimeoffset:
		for (int k = type.scale; k < 7; k++) {
			unit *= 10;
		}
		r.ticks = (t.ticks + unit / 2) / unit * unit;
		if (type.id != TypeId::datetimeoffset) {
			r.has_offset = false;
		}
		break;
	default:
		break;
	}
	if (r.ticks >= ticks_per_day) {
		r.ticks -= ticks_per_day;
		if (type.id != TypeId::time) {
			r.days++;
		}
	}
	if (type.id == TypeId::time) {
		r.days = days_0001_to_1900;
	}
	return r;
}

bool
in_range(const Temporal &t, TypeId id)
{
	static const std::int32_t min_datetime = days_from_civil(1753, 1, 1);
	static const std::int32_t max_date = days_from_civil(9999, 12, 31);
	static const std::int32_t max_small = days_from_civil(2079, 6, 6);
	if (t.days < 0 || t.days > max_date) {
		return false;
	}
	if (id == TypeId::datetime) {
		return t.days >= min_datetime;
	}
	if (id == TypeId::smalldatetime) {
		return t.days >= days_0001_to_1900 && t.days <= max_small;
	}
	return true;
}

std::string
format_temporal(const Temporal &t, const SqlType &type)
{
	char buf[48];
	char *p = buf;
	if (type.id != TypeId::time) {
		int y = 0;
		int m = 0;
		int d = 0;
		civil_from_days(t.days, y, m, d);
		two(p, y / 100);
		two(p, y % 100);
		*p++ = '-';
		two(p, m);
		*p++ = '-';
		two(p, d);
		if (type.id == TypeId::date) {
			return std::string(buf, static_cast<std::size_t>(p - buf));
		}
		*p++ = ' ';
	}
	const std::int64_t secs = t.ticks / ticks_per_second;
	std::int64_t frac = t.ticks % ticks_per_second;
	two(p, static_cast<int>(secs / 3600));
	*p++ = ':';
	two(p, static_cast<int>(secs / 60 % 60));
	*p++ = ':';
	two(p, static_cast<int>(secs % 60));
	int digits = type.scale;
	if (type.id == TypeId::smalldatetime) {
		digits = 0;
	} else if (type.id == TypeId::datetime) {
		digits = 3;
	}
	if (digits > 0) {
		*p++ = '.';
		for (int k = 7; k > digits; k--) {
			frac /= 10;
		}
		char f[8];
		for (int k = digits - 1; k >= 0; k--) {
			f[k] = static_cast<char>('0' + frac % 10);
			frac /= 10;
		}
		for (int k = 0; k < digits; k++) {
			*p++ = f[k];
		}
	}
	if (type.id == TypeId::datetimeoffset) {
		const int off = t.has_offset ? t.offset : 0;
		*p++ = ' ';
		*p++ = off < 0 ? '-' : '+';
		const int a = off < 0 ? -off : off;
		two(p, a / 60);
		*p++ = ':';
		two(p, a % 60);
	}
	return std::string(buf, static_cast<std::size_t>(p - buf));
}

int
compare_temporal(const Temporal &a, const Temporal &b)
{
	const auto instant = [](const Temporal &t) {
		std::int64_t v = static_cast<std::int64_t>(t.days) * ticks_per_day + t.ticks;
		if (t.has_offset) {
			v -= static_cast<std::int64_t>(t.offset) * 60 * ticks_per_second;
		}
		return v;
	};
	const std::int64_t x = instant(a);
	const std::int64_t y = instant(b);
	return x < y ? -1 : x > y ? 1 : 0;
}

Temporal
now_temporal(bool utc)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	struct tm tmv;
	const time_t secs = ts.tv_sec;
	if (utc) {
		gmtime_r(&secs, &tmv);
	} else {
		localtime_r(&secs, &tmv);
	}
	Temporal t;
	t.days = days_from_civil(tmv.tm_year + 1900, tmv.tm_mon + 1, tmv.tm_mday);
	t.ticks =
	    ((tmv.tm_hour * 60LL + tmv.tm_min) * 60 + tmv.tm_sec) * ticks_per_second + ts.tv_nsec / 100;
	t.offset = utc ? 0 : static_cast<std::int16_t>(tmv.tm_gmtoff / 60);
	t.has_date = true;
	t.has_time = true;
	t.has_offset = true;
	return t;
}

} // namespace tributary::tds_server

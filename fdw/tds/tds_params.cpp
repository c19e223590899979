/*
 * tds_params.cpp — sp_executesql calls: declarations, typed values and the
 * inlining of the values db-lib cannot send (empty strings and varbinaries).
 *
 * Zone: driver zone (no PostgreSQL headers, never calls the backend). Throws
 * RemoteError(unsupported) for a value SQL Server cannot hold.
 */
#include "fdw/tds/tds_params.hpp"

#include <sybdb.h>

#include <cmath>
#include <cstdio>
#include <cstring>

#include "fdw/tds/tds_types.hpp"
#include "fdw/remote/driver_zone.hpp"

namespace tributary::tds {

using remote::Cell;
using remote::CellKind;
using remote::ErrorKind;
using remote::RemoteError;
using remote::Temporal;

namespace {

/* db-lib sends SYBVARCHAR up to this many bytes as NVARCHAR, longer ones cut at 8000. */
constexpr std::size_t short_text_bytes = 4000;
constexpr std::size_t short_binary_bytes = 8000;
constexpr std::int64_t day_zero_1900 = -25567;
constexpr std::int64_t ticks_per_day = 864000000000LL;
constexpr int max_decimal_digits = 38;
/* dbrpcparam takes a DBINT length; SQL Server's (max) types hold 2^31-1 bytes. */
constexpr std::size_t max_value_bytes = 0x7FFFFFFF;

[[noreturn]] void
unsupported(int n, const std::string &what, const std::string &detail = {})
{
	throw RemoteError(ErrorKind::unsupported,
	                  "cannot send parameter $" + std::to_string(n) + " to SQL Server: " + what,
	                  detail);
}

bool
identifier_char(char c) noexcept
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
	       c == '@' || c == '#' || c == '$' || static_cast<unsigned char>(c) >= 0x80;
}

/* Index just past the quoted section that starts at i; close doubled inside is an escape. */
std::size_t
skip_quoted(const std::string &s, std::size_t i, char close)
{
	i++;
	while (i < s.size()) {
		if (s[i] == close) {
			if (i + 1 < s.size() && s[i + 1] == close) {
				i += 2;
				continue;
			}
			return i + 1;
		}
		i++;
	}
	return s.size();
}

/* Index just past a (nestable, as in T-SQL) block comment starting at i. */
std::size_t
skip_block_comment(const std::string &s, std::size_t i)
{
	int depth = 0;
	while (i + 1 < s.size()) {
		if (s[i] == '/' && s[i + 1] == '*') {
			depth++;
			i += 2;
		} else if (s[i] == '*' && s[i + 1] == '/') {
			depth--;
			i += 2;
			if (depth == 0) {
				return i;
			}
		} else {
			i++;
		}
	}
	return s.size();
}

void
check_date(int n, const Temporal &t)
{
	if (t.year < 1 || t.year > 9999 || t.month < 1 || t.month > 12 || t.day < 1 || t.day > 31) {
		unsupported(n, "date out of range",
		            "SQL Server dates range from 0001-01-01 to 9999-12-31.");
	}
}

void
check_clock(int n, const Cell &c)
{
	if (c.negative || c.t.hour > 23 || c.t.minute > 59 || c.t.second > 59 ||
	    c.t.microsecond > 999999) {
		unsupported(n, "time of day out of range",
		            "SQL Server time values range from 00:00:00 to 23:59:59.9999999.");
	}
}

std::int64_t
clock_ticks(const Temporal &t) noexcept
{
	const std::int64_t seconds =
	    (static_cast<std::int64_t>(t.hour) * 60 + t.minute) * 60 + t.second;
	return seconds * 10000000LL + static_cast<std::int64_t>(t.microsecond) * 10;
}

std::int64_t
days_since_1900(const Temporal &t) noexcept
{
	return days_from_civil(t.year, t.month, t.day) - day_zero_1900;
}

/* A DBDATETIMEALL value for SYBMSTIME, SYBMSDATETIME2 or SYBMSDATETIMEOFFSET (scale 7). */
void
set_datetimeall(RpcParam &p, int type, const Cell &c, int n)
{
	DBDATETIMEALL v;
	std::memset(&v, 0, sizeof v);
	v.time_prec = 7;
	check_clock(n, c);
	v.has_time = 1;
	if (type != SYBMSTIME) {
		check_date(n, c.t);
		v.has_date = 1;
	}
	std::int64_t days = type == SYBMSTIME ? 0 : days_since_1900(c.t);
	std::int64_t ticks = clock_ticks(c.t);
	if (type == SYBMSDATETIMEOFFSET) {
		if (c.t.offset_minutes < -840 || c.t.offset_minutes > 840) {
			unsupported(n, "time zone offset out of range",
			            "SQL Server offsets range from -14:00 to +14:00.");
		}
		/* The wire value is UTC: local time minus the offset. */
		ticks -= static_cast<std::int64_t>(c.t.offset_minutes) * 600000000LL;
		while (ticks < 0) {
			ticks += ticks_per_day;
			days--;
		}
		while (ticks >= ticks_per_day) {
			ticks -= ticks_per_day;
			days++;
		}
		if (days < days_from_civil(1, 1, 1) - day_zero_1900 ||
		    days > days_from_civil(9999, 12, 31) - day_zero_1900) {
			unsupported(n, "timestamp out of range",
			            "SQL Server dates range from 0001-01-01 to 9999-12-31 in UTC.");
		}
		v.offset = c.t.offset_minutes;
		v.has_offset = 1;
	}
	v.time = static_cast<DBUBIGINT>(ticks);
	v.date = static_cast<DBINT>(days);
	p.type = type;
	p.storage.assign(reinterpret_cast<const char *>(&v), sizeof v);
	p.datalen = static_cast<int>(sizeof v);
}

/* "[-+]digits[.digits]" → DBDECIMAL(38, s); returns the scale used. */
int
set_decimal(RpcParam &p, const char *text, std::size_t len, int n)
{
	std::size_t i = 0;
	bool negative = false;
	if (i < len && (text[i] == '-' || text[i] == '+')) {
		negative = text[i] == '-';
		i++;
	}
	std::string int_digits, frac_digits;
	for (; i < len && text[i] >= '0' && text[i] <= '9'; i++) {
		int_digits += text[i];
	}
	if (i < len && text[i] == '.') {
		for (i++; i < len && text[i] >= '0' && text[i] <= '9'; i++) {
			frac_digits += text[i];
		}
	}
	if (i != len || (int_digits.empty() && frac_digits.empty())) {
		unsupported(n, "malformed decimal \"" + std::string(text, len) + "\"");
	}
	const std::size_t lead = int_digits.find_first_not_of('0');
	int_digits = lead == std::string::npos ? std::string() : int_digits.substr(lead);
	/* Trailing fraction zeros carry no value: drop them only when the digits do not fit. */
	while ((int_digits.size() + frac_digits.size() > max_decimal_digits ||
	        frac_digits.size() > max_decimal_digits) &&
	       !frac_digits.empty() && frac_digits.back() == '0') {
		frac_digits.pop_back();
	}
	if (int_digits.size() + frac_digits.size() > max_decimal_digits) {
		unsupported(n, "decimal value with more than 38 significant digits",
		            "SQL Server's decimal holds at most 38 digits.");
	}
	const std::string digits = int_digits + frac_digits;
	DBDECIMAL d;
	std::memset(&d, 0, sizeof d);
	d.precision = max_decimal_digits;
	d.scale = static_cast<unsigned char>(frac_digits.size());
	/* Magnitude, big-endian in array[1..16] (17 bytes with the sign for precision 38). */
	unsigned char *mag = d.array + 1;
	constexpr int mag_bytes = 16;
	bool zero = true;
	for (const char ch : digits) {
		unsigned carry = static_cast<unsigned>(ch - '0');
		if (carry != 0) {
			zero = false;
		}
		for (int k = mag_bytes - 1; k >= 0; k--) {
			const unsigned v = mag[k] * 10U + carry;
			mag[k] = static_cast<unsigned char>(v & 0xFF);
			carry = v >> 8;
		}
	}
	d.array[0] = negative && !zero ? 1 : 0; /* FreeTDS's in-memory sign: 1 = negative */
	p.type = SYBDECIMAL;
	p.storage.assign(reinterpret_cast<const char *>(&d), sizeof d);
	p.datalen = static_cast<int>(sizeof d);
	return d.scale;
}

void
set_text(RpcParam &p, std::string text)
{
	p.type = SYBVARCHAR;
	p.storage = std::move(text);
	p.datalen = static_cast<int>(p.storage.size());
}

/* "6f9619ff-8b86-d011-b42d-00c04fc964ff" from RFC 4122 bytes. */
std::string
uuid_text(const unsigned char *b)
{
	static const char hex[] = "0123456789abcdef";
	std::string out;
	out.reserve(36);
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10) {
			out += '-';
		}
		out += hex[b[i] >> 4];
		out += hex[b[i] & 0x0F];
	}
	return out;
}

std::string
two(unsigned v)
{
	char buf[8];
	std::snprintf(buf, sizeof buf, "%02u", v % 100);
	return buf;
}

/* Plan one parameter; returns its declaration, or "" when it was inlined. */
std::string
plan_param(const Cell &c, int n, bool native_temporals, RpcParam &p,
           std::map<int, std::string> &inlined)
{
	switch (c.kind) {
	case CellKind::null:
		p.type = SYBINT4;
		p.datalen = 0;
		return "nvarchar(4000)";
	case CellKind::boolean:
		p.type = SYBBIT;
		p.storage.assign(1, c.i != 0 ? '\1' : '\0');
		p.datalen = -1;
		return "bit";
	case CellKind::int64:
		p.type = SYBINT8;
		p.storage.assign(reinterpret_cast<const char *>(&c.i), sizeof c.i);
		p.datalen = -1;
		return "bigint";
	case CellKind::uint64:
		if (c.u <= static_cast<std::uint64_t>(INT64_MAX)) {
			const auto v = static_cast<std::int64_t>(c.u);
			p.type = SYBINT8;
			p.storage.assign(reinterpret_cast<const char *>(&v), sizeof v);
			p.datalen = -1;
			return "bigint";
		}
		{
			const std::string text = std::to_string(c.u);
			set_decimal(p, text.data(), text.size(), n);
			return "decimal(38,0)";
		}
	case CellKind::float64:
		if (!std::isfinite(c.f)) {
			unsupported(n, "float value NaN or infinity",
			            "SQL Server's float has no NaN or infinite values.");
		}
		p.type = SYBFLT8;
		p.storage.assign(reinterpret_cast<const char *>(&c.f), sizeof c.f);
		p.datalen = -1;
		return "float";
	case CellKind::decimal: {
		const int scale = set_decimal(p, c.data, c.size, n);
		return "decimal(38," + std::to_string(scale) + ")";
	}
	case CellKind::text:
		if (c.size > max_value_bytes) {
			unsupported(n, "text longer than 2 GB");
		}
		if (c.size == 0) {
			inlined[n] = "N''";
			return {};
		}
		p.external = c.data;
		p.datalen = static_cast<int>(c.size);
		if (c.size <= short_text_bytes) {
			p.type = SYBVARCHAR;
			return "nvarchar(4000)";
		}
		p.type = SYBNTEXT;
		return "nvarchar(max)";
	case CellKind::bytes:
		if (c.size > max_value_bytes) {
			unsupported(n, "binary value longer than 2 GB");
		}
		if (c.size == 0) {
			inlined[n] = "0x";
			return {};
		}
		p.external = c.data;
		p.datalen = static_cast<int>(c.size);
		if (c.size <= short_binary_bytes) {
			p.type = SYBVARBINARY;
			return "varbinary(8000)";
		}
		p.type = SYBIMAGE;
		return "varbinary(max)";
	case CellKind::uuid: {
		if (c.size != 16 || c.data == nullptr) {
			unsupported(n, "malformed uuid");
		}
		/*
		 * As text: db-lib's dbrpcparam refuses SYBUNIQUE (a fixed-size type that
		 * is also nullable, FreeTDS 1.3 misc/types.csv), and text converts to
		 * uniqueidentifier exactly, with no byte-order question.
		 */
		set_text(p, uuid_text(reinterpret_cast<const unsigned char *>(c.data)));
		return "uniqueidentifier";
	}
	case CellKind::date:
	case CellKind::time:
	case CellKind::timestamp:
	case CellKind::timestamptz: {
		const char *decl = c.kind == CellKind::date        ? "date"
		                   : c.kind == CellKind::time      ? "time(7)"
		                   : c.kind == CellKind::timestamp ? "datetime2(7)"
		                                                   : "datetimeoffset(7)";
		/* date as ISO text too: dbrpcparam refuses SYBMSDATE like SYBUNIQUE. */
		if (!native_temporals || c.kind == CellKind::date) {
			if (c.kind != CellKind::time) {
				check_date(n, c.t);
			}
			if (c.kind != CellKind::date) {
				check_clock(n, c);
			}
			set_text(p, iso_text(c));
			return decl;
		}
		const int type = c.kind == CellKind::time        ? SYBMSTIME
		                 : c.kind == CellKind::timestamp ? SYBMSDATETIME2
		                                                 : SYBMSDATETIMEOFFSET;
		set_datetimeall(p, type, c, n);
		return decl;
	}
	}
	unsupported(n, "unknown value kind");
}

} // namespace

std::string
inline_placeholders(const std::string &sql, const std::map<int, std::string> &literals)
{
	if (literals.empty()) {
		return sql;
	}
	std::string out;
	out.reserve(sql.size() + 16);
	std::size_t i = 0;
	while (i < sql.size()) {
		const char c = sql[i];
		std::size_t end = i + 1;
		if (c == '\'') {
			end = skip_quoted(sql, i, '\'');
		} else if (c == '[') {
			end = skip_quoted(sql, i, ']');
		} else if (c == '"') {
			end = skip_quoted(sql, i, '"');
		} else if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
			end = sql.find('\n', i);
			end = end == std::string::npos ? sql.size() : end;
		} else if (c == '/' && i + 1 < sql.size() && sql[i + 1] == '*') {
			end = skip_block_comment(sql, i);
		} else if (c == '@' && (i == 0 || !identifier_char(sql[i - 1])) && i + 2 < sql.size() &&
		           (sql[i + 1] == 'P' || sql[i + 1] == 'p') && sql[i + 2] >= '0' &&
		           sql[i + 2] <= '9') {
			std::size_t j = i + 2;
			int n = 0;
			while (j < sql.size() && sql[j] >= '0' && sql[j] <= '9' && n < 100000000) {
				n = n * 10 + (sql[j] - '0');
				j++;
			}
			if (j == sql.size() || !identifier_char(sql[j])) {
				const auto hit = literals.find(n);
				if (hit != literals.end()) {
					out += hit->second;
					i = j;
					continue;
				}
			}
			end = j;
		} else if (identifier_char(c)) {
			/* A whole word, so "x@P1"-like tails inside names are never split. */
			while (end < sql.size() && identifier_char(sql[end])) {
				end++;
			}
		}
		out.append(sql, i, end - i);
		i = end;
	}
	return out;
}

std::string
iso_text(const Cell &c)
{
	const Temporal &t = c.t;
	char date[16];
	std::snprintf(date, sizeof date, "%04d-%s-%s", static_cast<int>(t.year), two(t.month).c_str(),
	              two(t.day).c_str());
	char clock[24];
	std::snprintf(clock, sizeof clock, "%s:%s:%s.%06u", two(t.hour).c_str(), two(t.minute).c_str(),
	              two(t.second).c_str(), static_cast<unsigned>(t.microsecond));
	switch (c.kind) {
	case CellKind::date: return date;
	case CellKind::time: return clock;
	case CellKind::timestamp: return std::string(date) + "T" + clock;
	default: {
		const int off = t.offset_minutes;
		const unsigned a = static_cast<unsigned>(off < 0 ? -off : off);
		return std::string(date) + "T" + clock + (off < 0 ? "-" : "+") + two(a / 60) + ":" +
		       two(a % 60);
	}
	}
}

RpcCall
plan_rpc(const remote::Query &query, bool native_temporals)
{
	RpcCall call;
	std::map<int, std::string> inlined;
	call.params.reserve(query.params.size());
	for (std::size_t k = 0; k < query.params.size(); k++) {
		const int n = static_cast<int>(k + 1);
		RpcParam p;
		p.name = "@P" + std::to_string(n);
		const std::string decl = plan_param(query.params[k], n, native_temporals, p, inlined);
		if (decl.empty()) {
			continue;
		}
		if (!call.declarations.empty()) {
			call.declarations += ", ";
		}
		call.declarations += p.name + " " + decl;
		call.params.push_back(std::move(p));
	}
	call.statement = inline_placeholders(query.sql, inlined);
	return call;
}

} // namespace tributary::tds

/*
 * tds_dialect.cpp — T-SQL identifier quoting, literals and row limits.
 *
 * Zone: driver zone (no PostgreSQL headers, never calls the backend).
 */
#include "fdw/tds/tds_dialect.hpp"

#include "fdw/remote/driver_zone.hpp"
#include "fdw/remote/options_util.hpp"

namespace tributary::tds {

using remote::ErrorKind;
using remote::RemoteError;

namespace {

void
reject_nul(const std::string &s, const char *what)
{
	if (s.find('\0') != std::string::npos) {
		throw RemoteError(ErrorKind::data, std::string("cannot send a ") + what +
		                                       " containing a NUL byte to SQL Server");
	}
}

bool
digits_at(const std::string &s, std::size_t pos, std::size_t count)
{
	if (pos + count > s.size()) {
		return false;
	}
	for (std::size_t i = pos; i < pos + count; i++) {
		if (s[i] < '0' || s[i] > '9') {
			return false;
		}
	}
	return true;
}

/* "YYYY-MM-DD" at the start of iso, with a year in SQL Server's 0001–9999. */
bool
valid_date_part(const std::string &iso)
{
	return digits_at(iso, 0, 4) && iso[4] == '-' && digits_at(iso, 5, 2) && iso[7] == '-' &&
	       digits_at(iso, 8, 2) && iso.compare(0, 4, "0000") != 0;
}

[[noreturn]] void
bad_temporal(const std::string &iso, const char *type)
{
	throw RemoteError(ErrorKind::unsupported,
	                  std::string("cannot spell ") + type + " \"" + iso + "\" for SQL Server",
	                  "SQL Server dates and times range from 0001-01-01 to 9999-12-31 and have at "
	                  "most 7 fractional second digits.");
}

} // namespace

std::string
TdsDialect::quote_identifier(const std::string &name) const
{
	reject_nul(name, "identifier");
	return remote::enclose(name, "[", ']');
}

std::string
TdsDialect::quote_string(const std::string &utf8) const
{
	reject_nul(utf8, "string");
	return remote::enclose(utf8, "N'", '\'');
}

std::string
TdsDialect::quote_bytes(const std::string &bytes) const
{
	static const char hex[] = "0123456789ABCDEF";
	std::string out;
	out.reserve(2 + bytes.size() * 2);
	out += "0x";
	for (const char c : bytes) {
		const auto b = static_cast<unsigned char>(c);
		out += hex[b >> 4];
		out += hex[b & 0x0F];
	}
	return out;
}

std::string
TdsDialect::boolean_literal(bool value) const
{
	return value ? "1" : "0";
}

std::string
TdsDialect::timestamp_literal(const std::string &iso) const
{
	/* YYYY-MM-DD[ T]HH:MM:SS */
	if (iso.size() < 19 || !valid_date_part(iso) || (iso[10] != ' ' && iso[10] != 'T') ||
	    !digits_at(iso, 11, 2) || iso[13] != ':' || !digits_at(iso, 14, 2) || iso[16] != ':' ||
	    !digits_at(iso, 17, 2)) {
		bad_temporal(iso, "timestamp");
	}
	std::string body = iso.substr(0, 10) + "T" + iso.substr(11, 8);
	std::size_t pos = 19;
	if (pos < iso.size() && iso[pos] == '.') {
		std::size_t end = pos + 1;
		while (end < iso.size() && iso[end] >= '0' && iso[end] <= '9') {
			end++;
		}
		const std::size_t n = end - pos - 1;
		if (n == 0 || n > 7) {
			bad_temporal(iso, "timestamp");
		}
		body += iso.substr(pos, end - pos);
		pos = end;
	}
	if (pos == iso.size()) {
		return "CONVERT(datetime2(7), '" + body + "', 126)";
	}
	/* An offset: ±HH, ±HHMM or ±HH:MM (PostgreSQL prints +00 for UTC). */
	const char sign = iso[pos];
	if ((sign != '+' && sign != '-') || !digits_at(iso, pos + 1, 2)) {
		bad_temporal(iso, "timestamp");
	}
	std::string minutes = "00";
	std::size_t end = pos + 3;
	if (end < iso.size()) {
		if (iso[end] == ':') {
			end++;
		}
		if (!digits_at(iso, end, 2) || end + 2 != iso.size()) {
			bad_temporal(iso, "timestamp");
		}
		minutes = iso.substr(end, 2);
	}
	body += sign + iso.substr(pos + 1, 2) + ":" + minutes;
	return "CONVERT(datetimeoffset(7), '" + body + "', 127)";
}

std::string
TdsDialect::date_literal(const std::string &iso) const
{
	if (iso.size() != 10 || !valid_date_part(iso)) {
		bad_temporal(iso, "date");
	}
	return "CONVERT(date, '" + iso + "', 23)";
}

std::string
TdsDialect::placeholder(int n) const
{
	return "@P" + std::to_string(n);
}

std::string
TdsDialect::limit_query(const std::string &select_list, const std::string &rest, long long limit,
                        long long offset, bool has_order) const
{
	if (offset <= 0) {
		std::string out = "SELECT ";
		if (limit >= 0) {
			out += "TOP (" + std::to_string(limit) + ") ";
		}
		out += select_list;
		if (!rest.empty()) {
			out += ' ';
			out += rest;
		}
		return out;
	}
	std::string out = "SELECT " + select_list;
	if (!rest.empty()) {
		out += ' ';
		out += rest;
	}
	if (!has_order) {
		out += " ORDER BY (SELECT NULL)";
	}
	out += " OFFSET " + std::to_string(offset) + " ROWS";
	if (limit >= 0) {
		out += " FETCH NEXT " + std::to_string(limit) + " ROWS ONLY";
	}
	return out;
}

const TdsDialect &
dialect()
{
	static const TdsDialect instance;
	return instance;
}

std::string
TdsDialect::aggregate_name(const std::string &name) const
{
	return name == "count" ? "COUNT_BIG" : name;
}

bool
is_sql_variant(const std::string &remote_type)
{
	std::string t;
	for (const char c : remote_type) {
		if (c != ' ' && c != '\t') {
			t += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
		}
	}
	return t == "sql_variant";
}

std::string
TdsDialect::select_column(const std::string &quoted, const std::string &remote_type) const
{
	if (!is_sql_variant(remote_type)) {
		return quoted;
	}
	const std::string &v = quoted;
	auto styled = [&v](const char *base, const char *as, int style) {
		return std::string(" WHEN '") + base + "' THEN CONVERT(nvarchar(max), CAST(" + v + " AS " +
		       as + "), " + std::to_string(style) + ")";
	};
	return "CASE CAST(SQL_VARIANT_PROPERTY(" + v + ", 'BaseType') AS nvarchar(128))" +
	       styled("float", "float", 3) + styled("real", "real", 3) + styled("money", "money", 2) +
	       styled("smallmoney", "smallmoney", 2) + styled("datetime", "datetime", 121) +
	       styled("smalldatetime", "smalldatetime", 120) +
	       styled("binary", "varbinary(8000)", 1) + styled("varbinary", "varbinary(8000)", 1) +
	       " ELSE CAST(" + v + " AS nvarchar(max)) END AS " + v;
}

bool
TdsDialect::comparable_column(const std::string &remote_type) const
{
	return !is_sql_variant(remote_type);
}

} // namespace tributary::tds

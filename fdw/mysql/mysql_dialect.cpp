/*
 * mysql_dialect.cpp — identifier quoting, literal spelling and LIMIT form for
 * MySQL/MariaDB.
 *
 * Zone: driver zone (no PostgreSQL headers, never calls the backend). Pure
 * string work, no client library calls.
 *
 * Why the string literal looks the way it does: with the default sql_mode a
 * backslash inside '…' starts an escape, with NO_BACKSLASH_ESCAPES it is an
 * ordinary character. A literal without backslashes means the same in both
 * modes when its single quotes are doubled. Anything else (a backslash, NUL or
 * another control byte that could be mangled in logs) is sent as a hex string
 * with the utf8mb4 introducer, which no sql_mode reinterprets.
 */
#include "fdw/mysql/mysql_dialect.hpp"

#include <cctype>
#include <cstdio>

#include "fdw/remote/driver_zone.hpp"
#include "fdw/remote/options_util.hpp"

namespace tributary::mysql {

namespace {

constexpr char hex_digits[] = "0123456789ABCDEF";

void
append_hex(std::string &out, const std::string &bytes)
{
	out.reserve(out.size() + bytes.size() * 2 + 1);
	for (const unsigned char c : bytes) {
		out += hex_digits[c >> 4];
		out += hex_digits[c & 0x0F];
	}
}

bool
needs_hex_form(const std::string &text)
{
	for (const unsigned char c : text) {
		if (c == '\\' || c < 0x20 || c == 0x7F) {
			return true;
		}
	}
	return false;
}

/* Accepts "YYYY-MM-DD" optionally followed by [ T]HH:MM:SS[.f{1,9}]; returns the normalised text.
 */
std::string
checked_temporal(const std::string &iso, bool with_time, const char *what)
{
	std::string out = iso;
	const auto fail = [&]() {
		return remote::RemoteError(remote::ErrorKind::unsupported, std::string("cannot express ") +
		                                                               what + " \"" + iso +
		                                                               "\" as a MySQL literal");
	};
	const auto digit = [&](std::size_t i) {
		return i < out.size() && std::isdigit(static_cast<unsigned char>(out[i]));
	};
	if (out.size() < 10 || !(digit(0) && digit(1) && digit(2) && digit(3) && out[4] == '-' &&
	                         digit(5) && digit(6) && out[7] == '-' && digit(8) && digit(9))) {
		throw fail();
	}
	if (!with_time) {
		if (out.size() != 10) {
			throw fail();
		}
		return out;
	}
	if (out.size() == 10) {
		return out + " 00:00:00";
	}
	if (out.size() < 19 || (out[10] != ' ' && out[10] != 'T') || !digit(11) || !digit(12) ||
	    out[13] != ':' || !digit(14) || !digit(15) || out[16] != ':' || !digit(17) || !digit(18)) {
		throw fail();
	}
	out[10] = ' ';
	if (out.size() == 19) {
		return out;
	}
	if (out[19] != '.' || out.size() == 20) {
		throw fail();
	}
	for (std::size_t i = 20; i < out.size(); i++) {
		if (!digit(i)) {
			throw fail();
		}
	}
	if (out.size() > 26) {
		/* MySQL keeps microseconds; drop digits below them only if they are zero. */
		for (std::size_t i = 26; i < out.size(); i++) {
			if (out[i] != '0') {
				throw fail();
			}
		}
		out.resize(26);
	}
	return out;
}

} // namespace

std::string
MysqlDialect::quote_identifier(const std::string &name) const
{
	if (name.find('\0') != std::string::npos) {
		throw remote::RemoteError(remote::ErrorKind::data, "a MySQL identifier cannot contain a NUL byte");
	}
	return remote::enclose(name, "`", '`');
}

std::string
MysqlDialect::quote_string(const std::string &utf8) const
{
	std::string out;
	if (needs_hex_form(utf8)) {
		out = "_utf8mb4 X'";
		append_hex(out, utf8);
		out += '\'';
		return out;
	}
	return remote::enclose(utf8, "'", '\'');
}

std::string
MysqlDialect::quote_bytes(const std::string &bytes) const
{
	std::string out = "X'";
	append_hex(out, bytes);
	out += '\'';
	return out;
}

std::string
MysqlDialect::boolean_literal(bool value) const
{
	return value ? "TRUE" : "FALSE";
}

std::string
MysqlDialect::timestamp_literal(const std::string &iso) const
{
	return "TIMESTAMP'" + checked_temporal(iso, true, "timestamp") + "'";
}

std::string
MysqlDialect::date_literal(const std::string &iso) const
{
	return "DATE'" + checked_temporal(iso, false, "date") + "'";
}

std::string
MysqlDialect::placeholder(int) const
{
	return "?";
}

std::string
MysqlDialect::limit_query(const std::string &select_list, const std::string &rest, long long limit,
                          long long offset, bool) const
{
	std::string out = "SELECT " + select_list;
	if (!rest.empty()) {
		out += ' ';
		out += rest;
	}
	if (limit < 0 && offset <= 0) {
		return out;
	}
	out += " LIMIT ";
	out += limit >= 0 ? std::to_string(limit) : std::string(mysql_max_limit);
	if (offset > 0) {
		out += " OFFSET ";
		out += std::to_string(offset);
	}
	return out;
}

/*
 * Why these collations. PostgreSQL's LIKE compares every character exactly; under
 * utf8mb4_bin MySQL does the same (LIKE never pads trailing spaces), so LIKE and NOT
 * LIKE are exact whatever the column's own collation — a case-insensitive one, or a
 * collation with contractions such as utf8mb4_czech_ci, would change the meaning. A
 * latin1 or utf8mb3 column is converted to utf8mb4 for the comparison; both sides see
 * the same characters PostgreSQL reads.
 *
 * ILIKE folds case with PostgreSQL's lower(). MySQL has no such operator; under
 * utf8mb4_unicode_ci ASCII letters match their other case, and so do the two non-ASCII
 * characters whose lower case is ASCII (KELVIN SIGN, LATIN CAPITAL I WITH DOT ABOVE:
 * checked against MariaDB 10.11, where utf8mb4_general_ci fails the first). Other
 * characters may fold differently in the two systems, so each is sent as '_' (any one
 * character): the remote match is a superset, and PostgreSQL rechecks it.
 *
 * The escape character is given as ESCAPE _utf8mb4 X'5C': a backslash that no
 * sql_mode (NO_BACKSLASH_ESCAPES or not) reads differently.
 */
remote::Support
MysqlDialect::like_support(remote::LikeKind kind) const
{
	switch (kind) {
	case remote::LikeKind::like:
	case remote::LikeKind::not_like: return remote::Support::exact;
	case remote::LikeKind::ilike: return remote::Support::superset;
	case remote::LikeKind::not_ilike: break;
	}
	return remote::Support::none;
}

std::string
ilike_superset_pattern(const std::string &pattern)
{
	std::string out;
	out.reserve(pattern.size());
	bool escaped = false;
	for (std::size_t i = 0; i < pattern.size();) {
		const unsigned char c = static_cast<unsigned char>(pattern[i]);
		std::size_t len = 1;
		if (c >= 0xF0) {
			len = 4;
		} else if (c >= 0xE0) {
			len = 3;
		} else if (c >= 0xC0) {
			len = 2;
		}
		if (c >= 0x80) {
			out += '_'; /* one character, whatever it folds to */
			escaped = false;
		} else if (escaped) {
			out += '\\';
			out += static_cast<char>(c);
			escaped = false;
		} else if (c == '\\') {
			escaped = true;
		} else {
			out += static_cast<char>(c);
		}
		i += len;
	}
	if (escaped) {
		out += "\\\\"; /* a lone trailing escape: a literal backslash (callers never send one) */
	}
	return out;
}

std::string
MysqlDialect::like(const std::string &lhs, const std::string &pattern, remote::LikeKind kind) const
{
	const char *escape = " ESCAPE _utf8mb4 X'5C')";
	switch (kind) {
	case remote::LikeKind::like:
		return "(" + lhs + " LIKE " + quote_string(pattern) + " COLLATE utf8mb4_bin" + escape;
	case remote::LikeKind::not_like:
		return "(" + lhs + " NOT LIKE " + quote_string(pattern) + " COLLATE utf8mb4_bin" + escape;
	case remote::LikeKind::ilike:
		return "(" + lhs + " LIKE " + quote_string(ilike_superset_pattern(pattern)) +
		       " COLLATE utf8mb4_unicode_ci" + escape;
	case remote::LikeKind::not_ilike: break;
	}
	throw remote::RemoteError(remote::ErrorKind::internal, "NOT ILIKE is not sent to MySQL");
}

std::string
MysqlDialect::sample_condition(double fraction) const
{
	if (!(fraction > 0) || fraction >= 1) {
		return {};
	}
	char buf[64];
	std::snprintf(buf, sizeof buf, "RAND() < %.9f", fraction);
	return buf;
}

const MysqlDialect &
dialect()
{
	static const MysqlDialect instance;
	return instance;
}

} // namespace tributary::mysql

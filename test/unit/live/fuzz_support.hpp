/*
 * fuzz_support.hpp — generators and PostgreSQL helpers of the property tests that feed
 * arbitrary values through the deparser (fuzz_*_live_test.cpp).
 *
 * Values: text with quotes, backslashes, LIKE wildcards, control characters (no NUL:
 * PostgreSQL text cannot hold it), multi-byte and case-folding traps (ß, ẞ, İ, ı,
 * KELVIN SIGN, final sigma, combining marks, emoji), SQL-injection shapes and very long
 * strings; bytes including NUL, quote and backslash; integers at their limits; decimals
 * with 38 digits; doubles from denormal to huge. A run is reproducible: the seed is
 * printed, and TRIBUTARY_FUZZ_SEED replays it.
 */
#pragma once

#include <gtest/gtest.h>

#include <pqxx/pqxx>

#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

namespace fuzz {

class Rng {
  public:
	explicit Rng(std::uint64_t seed) : m_gen(seed) {}
	std::uint64_t next() { return m_gen(); }
	int below(int n) { return static_cast<int>(m_gen() % static_cast<std::uint64_t>(n)); }
	bool chance(int percent) { return below(100) < percent; }
	template <typename T> const T &pick(const std::vector<T> &v) { return v[below((int) v.size())]; }

  private:
	std::mt19937_64 m_gen;
};

/* The run's seed: TRIBUTARY_FUZZ_SEED, else a fresh one; printed either way. */
inline std::uint64_t
seed(const char *what)
{
	std::uint64_t s;
	const char *env = std::getenv("TRIBUTARY_FUZZ_SEED");
	if (env != nullptr && *env != '\0') {
		s = std::strtoull(env, nullptr, 10);
	} else {
		std::random_device rd;
		s = (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
	}
	std::printf("%s: seed %" PRIu64 " (replay with TRIBUTARY_FUZZ_SEED=%" PRIu64 ")\n", what, s,
	            s);
	return s;
}

/* Pieces that have broken literal escaping, collation-blind comparisons or LIKE before. */
inline const std::vector<std::string> &
text_pieces()
{
	static const std::vector<std::string> pieces = {
	    "'", "''", "\\", "\\'", "\\\\", "\\0", "\\n", "%", "_", "\\%", "\\_", "`", "\"", "[", "]",
	    ";", "--", "/*", "*/", "#", "\n", "\r", "\t", "\x01", "\x08", "\x1a", "\x1b", "\x1f",
	    "\x7f", " ", "  ", "a", "b", "B", "z", "Z", "0", "9", "é", "É", "e\xcc\x81", "ß", "ẞ",
	    "ı", "İ", "i", "I", "\xe2\x84\xaa" /* KELVIN SIGN */, "k", "K", "ſ", "s", "S", "Σ", "σ",
	    "ς", "€", "中文", "🦊", "😀", "ǅ", "ǆ", "ﬁ", "ä", "Ä", "å", "Å", "ø",
	    "' OR '1'='1", "'); DROP TABLE users; --", "\\'; SELECT 1; --", "_utf8mb4 X'27'",
	    "0x27", "N'x'", "@P1", "?", "$1", "\xc2\xa0" /* NO-BREAK SPACE */};
	return pieces;
}

inline std::string
random_text(Rng &r)
{
	std::string out;
	if (r.chance(3)) {
		return out; /* empty */
	}
	const int n = r.chance(4) ? 400 + r.below(1200) : r.below(12);
	for (int i = 0; i < n; i++) {
		out += r.pick(text_pieces());
	}
	if (r.chance(15)) {
		out += r.chance(50) ? " " : "   "; /* trailing spaces: PAD SPACE collations */
	}
	return out;
}

inline std::string
random_bytes(Rng &r)
{
	static const std::vector<unsigned char> special = {0x00, 0x27, 0x5C, 0x22, 0x25, 0x5F,
	                                                   0x20, 0xFF, 0x80, 0x0A};
	std::string out;
	const int n = r.below(40);
	for (int i = 0; i < n; i++) {
		out += static_cast<char>(r.chance(40) ? r.pick(special) : r.below(256));
	}
	return out;
}

inline std::int64_t
random_int(Rng &r)
{
	switch (r.below(5)) {
	case 0: return INT64_MAX - r.below(3);
	case 1: return INT64_MIN + r.below(3);
	case 2: return static_cast<std::int64_t>(r.next());
	default: return r.below(2001) - 1000;
	}
}

/* A decimal with up to 28 integer and 10 fraction digits, as text. */
inline std::string
random_decimal(Rng &r)
{
	std::string out = r.chance(40) ? "-" : "";
	const int int_digits = r.chance(30) ? 20 + r.below(9) : 1 + r.below(6);
	for (int i = 0; i < int_digits; i++) {
		out += static_cast<char>('0' + (i == 0 ? 1 + r.below(9) : r.below(10)));
	}
	if (r.chance(70)) {
		out += '.';
		const int frac = 1 + r.below(10);
		for (int i = 0; i < frac; i++) {
			out += static_cast<char>('0' + r.below(10));
		}
	}
	return out;
}

inline double
random_double(Rng &r)
{
	switch (r.below(6)) {
	case 0: return 4.9e-324 * (1 + r.below(5)); /* denormal */
	case 1: return 1.7976931348623157e308 / (1 + r.below(5));
	case 2: return -0.0;
	case 3: return std::ldexp(static_cast<double>(r.next() >> 11), -r.below(80));
	default: return (r.below(200001) - 100000) / 1000.0;
	}
}

/* Split UTF-8 text into characters. */
inline std::vector<std::string>
characters(const std::string &s)
{
	std::vector<std::string> out;
	for (std::size_t i = 0; i < s.size();) {
		const unsigned char c = static_cast<unsigned char>(s[i]);
		std::size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
		out.push_back(s.substr(i, len));
		i += len;
	}
	return out;
}

/* A LIKE pattern built from subject: literal characters, wildcards, escapes. */
inline std::string
like_pattern(Rng &r, const std::string &subject)
{
	std::string out = r.chance(30) ? "%" : "";
	for (const std::string &ch : characters(subject)) {
		const int roll = r.below(100);
		if (roll < 8) {
			out += "_";
		} else if (roll < 12) {
			out += "%";
		} else if (ch == "%" || ch == "_" || ch == "\\") {
			/* Mostly escaped; sometimes left as a wildcard or an escape of the next one. */
			out += r.chance(75) ? "\\" + ch : (ch == "\\" ? "\\\\" : ch);
		} else if (r.chance(10) && ch.size() == 1 && std::isalpha(static_cast<unsigned char>(ch[0]))) {
			out += static_cast<char>(ch[0] ^ 0x20); /* the other case */
		} else {
			out += ch;
		}
	}
	if (r.chance(30)) {
		out += "%";
	}
	return out;
}

/* An environment variable's value, "" when unset. */
inline std::string
env_value(const char *name)
{
	const char *v = std::getenv(name);
	return v != nullptr ? v : "";
}

/*
 * A foreign server of wrapper for the harness's source <env> (TRIBUTARY_MYSQL or
 * TRIBUTARY_TDS: _PORT, _DATABASE, _USER, _PASSWORD) and the current user's mapping.
 */
inline void
create_server(pqxx::transaction_base &tx, const std::string &server, const char *wrapper,
              const std::string &env)
{
	const auto var = [&](const char *name) { return tx.quote(env_value((env + name).c_str())); };
	tx.exec("CREATE SERVER " + server + " FOREIGN DATA WRAPPER " + wrapper +
	        " OPTIONS (host '127.0.0.1', port " + var("_PORT") + ", dbname " + var("_DATABASE") +
	        ")");
	tx.exec("CREATE USER MAPPING FOR CURRENT_USER SERVER " + server + " OPTIONS (username " +
	        var("_USER") + ", password " + var("_PASSWORD") + ")");
}

/* PostgreSQL's notices and warnings on a connection (DETAIL, HINT…: verbose), kept. */
class Notices final : public pqxx::errorhandler {
  public:
	Notices(pqxx::connection_base &c, std::string &sink) : pqxx::errorhandler(c), m_sink(sink) {}
	bool operator()(const char msg[]) noexcept override
	{
		try {
			m_sink += msg;
		} catch (...) {
		}
		return false;
	}

  private:
	std::string &m_sink;
};

/* PostgreSQL literals (the server-side quoting of libpq, never our own). */
inline std::string
pg_text(pqxx::connection_base &c, const std::string &s)
{
	return c.quote(s);
}

inline std::string
pg_bytea(const std::string &bytes)
{
	static const char hex[] = "0123456789abcdef";
	std::string out = "'\\x";
	for (const unsigned char b : bytes) {
		out += hex[b >> 4];
		out += hex[b & 15];
	}
	return out + "'::bytea";
}

inline std::string
pg_double(double d)
{
	char buf[64];
	std::snprintf(buf, sizeof buf, "'%.17g'::float8", d);
	return buf;
}

/* The rows (first column, in order) of a query, or "ERROR <sqlstate>" if it failed. */
inline std::vector<std::string>
column(pqxx::connection_base &c, const std::string &sql)
{
	std::vector<std::string> out;
	try {
		pqxx::nontransaction tx(c);
		for (const auto &row : tx.exec(sql)) {
			out.push_back(row[0].is_null() ? std::string("<NULL>") : row[0].as<std::string>());
		}
	} catch (const pqxx::sql_error &e) {
		out = {"ERROR " + e.sqlstate() + ": " + e.what()};
	}
	return out;
}

inline std::string
joined(const std::vector<std::string> &v, std::size_t max = 20)
{
	std::string out;
	for (std::size_t i = 0; i < v.size() && i < max; i++) {
		out += (i > 0 ? "," : "") + v[i];
	}
	return v.size() > max ? out + ",… (" + std::to_string(v.size()) + ")" : out;
}

/* The Remote SQL line of EXPLAIN VERBOSE (empty if none). */
inline std::string
remote_sql(pqxx::connection_base &c, const std::string &select)
{
	for (const std::string &line : column(c, "EXPLAIN (VERBOSE, COSTS OFF) " + select)) {
		const auto at = line.find("Remote SQL: ");
		if (at != std::string::npos) {
			return line.substr(at + 12);
		}
	}
	return {};
}

} // namespace fuzz

/*
 * collation.cpp — SQL Server comparison semantics inside SQLite: the TDSCI, TDSDEC and
 * TDSDT collations and a T-SQL LIKE (registered over SQLite's like()).
 *
 * Zone: test server (SQLite C API). TDSCI approximates SQL_Latin1_General_CP1_CI_AS:
 * trailing spaces ignored, case-insensitive, accent-sensitive; strings first compare by
 * base letter (so 'é' sorts beside 'e'), then by accent. Case folding covers Latin-1,
 * Latin Extended-A, Greek and Cyrillic; README.md lists what differs from Windows sorting.
 */
#include <cstring>
#include <vector>

#include "test/tds_server/decimal.hpp"
#include "test/tds_server/sqlite_ext.hpp"
#include "test/tds_server/temporal.hpp"
#include "test/tds_server/wire.hpp"

namespace tributary::tds_server
{

namespace
{

/* Base letter of U+00C0..U+00FF ('.' = no base letter: keep the folded code point). */
constexpr char latin1_base[] = "aaaaaa.ceeeeiiiidnooooo.ouuuuy.."
                               "aaaaaa.ceeeeiiiidnooooo.ouuuuy.y";
/* Base letter of U+0100..U+017F. */
constexpr char latin_ext_a_base[] = "aaaaaaccccccccdd"
                                    "ddeeeeeeeeeegggg"
                                    "gggghhhhiiiiiiii"
                                    "ii..jjkkklllllll"
                                    "lllnnnnnnnnnoooo"
                                    "oo..rrrrrrssssss"
                                    "ssttttttuuuuuuuu"
                                    "uuuuwwyyyzzzzzzs";

std::string_view
trim_trailing_spaces(const void *p, int n)
{
	const auto *s = static_cast<const char *>(p);
	while (n > 0 && s[n - 1] == ' ') {
		n--;
	}
	return std::string_view(s, static_cast<std::size_t>(n));
}

int
tdsci_collate(void *, int n1, const void *p1, int n2, const void *p2)
{
	return compare_ci(trim_trailing_spaces(p1, n1), trim_trailing_spaces(p2, n2));
}

int
binary_compare(const void *p1, int n1, const void *p2, int n2)
{
	const int n = n1 < n2 ? n1 : n2;
	const int c = std::memcmp(p1, p2, static_cast<std::size_t>(n));
	if (c != 0) {
		return c;
	}
	return n1 < n2 ? -1 : n1 > n2 ? 1 : 0;
}

int
tdsdec_collate(void *, int n1, const void *p1, int n2, const void *p2)
{
	DecimalText a;
	DecimalText b;
	if (parse_decimal(std::string_view(static_cast<const char *>(p1), static_cast<std::size_t>(n1)),
	                  a) &&
	    parse_decimal(std::string_view(static_cast<const char *>(p2), static_cast<std::size_t>(n2)),
	                  b)) {
		return compare_decimal(a, b);
	}
	return binary_compare(p1, n1, p2, n2);
}

int
tdsdt_collate(void *, int n1, const void *p1, int n2, const void *p2)
{
	Temporal a;
	Temporal b;
	if (parse_temporal(
	        std::string_view(static_cast<const char *>(p1), static_cast<std::size_t>(n1)), a) &&
	    parse_temporal(
	        std::string_view(static_cast<const char *>(p2), static_cast<std::size_t>(n2)), b)) {
		return compare_temporal(a, b);
	}
	return binary_compare(p1, n1, p2, n2);
}

/* ---- T-SQL LIKE ------------------------------------------------------------------ */

void
decode(std::string_view s, std::vector<std::uint32_t> &out)
{
	out.clear();
	std::size_t i = 0;
	while (i < s.size()) {
		out.push_back(fold_case(utf8_next(s, i)));
	}
}

/* Match a [...] class at pattern position p (just after '['); advances p past ']'. */
bool
match_class(const std::vector<std::uint32_t> &pat, std::size_t &p, std::uint32_t c, bool &ok)
{
	bool negate = false;
	if (p < pat.size() && pat[p] == '^') {
		negate = true;
		p++;
	}
	bool hit = false;
	bool first = true;
	while (p < pat.size() && (pat[p] != ']' || first)) {
		first = false;
		const std::uint32_t lo = pat[p];
		if (p + 2 < pat.size() && pat[p + 1] == '-' && pat[p + 2] != ']') {
			const std::uint32_t hi = pat[p + 2];
			if (c >= lo && c <= hi) {
				hit = true;
			}
			p += 3;
		} else {
			if (c == lo) {
				hit = true;
			}
			p++;
		}
	}
	if (p >= pat.size()) {
		ok = false; /* unterminated: treat '[' literally */
		return false;
	}
	p++; /* skip ']' */
	ok = true;
	return hit != negate;
}

bool
like_match(const std::vector<std::uint32_t> &pat, const std::vector<std::uint32_t> &str,
           std::uint32_t esc)
{
	std::size_t p = 0;
	std::size_t s = 0;
	std::size_t star_p = std::string::npos;
	std::size_t star_s = 0;
	while (s < str.size()) {
		if (p < pat.size()) {
			const std::uint32_t pc = pat[p];
			if (esc && pc == esc && p + 1 < pat.size()) {
				if (pat[p + 1] == str[s]) {
					p += 2;
					s++;
					continue;
				}
			} else if (pc == '%') {
				star_p = ++p;
				star_s = s;
				continue;
			} else if (pc == '_') {
				p++;
				s++;
				continue;
			} else if (pc == '[') {
				std::size_t q = p + 1;
				bool ok = false;
				const bool hit = match_class(pat, q, str[s], ok);
				if (!ok) {
					if (str[s] == '[') {
						p++;
						s++;
						continue;
					}
				} else if (hit) {
					p = q;
					s++;
					continue;
				}
			} else if (pc == str[s]) {
				p++;
				s++;
				continue;
			}
		}
		if (star_p == std::string::npos) {
			return false;
		}
		p = star_p;
		s = ++star_s;
	}
	while (p < pat.size() && pat[p] == '%') {
		p++;
	}
	return p == pat.size();
}

void
like_function(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	for (int k = 0; k < argc; k++) {
		if (sqlite3_value_type(argv[k]) == SQLITE_NULL) {
			sqlite3_result_null(ctx);
			return;
		}
	}
	thread_local std::vector<std::uint32_t> pat;
	thread_local std::vector<std::uint32_t> str;
	const auto text = [](sqlite3_value *v) {
		const auto *p = reinterpret_cast<const char *>(sqlite3_value_text(v));
		return std::string_view(p ? p : "", static_cast<std::size_t>(sqlite3_value_bytes(v)));
	};
	decode(text(argv[0]), pat);
	decode(text(argv[1]), str);
	std::uint32_t esc = 0;
	if (argc == 3) {
		const std::string_view e = text(argv[2]);
		std::size_t i = 0;
		if (!e.empty()) {
			esc = fold_case(utf8_next(e, i));
		}
	}
	sqlite3_result_int(ctx, like_match(pat, str, esc) ? 1 : 0);
}

} // namespace

std::uint32_t
fold_case(std::uint32_t cp)
{
	if (cp < 0x80) {
		return (cp >= 'A' && cp <= 'Z') ? cp + 32 : cp;
	}
	if (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7) {
		return cp + 32;
	}
	if (cp >= 0x100 && cp <= 0x17F) {
		if (cp == 0x130) {
			return 'i';
		}
		if (cp == 0x178) {
			return 0xFF;
		}
		const bool odd_upper = (cp >= 0x139 && cp <= 0x148) || (cp >= 0x179 && cp <= 0x17E);
		if (odd_upper) {
			return (cp & 1) ? cp + 1 : cp;
		}
		if (cp == 0x138 || cp == 0x149 || cp == 0x17F) {
			return cp;
		}
		return (cp & 1) ? cp : cp + 1;
	}
	if (cp >= 0x391 && cp <= 0x3A9 && cp != 0x3A2) {
		return cp + 32;
	}
	if (cp >= 0x410 && cp <= 0x42F) {
		return cp + 32;
	}
	if (cp >= 0x400 && cp <= 0x40F) {
		return cp + 80;
	}
	return cp;
}

std::uint32_t
primary_weight(std::uint32_t cp)
{
	if (cp < 0x80) {
		return (cp >= 'A' && cp <= 'Z') ? cp + 32 : cp;
	}
	if (cp >= 0xC0 && cp <= 0xFF) {
		const char b = latin1_base[cp - 0xC0];
		return b != '.' ? static_cast<std::uint32_t>(b) : fold_case(cp);
	}
	if (cp >= 0x100 && cp <= 0x17F) {
		const char b = latin_ext_a_base[cp - 0x100];
		return b != '.' ? static_cast<std::uint32_t>(b) : fold_case(cp);
	}
	return fold_case(cp);
}

int
compare_ci(std::string_view a, std::string_view b)
{
	/* ASCII fast path: primary and secondary weights coincide. */
	std::size_t i = 0;
	const std::size_t n = a.size() < b.size() ? a.size() : b.size();
	for (; i < n; i++) {
		auto x = static_cast<unsigned char>(a[i]);
		auto y = static_cast<unsigned char>(b[i]);
		if (x >= 0x80 || y >= 0x80) {
			break;
		}
		if (x >= 'A' && x <= 'Z') {
			x = static_cast<unsigned char>(x + 32);
		}
		if (y >= 'A' && y <= 'Z') {
			y = static_cast<unsigned char>(y + 32);
		}
		if (x != y) {
			return x < y ? -1 : 1;
		}
	}
	if (i == n) {
		return a.size() == b.size() ? 0 : a.size() < b.size() ? -1 : 1;
	}
	/* Back up to a code point start, then compare by primary, then by accent. */
	while (i > 0 && (static_cast<unsigned char>(a[i]) & 0xC0) == 0x80) {
		i--;
	}
	int secondary = 0;
	std::size_t ia = i;
	std::size_t ib = i;
	while (ia < a.size() && ib < b.size()) {
		const std::uint32_t ca = utf8_next(a, ia);
		const std::uint32_t cb = utf8_next(b, ib);
		const std::uint32_t pa = primary_weight(ca);
		const std::uint32_t pb = primary_weight(cb);
		if (pa != pb) {
			return pa < pb ? -1 : 1;
		}
		if (secondary == 0) {
			const std::uint32_t fa = fold_case(ca);
			const std::uint32_t fb = fold_case(cb);
			if (fa != fb) {
				secondary = fa < fb ? -1 : 1;
			}
		}
	}
	if (ia < a.size()) {
		return 1;
	}
	if (ib < b.size()) {
		return -1;
	}
	return secondary;
}

bool
register_collations(sqlite3 *db)
{
	return sqlite3_create_collation(db, "TDSCI", SQLITE_UTF8, nullptr, tdsci_collate) ==
	           SQLITE_OK &&
	       sqlite3_create_collation(db, "TDSDEC", SQLITE_UTF8, nullptr, tdsdec_collate) ==
	           SQLITE_OK &&
	       sqlite3_create_collation(db, "TDSDT", SQLITE_UTF8, nullptr, tdsdt_collate) ==
	           SQLITE_OK &&
	       sqlite3_create_function(db, "like", 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC, nullptr,
	                               like_function, nullptr, nullptr) == SQLITE_OK &&
	       sqlite3_create_function(db, "like", 3, SQLITE_UTF8 | SQLITE_DETERMINISTIC, nullptr,
	                               like_function, nullptr, nullptr) == SQLITE_OK;
}

} // namespace tributary::tds_server

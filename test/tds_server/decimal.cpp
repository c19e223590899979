/*
 * decimal.cpp — parsing, comparison, rounding and formatting of exact decimals.
 *
 * Zone: test server (std only). Rounding is half away from zero, as SQL Server rounds
 * when a value is converted to a smaller scale.
 */
#include "test/tds_server/decimal.hpp"

#include <cctype>
#include <cstdio>

namespace tributary::tds_server
{

bool
parse_decimal(std::string_view s, DecimalText &out)
{
	std::size_t i = 0;
	const std::size_t n = s.size();
	while (i < n && std::isspace(static_cast<unsigned char>(s[i]))) {
		i++;
	}
	out = DecimalText{};
	if (i < n && (s[i] == '+' || s[i] == '-')) {
		out.negative = s[i] == '-';
		i++;
	}
	std::string digits;
	int frac_digits = 0;
	bool any = false;
	bool dot = false;
	for (; i < n; i++) {
		const char c = s[i];
		if (c >= '0' && c <= '9') {
			any = true;
			if (!(digits.empty() && c == '0')) {
				digits.push_back(c);
			}
			if (dot) {
				frac_digits++;
			}
		} else if (c == '.' && !dot) {
			dot = true;
		} else {
			break;
		}
	}
	if (!any) {
		return false;
	}
	long exp = 0;
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		bool eneg = false;
		if (i < n && (s[i] == '+' || s[i] == '-')) {
			eneg = s[i] == '-';
			i++;
		}
		bool edig = false;
		for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
			edig = true;
			if (exp < 100000) {
				exp = exp * 10 + (s[i] - '0');
			}
		}
		if (!edig) {
			return false;
		}
		if (eneg) {
			exp = -exp;
		}
	}
	while (i < n && std::isspace(static_cast<unsigned char>(s[i]))) {
		i++;
	}
	if (i != n) {
		return false;
	}
	out.exponent = static_cast<int>(exp) - frac_digits;
	/* strip trailing zeros into the exponent */
	while (!digits.empty() && digits.back() == '0') {
		digits.pop_back();
		out.exponent++;
	}
	out.digits = std::move(digits);
	if (out.digits.empty()) {
		out.negative = false;
		out.exponent = 0;
	}
	return true;
}

DecimalText
decimal_from_double(double v)
{
	char buf[64];
	std::snprintf(buf, sizeof buf, "%.15g", v);
	DecimalText d;
	if (!parse_decimal(buf, d)) {
		d = DecimalText{};
	}
	return d;
}

DecimalText
decimal_from_int(std::int64_t v)
{
	DecimalText d;
	parse_decimal(std::to_string(v), d);
	return d;
}

int
compare_decimal(const DecimalText &a, const DecimalText &b)
{
	if (a.is_zero() && b.is_zero()) {
		return 0;
	}
	const int sa = a.is_zero() ? 0 : a.negative ? -1 : 1;
	const int sb = b.is_zero() ? 0 : b.negative ? -1 : 1;
	if (sa != sb) {
		return sa < sb ? -1 : 1;
	}
	/* same sign, both non-zero: compare magnitudes */
	const long ma = static_cast<long>(a.digits.size()) + a.exponent;
	const long mb = static_cast<long>(b.digits.size()) + b.exponent;
	int mag = 0;
	if (ma != mb) {
		mag = ma < mb ? -1 : 1;
	} else {
		const std::size_t len =
		    a.digits.size() > b.digits.size() ? a.digits.size() : b.digits.size();
		for (std::size_t k = 0; k < len && mag == 0; k++) {
			const char x = k < a.digits.size() ? a.digits[k] : '0';
			const char y = k < b.digits.size() ? b.digits[k] : '0';
			if (x != y) {
				mag = x < y ? -1 : 1;
			}
		}
	}
	return sa > 0 ? mag : -mag;
}

bool
scale_decimal(const DecimalText &d, int scale, int precision, uint128 &magnitude)
{
	magnitude = 0;
	if (d.is_zero()) {
		return true;
	}
	/* value*10^scale = digits * 10^(exponent+scale) */
	const long shift = static_cast<long>(d.exponent) + scale;
	const long ndig = static_cast<long>(d.digits.size());
	uint128 v = 0;
	if (shift >= 0) {
		if (ndig + shift > precision) {
			return false;
		}
		for (long k = 0; k < ndig; k++) {
			v = v * 10 + static_cast<unsigned>(d.digits[static_cast<std::size_t>(k)] - '0');
		}
		for (long k = 0; k < shift; k++) {
			v *= 10;
		}
	} else {
		const long keep = ndig + shift; /* digits left of the rounding position */
		if (keep > precision) {
			return false;
		}
		for (long k = 0; k < keep; k++) {
			v = v * 10 + static_cast<unsigned>(d.digits[static_cast<std::size_t>(k)] - '0');
		}
		if (keep >= 0 && d.digits[static_cast<std::size_t>(keep)] >= '5') {
			v += 1;
		}
	}
	uint128 limit = 1;
	for (int k = 0; k < precision; k++) {
		limit *= 10;
	}
	if (v >= limit) {
		return false;
	}
	magnitude = v;
	return true;
}

std::string
format_scaled(bool negative, uint128 magnitude, int scale)
{
	char buf[64];
	int pos = 63;
	buf[pos] = '\0';
	int written = 0;
	uint128 v = magnitude;
	do {
		buf[--pos] = static_cast<char>('0' + static_cast<int>(v % 10));
		v /= 10;
		written++;
		if (written == scale) {
			buf[--pos] = '.';
		}
	} while (v != 0 || written <= scale);
	if (buf[pos] == '.') {
		buf[--pos] = '0';
	}
	std::string s(buf + pos);
	if (negative && magnitude != 0) {
		s.insert(s.begin(), '-');
	}
	return s;
}

bool
canonical_decimal(std::string_view in, int precision, int scale, std::string &out)
{
	DecimalText d;
	if (!parse_decimal(in, d)) {
		return false;
	}
	uint128 mag = 0;
	if (!scale_decimal(d, scale, precision, mag)) {
		return false;
	}
	out = format_scaled(d.negative, mag, scale);
	return true;
}

} // namespace tributary::tds_server

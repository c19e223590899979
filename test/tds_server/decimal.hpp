/*
 * decimal.hpp — exact decimal text arithmetic for decimal/numeric/money values.
 *
 * Zone: test server (std only). decimal(38,s) values are kept in SQLite as canonical
 * text so all 38 digits survive; these helpers parse, compare (the TDSDEC collation),
 * round to a scale and format them. Magnitudes up to 10^38 fit in unsigned __int128.
 */
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace tributary::tds_server
{

using uint128 = unsigned __int128;

/* value = (negative ? -1 : 1) * digits * 10^exponent; digits has no leading zeros. */
struct DecimalText {
	bool negative = false;
	std::string digits;
	int exponent = 0;

	bool
	is_zero() const
	{
		return digits.empty();
	}
};

/* Accepts [spaces][+-]digits[.digits][e[+-]digits][spaces]; false if not a number. */
bool parse_decimal(std::string_view s, DecimalText &out);
/* From a double, through its 15 significant digits (what SQLite itself shows). */
DecimalText decimal_from_double(double v);
DecimalText decimal_from_int(std::int64_t v);

/* -1, 0, 1 by numeric value. */
int compare_decimal(const DecimalText &a, const DecimalText &b);

/*
 * Round half away from zero to `scale` fractional digits; the magnitude is value * 10^scale.
 * Returns false if the rounded value needs more than `precision` digits.
 */
bool scale_decimal(const DecimalText &d, int scale, int precision, uint128 &magnitude);

/* "-123.4500" from a magnitude already multiplied by 10^scale. */
std::string format_scaled(bool negative, uint128 magnitude, int scale);

/* Canonical text with exactly `scale` digits; false on overflow of `precision`. */
bool canonical_decimal(std::string_view in, int precision, int scale, std::string &out);

} // namespace tributary::tds_server

/*
 * calendar.hpp — proleptic Gregorian day arithmetic shared by the drivers (wire formats
 * count days from different epochs).
 * Zone: driver zone, std only. Nothing here throws.
 */
#pragma once

#include <cstdint>

namespace tributary::remote {

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm). */
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) noexcept;

/* The date of a day number (days since 1970-01-01). */
void civil_from_days(std::int64_t z, std::int32_t &y, std::uint8_t &m, std::uint8_t &d) noexcept;

} // namespace tributary::remote

/*
 * cells.hpp — remote::Cell values for driver tests (parameters of a query).
 * A data cell points into its string: keep the string alive while the cell is used.
 */
#pragma once

#include <cstdint>
#include <string>

#include "fdw/remote/remote.hpp"

namespace test_cells {

inline tributary::remote::Cell
int_cell(std::int64_t v)
{
	tributary::remote::Cell c;
	c.kind = tributary::remote::CellKind::int64;
	c.i = v;
	return c;
}

inline tributary::remote::Cell
data_cell(tributary::remote::CellKind kind, const std::string &s)
{
	tributary::remote::Cell c;
	c.kind = kind;
	c.data = s.data();
	c.size = s.size();
	return c;
}

inline tributary::remote::Cell
temporal(tributary::remote::CellKind kind, int y, int mo, int d, int h, int mi, int s,
		 unsigned us = 0, int offset = 0)
{
	tributary::remote::Cell c;
	c.kind = kind;
	c.t.year = y;
	c.t.month = static_cast<std::uint8_t>(mo);
	c.t.day = static_cast<std::uint8_t>(d);
	c.t.hour = static_cast<std::uint16_t>(h);
	c.t.minute = static_cast<std::uint8_t>(mi);
	c.t.second = static_cast<std::uint8_t>(s);
	c.t.microsecond = us;
	c.t.offset_minutes = static_cast<std::int16_t>(offset);
	return c;
}

} // namespace test_cells

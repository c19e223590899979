/*
 * mysql_types.cpp — MySQL/MariaDB types: the IMPORT FOREIGN SCHEMA mapping and
 * the decoding of wire values into remote::Cell.
 *
 * Zone: driver zone (no PostgreSQL headers, never calls the backend).
 *
 * Type mapping (remote COLUMN_TYPE → PostgreSQL type; every column also gets
 * the column option mysql_type = the full COLUMN_TYPE):
 *
 *   tinyint(1) [unsigned]      boolean (tinyint1_as_boolean, default) else as tinyint
 *   tinyint                    smallint
 *   tinyint unsigned           smallint
 *   smallint                   smallint
 *   smallint unsigned          integer
 *   mediumint [unsigned]       integer
 *   int                        integer
 *   int unsigned               bigint
 *   bigint                     bigint
 *   bigint unsigned            numeric(20,0)
 *   decimal(p,s) [unsigned]    numeric(p,s)
 *   float [unsigned]           real
 *   double [unsigned]          double precision
 *   bit(1)                     boolean
 *   bit(n), n > 1              bit varying(n)  (values always have exactly n bits;
 *                                               bigint would overflow at bit(64))
 *   char(n), varchar(n)        character varying(n)  (MySQL strips CHAR's trailing
 *                                               spaces when reading, so bpchar
 *                                               padding would invent data)
 *   tinytext … longtext        text
 *   binary, varbinary,
 *   tinyblob … longblob        bytea
 *   date                       date            (+ option zero_dates)
 *   datetime(n)                timestamp(n) without time zone (+ zero_dates)
 *   timestamp(n)               timestamp(n) with time zone    (+ zero_dates;
 *                                               read in the UTC session)
 *   time(n)                    interval        (MySQL TIME spans -838:59:59 to
 *                                               838:59:59, a duration more often
 *                                               than a time of day; PostgreSQL
 *                                               time would reject most of it)
 *   year                       smallint
 *   enum('a','b')              text, CHECK ("col" IN ('a','b')) (enum_as_check)
 *   set('a','b')               text[], CHECK ("col" <@ ARRAY['a','b']::text[])
 *   json                       jsonb (MySQL's native JSON; MariaDB's JSON is a
 *                              longtext with CHECK (json_valid(col)), which
 *                              describe() reports as RemoteColumn::json)
 *   geometry, point, linestring, polygon, multipoint, multilinestring,
 *   multipolygon, geometrycollection, geomcollection
 *                              bytea (WKB, MySQL's SRID prefix stripped)
 *   uuid (MariaDB)             uuid
 *   inet4, inet6 (MariaDB)     inet
 *   anything else              not mapped: ImportedColumn::error says why
 *
 * NOT NULL is imported when import_not_null is set, except for date, datetime
 * and timestamp columns whose zero dates become NULL (zero_dates 'null'), so
 * the planner never trusts a NOT NULL that a scan can break.
 */
#include "fdw/mysql/mysql_types.hpp"

#include <mysql.h>

#include <charconv>
#include <cstring>

#include "fdw/remote/calendar.hpp"
#include "fdw/remote/options_util.hpp"
#include "fdw/remote/driver_zone.hpp"

namespace tributary::mysql {

using remote::civil_from_days;
using remote::days_from_civil;

using remote::Cell;
using remote::CellKind;
using remote::ErrorKind;
using remote::RemoteError;
using remote::Temporal;

namespace {

constexpr unsigned int binary_charset = 63;

using remote::parse_bool_option;

/* PostgreSQL spelling: always double-quoted, so keywords and case survive. */
std::string
pg_identifier(const std::string &name)
{
	std::string out = "\"";
	for (const char c : name) {
		if (c == '"') {
			out += '"';
		}
		out += c;
	}
	return out + "\"";
}

/* PostgreSQL string literal, correct whatever standard_conforming_strings says. */
std::string
pg_literal(const std::string &value)
{
	const bool has_backslash = value.find('\\') != std::string::npos;
	std::string out = has_backslash ? "E'" : "'";
	for (const char c : value) {
		if (c == '\'') {
			out += '\'';
		} else if (c == '\\') {
			out += '\\';
		}
		out += c;
	}
	return out + "'";
}

using remote::type_modifiers;

std::string
lower(const std::string &s)
{
	std::string out = s;
	for (char &c : out) {
		if (c >= 'A' && c <= 'Z') {
			c = static_cast<char>(c - 'A' + 'a');
		}
	}
	return out;
}

/* Fractional-second digits of a temporal column: DATETIME_PRECISION, else "(n)". */
int
fraction_digits(const remote::RemoteColumn &column)
{
	int digits = column.precision;
	if (digits < 0) {
		const auto mods = type_modifiers(column.type_name);
		digits = mods.size() == 1 ? static_cast<int>(mods[0]) : 0;
	}
	if (digits < 0) {
		digits = 0;
	}
	return digits > 6 ? 6 : digits;
}

bool
map_enum_or_set(const remote::RemoteColumn &column, const ImportOptions &options,
                remote::ImportedColumn &out, bool is_set)
{
	const auto values = parse_enum_values(column.type_name);
	if (values.empty()) {
		out.error = "could not parse the values of \"" + column.type_name + "\"";
		return false;
	}
	std::string list;
	for (const auto &v : values) {
		if (v.find('\0') != std::string::npos) {
			out.error = "an " + std::string(is_set ? "set" : "enum") +
			            " value contains a NUL byte, which PostgreSQL text cannot hold";
			return false;
		}
		if (!list.empty()) {
			list += ',';
		}
		list += pg_literal(v);
	}
	if (is_set) {
		out.pg_type = "text[]";
		out.check = pg_identifier(column.name) + " <@ ARRAY[" + list + "]::text[]";
	} else {
		out.pg_type = "text";
		if (options.enum_as_check) {
			out.check = pg_identifier(column.name) + " IN (" + list + ")";
		}
	}
	return true;
}

bool
map_numeric(const std::string &t, const remote::RemoteColumn &column, const ImportOptions &options,
            remote::ImportedColumn &out)
{
	const bool is_unsigned =
	    column.is_unsigned || lower(column.type_name).find("unsigned") != std::string::npos;
	if (t == "tinyint") {
		const bool one = lower(column.type_name).rfind("tinyint(1)", 0) == 0;
		out.pg_type = one && options.tinyint1_as_boolean ? "boolean" : "smallint";
	} else if (t == "smallint") {
		out.pg_type = is_unsigned ? "integer" : "smallint";
	} else if (t == "mediumint") {
		out.pg_type = "integer";
	} else if (t == "int" || t == "integer") {
		out.pg_type = is_unsigned ? "bigint" : "integer";
	} else if (t == "bigint") {
		out.pg_type = is_unsigned ? "numeric(20,0)" : "bigint";
	} else if (t == "decimal" || t == "numeric" || t == "dec" || t == "fixed") {
		long p = column.precision, s = column.scale;
		const auto mods = type_modifiers(column.type_name);
		if (p < 0) {
			p = !mods.empty() ? mods[0] : 10;
		}
		if (s < 0) {
			s = mods.size() > 1 ? mods[1] : 0;
		}
		out.pg_type = "numeric(" + std::to_string(p) + "," + std::to_string(s) + ")";
	} else if (t == "float") {
		out.pg_type = "real";
	} else if (t == "double" || t == "double precision" || t == "real") {
		out.pg_type = "double precision";
	} else if (t == "bit") {
		const auto mods = type_modifiers(column.type_name);
		long n = column.precision > 0 ? column.precision : (!mods.empty() ? mods[0] : 1);
		if (n <= 1) {
			out.pg_type = "boolean";
		} else {
			out.pg_type = "bit varying(" + std::to_string(n) + ")";
		}
	} else {
		return false;
	}
	return true;
}

bool
map_string_or_binary(const std::string &t, const remote::RemoteColumn &column,
                     remote::ImportedColumn &out)
{
	if (t == "char" || t == "varchar") {
		long n = column.max_length;
		if (n < 0) {
			const auto mods = type_modifiers(column.type_name);
			n = !mods.empty() ? mods[0] : -1;
		}
		out.pg_type = n > 0 && n <= 10485760 ? "character varying(" + std::to_string(n) + ")"
		                                     : std::string("character varying");
	} else if (t == "tinytext" || t == "text" || t == "mediumtext" || t == "longtext") {
		out.pg_type = "text";
	} else if (t == "binary" || t == "varbinary" || t == "tinyblob" || t == "blob" ||
	           t == "mediumblob" || t == "longblob") {
		out.pg_type = "bytea";
	} else if (t == "json") {
		out.pg_type = "jsonb";
	} else if (t == "geometry" || t == "point" || t == "linestring" || t == "polygon" ||
	           t == "multipoint" || t == "multilinestring" || t == "multipolygon" ||
	           t == "geometrycollection" || t == "geomcollection") {
		out.pg_type = "bytea";
	} else if (t == "uuid") {
		out.pg_type = "uuid";
	} else if (t == "inet4" || t == "inet6") {
		out.pg_type = "inet";
	} else {
		return false;
	}
	return true;
}

bool
map_temporal(const std::string &t, const remote::RemoteColumn &column, const ImportOptions &options,
             remote::ImportedColumn &out)
{
	if (t == "date") {
		out.pg_type = "date";
	} else if (t == "datetime") {
		out.pg_type =
		    "timestamp(" + std::to_string(fraction_digits(column)) + ") without time zone";
	} else if (t == "timestamp") {
		out.pg_type = "timestamp(" + std::to_string(fraction_digits(column)) + ") with time zone";
	} else if (t == "time") {
		out.pg_type = "interval";
		return true;
	} else if (t == "year") {
		out.pg_type = "smallint";
		return true;
	} else {
		return false;
	}
	out.options["zero_dates"] = options.zero_dates;
	if (options.zero_dates == "null") {
		out.not_null = false;
	}
	return true;
}

/* Parses [0-9]{count} at p, advancing it. */
inline bool
digits(const char *&p, const char *end, int count, int &out) noexcept
{
	if (end - p < count) {
		return false;
	}
	int v = 0;
	for (int i = 0; i < count; i++) {
		const unsigned d = static_cast<unsigned char>(p[i]) - '0';
		if (d > 9) {
			return false;
		}
		v = v * 10 + static_cast<int>(d);
	}
	p += count;
	out = v;
	return true;
}

/* ".f…" at p: up to 6 digits to microseconds, further non-zero digits counted. */
inline bool
fraction(const char *&p, const char *end, Temporal &out) noexcept
{
	if (p == end) {
		return true;
	}
	if (*p != '.') {
		return false;
	}
	p++;
	std::uint32_t us = 0;
	int n = 0;
	while (p < end) {
		const unsigned d = static_cast<unsigned char>(*p) - '0';
		if (d > 9) {
			return false;
		}
		if (n < 6) {
			us = us * 10 + d;
		} else if (d != 0) {
			out.dropped_digits++;
		}
		n++;
		p++;
	}
	for (; n < 6; n++) {
		us *= 10;
	}
	out.microsecond = us;
	return true;
}


} // namespace

ImportOptions
parse_import_options(const remote::Options &options)
{
	ImportOptions out;
	for (const auto &[name, value] : options) {
		if (name == "import_not_null") {
			out.import_not_null = parse_bool_option(name, value);
		} else if (name == "tinyint1_as_boolean") {
			out.tinyint1_as_boolean = parse_bool_option(name, value);
		} else if (name == "enum_as_check") {
			out.enum_as_check = parse_bool_option(name, value);
		} else if (name == "zero_dates") {
			const std::string v = lower(value);
			if (v != "null" && v != "error") {
				throw RemoteError(ErrorKind::invalid_option,
				                  "invalid value for option \"zero_dates\": \"" + value + "\"",
				                  "Valid values are \"null\" and \"error\".");
			}
			out.zero_dates = v;
		}
	}
	return out;
}

remote::ImportedColumn
map_column(const remote::RemoteColumn &column, const ImportOptions &options)
{
	remote::ImportedColumn out;
	out.name = column.name;
	out.not_null = options.import_not_null && !column.nullable;
	out.options["mysql_type"] = column.type_name;
	std::string t = lower(column.data_type);
	if (t.empty()) {
		t = lower(column.type_name.substr(0, column.type_name.find_first_of("( ")));
	}
	if (column.json) {
		out.pg_type = "jsonb"; /* MariaDB: LONGTEXT CHECK (json_valid(col)) */
		return out;
	}
	if (t == "enum" || t == "set") {
		if (!map_enum_or_set(column, options, out, t == "set")) {
			out.pg_type.clear();
		}
		return out;
	}
	if (map_numeric(t, column, options, out) || map_string_or_binary(t, column, out) ||
	    map_temporal(t, column, options, out)) {
		return out;
	}
	out.error = "MySQL type \"" + column.type_name + "\" of column \"" + column.name +
	            "\" has no PostgreSQL mapping";
	return out;
}

std::vector<std::string>
parse_enum_values(const std::string &column_type)
{
	std::vector<std::string> out;
	const auto open = column_type.find('(');
	if (open == std::string::npos) {
		return out;
	}
	std::size_t i = open + 1;
	while (i < column_type.size()) {
		if (column_type[i] != '\'') {
			return {};
		}
		i++;
		std::string value;
		bool closed = false;
		while (i < column_type.size()) {
			const char c = column_type[i];
			if (c == '\'' && i + 1 < column_type.size() && column_type[i + 1] == '\'') {
				value += '\'';
				i += 2;
			} else if (c == '\'') {
				i++;
				closed = true;
				break;
			} else if (c == '\\' && i + 1 < column_type.size()) {
				/* SHOW/COLUMN_TYPE escape a backslash as \\ (checked on MariaDB 10.11). */
				const char e = column_type[i + 1];
				value += e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : e == '0' ? '\0' : e;
				i += 2;
			} else {
				value += c;
				i++;
			}
		}
		if (!closed) {
			return {};
		}
		out.push_back(std::move(value));
		if (i < column_type.size() && column_type[i] == ',') {
			i++;
			continue;
		}
		if (i < column_type.size() && column_type[i] == ')') {
			return out;
		}
		return {};
	}
	return {};
}

Decoder
decoder_for(int field_type, unsigned int flags, unsigned int charsetnr,
            const std::string &column_name)
{
	switch (static_cast<enum_field_types>(field_type)) {
	case MYSQL_TYPE_TINY:
	case MYSQL_TYPE_SHORT:
	case MYSQL_TYPE_INT24:
	case MYSQL_TYPE_LONG:
	case MYSQL_TYPE_YEAR: return Decoder::int_signed;
	case MYSQL_TYPE_LONGLONG:
		return (flags & UNSIGNED_FLAG) != 0 ? Decoder::int_unsigned : Decoder::int_signed;
	case MYSQL_TYPE_FLOAT:
	case MYSQL_TYPE_DOUBLE: return Decoder::float64;
	case MYSQL_TYPE_DECIMAL:
	case MYSQL_TYPE_NEWDECIMAL: return Decoder::decimal;
	case MYSQL_TYPE_BIT: return Decoder::bit;
	case MYSQL_TYPE_DATE:
	case MYSQL_TYPE_NEWDATE: return Decoder::date;
	case MYSQL_TYPE_DATETIME:
	case MYSQL_TYPE_DATETIME2: return Decoder::datetime;
	case MYSQL_TYPE_TIMESTAMP:
	case MYSQL_TYPE_TIMESTAMP2: return Decoder::timestamp;
	case MYSQL_TYPE_TIME:
	case MYSQL_TYPE_TIME2: return Decoder::time;
	case MYSQL_TYPE_GEOMETRY: return Decoder::geometry;
	case MYSQL_TYPE_JSON:
		/* MySQL 8 labels JSON with the binary charset; its bytes are utf8mb4 text. */
		return Decoder::text;
	case MYSQL_TYPE_NULL: return Decoder::null_only;
	case MYSQL_TYPE_ENUM:
	case MYSQL_TYPE_SET:
	case MYSQL_TYPE_VARCHAR:
	case MYSQL_TYPE_VAR_STRING:
	case MYSQL_TYPE_STRING:
	case MYSQL_TYPE_TINY_BLOB:
	case MYSQL_TYPE_MEDIUM_BLOB:
	case MYSQL_TYPE_LONG_BLOB:
	case MYSQL_TYPE_BLOB: return charsetnr == binary_charset ? Decoder::bytes : Decoder::text;
	default:
		throw RemoteError(ErrorKind::unsupported, "column \"" + column_name +
		                                              "\" has an unsupported MySQL wire type " +
		                                              std::to_string(field_type));
	}
}

bool
parse_int64(const char *p, std::size_t n, std::int64_t &out) noexcept
{
	const auto r = std::from_chars(p, p + n, out);
	return r.ec == std::errc() && r.ptr == p + n && n > 0;
}

bool
parse_uint64(const char *p, std::size_t n, std::uint64_t &out) noexcept
{
	const auto r = std::from_chars(p, p + n, out);
	return r.ec == std::errc() && r.ptr == p + n && n > 0;
}

bool
parse_double(const char *p, std::size_t n, double &out) noexcept
{
	const auto r = std::from_chars(p, p + n, out);
	return r.ec == std::errc() && r.ptr == p + n && n > 0;
}

bool
parse_date(const char *p, std::size_t n, Temporal &out) noexcept
{
	const char *end = p + n;
	int y, mo, d;
	if (!digits(p, end, 4, y) || p == end || *p++ != '-' || !digits(p, end, 2, mo) || p == end ||
	    *p++ != '-' || !digits(p, end, 2, d) || p != end) {
		return false;
	}
	out = Temporal{};
	out.year = y;
	out.month = static_cast<std::uint8_t>(mo);
	out.day = static_cast<std::uint8_t>(d);
	return true;
}

bool
parse_datetime(const char *p, std::size_t n, Temporal &out) noexcept
{
	if (n < 19 || !parse_date(p, 10, out)) {
		return false;
	}
	const char *q = p + 10;
	const char *end = p + n;
	int h, mi, s;
	if ((*q != ' ' && *q != 'T') || !digits(++q, end, 2, h) || q == end || *q++ != ':' ||
	    !digits(q, end, 2, mi) || q == end || *q++ != ':' || !digits(q, end, 2, s)) {
		return false;
	}
	out.hour = static_cast<std::uint16_t>(h);
	out.minute = static_cast<std::uint8_t>(mi);
	out.second = static_cast<std::uint8_t>(s);
	return fraction(q, end, out);
}

bool
parse_time(const char *p, std::size_t n, Temporal &out, bool &negative) noexcept
{
	const char *end = p + n;
	out = Temporal{};
	negative = p < end && *p == '-';
	if (negative) {
		p++;
	}
	int h = 0, hd = 0;
	while (p < end && *p >= '0' && *p <= '9') {
		h = h * 10 + (*p++ - '0');
		if (++hd > 4) {
			return false;
		}
	}
	int mi, s;
	if (hd == 0 || p == end || *p++ != ':' || !digits(p, end, 2, mi) || p == end || *p++ != ':' ||
	    !digits(p, end, 2, s)) {
		return false;
	}
	out.hour = static_cast<std::uint16_t>(h);
	out.minute = static_cast<std::uint8_t>(mi);
	out.second = static_cast<std::uint8_t>(s);
	return fraction(p, end, out);
}

std::uint64_t
decode_bit(const unsigned char *p, std::size_t n) noexcept
{
	std::uint64_t v = 0;
	for (std::size_t i = 0; i < n; i++) {
		v = (v << 8) | p[i];
	}
	return v;
}

bool
strip_geometry_srid(const char *&p, std::size_t &n) noexcept
{
	if (n < 4) {
		return false;
	}
	p += 4;
	n -= 4;
	return true;
}

Temporal
from_mysql_time(const st_mysql_time &value, bool &negative) noexcept
{
	Temporal t;
	t.year = static_cast<std::int32_t>(value.year);
	t.month = static_cast<std::uint8_t>(value.month);
	t.day = static_cast<std::uint8_t>(value.day);
	t.hour = static_cast<std::uint16_t>(value.hour);
	t.minute = static_cast<std::uint8_t>(value.minute);
	t.second = static_cast<std::uint8_t>(value.second);
	t.microsecond = static_cast<std::uint32_t>(value.second_part);
	if (value.time_type == MYSQL_TIMESTAMP_TIME && value.day != 0) {
		/* The binary protocol may carry days for a long TIME; fold them into hours. */
		t.hour = static_cast<std::uint16_t>(value.hour + value.day * 24);
		t.day = 0;
	}
	negative = value.neg != 0;
	return t;
}

Temporal
to_utc(const Temporal &value) noexcept
{
	if (value.offset_minutes == 0) {
		return value;
	}
	Temporal t = value;
	std::int64_t minutes = days_from_civil(value.year, value.month, value.day) * 1440 +
	                       value.hour * 60 + value.minute - value.offset_minutes;
	std::int64_t days = minutes >= 0 ? minutes / 1440 : -((-minutes + 1439) / 1440);
	minutes -= days * 1440;
	civil_from_days(days, t.year, t.month, t.day);
	t.hour = static_cast<std::uint16_t>(minutes / 60);
	t.minute = static_cast<std::uint8_t>(minutes % 60);
	t.offset_minutes = 0;
	return t;
}

void
to_mysql_time(const Cell &cell, st_mysql_time &out)
{
	std::memset(&out, 0, sizeof out);
	const Temporal t = cell.kind == CellKind::timestamptz ? to_utc(cell.t) : cell.t;
	if (t.year < 0 || t.year > 9999) {
		throw RemoteError(ErrorKind::data, "year " + std::to_string(t.year) +
		                                       " is out of the range of MySQL temporal types");
	}
	out.year = static_cast<unsigned>(t.year);
	out.month = t.month;
	out.day = t.day;
	out.hour = t.hour;
	out.minute = t.minute;
	out.second = t.second;
	out.second_part = t.microsecond;
	switch (cell.kind) {
	case CellKind::date:
		out.time_type = MYSQL_TIMESTAMP_DATE;
		out.hour = out.minute = out.second = 0;
		out.second_part = 0;
		break;
	case CellKind::time:
		out.time_type = MYSQL_TIMESTAMP_TIME;
		out.year = out.month = out.day = 0;
		out.neg = cell.negative;
		break;
	default: out.time_type = MYSQL_TIMESTAMP_DATETIME; break;
	}
}

} // namespace tributary::mysql

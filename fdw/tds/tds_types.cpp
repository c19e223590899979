/*
 * tds_types.cpp — SQL Server types: the IMPORT FOREIGN SCHEMA mapping and the
 * decoding of db-lib's binary values into remote::Cell.
 *
 * Zone: driver zone (no PostgreSQL headers, never calls the backend).
 *
 * Type mapping (declared SQL Server type → PostgreSQL type; every column also
 * gets the column option mssql_type = the full declared type):
 *
 *   bit                         boolean
 *   tinyint                     smallint      (0–255 does not fit a signed byte)
 *   smallint                    smallint
 *   int                         integer
 *   bigint                      bigint
 *   decimal(p,s), numeric(p,s)  numeric(p,s)
 *   money                       numeric(19,4)
 *   smallmoney                  numeric(10,4)
 *   real                        real
 *   float                       double precision
 *   char(n), nchar(n)           character(n)  (SQL Server returns char values
 *                                              blank-padded and compares them
 *                                              ignoring trailing blanks, which is
 *                                              what bpchar does; varchar would make
 *                                              the padding significant)
 *   varchar(n), nvarchar(n)     character varying(n)
 *   varchar(max), nvarchar(max),
 *   text, ntext                 text
 *   binary(n), varbinary(n),
 *   varbinary(max), image       bytea
 *   date                        date
 *   time(n)                     time(min(n,6)) without time zone
 *   datetime                    timestamp(3) without time zone
 *   smalldatetime               timestamp(0) without time zone
 *   datetime2(n)                timestamp(min(n,6)) without time zone
 *   datetimeoffset(n)           timestamp(min(n,6)) with time zone
 *   uniqueidentifier            uuid
 *   xml                         xml
 *   timestamp / rowversion      bytea
 *   sql_variant                 text          (read through the conversion
 *                                              TdsDialect::select_column spells)
 *   anything else (geography, geometry, hierarchyid, CLR types, …)
 *                               not mapped: ImportedColumn::error says why
 *
 * The 7th fraction digit of time(7)/datetime2(7)/datetimeoffset(7) does not fit
 * PostgreSQL's microseconds; the decoder reports it in Temporal::dropped_digits
 * so the PG zone can apply its invalid-value policy instead of losing it silently.
 */
#include "fdw/tds/tds_types.hpp"

#include <sybdb.h>

#include <cstring>
#include <vector>

#include "fdw/remote/calendar.hpp"
#include "fdw/remote/options_util.hpp"
#include "fdw/remote/driver_zone.hpp"

namespace tributary::tds {

using remote::Cell;
using remote::CellKind;
using remote::ErrorKind;
using remote::RemoteError;
using remote::Temporal;

namespace {

/* 1900-01-01, db-lib's day zero, counted from 1970-01-01. */
constexpr std::int64_t day_zero_1900 = -25567;
constexpr std::uint64_t ticks_100ns_per_day = 864000000000ULL;
constexpr std::uint32_t datetime_ticks_per_day = 300U * 86400U;
constexpr std::int32_t min_days_1900 = -693595; /* 0001-01-01 */
constexpr std::int32_t max_days_1900 = 2958463; /* 9999-12-31 */

/*
 * Bytes of a DBNUMERIC's array (sign byte included) per precision: FreeTDS keeps
 * the magnitude big-endian in array[1 .. n-1] (src/tds/numeric.c,
 * tds_numeric_bytes_per_prec, and tds_swap_numeric in src/tds/data.c).
 */
constexpr unsigned char numeric_bytes_per_prec[] = {
    1,  2,  2,  3,  3,  4,  4,  4,  5,  5,  6,  6,  6,  7,  7,  8,  8,  9,  9,  9,
    10, 10, 11, 11, 11, 12, 12, 13, 13, 14, 14, 14, 15, 15, 16, 16, 16, 17, 17, 18,
    18, 19, 19, 19, 20, 20, 21, 21, 21, 22, 22, 23, 23, 24, 24, 24, 25, 25, 26, 26,
    26, 27, 27, 28, 28, 28, 29, 29, 30, 30, 31, 31, 31, 32, 32, 33, 33, 33};

static_assert(sizeof(DBNUMERIC) == 35, "DBNUMERIC layout: precision, scale, array[33]");
static_assert(sizeof(DBMONEY) == 8 && sizeof(DBMONEY4) == 4, "DBMONEY layouts");
static_assert(sizeof(DBDATETIME) == 8 && sizeof(DBDATETIME4) == 4, "DBDATETIME layouts");

using remote::parse_bool_option;

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

using remote::type_modifiers;

/* Fraction digits of time/datetime2/datetimeoffset, capped at PostgreSQL's 6. */
int
fraction_digits(const remote::RemoteColumn &column)
{
	int digits = column.precision;
	if (digits < 0) {
		const auto mods = type_modifiers(column.type_name);
		digits = mods.size() == 1 ? static_cast<int>(mods[0]) : 7; /* SQL Server's default */
	}
	if (digits < 0) {
		digits = 7;
	}
	return digits > 6 ? 6 : digits;
}

/* Declared length: from "(n)"/"(max)" in the type name, else max_length (-1 = max). */
long
length_of(const remote::RemoteColumn &column)
{
	if (lower(column.type_name).find("(max)") != std::string::npos) {
		return -1;
	}
	const auto mods = type_modifiers(column.type_name);
	if (!mods.empty() && mods[0] > 0) {
		return mods[0];
	}
	return column.max_length;
}

bool
map_numeric(const std::string &t, const remote::RemoteColumn &column, remote::ImportedColumn &out)
{
	if (t == "bit") {
		out.pg_type = "boolean";
	} else if (t == "tinyint" || t == "smallint") {
		out.pg_type = "smallint";
	} else if (t == "int") {
		out.pg_type = "integer";
	} else if (t == "bigint") {
		out.pg_type = "bigint";
	} else if (t == "decimal" || t == "numeric") {
		long p = column.precision, s = column.scale;
		const auto mods = type_modifiers(column.type_name);
		if (p <= 0) {
			p = !mods.empty() && mods[0] > 0 ? mods[0] : 18; /* SQL Server's default */
		}
		if (s < 0) {
			s = mods.size() > 1 && mods[1] >= 0 ? mods[1] : 0;
		}
		out.pg_type = "numeric(" + std::to_string(p) + "," + std::to_string(s) + ")";
	} else if (t == "money") {
		out.pg_type = "numeric(19,4)";
	} else if (t == "smallmoney") {
		out.pg_type = "numeric(10,4)";
	} else if (t == "real") {
		out.pg_type = "real";
	} else if (t == "float") {
		/* float(1..24) is stored as real and reported as "real"; float(25..53) as float. */
		out.pg_type = column.precision > 0 && column.precision <= 24 ? "real" : "double precision";
	} else {
		return false;
	}
	return true;
}

bool
map_string_or_binary(const std::string &t, const remote::RemoteColumn &column,
                     remote::ImportedColumn &out)
{
	const long n = length_of(column);
	if (t == "char" || t == "nchar") {
		out.pg_type = n > 0 && n <= 10485760 ? "character(" + std::to_string(n) + ")"
		                                     : std::string("character(1)");
	} else if (t == "varchar" || t == "nvarchar") {
		out.pg_type = n > 0 && n <= 10485760 ? "character varying(" + std::to_string(n) + ")"
		                                     : std::string("text"); /* (max) */
	} else if (t == "text" || t == "ntext" || t == "sysname") {
		out.pg_type = t == "sysname" ? "character varying(128)" : "text";
	} else if (t == "binary" || t == "varbinary" || t == "image" || t == "timestamp" ||
	           t == "rowversion") {
		out.pg_type = "bytea";
	} else if (t == "uniqueidentifier") {
		out.pg_type = "uuid";
	} else if (t == "xml") {
		out.pg_type = "xml";
	} else if (t == "sql_variant") {
		out.pg_type = "text";
	} else {
		return false;
	}
	return true;
}

bool
map_temporal(const std::string &t, const remote::RemoteColumn &column, remote::ImportedColumn &out)
{
	if (t == "date") {
		out.pg_type = "date";
	} else if (t == "time") {
		out.pg_type = "time(" + std::to_string(fraction_digits(column)) + ") without time zone";
	} else if (t == "datetime") {
		out.pg_type = "timestamp(3) without time zone";
	} else if (t == "smalldatetime") {
		out.pg_type = "timestamp(0) without time zone";
	} else if (t == "datetime2") {
		out.pg_type =
		    "timestamp(" + std::to_string(fraction_digits(column)) + ") without time zone";
	} else if (t == "datetimeoffset") {
		out.pg_type = "timestamp(" + std::to_string(fraction_digits(column)) + ") with time zone";
	} else {
		return false;
	}
	return true;
}

inline std::uint16_t
load_u16(const unsigned char *p) noexcept
{
	std::uint16_t v;
	std::memcpy(&v, p, sizeof v);
	return v;
}

inline std::uint32_t
load_u32(const unsigned char *p) noexcept
{
	std::uint32_t v;
	std::memcpy(&v, p, sizeof v);
	return v;
}

inline std::int32_t
load_i32(const unsigned char *p) noexcept
{
	std::int32_t v;
	std::memcpy(&v, p, sizeof v);
	return v;
}

void
set_clock(Temporal &t, std::uint64_t seconds_of_day) noexcept
{
	t.hour = static_cast<std::uint16_t>(seconds_of_day / 3600);
	t.minute = static_cast<std::uint8_t>(seconds_of_day / 60 % 60);
	t.second = static_cast<std::uint8_t>(seconds_of_day % 60);
}

void
set_date(Temporal &t, std::int64_t days_since_1900) noexcept
{
	civil_from_days(days_since_1900 + day_zero_1900, t.year, t.month, t.day);
}

/* Insert a decimal point scale digits from the right of digits[0, n) (most significant first). */
void
place_point(bool negative, const char *digits, std::size_t n, int scale, std::string &out)
{
	out.clear();
	bool zero = true;
	for (std::size_t i = 0; i < n && zero; i++) {
		zero = digits[i] == '0';
	}
	if (negative && !zero) {
		out += '-';
	}
	const std::size_t s = scale > 0 ? static_cast<std::size_t>(scale) : 0;
	if (n <= s) {
		out += "0.";
		out.append(s - n, '0');
		out.append(digits, n);
		return;
	}
	out.append(digits, n - s);
	if (s > 0) {
		out += '.';
		out.append(digits + (n - s), s);
	}
}

/* Decimal digits of v into buf (at least 20 bytes), most significant first; returns the count. */
std::size_t
format_uint(std::uint64_t v, char *buf) noexcept
{
	char tmp[20];
	std::size_t n = 0;
	do {
		tmp[n++] = static_cast<char>('0' + v % 10);
		v /= 10;
	} while (v != 0);
	for (std::size_t i = 0; i < n; i++) {
		buf[i] = tmp[n - 1 - i];
	}
	return n;
}

DecodeStatus
decode_datetimeall(Decoder decoder, const unsigned char *p, std::size_t len, Cell &out) noexcept
{
	if (len < sizeof(DBDATETIMEALL)) {
		return DecodeStatus::bad_length;
	}
	DBDATETIMEALL v;
	std::memcpy(&v, p, sizeof v);
	if (v.time >= ticks_100ns_per_day) {
		return DecodeStatus::out_of_range;
	}
	/* SQL Server's dates run from 0001-01-01 to 9999-12-31: days −693595 … 2958463. */
	if (decoder != Decoder::time && (v.date < min_days_1900 || v.date > max_days_1900)) {
		return DecodeStatus::out_of_range;
	}
	switch (decoder) {
	case Decoder::date:
		out.kind = CellKind::date;
		out.t = Temporal{};
		set_date(out.t, v.date);
		break;
	case Decoder::time:
		out.kind = CellKind::time;
		out.t = from_datetimeall(v.time, 0, 0, false);
		out.t.year = 0;
		out.t.month = 0;
		out.t.day = 0;
		break;
	case Decoder::datetime2:
		out.kind = CellKind::timestamp;
		out.t = from_datetimeall(v.time, v.date, 0, false);
		break;
	default: /* datetimeoffset */
		if (v.offset < -840 || v.offset > 840) {
			return DecodeStatus::out_of_range;
		}
		out.kind = CellKind::timestamptz;
		out.t = from_datetimeall(v.time, v.date, v.offset, true);
		break;
	}
	return DecodeStatus::ok;
}

DecodeStatus
decode_numeric(const unsigned char *p, std::size_t len, Cell &out, std::string &scratch)
{
	if (len < 3) {
		return DecodeStatus::bad_length;
	}
	const unsigned precision = p[0];
	const int scale = p[1];
	if (precision < 1 || precision >= sizeof numeric_bytes_per_prec ||
	    scale > static_cast<int>(precision)) {
		return DecodeStatus::out_of_range;
	}
	const std::size_t n = numeric_bytes_per_prec[precision];
	if (len < 2 + n) {
		return DecodeStatus::bad_length;
	}
	numeric_text(p[2] != 0, p + 3, n - 1, scale, scratch);
	out.kind = CellKind::decimal;
	out.data = scratch.data();
	out.size = scratch.size();
	return DecodeStatus::ok;
}

DecodeStatus
decode_text(const unsigned char *p, std::size_t len, Cell &out) noexcept
{
	const char *s = reinterpret_cast<const char *>(p);
	if (!valid_utf8(s, len)) {
		return DecodeStatus::invalid_utf8;
	}
	out.kind = CellKind::text;
	out.data = s;
	out.size = len;
	return DecodeStatus::ok;
}

} // namespace

ImportOptions
parse_import_options(const remote::Options &options)
{
	ImportOptions out;
	for (const auto &[name, value] : options) {
		if (name == "import_not_null") {
			out.import_not_null = parse_bool_option(name, value);
		}
	}
	return out;
}

std::string
declared_type(const std::string &data_type, long max_length, int precision, int scale,
              int datetime_precision)
{
	const std::string t = lower(data_type);
	if (t == "char" || t == "varchar" || t == "nchar" || t == "nvarchar" || t == "binary" ||
	    t == "varbinary") {
		if (max_length == -1) {
			return t + "(max)";
		}
		if (max_length > 0) {
			return t + "(" + std::to_string(max_length) + ")";
		}
		return t;
	}
	if (t == "decimal" || t == "numeric") {
		if (precision > 0) {
			return t + "(" + std::to_string(precision) + "," +
			       std::to_string(scale < 0 ? 0 : scale) + ")";
		}
		return t;
	}
	if (t == "time" || t == "datetime2" || t == "datetimeoffset") {
		if (datetime_precision >= 0) {
			return t + "(" + std::to_string(datetime_precision) + ")";
		}
		return t;
	}
	return t;
}

remote::ImportedColumn
map_column(const remote::RemoteColumn &column, const ImportOptions &options)
{
	remote::ImportedColumn out;
	out.name = column.name;
	out.options["mssql_type"] = column.type_name.empty() ? column.data_type : column.type_name;
	std::string t = lower(column.data_type);
	if (t.empty()) {
		t = lower(column.type_name.substr(0, column.type_name.find('(')));
	}
	const bool mapped = map_numeric(t, column, out) || map_string_or_binary(t, column, out) ||
	                    map_temporal(t, column, out);
	if (!mapped) {
		out.error = "SQL Server type \"" + out.options["mssql_type"] +
		            "\" has no PostgreSQL counterpart; read it through a remote view that "
		            "converts it (for example to nvarchar(max) or varbinary(max))";
		return out;
	}
	out.not_null = options.import_not_null && !column.nullable;
	return out;
}

Decoder
decoder_for(int dblib_type, const std::string &column_name)
{
	switch (dblib_type) {
	case SYBINT1: return Decoder::int1;
	case SYBINT2: return Decoder::int2;
	case SYBINT4: return Decoder::int4;
	case SYBINT8: return Decoder::int8;
	case SYBBIT:
	case SYBBITN: return Decoder::bit;
	case SYBREAL: return Decoder::real;
	case SYBFLT8: return Decoder::float8;
	case SYBDECIMAL:
	case SYBNUMERIC: return Decoder::numeric;
	case SYBMONEY: return Decoder::money;
	case SYBMONEY4: return Decoder::money4;
	case SYBDATETIME: return Decoder::datetime;
	case SYBDATETIME4: return Decoder::datetime4;
	case SYBMSDATE: return Decoder::date;
	case SYBMSTIME: return Decoder::time;
	case SYBMSDATETIME2: return Decoder::datetime2;
	case SYBMSDATETIMEOFFSET: return Decoder::datetimeoffset;
	case 36: /* SYBUNIQUE (tds.h; not in sybdb.h's list) */ return Decoder::guid;
	case SYBCHAR:
	case SYBVARCHAR:
	case SYBTEXT:
	case SYBNTEXT:
	case SYBNVARCHAR: return Decoder::text;
	case SYBBINARY:
	case SYBVARBINARY:
	case SYBIMAGE:
	case 240: /* SYBMSUDT: CLR types (hierarchyid, geography, …) arrive as their bytes */
		return Decoder::bytes;
	case 98: /* SYBVARIANT */
		throw RemoteError(
		    ErrorKind::unsupported,
		    "cannot read sql_variant column \"" + column_name + "\" as SQL Server sends it",
		    "FreeTDS db-lib does not expose the base type of a sql_variant value. Give the "
		    "foreign table's column the option mssql_type 'sql_variant' (IMPORT FOREIGN SCHEMA "
		    "does): tributary then asks SQL Server for the value's text.",
		    {}, dblib_type);
	default:
		throw RemoteError(ErrorKind::unsupported, "cannot read column \"" + column_name +
		                                              "\" of db-lib type " +
		                                              std::to_string(dblib_type));
	}
}

DecodeStatus
decode_value(Decoder decoder, const unsigned char *p, std::size_t len, Cell &out,
             std::string &scratch)
{
	switch (decoder) {
	case Decoder::int1:
		if (len < 1) {
			return DecodeStatus::bad_length;
		}
		out.kind = CellKind::int64;
		out.i = p[0];
		return DecodeStatus::ok;
	case Decoder::int2: {
		if (len < 2) {
			return DecodeStatus::bad_length;
		}
		out.kind = CellKind::int64;
		out.i = static_cast<std::int16_t>(load_u16(p));
		return DecodeStatus::ok;
	}
	case Decoder::int4:
		if (len < 4) {
			return DecodeStatus::bad_length;
		}
		out.kind = CellKind::int64;
		out.i = load_i32(p);
		return DecodeStatus::ok;
	case Decoder::int8: {
		if (len < 8) {
			return DecodeStatus::bad_length;
		}
		std::int64_t v;
		std::memcpy(&v, p, sizeof v);
		out.kind = CellKind::int64;
		out.i = v;
		return DecodeStatus::ok;
	}
	case Decoder::bit:
		if (len < 1) {
			return DecodeStatus::bad_length;
		}
		out.kind = CellKind::boolean;
		out.i = p[0] != 0 ? 1 : 0;
		return DecodeStatus::ok;
	case Decoder::real: {
		if (len < sizeof(float)) {
			return DecodeStatus::bad_length;
		}
		float v;
		std::memcpy(&v, p, sizeof v);
		out.kind = CellKind::float64;
		out.f = v;
		return DecodeStatus::ok;
	}
	case Decoder::float8: {
		if (len < sizeof(double)) {
			return DecodeStatus::bad_length;
		}
		double v;
		std::memcpy(&v, p, sizeof v);
		out.kind = CellKind::float64;
		out.f = v;
		return DecodeStatus::ok;
	}
	case Decoder::numeric: return decode_numeric(p, len, out, scratch);
	case Decoder::money: {
		if (len < sizeof(DBMONEY)) {
			return DecodeStatus::bad_length;
		}
		DBMONEY m;
		std::memcpy(&m, p, sizeof m);
		const std::int64_t units = static_cast<std::int64_t>(
		    (static_cast<std::uint64_t>(static_cast<std::uint32_t>(m.mnyhigh)) << 32) | m.mnylow);
		money_text(units, scratch);
		out.kind = CellKind::decimal;
		out.data = scratch.data();
		out.size = scratch.size();
		return DecodeStatus::ok;
	}
	case Decoder::money4:
		if (len < sizeof(DBMONEY4)) {
			return DecodeStatus::bad_length;
		}
		money_text(load_i32(p), scratch);
		out.kind = CellKind::decimal;
		out.data = scratch.data();
		out.size = scratch.size();
		return DecodeStatus::ok;
	case Decoder::datetime: {
		if (len < sizeof(DBDATETIME)) {
			return DecodeStatus::bad_length;
		}
		const std::uint32_t ticks = load_u32(p + 4);
		if (ticks >= datetime_ticks_per_day) {
			return DecodeStatus::out_of_range;
		}
		out.kind = CellKind::timestamp;
		out.t = from_datetime(load_i32(p), ticks);
		return DecodeStatus::ok;
	}
	case Decoder::datetime4: {
		if (len < sizeof(DBDATETIME4)) {
			return DecodeStatus::bad_length;
		}
		const std::uint16_t minutes = load_u16(p + 2);
		if (minutes >= 1440) {
			return DecodeStatus::out_of_range;
		}
		out.kind = CellKind::timestamp;
		out.t = from_datetime4(load_u16(p), minutes);
		return DecodeStatus::ok;
	}
	case Decoder::date:
	case Decoder::time:
	case Decoder::datetime2:
	case Decoder::datetimeoffset: return decode_datetimeall(decoder, p, len, out);
	case Decoder::guid: {
		if (len < 16) {
			return DecodeStatus::bad_length;
		}
		/* TDS_UNIQUE: Data1 (uint32), Data2, Data3 (uint16) in host order, then Data4[8]. */
		const std::uint32_t d1 = load_u32(p);
		const std::uint16_t d2 = load_u16(p + 4);
		const std::uint16_t d3 = load_u16(p + 6);
		scratch.resize(16);
		char *o = &scratch[0];
		o[0] = static_cast<char>(d1 >> 24);
		o[1] = static_cast<char>(d1 >> 16);
		o[2] = static_cast<char>(d1 >> 8);
		o[3] = static_cast<char>(d1);
		o[4] = static_cast<char>(d2 >> 8);
		o[5] = static_cast<char>(d2);
		o[6] = static_cast<char>(d3 >> 8);
		o[7] = static_cast<char>(d3);
		std::memcpy(o + 8, p + 8, 8);
		out.kind = CellKind::uuid;
		out.data = scratch.data();
		out.size = 16;
		return DecodeStatus::ok;
	}
	case Decoder::text: return decode_text(p, len, out);
	case Decoder::converted_text:
		out.kind = CellKind::text;
		out.data = reinterpret_cast<const char *>(p);
		out.size = len;
		return DecodeStatus::ok;
	case Decoder::bytes:
		out.kind = CellKind::bytes;
		out.data = reinterpret_cast<const char *>(p);
		out.size = len;
		return DecodeStatus::ok;
	}
	return DecodeStatus::out_of_range;
}

bool
valid_utf8(const char *text, std::size_t n) noexcept
{
	const auto *p = reinterpret_cast<const unsigned char *>(text);
	const unsigned char *end = p + n;
	while (p < end) {
		/* ASCII runs, eight bytes at a time. */
		while (end - p >= 8) {
			std::uint64_t w;
			std::memcpy(&w, p, sizeof w);
			if ((w & 0x8080808080808080ULL) != 0) {
				break;
			}
			p += 8;
		}
		if (p == end) {
			break;
		}
		const unsigned char c = *p;
		if (c < 0x80) {
			p++;
			continue;
		}
		std::size_t need;
		std::uint32_t cp;
		if (c >= 0xC2 && c <= 0xDF) {
			need = 1;
			cp = c & 0x1F;
		} else if (c >= 0xE0 && c <= 0xEF) {
			need = 2;
			cp = c & 0x0F;
		} else if (c >= 0xF0 && c <= 0xF4) {
			need = 3;
			cp = c & 0x07;
		} else {
			return false;
		}
		if (static_cast<std::size_t>(end - p) <= need) {
			return false;
		}
		for (std::size_t i = 1; i <= need; i++) {
			if ((p[i] & 0xC0) != 0x80) {
				return false;
			}
			cp = (cp << 6) | (p[i] & 0x3F);
		}
		if ((need == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
		    (need == 3 && (cp < 0x10000 || cp > 0x10FFFF))) {
			return false;
		}
		p += need + 1;
	}
	return true;
}

Temporal
from_datetime(std::int32_t days_since_1900, std::uint32_t ticks_300) noexcept
{
	Temporal t;
	set_date(t, days_since_1900);
	set_clock(t, ticks_300 / 300);
	/* SQL Server shows 1/300 s ticks rounded to the millisecond: .000, .003, .007. */
	t.microsecond = (ticks_300 % 300 * 1000 + 150) / 300 * 1000;
	return t;
}

Temporal
from_datetime4(std::uint16_t days_since_1900, std::uint16_t minutes) noexcept
{
	Temporal t;
	set_date(t, days_since_1900);
	set_clock(t, static_cast<std::uint64_t>(minutes) * 60);
	return t;
}

Temporal
from_datetimeall(std::uint64_t time_100ns, std::int32_t days_since_1900,
                 std::int16_t offset_minutes, bool with_offset) noexcept
{
	Temporal t;
	std::int64_t days = days_since_1900;
	std::int64_t ticks = static_cast<std::int64_t>(time_100ns);
	if (with_offset) {
		/* The wire value is UTC; the local time is UTC + offset. */
		ticks += static_cast<std::int64_t>(offset_minutes) * 600000000LL;
		const std::int64_t per_day = static_cast<std::int64_t>(ticks_100ns_per_day);
		std::int64_t carry = ticks / per_day;
		ticks %= per_day;
		if (ticks < 0) {
			ticks += per_day;
			carry--;
		}
		days += carry;
		t.offset_minutes = offset_minutes;
	}
	set_date(t, days);
	const auto u = static_cast<std::uint64_t>(ticks);
	set_clock(t, u / 10000000ULL);
	t.microsecond = static_cast<std::uint32_t>(u % 10000000ULL / 10);
	t.dropped_digits = u % 10 != 0 ? 1 : 0;
	return t;
}

void
numeric_text(bool negative, const unsigned char *magnitude, std::size_t n, int scale,
             std::string &out)
{
	std::size_t first = 0;
	while (first < n && magnitude[first] == 0) {
		first++;
	}
	if (n - first <= 8) {
		std::uint64_t v = 0;
		for (std::size_t i = first; i < n; i++) {
			v = (v << 8) | magnitude[i];
		}
		char buf[24];
		place_point(negative, buf, format_uint(v, buf), scale, out);
		return;
	}
	/* Schoolbook division by 10^9 over 32-bit limbs, most significant first. */
	std::uint32_t limbs[16];
	std::size_t count = 0;
	const std::size_t bytes = n - first;
	std::size_t i = first;
	if (bytes % 4 != 0) {
		std::uint32_t v = 0;
		for (std::size_t k = 0; k < bytes % 4; k++) {
			v = (v << 8) | magnitude[i++];
		}
		limbs[count++] = v;
	}
	while (i < n && count < 16) {
		limbs[count++] = (static_cast<std::uint32_t>(magnitude[i]) << 24) |
		                 (static_cast<std::uint32_t>(magnitude[i + 1]) << 16) |
		                 (static_cast<std::uint32_t>(magnitude[i + 2]) << 8) | magnitude[i + 3];
		i += 4;
	}
	std::uint32_t chunks[16]; /* base 10^9, least significant first: 9 · 16 digits ≥ 2^512 */
	std::size_t nchunks = 0;
	std::size_t top = 0;
	while (top < count) {
		std::uint64_t rem = 0;
		for (std::size_t k = top; k < count; k++) {
			const std::uint64_t cur = (rem << 32) | limbs[k];
			limbs[k] = static_cast<std::uint32_t>(cur / 1000000000ULL);
			rem = cur % 1000000000ULL;
		}
		chunks[nchunks++] = static_cast<std::uint32_t>(rem);
		while (top < count && limbs[top] == 0) {
			top++;
		}
	}
	char buf[16 * 9 + 1];
	std::size_t len = format_uint(chunks[nchunks - 1], buf);
	for (std::size_t k = nchunks - 1; k-- > 0;) {
		char part[24];
		const std::size_t m = format_uint(chunks[k], part);
		for (std::size_t z = m; z < 9; z++) {
			buf[len++] = '0';
		}
		std::memcpy(buf + len, part, m);
		len += m;
	}
	place_point(negative, buf, len, scale, out);
}

void
money_text(std::int64_t units, std::string &out)
{
	const bool negative = units < 0;
	const std::uint64_t v = negative
	                            ? static_cast<std::uint64_t>(0) - static_cast<std::uint64_t>(units)
	                            : static_cast<std::uint64_t>(units);
	char buf[24];
	place_point(negative, buf, format_uint(v, buf), 4, out);
}


} // namespace tributary::tds

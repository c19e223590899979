/*
 * mysql_types.hpp — MySQL/MariaDB types: how a remote column is imported
 * (IMPORT FOREIGN SCHEMA) and how wire values decode to remote::Cell.
 *
 * Zone: driver zone, pure C++: neither postgres.h nor mysql.h is included here
 * (the PG zone includes this header for map_column), so wire-level inputs are
 * plain integers and byte ranges. See the mapping table at the top of
 * mysql_types.cpp.
 */
#pragma once

#include "fdw/remote/remote.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

struct st_mysql_time;

namespace tributary::mysql {

/* IMPORT FOREIGN SCHEMA options that change the mapping. */
struct ImportOptions {
	bool import_not_null = true;     /* NOT NULL where the remote column is NOT NULL */
	bool tinyint1_as_boolean = true; /* tinyint(1) → boolean, else smallint */
	std::string zero_dates = "null"; /* "null" or "error": stored as column option zero_dates */
	bool enum_as_check = true;       /* enum → text with CHECK (col IN (…)) */
};

/*
 * Read the import options from IMPORT FOREIGN SCHEMA's OPTIONS (names as in
 * ImportOptions; other names are ignored). Throws RemoteError(invalid_option)
 * on a malformed value.
 */
ImportOptions parse_import_options(const remote::Options &options);

/*
 * Map one remote column. Never throws for an unknown type: the result's error
 * is set instead, so the caller can report the column. options["mysql_type"]
 * always holds the full remote COLUMN_TYPE; temporal date columns also get
 * options["zero_dates"].
 */
remote::ImportedColumn map_column(const remote::RemoteColumn &column, const ImportOptions &options);

/* The values of "enum('a','b''c')" or "set(…)", unescaped. Empty on malformed text. */
std::vector<std::string> parse_enum_values(const std::string &column_type);

/* How the cursor decodes one result column (chosen once per result set). */
enum class Decoder : std::uint8_t {
	int_signed,   /* TINY…LONGLONG, YEAR → int64 */
	int_unsigned, /* BIGINT UNSIGNED → uint64 (smaller UNSIGNED types fit int64) */
	float64,      /* FLOAT, DOUBLE */
	decimal,      /* DECIMAL → decimal text */
	bit,          /* BIT(n) → uint64 */
	text,         /* character strings, ENUM, SET, JSON */
	bytes,        /* binary strings (charset 63) */
	geometry,     /* GEOMETRY → WKB bytes (SRID prefix stripped) */
	date,         /* DATE → date */
	datetime,     /* DATETIME → timestamp */
	timestamp,    /* TIMESTAMP → timestamptz, offset 0 (session time zone is UTC) */
	time,         /* TIME → time, hours up to ±838 */
	null_only     /* MYSQL_TYPE_NULL: always NULL */
};

/*
 * The decoder for a result column from its MYSQL_FIELD type, flags and
 * charset number. Throws RemoteError(unsupported) for a type it cannot decode.
 */
Decoder decoder_for(int field_type, unsigned int flags, unsigned int charsetnr,
                    const std::string &column_name);

/* Text-protocol parsers; all return false on malformed input. */
bool parse_int64(const char *p, std::size_t n, std::int64_t &out) noexcept;
bool parse_uint64(const char *p, std::size_t n, std::uint64_t &out) noexcept;
bool parse_double(const char *p, std::size_t n, double &out) noexcept;
/* "YYYY-MM-DD" (zero dates allowed). */
bool parse_date(const char *p, std::size_t n, remote::Temporal &out) noexcept;
/* "YYYY-MM-DD HH:MM:SS[.f…]" (zero dates allowed). */
bool parse_datetime(const char *p, std::size_t n, remote::Temporal &out) noexcept;
/* "[-]H…H:MM:SS[.f…]", hours 0–838. */
bool parse_time(const char *p, std::size_t n, remote::Temporal &out, bool &negative) noexcept;

/* BIT(n) bytes (big-endian, at most 8) → value. */
std::uint64_t decode_bit(const unsigned char *p, std::size_t n) noexcept;

/*
 * MySQL's internal geometry is a 4-byte little-endian SRID followed by WKB.
 * Returns false when the value is shorter than that prefix.
 */
bool strip_geometry_srid(const char *&p, std::size_t &n) noexcept;

/* MYSQL_TIME (binary protocol) → Temporal; negative is set for a negative TIME. */
remote::Temporal from_mysql_time(const st_mysql_time &value, bool &negative) noexcept;

/*
 * A temporal parameter → MYSQL_TIME: date, time, timestamp as they are;
 * timestamptz shifted to UTC, the session's time zone.
 */
void to_mysql_time(const remote::Cell &cell, st_mysql_time &out);

/* A timestamptz Temporal moved to offset 0 (calendar-correct, proleptic Gregorian). */
remote::Temporal to_utc(const remote::Temporal &value) noexcept;

} // namespace tributary::mysql

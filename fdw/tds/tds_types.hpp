/*
 * tds_types.hpp — SQL Server types: how a remote column is imported (IMPORT
 * FOREIGN SCHEMA) and how db-lib's binary values decode to remote::Cell.
 *
 * Zone: driver zone, pure C++: neither postgres.h nor sybdb.h is included here
 * (the PG zone includes this header for map_column), so db-lib inputs are plain
 * integers and byte ranges. See the mapping table at the top of tds_types.cpp.
 */
#pragma once

#include "fdw/remote/calendar.hpp"
#include "fdw/remote/remote.hpp"

#include <cstddef>
#include <cstdint>
#include <string>

namespace tributary::tds {

/* IMPORT FOREIGN SCHEMA options that change the mapping. */
struct ImportOptions {
	bool import_not_null = true; /* NOT NULL where the remote column is NOT NULL */
};

/*
 * Read the import options from IMPORT FOREIGN SCHEMA's OPTIONS (names as in
 * ImportOptions; other names are ignored). Throws RemoteError(invalid_option)
 * on a malformed value.
 */
ImportOptions parse_import_options(const remote::Options &options);

/*
 * Map one remote column. Never throws for an unknown type: the result's error
 * is set instead, so the caller can report the column. options["mssql_type"]
 * always holds the full declared type ("nvarchar(max)", "decimal(38,10)").
 */
remote::ImportedColumn map_column(const remote::RemoteColumn &column, const ImportOptions &options);

/*
 * The declared type spelled from INFORMATION_SCHEMA.COLUMNS values (-1 = NULL):
 * ("nvarchar", -1 or 10, …) → "nvarchar(max)" / "nvarchar(10)",
 * ("decimal", …, 38, 10) → "decimal(38,10)", ("datetime2", …, 7) → "datetime2(7)".
 */
std::string declared_type(const std::string &data_type, long max_length, int precision, int scale,
                          int datetime_precision);

/* How the cursor decodes one result column (chosen once per result set). */
enum class Decoder : std::uint8_t {
	int1,           /* tinyint: 1 unsigned byte */
	int2,           /* smallint */
	int4,           /* int */
	int8,           /* bigint */
	bit,            /* bit → boolean */
	real,           /* real → float64 */
	float8,         /* float → float64 */
	numeric,        /* decimal/numeric: DBNUMERIC → decimal text */
	money,          /* money: DBMONEY → decimal text, 4 places */
	money4,         /* smallmoney: DBMONEY4 → decimal text, 4 places */
	datetime,       /* datetime: DBDATETIME → timestamp */
	datetime4,      /* smalldatetime: DBDATETIME4 → timestamp */
	date,           /* date: DBDATETIMEALL → date */
	time,           /* time(n): DBDATETIMEALL → time */
	datetime2,      /* datetime2(n): DBDATETIMEALL → timestamp */
	datetimeoffset, /* datetimeoffset(n): DBDATETIMEALL (UTC + offset) → timestamptz */
	guid,           /* uniqueidentifier: TDS_UNIQUE → uuid (RFC 4122 byte order) */
	text,           /* char, varchar, (max), text → UTF-8 text, checked */
	converted_text, /* nchar, nvarchar, (max), ntext, xml: FreeTDS converted them from UTF-16,
	                   so they are well-formed UTF-8 by construction (no second check) */
	bytes           /* binary, varbinary, (max), image, rowversion, CLR types → bytes */
};

/*
 * The decoder for a result column from db-lib's dbcoltype() (SYB* code).
 * Throws RemoteError(unsupported) naming the column for a type it cannot
 * decode (sql_variant as sent: db-lib 1.3 exposes neither its base type nor,
 * through dbbind, a correct conversion; TdsDialect::select_column has SQL
 * Server convert it instead).
 */
Decoder decoder_for(int dblib_type, const std::string &column_name);

/* The result of decoding one value. */
enum class DecodeStatus : std::uint8_t {
	ok,
	bad_length,   /* the value is shorter than its type's layout */
	invalid_utf8, /* text that is not valid UTF-8 */
	out_of_range  /* a value outside the type's documented range */
};

/*
 * Decode one non-NULL value as dbdata()/dbdatlen() give it. text and bytes
 * cells point into p; decimal and uuid cells point into scratch, which the
 * caller keeps alive until the next row. Never throws except std::bad_alloc.
 */
DecodeStatus decode_value(Decoder decoder, const unsigned char *p, std::size_t len,
                          remote::Cell &out, std::string &scratch);

/* True if [p, p+n) is well-formed UTF-8 (no overlongs, surrogates or > U+10FFFF). */
bool valid_utf8(const char *p, std::size_t n) noexcept;

/* Pieces of the decoders, exposed for unit tests. */
remote::Temporal from_datetime(std::int32_t days_since_1900, std::uint32_t ticks_300) noexcept;
remote::Temporal from_datetime4(std::uint16_t days_since_1900, std::uint16_t minutes) noexcept;
/*
 * A DBDATETIMEALL: time in 100 ns units since midnight, date in days since
 * 1900-01-01, offset in minutes. For datetimeoffset, time and date are UTC and
 * the result is the local time at offset_minutes.
 */
remote::Temporal from_datetimeall(std::uint64_t time_100ns, std::int32_t days_since_1900,
                                  std::int16_t offset_minutes, bool with_offset) noexcept;
/* Unsigned big-endian magnitude (≤ 16 bytes) → "-123.4500" with scale digits after the point. */
void numeric_text(bool negative, const unsigned char *magnitude, std::size_t n, int scale,
                  std::string &out);
/* A money value in 1/10000 units → "-12.3400". */
void money_text(std::int64_t units, std::string &out);

/* Days since 1970-01-01 of a proleptic Gregorian date, and back. */
using remote::civil_from_days;
using remote::days_from_civil;

} // namespace tributary::tds

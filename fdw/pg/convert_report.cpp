/*
 * convert_report.cpp — the error messages of result-value conversion, and the
 * zero_dates / invalid_value policies that may turn an error into NULL.
 *
 * Zone: PG zone, C semantics: palloc and ereport only, no C++ object with a
 * destructor, nothing throws. Messages follow STYLE.md §4 and name the column;
 * the scan's error context names the foreign table.
 */
#include <cstdlib>
#include <cstring>

extern "C" {
#include "postgres.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/float.h"
}

#include "fdw/pg/convert_detail.hpp"
#include "fdw/pg/pg_zone.hpp"

namespace tributary::pg::convert_detail {

using remote::CellKind;
using remote::Temporal;

namespace {

const char *
kind_name(CellKind kind)
{
	switch (kind) {
	case CellKind::null:
		return "null";
	case CellKind::boolean:
		return "boolean";
	case CellKind::int64:
		return "integer";
	case CellKind::uint64:
		return "unsigned integer";
	case CellKind::float64:
		return "floating-point";
	case CellKind::decimal:
		return "decimal";
	case CellKind::text:
		return "text";
	case CellKind::bytes:
		return "binary";
	case CellKind::date:
		return "date";
	case CellKind::time:
		return "time";
	case CellKind::timestamp:
		return "timestamp";
	case CellKind::timestamptz:
		return "timestamp with time zone";
	case CellKind::uuid:
		return "uuid";
	}
	return "unknown";
}

/* The PostgreSQL type that holds every value of a kind, for hints. */
const char *
natural_type(CellKind kind)
{
	switch (kind) {
	case CellKind::int64:
		return "bigint";
	case CellKind::uint64:
		return "numeric(20,0)";
	case CellKind::float64:
		return "double precision";
	case CellKind::decimal:
		return "numeric";
	case CellKind::bytes:
		return "bytea";
	case CellKind::time:
		return "interval";
	case CellKind::timestamptz:
		return "timestamp with time zone";
	default:
		return kind_name(kind);
	}
}

char *
hex_bytes(const char *data, size_t len, size_t max)
{
	StringInfoData buf;
	initStringInfo(&buf);
	appendStringInfoString(&buf, "\\x");
	for (size_t i = 0; i < len && i < max; i++) {
		appendStringInfo(&buf, "%02x", (unsigned char) data[i]);
	}
	if (len > max) {
		appendStringInfoString(&buf, "...");
	}
	return buf.data;
}

} // namespace

char *
cell_display(const Cell &cell)
{
	const Temporal &t = cell.t;
	switch (cell.kind) {
	case CellKind::boolean:
	case CellKind::int64: {
		char *buf = (char *) palloc(MAXINT8LEN + 1);
		pg_lltoa(cell.i, buf);
		return buf;
	}
	case CellKind::uint64: {
		char *buf = (char *) palloc(MAXINT8LEN + 1);
		buf[pg_ulltoa_n(cell.u, buf)] = '\0';
		return buf;
	}
	case CellKind::float64:
		return float8out_internal(cell.f);
	case CellKind::decimal:
		return pnstrdup(cell.data, Min(cell.size, (size_t) 100));
	case CellKind::bytes:
	case CellKind::uuid:
		return hex_bytes(cell.data, cell.size, 16);
	case CellKind::date:
		return psprintf("%04d-%02d-%02d", (int) t.year, (int) t.month, (int) t.day);
	case CellKind::timestamp:
	case CellKind::timestamptz:
		return psprintf("%04d-%02d-%02d %02d:%02d:%02d.%06u%s", (int) t.year, (int) t.month,
						(int) t.day, (int) t.hour, (int) t.minute, (int) t.second,
						(unsigned) t.microsecond,
						cell.kind == CellKind::timestamptz
							? psprintf("%+03d:%02d", t.offset_minutes / 60,
									   std::abs(t.offset_minutes) % 60)
							: "");
	case CellKind::time:
		return psprintf("%s%02d:%02d:%02d.%06u", cell.negative ? "-" : "", (int) t.hour,
						(int) t.minute, (int) t.second, (unsigned) t.microsecond);
	default:
		return pstrdup(kind_name(cell.kind));
	}
}

[[noreturn]] void
kind_mismatch(const ColumnConverter *c, const Cell &cell)
{
	ereport(ERROR, errcode(ERRCODE_FDW_INVALID_DATA_TYPE),
			errmsg("cannot convert a remote %s value to type %s for column \"%s\"",
				   kind_name(cell.kind), c->type_name, c->name),
			errhint("Declare the column as %s, or as another type that can hold the remote "
					"values.",
					natural_type(cell.kind)));
	pg_unreachable();
}

/* A value no value of the column's type can hold: NULL under invalid_value 'null'. */
Datum
out_of_range(const ColumnConverter *c, const Cell &cell, bool *isnull, int sqlerrcode)
{
	if (c->invalid_as_null) {
		*isnull = true;
		return (Datum) 0;
	}
	ereport(ERROR, errcode(sqlerrcode),
			errmsg("remote value %s of column \"%s\" is out of range for type %s",
				   cell_display(cell), c->name, c->type_name),
			c->target == ConvertTarget::time
				? errhint("Declare the column as interval, which holds durations of any sign "
						  "and length, or set the column option invalid_value to 'null'.")
				: errhint("Declare the column with a type that can hold the value, or set the "
						  "column option invalid_value to 'null' to read such values as NULL."));
	pg_unreachable();
}

Datum
invalid_json(const ColumnConverter *c, const char *parse_error, bool *isnull)
{
	if (c->invalid_as_null) {
		*isnull = true;
		return (Datum) 0;
	}
	ereport(ERROR, errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			errmsg("remote value of column \"%s\" is not valid JSON", c->name),
			errdetail_internal("%s", parse_error),
			errhint("Correct the document at the source, or set the column option "
					"invalid_value to 'null' to read such values as NULL."));
	pg_unreachable();
}

/* A calendar date that does not exist (2023-02-29), as MySQL's ALLOW_INVALID_DATES keeps. */
Datum
impossible_date(const ColumnConverter *c, const Cell &cell, bool *isnull)
{
	if (c->invalid_as_null) {
		*isnull = true;
		return (Datum) 0;
	}
	ereport(ERROR, errcode(ERRCODE_DATETIME_FIELD_OVERFLOW),
			errmsg("remote value %s of column \"%s\" is not a valid date or time",
				   cell_display(cell), c->name),
			errhint("Set the column option invalid_value to 'null' to read such values as "
					"NULL."));
	pg_unreachable();
}

Datum
zero_date(const ColumnConverter *c, const Cell &cell, bool *isnull)
{
	if (!c->zero_dates_error) {
		*isnull = true;
		return (Datum) 0;
	}
	ereport(ERROR, errcode(ERRCODE_DATETIME_FIELD_OVERFLOW),
			errmsg("remote zero date %s in column \"%s\" has no PostgreSQL equivalent",
				   cell_display(cell), c->name),
			errdetail("MySQL accepts dates with a zero month or day, which no PostgreSQL date "
					  "can represent."),
			errhint("Set the column option zero_dates to 'null' to read zero dates as NULL."));
	pg_unreachable();
}

[[noreturn]] void
too_large(const ColumnConverter *c, size_t len)
{
	ereport(ERROR, errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
			errmsg("remote value of column \"%s\" is too large (%zu bytes)", c->name, len),
			errdetail("A PostgreSQL value holds at most 1 GB."));
	pg_unreachable();
}

/* Bytes that are not UTF-8, or a NUL byte (which no PostgreSQL text can hold). */
[[noreturn]] void
bad_encoding(const ColumnConverter *c, const char *data, size_t len, int valid)
{
	if (data[valid] == '\0') {
		ereport(ERROR, errcode(ERRCODE_CHARACTER_NOT_IN_REPERTOIRE),
				errmsg("remote value of column \"%s\" contains a NUL byte", c->name),
				errdetail("PostgreSQL text values cannot contain NUL bytes."),
				errhint("Declare the column as bytea to read the value unchanged."));
	}
	ereport(ERROR, errcode(ERRCODE_CHARACTER_NOT_IN_REPERTOIRE),
			errmsg("invalid byte sequence for encoding \"UTF8\" in column \"%s\": %s", c->name,
				   hex_bytes(data + valid, Min(len - (size_t) valid, (size_t) 4), 4)),
			errdetail("The remote value has %zu bytes; the invalid sequence starts at byte %d.",
					  len, valid + 1),
			errhint("Check the character set of the remote column, or declare the column as "
					"bytea to read the bytes unchanged."));
	pg_unreachable();
}

} // namespace tributary::pg::convert_detail

/*
 * convert_detail.hpp — helpers shared by the files of the result-value
 * conversion (convert.cpp, convert_temporal.cpp, convert_json.cpp, convert_report.cpp). Not for
 * use outside them: the public interface is convert.hpp.
 *
 * Zone: PG zone, C semantics: every function here may ereport; results are
 * palloc'd in CurrentMemoryContext. Functions returning Datum and taking isnull
 * follow the column's zero_dates / invalid_value policy: they either ereport or
 * set *isnull and return 0.
 */
#pragma once

extern "C" {
#include "postgres.h"
}

#include "fdw/pg/convert.hpp"
#include "fdw/remote/remote.hpp"
#include "fdw/pg/pg_zone.hpp"

namespace tributary::pg::convert_detail {

using remote::Cell;

/* ---- convert_report.cpp: messages and policies ---- */

/* A remote value spelled for an error message (palloc'd; error paths only). */
char *cell_display(const Cell &cell);

/* The Cell's kind cannot become the column's type: ERRCODE_FDW_INVALID_DATA_TYPE. */
[[noreturn]] void kind_mismatch(const ColumnConverter *c, const Cell &cell);

/* A value no value of the column's type can hold (invalid_value policy). */
Datum out_of_range(const ColumnConverter *c, const Cell &cell, bool *isnull, int sqlerrcode);

/* A calendar date or clock time that does not exist (invalid_value policy). */
Datum impossible_date(const ColumnConverter *c, const Cell &cell, bool *isnull);

/* A MySQL zero date (zero_dates policy). */
Datum zero_date(const ColumnConverter *c, const Cell &cell, bool *isnull);

/* A document that is not JSON, for a json/jsonb column (invalid_value policy). */
Datum invalid_json(const ColumnConverter *c, const char *parse_error, bool *isnull);

/* A value above PostgreSQL's 1 GB limit. */
[[noreturn]] void too_large(const ColumnConverter *c, size_t len);

/* Bytes that are not UTF-8 from offset valid on, or a NUL byte there. */
[[noreturn]] void bad_encoding(const ColumnConverter *c, const char *data, size_t len, int valid);

/* ---- convert.cpp ---- */

/* Any value through its text form and the column type's input function. */
Datum via_input(ColumnConverter *c, const Cell &cell, bool *isnull);

/* The text form of a value, in the database encoding (NULL and *isnull for policy NULLs). */
char *cell_cstring(ColumnConverter *c, const Cell &cell, bool *isnull);

/* ---- convert_json.cpp ---- */

/* A json/jsonb value: validated, then the column type's input function. */
Datum to_json(ColumnConverter *c, const Cell &cell, bool *isnull);

/* ---- convert_temporal.cpp ---- */

/* Natural PostgreSQL values of date, timestamp[tz] (the instant) and time (interval) cells. */
Datum date_value(const ColumnConverter *c, const Cell &cell, bool *isnull);
Datum timestamp_value(const ColumnConverter *c, const Cell &cell, bool *isnull);
Datum interval_value(const ColumnConverter *c, const Cell &cell, bool *isnull);

/* The conversions for date, timestamp[tz], time[tz] and interval columns. */
Datum to_date(ColumnConverter *c, const Cell &cell, bool *isnull);
Datum to_timestamp(ColumnConverter *c, const Cell &cell, bool *isnull);
Datum to_time(ColumnConverter *c, const Cell &cell, bool *isnull);
Datum to_interval(ColumnConverter *c, const Cell &cell, bool *isnull);

} // namespace tributary::pg::convert_detail

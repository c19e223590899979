/*
 * convert_temporal.cpp — date, timestamp, timestamptz, time, timetz and
 * interval columns from remote::Temporal cells, built directly with date2j and
 * microsecond arithmetic (no text round-trip).
 *
 * Zone: PG zone, C semantics: palloc and ereport only, no C++ object with a
 * destructor, nothing throws.
 *
 * Rules: a zero month or day is a MySQL zero date (zero_dates policy); a date
 * that does not exist (2023-02-29) or lies outside PostgreSQL's range follows
 * invalid_value; timestamptz cells carry their offset and name an instant;
 * timestamp ↔ timestamptz and timestamptz → date are cast as PostgreSQL casts,
 * in the session's TimeZone. MySQL TIME (hours up to ±838) fits interval;
 * a time column takes only 00:00:00–24:00:00. Fractions below microseconds are
 * already truncated by the driver (Temporal::dropped_digits).
 */
extern "C" {
#include "postgres.h"
#include "datatype/timestamp.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/fmgrprotos.h"
#include "utils/timestamp.h"
}

#include "fdw/pg/convert_detail.hpp"
#include "fdw/pg/pg_zone.hpp"

namespace tributary::pg::convert_detail {

using remote::CellKind;
using remote::Temporal;

namespace {

enum class DateCheck : uint8 { ok, zero, impossible, out_of_range };

/* Days since 2000-01-01 of a Temporal's date part. */
DateCheck
check_date(const Temporal &t, int *days)
{
	if (t.month == 0 || t.day == 0) {
		return DateCheck::zero;
	}
	if (t.month > 12 || t.day > day_tab[isleap(t.year) ? 1 : 0][t.month - 1]) {
		return DateCheck::impossible;
	}
	if (!IS_VALID_JULIAN(t.year, t.month, t.day)) {
		return DateCheck::out_of_range;
	}
	*days = date2j(t.year, t.month, t.day) - POSTGRES_EPOCH_JDATE;
	return DateCheck::ok;
}

/* Minutes, seconds and fraction are in range (a leap second :60 rolls over, as in PostgreSQL). */
bool
valid_clock_fields(const Temporal &t)
{
	return t.minute <= 59 && t.second <= 60 && t.microsecond <= 999999;
}

/* Microseconds of hour..microsecond (hours may exceed 23 for MySQL TIME). */
int64
clock_usecs(const Temporal &t)
{
	return (((int64) t.hour * 60 + t.minute) * 60 + t.second) * USECS_PER_SEC + t.microsecond;
}

Datum
date_failure(const ColumnConverter *c, const Cell &cell, DateCheck r, bool *isnull)
{
	switch (r) {
	case DateCheck::zero:
		return zero_date(c, cell, isnull);
	case DateCheck::impossible:
		return impossible_date(c, cell, isnull);
	default:
		return out_of_range(c, cell, isnull, ERRCODE_DATETIME_VALUE_OUT_OF_RANGE);
	}
}

/* A time cell's duration in microseconds (sign applied); false if its fields are invalid. */
bool
time_usecs(const Cell &cell, int64 *usecs)
{
	if (!valid_clock_fields(cell.t) || cell.t.second > 59) {
		return false;
	}
	const int64 v = clock_usecs(cell.t);
	*usecs = cell.negative ? -v : v;
	return true;
}

/* A date as midnight of a timestamp (target timestamp) or of the session's time zone. */
Datum
date_to_timestamp(const ColumnConverter *c, const Cell &cell, Datum date, bool *isnull)
{
	const DateADT days = DatumGetDateADT(date);
	if (c->target == ConvertTarget::timestamptz) {
		int overflow = 0;
		const TimestampTz ts = date2timestamptz_opt_overflow(days, &overflow);
		return overflow != 0 ? out_of_range(c, cell, isnull, ERRCODE_DATETIME_VALUE_OUT_OF_RANGE)
							 : TimestampTzGetDatum(ts);
	}
	if (days >= TIMESTAMP_END_JULIAN - POSTGRES_EPOCH_JDATE) {
		return out_of_range(c, cell, isnull, ERRCODE_DATETIME_VALUE_OUT_OF_RANGE);
	}
	return TimestampGetDatum((int64) days * USECS_PER_DAY);
}

} // namespace

/* The date part of a date/timestamp cell as a PostgreSQL date. */
Datum
date_value(const ColumnConverter *c, const Cell &cell, bool *isnull)
{
	int days = 0;
	DateCheck r = check_date(cell.t, &days);
	if (r == DateCheck::ok && !IS_VALID_DATE(days)) {
		r = DateCheck::out_of_range;
	}
	if (r != DateCheck::ok) {
		return date_failure(c, cell, r, isnull);
	}
	return DateADTGetDatum(days);
}

/*
 * A timestamp cell as a PostgreSQL timestamp, or a timestamptz cell as the
 * instant it names (offset_minutes applied). Fractions below microseconds were
 * already dropped by the driver (Temporal::dropped_digits).
 */
Datum
timestamp_value(const ColumnConverter *c, const Cell &cell, bool *isnull)
{
	const Temporal &t = cell.t;
	int days = 0;
	DateCheck r = check_date(t, &days);
	if (r == DateCheck::ok && (t.hour > 23 || !valid_clock_fields(t))) {
		r = DateCheck::impossible;
	}
	/* One day of slack on each side for the offset; the exact bound is checked below. */
	if (r == DateCheck::ok && (days < DATETIME_MIN_JULIAN - POSTGRES_EPOCH_JDATE - 1 ||
							   days > TIMESTAMP_END_JULIAN - POSTGRES_EPOCH_JDATE)) {
		r = DateCheck::out_of_range;
	}
	if (r != DateCheck::ok) {
		return date_failure(c, cell, r, isnull);
	}
	Timestamp ts = (int64) days * USECS_PER_DAY + clock_usecs(t);
	if (cell.kind == CellKind::timestamptz) {
		ts -= (int64) t.offset_minutes * USECS_PER_MINUTE;
	}
	if (!IS_VALID_TIMESTAMP(ts)) {
		return out_of_range(c, cell, isnull, ERRCODE_DATETIME_VALUE_OUT_OF_RANGE);
	}
	return TimestampGetDatum(ts);
}

Datum
interval_value(const ColumnConverter *c, const Cell &cell, bool *isnull)
{
	int64 usecs = 0;
	if (!time_usecs(cell, &usecs)) {
		return impossible_date(c, cell, isnull);
	}
	Interval *iv = (Interval *) palloc(sizeof(Interval));
	iv->time = usecs;
	iv->day = 0;
	iv->month = 0;
	return IntervalPGetDatum(iv);
}

Datum
to_date(ColumnConverter *c, const Cell &cell, bool *isnull)
{
	switch (cell.kind) {
	case CellKind::date:
	case CellKind::timestamp: /* the date part, as timestamp → date */
		return date_value(c, cell, isnull);
	case CellKind::timestamptz: {
		const Datum ts = timestamp_value(c, cell, isnull);
		return *isnull ? (Datum) 0 : DirectFunctionCall1(timestamptz_date, ts);
	}
	case CellKind::text:
		return via_input(c, cell, isnull);
	default:
		kind_mismatch(c, cell);
	}
}

/*
 * Target timestamp or timestamptz. A timestamp cell read into timestamptz (or
 * the reverse) is cast as PostgreSQL casts: in the session's TimeZone.
 */
Datum
to_timestamp(ColumnConverter *c, const Cell &cell, bool *isnull)
{
	const bool to_tz = c->target == ConvertTarget::timestamptz;
	Datum ts;
	switch (cell.kind) {
	case CellKind::timestamp:
	case CellKind::timestamptz:
		ts = timestamp_value(c, cell, isnull);
		if (*isnull) {
			return (Datum) 0;
		}
		if (cell.kind == CellKind::timestamp && to_tz) {
			int overflow = 0;
			ts = TimestampTzGetDatum(
				timestamp2timestamptz_opt_overflow(DatumGetTimestamp(ts), &overflow));
			if (overflow != 0) {
				return out_of_range(c, cell, isnull, ERRCODE_DATETIME_VALUE_OUT_OF_RANGE);
			}
		} else if (cell.kind == CellKind::timestamptz && !to_tz) {
			ts = DirectFunctionCall1(timestamptz_timestamp, ts);
		}
		break;
	case CellKind::date:
		ts = date_value(c, cell, isnull);
		if (*isnull) {
			return (Datum) 0;
		}
		ts = date_to_timestamp(c, cell, ts, isnull);
		if (*isnull) {
			return (Datum) 0;
		}
		break;
	case CellKind::text:
		return via_input(c, cell, isnull);
	default:
		kind_mismatch(c, cell);
	}
	if (c->base_typmod >= 0 && c->base_typmod < MAX_TIMESTAMP_PRECISION) {
		ts = DirectFunctionCall2(to_tz ? timestamptz_scale : timestamp_scale, ts,
								 Int32GetDatum(c->base_typmod));
	}
	return ts;
}

/* Target time or timetz (offset 0): a MySQL TIME outside 00:00–24:00 does not fit. */
Datum
to_time(ColumnConverter *c, const Cell &cell, bool *isnull)
{
	if (cell.kind == CellKind::text) {
		return via_input(c, cell, isnull);
	}
	if (cell.kind != CellKind::time) {
		kind_mismatch(c, cell);
	}
	int64 usecs = 0;
	if (!time_usecs(cell, &usecs)) {
		return impossible_date(c, cell, isnull);
	}
	if (usecs < 0 || usecs > USECS_PER_DAY) {
		return out_of_range(c, cell, isnull, ERRCODE_DATETIME_VALUE_OUT_OF_RANGE);
	}
	TimeADT t = usecs;
	if (c->base_typmod >= 0 && c->base_typmod < MAX_TIME_PRECISION) {
		AdjustTimeForTypmod(&t, c->base_typmod);
	}
	if (c->target == ConvertTarget::time) {
		return TimeADTGetDatum(t);
	}
	TimeTzADT *result = (TimeTzADT *) palloc(sizeof(TimeTzADT));
	result->time = t;
	result->zone = 0;
	return TimeTzADTPGetDatum(result);
}

Datum
to_interval(ColumnConverter *c, const Cell &cell, bool *isnull)
{
	if (cell.kind == CellKind::text) {
		return via_input(c, cell, isnull);
	}
	if (cell.kind != CellKind::time) {
		kind_mismatch(c, cell);
	}
	const Datum iv = interval_value(c, cell, isnull);
	if (*isnull || c->base_typmod < 0) {
		return iv;
	}
	return DirectFunctionCall2(interval_scale, iv, Int32GetDatum(c->base_typmod));
}

} // namespace tributary::pg::convert_detail

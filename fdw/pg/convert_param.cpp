/*
 * convert_param.cpp — query parameters: a Datum of a parameter's type into the
 * drivers' canonical form (remote::Cell), so it can travel as a real remote
 * parameter. The reverse direction (result values) is convert.cpp.
 *
 * Zone: PG zone, C semantics: palloc and ereport only; no C++ object with a
 * destructor, nothing throws, no driver code is called. See convert.hpp for the
 * contract of datum_to_cell.
 */
extern "C" {
#include "postgres.h"
#include "catalog/pg_type.h"
#include "common/int.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/fmgrprotos.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"
#include "utils/uuid.h"
}

#include "fdw/pg/convert.hpp"
#include "fdw/pg/pg_zone.hpp"

namespace tributary::pg {

using remote::Cell;
using remote::CellKind;
using remote::Temporal;

namespace {

/* Database-encoded bytes as UTF-8 (the drivers' text form); may point into s. */
void
utf8_param(const char *s, size_t len, Cell *out)
{
	const int encoding = GetDatabaseEncoding();
	out->kind = CellKind::text;
	if (encoding == PG_SQL_ASCII) {
		/* Bytes of unknown meaning: send them only if they are UTF-8. */
		(void) pg_verify_mbstr(PG_UTF8, s, (int) len, false);
	} else if (encoding != PG_UTF8) {
		const char *converted = pg_server_to_any(s, (int) len, PG_UTF8);
		if (converted != s) {
			s = converted;
			len = strlen(converted);
		}
	}
	out->data = s;
	out->size = len;
}

[[noreturn]] void
not_finite(const char *type_name)
{
	ereport(ERROR, errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
			errmsg("cannot send an infinite %s value to the remote server", type_name),
			errdetail("Remote servers have no infinite dates or timestamps."));
	pg_unreachable();
}

void
numeric_param(Datum value, Cell *out)
{
	Numeric num = DatumGetNumeric(value);
	char *text = DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(num)));
	if (numeric_is_nan(num) || numeric_is_inf(num)) {
		ereport(ERROR, errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				errmsg("cannot send numeric value \"%s\" to the remote server", text),
				errdetail("Remote decimal types have no NaN or infinite values."));
	}
	out->kind = CellKind::decimal; /* numeric_out never writes an exponent */
	out->data = text;
	out->size = strlen(text);
}

void
text_param(Datum value, bool blank_padded, Cell *out)
{
	text *t = DatumGetTextPP(value);
	const char *s = VARDATA_ANY(t);
	size_t len = VARSIZE_ANY_EXHDR(t);
	if (blank_padded) {
		/* char(n) compares without its padding; send what bpchar → text would. */
		while (len > 0 && s[len - 1] == ' ') {
			len--;
		}
	}
	utf8_param(s, len, out);
}

void
date_param(Datum value, Cell *out)
{
	const DateADT d = DatumGetDateADT(value);
	if (DATE_NOT_FINITE(d)) {
		not_finite("date");
	}
	int year, month, day;
	j2date(d + POSTGRES_EPOCH_JDATE, &year, &month, &day);
	out->kind = CellKind::date;
	out->t.year = year; /* astronomical: 0 is 1 BC */
	out->t.month = (uint8) month;
	out->t.day = (uint8) day;
}

/* timestamp as it is; timestamptz as UTC wall time with offset 0. */
void
timestamp_param(Datum value, bool with_zone, Cell *out)
{
	const Timestamp ts = DatumGetTimestamp(value);
	if (TIMESTAMP_NOT_FINITE(ts)) {
		not_finite(with_zone ? "timestamp with time zone" : "timestamp");
	}
	struct pg_tm tm;
	fsec_t fsec;
	if (timestamp2tm(ts, nullptr, &tm, &fsec, nullptr, nullptr) != 0) {
		ereport(ERROR, errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				errmsg("timestamp out of range"));
	}
	out->kind = with_zone ? CellKind::timestamptz : CellKind::timestamp;
	out->t.year = tm.tm_year;
	out->t.month = (uint8) tm.tm_mon;
	out->t.day = (uint8) tm.tm_mday;
	out->t.hour = (uint16) tm.tm_hour;
	out->t.minute = (uint8) tm.tm_min;
	out->t.second = (uint8) tm.tm_sec;
	out->t.microsecond = (uint32) fsec;
	out->t.offset_minutes = 0;
}

/* A duration in microseconds as a time Cell (hours may exceed 23); false if too long. */
bool
duration_param(int64 usecs, Cell *out)
{
	out->negative = usecs < 0;
	const uint64 v = usecs < 0 ? (uint64) 0 - (uint64) usecs : (uint64) usecs;
	const uint64 hours = v / USECS_PER_HOUR;
	if (hours > PG_UINT16_MAX) {
		return false;
	}
	out->kind = CellKind::time;
	out->t.hour = (uint16) hours;
	out->t.minute = (uint8) (v / USECS_PER_MINUTE % 60);
	out->t.second = (uint8) (v / USECS_PER_SEC % 60);
	out->t.microsecond = (uint32) (v % USECS_PER_SEC);
	return true;
}

void
output_param(Oid typid, Datum value, Cell *out)
{
	Oid output;
	bool is_varlena;
	getTypeOutputInfo(typid, &output, &is_varlena);
	const char *s = OidOutputFunctionCall(output, value);
	utf8_param(s, strlen(s), out);
}

/*
 * interval without months (MySQL TIME, imported as interval) as a time Cell;
 * with months, or beyond 65535 hours, as text.
 */
void
interval_param(Datum value, Cell *out)
{
	const Interval *iv = DatumGetIntervalP(value);
	int64 usecs;
	if (iv->month == 0 && !pg_mul_s64_overflow(iv->day, USECS_PER_DAY, &usecs) &&
		!pg_add_s64_overflow(usecs, iv->time, &usecs) && duration_param(usecs, out)) {
		return;
	}
	*out = Cell();
	output_param(INTERVALOID, value, out);
}

} // namespace

void
datum_to_cell(Oid typid, Datum value, bool isnull, Cell *out)
{
	*out = Cell();
	if (isnull) {
		return;
	}
	const Oid base = getBaseType(typid);
	switch (base) {
	case INT2OID:
		out->kind = CellKind::int64;
		out->i = DatumGetInt16(value);
		return;
	case INT4OID:
		out->kind = CellKind::int64;
		out->i = DatumGetInt32(value);
		return;
	case INT8OID:
		out->kind = CellKind::int64;
		out->i = DatumGetInt64(value);
		return;
	case OIDOID:
		out->kind = CellKind::int64;
		out->i = DatumGetObjectId(value);
		return;
	case BOOLOID:
		out->kind = CellKind::boolean;
		out->i = DatumGetBool(value) ? 1 : 0;
		return;
	case FLOAT4OID:
		out->kind = CellKind::float64;
		out->f = DatumGetFloat4(value);
		return;
	case FLOAT8OID:
		out->kind = CellKind::float64;
		out->f = DatumGetFloat8(value);
		return;
	case NUMERICOID:
		numeric_param(value, out);
		return;
	case TEXTOID:
	case VARCHAROID:
	case BPCHAROID:
		text_param(value, base == BPCHAROID, out);
		return;
	case NAMEOID: {
		const char *s = NameStr(*DatumGetName(value));
		utf8_param(s, strlen(s), out);
		return;
	}
	case BYTEAOID: {
		bytea *b = DatumGetByteaPP(value);
		out->kind = CellKind::bytes;
		out->data = VARDATA_ANY(b);
		out->size = VARSIZE_ANY_EXHDR(b);
		return;
	}
	case DATEOID:
		date_param(value, out);
		return;
	case TIMESTAMPOID:
	case TIMESTAMPTZOID:
		timestamp_param(value, base == TIMESTAMPTZOID, out);
		return;
	case TIMEOID:
		(void) duration_param(DatumGetTimeADT(value), out); /* at most 24:00:00 */
		return;
	case INTERVALOID:
		interval_param(value, out);
		return;
	case UUIDOID:
		out->kind = CellKind::uuid;
		out->data = (const char *) DatumGetUUIDP(value)->data;
		out->size = UUID_LEN;
		return;
	default:
		output_param(base, value, out);
		return;
	}
}

} // namespace tributary::pg

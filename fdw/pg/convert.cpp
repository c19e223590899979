/*
 * convert.cpp — remote::Cell → Datum for foreign scans (make_converters,
 * convert_cell): the per-column plan, numbers, text, binary, bit strings,
 * uuid and arrays. Dates and times are in convert_temporal.cpp, messages in
 * convert_report.cpp, query parameters (datum_to_cell) in convert_param.cpp.
 *
 * Zone: PG zone, C semantics: palloc and ereport only. No frame here owns a C++
 * object with a destructor, nothing throws, and no driver code is called; the
 * scan reads Cells through the guard and hands them in as plain structs.
 *
 * Speed: convert_cell runs once per value of a scan that must sustain 300k
 * rows/s, so the common types (integers, numeric, floats, boolean, text,
 * varchar, bytea, date, timestamp[tz], interval) are built directly; only
 * unusual combinations and non-core types take the type's input function.
 *
 * Policies: zero dates (MySQL's 0000-00-00, 2024-00-15) follow zero_dates;
 * values no PostgreSQL value of the column's type can hold (integer overflow,
 * dates outside PostgreSQL's range, impossible calendar dates, a TIME outside
 * 00:00–24:00 for a time column) follow invalid_value; both default to what
 * options.cpp documents ('null' and 'error'). Text that is not UTF-8 or is too
 * long for varchar(n)/char(n) is always an error: dropping it would lose data.
 */
#include <cmath>
#include <cstring>

extern "C" {
#include "postgres.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "foreign/foreign.h"
#include "mb/pg_wchar.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/rel.h"
#include "utils/uuid.h"
#include "utils/varbit.h"
}

#include "fdw/pg/convert_detail.hpp"
#include "fdw/pg/pg_zone.hpp"

namespace tributary::pg {

using remote::Cell;
using remote::CellKind;
using remote::Temporal;
using convert_detail::bad_encoding;
using convert_detail::cell_display;
using convert_detail::date_value;
using convert_detail::interval_value;
using convert_detail::kind_mismatch;
using convert_detail::out_of_range;
using convert_detail::timestamp_value;
using convert_detail::to_date;
using convert_detail::to_interval;
using convert_detail::to_time;
using convert_detail::to_timestamp;
using convert_detail::too_large;
using convert_detail::via_input;

namespace {

/* ---------- text ---------- */

/*
 * UTF-8 bytes as bytes of the database encoding: verified (never a silent '?'),
 * converted when the database is neither UTF8 nor SQL_ASCII. May return data
 * itself (not NUL-terminated) or a palloc'd NUL-terminated copy; *len follows.
 */
const char *
server_bytes(const ColumnConverter *c, const char *data, size_t *len)
{
	if (*len > MaxAllocSize - VARHDRSZ - 1) {
		too_large(c, *len);
	}
	const int n = (int) *len;
	const int valid = pg_encoding_verifymbstr(PG_UTF8, data, n);
	if (valid != n) {
		bad_encoding(c, data, *len, valid);
	}
	if (!c->transcode) {
		return data;
	}
	const char *converted = pg_any_to_server(data, n, PG_UTF8);
	if (converted != data) {
		*len = strlen(converted);
	}
	return converted;
}

[[noreturn]] void
too_long(const ColumnConverter *c, const char *p, size_t len)
{
	ereport(ERROR, errcode(ERRCODE_STRING_DATA_RIGHT_TRUNCATION),
			errmsg("remote value of column \"%s\" is too long for type %s", c->name,
				   c->type_name),
			errdetail("The value has %d characters.", pg_mbstrlen_with_len(p, (int) len)),
			errhint("Declare the column with a larger length, or as text."));
	pg_unreachable();
}

/*
 * A text, varchar(n) or char(n) Datum from UTF-8 bytes, with the length rule of
 * an assignment: excess characters are an error unless they are all spaces;
 * char(n) is blank-padded to n characters.
 */
Datum
text_datum(const ColumnConverter *c, const char *data, size_t len)
{
	const char *p = server_bytes(c, data, &len);
	size_t pad = 0;
	if (c->char_limit >= 0) {
		const int limit = c->char_limit;
		if (len > (size_t) limit) {
			const size_t keep = (size_t) pg_mbcharcliplen(p, (int) len, limit);
			for (size_t i = keep; i < len; i++) {
				if (p[i] != ' ') {
					too_long(c, p, len);
				}
			}
			len = keep;
		}
		if (c->text_mode == TextMode::bpchar) {
			const int chars = pg_database_encoding_max_length() == 1
								  ? (int) len
								  : pg_mbstrlen_with_len(p, (int) len);
			pad = chars < limit ? (size_t) (limit - chars) : 0;
		}
	}
	text *result = (text *) palloc(VARHDRSZ + len + pad);
	SET_VARSIZE(result, VARHDRSZ + len + pad);
	memcpy(VARDATA(result), p, len);
	memset(VARDATA(result) + len, ' ', pad);
	return PointerGetDatum(result);
}

Datum
bytea_datum(const ColumnConverter *c, const char *data, size_t len)
{
	if (len > MaxAllocSize - VARHDRSZ) {
		too_large(c, len);
	}
	bytea *result = (bytea *) palloc(VARHDRSZ + len);
	SET_VARSIZE(result, VARHDRSZ + len);
	memcpy(VARDATA(result), data, len);
	return PointerGetDatum(result);
}

/* UTF-8 bytes as a NUL-terminated string in the database encoding (for input functions). */
char *
input_cstring(const ColumnConverter *c, const char *data, size_t len)
{
	const char *p = server_bytes(c, data, &len);
	if (p != data) {
		return (char *) p; /* converted: already a palloc'd NUL-terminated copy */
	}
	char *s = (char *) palloc(len + 1);
	memcpy(s, data, len);
	s[len] = '\0';
	return s;
}

Datum to_uuid(ColumnConverter *c, const Cell &cell, bool *isnull);

/*
 * The text form of any value: text kinds as they are (verified UTF-8, in the
 * database encoding), other kinds as the output function of their natural
 * PostgreSQL type writes them. Zero/invalid dates follow the column's policy
 * (*isnull set, NULL returned).
 */
char *
cell_cstring(ColumnConverter *c, const Cell &cell, bool *isnull)
{
	Datum d;
	switch (cell.kind) {
	case CellKind::text:
	case CellKind::bytes:
	case CellKind::decimal:
		return input_cstring(c, cell.data, cell.size);
	case CellKind::boolean:
		return pstrdup(cell.i != 0 ? "true" : "false");
	case CellKind::int64:
	case CellKind::uint64:
	case CellKind::float64:
		return cell_display(cell);
	case CellKind::uuid:
		d = to_uuid(c, cell, isnull);
		return DatumGetCString(DirectFunctionCall1(uuid_out, d));
	case CellKind::date:
		d = date_value(c, cell, isnull);
		return *isnull ? nullptr : DatumGetCString(DirectFunctionCall1(date_out, d));
	case CellKind::timestamp:
		d = timestamp_value(c, cell, isnull);
		return *isnull ? nullptr : DatumGetCString(DirectFunctionCall1(timestamp_out, d));
	case CellKind::timestamptz:
		d = timestamp_value(c, cell, isnull);
		return *isnull ? nullptr : DatumGetCString(DirectFunctionCall1(timestamptz_out, d));
	case CellKind::time:
		d = interval_value(c, cell, isnull);
		return *isnull ? nullptr : DatumGetCString(DirectFunctionCall1(interval_out, d));
	case CellKind::null:
		break;
	}
	elog(ERROR, "unexpected remote value kind %d", (int) cell.kind);
	pg_unreachable();
}

/* ---------- numbers ---------- */

enum class Parsed : uint8 { ok, overflow, malformed };

/* "[-]digits[.digits]" → int64, rounded half away from zero as numeric → bigint does. */
Parsed
parse_decimal_int(const char *p, size_t n, int64 *out)
{
	size_t i = 0;
	bool negative = false;
	if (i < n && (p[i] == '-' || p[i] == '+')) {
		negative = p[i] == '-';
		i++;
	}
	uint64 acc = 0;
	bool digits = false;
	for (; i < n && p[i] >= '0' && p[i] <= '9'; i++) {
		if (acc > (PG_UINT64_MAX - 9) / 10) {
			return Parsed::overflow;
		}
		acc = acc * 10 + (uint64) (p[i] - '0');
		digits = true;
	}
	bool round_up = false;
	if (i < n && p[i] == '.') {
		i++;
		round_up = i < n && p[i] >= '5' && p[i] <= '9';
		for (; i < n && p[i] >= '0' && p[i] <= '9'; i++) {
			digits = true;
		}
	}
	if (!digits || i != n) {
		return Parsed::malformed;
	}
	acc += round_up ? 1 : 0;
	const uint64 limit = negative ? (uint64) PG_INT64_MAX + 1 : (uint64) PG_INT64_MAX;
	if (acc > limit) {
		return Parsed::overflow;
	}
	*out = !negative ? (int64) acc : acc == limit ? PG_INT64_MIN : -(int64) acc;
	return Parsed::ok;
}

[[noreturn]] void
malformed_decimal(const ColumnConverter *c, const Cell &cell)
{
	ereport(ERROR, errcode(ERRCODE_FDW_INVALID_STRING_FORMAT),
			errmsg("invalid remote decimal value \"%s\" in column \"%s\"", cell_display(cell),
				   c->name));
	pg_unreachable();
}

Datum
to_integer(ColumnConverter *c, const Cell &cell, bool *isnull)
{
	int64 v = 0;
	switch (cell.kind) {
	case CellKind::boolean:
	case CellKind::int64:
		v = cell.i;
		break;
	case CellKind::uint64:
		if (cell.u > (uint64) PG_INT64_MAX) {
			return out_of_range(c, cell, isnull, ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE);
		}
		v = (int64) cell.u;
		break;
	case CellKind::float64: {
		const double r = rint(cell.f);
		if (std::isnan(r) || !FLOAT8_FITS_IN_INT64(r)) {
			return out_of_range(c, cell, isnull, ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE);
		}
		v = (int64) r;
		break;
	}
	case CellKind::decimal:
		if (memchr(cell.data, '\0', cell.size) != nullptr) {
			malformed_decimal(c, cell);
		}
		switch (parse_decimal_int(cell.data, cell.size, &v)) {
		case Parsed::ok:
			break;
		case Parsed::overflow:
			return out_of_range(c, cell, isnull, ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE);
		case Parsed::malformed:
			malformed_decimal(c, cell);
		}
		break;
	case CellKind::text:
		return via_input(c, cell, isnull);
	default:
		kind_mismatch(c, cell);
	}
	if (c->target == ConvertTarget::int2) {
		if (v < PG_INT16_MIN || v > PG_INT16_MAX) {
			return out_of_range(c, cell, isnull, ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE);
		}
		return Int16GetDatum((int16) v);
	}
	if (c->target == ConvertTarget::int4) {
		if (v < PG_INT32_MIN || v > PG_INT32_MAX) {
			return out_of_range(c, cell, isnull, ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE);
		}
		return Int32GetDatum((int32) v);
	}
	return Int64GetDatum(v);
}

/* numeric_in with the column's typmod, without a palloc for the usual short decimal. */
Datum
numeric_from_text(const ColumnConverter *c, const Cell &cell, const char *data, size_t len)
{
	if (memchr(data, '\0', len) != nullptr) {
		malformed_decimal(c, cell);
	}
	char stack_buf[128];
	char *s = len < sizeof(stack_buf) ? stack_buf : (char *) palloc(len + 1);
	memcpy(s, data, len);
	s[len] = '\0';
	return DirectFunctionCall3(numeric_in, CStringGetDatum(s), ObjectIdGetDatum(InvalidOid),
							   Int32GetDatum(c->base_typmod));
}

Datum
to_numeric(ColumnConverter *c, const Cell &cell, bool *isnull)
{
	Datum d;
	switch (cell.kind) {
	case CellKind::boolean:
	case CellKind::int64:
		d = NumericGetDatum(int64_to_numeric(cell.i));
		if (!c->numeric_typmod || c->numeric_ints_fit) {
			return d;
		}
		break;
	case CellKind::uint64:
		if (cell.u > (uint64) PG_INT64_MAX) {
			char buf[MAXINT8LEN + 1];
			buf[pg_ulltoa_n(cell.u, buf)] = '\0';
			return numeric_from_text(c, cell, buf, strlen(buf));
		}
		d = NumericGetDatum(int64_to_numeric((int64) cell.u));
		if (!c->numeric_typmod || c->numeric_ints_fit) {
			return d;
		}
		break;
	case CellKind::float64:
		d = DirectFunctionCall1(float8_numeric, Float8GetDatum(cell.f));
		break;
	case CellKind::decimal:
		return numeric_from_text(c, cell, cell.data, cell.size);
	case CellKind::text:
		return via_input(c, cell, isnull);
	default:
		kind_mismatch(c, cell);
	}
	if (!c->numeric_typmod) {
		return d;
	}
	return DirectFunctionCall2(numeric, d, Int32GetDatum(c->base_typmod));
}

Datum
to_float(ColumnConverter *c, const Cell &cell, bool *isnull)
{
	double v;
	switch (cell.kind) {
	case CellKind::int64:
		v = (double) cell.i;
		break;
	case CellKind::uint64:
		v = (double) cell.u;
		break;
	case CellKind::float64:
		v = cell.f;
		break;
	case CellKind::decimal:
	case CellKind::text:
		/* float4in/float8in round the decimal once, correctly. */
		return via_input(c, cell, isnull);
	default:
		kind_mismatch(c, cell);
	}
	if (c->target == ConvertTarget::float8) {
		return Float8GetDatum(v);
	}
	const float f = (float) v;
	if ((std::isinf(f) && !std::isinf(v)) || (f == 0.0f && v != 0.0)) {
		return out_of_range(c, cell, isnull, ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE);
	}
	return Float4GetDatum(f);
}

Datum
to_boolean(ColumnConverter *c, const Cell &cell, bool *isnull)
{
	switch (cell.kind) {
	case CellKind::boolean:
	case CellKind::int64:
		return BoolGetDatum(cell.i != 0); /* tinyint(1): any non-zero is true, as in MySQL */
	case CellKind::uint64:
		return BoolGetDatum(cell.u != 0); /* BIT(1) */
	case CellKind::text:
		return via_input(c, cell, isnull);
	default:
		kind_mismatch(c, cell);
	}
}

/* ---------- bit strings ---------- */

inline bool
bit_at(const unsigned char *src, int64 pos)
{
	return ((src[pos / 8] >> (7 - pos % 8)) & 1) != 0;
}

/*
 * A bit string of nbits from big-endian bytes holding a right-aligned number
 * (MySQL BIT(n)): leading bits beyond nbits must be zero; fewer source bits are
 * padded with leading zeros.
 */
Datum
bits_datum(const ColumnConverter *c, const Cell &cell, const unsigned char *src, size_t srclen,
		   int nbits, bool *isnull)
{
	const int64 skip = (int64) srclen * 8 - nbits;
	for (int64 k = 0; k < skip; k++) {
		if (bit_at(src, k)) {
			return out_of_range(c, cell, isnull, ERRCODE_STRING_DATA_LENGTH_MISMATCH);
		}
	}
	const int len = VARBITTOTALLEN(nbits);
	VarBit *result = (VarBit *) palloc0(len);
	SET_VARSIZE(result, len);
	VARBITLEN(result) = nbits;
	bits8 *out = VARBITS(result);
	for (int k = 0; k < nbits; k++) {
		const int64 pos = skip + k;
		if (pos >= 0 && bit_at(src, pos)) {
			out[k / 8] |= (bits8) (0x80 >> (k % 8));
		}
	}
	return VarBitPGetDatum(result);
}

Datum
to_bit(ColumnConverter *c, const Cell &cell, bool *isnull)
{
	uint64 u;
	switch (cell.kind) {
	case CellKind::boolean:
	case CellKind::int64:
		if (cell.i < 0) {
			return out_of_range(c, cell, isnull, ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE);
		}
		u = (uint64) cell.i;
		break;
	case CellKind::uint64:
		u = cell.u;
		break;
	case CellKind::bytes: {
		if (cell.size > (size_t) VARBITMAXLEN / 8) {
			too_large(c, cell.size);
		}
		const int nbits = c->base_typmod > 0 ? c->base_typmod : (int) cell.size * 8;
		return bits_datum(c, cell, (const unsigned char *) cell.data, cell.size, nbits, isnull);
	}
	case CellKind::text:
		return via_input(c, cell, isnull);
	default:
		kind_mismatch(c, cell);
	}
	unsigned char be[8];
	for (int i = 0; i < 8; i++) {
		be[i] = (unsigned char) (u >> (8 * (7 - i)));
	}
	return bits_datum(c, cell, be, sizeof(be), c->bit_width, isnull);
}

/* ---------- the rest ---------- */

Datum
to_text(ColumnConverter *c, const Cell &cell, bool *isnull)
{
	switch (cell.kind) {
	case CellKind::text:
	case CellKind::bytes:
	case CellKind::decimal:
		return text_datum(c, cell.data, cell.size);
	default: {
		const char *s = cell_cstring(c, cell, isnull);
		return *isnull ? (Datum) 0 : text_datum(c, s, strlen(s));
	}
	}
}

Datum
to_bytea(ColumnConverter *c, const Cell &cell)
{
	switch (cell.kind) {
	case CellKind::bytes:
	case CellKind::text: /* the bytes as they are, never unescaped */
	case CellKind::uuid:
		return bytea_datum(c, cell.data, cell.size);
	default:
		kind_mismatch(c, cell);
	}
}

Datum
to_uuid(ColumnConverter *c, const Cell &cell, bool *isnull)
{
	switch (cell.kind) {
	case CellKind::uuid:
	case CellKind::bytes: /* BINARY(16), the usual MySQL spelling of a uuid */
		break;
	case CellKind::text:
		return via_input(c, cell, isnull);
	default:
		kind_mismatch(c, cell);
	}
	if (cell.size != UUID_LEN) {
		ereport(ERROR, errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				errmsg("remote binary value of column \"%s\" has %zu bytes, not the 16 of a uuid",
					   c->name, cell.size));
	}
	pg_uuid_t *u = (pg_uuid_t *) palloc(sizeof(pg_uuid_t));
	memcpy(u->data, cell.data, UUID_LEN);
	return UUIDPGetDatum(u);
}

/* MySQL SET: "a,b" → {a,b}; "" → {}. A PostgreSQL array literal goes to array_in. */
Datum
to_text_array(ColumnConverter *c, const Cell &cell, bool *isnull)
{
	if (cell.kind != CellKind::text && cell.kind != CellKind::bytes) {
		kind_mismatch(c, cell);
	}
	const char *data = cell.data;
	const size_t len = cell.size;
	/* SET members cannot contain commas; a value not starting with { is no array literal. */
	if (!c->set_list && len > 0 && (data[0] == '{' || data[0] == '[')) {
		return via_input(c, cell, isnull);
	}
	if (len == 0) {
		return PointerGetDatum(construct_empty_array(c->elemtypid));
	}
	int n = 1;
	for (size_t i = 0; i < len; i++) {
		n += data[i] == ',' ? 1 : 0;
	}
	Datum *elems = (Datum *) palloc(sizeof(Datum) * n);
	int k = 0;
	size_t start = 0;
	for (size_t i = 0; i <= len; i++) {
		if (i == len || data[i] == ',') {
			elems[k++] = text_datum(c, data + start, i - start);
			start = i + 1;
		}
	}
	return PointerGetDatum(construct_array(elems, n, c->elemtypid, -1, false, TYPALIGN_INT));
}

/* ---------- building converters ---------- */

const char *
defelem_value(List *defs, const char *name)
{
	ListCell *lc;
	foreach (lc, defs) {
		DefElem *def = (DefElem *) lfirst(lc);
		if (strcmp(def->defname, name) == 0) {
			return defGetString(def);
		}
	}
	return nullptr;
}

/* A policy option: the column's, else the table's, else the server's. */
const char *
policy_option(List *column, List *table, List *server, const char *name, const char *fallback)
{
	const char *v = defelem_value(column, name);
	v = v != nullptr ? v : defelem_value(table, name);
	v = v != nullptr ? v : defelem_value(server, name);
	return v != nullptr ? v : fallback;
}

/* n of a "bit(n)" mysql_type column option, or 0. */
int32
mysql_bit_width(const char *mysql_type)
{
	if (mysql_type == nullptr || pg_strncasecmp(mysql_type, "bit(", 4) != 0) {
		return 0;
	}
	const long n = strtol(mysql_type + 4, nullptr, 10);
	return n > 0 && n <= 64 ? (int32) n : 0;
}

void
classify_text(ColumnConverter *c, Oid typid, int32 typmod)
{
	c->text_mode = typid == BPCHAROID	 ? TextMode::bpchar
				   : typid == VARCHAROID ? TextMode::varchar
										 : TextMode::plain;
	c->char_limit = c->text_mode != TextMode::plain && typmod >= (int32) VARHDRSZ
						? typmod - (int32) VARHDRSZ
						: -1;
}

void
classify_numeric(ColumnConverter *c, int32 typmod)
{
	c->numeric_typmod = typmod >= (int32) VARHDRSZ;
	if (!c->numeric_typmod) {
		return;
	}
	/* As numeric.c decodes a typmod; the scale may be negative since PostgreSQL 15. */
	const int precision = ((typmod - VARHDRSZ) >> 16) & 0xffff;
	const int scale = (((typmod - VARHDRSZ) & 0x7ff) ^ 1024) - 1024;
	c->numeric_ints_fit = scale == 0 && precision >= 20;
}

ConvertTarget
classify(ColumnConverter *c, const char *mysql_type)
{
	const Oid base = c->basetypid;
	const int32 typmod = c->base_typmod;
	switch (base) {
	case INT2OID:
		return ConvertTarget::int2;
	case INT4OID:
		return ConvertTarget::int4;
	case INT8OID:
		return ConvertTarget::int8;
	case NUMERICOID:
		classify_numeric(c, typmod);
		return ConvertTarget::numeric;
	case FLOAT4OID:
		return ConvertTarget::float4;
	case FLOAT8OID:
		return ConvertTarget::float8;
	case BOOLOID:
		return ConvertTarget::boolean;
	case TEXTOID:
	case VARCHAROID:
	case BPCHAROID:
		classify_text(c, base, typmod);
		return ConvertTarget::text;
	case BYTEAOID:
		return ConvertTarget::bytea;
	case BITOID:
	case VARBITOID: {
		const int32 mysql_bits = mysql_bit_width(mysql_type);
		c->bit_width = typmod > 0 ? typmod : mysql_bits > 0 ? mysql_bits : 64;
		return base == BITOID ? ConvertTarget::bit : ConvertTarget::varbit;
	}
	case DATEOID:
		return ConvertTarget::date;
	case TIMESTAMPOID:
		return ConvertTarget::timestamp;
	case TIMESTAMPTZOID:
		return ConvertTarget::timestamptz;
	case TIMEOID:
		return ConvertTarget::time;
	case TIMETZOID:
		return ConvertTarget::timetz;
	case INTERVALOID:
		return ConvertTarget::interval;
	case UUIDOID:
		return ConvertTarget::uuid;
	case JSONOID:
	case JSONBOID:
		return ConvertTarget::json;
	default:
		break;
	}
	const Oid elem = get_element_type(base);
	if (elem == TEXTOID || elem == VARCHAROID || elem == BPCHAROID) {
		c->elemtypid = elem;
		classify_text(c, elem, typmod);
		c->set_list = mysql_type != nullptr && pg_strncasecmp(mysql_type, "set(", 4) == 0;
		return ConvertTarget::text_array;
	}
	return ConvertTarget::other;
}

void
init_converter(ColumnConverter *c, Relation rel, int attnum, List *table_options,
			   List *server_options, MemoryContext cxt)
{
	TupleDesc desc = RelationGetDescr(rel);
	if (attnum < 1 || attnum > desc->natts || TupleDescAttr(desc, attnum - 1)->attisdropped) {
		elog(ERROR, "invalid attribute number %d for foreign table \"%s\"", attnum,
			 RelationGetRelationName(rel));
	}
	Form_pg_attribute att = TupleDescAttr(desc, attnum - 1);
	List *column_options = GetForeignColumnOptions(RelationGetRelid(rel), (AttrNumber) attnum);

	c->attnum = (AttrNumber) attnum;
	c->name = pstrdup(NameStr(att->attname));
	c->typid = att->atttypid;
	c->typmod = att->atttypmod;
	c->base_typmod = att->atttypmod;
	c->basetypid = getBaseTypeAndTypmod(att->atttypid, &c->base_typmod);
	c->is_domain = c->basetypid != c->typid;
	c->type_name = format_type_with_typemod(c->typid, c->typmod);
	c->cxt = cxt;
	c->char_limit = -1;
	c->transcode = GetDatabaseEncoding() != PG_UTF8 && GetDatabaseEncoding() != PG_SQL_ASCII;

	const char *zero_dates =
		policy_option(column_options, table_options, server_options, "zero_dates", "null");
	const char *invalid_value =
		policy_option(column_options, table_options, server_options, "invalid_value", "error");
	c->zero_dates_error = pg_strcasecmp(zero_dates, "error") == 0;
	c->invalid_as_null = pg_strcasecmp(invalid_value, "null") == 0;

	Oid infunc;
	getTypeInputInfo(c->basetypid, &infunc, &c->ioparam);
	fmgr_info_cxt(infunc, &c->input, cxt);
	c->target = classify(c, defelem_value(column_options, "mysql_type"));
}

} // namespace

namespace convert_detail {

char *
cell_cstring(ColumnConverter *c, const Cell &cell, bool *isnull)
{
	return pg::cell_cstring(c, cell, isnull);
}

/* Any value through the text form and the column type's input function (with its typmod). */
Datum
via_input(ColumnConverter *c, const Cell &cell, bool *isnull)
{
	char *s = cell_cstring(c, cell, isnull);
	if (*isnull) {
		return (Datum) 0;
	}
	return InputFunctionCall(&c->input, s, c->ioparam, c->base_typmod);
}

} // namespace convert_detail

ColumnConverter *
make_converters(Relation rel, List *attnos, MemoryContext cxt)
{
	MemoryContext old = MemoryContextSwitchTo(cxt);
	ForeignTable *table = GetForeignTable(RelationGetRelid(rel));
	ForeignServer *server = GetForeignServer(table->serverid);
	const int n = list_length(attnos);
	ColumnConverter *converters = (ColumnConverter *) palloc0(sizeof(ColumnConverter) * Max(n, 1));
	int i = 0;
	ListCell *lc;
	foreach (lc, attnos) {
		init_converter(&converters[i++], rel, lfirst_int(lc), table->options, server->options,
					   cxt);
	}
	MemoryContextSwitchTo(old);
	return converters;
}

Datum
convert_cell(ColumnConverter *c, const Cell &cell, bool *isnull)
{
	Datum d = (Datum) 0;
	*isnull = false;
	if (cell.kind == CellKind::null) {
		*isnull = true;
	} else {
		switch (c->target) {
		case ConvertTarget::int2:
		case ConvertTarget::int4:
		case ConvertTarget::int8:
			d = to_integer(c, cell, isnull);
			break;
		case ConvertTarget::numeric:
			d = to_numeric(c, cell, isnull);
			break;
		case ConvertTarget::float4:
		case ConvertTarget::float8:
			d = to_float(c, cell, isnull);
			break;
		case ConvertTarget::boolean:
			d = to_boolean(c, cell, isnull);
			break;
		case ConvertTarget::text:
			d = to_text(c, cell, isnull);
			break;
		case ConvertTarget::bytea:
			d = to_bytea(c, cell);
			break;
		case ConvertTarget::bit:
		case ConvertTarget::varbit:
			d = to_bit(c, cell, isnull);
			break;
		case ConvertTarget::date:
			d = to_date(c, cell, isnull);
			break;
		case ConvertTarget::timestamp:
		case ConvertTarget::timestamptz:
			d = to_timestamp(c, cell, isnull);
			break;
		case ConvertTarget::time:
		case ConvertTarget::timetz:
			d = to_time(c, cell, isnull);
			break;
		case ConvertTarget::interval:
			d = to_interval(c, cell, isnull);
			break;
		case ConvertTarget::uuid:
			d = to_uuid(c, cell, isnull);
			break;
		case ConvertTarget::text_array:
			d = to_text_array(c, cell, isnull);
			break;
		case ConvertTarget::json:
			d = convert_detail::to_json(c, cell, isnull);
			break;
		case ConvertTarget::other:
			d = via_input(c, cell, isnull);
			break;
		}
	}
	if (c->is_domain) {
		/* As postgres_fdw's input functions do: domain constraints, NOT NULL included. */
		domain_check(d, *isnull, c->typid, &c->domain_extra, c->cxt);
	}
	return *isnull ? (Datum) 0 : d;
}

} // namespace tributary::pg

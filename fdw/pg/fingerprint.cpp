/*
 * fingerprint.cpp — migration.fingerprint(record): a 64-bit hash of a row's values, the
 * loader's way to tell whether a migrated row still equals its source (local-diff,
 * verify) without moving the row.
 *
 * Each column is hashed seeded with its position, and the hashes are combined in column
 * order; NULL hashes differently from every value, including the empty string. A value
 * is hashed by what it is, not by how this session would print it:
 *   - pass-by-value types (integers, booleans, floats, dates, times, timestamps, enums)
 *     by their Datum, so int2, int4 and int8 of the same number agree, and timestamptz
 *     does not depend on TimeZone, nor floats on extra_float_digits;
 *   - text, varchar, char and bytea (and domains over them) by their bytes;
 *   - uuid by its 16 bytes;
 *   - every other type by its text form (its output function), because two stored forms
 *     of one value (numeric, jsonb, arrays) must not look like a change.
 * Binary forms can only make equal values look different, never different values look
 * equal, and the types hashed by their binary form have one stored form per value. The
 * loader casts the source side to the target's column types before hashing, so both
 * sides hash the same types. STABLE, not IMMUTABLE: output functions of other types may
 * depend on session settings.
 *
 * migration.fingerprint_values(a, b, …) is fingerprint(ROW(a, b, …)) without building the
 * row: the loader's batches hash every row they write, and forming a 500-byte tuple only
 * to take it apart again was half the hashing's cost.
 *
 * Zone: PG zone. This file owns no C++ object and calls nothing that throws, so an
 * ereport from an output function unwinds nothing of ours: the function needs no
 * guarded() (see fdw/pg/guard.hpp for the rule it would otherwise need).
 */
extern "C" {
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/lsyscache.h"
#include "utils/typcache.h"
#include "utils/uuid.h"
}

namespace {

/* How a column's values are hashed. */
enum class HashBy : char { dropped, datum, bytes, cstring, uuid, text };

HashBy
hash_by(Oid type)
{
	const Oid base = getBaseType(type);
	switch (base) {
	case TEXTOID:
	case VARCHAROID:
	case BPCHAROID:
	case BYTEAOID:
		return HashBy::bytes;
	case UUIDOID:
		return HashBy::uuid;
	default:
		return get_typbyval(base) ? HashBy::datum : HashBy::text;
	}
}

/* How to hash each column of a row, or each argument of a call. */
struct Columns {
	int n;
	HashBy *by;	  /* n entries */
	FmgrInfo *out; /* n entries; used where by[i] is HashBy::text */
};

Columns
alloc_columns(MemoryContext mcxt, int n)
{
	const int size = n > 0 ? n : 1;
	return {n, static_cast<HashBy *>(MemoryContextAllocZero(mcxt, sizeof(HashBy) * size)),
			static_cast<FmgrInfo *>(MemoryContextAllocZero(mcxt, sizeof(FmgrInfo) * size))};
}

/* Column i holds values of `type`. */
void
plan_column(Columns &cols, int i, Oid type, MemoryContext mcxt)
{
	cols.by[i] = hash_by(type);
	if (cols.by[i] == HashBy::text) {
		Oid func = InvalidOid;
		bool varlena = false;
		getTypeOutputInfo(type, &func, &varlena);
		fmgr_info_cxt(func, &cols.out[i], mcxt);
	}
}

/* How to hash each column of the row type last seen by this call site. */
struct RowOutput {
	Oid type_id;
	int32 typmod;
	Columns cols;
};

RowOutput *
row_output(FunctionCallInfo fcinfo, TupleDesc desc, Oid type_id, int32 typmod)
{
	auto *cache = static_cast<RowOutput *>(fcinfo->flinfo->fn_extra);
	if (cache != nullptr && cache->type_id == type_id && cache->typmod == typmod &&
		cache->cols.n == desc->natts) {
		return cache;
	}
	MemoryContext mcxt = fcinfo->flinfo->fn_mcxt;
	cache = static_cast<RowOutput *>(MemoryContextAllocZero(mcxt, sizeof(RowOutput)));
	cache->type_id = type_id;
	cache->typmod = typmod;
	cache->cols = alloc_columns(mcxt, desc->natts);
	for (int i = 0; i < desc->natts; i++) {
		Form_pg_attribute att = TupleDescAttr(desc, i);
		if (att->attisdropped) {
			cache->cols.by[i] = HashBy::dropped;
		} else {
			plan_column(cache->cols, i, att->atttypid, mcxt);
		}
	}
	fcinfo->flinfo->fn_extra = cache;
	return cache;
}

/* The hash of column i (0-based) of a row: the same for a value whether it came in a
 * record or as an argument. */
uint64
column_hash(HashBy by, FmgrInfo *out, Datum value, bool isnull, int i)
{
	const uint64 seed = static_cast<uint64>(i) + 1;
	if (isnull) {
		return UINT64CONST(0x9e3779b97f4a7c15) + static_cast<uint64>(i);
	}
	if (by == HashBy::datum) {
		return hash_bytes_extended(reinterpret_cast<const unsigned char *>(&value), sizeof(Datum), seed);
	}
	if (by == HashBy::cstring) {
		const char *text = DatumGetCString(value);
		return hash_bytes_extended(reinterpret_cast<const unsigned char *>(text), static_cast<int>(strlen(text)),
								   seed);
	}
	if (by == HashBy::uuid) {
		return hash_bytes_extended(reinterpret_cast<const unsigned char *>(DatumGetPointer(value)), UUID_LEN,
								   seed);
	}
	if (by == HashBy::bytes) {
		auto *raw = reinterpret_cast<struct varlena *>(DatumGetPointer(value));
		struct varlena *flat = pg_detoast_datum_packed(raw);
		const uint64 h = hash_bytes_extended(reinterpret_cast<const unsigned char *>(VARDATA_ANY(flat)),
											 static_cast<int>(VARSIZE_ANY_EXHDR(flat)), seed);
		if (flat != raw) {
			pfree(flat);
		}
		return h;
	}
	char *text = OutputFunctionCall(out, value);
	const uint64 h =
		hash_bytes_extended(reinterpret_cast<const unsigned char *>(text), static_cast<int>(strlen(text)), seed);
	pfree(text);
	return h;
}

constexpr uint64 fingerprint_start = UINT64CONST(0x6a09e667f3bcc909);

/* How to hash each argument of a fingerprint_values() call site (its argument types
 * do not change between calls). */
Columns *
arg_output(FunctionCallInfo fcinfo)
{
	auto *cache = static_cast<Columns *>(fcinfo->flinfo->fn_extra);
	if (cache != nullptr && cache->n == PG_NARGS()) {
		return cache;
	}
	MemoryContext mcxt = fcinfo->flinfo->fn_mcxt;
	cache = static_cast<Columns *>(MemoryContextAllocZero(mcxt, sizeof(Columns)));
	*cache = alloc_columns(mcxt, PG_NARGS());
	for (int i = 0; i < PG_NARGS(); i++) {
		Oid type = get_fn_expr_argtype(fcinfo->flinfo, i);
		if (type == UNKNOWNOID) {
			cache->by[i] = HashBy::cstring; /* an untyped literal: hashed as the text it becomes in a ROW() */
		} else if (OidIsValid(type)) {
			plan_column(*cache, i, type, mcxt);
		} else {
			ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							errmsg("could not determine the type of argument %d of migration.fingerprint_values()",
								   i + 1)));
		}
	}
	fcinfo->flinfo->fn_extra = cache;
	return cache;
}

} // namespace

extern "C" {

PG_FUNCTION_INFO_V1(tributary_fingerprint);

Datum
tributary_fingerprint(PG_FUNCTION_ARGS)
{
	HeapTupleHeader rec = PG_GETARG_HEAPTUPLEHEADER(0);
	Oid type_id = HeapTupleHeaderGetTypeId(rec);
	int32 typmod = HeapTupleHeaderGetTypMod(rec);
	TupleDesc desc = lookup_rowtype_tupdesc(type_id, typmod);
	RowOutput *cache = row_output(fcinfo, desc, type_id, typmod);

	HeapTupleData tuple;
	tuple.t_len = HeapTupleHeaderGetDatumLength(rec);
	ItemPointerSetInvalid(&tuple.t_self);
	tuple.t_tableOid = InvalidOid;
	tuple.t_data = rec;

	uint64 hash = fingerprint_start;
	for (int i = 0; i < desc->natts; i++) {
		if (cache->cols.by[i] == HashBy::dropped) {
			continue;
		}
		bool isnull = false;
		Datum value = heap_getattr(&tuple, i + 1, desc, &isnull);
		hash = hash_combine64(hash, column_hash(cache->cols.by[i], &cache->cols.out[i], value, isnull, i));
	}
	ReleaseTupleDesc(desc);
	PG_RETURN_INT64(static_cast<int64>(hash));
}

PG_FUNCTION_INFO_V1(tributary_fingerprint_values);

/* migration.fingerprint_values(VARIADIC "any"): the fingerprint of ROW(arguments…),
 * without building the row. */
Datum
tributary_fingerprint_values(PG_FUNCTION_ARGS)
{
	if (get_fn_expr_variadic(fcinfo->flinfo)) {
		ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						errmsg("migration.fingerprint_values() takes the values themselves, not an array"),
						errhint("Call it as migration.fingerprint_values(a, b, c), without VARIADIC.")));
	}
	Columns *cache = arg_output(fcinfo);
	uint64 hash = fingerprint_start;
	for (int i = 0; i < PG_NARGS(); i++) {
		hash = hash_combine64(hash, column_hash(cache->by[i], &cache->out[i], PG_GETARG_DATUM(i), PG_ARGISNULL(i), i));
	}
	PG_RETURN_INT64(static_cast<int64>(hash));
}
}

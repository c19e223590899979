/*
 * fingerprint.cpp — migration.fingerprint(record): a 64-bit hash of a row's values, the
 * loader's way to tell whether a migrated row still equals its source (local-diff,
 * verify) without moving the row.
 *
 * Each column is hashed in its text form (the type's output function), seeded with its
 * position, and the hashes are combined in column order; NULL hashes differently from
 * every value, including the empty string. The loader casts the source side to the
 * target's column types before hashing, so both sides produce the same text for the same
 * stored value (numeric scale, varchar vs text, int4 vs int8 all agree after the cast).
 * STABLE, not IMMUTABLE: timestamptz and float output depend on session settings.
 *
 * Zone: PG zone. This file owns no C++ object and calls nothing that throws, so an
 * ereport from an output function unwinds nothing of ours: the function needs no
 * guarded() (see fdw/pg/guard.hpp for the rule it would otherwise need).
 */
extern "C" {
#include "postgres.h"

#include "access/htup_details.h"
#include "common/hashfn.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/lsyscache.h"
#include "utils/typcache.h"
}

namespace {

/* Output functions of the row type last seen by this call site. */
struct RowOutput {
	Oid type_id;
	int32 typmod;
	int natts;
	FmgrInfo *out; /* natts entries; fn_oid InvalidOid for dropped columns */
};

RowOutput *
row_output(FunctionCallInfo fcinfo, TupleDesc desc, Oid type_id, int32 typmod)
{
	auto *cache = static_cast<RowOutput *>(fcinfo->flinfo->fn_extra);
	if (cache != nullptr && cache->type_id == type_id && cache->typmod == typmod &&
		cache->natts == desc->natts) {
		return cache;
	}
	MemoryContext mcxt = fcinfo->flinfo->fn_mcxt;
	cache = static_cast<RowOutput *>(MemoryContextAllocZero(mcxt, sizeof(RowOutput)));
	cache->type_id = type_id;
	cache->typmod = typmod;
	cache->natts = desc->natts;
	cache->out = static_cast<FmgrInfo *>(
		MemoryContextAllocZero(mcxt, sizeof(FmgrInfo) * (desc->natts > 0 ? desc->natts : 1)));
	for (int i = 0; i < desc->natts; i++) {
		Form_pg_attribute att = TupleDescAttr(desc, i);
		if (att->attisdropped) {
			continue;
		}
		Oid func = InvalidOid;
		bool varlena = false;
		getTypeOutputInfo(att->atttypid, &func, &varlena);
		fmgr_info_cxt(func, &cache->out[i], mcxt);
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

	uint64 hash = UINT64CONST(0x6a09e667f3bcc909);
	for (int i = 0; i < desc->natts; i++) {
		if (TupleDescAttr(desc, i)->attisdropped) {
			continue;
		}
		bool isnull = false;
		Datum value = heap_getattr(&tuple, i + 1, desc, &isnull);
		uint64 column;
		if (isnull) {
			column = UINT64CONST(0x9e3779b97f4a7c15) + static_cast<uint64>(i);
		} else {
			char *text = OutputFunctionCall(&cache->out[i], value);
			column = hash_bytes_extended(reinterpret_cast<const unsigned char *>(text),
										 static_cast<int>(strlen(text)), static_cast<uint64>(i) + 1);
			pfree(text);
		}
		hash = hash_combine64(hash, column);
	}
	ReleaseTupleDesc(desc);
	PG_RETURN_INT64(static_cast<int64>(hash));
}
}

/*
 * convert.hpp — values between the drivers' canonical form (remote::Cell) and
 * PostgreSQL Datums: result columns into Datums of the foreign table's column
 * types, and query parameters into Cells.
 *
 * Zone: PG zone. C semantics only: palloc, ereport; nothing here throws or owns a
 * C++ object with a destructor, and nothing here calls a driver. Callers hand in
 * Cells they read through the guard (a Cell is a plain struct; its data pointer
 * stays valid until the cursor's next fetch).
 */
#pragma once

extern "C" {
#include "postgres.h"
#include "fmgr.h"
#include "nodes/pg_list.h"
#include "utils/relcache.h"
}

#include "fdw/remote/remote.hpp"
#include "fdw/pg/pg_zone.hpp"

namespace tributary::pg {

/* What a column's (base) type is, decided once per scan so the row loop only switches. */
enum class ConvertTarget : uint8 {
	int2,
	int4,
	int8,
	numeric,
	float4,
	float8,
	boolean,
	text, /* text, varchar(n), bpchar(n): see text_mode */
	bytea,
	bit,
	varbit,
	date,
	timestamp,
	timestamptz,
	time,
	timetz,
	interval,
	uuid,
	text_array, /* one-dimensional text[]/varchar[]/bpchar[] (MySQL SET) */
	json,		/* json, jsonb: validated, then the input function */
	other		/* anything else: the type's input function */
};

/* How a text-like value is shaped: plain, varchar(n) (length checked), bpchar(n) (padded). */
enum class TextMode : uint8 { plain, varchar, bpchar };

/*
 * How one foreign-table column is converted. Plain struct, palloc'd by
 * make_converters in the scan's memory context; never freed on its own.
 */
struct ColumnConverter {
	/* hot: read for every value */
	ConvertTarget target;
	TextMode text_mode;
	bool is_domain;		   /* typid is a domain over basetypid: domain_check each value */
	bool zero_dates_error; /* zero_dates 'error' (column, else table, else server option) */
	bool invalid_as_null;  /* invalid_value 'null': out-of-range values read as NULL */
	bool set_list;		   /* text_array: column option mysql_type is set(…) */
	bool transcode;		   /* database encoding is neither UTF8 nor SQL_ASCII */
	int32 char_limit;	   /* varchar(n)/bpchar(n): n in characters; -1 if none */
	int32 bit_width;	   /* bit/varbit: bits produced from an integer value */
	bool numeric_typmod;   /* numeric(p,s): integer and float values need the typmod applied */
	bool numeric_ints_fit; /* numeric(p≥20,0): every integer fits as it is */
	int32 base_typmod;	   /* typmod of the base type (the domain's when it has one) */
	Oid basetypid;		   /* typid, or the base type of a domain */
	Oid elemtypid;		   /* text_array: the element type */
	/* cold: fallbacks and messages */
	AttrNumber attnum;
	Oid typid;
	int32 typmod;		   /* the attribute's atttypmod */
	Oid ioparam;		   /* for input (of basetypid) */
	FmgrInfo input;		   /* basetypid's input function, in the converters' context */
	void *domain_extra;	   /* domain_check's cache */
	MemoryContext cxt;	   /* where input/domain_extra live */
	const char *name;	   /* attribute name, for messages */
	const char *type_name; /* format_type_with_typemod(typid, typmod), for messages */
};

/*
 * Build the converters for the columns of rel listed in attnos (an int List of
 * attribute numbers, in the order the remote query returns them). Reads the
 * column, table and server options zero_dates / invalid_value / mysql_type.
 * Returns an array of list_length(attnos) converters allocated in cxt (with
 * everything they point to). ereports (elog) on a dropped or system attribute
 * number; catalog lookups may ereport. Call once per scan (BeginForeignScan).
 */
ColumnConverter *make_converters(Relation rel, List *attnos, MemoryContext cxt);

/*
 * Convert one remote value to a Datum of the converter's column type. The
 * result (when pass-by-reference) is palloc'd in CurrentMemoryContext — the
 * caller's per-tuple context; cell.data is only read. Sets *isnull. ereports
 * on values that cannot be represented (naming the column; the caller's error
 * context names the foreign table), unless the column's zero_dates /
 * invalid_value policy reads them as NULL. Remote kinds that cannot become the
 * column's type raise ERRCODE_FDW_INVALID_DATA_TYPE. Hot path: no catalog
 * access, no text round-trip for the common types.
 */
Datum convert_cell(ColumnConverter *c, const tributary::remote::Cell &cell, bool *isnull);

/*
 * A query parameter as a Cell: int2/int4/int8/oid → int64, bool → boolean,
 * float4/float8 → float64, numeric → decimal text, text/varchar/bpchar (trailing
 * blanks stripped, as the bpchar → text cast)/name → UTF-8 text, bytea → bytes,
 * date, timestamp, timestamptz (in UTC, offset 0), time → Temporal, interval
 * without months → time (hours may exceed 23, sign in negative), uuid → 16
 * bytes; every other type → text from its output function. Domains are read as
 * their base type. out->data points into value's memory or into memory
 * palloc'd in CurrentMemoryContext; it is valid while both live. ereports for
 * values a remote server cannot receive (infinite dates and timestamps, numeric
 * NaN/Infinity) with ERRCODE_DATETIME_VALUE_OUT_OF_RANGE /
 * ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE, and on text not convertible to UTF-8.
 */
void datum_to_cell(Oid typid, Datum value, bool isnull, tributary::remote::Cell *out);

} // namespace tributary::pg

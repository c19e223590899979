/*
 * tds_params.hpp — how a parameterized query travels to SQL Server: one RPC call
 * of sp_executesql with @stmt, @params (the declarations) and every value as a
 * typed RPC parameter, never as text pasted into the statement.
 *
 * Zone: driver zone, pure C++ (no sybdb.h in this header: type codes are plain
 * ints, so the plan can be unit-tested byte for byte).
 */
#pragma once

#include "fdw/remote/remote.hpp"

#include <map>
#include <string>
#include <vector>

namespace tributary::tds {

/* One dbrpcparam() call: name, db-lib type and the value's bytes. */
struct RpcParam {
	std::string name; /* "@P1" */
	int type = 0;     /* SYB* type code passed to dbrpcparam */
	/* dbrpcparam's datalen: -1 for a fixed-size type, 0 for NULL, else the byte count. */
	int datalen = 0;
	std::string storage;            /* the value's bytes, when the plan had to build them */
	const char *external = nullptr; /* else the Query's own bytes (text, bytes) */

	const char *value() const noexcept
	{
		return external != nullptr ? external : (storage.empty() ? nullptr : storage.data());
	}
};

/* The sp_executesql call for one Query. */
struct RpcCall {
	std::string statement;    /* @stmt: the Query's SQL, empty values inlined (see below) */
	std::string declarations; /* @params: "@P1 bigint, @P2 nvarchar(4000)" */
	std::vector<RpcParam> params;
};

/*
 * Plan the call. Each Cell kind gets a declaration and a native value:
 *   null        nvarchar(4000) — sent as an int NULL (db-lib's own NULL form); a
 *               NULL converts to any type, and nvarchar never forces a conversion
 *               of the other operand that could fail
 *   boolean     bit                  SYBBIT
 *   int64       bigint               SYBINT8
 *   uint64      bigint, or decimal(20,0) above 2^63-1 (SYBDECIMAL)
 *   float64     float                SYBFLT8 (NaN and ±Infinity: RemoteError(unsupported))
 *   decimal     decimal(38,s)        SYBDECIMAL (DBDECIMAL, exact; more than 38
 *               significant digits: RemoteError(unsupported))
 *   text        nvarchar(4000)  ≤ 4000 bytes: SYBVARCHAR (db-lib sends NVARCHAR)
 *               nvarchar(max)   longer: SYBNTEXT (PLP nvarchar(max) from TDS 7.2)
 *   bytes       varbinary(8000) ≤ 8000 bytes: SYBVARBINARY; varbinary(max): SYBIMAGE
 *   date        date                 'YYYY-MM-DD' as SYBVARCHAR
 *   time        time(7)              SYBMSTIME         (text before TDS 7.3)
 *   timestamp   datetime2(7)         SYBMSDATETIME2    (text before TDS 7.3)
 *   timestamptz datetimeoffset(7)    SYBMSDATETIMEOFFSET, UTC + offset (text before 7.3)
 *   uuid        uniqueidentifier     'xxxxxxxx-xxxx-…' as SYBVARCHAR
 * (db-lib 1.3's dbrpcparam refuses SYBMSDATE and SYBUNIQUE values: both are
 * "fixed" and "nullable" in its type table, so no datalen is accepted. The ISO
 * date and the GUID text convert to the declared type exactly, independent of
 * SET DATEFORMAT and of byte order.)
 * Temporal values outside SQL Server's ranges (year 0001–9999, time of day,
 * offset ±14:00) throw RemoteError(unsupported).
 *
 * db-lib cannot send an empty string or an empty varbinary (a zero datalen
 * means NULL), so such a value is inlined into the statement as the constant
 * N'' or 0x in place of its placeholder — the same value on every execution, so
 * the statement is still correct under a cached generic plan. Placeholders
 * inside string literals, [identifiers], "identifiers" and comments are left
 * alone. With native_temporals false (TDS 7.1/7.2, which have no date/time
 * types) temporal values travel as ISO-8601 text that the declared type parses
 * exactly.
 */
RpcCall plan_rpc(const remote::Query &query, bool native_temporals);

/*
 * Replace placeholders @P<n> of sql by literals[n], outside string literals,
 * bracketed and double-quoted identifiers and comments. Exposed for tests.
 */
std::string inline_placeholders(const std::string &sql, const std::map<int, std::string> &literals);

/* ISO-8601 text of a temporal Cell as the declared SQL Server type parses it exactly. */
std::string iso_text(const remote::Cell &cell);

} // namespace tributary::tds

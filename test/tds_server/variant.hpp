/*
 * variant.hpp — sql_variant in the test server: its values on the wire (SSVARIANT,
 * with a base type per value), SQL_VARIANT_PROPERTY, and CONVERT's styles for the
 * conversions a client reads variants through.
 *
 * Zone: test server (SQLite C API, wire buffers).
 *
 * The base type of a stored variant is the storage class of its SQLite value: INTEGER
 * → int (bigint beyond 32 bits), REAL → float, TEXT → nvarchar, BLOB → varbinary. SQL
 * Server keeps the declared type of the value that was stored (a datetime stays a
 * datetime); the test server does not track it (README, "What it does differently").
 */
#pragma once

#include <sqlite3.h>

#include "test/tds_server/wire.hpp"

namespace tributary::tds_server
{

/* One sql_variant value of column col (not NULL): length, base type, properties, data. */
void encode_variant(ByteBuffer &out, sqlite3_stmt *st, int col);

/*
 * tds_variant_property(v, name): SQL_VARIANT_PROPERTY — BaseType, MaxLength, Precision,
 * Scale, TotalBytes; NULL for a NULL value or another property name.
 * tds_convert_style(v, type, style): CONVERT(type, v, style) to a character type with
 * style 3 for floats (17 significant digits), 1 and 2 for binary values (hex with and
 * without 0x); any other case converts as CAST does.
 */
bool register_variant_functions(sqlite3 *db);

} // namespace tributary::tds_server

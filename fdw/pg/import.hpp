/*
 * import.hpp — IMPORT FOREIGN SCHEMA for both wrappers.
 *
 * Zone: PG zone. The driver's half (describe the remote schema, map each column)
 * runs inside guarded(); its results are copied into palloc'd plain structs before
 * any PostgreSQL code uses them.
 */
#pragma once

extern "C" {
#include "postgres.h"
#include "nodes/parsenodes.h"
#include "nodes/pg_list.h"
}

#include "fdw/pg/options.hpp"
#include "fdw/pg/pg_zone.hpp"

namespace tributary::pg {

/*
 * The ImportForeignSchema callback of the wrapper for driver. Returns a List of
 * CREATE FOREIGN TABLE command strings (palloc'd in CurrentMemoryContext), one
 * per remote table or view selected by LIMIT TO / EXCEPT, with unqualified
 * table names (the core sets the local schema). Connects with the current
 * user's mapping. ereports — never imports part of a table — when: an import
 * option is unknown (ERRCODE_FDW_INVALID_OPTION_NAME) or malformed; the remote
 * schema has no tables (ERRCODE_FDW_SCHEMA_NOT_FOUND); a LIMIT TO name does not
 * exist remotely (ERRCODE_FDW_TABLE_NOT_FOUND); any column of a selected table
 * cannot be mapped (ERRCODE_FDW_INVALID_DATA_TYPE, listing every such column);
 * the driver has no import yet (ERRCODE_FEATURE_NOT_SUPPORTED); or the remote
 * server fails.
 */
List *import_foreign_schema(Driver driver, ImportForeignSchemaStmt *stmt, Oid serverOid);

} // namespace tributary::pg

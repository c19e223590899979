/*
 * errors.hpp — SQLite failures as the SQL Server errors a client expects: 208 invalid
 * object, 207 invalid column, 102 syntax, 2627/2601 duplicate key, 515 NULL into NOT NULL,
 * 547 constraint conflict, 8152 truncation, 1222 lock timeout, 3960 snapshot conflict,
 * and the "TDS#n#class#text" errors raised by tds_* functions.
 *
 * Zone: test server (SQLite C API, reads the error state of the connection only).
 */
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <string>

#include "test/tds_server/catalog.hpp"
#include "test/tds_server/lexer.hpp"

namespace tributary::tds_server
{

/*
 * Build the SqlError for a failed prepare (at_prepare: compile error, ends the batch) or
 * step (run-time error, ends the statement). cmd tells INSERT from UPDATE in messages.
 */
SqlError map_sqlite_error(sqlite3 *db, int rc, std::uint16_t cmd, bool at_prepare, Catalog &catalog,
                          const std::string &database);

} // namespace tributary::tds_server

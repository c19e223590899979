/*
 * remote_cursor.hpp — the guarded cursor operations that scans (scan.cpp) and ANALYZE
 * (analyze.cpp) share: open a remote query, advance it a row, delete it.
 *
 * Zone: PG zone. Each function crosses into the driver through guarded(): a remote
 * error becomes an ereport naming the site, with the remote statement as context.
 * The cursor is a driver object the caller owns by raw pointer (it must register its
 * own cleanup, e.g. a memory-context reset callback, so an abort frees it).
 */
#pragma once

extern "C" {
#include "postgres.h"
}

#include "fdw/pg/guard.hpp"
#include "fdw/remote/remote.hpp"

namespace tributary::pg {

/* Run sql with nparams parameters on conn; the caller owns the returned cursor. */
remote::Cursor *open_remote_cursor(const ErrorSite &site, remote::Connection *conn,
								   const char *sql, const remote::Cell *params, int nparams);

/* The next row: row[0 … ncols-1] point at its cells (valid until the next call). false
 * at the end of the result. */
bool fetch_remote_row(const ErrorSite &site, remote::Cursor *cursor, const remote::Cell **row,
					  int ncols, const char *sql);

/* Delete a cursor: through the guard, or (cleanup, on abort paths) swallowing anything. */
void delete_remote_cursor(const ErrorSite &site, remote::Cursor *cursor, bool cleanup);

} // namespace tributary::pg

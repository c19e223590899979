/*
 * tds_cursor.hpp — streaming scans over one SQL Server connection.
 *
 * Zone: driver zone (no postgres.h, no sybdb.h in this header).
 */
#pragma once

#include "fdw/remote/remote.hpp"

#include <memory>

namespace tributary::tds {

class TdsConnection;

/*
 * Run query on conn and return its streaming cursor: a plain SQL batch when
 * the query has no parameters, else one sp_executesql RPC with every
 * parameter typed (tds_params.hpp). The first 1000 rows are read on the
 * caller's thread; after them a read-ahead thread fills two batches of at
 * most fetch_size rows (fdw/remote/read_ahead.hpp) while the caller consumes.
 * Throws RemoteError. The cursor refers to conn, which must outlive it;
 * TdsConnection::open is the public way in.
 */
std::unique_ptr<remote::Cursor> open_cursor(TdsConnection &conn, const remote::Query &query);

} // namespace tributary::tds

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
 * parameter typed (tds_params.hpp). Rows are read one at a time with
 * dbnextrow and decoded in place, never buffered: the socket and db-lib's
 * packet buffer are the only read-ahead. Throws RemoteError. The cursor
 * refers to conn, which must outlive it; TdsConnection::open is the public
 * way in.
 */
std::unique_ptr<remote::Cursor> open_cursor(TdsConnection &conn, const remote::Query &query);

} // namespace tributary::tds

/*
 * mysql_cursor.hpp — streaming scans over one MySQL/MariaDB connection.
 *
 * Zone: driver zone (no postgres.h, no mysql.h in this header).
 */
#pragma once

#include "fdw/remote/remote.hpp"

#include <memory>

namespace tributary::mysql {

class MysqlConnection;
struct ScanSettings;

/*
 * Run query on conn and return its streaming cursor: a server-side prepared
 * statement (cached per connection), each parameter bound with its native
 * type, unless scan asks for the text protocol (mysql_use_result, no
 * parameters). Rows are never buffered whole (no store_result): the cursor
 * holds at most two batches of scan.fetch_size rows, filled by a read-ahead
 * thread that never calls PostgreSQL. Throws RemoteError. The cursor refers to
 * conn, which must outlive it; MysqlConnection::open is the public way in.
 */
std::unique_ptr<remote::Cursor> open_cursor(MysqlConnection &conn, const remote::Query &query,
                                            const ScanSettings &scan);

} // namespace tributary::mysql

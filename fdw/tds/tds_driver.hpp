/*
 * tds_driver.hpp — the SQL Server driver's entry point for the PG zone.
 *
 * Zone: driver zone. Pure C++ (no sybdb.h, no postgres.h), so the PG zone may
 * include it. connect() is the driver's remote::ConnectFn.
 */
#pragma once

#include "fdw/remote/remote.hpp"

#include <memory>

namespace tributary::tds {

/*
 * Open a connection with validated options (server + user mapping): host
 * (127.0.0.1), port (1433), dbname, username, password, tds_version (7.4; also
 * 7.1–7.3), client_charset (UTF-8, the only value), connect_timeout (login
 * timeout in seconds, 60 when 0 or absent), query_timeout (seconds to wait for
 * the server, 0 = forever), app_name (tributary), encryption (off | request |
 * require; request by default), isolation_level (auto | snapshot |
 * repeatable_read | read_committed), fetch_size (rows per read-ahead batch,
 * 2000; a scan holds two). Options it does not know are ignored
 * (table and column options may be passed along). Throws RemoteError(connect) — never with the
 * password in it — or RemoteError(invalid_option).
 */
std::unique_ptr<remote::Connection> connect(const remote::Options &options);

} // namespace tributary::tds

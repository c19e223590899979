/*
 * mysql_driver.hpp — the MySQL/MariaDB driver's entry point for the PG zone.
 *
 * Zone: driver zone. Pure C++ (no mysql.h, no postgres.h), so the PG zone may
 * include it. connect() is the driver's remote::ConnectFn.
 */
#pragma once

#include "fdw/remote/remote.hpp"

#include <memory>

namespace tributary::mysql {

/*
 * Open a connection with validated options (server + user mapping):
 * host (127.0.0.1), port (3306), unix_socket, dbname, username, password,
 * character_set (utf8mb4), connect_timeout, read_timeout (seconds),
 * fetch_size (rows per read-ahead batch, 10000), ssl_mode
 * (disabled|preferred|required|verify_ca|verify_identity), ssl_ca, ssl_cert,
 * ssl_key. Options it does not know are ignored (table and column options may
 * be passed along). The session runs in UTC with utf8mb4 and a fixed sql_mode.
 * Throws RemoteError(connect) — never with the password in it — or
 * RemoteError(invalid_option).
 */
std::unique_ptr<remote::Connection> connect(const remote::Options &options);

} // namespace tributary::mysql

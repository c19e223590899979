/*
 * mysql_errors.hpp — classify MySQL/MariaDB error numbers into remote::ErrorKind
 * and build RemoteError values from a client handle.
 *
 * Zone: driver zone. Never includes postgres.h; this header does not include
 * mysql.h either (the handle types are only forward-declared), so the pure
 * classification can be unit-tested and included anywhere in the driver zone.
 */
#pragma once

#include "fdw/remote/remote.hpp"

#include <string>

struct st_mysql;
struct st_mysql_stmt;

namespace tributary::mysql {

/* Where an error happened: during connect every failure is a connect error. */
enum class ErrorContext : std::uint8_t { connect, query };

/*
 * The kind of a MySQL error number: client errors (2000–2999, CR_*) and server
 * errors (ER_*). Unknown numbers are ErrorKind::query.
 */
remote::ErrorKind classify_error(unsigned int code,
                                 ErrorContext context = ErrorContext::query) noexcept;

/* True if after this error the connection cannot be used any more. */
bool error_breaks_connection(unsigned int code) noexcept;

/* The SQLSTATE to report: MySQL's, unless it is the generic HY000 (or empty/00000). */
std::string reported_sqlstate(const char *sqlstate);

/*
 * Build the exception for a failed call. message is ours (lower case, no
 * period, e.g. "could not execute remote query"); the server text goes into
 * detail. Read the handle's error before anything else touches it.
 */
remote::RemoteError make_error(unsigned int code, const char *sqlstate, const char *server_text,
                               std::string message, ErrorContext context = ErrorContext::query);
remote::RemoteError error_from_handle(st_mysql *handle, std::string message,
                                      ErrorContext context = ErrorContext::query);
remote::RemoteError error_from_statement(st_mysql_stmt *stmt, std::string message);

} // namespace tributary::mysql

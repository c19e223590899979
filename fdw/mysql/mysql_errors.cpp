/*
 * mysql_errors.cpp — MySQL/MariaDB error numbers → remote::ErrorKind.
 *
 * Zone: driver zone (no PostgreSQL headers, never calls the backend). Owns the
 * classification only; callers decide whether to throw and whether the
 * connection is broken afterwards.
 */
#include "fdw/mysql/mysql_errors.hpp"

#include <mysql.h>

#include <cstring>

#include "fdw/remote/driver_zone.hpp"

namespace tributary::mysql {

using remote::ErrorKind;

ErrorKind
classify_error(unsigned int code, ErrorContext context) noexcept
{
	if (context == ErrorContext::connect) {
		return ErrorKind::connect;
	}
	switch (code) {
	/* Could not reach the server or log in. */
	case 1040: /* ER_CON_COUNT_ERROR: too many connections */
	case 1044: /* ER_DBACCESS_DENIED_ERROR */
	case 1045: /* ER_ACCESS_DENIED_ERROR */
	case 1049: /* ER_BAD_DB_ERROR */
	case 1129: /* ER_HOST_IS_BLOCKED */
	case 1130: /* ER_HOST_NOT_PRIVILEGED */
	case 1203: /* ER_TOO_MANY_USER_CONNECTIONS */
	case 1226: /* ER_USER_LIMIT_REACHED */
	case 1251: /* ER_NOT_SUPPORTED_AUTH_MODE */
	case 1698: /* ER_ACCESS_DENIED_NO_PASSWORD_ERROR */
	case 1820: /* ER_MUST_CHANGE_PASSWORD */
	case 1862: /* ER_MUST_CHANGE_PASSWORD_LOGIN */
	case 2001: /* CR_SOCKET_CREATE_ERROR */
	case 2002: /* CR_CONNECTION_ERROR */
	case 2003: /* CR_CONN_HOST_ERROR */
	case 2004: /* CR_IPSOCK_ERROR */
	case 2005: /* CR_UNKNOWN_HOST */
	case 2007: /* CR_VERSION_ERROR */
	case 2009: /* CR_WRONG_HOST_INFO */
	case 2012: /* CR_SERVER_HANDSHAKE_ERR */
	case 2026: /* CR_SSL_CONNECTION_ERROR */
	case 2047: /* CR_CONN_UNKNOW_PROTOCOL */
	case 2049: /* CR_SECURE_AUTH */
	case 2059: /* CR_AUTH_PLUGIN_CANNOT_LOAD */
	case 2061: /* CR_AUTH_PLUGIN_ERR */
	case 3159: /* ER_SECURE_TRANSPORT_REQUIRED (MySQL 8) */ return ErrorKind::connect;

	/* The connection broke under a request. */
	case 1053: /* ER_SERVER_SHUTDOWN */
	case 1077: /* ER_NORMAL_SHUTDOWN */
	case 1152: /* ER_ABORTING_CONNECTION */
	case 1156: /* ER_NET_PACKETS_OUT_OF_ORDER */
	case 1157: /* ER_NET_UNCOMPRESS_ERROR */
	case 1158: /* ER_NET_READ_ERROR */
	case 1160: /* ER_NET_ERROR_ON_WRITE */
	case 1927: /* ER_CONNECTION_KILLED (MariaDB) */
	case 2006: /* CR_SERVER_GONE_ERROR */
	case 2013: /* CR_SERVER_LOST */
	case 2027: /* CR_MALFORMED_PACKET */
	case 2055: /* CR_SERVER_LOST_EXTENDED */
	case 4031: /* ER_CLIENT_INTERACTION_TIMEOUT (MySQL 8: disconnected by server) */
		return ErrorKind::connection_lost;

	/* A timeout expired, remote or ours. */
	case 1159: /* ER_NET_READ_INTERRUPTED: server read timeout */
	case 1161: /* ER_NET_WRITE_INTERRUPTED: server write timeout */
	case 1205: /* ER_LOCK_WAIT_TIMEOUT */
	case 1969: /* ER_STATEMENT_TIMEOUT (MariaDB max_statement_time) */
	case 3024: /* ER_QUERY_TIMEOUT (MySQL max_execution_time) */ return ErrorKind::timeout;

	case 1317: /* ER_QUERY_INTERRUPTED: KILL QUERY, i.e. our cancel() */
		return ErrorKind::cancelled;

	case 1146: /* ER_NO_SUCH_TABLE */
	case 1051: /* ER_BAD_TABLE_ERROR */
	case 1109: /* ER_UNKNOWN_TABLE */ return ErrorKind::table_not_found;

	/* A value or a row too large to travel whole. */
	case 1153: /* ER_NET_PACKET_TOO_LARGE */
	case 1301: /* ER_WARN_ALLOWED_PACKET_OVERFLOWED */
	case 2020: /* CR_NET_PACKET_TOO_LARGE */ return ErrorKind::truncated;

	case 2008: /* CR_OUT_OF_MEMORY */
	case 2014: /* CR_COMMANDS_OUT_OF_SYNC */
	case 2030: /* CR_NO_PREPARE_STMT */
	case 2031: /* CR_PARAMS_NOT_BOUND */
	case 2036: /* CR_UNSUPPORTED_PARAM_TYPE */
	case 2050: /* CR_NO_STMT_METADATA */
	case 2051: /* CR_NO_RESULT_SET */
	case 2052: /* CR_NOT_IMPLEMENTED */
	case 2053: /* CR_NO_DATA */ return ErrorKind::internal;

	default: return ErrorKind::query;
	}
}

bool
error_breaks_connection(unsigned int code) noexcept
{
	switch (classify_error(code)) {
	case ErrorKind::connection_lost: return true;
	case ErrorKind::timeout:
		/* A client-side read timeout surfaces as 2013; server net timeouts close it. */
		return code == 1159 || code == 1161;
	case ErrorKind::truncated:
		/* The client or server dropped the rest of an oversized packet. */
		return code == 1153 || code == 2020;
	default:
		/* Out-of-sync protocol state cannot be repaired either. */
		return code == 2014;
	}
}

std::string
reported_sqlstate(const char *sqlstate)
{
	if (sqlstate == nullptr || std::strlen(sqlstate) != 5 || std::strcmp(sqlstate, "HY000") == 0 ||
	    std::strcmp(sqlstate, "00000") == 0) {
		return {};
	}
	return sqlstate;
}

remote::RemoteError
make_error(unsigned int code, const char *sqlstate, const char *server_text, std::string message,
           ErrorContext context)
{
	std::string detail = server_text != nullptr ? server_text : "";
	if (!detail.empty() && detail.back() != '.') {
		detail += '.';
	}
	if (!detail.empty() && detail.front() >= 'a' && detail.front() <= 'z') {
		detail.front() = static_cast<char>(detail.front() - 'a' + 'A');
	}
	ErrorKind kind = classify_error(code, context);
	/* Connector/C reports an expired read timeout as 2013 with "timeout" in its text. */
	if (kind == ErrorKind::connection_lost && (detail.find("timeout") != std::string::npos ||
	                                           detail.find("timed out") != std::string::npos)) {
		kind = ErrorKind::timeout;
	}
	return remote::RemoteError(kind, std::move(message), std::move(detail),
	                           reported_sqlstate(sqlstate), static_cast<long>(code));
}

remote::RemoteError
error_from_handle(st_mysql *handle, std::string message, ErrorContext context)
{
	return make_error(mysql_errno(handle), mysql_sqlstate(handle), mysql_error(handle),
	                  std::move(message), context);
}

remote::RemoteError
error_from_statement(st_mysql_stmt *stmt, std::string message)
{
	return make_error(mysql_stmt_errno(stmt), mysql_stmt_sqlstate(stmt), mysql_stmt_error(stmt),
	                  std::move(message));
}

} // namespace tributary::mysql

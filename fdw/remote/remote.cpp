/*
 * remote.cpp — the driver-interface types that need a definition.
 * Zone: driver zone (no PostgreSQL headers, never calls the backend).
 */
#include "fdw/remote/remote.hpp"

#include "fdw/remote/driver_zone.hpp"

namespace tributary::remote {

RemoteError::RemoteError(ErrorKind kind, std::string message, std::string detail,
						 std::string sqlstate, long code, std::string query)
	: std::runtime_error(message), m_kind(kind), m_message(std::move(message)),
	  m_detail(std::move(detail)), m_sqlstate(std::move(sqlstate)), m_code(code),
	  m_query(std::move(query))
{
}

} // namespace tributary::remote

namespace tributary::remote {

std::string
Dialect::like(const std::string &, const std::string &, LikeKind) const
{
	throw RemoteError(ErrorKind::internal, "this source does not evaluate LIKE conditions");
}

} // namespace tributary::remote

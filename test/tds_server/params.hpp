/*
 * params.hpp — RPC parameters: decoding a parameter's TYPE_INFO and value from an RPC
 * request (tds-notes §9), parsing sp_executesql/sp_prepare declaration strings, and the
 * conversions SQL Server applies when a value meets its declared type.
 *
 * Zone: test server (std only; values are SQLite-shaped Value objects).
 */
#pragma once

#include <string>
#include <vector>

#include "test/tds_server/session.hpp"

namespace tributary::tds_server
{

struct RpcParam {
	std::string name; /* as sent ('@x' or empty) */
	bool output = false;
	SqlType wire_type;
	Value value;
};

/* One parameter at the reader's position. Throws ProtocolError or SqlError (unsupported). */
RpcParam read_rpc_param(ByteReader &r, const WireOptions &opt);

/* "@P1 int, @name nvarchar(50) OUTPUT" -> declarations. Throws SqlError. */
std::vector<ParamDecl> parse_param_decls(const std::string &text);

/*
 * The value as the declared type would hold it, where SQL Server's conversion differs
 * from a plain CAST: datetime to char gives 'May  6 2024  7:08AM', float gives
 * '1.23457e+006', char(n) pads. Other conversions are left to tds_cast (need_cast = true).
 */
Value convert_special(const Value &v, const SqlType &from, const SqlType &to, bool &need_cast);

} // namespace tributary::tds_server

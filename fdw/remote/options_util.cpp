/*
 * options_util.cpp — see options_util.hpp. Zone: driver zone.
 */
#include "fdw/remote/options_util.hpp"

#include "fdw/remote/remote.hpp"

#include "fdw/remote/driver_zone.hpp"

namespace tributary::remote {

bool
parse_bool_option(const std::string &name, const std::string &value)
{
	std::string v;
	for (const char c : value) {
		v += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
	}
	if (v == "true" || v == "on" || v == "yes" || v == "1") {
		return true;
	}
	if (v == "false" || v == "off" || v == "no" || v == "0") {
		return false;
	}
	throw RemoteError(ErrorKind::invalid_option,
					  "invalid value for boolean option \"" + name + "\": \"" + value + "\"");
}

} // namespace tributary::remote

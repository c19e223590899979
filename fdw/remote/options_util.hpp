/*
 * options_util.hpp — option value parsing shared by the drivers.
 * Zone: driver zone, std only.
 */
#pragma once

#include <string>

namespace tributary::remote {

/*
 * true/on/yes/1 or false/off/no/0, any case. Throws RemoteError(invalid_option) naming
 * the option otherwise.
 */
bool parse_bool_option(const std::string &name, const std::string &value);

} // namespace tributary::remote

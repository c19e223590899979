/*
 * options_util.hpp — small text helpers shared by the drivers: option values, declared
 * type names, and plain-text parameter queries.
 * Zone: driver zone, std only.
 */
#pragma once

#include <string>
#include <vector>

#include "fdw/remote/remote.hpp"

namespace tributary::remote {

/*
 * true/on/yes/1 or false/off/no/0, any case. Throws RemoteError(invalid_option) naming
 * the option otherwise.
 */
bool parse_bool_option(const std::string &name, const std::string &value);

/*
 * The numbers inside the first parentheses of a declared type: "decimal(10,2)" → {10, 2};
 * empty when there are none or they are not numbers ("enum('a')", "(max)").
 */
std::vector<long> type_modifiers(const std::string &type_name);

/*
 * text between `open` (a prefix such as "N'") and `close`, each `close` inside it doubled:
 * how SQL quotes identifiers and literals ([a]]b], `a``b`, N'it''s'). NUL bytes are the
 * caller's business.
 */
std::string enclose(const std::string &text, const std::string &open, char close);

/* A query whose parameters are the given texts (the Query owns their bytes). */
Query text_query(std::string sql, std::vector<std::string> texts);

} // namespace tributary::remote

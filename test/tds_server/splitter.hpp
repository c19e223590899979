/*
 * splitter.hpp — splits a T-SQL batch into statements. T-SQL needs no ';' between
 * statements, so a statement also ends where a keyword that can only start a new
 * statement appears at parenthesis depth 0 (SELECT after a complete statement, INSERT,
 * SET outside UPDATE ... SET, CREATE, ...). BEGIN/END blocks and ELSE become one-token
 * marker statements for the control flow of batch.cpp.
 *
 * Zone: test server (std only).
 */
#pragma once

#include <vector>

#include "test/tds_server/lexer.hpp"

namespace tributary::tds_server
{

using Statement = std::vector<Token>;

std::vector<Statement> split_statements(const std::vector<Token> &toks);

/* Is this statement a BEGIN block marker / END marker / ELSE marker? */
bool is_block_begin(const Statement &st);
bool is_block_end(const Statement &st);
bool is_else(const Statement &st);

} // namespace tributary::tds_server

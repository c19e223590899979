/*
 * translate.hpp — T-SQL to SQLite translation of one statement: multi-part names to the
 * SQLite tables of catalog.hpp, N'' literals, TOP and OFFSET/FETCH to LIMIT, CAST/CONVERT
 * and T-SQL functions to tds_* functions, @@globals to literals, table hints and OPTION()
 * dropped; plus the select-list analysis that tells the executor how to describe result
 * columns (declared types of CAST/count/min/max, SQL Server's empty names).
 *
 * Zone: test server (std only + Catalog lookups). Throws SqlError for constructs the
 * server rejects (unknown type in CAST, TOP n PERCENT...).
 */
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "test/tds_server/catalog.hpp"
#include "test/tds_server/lexer.hpp"
#include "test/tds_server/types.hpp"

namespace tributary::tds_server
{

struct TranslateContext {
	Catalog *catalog = nullptr;
	std::string database;
	/* Replacement for an @@global (upper-case name without @@); nullopt = unknown. */
	std::function<std::optional<Token>(const std::string &)> global;

	bool is_database_name(std::string_view name) const;
};

/* How to describe one result column beyond what SQLite says. */
struct ColumnHint {
	enum class Kind { none, type, probe, variable } kind = Kind::none;
	SqlType type;
	std::string probe_expr; /* probe: SQLite expression whose origin gives the type;
	               variable: the variable's lower-case name */
	bool anonymous = false; /* expression without alias: SQL Server sends an empty name */
	std::string name;       /* column reference without alias: the name as written */
};

struct SelectInfo {
	bool is_select = false;
	bool has_star = false;
	std::vector<ColumnHint> hints;
	std::vector<std::string> assign_vars; /* SELECT @a = x, @b = y: lower-case names */
	std::string from_tail;                /* translated "FROM ..." of the main SELECT */
};

/* Map dotted names to SQLite object names (first pass, also used by DDL). */
void resolve_names(std::vector<Token> &toks, const TranslateContext &ctx);

/* Expressions, literals, functions, hints, TOP/OFFSET. */
std::vector<Token> rewrite_expressions(const std::vector<Token> &toks, const TranslateContext &ctx);
void rewrite_limits(std::vector<Token> &toks);

/* Whole statement: names, select analysis (if info), expressions, limits. */
std::string translate_statement(std::vector<Token> toks, const TranslateContext &ctx,
                                SelectInfo *info);

/* Translate an expression token range (DEFAULT, CHECK, SET @v = ...). */
std::string translate_expression(std::vector<Token> toks, const TranslateContext &ctx);

/* Index of the ')' matching the '(' at open, or npos. */
std::size_t find_close(const std::vector<Token> &toks, std::size_t open);
/* Depth-0 comma-separated ranges between begin and end. */
std::vector<std::pair<std::size_t, std::size_t>> split_commas(const std::vector<Token> &toks,
                                                              std::size_t begin, std::size_t end);
/* Type spelling of a token range: "decimal(10,2)". */
std::string type_text(const std::vector<Token> &toks, std::size_t begin, std::size_t end);

/* Reserved words that can never be an alias or a column name without brackets. */
bool is_reserved(const Token &t);

} // namespace tributary::tds_server

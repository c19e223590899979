/*
 * translate.cpp — token rewriting from T-SQL to SQLite: dotted names, literals, function
 * calls and CASTs, table hints, TOP and OFFSET/FETCH.
 *
 * Zone: test server (std only + Catalog lookups). Each pass takes the token vector of one
 * statement; nothing here executes SQL.
 */
#include "test/tds_server/translate.hpp"

#include <cctype>
#include <set>

namespace tributary::tds_server
{

namespace
{

constexpr std::size_t npos = static_cast<std::size_t>(-1);

struct Rename {
	const char *tsql;
	const char *sqlite;
};

constexpr Rename renames[] = {
    {"ISNULL", "ifnull"},
    {"LEN", "tds_len"},
    {"DATALENGTH", "tds_datalength"},
    {"GETDATE", "tds_getdate"},
    {"GETUTCDATE", "tds_getutcdate"},
    {"SYSDATETIME", "tds_sysdatetime"},
    {"SYSUTCDATETIME", "tds_sysutcdatetime"},
    {"SYSDATETIMEOFFSET", "tds_sysdatetimeoffset"},
    {"NEWID", "tds_newid"},
    {"NEWSEQUENTIALID", "tds_newid"},
    {"CHARINDEX", "tds_charindex"},
    {"LEFT", "tds_left"},
    {"RIGHT", "tds_right"},
    {"COUNT_BIG", "count"},
    {"SUBSTRING", "substr"},
    {"CEILING", "ceil"},
    {"CONCAT", "tds_concat"},
    {"REPLICATE", "tds_replicate"},
    {"SPACE", "tds_space"},
    {"REVERSE", "tds_reverse"},
    {"ISNUMERIC", "tds_isnumeric"},
    {"OBJECT_ID", "tds_object_id"},
    {"OBJECT_NAME", "tds_object_name"},
    {"SERVERPROPERTY", "tds_serverproperty"},
    {"SCOPE_IDENTITY", "last_insert_rowid"},
    {"STRING_AGG", "group_concat"},
    {"DATEFROMPARTS", "tds_datefromparts"},
    {"LOG", "ln"},
    {"ATN2", "atan2"},
    {"ASCII", "unicode"},
    {"NCHAR", "char"},
};

const std::set<std::string> table_hints = {
    "NOLOCK",
    "READUNCOMMITTED",
    "UPDLOCK",
    "ROWLOCK",
    "HOLDLOCK",
    "TABLOCK",
    "TABLOCKX",
    "PAGLOCK",
    "READCOMMITTED",
    "READPAST",
    "REPEATABLEREAD",
    "SERIALIZABLE",
    "SNAPSHOT",
    "XLOCK",
    "INDEX",
    "FORCESEEK",
    "FORCESCAN",
    "NOEXPAND",
    "READCOMMITTEDLOCK",
    "NOWAIT",
};

std::string
upper(const std::string &s)
{
	return to_upper_ascii(s);
}

int
significant_digits(const std::string &num)
{
	int n = 0;
	bool leading = true;
	for (const char c : num) {
		if (c == 'e' || c == 'E') {
			break;
		}
		if (c >= '0' && c <= '9') {
			if (c != '0') {
				leading = false;
			}
			if (!leading) {
				n++;
			}
		}
	}
	return n;
}

/* A table hint list "(NOLOCK, INDEX(ix))" starting at open? */
bool
is_hint_list(const std::vector<Token> &toks, std::size_t open)
{
	return open + 1 < toks.size() && toks[open].is_op("(") &&
	       toks[open + 1].kind == TokKind::word &&
	       table_hints.count(upper(toks[open + 1].text)) > 0;
}

/* "(NOLOCK)" / "(NOLOCK, READPAST)" after a table name without WITH (old T-SQL form) */
bool
is_legacy_hint_list(const std::vector<Token> &toks, std::size_t open)
{
	static const std::set<std::string> legacy = {
	    "NOLOCK",  "READUNCOMMITTED", "UPDLOCK", "ROWLOCK",	      "HOLDLOCK",      "TABLOCK",
	    "TABLOCKX", "PAGLOCK",	 "READPAST", "XLOCK", "NOWAIT", "READCOMMITTED", "REPEATABLEREAD"};
	if (open >= toks.size() || !toks[open].is_op("(")) {
		return false;
	}
	std::size_t k = open + 1;
	for (;;) {
		if (k >= toks.size() || toks[k].kind != TokKind::word || !legacy.count(upper(toks[k].text))) {
			return false;
		}
		k++;
		if (k < toks.size() && toks[k].is_op(")")) {
			return true;
		}
		if (k >= toks.size() || !toks[k].is_op(",")) {
			return false;
		}
		k++;
	}
}

void
append(std::vector<Token> &out, const std::vector<Token> &src)
{
	out.insert(out.end(), src.begin(), src.end());
}

std::vector<Token>
sub(const std::vector<Token> &toks, std::size_t b, std::size_t e)
{
	return std::vector<Token>(toks.begin() + static_cast<std::ptrdiff_t>(b),
	                          toks.begin() + static_cast<std::ptrdiff_t>(e));
}

/* SQLite functions (after renaming) whose result is character data. */
bool
string_function(const Token &t)
{
	static const std::set<std::string> names = {
	    "TDS_LEFT",      "TDS_RIGHT",       "SUBSTR",         "UPPER",   "LOWER",
	    "LTRIM",         "RTRIM",           "TRIM",           "REPLACE", "TDS_CONCAT",
	    "TDS_REPLICATE", "TDS_SPACE",       "TDS_REVERSE",    "CHAR",    "GROUP_CONCAT",
	    "TDS_NEWID",     "TDS_OBJECT_NAME", "TDS_SCHEMA_NAME"};
	return t.kind == TokKind::word && names.count(upper(t.text)) > 0;
}

/* A CAST target that is a character type: tds_cast(x, 'nvarchar(10)') */
bool
char_cast(const std::vector<Token> &toks, std::size_t open, std::size_t close)
{
	if (open == 0 || !toks[open - 1].is(TokKind::word, "tds_cast") || close < 1 ||
	    toks[close - 1].kind != TokKind::string) {
		return false;
	}
	const auto t = parse_sql_type(toks[close - 1].text, true);
	return t && is_char_type(t->id);
}

bool
text_name(const Token &t, const TranslateContext &ctx)
{
	return t.is_name() && !is_reserved(t) && ctx.catalog &&
	       ctx.catalog->is_text_column_name(t.text);
}

bool
string_operand_before(const std::vector<Token> &toks, std::size_t k, const TranslateContext &ctx)
{
	if (k == 0) {
		return false;
	}
	const Token &p = toks[k - 1];
	if (p.kind == TokKind::string || text_name(p, ctx)) {
		return true;
	}
	if (!p.is_op(")")) {
		return false;
	}
	int depth = 0;
	for (std::size_t j = k - 1;; j--) {
		if (toks[j].is_op(")")) {
			depth++;
		} else if (toks[j].is_op("(") && --depth == 0) {
			return (j > 0 && string_function(toks[j - 1])) || char_cast(toks, j, k - 1);
		}
		if (j == 0) {
			break;
		}
	}
	return false;
}

bool
string_operand_after(const std::vector<Token> &toks, std::size_t k, const TranslateContext &ctx)
{
	if (k + 1 >= toks.size()) {
		return false;
	}
	const Token &n = toks[k + 1];
	if (n.kind == TokKind::string) {
		return true;
	}
	if (k + 2 < toks.size() && toks[k + 2].is_op("(")) {
		if (string_function(n)) {
			return true;
		}
		if (n.is(TokKind::word, "tds_cast")) {
			const std::size_t close = find_close(toks, k + 2);
			return close != npos && char_cast(toks, k + 2, close);
		}
		return false;
	}
	/* a.b: look at the last part */
	std::size_t j = k + 1;
	while (j + 2 < toks.size() && toks[j + 1].is_op(".") && toks[j + 2].is_name()) {
		j += 2;
	}
	return text_name(toks[j], ctx);
}

/* Rewrite a call name(args) at i whose ')' is at close; returns false if not special. */
bool
rewrite_call(const std::vector<Token> &in, std::size_t i, std::size_t close,
             const TranslateContext &ctx, std::vector<Token> &out)
{
	const std::string name = upper(in[i].text);
	const auto args = split_commas(in, i + 2, close);
	const auto arg = [&](std::size_t k) {
		return rewrite_expressions(sub(in, args[k].first, args[k].second), ctx);
	};
	const auto call_tokens = [](const char *fn, const std::vector<std::vector<Token>> &parts) {
		std::vector<Token> call{make_word(fn), make_op("(")};
		for (std::size_t k = 0; k < parts.size(); k++) {
			if (k > 0) {
				call.push_back(make_op(","));
			}
			append(call, parts[k]);
		}
		call.push_back(make_op(")"));
		return call;
	};
	const auto emit_call = [&](const char *fn, const std::vector<std::vector<Token>> &parts) {
		append(out, call_tokens(fn, parts));
	};
	if (name == "CAST" || name == "TRY_CAST") {
		std::size_t as = npos;
		int depth = 0;
		for (std::size_t k = i + 2; k < close; k++) {
			if (in[k].is_op("(")) {
				depth++;
			} else if (in[k].is_op(")")) {
				depth--;
			} else if (depth == 0 && in[k].is_kw("AS")) {
				as = k;
			}
		}
		if (as == npos) {
			throw syntax_error(")");
		}
		const std::string type = type_text(in, as + 1, close);
		if (!parse_sql_type(type, true)) {
			throw SqlError(243, 16, "Type " + type + " is not a defined system type.", true);
		}
		emit_call("tds_cast", {rewrite_expressions(sub(in, i + 2, as), ctx), {make_string(type)}});
		return true;
	}
	if (name == "CONVERT" || name == "TRY_CONVERT") {
		if (args.size() < 2) {
			throw syntax_error(")");
		}
		const std::string type = type_text(in, args[0].first, args[0].second);
		if (!parse_sql_type(type, true)) {
			throw SqlError(243, 16, "Type " + type + " is not a defined system type.", true);
		}
		if (args.size() > 2) {
			/* A style: tds_convert_style spells what it knows, the cast does the rest. */
			emit_call("tds_cast", {call_tokens("tds_convert_style", {arg(1), {make_string(type)},
			                                                         arg(2)}),
			                       {make_string(type)}});
			return true;
		}
		emit_call("tds_cast", {arg(1), {make_string(type)}});
		return true;
	}
	if (name == "SQL_VARIANT_PROPERTY" && args.size() == 2) {
		emit_call("tds_variant_property", {arg(0), arg(1)});
		return true;
	}
	if (name == "DATEADD" || name == "DATEDIFF" || name == "DATEPART" || name == "DATENAME") {
		if (args.empty() || args[0].second - args[0].first != 1) {
			throw syntax_error(name);
		}
		std::vector<std::vector<Token>> parts{{make_string(in[args[0].first].text)}};
		for (std::size_t k = 1; k < args.size(); k++) {
			parts.push_back(arg(k));
		}
		const char *fn = name == "DATEADD"    ? "tds_dateadd"
		                 : name == "DATEDIFF" ? "tds_datediff"
		                                      : "tds_datepart";
		emit_call(fn, parts);
		return true;
	}
	if (name == "DATALENGTH" && args.size() == 1) {
		const auto [b, e] = args[0];
		if (e - b == 1 && in[b].kind == TokKind::string) {
			const std::size_t bytes =
			    in[b].nprefix ? 2 * utf16_length(in[b].text) : in[b].text.size();
			out.push_back(make_number(std::to_string(bytes)));
			return true;
		}
		/* varchar columns count UTF-8 bytes, nvarchar UTF-16 bytes */
		const bool bytes =
		    in[e - 1].is_name() && ctx.catalog &&
		    ctx.catalog->column_name_kind(in[e - 1].text) == Catalog::NameKind::byte_text;
		if (bytes) {
			emit_call("tds_datalength", {arg(0), {make_number("1")}});
			return true;
		}
		return false;
	}
	if ((name == "YEAR" || name == "MONTH" || name == "DAY") && args.size() == 1) {
		emit_call("tds_datepart", {{make_string(to_lower_ascii(name))}, arg(0)});
		return true;
	}
	if (name == "SCHEMA_NAME" || name == "DB_NAME" || name == "DB_ID" || name == "SUSER_SNAME" ||
	    name == "SUSER_NAME" || name == "USER_NAME" || name == "HOST_NAME" || name == "APP_NAME") {
		if (name == "SCHEMA_NAME" && !args.empty()) {
			emit_call("tds_schema_name", {arg(0)});
			return true;
		}
		if (!args.empty() && name != "DB_NAME" && name != "DB_ID") {
			return false;
		}
		const auto v = ctx.global ? ctx.global(name + "()") : std::nullopt;
		out.push_back(v ? *v : make_word("NULL"));
		return true;
	}
	if (name == "RAND") {
		for (const char *w : {"(", "abs", "(", "random", "(", ")", ")", "%", "1000000000", "/",
		                      "1000000000.0", ")"}) {
			out.push_back(std::isalpha(static_cast<unsigned char>(w[0]))   ? make_word(w)
			              : std::isdigit(static_cast<unsigned char>(w[0])) ? make_number(w)
			                                                               : make_op(w));
		}
		return true;
	}
	return false;
}

} // namespace

bool
TranslateContext::is_database_name(std::string_view name) const
{
	return iequals(name, database) || iequals(name, "master") || iequals(name, "tempdb") ||
	       iequals(name, "model") || iequals(name, "msdb");
}

bool
is_reserved(const Token &t)
{
	static const std::set<std::string> words = {
	    "ADD",     "ALL",        "ALTER",      "AND",      "ANY",      "AS",          "ASC",
	    "BEGIN",   "BETWEEN",    "BY",         "CASE",     "CHECK",    "COLLATE",     "COLUMN",
	    "COMMIT",  "CONSTRAINT", "CREATE",     "CROSS",    "CURRENT",  "DEFAULT",     "DELETE",
	    "DESC",    "DISTINCT",   "DROP",       "ELSE",     "END",      "ESCAPE",      "EXCEPT",
	    "EXEC",    "EXECUTE",    "EXISTS",     "FETCH",    "FOR",      "FOREIGN",     "FROM",
	    "FULL",    "GROUP",      "HAVING",     "IDENTITY", "IF",       "IN",          "INDEX",
	    "INNER",   "INSERT",     "INTERSECT",  "INTO",     "IS",       "JOIN",        "KEY",
	    "KILL",    "LEFT",       "LIKE",       "NOT",      "NULL",     "OF",          "OFFSET",
	    "ON",      "OPTION",     "OR",         "ORDER",    "OUTER",    "OVER",        "PERCENT",
	    "PRIMARY", "PRINT",      "REFERENCES", "RIGHT",    "ROLLBACK", "SELECT",      "SET",
	    "TABLE",   "THEN",       "TO",         "TOP",      "TRAN",     "TRANSACTION", "UNION",
	    "UNIQUE",  "UPDATE",     "USE",        "VALUES",   "VIEW",     "WHEN",        "WHERE",
	    "WITH",    "WAITFOR",
	};
	return t.kind == TokKind::word && words.count(upper(t.text)) > 0;
}

std::size_t
find_close(const std::vector<Token> &toks, std::size_t open)
{
	int depth = 0;
	for (std::size_t k = open; k < toks.size(); k++) {
		if (toks[k].is_op("(")) {
			depth++;
		} else if (toks[k].is_op(")")) {
			if (--depth == 0) {
				return k;
			}
		}
	}
	return npos;
}

std::vector<std::pair<std::size_t, std::size_t>>
split_commas(const std::vector<Token> &toks, std::size_t begin, std::size_t end)
{
	std::vector<std::pair<std::size_t, std::size_t>> out;
	if (begin >= end) {
		return out;
	}
	int depth = 0;
	std::size_t start = begin;
	for (std::size_t k = begin; k < end; k++) {
		if (toks[k].is_op("(")) {
			depth++;
		} else if (toks[k].is_op(")")) {
			depth--;
		} else if (depth == 0 && toks[k].is_op(",")) {
			out.emplace_back(start, k);
			start = k + 1;
		}
	}
	out.emplace_back(start, end);
	return out;
}

std::string
type_text(const std::vector<Token> &toks, std::size_t begin, std::size_t end)
{
	std::string s;
	for (std::size_t k = begin; k < end; k++) {
		const Token &t = toks[k];
		if (t.kind == TokKind::word && !s.empty() &&
		    std::isalnum(static_cast<unsigned char>(s.back()))) {
			s.push_back(' ');
		}
		s += t.text;
	}
	return s;
}

void
resolve_names(std::vector<Token> &toks, const TranslateContext &ctx)
{
	std::vector<Token> out;
	out.reserve(toks.size());
	for (std::size_t i = 0; i < toks.size(); i++) {
		const Token &t = toks[i];
		const bool dotted = t.is_name() && i + 1 < toks.size() && toks[i + 1].is_op(".") &&
		                    !(i > 0 && toks[i - 1].is_op("."));
		if (!dotted || (t.kind == TokKind::word && is_reserved(t))) {
			out.push_back(t);
			continue;
		}
		std::vector<std::string> parts{t.text};
		bool star = false;
		std::size_t j = i + 1;
		while (j < toks.size() && toks[j].is_op(".")) {
			if (j + 1 < toks.size() && toks[j + 1].is_name()) {
				parts.push_back(toks[j + 1].text);
				j += 2;
			} else if (j + 1 < toks.size() && toks[j + 1].is_op("*")) {
				star = true;
				j += 2;
				break;
			} else if (j + 1 < toks.size() && toks[j + 1].is_op(".")) {
				parts.emplace_back();
				j += 1;
			} else {
				break;
			}
		}
		const auto is_schema = [&](const std::string &s) {
			return s.empty() || (ctx.catalog && ctx.catalog->is_schema(s));
		};
		std::vector<Token> rep;
		const std::size_t n = parts.size();
		if (n == 2 && !parts[0].empty() && is_schema(parts[0])) {
			rep.push_back(make_quoted(sqlite_object_name(parts[0], parts[1])));
		} else if (n == 3 && ctx.is_database_name(parts[0]) && is_schema(parts[1])) {
			rep.push_back(
			    make_quoted(sqlite_object_name(parts[1].empty() ? "dbo" : parts[1], parts[2])));
		} else if (n == 3 && !parts[0].empty() && is_schema(parts[0])) {
			rep.push_back(make_quoted(sqlite_object_name(parts[0], parts[1])));
			rep.push_back(make_op("."));
			rep.push_back(make_quoted(parts[2]));
		} else if (n == 4 && ctx.is_database_name(parts[0]) && is_schema(parts[1])) {
			rep.push_back(
			    make_quoted(sqlite_object_name(parts[1].empty() ? "dbo" : parts[1], parts[2])));
			rep.push_back(make_op("."));
			rep.push_back(make_quoted(parts[3]));
		} else {
			for (std::size_t k = 0; k < n; k++) {
				if (k > 0) {
					rep.push_back(make_op("."));
				}
				rep.push_back(make_quoted(parts[k]));
			}
		}
		if (star) {
			rep.push_back(make_op("."));
			rep.push_back(make_op("*"));
		}
		for (Token &r : rep) {
			r.pos = t.pos;
			out.push_back(std::move(r));
		}
		i = j - 1;
	}
	toks = std::move(out);
}

std::vector<Token>
rewrite_expressions(const std::vector<Token> &in, const TranslateContext &ctx)
{
	std::vector<Token> out;
	out.reserve(in.size());
	for (std::size_t i = 0; i < in.size(); i++) {
		const Token &t = in[i];
		if (t.is_kw("WITH") && is_hint_list(in, i + 1)) {
			i = find_close(in, i + 1);
			continue;
		}
		if (t.is_name() && !is_reserved(t) && is_legacy_hint_list(in, i + 1) &&
		    !(i > 0 && in[i - 1].is_op("."))) {
			/* legacy hint without WITH: FROM t (NOLOCK) */
			out.push_back(t);
			i = find_close(in, i + 1);
			continue;
		}
		if (t.is_kw("OPTION") && i + 1 < in.size() && in[i + 1].is_op("(")) {
			i = find_close(in, i + 1);
			continue;
		}
		if (t.kind == TokKind::word && i + 1 < in.size() && in[i + 1].is_op("(") &&
		    !(i > 0 && in[i - 1].is_op("."))) {
			const std::size_t close = find_close(in, i + 1);
			if (close == npos) {
				throw syntax_error(t.text);
			}
			if (rewrite_call(in, i, close, ctx, out)) {
				i = close;
				continue;
			}
			const std::string name = upper(t.text);
			Token w = t;
			for (const Rename &r : renames) {
				if (name == r.tsql) {
					w.text = r.sqlite;
					break;
				}
			}
			out.push_back(w);
			continue;
		}
		if (t.is_kw("COLLATE") && i + 1 < in.size()) {
			const std::string c = upper(in[i + 1].text);
			out.push_back(t);
			const bool binary =
			    c.find("_BIN") != std::string::npos || c.find("_CS_") != std::string::npos;
			out.push_back(make_word(binary ? "BINARY" : "TDSCI"));
			i++;
			continue;
		}
		if (t.is_kw("CURRENT_TIMESTAMP")) {
			out.push_back(make_word("tds_getdate"));
			out.push_back(make_op("("));
			out.push_back(make_op(")"));
			continue;
		}
		if (t.is_kw("CURRENT_USER") || t.is_kw("SYSTEM_USER") || t.is_kw("SESSION_USER")) {
			const auto v = ctx.global ? ctx.global("USER_NAME()") : std::nullopt;
			out.push_back(v ? *v : make_string("dbo"));
			continue;
		}
		if (t.kind == TokKind::sysvar) {
			const std::string name = upper(t.text.substr(2));
			const auto v = ctx.global ? ctx.global(name) : std::nullopt;
			if (!v) {
				throw SqlError(137, 15, "Must declare the scalar variable \"" + t.text + "\".",
				               true);
			}
			out.push_back(*v);
			continue;
		}
		if (t.kind == TokKind::string && t.nprefix) {
			Token s = t;
			s.nprefix = false;
			out.push_back(s);
			continue;
		}
		if (t.kind == TokKind::number && significant_digits(t.text) > 15 &&
		    t.text.find_first_of("eE") == std::string::npos) {
			/* keep all digits: SQLite would round a long literal to a double */
			std::string text = t.text;
			const bool unary_minus =
			    !out.empty() && out.back().is_op("-") &&
			    (out.size() == 1 || out[out.size() - 2].kind == TokKind::op ||
			     (out[out.size() - 2].kind == TokKind::word && is_reserved(out[out.size() - 2]))) &&
			    !(out.size() >= 2 && out[out.size() - 2].is_op(")"));
			if (unary_minus) {
				out.pop_back();
				text.insert(text.begin(), '-');
			}
			out.push_back(make_string(text));
			continue;
		}
		if (t.is_op("!<")) {
			out.push_back(make_op(">="));
			continue;
		}
		if (t.is_op("!>")) {
			out.push_back(make_op("<="));
			continue;
		}
		out.push_back(t);
	}
	/* '+' with a character operand is concatenation */
	for (std::size_t k = 0; k < out.size(); k++) {
		if (out[k].is_op("+") &&
		    (string_operand_before(out, k, ctx) || string_operand_after(out, k, ctx))) {
			out[k].text = "||";
		}
	}
	return out;
}

namespace
{

/* SELECT [DISTINCT] TOP n|(expr) [PERCENT] [WITH TIES] at i: LIMIT at the end of its scope. */
void
rewrite_top(std::vector<Token> &toks, std::size_t i)
{
	if (i == 0 || !(toks[i - 1].is_kw("SELECT") || toks[i - 1].is_kw("DISTINCT") ||
	                toks[i - 1].is_kw("ALL"))) {
		throw SqlError(40000, 16, "TOP is only supported in SELECT by this test server.", true);
	}
	const std::size_t b = i + 1;
	std::size_t e;
	std::vector<Token> count;
	if (b < toks.size() && toks[b].is_op("(")) {
		e = find_close(toks, b);
		if (e == npos) {
			throw syntax_error("(");
		}
		count = sub(toks, b + 1, e);
		e++;
	} else if (b < toks.size()) {
		count = sub(toks, b, b + 1);
		e = b + 1;
	} else {
		throw syntax_error("TOP");
	}
	bool percent = false;
	if (e < toks.size() && toks[e].is_kw("PERCENT")) {
		percent = true;
		e++;
	}
	if (e + 1 < toks.size() && toks[e].is_kw("WITH") && toks[e + 1].is_kw("TIES")) {
		e += 2;
	}
	if (percent && !(count.size() == 1 && count[0].text == "100")) {
		throw SqlError(40000, 16, "TOP ... PERCENT is not supported by this test server.", true);
	}
	toks.erase(toks.begin() + static_cast<std::ptrdiff_t>(i),
	           toks.begin() + static_cast<std::ptrdiff_t>(e));
	if (percent) {
		return;
	}
	/* LIMIT goes to the end of this SELECT's parenthesis level */
	int depth = 0;
	std::size_t at = i;
	for (; at < toks.size(); at++) {
		if (toks[at].is_op("(")) {
			depth++;
		} else if (toks[at].is_op(")") && --depth < 0) {
			break;
		}
	}
	std::vector<Token> lim{make_word("LIMIT"), make_op("(")};
	append(lim, count);
	lim.push_back(make_op(")"));
	toks.insert(toks.begin() + static_cast<std::ptrdiff_t>(at), lim.begin(), lim.end());
}

/* Index of the first depth-0 ROW/ROWS at or after from, or npos. */
std::size_t
find_rows(const std::vector<Token> &toks, std::size_t from)
{
	int depth = 0;
	for (std::size_t k = from; k < toks.size(); k++) {
		if (toks[k].is_op("(")) {
			depth++;
		} else if (toks[k].is_op(")")) {
			depth--;
		} else if (depth == 0 && (toks[k].is_kw("ROWS") || toks[k].is_kw("ROW"))) {
			return k;
		}
	}
	return npos;
}

/* OFFSET n ROW[S] [FETCH FIRST|NEXT m ROW[S] ONLY] at i -> LIMIT m OFFSET n; returns tokens used.
 */
std::size_t
rewrite_offset(std::vector<Token> &toks, std::size_t i)
{
	const std::size_t k = find_rows(toks, i + 1);
	if (k == npos) {
		return 1; /* not OFFSET ... ROWS: leave it to SQLite */
	}
	std::vector<Token> offset = sub(toks, i + 1, k);
	std::vector<Token> fetch{make_number("-1")};
	std::size_t e = k + 1;
	if (e + 1 < toks.size() && toks[e].is_kw("FETCH") &&
	    (toks[e + 1].is_kw("NEXT") || toks[e + 1].is_kw("FIRST"))) {
		const std::size_t m = find_rows(toks, e + 2);
		if (m == npos || m + 1 >= toks.size() || !toks[m + 1].is_kw("ONLY")) {
			throw syntax_error("FETCH");
		}
		fetch = sub(toks, e + 2, m);
		e = m + 2;
	}
	std::vector<Token> rep{make_word("LIMIT"), make_op("(")};
	append(rep, fetch);
	rep.push_back(make_op(")"));
	rep.push_back(make_word("OFFSET"));
	rep.push_back(make_op("("));
	append(rep, offset);
	rep.push_back(make_op(")"));
	toks.erase(toks.begin() + static_cast<std::ptrdiff_t>(i),
	           toks.begin() + static_cast<std::ptrdiff_t>(e));
	toks.insert(toks.begin() + static_cast<std::ptrdiff_t>(i), rep.begin(), rep.end());
	return rep.size();
}

} // namespace

void
rewrite_limits(std::vector<Token> &toks)
{
	for (std::size_t i = 0; i < toks.size();) {
		if (toks[i].is_kw("TOP")) {
			rewrite_top(toks, i); /* re-examine the token now at i */
		} else if (toks[i].is_kw("OFFSET")) {
			i += rewrite_offset(toks, i);
		} else {
			i++;
		}
	}
}

std::string
translate_expression(std::vector<Token> toks, const TranslateContext &ctx)
{
	resolve_names(toks, ctx);
	std::vector<Token> out = rewrite_expressions(toks, ctx);
	rewrite_limits(out);
	return render(out);
}

} // namespace tributary::tds_server

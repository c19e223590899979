/*
 * select_list.cpp — analysis of the main SELECT's select list: aliases (including
 * T-SQL's `alias = expr` form), variable assignments (`SELECT @v = expr`), and the type
 * hints the executor needs to describe columns the way SQL Server would (count(*) is
 * int, min/max keep the column's declared type, CAST gives its target type, unaliased
 * expressions have an empty name). Also translate_statement(), which runs all passes.
 *
 * Zone: test server (std only + Catalog lookups through the translator).
 */
#include <set>

#include "test/tds_server/translate.hpp"

namespace tributary::tds_server
{

namespace
{

constexpr std::size_t npos = static_cast<std::size_t>(-1);

const std::set<std::string> list_terminators = {"FROM",      "INTO",   "WHERE", "GROUP",
                                                "HAVING",    "ORDER",  "UNION", "EXCEPT",
                                                "INTERSECT", "OPTION", "FOR",   "WINDOW"};

bool
operand_end(const Token &t)
{
	switch (t.kind) {
	case TokKind::word:
		return !is_reserved(t) || t.is_kw("END") || t.is_kw("NULL");
	case TokKind::op:
		return t.is_op(")");
	default:
		return true;
	}
}

SqlType
make_type(TypeId id, std::int32_t length = 0, std::uint8_t precision = 0, std::uint8_t scale = 0)
{
	SqlType t;
	t.id = id;
	t.length = length;
	t.precision = precision;
	t.scale = scale;
	return t;
}

std::vector<Token>
slice(const std::vector<Token> &toks, std::size_t b, std::size_t e)
{
	return std::vector<Token>(toks.begin() + static_cast<std::ptrdiff_t>(b),
	                          toks.begin() + static_cast<std::ptrdiff_t>(e));
}

/* Is [b, e) a plain (possibly dotted) column reference? Sets star for x.* / *. */
bool
plain_column(const std::vector<Token> &toks, std::size_t b, std::size_t e, bool &star)
{
	if (e - b == 1 && toks[b].is_op("*")) {
		star = true;
		return true;
	}
	for (std::size_t k = b; k < e; k++) {
		const bool even = (k - b) % 2 == 0;
		if (even && !(toks[k].is_name() && !is_reserved(toks[k])) &&
		    !(toks[k].is_op("*") && k == e - 1 && k > b)) {
			return false;
		}
		if (!even && !toks[k].is_op(".")) {
			return false;
		}
		if (toks[k].is_op("*")) {
			star = true;
		}
	}
	return (e - b) % 2 == 1;
}

ColumnHint
hint_for_call(const std::vector<Token> &toks, std::size_t b, std::size_t e,
              const TranslateContext &ctx)
{
	ColumnHint h;
	h.anonymous = true;
	const std::string name = to_upper_ascii(toks[b].text);
	const auto args = split_commas(toks, b + 2, e - 1);
	const auto probe = [&](std::size_t k) {
		if (k < args.size()) {
			h.kind = ColumnHint::Kind::probe;
			h.probe_expr =
			    render(rewrite_expressions(slice(toks, args[k].first, args[k].second), ctx));
		}
	};
	const auto typed = [&](SqlType t) {
		h.kind = ColumnHint::Kind::type;
		h.type = t;
	};
	if (name == "COUNT") {
		typed(make_type(TypeId::int4));
	} else if (name == "COUNT_BIG") {
		typed(make_type(TypeId::bigint));
	} else if (name == "MIN" || name == "MAX" || name == "ISNULL" || name == "COALESCE" ||
	           name == "UPPER" || name == "LOWER" || name == "LTRIM" || name == "RTRIM" ||
	           name == "TRIM" || name == "ABS") {
		probe(0);
	} else if (name == "DATEADD") {
		probe(2);
	} else if (name == "CAST" || name == "TRY_CAST") {
		for (std::size_t k = b + 2; k + 1 < e; k++) {
			if (toks[k].is_kw("AS")) {
				if (const auto t = parse_sql_type(type_text(toks, k + 1, e - 1), true)) {
					typed(*t);
				}
			}
		}
	} else if ((name == "CONVERT" || name == "TRY_CONVERT") && !args.empty()) {
		if (const auto t = parse_sql_type(type_text(toks, args[0].first, args[0].second), true)) {
			typed(*t);
		}
	} else if (name == "GETDATE" || name == "GETUTCDATE") {
		typed(make_type(TypeId::datetime, 0, 0, 3));
	} else if (name == "SYSDATETIME" || name == "SYSUTCDATETIME") {
		typed(make_type(TypeId::datetime2, 0, 0, 7));
	} else if (name == "SYSDATETIMEOFFSET") {
		typed(make_type(TypeId::datetimeoffset, 0, 0, 7));
	} else if (name == "NEWID") {
		typed(make_type(TypeId::uniqueidentifier, 16));
	} else if (name == "DATEFROMPARTS") {
		typed(make_type(TypeId::date));
	} else if (name == "LEN" || name == "DATALENGTH" || name == "CHARINDEX" || name == "DATEDIFF" ||
	           name == "DATEPART" || name == "YEAR" || name == "MONTH" || name == "DAY" ||
	           name == "OBJECT_ID" || name == "ISNUMERIC" || name == "UNICODE" || name == "ASCII" ||
	           name == "DB_ID") {
		typed(make_type(TypeId::int4));
	} else if (name == "DB_NAME" || name == "OBJECT_NAME" || name == "SCHEMA_NAME" ||
	           name == "SUSER_SNAME" || name == "USER_NAME" || name == "HOST_NAME" ||
	           name == "APP_NAME" || name == "SERVERPROPERTY") {
		typed(make_type(TypeId::nvarchar, 128));
	}
	return h;
}

ColumnHint
hint_for_global(const Token &t)
{
	ColumnHint h;
	h.anonymous = true;
	h.kind = ColumnHint::Kind::type;
	const std::string n = to_upper_ascii(t.text.substr(2));
	if (n == "SPID") {
		h.type = make_type(TypeId::smallint);
	} else if (n == "VERSION") {
		h.type = make_type(TypeId::nvarchar, 300);
	} else if (n == "SERVERNAME" || n == "SERVICENAME" || n == "LANGUAGE") {
		h.type = make_type(TypeId::nvarchar, 128);
	} else if (n == "DBTS") {
		h.type = make_type(TypeId::varbinary, 8);
	} else if (n == "IDENTITY") {
		h.type = make_type(TypeId::numeric, 0, 38, 0);
	} else if (n == "DATEFIRST") {
		h.type = make_type(TypeId::tinyint);
	} else {
		h.type = make_type(TypeId::int4);
	}
	return h;
}

/* Classify one select-list item; rebuilds it into `out` (alias forms normalised). */
void
analyze_item(const std::vector<Token> &toks, std::size_t a, std::size_t b,
             const TranslateContext &ctx, SelectInfo &info, std::vector<Token> &out)
{
	std::size_t ea = a;
	std::size_t eb = b;
	std::optional<Token> alias;
	if (b - a >= 3 && toks[a].kind == TokKind::variable && toks[a + 1].is_op("=")) {
		info.assign_vars.push_back(to_lower_ascii(toks[a].text));
		ea = a + 2;
	} else if (b - a >= 3 && toks[a + 1].is_op("=") &&
	           ((toks[a].is_name() && !is_reserved(toks[a])) || toks[a].kind == TokKind::string)) {
		alias = make_quoted(toks[a].text);
		ea = a + 2;
	} else if (b - a >= 3 && toks[b - 2].is_kw("AS")) {
		alias = make_quoted(toks[b - 1].text);
		eb = b - 2;
	} else if (b - a >= 2 &&
	           ((toks[b - 1].is_name() && !is_reserved(toks[b - 1])) ||
	            toks[b - 1].kind == TokKind::string) &&
	           operand_end(toks[b - 2]) && !toks[b - 2].is_op(".")) {
		alias = make_quoted(toks[b - 1].text);
		eb = b - 1;
	}
	ColumnHint h;
	bool star = false;
	if (plain_column(toks, ea, eb, star)) {
		h.anonymous = false;
		if (!star) {
			h.name = toks[eb - 1].text;
		}
		if (star) {
			info.has_star = true;
		}
	} else if (eb - ea >= 3 && toks[ea].kind == TokKind::word && toks[ea + 1].is_op("(") &&
	           find_close(toks, ea + 1) == eb - 1) {
		h = hint_for_call(toks, ea, eb, ctx);
	} else if (eb - ea == 1 && toks[ea].kind == TokKind::variable) {
		h.kind = ColumnHint::Kind::variable;
		h.probe_expr = to_lower_ascii(toks[ea].text);
		h.anonymous = true;
	} else if (eb - ea == 1 && toks[ea].kind == TokKind::sysvar) {
		h = hint_for_global(toks[ea]);
	} else if (eb - ea == 1 && toks[ea].is_kw("CURRENT_TIMESTAMP")) {
		h.kind = ColumnHint::Kind::type;
		h.type = make_type(TypeId::datetime, 0, 0, 3);
		h.anonymous = true;
	} else {
		h.anonymous = true;
	}
	if (alias) {
		h.anonymous = false;
		h.name = alias->text;
	}
	info.hints.push_back(h);
	out.insert(out.end(), toks.begin() + static_cast<std::ptrdiff_t>(ea),
	           toks.begin() + static_cast<std::ptrdiff_t>(eb));
	if (alias) {
		out.push_back(make_word("AS"));
		out.push_back(*alias);
	}
}

void
analyze_select(std::vector<Token> &toks, const TranslateContext &ctx, SelectInfo &info)
{
	if (toks.empty() || !(toks[0].is_kw("SELECT") || toks[0].is_kw("WITH"))) {
		return;
	}
	std::size_t s = npos;
	int depth = 0;
	for (std::size_t k = 0; k < toks.size(); k++) {
		if (toks[k].is_op("(")) {
			depth++;
		} else if (toks[k].is_op(")")) {
			depth--;
		} else if (depth == 0) {
			if (toks[k].is_kw("SELECT")) {
				s = k;
				break;
			}
			if (toks[k].is_kw("INSERT") || toks[k].is_kw("UPDATE") || toks[k].is_kw("DELETE")) {
				return;
			}
		}
	}
	if (s == npos) {
		return;
	}
	info.is_select = true;
	std::size_t i = s + 1;
	if (i < toks.size() && (toks[i].is_kw("ALL") || toks[i].is_kw("DISTINCT"))) {
		i++;
	}
	if (i < toks.size() && toks[i].is_kw("TOP")) {
		i++;
		if (i < toks.size() && toks[i].is_op("(")) {
			i = find_close(toks, i);
			if (i == npos) {
				throw syntax_error("(");
			}
		}
		i++;
		if (i < toks.size() && toks[i].is_kw("PERCENT")) {
			i++;
		}
		if (i + 1 < toks.size() && toks[i].is_kw("WITH") && toks[i + 1].is_kw("TIES")) {
			i += 2;
		}
	}
	const std::size_t list_begin = i;
	std::size_t list_end = toks.size();
	depth = 0;
	for (std::size_t k = list_begin; k < toks.size(); k++) {
		if (toks[k].is_op("(")) {
			depth++;
		} else if (toks[k].is_op(")")) {
			depth--;
		} else if (depth == 0 && toks[k].kind == TokKind::word &&
		           list_terminators.count(to_upper_ascii(toks[k].text))) {
			list_end = k;
			break;
		}
	}
	if (list_begin >= list_end) {
		throw syntax_error(list_end < toks.size() ? toks[list_end].text : "SELECT");
	}
	std::vector<Token> rebuilt;
	const auto items = split_commas(toks, list_begin, list_end);
	for (std::size_t k = 0; k < items.size(); k++) {
		if (k > 0) {
			rebuilt.push_back(make_op(","));
		}
		if (items[k].first == items[k].second) {
			throw syntax_error(",");
		}
		analyze_item(toks, items[k].first, items[k].second, ctx, info, rebuilt);
	}
	if (!info.assign_vars.empty() && info.assign_vars.size() != items.size()) {
		throw SqlError(141, 15,
		               "A SELECT statement that assigns a value to a variable must not "
		               "be combined with data-retrieval operations.",
		               true);
	}
	if (info.has_star) {
		info.hints.clear();
	}
	std::vector<Token> tail;
	if (list_end < toks.size() && toks[list_end].is_kw("FROM")) {
		tail = slice(toks, list_end, toks.size());
	}
	toks.erase(toks.begin() + static_cast<std::ptrdiff_t>(list_begin),
	           toks.begin() + static_cast<std::ptrdiff_t>(list_end));
	toks.insert(toks.begin() + static_cast<std::ptrdiff_t>(list_begin), rebuilt.begin(),
	            rebuilt.end());
	if (!tail.empty()) {
		std::vector<Token> t = rewrite_expressions(tail, ctx);
		rewrite_limits(t);
		info.from_tail = render(t);
	}
}

} // namespace

std::string
translate_statement(std::vector<Token> toks, const TranslateContext &ctx, SelectInfo *info)
{
	resolve_names(toks, ctx);
	if (info) {
		analyze_select(toks, ctx, *info);
	}
	std::vector<Token> out = rewrite_expressions(toks, ctx);
	rewrite_limits(out);
	return render(out);
}

} // namespace tributary::tds_server

/*
 * splitter.cpp — statement boundaries in a T-SQL batch (see splitter.hpp).
 *
 * Zone: test server (std only). The rules are the ones SQL Server's parser implies for
 * the statements this server supports; an odd batch splits at worst into a statement
 * that then fails with a syntax error, never into a silent misreading of a value.
 */
#include "test/tds_server/splitter.hpp"

#include <set>

namespace tributary::tds_server
{

namespace
{

const std::set<std::string> starters = {
    "SELECT",   "INSERT",  "UPDATE",     "DELETE",    "CREATE", "DROP",     "ALTER",
    "TRUNCATE", "SET",     "USE",        "BEGIN",     "COMMIT", "ROLLBACK", "SAVE",
    "KILL",     "DECLARE", "PRINT",      "RAISERROR", "THROW",  "WAITFOR",  "IF",
    "ELSE",     "EXEC",    "EXECUTE",    "WITH",      "MERGE",  "GRANT",    "REVOKE",
    "DENY",     "DBCC",    "CHECKPOINT", "RETURN",    "WHILE",  "END",      "SHUTDOWN",
};

struct State {
	std::string first;
	bool seen_main = false;   /* WITH: the statement after the CTEs has begun */
	bool seen_source = false; /* INSERT: SELECT / VALUES / EXEC seen */
	bool seen_set = false;    /* UPDATE: SET seen */
};

std::string
upper_word(const Token &t)
{
	return t.kind == TokKind::word ? to_upper_ascii(t.text) : std::string();
}

bool
starts_new(const Statement &cur, const State &s, const Token &t, const Token *next, int case_depth)
{
	if (cur.empty()) {
		return false;
	}
	const std::string kw = upper_word(t);
	if (!starters.count(kw)) {
		return false;
	}
	const Token &prev = cur.back();
	const std::string pk = upper_word(prev);
	const std::string ppk = cur.size() >= 2 ? upper_word(cur[cur.size() - 2]) : std::string();
	if (s.first == "GRANT" || s.first == "REVOKE" || s.first == "DENY") {
		return kw != "SELECT" && kw != "INSERT" && kw != "UPDATE" && kw != "DELETE" &&
		       kw != "EXEC" && kw != "EXECUTE" && kw != "ALTER";
	}
	if (pk == "ON" && (kw == "DELETE" || kw == "UPDATE")) {
		return false;
	}
	if (kw == "SET" && (pk == "DELETE" || pk == "UPDATE") && ppk == "ON") {
		return false;
	}
	if (kw == "SELECT") {
		if (pk == "UNION" || pk == "ALL" || pk == "EXCEPT" || pk == "INTERSECT" || pk == "AS" ||
		    pk == "FOR" || prev.is_op("(")) {
			return false;
		}
		if (s.first == "INSERT" && !s.seen_source) {
			return false;
		}
		if (s.first == "WITH" && !s.seen_main) {
			return false;
		}
		return true;
	}
	if (kw == "INSERT" || kw == "UPDATE" || kw == "DELETE" || kw == "MERGE") {
		if (s.first == "WITH" && !s.seen_main) {
			return false;
		}
		return pk != "FOR";
	}
	if (kw == "SET") {
		if ((s.first == "UPDATE" && !s.seen_set) || s.first == "ALTER" || s.first == "MERGE") {
			return false;
		}
		return true;
	}
	if (kw == "WITH") {
		if (next == nullptr || next->is_op("(")) {
			return false;
		}
		static const std::set<std::string> options = {
		    "TIES",          "CHECK",         "ROLLUP", "CUBE", "NOCHECK",  "ENCRYPTION",
		    "SCHEMABINDING", "VIEW_METADATA", "NOWAIT", "LOG",  "SETERROR", "MARK"};
		if (options.count(upper_word(*next))) {
			return false;
		}
		if (s.first == "INSERT" && !s.seen_source) {
			return false;
		}
		return !(s.first == "CREATE" || s.first == "ALTER");
	}
	if (kw == "ELSE" || kw == "END") {
		return case_depth == 0;
	}
	if (kw == "EXEC" || kw == "EXECUTE") {
		return !(s.first == "INSERT" && !s.seen_source);
	}
	if (kw == "IF") {
		return s.first != "DROP";
	}
	return true;
}

void
note(State &s, const Token &t, int depth)
{
	if (depth != 0) {
		return;
	}
	const std::string kw = upper_word(t);
	if (s.first.empty()) {
		s.first = kw;
		return;
	}
	if (s.first == "WITH" &&
	    (kw == "SELECT" || kw == "INSERT" || kw == "UPDATE" || kw == "DELETE")) {
		s.seen_main = true;
	}
	if (s.first == "INSERT" &&
	    (kw == "SELECT" || kw == "VALUES" || kw == "EXEC" || kw == "EXECUTE")) {
		s.seen_source = true;
	}
	if (s.first == "UPDATE" && kw == "SET") {
		s.seen_set = true;
	}
}

bool
is_block_begin_at(const std::vector<Token> &toks, std::size_t i)
{
	if (!toks[i].is_kw("BEGIN")) {
		return false;
	}
	if (i + 1 >= toks.size()) {
		return true;
	}
	const Token &n = toks[i + 1];
	return !(n.is_kw("TRAN") || n.is_kw("TRANSACTION") || n.is_kw("DISTRIBUTED") ||
	         n.is_kw("TRY") || n.is_kw("CATCH"));
}

} // namespace

std::vector<Statement>
split_statements(const std::vector<Token> &toks)
{
	std::vector<Statement> out;
	Statement cur;
	State state;
	int depth = 0;
	int case_depth = 0;
	const auto flush = [&]() {
		if (!cur.empty()) {
			out.push_back(std::move(cur));
			cur.clear();
		}
		state = State{};
	};
	for (std::size_t i = 0; i < toks.size(); i++) {
		const Token &t = toks[i];
		if (depth == 0 && t.is_op(";")) {
			flush();
			continue;
		}
		if (t.is_kw("CASE")) {
			case_depth++;
		}
		if (depth == 0 && case_depth == 0 &&
		    ((t.kind == TokKind::word && is_block_begin_at(toks, i)) || t.is_kw("END") ||
		     t.is_kw("ELSE"))) {
			flush();
			out.push_back(Statement{t});
			continue;
		}
		const Token *next = i + 1 < toks.size() ? &toks[i + 1] : nullptr;
		if (depth == 0 && starts_new(cur, state, t, next, case_depth)) {
			flush();
		}
		if (t.is_kw("END") && case_depth > 0) {
			case_depth--;
		}
		note(state, t, depth);
		if (t.is_op("(")) {
			depth++;
		} else if (t.is_op(")")) {
			depth--;
		}
		cur.push_back(t);
	}
	flush();
	return out;
}

bool
is_block_begin(const Statement &st)
{
	return st.size() == 1 && st[0].is_kw("BEGIN");
}

bool
is_block_end(const Statement &st)
{
	return st.size() == 1 && st[0].is_kw("END");
}

bool
is_else(const Statement &st)
{
	return st.size() == 1 && st[0].is_kw("ELSE");
}

} // namespace tributary::tds_server

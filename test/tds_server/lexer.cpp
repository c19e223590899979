/*
 * lexer.cpp — tokenising T-SQL and rendering tokens as SQLite SQL.
 *
 * Zone: test server (std only). Identifiers may hold non-ASCII letters (bytes >= 0x80);
 * strings keep their UTF-8 bytes untouched.
 */
#include "test/tds_server/lexer.hpp"

#include <cctype>

#include "test/tds_server/wire.hpp"

namespace tributary::tds_server
{

namespace
{

bool
word_start(unsigned char c)
{
	return std::isalpha(c) || c == '_' || c == '#' || c >= 0x80;
}

bool
word_char(unsigned char c)
{
	return std::isalnum(c) || c == '_' || c == '#' || c == '$' || c == '@' || c >= 0x80;
}

std::string
preview(std::string_view s)
{
	const std::size_t n = utf8_prefix_for_bytes(s, 40);
	return std::string(s.substr(0, n));
}

} // namespace

SqlError
syntax_error(std::string_view near)
{
	return SqlError(102, 15, "Incorrect syntax near '" + std::string(near) + "'.", true);
}

bool
Token::is(TokKind k, std::string_view t) const
{
	return kind == k && iequals(text, t);
}

bool
Token::is_kw(std::string_view kw) const
{
	return kind == TokKind::word && iequals(text, kw);
}

Token
make_word(std::string text)
{
	Token t;
	t.kind = TokKind::word;
	t.text = std::move(text);
	return t;
}

Token
make_op(std::string text)
{
	Token t;
	t.kind = TokKind::op;
	t.text = std::move(text);
	return t;
}

Token
make_quoted(std::string name)
{
	Token t;
	t.kind = TokKind::quoted;
	t.text = std::move(name);
	return t;
}

Token
make_string(std::string value)
{
	Token t;
	t.kind = TokKind::string;
	t.text = std::move(value);
	return t;
}

Token
make_number(std::string text)
{
	Token t;
	t.kind = TokKind::number;
	t.text = std::move(text);
	return t;
}

std::vector<Token>
lex(std::string_view s)
{
	std::vector<Token> out;
	std::size_t i = 0;
	const std::size_t n = s.size();
	while (i < n) {
		const auto c = static_cast<unsigned char>(s[i]);
		if (std::isspace(c)) {
			i++;
			continue;
		}
		if (c == '-' && i + 1 < n && s[i + 1] == '-') {
			while (i < n && s[i] != '\n') {
				i++;
			}
			continue;
		}
		if (c == '/' && i + 1 < n && s[i + 1] == '*') {
			/* T-SQL block comments nest */
			int depth = 0;
			std::size_t j = i;
			while (j < n) {
				if (s[j] == '/' && j + 1 < n && s[j + 1] == '*') {
					depth++;
					j += 2;
				} else if (s[j] == '*' && j + 1 < n && s[j + 1] == '/') {
					depth--;
					j += 2;
					if (depth == 0) {
						break;
					}
				} else {
					j++;
				}
			}
			if (depth != 0) {
				throw SqlError(113, 15, "Missing end comment mark '*/'.", true);
			}
			i = j;
			continue;
		}
		Token t;
		t.pos = i;
		if ((c == 'N' || c == 'n') && i + 1 < n && s[i + 1] == '\'') {
			t.nprefix = true;
			i++;
		}
		const char q = s[i];
		if (q == '\'' || q == '[' || q == '"') {
			const char close = q == '[' ? ']' : q;
			std::string v;
			std::size_t j = i + 1;
			bool closed = false;
			while (j < n) {
				if (s[j] == close) {
					if (j + 1 < n && s[j + 1] == close) {
						v.push_back(close);
						j += 2;
						continue;
					}
					closed = true;
					break;
				}
				v.push_back(s[j]);
				j++;
			}
			if (!closed) {
				if (q == '\'') {
					throw SqlError(105, 15,
					               "Unclosed quotation mark after the character string '" +
					                   preview(v) + "'.",
					               true);
				}
				throw SqlError(1038, 15, "An object or column name is missing or empty.", true);
			}
			t.kind = q == '\'' ? TokKind::string : TokKind::quoted;
			t.text = std::move(v);
			i = j + 1;
			out.push_back(std::move(t));
			continue;
		}
		if (c == '0' && i + 1 < n && (s[i + 1] == 'x' || s[i + 1] == 'X')) {
			std::size_t j = i + 2;
			while (j < n && std::isxdigit(static_cast<unsigned char>(s[j]))) {
				j++;
			}
			t.kind = TokKind::binary;
			t.text = std::string(s.substr(i + 2, j - i - 2));
			if (t.text.size() % 2) {
				t.text.insert(t.text.begin(), '0');
			}
			i = j;
			out.push_back(std::move(t));
			continue;
		}
		if (std::isdigit(c) ||
		    (c == '.' && i + 1 < n && std::isdigit(static_cast<unsigned char>(s[i + 1])))) {
			std::size_t j = i;
			while (j < n && std::isdigit(static_cast<unsigned char>(s[j]))) {
				j++;
			}
			if (j < n && s[j] == '.') {
				j++;
				while (j < n && std::isdigit(static_cast<unsigned char>(s[j]))) {
					j++;
				}
			}
			if (j < n && (s[j] == 'e' || s[j] == 'E')) {
				std::size_t k = j + 1;
				if (k < n && (s[k] == '+' || s[k] == '-')) {
					k++;
				}
				if (k < n && std::isdigit(static_cast<unsigned char>(s[k]))) {
					while (k < n && std::isdigit(static_cast<unsigned char>(s[k]))) {
						k++;
					}
					j = k;
				}
			}
			t.kind = TokKind::number;
			t.text = std::string(s.substr(i, j - i));
			i = j;
			out.push_back(std::move(t));
			continue;
		}
		if (c == '@') {
			std::size_t j = i + 1;
			const bool sys = j < n && s[j] == '@';
			if (sys) {
				j++;
			}
			while (j < n && word_char(static_cast<unsigned char>(s[j]))) {
				j++;
			}
			t.kind = sys ? TokKind::sysvar : TokKind::variable;
			t.text = std::string(s.substr(i, j - i));
			i = j;
			out.push_back(std::move(t));
			continue;
		}
		if (word_start(c)) {
			std::size_t j = i + 1;
			while (j < n && word_char(static_cast<unsigned char>(s[j]))) {
				j++;
			}
			t.kind = TokKind::word;
			t.text = std::string(s.substr(i, j - i));
			i = j;
			out.push_back(std::move(t));
			continue;
		}
		static const char *const two[] = {"<=", ">=", "<>", "!=", "!<", "!>", "||", "::"};
		t.kind = TokKind::op;
		t.text = std::string(1, static_cast<char>(c));
		for (const char *op : two) {
			if (i + 1 < n && s[i] == op[0] && s[i + 1] == op[1]) {
				t.text = op;
				break;
			}
		}
		i += t.text.size();
		out.push_back(std::move(t));
	}
	return out;
}

std::string
render(const std::vector<Token> &toks, std::size_t begin, std::size_t end)
{
	if (end > toks.size()) {
		end = toks.size();
	}
	std::string out;
	for (std::size_t k = begin; k < end; k++) {
		const Token &t = toks[k];
		const bool call = t.is_op("(") && k > begin && toks[k - 1].kind == TokKind::word;
		const bool glue = t.is_op(".") || t.is_op(",") || t.is_op(")") || call ||
		                  (k > begin && (toks[k - 1].is_op(".") || toks[k - 1].is_op("(")));
		if (k > begin && !glue) {
			out.push_back(' ');
		}
		switch (t.kind) {
		case TokKind::quoted:
			out.push_back('"');
			for (const char c : t.text) {
				out.push_back(c);
				if (c == '"') {
					out.push_back('"');
				}
			}
			out.push_back('"');
			break;
		case TokKind::string:
			out.push_back('\'');
			for (const char c : t.text) {
				out.push_back(c);
				if (c == '\'') {
					out.push_back('\'');
				}
			}
			out.push_back('\'');
			break;
		case TokKind::binary:
			out += "X'" + t.text + "'";
			break;
		case TokKind::variable:
			out += to_lower_ascii(t.text);
			break;
		default:
			out += t.text;
			break;
		}
	}
	return out;
}

int
line_of(std::string_view sql, std::size_t pos)
{
	int line = 1;
	for (std::size_t k = 0; k < pos && k < sql.size(); k++) {
		if (sql[k] == '\n') {
			line++;
		}
	}
	return line;
}

} // namespace tributary::tds_server

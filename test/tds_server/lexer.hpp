/*
 * lexer.hpp — T-SQL tokens for the translator: words, [bracketed]/"quoted" identifiers,
 * 'strings' and N'strings', numbers, 0x binary literals, @variables, @@globals, operators.
 * Comments and whitespace are dropped; render() writes tokens back as SQLite SQL.
 *
 * Zone: test server (std only). lex() throws SqlError 105 for an unclosed quote and 113
 * for an unclosed comment, with SQL Server's message text.
 */
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "test/tds_server/tokens.hpp"

namespace tributary::tds_server
{

/* A SQL Server error raised while translating or executing a statement. */
class SqlError : public std::runtime_error
{
  public:
	SqlError(int number, std::uint8_t cls, const std::string &text, bool abort_batch = false)
	    : std::runtime_error(text), m_abort_batch(abort_batch)
	{
		m_msg.number = number;
		m_msg.cls = cls;
		m_msg.text = text;
	}
	explicit SqlError(ServerMessage msg, bool abort_batch = false)
	    : std::runtime_error(msg.text), m_msg(std::move(msg)), m_abort_batch(abort_batch)
	{
	}
	const ServerMessage &
	message() const
	{
		return m_msg;
	}
	/* Compile-time errors (syntax, missing object) end the whole batch, as in SQL Server. */
	bool
	abort_batch() const
	{
		return m_abort_batch;
	}

  private:
	ServerMessage m_msg;
	bool m_abort_batch;
};

/* "Incorrect syntax near 'x'." (102, class 15), aborting the batch. */
SqlError syntax_error(std::string_view near);

enum class TokKind : std::uint8_t { word, quoted, string, number, binary, variable, sysvar, op };

struct Token {
	TokKind kind = TokKind::word;
	std::string text; /* word as written; identifier/string unquoted; variable incl. '@' */
	bool nprefix = false;
	std::size_t pos = 0; /* byte offset in the batch (for line numbers) */

	bool is(TokKind k, std::string_view t) const;
	bool is_kw(std::string_view kw) const; /* word, case-insensitive */
	bool
	is_op(std::string_view op) const
	{
		return kind == TokKind::op && text == op;
	}
	bool
	is_name() const
	{
		return kind == TokKind::word || kind == TokKind::quoted;
	}
};

std::vector<Token> lex(std::string_view sql);

/* SQLite SQL for a token range. */
std::string render(const std::vector<Token> &toks, std::size_t begin = 0,
                   std::size_t end = static_cast<std::size_t>(-1));

Token make_word(std::string text);
Token make_op(std::string text);
Token make_quoted(std::string name);
Token make_string(std::string value);
Token make_number(std::string text);

/* 1-based line of a byte offset in the batch text. */
int line_of(std::string_view sql, std::size_t pos);

} // namespace tributary::tds_server

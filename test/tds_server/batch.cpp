/*
 * batch.cpp — SQL batch requests: ALL_HEADERS, statement splitting, IF/ELSE and
 * BEGIN...END control flow, dispatch by leading keyword, and SQL Server's error
 * behaviour (a compile error ends the batch; a run-time error ends only its statement;
 * the connection always survives).
 *
 * Zone: test server.
 */
#include "test/tds_server/session.hpp"

#include "test/tds_server/sqlite_util.hpp"

namespace tributary::tds_server
{

namespace
{

std::string
preview(const std::string &sql)
{
	std::string s = sql.substr(0, utf8_prefix_for_bytes(sql, 300));
	for (char &c : s) {
		if (c == '\n' || c == '\r' || c == '\t') {
			c = ' ';
		}
	}
	return sql.size() > s.size() ? s + "..." : s;
}

} // namespace

void
Session::on_batch(const Message &m)
{
	ByteReader r(m.payload.data(), m.payload.size());
	if (m_wire.tds_version >= 0x72000000 && r.remaining() >= 4) {
		const std::uint32_t total = r.u32();
		if (total < 4 || total > m.payload.size()) {
			throw ProtocolError("bad ALL_HEADERS length");
		}
		r.seek(total);
	}
	const std::string sql =
	    utf16le_to_utf8(r.take(r.remaining() & ~std::size_t(1)), r.remaining() & ~std::size_t(1));
	log("batch: " + preview(sql));
	m_ch.begin();
	m_pending.set = false;
	Scope scope;
	try {
		run_batch_text(sql, scope);
	} catch (const Cancelled &) {
		ack_attention();
		return;
	}
	finish_response();
}

void
Session::run_batch_text(const std::string &sql, Scope &scope)
{
	std::vector<Statement> stmts;
	const std::string *outer = m_batch_sql;
	m_batch_sql = &sql;
	struct Restore {
		const std::string *&ref;
		const std::string *value;
		~Restore() { ref = value; }
	} restore{m_batch_sql, outer};
	try {
		stmts = split_statements(lex(sql));
	} catch (const SqlError &e) {
		send_message(e.message());
		out_done(done_status::error, 0, 0);
		return;
	}
	std::size_t i = 0;
	while (i < stmts.size()) {
		if (!run_one(stmts, i, scope)) {
			break;
		}
	}
}

void
Session::skip_one(const std::vector<Statement> &stmts, std::size_t &i)
{
	if (i >= stmts.size()) {
		return;
	}
	if (is_block_begin(stmts[i])) {
		int depth = 0;
		for (; i < stmts.size(); i++) {
			if (is_block_begin(stmts[i])) {
				depth++;
			} else if (is_block_end(stmts[i]) && --depth == 0) {
				i++;
				return;
			}
		}
		return;
	}
	if (!stmts[i].empty() && stmts[i][0].is_kw("IF")) {
		i++;
		skip_one(stmts, i);
		if (i < stmts.size() && is_else(stmts[i])) {
			i++;
			skip_one(stmts, i);
		}
		return;
	}
	i++;
}

bool
Session::run_one(std::vector<Statement> &stmts, std::size_t &i, Scope &scope)
{
	Statement &st = stmts[i];
	if (is_block_begin(st)) {
		i++;
		while (i < stmts.size() && !is_block_end(stmts[i])) {
			if (!run_one(stmts, i, scope)) {
				return false;
			}
		}
		if (i >= stmts.size()) {
			send_message(syntax_error("BEGIN").message());
			out_done(done_status::error, 0, 0);
			return false;
		}
		i++;
		return true;
	}
	if (is_block_end(st) || is_else(st)) {
		ServerMessage msg =
		    SqlError(156, 15,
		             "Incorrect syntax near the keyword '" + to_upper_ascii(st[0].text) + "'.")
		        .message();
		send_message(msg);
		out_done(done_status::error, 0, 0);
		return false;
	}
	if (st[0].is_kw("IF")) {
		bool cond = false;
		try {
			cond = evaluate_condition(std::vector<Token>(st.begin() + 1, st.end()), scope);
		} catch (const SqlError &e) {
			send_message(e.message());
			out_done(done_status::error, 0, 0);
			return false;
		} catch (const SqliteError &e) {
			send_message(SqlError(50000, 16, std::string("SQLite: ") + e.what()).message());
			out_done(done_status::error, 0, 0);
			return false;
		}
		i++;
		if (i >= stmts.size()) {
			send_message(syntax_error(st.back().text).message());
			out_done(done_status::error, 0, 0);
			return false;
		}
		if (cond) {
			if (!run_one(stmts, i, scope)) {
				return false;
			}
			if (i < stmts.size() && is_else(stmts[i])) {
				i++;
				skip_one(stmts, i);
			}
			return true;
		}
		skip_one(stmts, i);
		if (i < stmts.size() && is_else(stmts[i])) {
			i++;
			if (i < stmts.size()) {
				return run_one(stmts, i, scope);
			}
		}
		return true;
	}
	i++;
	return execute_statement(st, scope);
}

bool
Session::execute_statement(Statement &st, Scope &scope)
{
	check_cancel();
	try {
		dispatch(st, scope);
		m_last_error = 0;
		return true;
	} catch (const SqlError &e) {
		ServerMessage msg = e.message();
		if (!st.empty() && m_batch_sql) {
			msg.line = line_of(*m_batch_sql, st[0].pos);
		}
		send_message(msg);
		m_last_error = msg.number;
		after_error_tran_check();
		out_done(done_status::error, 0, 0);
		return !e.abort_batch();
	} catch (const EncodeError &e) {
		send_message(e.message());
		m_last_error = e.message().number;
		after_error_tran_check();
		out_done(done_status::error, 0, 0);
		return true;
	} catch (const SqliteError &e) {
		send_message(SqlError(50000, 16, std::string("SQLite: ") + e.what()).message());
		m_last_error = 50000;
		after_error_tran_check();
		out_done(done_status::error, 0, 0);
		return true;
	} catch (const std::logic_error &e) {
		/* std::stoll and friends on odd input: report, never drop the connection */
		send_message(
		    SqlError(50000, 16,
		             std::string("The TDS test server could not run this statement: ") + e.what())
		        .message());
		m_last_error = 50000;
		out_done(done_status::error, 0, 0);
		return false;
	}
}

void
Session::dispatch(Statement &st, Scope &scope)
{
	const Token &first = st[0];
	const std::string kw = first.kind == TokKind::word ? to_upper_ascii(first.text) : std::string();
	if (kw == "SELECT" || kw == "INSERT" || kw == "UPDATE" || kw == "DELETE" || kw == "WITH" ||
	    first.is_op("(")) {
		run_sql(st, scope);
	} else if (kw == "CREATE" || kw == "DROP" || kw == "ALTER" || kw == "TRUNCATE") {
		run_ddl(st);
	} else if (kw == "SET") {
		run_set(st, scope);
	} else if (kw == "USE") {
		run_use(st);
	} else if (kw == "BEGIN") {
		run_begin_tran();
	} else if (kw == "COMMIT") {
		run_commit(st);
	} else if (kw == "ROLLBACK") {
		run_rollback(st);
	} else if (kw == "SAVE") {
		run_save(st);
	} else if (kw == "DECLARE") {
		run_declare(st, scope);
	} else if (kw == "PRINT") {
		run_print(st, scope);
	} else if (kw == "RAISERROR" || kw == "THROW") {
		run_raiserror(st, scope, kw == "THROW");
	} else if (kw == "WAITFOR") {
		run_waitfor(st);
	} else if (kw == "KILL") {
		run_kill(st);
	} else if (kw == "EXEC" || kw == "EXECUTE") {
		const std::string name = st.size() > 1 ? st[1].text : std::string();
		throw SqlError(2812, 16, "Could not find stored procedure '" + name + "'.", false);
	} else if (kw == "CHECKPOINT" || kw == "RETURN" || kw == "GRANT" || kw == "REVOKE" ||
	           kw == "DENY" || kw == "DBCC") {
		out_done(done_status::final, 0, 0);
	} else {
		throw syntax_error(first.text);
	}
}

} // namespace tributary::tds_server

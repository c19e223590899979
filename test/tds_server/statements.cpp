/*
 * statements.cpp — statements the server answers itself rather than through SQLite
 * queries: SET options (remembered or accepted), USE, BEGIN/COMMIT/ROLLBACK/SAVE TRAN
 * (mapped to SQLite transactions and savepoints, with SQL Server's ENVCHANGE tokens),
 * DECLARE and SET @variable, PRINT, RAISERROR/THROW, WAITFOR DELAY and KILL.
 *
 * Zone: test server. KILL goes through the server's registry (server.cpp).
 */
#include <chrono>
#include <thread>

#include "test/tds_server/session.hpp"
#include "test/tds_server/sqlite_util.hpp"
#include "test/tds_server/temporal.hpp"

namespace tributary::tds_server
{

namespace
{

std::string
word(const Statement &st, std::size_t i)
{
	return i < st.size() ? to_upper_ascii(st[i].text) : std::string();
}

bool
on_off(const Statement &st, std::size_t i)
{
	const std::string v = word(st, i);
	if (v == "ON") {
		return true;
	}
	if (v == "OFF") {
		return false;
	}
	throw syntax_error(i < st.size() ? st[i].text : "SET");
}

std::int64_t
int_arg(const Statement &st, std::size_t i)
{
	if (i >= st.size()) {
		throw syntax_error(st.back().text);
	}
	std::size_t k = i;
	bool neg = false;
	if (st[k].is_op("-")) {
		neg = true;
		k++;
	}
	if (k >= st.size() || st[k].kind != TokKind::number) {
		throw syntax_error(st[i].text);
	}
	const std::int64_t v = std::stoll(st[k].text);
	return neg ? -v : v;
}

} // namespace

void
Session::run_set(Statement &st, Scope &scope)
{
	if (st.size() >= 2 && st[1].kind == TokKind::variable) {
		const std::string name = to_lower_ascii(st[1].text);
		auto it = scope.find(name);
		if (it == scope.end()) {
			throw SqlError(137, 15, "Must declare the scalar variable \"" + st[1].text + "\".",
			               true);
		}
		if (st.size() < 4 || !st[2].is_op("=")) {
			throw syntax_error(st.size() > 2 ? st[2].text : st[1].text);
		}
		std::string expr =
		    translate_expression(std::vector<Token>(st.begin() + 3, st.end()), translate_context());
		if (it->second.typed) {
			expr = "tds_cast((" + expr + "), " + quote_literal(format_type(it->second.type)) + ")";
		}
		it->second.value = eval_scalar(expr, scope);
		out_done(done_status::final, curcmd::set, 0);
		return;
	}
	const std::string opt = word(st, 1);
	if (opt == "TEXTSIZE") {
		const std::int64_t v = int_arg(st, 2);
		m_textsize = v <= 0 ? (v == 0 ? 4096u : 2147483647u)
		                    : static_cast<std::uint32_t>(v > 2147483647 ? 2147483647 : v);
	} else if (opt == "NOCOUNT") {
		m_nocount = on_off(st, 2);
	} else if (opt == "FMTONLY") {
		m_fmtonly = on_off(st, 2);
	} else if (opt == "SHOWPLAN_ALL") {
		m_showplan = on_off(st, 2);
	} else if (opt == "ROWCOUNT") {
		m_rowcount_limit = int_arg(st, 2);
	} else if (opt == "TRANSACTION") {
		std::string level;
		for (std::size_t k = 4; k < st.size(); k++) {
			level += (level.empty() ? "" : " ") + word(st, k);
		}
		if (word(st, 2) != "ISOLATION" || word(st, 3) != "LEVEL") {
			throw syntax_error(st.size() > 2 ? st[2].text : "TRANSACTION");
		}
		if (level == "READ UNCOMMITTED") {
			m_isolation = Isolation::read_uncommitted;
		} else if (level == "READ COMMITTED") {
			m_isolation = Isolation::read_committed;
		} else if (level == "REPEATABLE READ") {
			m_isolation = Isolation::repeatable_read;
		} else if (level == "SNAPSHOT") {
			m_isolation = Isolation::snapshot;
		} else if (level == "SERIALIZABLE") {
			m_isolation = Isolation::serializable;
		} else {
			throw syntax_error(st.size() > 4 ? st[4].text : "LEVEL");
		}
	} else if (opt == "DATEFORMAT" || opt == "LANGUAGE" || opt == "DATEFIRST" ||
	           opt == "LOCK_TIMEOUT" || opt == "DEADLOCK_PRIORITY" || opt == "CONTEXT_INFO" ||
	           opt == "IDENTITY_INSERT" || opt == "QUERY_GOVERNOR_COST_LIMIT") {
		/* accepted; the test server keeps ISO/mdy parsing and us_english */
	} else {
		static const char *const flags[] = {"ANSI_NULLS",
		                                    "ANSI_PADDING",
		                                    "ANSI_WARNINGS",
		                                    "ANSI_NULL_DFLT_ON",
		                                    "ANSI_NULL_DFLT_OFF",
		                                    "ANSI_DEFAULTS",
		                                    "ARITHABORT",
		                                    "ARITHIGNORE",
		                                    "CONCAT_NULL_YIELDS_NULL",
		                                    "QUOTED_IDENTIFIER",
		                                    "NUMERIC_ROUNDABORT",
		                                    "CURSOR_CLOSE_ON_COMMIT",
		                                    "IMPLICIT_TRANSACTIONS",
		                                    "XACT_ABORT",
		                                    "NOEXEC",
		                                    "PARSEONLY",
		                                    "STATISTICS",
		                                    "NO_BROWSETABLE",
		                                    "FORCEPLAN",
		                                    "REMOTE_PROC_TRANSACTIONS",
		                                    "SHOWPLAN_TEXT",
		                                    "SHOWPLAN_XML",
		                                    "FIPS_FLAGGER",
		                                    "OFFSETS"};
		bool known = false;
		for (std::size_t k = 1; k < st.size() && !st[k].is_kw("ON") && !st[k].is_kw("OFF"); k++) {
			if (st[k].is_op(",")) {
				continue;
			}
			known = false;
			for (const char *f : flags) {
				if (st[k].is_kw(f)) {
					known = true;
				}
			}
			if (st[k].is_kw("STATISTICS") && k + 1 < st.size()) {
				k++; /* SET STATISTICS IO|TIME|XML|PROFILE ON */
			}
			if (!known) {
				throw SqlError(195, 15, "'" + st[k].text + "' is not a recognized SET option.",
				               true);
			}
		}
		if (!known) {
			throw syntax_error("SET");
		}
	}
	out_done(done_status::final, curcmd::set, 0);
}

void
Session::run_use(Statement &st)
{
	if (st.size() != 2 || !st[1].is_name()) {
		throw syntax_error(st.size() > 1 ? st[1].text : "USE");
	}
	const std::string db = st[1].text;
	const Config &cfg = m_server.config();
	if (!iequals(db, cfg.database) && !iequals(db, "master") && !iequals(db, "tempdb")) {
		throw SqlError(911, 16,
		               "Database '" + db +
		                   "' does not exist. Make sure that the name is "
		                   "entered correctly.",
		               false);
	}
	const std::string old = m_database;
	m_database = iequals(db, cfg.database) ? cfg.database : to_lower_ascii(db);
	before_output();
	write_envchange(m_ch, envchange_type::database, m_database, old);
	send_info(5701, "Changed database context to '" + m_database + "'.");
	out_done(done_status::final, curcmd::use, 0);
}

void
Session::tran_envchange(std::uint8_t type, bool begin)
{
	before_output();
	if (begin) {
		m_tran_seq++;
		const std::uint64_t id = (static_cast<std::uint64_t>(m_spid) << 40) | m_tran_seq;
		for (int k = 0; k < 8; k++) {
			m_tran_descriptor[k] = static_cast<std::uint8_t>(id >> (8 * k));
		}
		write_envchange_bytes(m_ch, type, m_tran_descriptor, 8, nullptr, 0);
	} else {
		write_envchange_bytes(m_ch, type, nullptr, 0, m_tran_descriptor, 8);
	}
}

void
Session::run_begin_tran()
{
	if (m_trancount == 0) {
		try {
			exec(m_db, "BEGIN");
		} catch (const SqliteError &e) {
			throw SqlError(3902, 16, std::string("BEGIN TRANSACTION failed: ") + e.what());
		}
		tran_envchange(envchange_type::begin_tran, true);
	}
	m_trancount++;
	out_done(done_status::final, curcmd::begin_tran, 0);
}

void
Session::run_commit(Statement &)
{
	if (m_trancount == 0) {
		throw SqlError(3902, 16,
		               "The COMMIT TRANSACTION request has no corresponding BEGIN "
		               "TRANSACTION.");
	}
	if (m_trancount == 1) {
		const int rc = sqlite3_exec(m_db, "COMMIT", nullptr, nullptr, nullptr);
		if (rc != SQLITE_OK) {
			if (!sqlite3_get_autocommit(m_db)) {
				sqlite3_exec(m_db, "ROLLBACK", nullptr, nullptr, nullptr);
			}
			m_trancount = 0;
			tran_envchange(envchange_type::rollback_tran, false);
			raise_sqlite(rc, curcmd::commit_tran, false);
		}
		if (m_ddl_in_tran) {
			bump_schema_version();
			m_ddl_in_tran = false;
		}
		tran_envchange(envchange_type::commit_tran, false);
	}
	m_trancount--;
	out_done(done_status::final, curcmd::commit_tran, 0);
}

void
Session::run_rollback(Statement &st)
{
	if (st.size() >= 3 && (st[1].is_kw("TRAN") || st[1].is_kw("TRANSACTION")) && st[2].is_name()) {
		/* ROLLBACK TRAN savepoint */
		if (m_trancount == 0) {
			throw SqlError(3903, 16,
			               "The ROLLBACK TRANSACTION request has no corresponding "
			               "BEGIN TRANSACTION.");
		}
		const int rc = sqlite3_exec(m_db, ("ROLLBACK TO " + quote_ident(st[2].text)).c_str(),
		                            nullptr, nullptr, nullptr);
		if (rc != SQLITE_OK) {
			throw SqlError(6401, 16,
			               "Cannot roll back " + st[2].text +
			                   ". No transaction or savepoint of that name was found.");
		}
		out_done(done_status::final, curcmd::rollback_tran, 0);
		return;
	}
	if (m_trancount == 0) {
		throw SqlError(3903, 16,
		               "The ROLLBACK TRANSACTION request has no corresponding BEGIN "
		               "TRANSACTION.");
	}
	sqlite3_exec(m_db, "ROLLBACK", nullptr, nullptr, nullptr);
	m_trancount = 0;
	if (m_ddl_in_tran) {
		bump_schema_version();
		m_ddl_in_tran = false;
	}
	tran_envchange(envchange_type::rollback_tran, false);
	out_done(done_status::final, curcmd::rollback_tran, 0);
}

void
Session::run_save(Statement &st)
{
	if (st.size() < 3 || !st[2].is_name()) {
		throw syntax_error(st.back().text);
	}
	if (m_trancount == 0) {
		throw SqlError(628, 16,
		               "Cannot issue SAVE TRANSACTION when there is no active transaction.");
	}
	exec(m_db, "SAVEPOINT " + quote_ident(st[2].text));
	out_done(done_status::final, 0, 0);
}

void
Session::after_error_tran_check()
{
	if (m_trancount > 0 && m_db && sqlite3_get_autocommit(m_db)) {
		/* SQLite rolled the whole transaction back (e.g. after SQLITE_BUSY on commit) */
		m_trancount = 0;
		tran_envchange(envchange_type::rollback_tran, false);
	}
}

void
Session::run_declare(Statement &st, Scope &scope)
{
	const auto items = split_commas(st, 1, st.size());
	int ordinal = 0;
	for (const auto &[b, e] : items) {
		ordinal++;
		if (e - b < 2 || st[b].kind != TokKind::variable) {
			throw syntax_error(b < st.size() ? st[b].text : "DECLARE");
		}
		std::size_t t = b + 1;
		if (st[t].is_kw("AS")) {
			t++;
		}
		std::size_t eq = t;
		while (eq < e && !st[eq].is_op("=")) {
			eq++;
		}
		const std::string spelling = type_text(st, t, eq);
		if (to_upper_ascii(spelling) == "TABLE" || (t < e && st[t].is_kw("TABLE")) ||
		    (t < e && st[t].is_kw("CURSOR"))) {
			throw SqlError(40000, 16,
			               "Table variables and cursors are not supported by the TDS "
			               "test server.");
		}
		const auto type = parse_sql_type(spelling);
		if (!type) {
			throw SqlError(2715, 16,
			               "Column, parameter, or variable #" + std::to_string(ordinal) +
			                   ": Cannot find data type " + spelling + ".",
			               true);
		}
		Variable v;
		v.name = st[b].text;
		v.type = *type;
		v.typed = true;
		if (eq < e) {
			const std::string expr = translate_expression(
			    std::vector<Token>(st.begin() + static_cast<std::ptrdiff_t>(eq + 1),
			                       st.begin() + static_cast<std::ptrdiff_t>(e)),
			    translate_context());
			v.value = eval_scalar(
			    "tds_cast((" + expr + "), " + quote_literal(format_type(*type)) + ")", scope);
		}
		const std::string key = to_lower_ascii(v.name);
		if (scope.count(key)) {
			throw SqlError(134, 15,
			               "The variable name '" + v.name +
			                   "' has already been declared. Variable names must be "
			                   "unique within a query batch or stored procedure.",
			               true);
		}
		scope[key] = std::move(v);
	}
}

bool
Session::evaluate_condition(const std::vector<Token> &cond, Scope &scope)
{
	if (cond.empty()) {
		throw syntax_error("IF");
	}
	const std::string expr = translate_expression(cond, translate_context());
	const Value v = eval_scalar("CASE WHEN (" + expr + ") THEN 1 ELSE 0 END", scope);
	return v.kind == Value::Kind::integer && v.i != 0;
}

void
Session::run_print(Statement &st, Scope &scope)
{
	const std::string expr =
	    translate_expression(std::vector<Token>(st.begin() + 1, st.end()), translate_context());
	const Value v = eval_scalar(expr, scope);
	send_info(0, v.kind == Value::Kind::null      ? std::string()
	             : v.kind == Value::Kind::integer ? std::to_string(v.i)
	             : v.kind == Value::Kind::real    ? std::to_string(v.d)
	                                              : v.s);
	out_done(done_status::final, 0, 0);
}

void
Session::run_raiserror(Statement &st, Scope &scope, bool is_throw)
{
	std::size_t b = 1;
	std::size_t e = st.size();
	if (!is_throw) {
		if (b >= e || !st[b].is_op("(")) {
			throw syntax_error(st[0].text);
		}
		e = find_close(st, b);
		if (e == static_cast<std::size_t>(-1)) {
			throw syntax_error("(");
		}
		b++;
	}
	const auto args = split_commas(st, b, e);
	std::vector<Value> vals;
	for (const auto &[x, y] : args) {
		const std::string expr =
		    translate_expression(std::vector<Token>(st.begin() + static_cast<std::ptrdiff_t>(x),
		                                            st.begin() + static_cast<std::ptrdiff_t>(y)),
		                         translate_context());
		vals.push_back(eval_scalar(expr, scope));
	}
	ServerMessage msg;
	if (is_throw) {
		if (vals.size() != 3) {
			throw syntax_error("THROW");
		}
		msg.number = static_cast<std::int32_t>(vals[0].i);
		msg.text = vals[1].s;
		msg.state = static_cast<std::uint8_t>(vals[2].i);
		msg.cls = 16;
		throw SqlError(msg, true);
	}
	if (vals.size() < 3) {
		throw syntax_error("RAISERROR");
	}
	std::string fmt =
	    vals[0].kind == Value::Kind::integer ? "Error " + std::to_string(vals[0].i) : vals[0].s;
	std::string text;
	std::size_t arg = 3;
	for (std::size_t k = 0; k < fmt.size(); k++) {
		if (fmt[k] == '%' && k + 1 < fmt.size()) {
			std::size_t j = k + 1;
			while (j < fmt.size() &&
			       std::string("-+ #0123456789.").find(fmt[j]) != std::string::npos) {
				j++;
			}
			if (j < fmt.size() && std::string("sdiuxXo").find(fmt[j]) != std::string::npos) {
				if (arg < vals.size()) {
					const Value &a = vals[arg++];
					text += a.kind == Value::Kind::integer ? std::to_string(a.i)
					        : a.kind == Value::Kind::null  ? "(null)"
					                                       : a.s;
				}
				k = j;
				continue;
			}
			if (fmt[j] == '%') {
				text.push_back('%');
				k = j;
				continue;
			}
		}
		text.push_back(fmt[k]);
	}
	msg.number =
	    vals[0].kind == Value::Kind::integer ? static_cast<std::int32_t>(vals[0].i) : 50000;
	msg.cls = static_cast<std::uint8_t>(vals[1].i < 0 ? 0 : vals[1].i > 25 ? 25 : vals[1].i);
	msg.state = static_cast<std::uint8_t>(vals[2].i);
	msg.text = text;
	if (msg.cls <= 10) {
		send_message(msg);
		out_done(done_status::final, 0, 0);
		return;
	}
	throw SqlError(msg, false);
}

void
Session::run_waitfor(Statement &st)
{
	if (st.size() != 3 || !st[1].is_kw("DELAY") || st[2].kind != TokKind::string) {
		throw SqlError(40000, 16,
		               "Only WAITFOR DELAY 'hh:mm:ss[.mmm]' is supported by the TDS test "
		               "server.");
	}
	Temporal t;
	if (!parse_temporal(st[2].text, t) || !t.has_time || t.has_date) {
		throw SqlError(148, 15,
		               "Incorrect time syntax in time string '" + st[2].text +
		                   "' used with WAITFOR.");
	}
	const auto end = std::chrono::steady_clock::now() + std::chrono::microseconds(t.ticks / 10);
	while (std::chrono::steady_clock::now() < end) {
		m_ch.poll_attention();
		check_cancel();
		std::this_thread::sleep_for(std::chrono::milliseconds(5));
	}
	out_done(done_status::final, 0, 0);
}

void
Session::run_kill(Statement &st)
{
	if (st.size() != 2 || st[1].kind != TokKind::number) {
		throw syntax_error(st.size() > 1 ? st[1].text : "KILL");
	}
	const long target = std::stol(st[1].text);
	if (target <= 0 || target > 65535) {
		throw SqlError(6106, 16, "Process ID " + st[1].text + " is not an active process ID.");
	}
	switch (m_server.kill(static_cast<std::uint16_t>(target), m_spid)) {
	case Server::KillResult::self:
		throw SqlError(6104, 16, "Cannot use KILL to kill your own process.");
	case Server::KillResult::not_found:
		throw SqlError(6106, 16, "Process ID " + st[1].text + " is not an active process ID.");
	case Server::KillResult::killed:
		break;
	}
	log("killed session " + st[1].text);
	out_done(done_status::final, 0, 0);
}

} // namespace tributary::tds_server

/*
 * session.cpp — a session's life: SQLite connection set-up, the request loop, response
 * framing (pending DONE tokens, ERROR/INFO, attention acknowledgement) and the values of
 * @@globals the translator asks for.
 *
 * Zone: test server. A DONE is held back until the next token is written, so the final
 * DONE of a response can be sent without DONE_MORE (tds-notes §3).
 */
#include "test/tds_server/session.hpp"

#include <cstring>

#include "test/tds_server/sqlite_ext.hpp"
#include "test/tds_server/sqlite_util.hpp"

namespace tributary::tds_server
{

namespace
{

int
progress_handler(void *arg)
{
	auto *ch = static_cast<Channel *>(arg);
	try {
		return ch->killed() || ch->poll_attention() ? 1 : 0;
	} catch (...) {
		return 1; /* connection gone: stop the statement; the caller sees the loss */
	}
}

} // namespace

Session::Session(Server &server, int fd) : m_server(server), m_ch(fd)
{
	m_spid = m_server.register_session(this);
	m_database = m_server.config().database;
}

Session::~Session()
{
	for (auto &kv : m_stmt_cache) {
		sqlite3_finalize(kv.second);
	}
	m_stmt_cache.clear();
	if (m_db) {
		sqlite3_close_v2(m_db);
	}
	m_server.unregister_session(m_spid);
}

void
Session::log(const std::string &text)
{
	m_server.log().line(m_spid, text);
}

bool
Session::open_database()
{
	const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
	if (sqlite3_open_v2(m_server.config().db_path.c_str(), &m_db, flags, nullptr) != SQLITE_OK) {
		log("cannot open database: " + std::string(m_db ? sqlite3_errmsg(m_db) : "?"));
		return false;
	}
	if (!register_sqlite_extensions(m_db)) {
		log("cannot register SQLite extensions");
		return false;
	}
	sqlite3_busy_timeout(m_db, 10000);
	sqlite3_progress_handler(m_db, 200000, progress_handler, &m_ch);
	try {
		/* mmap: a scan reads pages in place instead of a pread() copy per page. */
		exec(m_db, "PRAGMA foreign_keys = ON; PRAGMA synchronous = OFF; PRAGMA cache_size = -65536;"
		           " PRAGMA temp_store = MEMORY; PRAGMA mmap_size = 2147418112");
	} catch (const SqliteError &e) {
		log(std::string("pragma failed: ") + e.what());
	}
	m_catalog = Catalog(m_db);
	return true;
}

void
Session::run()
{
	try {
		if (!handshake()) {
			return;
		}
		serve();
	} catch (const ConnectionLost &) {
		log("connection closed");
	} catch (const ProtocolError &e) {
		log(std::string("protocol error: ") + e.what());
	} catch (const std::exception &e) {
		log(std::string("session ended: ") + e.what());
	}
}

void
Session::serve()
{
	Message m;
	while (m_ch.read_message(m)) {
		m_ch.clear_attention();
		switch (m.type) {
		case packet_type::sql_batch:
			if (m.status & status_ignore) {
				m_ch.begin();
				write_done(m_ch, token::done, done_status::final, 0, 0);
				m_ch.end();
				break;
			}
			on_batch(m);
			break;
		case packet_type::rpc:
			if (m.status & status_ignore) {
				m_ch.begin();
				write_done(m_ch, token::done, done_status::final, 0, 0);
				m_ch.end();
				break;
			}
			on_rpc(m);
			break;
		case packet_type::attention:
			/* the response was complete already: a lone DONE_ATTN (tds-notes §6) */
			m_ch.begin();
			write_done(m_ch, token::done, done_status::attn, 0, 0);
			m_ch.end();
			break;
		default: {
			m_ch.begin();
			ServerMessage msg;
			msg.number = 40000;
			msg.cls = 16;
			msg.text =
			    "The TDS test server does not support request type " + std::to_string(m.type) + ".";
			write_message(m_ch, msg, "tributary-tds");
			write_done(m_ch, token::done, done_status::error, 0, 0);
			m_ch.end();
			break;
		}
		}
		if (m_ch.attention()) {
			/* ATTENTION arrived while the last packets went out */
			m_ch.clear_attention();
			ack_attention();
		}
	}
}

void
Session::before_output()
{
	if (m_pending.set) {
		write_done(m_ch, m_pending.token, m_pending.status | done_status::more, m_pending.cmd,
		           m_pending.rows);
		m_pending.set = false;
	}
}

void
Session::set_pending_done(std::uint8_t tok, std::uint16_t status, std::uint16_t cmd,
                          std::uint64_t rows)
{
	before_output();
	m_pending.set = true;
	m_pending.token = tok;
	m_pending.status = status;
	m_pending.cmd = cmd;
	m_pending.rows = rows;
}

void
Session::out_done(std::uint16_t status, std::uint16_t cmd, std::uint64_t rows)
{
	if (m_trancount > 0) {
		status |= done_status::inxact;
	}
	if (m_in_proc) {
		before_output();
		write_done(m_ch, token::doneinproc, status | done_status::more, cmd, rows);
		if (status & done_status::error) {
			m_proc_error = true;
		}
		return;
	}
	set_pending_done(token::done, status, cmd, rows);
}

void
Session::finish_response()
{
	if (m_pending.set) {
		write_done(m_ch, m_pending.token, m_pending.status, m_pending.cmd, m_pending.rows);
		m_pending.set = false;
	} else {
		write_done(m_ch, token::done, done_status::final, 0, 0);
	}
	m_ch.end();
}

void
Session::send_message(const ServerMessage &msg)
{
	before_output();
	write_message(m_ch, msg, "tributary-tds");
	if (msg.cls > 10) {
		log("error " + std::to_string(msg.number) + ": " + msg.text);
	}
}

void
Session::send_info(int number, const std::string &text)
{
	ServerMessage m;
	m.number = number;
	m.cls = 0;
	m.state = 1;
	m.text = text;
	send_message(m);
}

void
Session::ack_attention()
{
	if (!m_ch.in_message()) {
		m_ch.begin();
	}
	m_pending.set = false;
	write_done(m_ch, token::done, done_status::attn, 0, 0);
	m_ch.end();
	m_ch.clear_attention();
	log("attention acknowledged");
}

void
Session::check_cancel()
{
	if (m_ch.killed()) {
		throw ConnectionLost("session killed");
	}
	if (m_ch.attention()) {
		throw Cancelled{};
	}
}

TranslateContext
Session::translate_context()
{
	TranslateContext ctx;
	ctx.catalog = &m_catalog;
	ctx.database = m_database;
	ctx.global = [this](const std::string &name) { return global_value(name); };
	return ctx;
}

std::optional<Token>
Session::global_value(const std::string &name)
{
	const auto num = [](std::int64_t v) { return make_number(std::to_string(v)); };
	if (name == "SPID") {
		return num(m_spid);
	}
	if (name == "VERSION") {
		return make_string("Microsoft SQL Server 2022 (RTM) - 16.0.1000.6 (X64) emulated by the "
		                   "tributary TDS test server (SQLite " +
		                   std::string(sqlite3_libversion()) + ")");
	}
	if (name == "SERVERNAME" || name == "SERVICENAME") {
		return make_string(name == "SERVERNAME" ? "tributary-tds" : "MSSQLSERVER");
	}
	if (name == "LANGUAGE") {
		return make_string("us_english");
	}
	if (name == "ROWCOUNT") {
		return num(m_rowcount);
	}
	if (name == "TRANCOUNT") {
		return num(m_trancount);
	}
	if (name == "ERROR") {
		return num(m_last_error);
	}
	if (name == "TEXTSIZE") {
		return num(m_textsize);
	}
	if (name == "IDENTITY") {
		return num(sqlite3_last_insert_rowid(m_db));
	}
	if (name == "MAX_PRECISION") {
		return num(38);
	}
	if (name == "DATEFIRST") {
		return num(7);
	}
	if (name == "LOCK_TIMEOUT") {
		return num(-1);
	}
	if (name == "OPTIONS") {
		return num(5496);
	}
	if (name == "NESTLEVEL" || name == "FETCH_STATUS") {
		return num(0);
	}
	if (name == "DBTS") {
		Token t;
		t.kind = TokKind::binary;
		char buf[17];
		std::snprintf(buf, sizeof buf, "%016llX",
		              static_cast<unsigned long long>(current_rowversion()));
		t.text = buf;
		return t;
	}
	if (name == "DB_NAME()") {
		return make_string(m_database);
	}
	if (name == "DB_ID()") {
		return num(5);
	}
	if (name == "SCHEMA_NAME()") {
		return make_string("dbo");
	}
	if (name == "SUSER_SNAME()" || name == "SUSER_NAME()" || name == "USER_NAME()") {
		return make_string(name == "USER_NAME()" ? "dbo" : m_user);
	}
	if (name == "HOST_NAME()") {
		return make_string(m_host);
	}
	if (name == "APP_NAME()") {
		return make_string(m_app);
	}
	return std::nullopt;
}

} // namespace tributary::tds_server

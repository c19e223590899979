/*
 * mysql_connection.cpp — MySQL/MariaDB sessions over MariaDB Connector/C.
 *
 * Zone: driver zone (no PostgreSQL headers, never calls the backend). Throws
 * RemoteError; destructors and cancel() never throw. The password lives in
 * ConnectSettings only and is never copied into an error.
 */
#include "fdw/mysql/mysql_connection.hpp"

#include <mysql.h>

#include <charconv>
#include <map>
#include <mutex>
#include <set>

#include "fdw/mysql/mysql_cursor.hpp"
#include "fdw/mysql/mysql_dialect.hpp"
#include "fdw/mysql/mysql_driver.hpp"
#include "fdw/mysql/mysql_errors.hpp"
#include "fdw/remote/options_util.hpp"
#include "fdw/remote/driver_zone.hpp"

namespace tributary::mysql {

using remote::ErrorKind;
using remote::RemoteError;

namespace {

/* Statements kept prepared per connection (parameterized scans re-run them). */
constexpr std::size_t statement_cache_size = 16;
/*
 * The session's sql_mode: the flags MySQL 5.7/8 and MariaDB share, none of
 * which changes how a SELECT parses or compares (no ANSI_QUOTES,
 * PIPES_AS_CONCAT, HIGH_NOT_PRECEDENCE, PAD_CHAR_TO_FULL_LENGTH,
 * EMPTY_STRING_IS_NULL, ORACLE…) whatever the server's default is.
 */
constexpr const char *session_sql_mode = "STRICT_TRANS_TABLES,ERROR_FOR_DIVISION_BY_ZERO,"
                                         "NO_ENGINE_SUBSTITUTION";
/* A paused scan (the backend busy elsewhere) must not make the server drop us. */
constexpr unsigned int session_net_write_timeout = 3600;
constexpr unsigned int cancel_timeout = 5;

std::once_flag library_once;
bool library_ok = false;

void
init_library()
{
	std::call_once(library_once,
	               []() { library_ok = mysql_library_init(0, nullptr, nullptr) == 0; });
	if (!library_ok) {
		throw RemoteError(ErrorKind::internal, "could not initialize the MySQL client library");
	}
}

unsigned int
parse_unsigned(const std::string &name, const std::string &value, unsigned long long max)
{
	unsigned long long v = 0;
	const auto r = std::from_chars(value.data(), value.data() + value.size(), v);
	if (value.empty() || r.ec != std::errc() || r.ptr != value.data() + value.size() || v > max) {
		throw RemoteError(ErrorKind::invalid_option,
		                  "invalid value for option \"" + name + "\": \"" + value + "\"");
	}
	return static_cast<unsigned int>(v);
}

/* Set a client option; a failure here is a bug or an unusable value. */
template <typename T>
void
set_option(MYSQL *m, mysql_option option, const T *value, const char *what)
{
	if (mysql_optionsv(m, option, static_cast<const void *>(value)) != 0) {
		throw RemoteError(ErrorKind::invalid_option,
		                  std::string("could not set MySQL client option ") + what);
	}
}

/*
 * TLS as the MySQL client's --ssl-mode names it, on MariaDB Connector/C 3.3:
 *   preferred        TLS if the server offers it, else plain text; nothing verified
 *   required         TLS or no connection; nothing verified (but see ssl_ca below)
 *   verify_ca        TLS, and the server's certificate must chain to ssl_ca
 *   verify_identity  as verify_ca, and the certificate must name the host we dialled
 * Connector/C verifies the chain whenever a CA file is given (SSL_VERIFY_PEER), so
 * required with ssl_ca behaves as verify_ca; its MYSQL_OPT_SSL_VERIFY_SERVER_CERT
 * adds the host-name check (X509_check_host / X509_check_ip_asc), which is why
 * verify_ca sets only the CA and verify_identity sets both. Both verify modes need
 * ssl_ca: without a CA file nothing would be verified.
 */
void
apply_tls(MYSQL *m, const ConnectSettings &s)
{
	if (s.ssl_mode == "disabled") {
		return;
	}
	const bool verify = s.ssl_mode == "verify_ca" || s.ssl_mode == "verify_identity";
	if (verify && s.ssl_ca.empty()) {
		throw RemoteError(ErrorKind::invalid_option,
		                  "ssl_mode \"" + s.ssl_mode + "\" needs the option \"ssl_ca\"",
		                  "Set ssl_ca to the file of the CA certificate that signed the "
		                  "server's certificate.");
	}
	if (!s.ssl_ca.empty()) {
		set_option(m, MYSQL_OPT_SSL_CA, s.ssl_ca.c_str(), "ssl_ca");
	}
	if (!s.ssl_cert.empty()) {
		set_option(m, MYSQL_OPT_SSL_CERT, s.ssl_cert.c_str(), "ssl_cert");
	}
	if (!s.ssl_key.empty()) {
		set_option(m, MYSQL_OPT_SSL_KEY, s.ssl_key.c_str(), "ssl_key");
	}
	/* preferred: ask for TLS, accept a server without it (Connector/C's use_ssl). */
	m->options.use_ssl = 1;
	if (s.ssl_mode == "preferred") {
		return;
	}
	const my_bool yes = 1;
	set_option(m, MYSQL_OPT_SSL_ENFORCE, &yes, "ssl_mode");
	if (s.ssl_mode == "verify_identity") {
		set_option(m, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &yes, "ssl_mode");
	}
}

/* The driver's text of a TLS failure, with what it means for the options given. */
std::string
explain_tls_failure(const std::string &detail, const ConnectSettings &s, const char *host)
{
	std::string out = detail;
	if (out.find("Validation of SSL server certificate failed") != std::string::npos) {
		out += " The server's certificate does not name the host \"" + std::string(host) +
		       "\" (ssl_mode verify_identity): connect by a name the certificate lists.";
	} else if (s.ssl_mode == "verify_ca" || s.ssl_mode == "verify_identity" ||
	           !s.ssl_ca.empty()) {
		out += " The server's certificate could not be verified with the CA in ssl_ca.";
	}
	return out;
}

/*
 * A connected handle, or RemoteError(connect) with the server's text in
 * detail. Used for the session and for cancel()'s short side connection.
 */
MYSQL *
open_handle(const ConnectSettings &s, unsigned int connect_timeout, unsigned int read_timeout)
{
	MYSQL *m = mysql_init(nullptr);
	if (m == nullptr) {
		throw std::bad_alloc();
	}
	try {
		if (connect_timeout > 0) {
			set_option(m, MYSQL_OPT_CONNECT_TIMEOUT, &connect_timeout, "connect_timeout");
		}
		if (read_timeout > 0) {
			set_option(m, MYSQL_OPT_READ_TIMEOUT, &read_timeout, "read_timeout");
			set_option(m, MYSQL_OPT_WRITE_TIMEOUT, &read_timeout, "read_timeout");
		}
		set_option(m, MYSQL_SET_CHARSET_NAME, s.character_set.c_str(), "character_set");
		const my_bool yes = 1, no = 0;
		set_option(m, MYSQL_REPORT_DATA_TRUNCATION, &yes, "report_data_truncation");
		set_option(m, MYSQL_OPT_RECONNECT, &no, "reconnect");
		const unsigned int no_infile = 0;
		set_option(m, MYSQL_OPT_LOCAL_INFILE, &no_infile, "local_infile");
		/* The protocol's limit: a long value must never be cut by the client. */
		const unsigned long max_packet = 1024UL * 1024UL * 1024UL;
		set_option(m, MYSQL_OPT_MAX_ALLOWED_PACKET, &max_packet, "max_allowed_packet");
		mysql_optionsv(m, MYSQL_OPT_CONNECT_ATTR_ADD, "program_name", "tributary");
		if (s.unix_socket.empty()) {
			/* host 'localhost' means TCP to localhost, not the client's default socket. */
			const unsigned int tcp = MYSQL_PROTOCOL_TCP;
			set_option(m, MYSQL_OPT_PROTOCOL, &tcp, "protocol");
		}
		apply_tls(m, s);
	} catch (...) {
		mysql_close(m);
		throw;
	}
	const bool socket = !s.unix_socket.empty();
	const char *host = socket ? "localhost" : s.host.c_str();
	if (mysql_real_connect(m, host, s.username.empty() ? nullptr : s.username.c_str(),
	                       s.password.c_str(), s.dbname.empty() ? nullptr : s.dbname.c_str(),
	                       socket ? 0 : s.port, socket ? s.unix_socket.c_str() : nullptr,
	                       0) == nullptr) {
		RemoteError error =
		    error_from_handle(m, "could not connect to MySQL server", ErrorContext::connect);
		if (error.code() == 2026) { /* CR_SSL_CONNECTION_ERROR */
			error = RemoteError(error.kind(), error.message(),
			                    explain_tls_failure(error.detail(), s, host), error.sqlstate(),
			                    error.code());
			error.set_hint("Check the server options host, ssl_mode and ssl_ca (and ssl_cert, "
			               "ssl_key if the account requires a client certificate).");
		}
		mysql_close(m);
		throw error;
	}
	return m;
}

std::string
cell_text(const remote::Cell &cell)
{
	if (cell.kind == remote::CellKind::null || cell.data == nullptr) {
		return {};
	}
	return std::string(cell.data, cell.size);
}

long
cell_long(const remote::Cell &cell, long fallback)
{
	switch (cell.kind) {
	case remote::CellKind::int64: return static_cast<long>(cell.i);
	case remote::CellKind::uint64:
		return cell.u > 0x7fffffffffffffffULL ? -1 : static_cast<long>(cell.u);
	default: return fallback;
	}
}

using remote::text_query;

} // namespace

ConnectSettings
parse_connect_settings(const remote::Options &options)
{
	ConnectSettings s;
	for (const auto &[name, value] : options) {
		if (name == "host") {
			s.host = value;
		} else if (name == "port") {
			s.port = parse_unsigned(name, value, 65535);
		} else if (name == "unix_socket") {
			s.unix_socket = value;
		} else if (name == "dbname") {
			s.dbname = value;
		} else if (name == "username") {
			s.username = value;
		} else if (name == "password") {
			s.password = value;
		} else if (name == "character_set") {
			std::string v;
			for (const char c : value) {
				v += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
			}
			/* Cells carry UTF-8; only the UTF-8 character sets can fill them. */
			if (v != "utf8mb4" && v != "utf8mb3" && v != "utf8") {
				throw RemoteError(ErrorKind::invalid_option,
				                  "invalid value for option \"character_set\": \"" + value + "\"",
				                  "Use utf8mb4 (the default); tributary reads text as UTF-8.");
			}
			s.character_set = v;
		} else if (name == "connect_timeout") {
			s.connect_timeout = parse_unsigned(name, value, 86400);
		} else if (name == "read_timeout") {
			s.read_timeout = parse_unsigned(name, value, 86400 * 7);
		} else if (name == "fetch_size") {
			s.fetch_size = parse_unsigned(name, value, 10000000);
			if (s.fetch_size == 0) {
				throw RemoteError(ErrorKind::invalid_option,
				                  "invalid value for option \"fetch_size\": \"0\"");
			}
		} else if (name == "ssl_mode") {
			if (value != "disabled" && value != "preferred" && value != "required" &&
			    value != "verify_ca" && value != "verify_identity") {
				throw RemoteError(ErrorKind::invalid_option,
				                  "invalid value for option \"ssl_mode\": \"" + value + "\"",
				                  "Valid values are disabled, preferred, required, verify_ca "
				                  "and verify_identity.");
			}
			s.ssl_mode = value;
		} else if (name == "ssl_ca") {
			s.ssl_ca = value;
		} else if (name == "ssl_cert") {
			s.ssl_cert = value;
		} else if (name == "ssl_key") {
			s.ssl_key = value;
		}
	}
	return s;
}

MysqlConnection::MysqlConnection(const remote::Options &options)
    : m_settings(parse_connect_settings(options))
{
	init_library();
	m_mysql = open_handle(m_settings, m_settings.connect_timeout, m_settings.read_timeout);
	m_thread_id = mysql_thread_id(m_mysql);
	try {
		configure_session();
	} catch (RemoteError &e) {
		mysql_close(m_mysql);
		m_mysql = nullptr;
		throw RemoteError(ErrorKind::connect, "could not set up the MySQL session", e.detail(),
		                  e.sqlstate(), e.code(), e.query());
	}
}

MysqlConnection::~MysqlConnection()
{
	for (auto &cached : m_statements) {
		mysql_stmt_close(cached.stmt);
	}
	if (m_mysql != nullptr) {
		mysql_close(m_mysql);
	}
}

void
MysqlConnection::configure_session()
{
	execute(std::string("SET SESSION time_zone = '+00:00', SESSION sql_mode = '") +
	        session_sql_mode +
	        "', SESSION net_write_timeout = " + std::to_string(session_net_write_timeout));
	/* WITH CONSISTENT SNAPSHOT only takes a snapshot under REPEATABLE READ. */
	execute("SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ");
}

void
MysqlConnection::begin_request()
{
	if (broken()) {
		throw RemoteError(ErrorKind::connection_lost,
		                  "the connection to the MySQL server is broken");
	}
	if (m_cursor_open) {
		throw RemoteError(ErrorKind::internal,
		                  "another remote query is still open on this MySQL connection");
	}
}

void
MysqlConnection::note_error(unsigned int code) noexcept
{
	if (error_breaks_connection(code)) {
		mark_broken();
	}
}

ScanSettings
MysqlConnection::default_scan_settings() const
{
	ScanSettings scan;
	scan.fetch_size = m_settings.fetch_size;
	return scan;
}

std::unique_ptr<remote::Cursor>
MysqlConnection::open(const remote::Query &query)
{
	return open(query, default_scan_settings());
}

std::unique_ptr<remote::Cursor>
MysqlConnection::open(const remote::Query &query, const ScanSettings &scan)
{
	begin_request();
	m_cursor_open = true;
	try {
		/* Preparing and executing may wait (a lock, a slow first row): watched. */
		remote::InterruptWatch::Armed armed(m_watch);
		return open_cursor(*this, query, scan);
	} catch (...) {
		m_cursor_open = false;
		throw;
	}
}

void
MysqlConnection::execute(const std::string &sql)
{
	begin_request();
	remote::InterruptWatch::Armed armed(m_watch);
	if (mysql_real_query(m_mysql, sql.data(), sql.size()) != 0) {
		note_error(mysql_errno(m_mysql));
		RemoteError error = error_from_handle(m_mysql, "could not execute remote statement");
		error.set_query(sql);
		throw error;
	}
	if (mysql_field_count(m_mysql) == 0) {
		return;
	}
	/* A statement that returned rows after all: read them to the end and drop them. */
	MYSQL_RES *res = mysql_use_result(m_mysql);
	if (res != nullptr) {
		while (mysql_fetch_row(res) != nullptr) {
		}
		mysql_free_result(res);
	}
	if (mysql_errno(m_mysql) != 0) {
		note_error(mysql_errno(m_mysql));
		RemoteError error = error_from_handle(m_mysql, "could not execute remote statement");
		error.set_query(sql);
		throw error;
	}
}

void
MysqlConnection::begin_snapshot()
{
	execute("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY");
}

void
MysqlConnection::end_snapshot(bool commit)
{
	if (broken()) {
		return; /* the server ended the transaction with the connection */
	}
	execute(commit ? "COMMIT" : "ROLLBACK");
}

void
MysqlConnection::cancel() noexcept
{
	if (!m_cursor_open.load()) {
		return; /* nothing runs: a KILL QUERY would only cost a side connection */
	}
	kill_query();
}

void
MysqlConnection::watch_interrupts(const remote::InterruptFlags &flags) noexcept
{
	m_watch.watch(flags);
}

void
MysqlConnection::kill_query() noexcept
{
	try {
		if (m_mysql == nullptr || broken()) {
			return;
		}
		const unsigned int timeout =
		    m_settings.connect_timeout > 0 && m_settings.connect_timeout < cancel_timeout
		        ? m_settings.connect_timeout
		        : cancel_timeout;
		MYSQL *side = open_handle(m_settings, timeout, cancel_timeout);
		const std::string kill = "KILL QUERY " + std::to_string(m_thread_id);
		mysql_real_query(side, kill.data(), kill.size());
		mysql_close(side);
	} catch (...) {
		/* Best effort: the caller is cleaning up and cannot act on a failure. */
	}
}

st_mysql_stmt *
MysqlConnection::prepared(const std::string &sql)
{
	for (std::size_t i = 0; i < m_statements.size(); i++) {
		if (m_statements[i].sql == sql) {
			CachedStatement hit = m_statements[i];
			m_statements.erase(m_statements.begin() + static_cast<std::ptrdiff_t>(i));
			m_statements.insert(m_statements.begin(), hit);
			return hit.stmt;
		}
	}
	MYSQL_STMT *stmt = mysql_stmt_init(m_mysql);
	if (stmt == nullptr) {
		throw std::bad_alloc();
	}
	if (mysql_stmt_prepare(stmt, sql.data(), sql.size()) != 0) {
		note_error(mysql_stmt_errno(stmt));
		RemoteError error = error_from_statement(stmt, "could not prepare remote query");
		error.set_query(sql);
		mysql_stmt_close(stmt);
		throw error;
	}
	if (m_statements.size() >= statement_cache_size) {
		mysql_stmt_close(m_statements.back().stmt);
		m_statements.pop_back();
	}
	m_statements.insert(m_statements.begin(), CachedStatement{sql, stmt});
	return stmt;
}

void
MysqlConnection::forget_statement(st_mysql_stmt *stmt) noexcept
{
	for (std::size_t i = 0; i < m_statements.size(); i++) {
		if (m_statements[i].stmt == stmt) {
			mysql_stmt_close(stmt);
			m_statements.erase(m_statements.begin() + static_cast<std::ptrdiff_t>(i));
			return;
		}
	}
}

std::vector<remote::RemoteTable>
MysqlConnection::describe(const std::string &schema)
{
	/*
	 * LEFT JOIN: a view the server cannot describe (its base table was dropped)
	 * still comes back, with no columns, so the caller can report it.
	 */
	const remote::Query q = text_query(
	    "SELECT t.TABLE_NAME, t.TABLE_TYPE, c.COLUMN_NAME, c.COLUMN_TYPE, c.DATA_TYPE, "
	    "c.IS_NULLABLE, c.CHARACTER_MAXIMUM_LENGTH, c.NUMERIC_PRECISION, c.NUMERIC_SCALE, "
	    "c.DATETIME_PRECISION, c.COLUMN_DEFAULT "
	    "FROM information_schema.TABLES t LEFT JOIN information_schema.COLUMNS c "
	    "ON c.TABLE_SCHEMA = t.TABLE_SCHEMA AND c.TABLE_NAME = t.TABLE_NAME "
	    "WHERE t.TABLE_SCHEMA = ? AND t.TABLE_TYPE IN ('BASE TABLE', 'VIEW', 'SYSTEM VERSIONED') "
	    "ORDER BY t.TABLE_NAME, c.ORDINAL_POSITION",
	    {schema});
	ScanSettings scan = default_scan_settings();
	scan.read_ahead = false;
	std::unique_ptr<remote::Cursor> cursor = open(q, scan);
	std::vector<remote::RemoteTable> tables;
	while (cursor->next()) {
		const std::string name = cell_text(cursor->cell(0));
		if (tables.empty() || tables.back().name != name) {
			remote::RemoteTable t;
			t.schema = schema;
			t.name = name;
			t.is_view = cell_text(cursor->cell(1)) == "VIEW";
			tables.push_back(std::move(t));
		}
		if (cursor->cell(2).kind == remote::CellKind::null) {
			continue;
		}
		remote::RemoteColumn c;
		c.name = cell_text(cursor->cell(2));
		c.type_name = cell_text(cursor->cell(3));
		c.data_type = cell_text(cursor->cell(4));
		c.nullable = cell_text(cursor->cell(5)) != "NO";
		c.is_unsigned = c.type_name.find("unsigned") != std::string::npos;
		c.max_length = cell_long(cursor->cell(6), -1);
		const long precision = cell_long(cursor->cell(7), -1);
		const long scale = cell_long(cursor->cell(8), -1);
		const long fraction = cell_long(cursor->cell(9), -1);
		c.precision = static_cast<int>(fraction >= 0 ? fraction : precision);
		c.scale = static_cast<int>(scale);
		if (cursor->cell(10).kind != remote::CellKind::null) {
			c.default_expr = cell_text(cursor->cell(10));
		}
		tables.back().columns.push_back(std::move(c));
	}
	cursor.reset();
	mark_json_columns(schema, tables);
	return tables;
}

void
MysqlConnection::mark_json_columns(const std::string &schema,
                                   std::vector<remote::RemoteTable> &tables)
{
	/*
	 * MariaDB has no JSON type: a JSON column is a LONGTEXT with a column CHECK
	 * constraint json_valid(`col`) (MariaDB 10.2+). MySQL 5.7 has no
	 * CHECK_CONSTRAINTS table and MySQL 8 none with TABLE_NAME; both have a
	 * native JSON type, so there is nothing to find there.
	 */
	std::set<std::pair<std::string, std::string>> checks; /* (table, CHECK_CLAUSE) */
	try {
		const remote::Query q = text_query("SELECT TABLE_NAME, CHECK_CLAUSE "
		                                   "FROM information_schema.CHECK_CONSTRAINTS "
		                                   "WHERE CONSTRAINT_SCHEMA = ?",
		                                   {schema});
		ScanSettings scan = default_scan_settings();
		scan.read_ahead = false;
		auto cursor = open(q, scan);
		while (cursor->next()) {
			checks.emplace(cell_text(cursor->cell(0)), cell_text(cursor->cell(1)));
		}
	} catch (const RemoteError &e) {
		const bool absent = e.kind() == ErrorKind::table_not_found || e.code() == 1054;
		if (!absent || broken()) {
			throw;
		}
	}
	for (auto &table : tables) {
		for (auto &column : table.columns) {
			std::string expected = "json_valid(`";
			for (const char ch : column.name) {
				expected += ch;
				if (ch == '`') {
					expected += '`';
				}
			}
			expected += "`)";
			column.json = checks.count({table.name, expected}) > 0;
		}
	}
}

double
MysqlConnection::estimate_rows(const std::string &schema, const std::string &table)
{
	const remote::Query q = text_query("SELECT TABLE_ROWS FROM information_schema.TABLES "
	                                   "WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?",
	                                   {schema, table});
	ScanSettings scan = default_scan_settings();
	scan.read_ahead = false;
	auto cursor = open(q, scan);
	double rows = -1;
	while (cursor->next()) {
		const remote::Cell &cell = cursor->cell(0);
		if (cell.kind == remote::CellKind::uint64) {
			rows = static_cast<double>(cell.u);
		} else if (cell.kind == remote::CellKind::int64) {
			rows = static_cast<double>(cell.i);
		}
	}
	return rows;
}

const remote::Dialect &
MysqlConnection::dialect() const
{
	return mysql::dialect();
}

std::string
MysqlConnection::server_version() const
{
	const char *v = m_mysql != nullptr ? mysql_get_server_info(m_mysql) : nullptr;
	return v != nullptr ? v : "";
}

std::unique_ptr<remote::Connection>
connect(const remote::Options &options)
{
	return std::make_unique<MysqlConnection>(options);
}

} // namespace tributary::mysql

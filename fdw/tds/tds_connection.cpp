/*
 * tds_connection.cpp — SQL Server sessions over FreeTDS db-lib.
 *
 * Zone: driver zone (no PostgreSQL headers, never calls the backend). Throws
 * RemoteError; destructors and cancel() never throw. The password lives in
 * ConnectSettings and the LOGINREC only and is never copied into an error.
 *
 * Login settings that db-lib has no per-login call for (encryption, connect
 * timeout) go into a FreeTDS configuration section written for this login and
 * named with dbsetifile(); dbopen() then finds it first, so neither the user's
 * ~/.freetds.conf nor /etc/freetds/freetds.conf changes how tributary connects.
 */
#include "fdw/tds/tds_connection.hpp"

#include <sybdb.h>
#include <sybfront.h>
#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <mutex>

#include "fdw/tds/tds_cursor.hpp"
#include "fdw/tds/tds_dialect.hpp"
#include "fdw/tds/tds_driver.hpp"
#include "fdw/tds/tds_types.hpp"
#include "fdw/tds/tds_utf16.hpp"
#include "fdw/remote/options_util.hpp"
#include "fdw/remote/driver_zone.hpp"

namespace tributary::tds {

using remote::ErrorKind;
using remote::RemoteError;

namespace {

/* The largest TEXTSIZE: (max), text and image values arrive whole. */
constexpr long long max_textsize = 2147483647LL;
constexpr unsigned int default_connect_timeout = 60;
/*
 * The TDS packet size asked for at login: SQL Server's largest (its own
 * default is 4096). A scan then costs an eighth of the reads; the server
 * answers with the size it grants (ENVCHANGE), which db-lib adopts.
 */
constexpr long packet_size = 32767;

std::once_flag library_once;
bool library_ok = false;
/* dbsetifile() is process-wide: one login at a time reads its configuration. */
std::mutex login_mutex;

void
init_library()
{
	std::call_once(library_once, []() {
		library_ok = dbinit() == SUCCEED;
		if (library_ok) {
			install_handlers();
			/* Before the first dbopen: its conversion descriptors are the ones to speed up. */
			install_fast_utf16();
		}
	});
	if (!library_ok) {
		throw RemoteError(ErrorKind::internal, "could not initialize FreeTDS db-lib");
	}
}

unsigned long long
parse_unsigned(const std::string &name, const std::string &value, unsigned long long max)
{
	unsigned long long v = 0;
	const auto r = std::from_chars(value.data(), value.data() + value.size(), v);
	if (value.empty() || r.ec != std::errc() || r.ptr != value.data() + value.size() || v > max) {
		throw RemoteError(ErrorKind::invalid_option,
		                  "invalid value for option \"" + name + "\": \"" + value + "\"");
	}
	return v;
}

std::string
choice(const std::string &name, const std::string &value,
       std::initializer_list<const char *> accepted)
{
	std::string v;
	for (const char c : value) {
		v += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
	}
	std::string list;
	for (const char *a : accepted) {
		if (v == a) {
			return v;
		}
		list += list.empty() ? a : std::string(", ") + a;
	}
	throw RemoteError(ErrorKind::invalid_option,
	                  "invalid value for option \"" + name + "\": \"" + value + "\"",
	                  "Valid values are " + list + ".");
}

/* A host name or address that cannot break out of a configuration line. */
void
check_host(const std::string &host)
{
	if (host.empty()) {
		throw RemoteError(ErrorKind::invalid_option, "option \"host\" must not be empty");
	}
	for (const char c : host) {
		const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		                (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_' || c == ':' ||
		                c == '%';
		if (!ok) {
			throw RemoteError(ErrorKind::invalid_option,
			                  "invalid value for option \"host\": \"" + host + "\"");
		}
	}
}

BYTE
dblib_version(const std::string &v)
{
	if (v == "7.1") {
		return DBVERSION_71;
	}
	if (v == "7.2") {
		return DBVERSION_72;
	}
	if (v == "7.3") {
		return DBVERSION_73;
	}
	return DBVERSION_74;
}

/* Replace every occurrence of secret in text (defence in depth: none is expected). */
std::string
scrubbed(std::string text, const std::string &secret)
{
	if (secret.size() < 3) {
		return text;
	}
	for (std::size_t pos = text.find(secret); pos != std::string::npos;
	     pos = text.find(secret, pos)) {
		text.replace(pos, secret.size(), "********");
	}
	return text;
}

/* The FreeTDS configuration file for one login; removed when destroyed. */
class LoginConfig {
public:
	/*
	 * The section is named "host:port": db-lib appends the server name to its
	 * messages ("Adaptive Server connection failed (127.0.0.1:1433)").
	 */
	explicit LoginConfig(const ConnectSettings &s)
	    : m_section(s.host + ":" + std::to_string(s.port))
	{
		const char *tmp = std::getenv("TMPDIR");
		std::string path = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") +
		                   "/tributary-freetds-XXXXXX";
		const int fd = mkstemp(&path[0]);
		if (fd < 0) {
			throw RemoteError(ErrorKind::connect,
			                  "could not create a FreeTDS configuration file in \"" +
			                      path.substr(0, path.rfind('/')) + "\"");
		}
		m_path = path;
		const unsigned int timeout =
		    s.connect_timeout > 0 ? s.connect_timeout : default_connect_timeout;
		const std::string text = "[" + m_section + "]\n" + "\thost = " + s.host + "\n" +
		                         "\tport = " + std::to_string(s.port) + "\n" +
		                         "\ttds version = " + s.tds_version + "\n" +
		                         "\tencryption = " + s.encryption + "\n" +
		                         "\tclient charset = " + s.client_charset + "\n" +
		                         "\tconnect timeout = " + std::to_string(timeout) + "\n" +
		                         "\ttext size = " + std::to_string(max_textsize) + "\n";
		const ssize_t written = ::write(fd, text.data(), text.size());
		::close(fd);
		if (written != static_cast<ssize_t>(text.size())) {
			::unlink(m_path.c_str());
			throw RemoteError(ErrorKind::connect, "could not write a FreeTDS configuration file");
		}
	}
	~LoginConfig() { ::unlink(m_path.c_str()); }
	LoginConfig(const LoginConfig &) = delete;
	LoginConfig &operator=(const LoginConfig &) = delete;
	const std::string &path() const noexcept { return m_path; }
	const std::string &section() const noexcept { return m_section; }

private:
	std::string m_section;
	std::string m_path;
};

/* The LOGINREC, freed on every path. */
struct Login {
	LOGINREC *rec = dblogin();
	~Login()
	{
		if (rec != nullptr) {
			dbloginfree(rec);
		}
	}
};

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
	case remote::CellKind::uint64: return static_cast<long>(cell.u);
	case remote::CellKind::decimal: {
		long v = 0;
		const auto r = std::from_chars(cell.data, cell.data + cell.size, v);
		return r.ec == std::errc() ? v : fallback;
	}
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
			s.port = static_cast<unsigned int>(parse_unsigned(name, value, 65535));
		} else if (name == "dbname") {
			s.dbname = value;
		} else if (name == "username") {
			s.username = value;
		} else if (name == "password") {
			s.password = value;
		} else if (name == "tds_version") {
			s.tds_version = choice(name, value, {"7.1", "7.2", "7.3", "7.4"});
		} else if (name == "client_charset") {
			/* Cells carry UTF-8; only UTF-8 can fill them. */
			if (value != "UTF-8" && value != "utf-8" && value != "UTF8" && value != "utf8") {
				throw RemoteError(ErrorKind::invalid_option,
				                  "invalid value for option \"client_charset\": \"" + value + "\"",
				                  "Use UTF-8 (the default); tributary reads text as UTF-8.");
			}
			s.client_charset = "UTF-8";
		} else if (name == "connect_timeout") {
			s.connect_timeout = static_cast<unsigned int>(parse_unsigned(name, value, 86400));
		} else if (name == "query_timeout") {
			s.query_timeout = static_cast<unsigned int>(parse_unsigned(name, value, 86400 * 7));
		} else if (name == "app_name") {
			s.app_name = value;
		} else if (name == "encryption") {
			s.encryption = choice(name, value, {"off", "request", "require"});
		} else if (name == "isolation_level") {
			s.isolation_level =
			    choice(name, value, {"auto", "snapshot", "repeatable_read", "read_committed"});
		} else if (name == "fetch_size") {
			s.fetch_size = static_cast<std::size_t>(parse_unsigned(name, value, 1000000));
			if (s.fetch_size == 0) {
				throw RemoteError(ErrorKind::invalid_option,
				                  "invalid value for option \"fetch_size\": \"0\"");
			}
		}
	}
	check_host(s.host);
	return s;
}

TdsConnection::TdsConnection(const remote::Options &options)
    : m_settings(parse_connect_settings(options))
{
	init_library();
	m_native_temporals = m_settings.tds_version == "7.3" || m_settings.tds_version == "7.4";
	const std::string where = m_settings.host + ":" + std::to_string(m_settings.port);
	{
		Login login;
		if (login.rec == nullptr) {
			throw std::bad_alloc();
		}
		DBSETLUSER(login.rec, m_settings.username.c_str());
		DBSETLPWD(login.rec, m_settings.password.c_str());
		DBSETLAPP(login.rec, m_settings.app_name.c_str());
		DBSETLCHARSET(login.rec, m_settings.client_charset.c_str());
		DBSETLVERSION(login.rec, dblib_version(m_settings.tds_version));
		DBSETLPACKET(login.rec, packet_size);
		if (!m_settings.dbname.empty()) {
			/* Sent in LOGIN7 with INIT_DB_FATAL: a database it cannot open fails the login. */
			DBSETLDBNAME(login.rec, m_settings.dbname.c_str());
		}
		LoginConfig config(m_settings);
		std::lock_guard<std::mutex> lock(login_mutex);
		m_record.clear();
		m_record.close_on_timeout = true;
		ConnectScope scope(m_record);
		std::string path = config.path();
		dbsetifile(&path[0]);
		m_dbproc = dbopen(login.rec, config.section().c_str());
		char none[] = "";
		dbsetifile(none);
		m_record.close_on_timeout = false;
	}
	if (m_dbproc == nullptr) {
		RemoteError e = make_error(m_record, "could not connect to SQL Server at " + where,
		                           ErrorContext::connect);
		throw RemoteError(e.kind(), e.message(), scrubbed(e.detail(), m_settings.password),
		                  e.sqlstate(), e.code());
	}
	dbsetuserdata(m_dbproc, reinterpret_cast<BYTE *>(&m_record));
	install_interrupt_check(m_dbproc);
	try {
		if (m_settings.query_timeout > 0) {
			const std::string seconds = std::to_string(m_settings.query_timeout);
			dbsetopt(m_dbproc, DBSETTIME, seconds.c_str(), 0);
		}
		configure_session();
	} catch (const RemoteError &e) {
		dbclose(m_dbproc);
		m_dbproc = nullptr;
		throw RemoteError(ErrorKind::connect, "could not set up the SQL Server session at " + where,
		                  scrubbed(e.detail(), m_settings.password), e.sqlstate(), e.code(),
		                  e.query());
	}
}

TdsConnection::~TdsConnection()
{
	if (m_dbproc != nullptr) {
		dbclose(m_dbproc);
	}
}

void
TdsConnection::configure_session()
{
	/*
	 * TEXTSIZE: FreeTDS asks for 64512 bytes by default, which cuts (max) values
	 * (tds_fdw #40, pgloader #1351). The ANSI settings fix how NULL comparisons,
	 * quoted identifiers, padding and arithmetic errors behave whatever the login's
	 * or the server's defaults are. NOCOUNT stays OFF: the DONE token's row count
	 * is the cursor's end-of-result cross-check.
	 */
	execute("SET TEXTSIZE 2147483647; SET ANSI_NULLS ON; SET QUOTED_IDENTIFIER ON; "
	        "SET ANSI_WARNINGS ON; SET ANSI_PADDING ON; SET CONCAT_NULL_YIELDS_NULL ON; "
	        "SET ARITHABORT ON; SET NOCOUNT OFF; SET DATEFORMAT ymd");
	{
		auto cursor = open(text_query("SELECT @@VERSION", {}));
		while (cursor->next()) {
			m_version = cell_text(cursor->cell(0));
		}
	}
	/* The first line of @@VERSION: "Microsoft SQL Server 2019 (RTM) - 15.0.2000.5 (X64)". */
	const auto eol = m_version.find('\n');
	if (eol != std::string::npos) {
		m_version.erase(eol);
	}
	while (!m_version.empty() && (m_version.back() == '\r' || m_version.back() == ' ')) {
		m_version.pop_back();
	}
}

bool
TdsConnection::broken() const noexcept
{
	if (m_broken || m_dbproc == nullptr) {
		return true;
	}
	/* A read-ahead thread owns the DBPROCESS: it sets m_broken itself. */
	return m_active_scan == nullptr && DBDEAD(m_dbproc);
}

void
TdsConnection::begin_request()
{
	if (broken()) {
		throw RemoteError(ErrorKind::connection_lost, "the connection to the SQL Server is broken");
	}
	if (m_open_cursor != 0) {
		throw RemoteError(ErrorKind::internal,
		                  "another remote query is still open on this SQL Server connection");
	}
	m_record.clear();
}

RemoteError
TdsConnection::failure(std::string message, const std::string &query, ErrorKind fallback)
{
	const bool dead = m_dbproc == nullptr || DBDEAD(m_dbproc);
	RemoteError error =
	    m_record.interrupted && !dead
	        ? RemoteError(ErrorKind::cancelled, "the remote query was cancelled",
	                      "A query cancel or termination request arrived while the driver waited "
	                      "for SQL Server; an attention was sent.")
	        : make_error(m_record, std::move(message), ErrorContext::query,
	                     dead ? ErrorKind::connection_lost : fallback);
	error.set_query(query);
	if (dead || error.kind() == ErrorKind::connection_lost) {
		m_broken = true;
	} else {
		abandon_request();
	}
	m_record.clear();
	return error;
}

void
TdsConnection::abandon_request() noexcept
{
	if (m_dbproc == nullptr || DBDEAD(m_dbproc)) {
		return;
	}
	m_record.close_on_timeout = true;
	dbcancel(m_dbproc);
	m_record.close_on_timeout = false;
	if (DBDEAD(m_dbproc)) {
		m_broken = true;
	}
}

std::unique_ptr<remote::Cursor>
TdsConnection::open(const remote::Query &query)
{
	begin_request();
	m_open_cursor = ++m_cursor_ids;
	try {
		return open_cursor(*this, query);
	} catch (...) {
		m_open_cursor = 0;
		throw;
	}
}

void
TdsConnection::execute(const std::string &sql)
{
	remote::Query q;
	q.sql = sql;
	{
		auto cursor = open(q);
		/* Statements that return rows after all: read them to the end and drop them. */
		while (cursor->next()) {
		}
	}
	/* The truncation check must know the session's TEXTSIZE, whoever changes it. */
	std::string lowered = sql;
	for (char &c : lowered) {
		c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
	}
	if (lowered.find("textsize") != std::string::npos) {
		refresh_textsize();
	}
}

void
TdsConnection::refresh_textsize()
{
	auto cursor = open(text_query("SELECT @@TEXTSIZE", {}));
	long long size = 0;
	while (cursor->next()) {
		size = cell_long(cursor->cell(0), 0);
	}
	/* 0 or an unknown answer: assume the largest, as SET TEXTSIZE 0 means the default. */
	m_textsize = size > 0 ? size : max_textsize;
}

std::string
TdsConnection::snapshot_state()
{
	if (m_snapshot_state.empty()) {
		auto cursor = open(text_query("SELECT snapshot_isolation_state_desc FROM sys.databases "
		                              "WHERE name = DB_NAME()",
		                              {}));
		std::string state;
		while (cursor->next()) {
			state = cell_text(cursor->cell(0));
		}
		m_snapshot_state = state.empty() ? "UNKNOWN" : state;
	}
	return m_snapshot_state;
}

void
TdsConnection::begin_snapshot()
{
	if (m_in_transaction) {
		return; /* one remote transaction per local one */
	}
	const std::string &level = m_settings.isolation_level;
	if (level == "snapshot" && snapshot_state() != "ON") {
		throw RemoteError(
		    ErrorKind::unsupported, "snapshot isolation is not enabled in the SQL Server database",
		    "sys.databases.snapshot_isolation_state_desc is " + snapshot_state() + ".", {}, 0);
	}
	if (level == "snapshot" || (level == "auto" && snapshot_state() == "ON")) {
		execute("SET TRANSACTION ISOLATION LEVEL SNAPSHOT; BEGIN TRANSACTION");
		m_isolation = "snapshot";
		m_in_transaction = true;
		return;
	}
	if (level == "repeatable_read") {
		execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ; BEGIN TRANSACTION");
		m_isolation = "repeatable_read";
		m_in_transaction = true;
		return;
	}
	/* READ COMMITTED, no transaction: every statement sees what was committed when it ran. */
	if (m_isolation != "read_committed") {
		execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED");
		m_isolation = "read_committed";
	}
}

void
TdsConnection::end_snapshot(bool commit)
{
	if (!m_in_transaction) {
		return;
	}
	m_in_transaction = false;
	if (broken()) {
		return; /* the server ended the transaction with the connection */
	}
	if (m_open_cursor != 0) {
		/*
		 * An aborted local transaction may end the snapshot before the scan is
		 * destroyed: stop its request; the cursor, when destroyed, leaves the
		 * connection alone.
		 */
		cancel();
		m_open_cursor = 0;
	}
	try {
		execute(commit ? "COMMIT TRANSACTION" : "ROLLBACK TRANSACTION");
	} catch (const RemoteError &e) {
		/* 3902/3903: no open transaction — SQL Server already rolled it back (deadlock, …). */
		if (e.code() != 3902 && e.code() != 3903) {
			throw;
		}
	}
}

void
TdsConnection::cancel() noexcept
{
	if (m_active_scan != nullptr) {
		m_active_scan->quiesce(); /* its thread leaves db-lib before this one enters */
	}
	m_cancels++;
	abandon_request();
}

std::vector<remote::RemoteTable>
TdsConnection::describe(const std::string &schema)
{
	/*
	 * LEFT JOIN: a view SQL Server cannot describe still comes back, with no
	 * columns, so the caller can report it.
	 */
	const remote::Query q =
	    text_query("SELECT t.TABLE_NAME, t.TABLE_TYPE, c.COLUMN_NAME, c.DATA_TYPE, c.IS_NULLABLE, "
	               "c.CHARACTER_MAXIMUM_LENGTH, c.NUMERIC_PRECISION, c.NUMERIC_SCALE, "
	               "c.DATETIME_PRECISION, c.COLUMN_DEFAULT "
	               "FROM INFORMATION_SCHEMA.TABLES t LEFT JOIN INFORMATION_SCHEMA.COLUMNS c "
	               "ON c.TABLE_SCHEMA = t.TABLE_SCHEMA AND c.TABLE_NAME = t.TABLE_NAME "
	               "WHERE t.TABLE_SCHEMA = @P1 AND t.TABLE_TYPE IN ('BASE TABLE', 'VIEW') "
	               "ORDER BY t.TABLE_NAME, c.ORDINAL_POSITION",
	               {schema});
	auto cursor = open(q);
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
		c.data_type = cell_text(cursor->cell(3));
		for (char &ch : c.data_type) {
			ch = static_cast<char>(ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch);
		}
		c.nullable = cell_text(cursor->cell(4)) != "NO";
		c.max_length = cell_long(cursor->cell(5), 0);
		const long precision = cell_long(cursor->cell(6), -1);
		const long scale = cell_long(cursor->cell(7), -1);
		const long fraction = cell_long(cursor->cell(8), -1);
		const bool fractional =
		    c.data_type == "time" || c.data_type == "datetime2" || c.data_type == "datetimeoffset";
		c.precision = static_cast<int>(fractional ? fraction : precision);
		c.scale = static_cast<int>(fractional ? -1 : scale);
		c.type_name = declared_type(c.data_type, c.max_length, static_cast<int>(precision),
		                            static_cast<int>(scale), static_cast<int>(fraction));
		if (cursor->cell(9).kind != remote::CellKind::null) {
			c.default_expr = cell_text(cursor->cell(9));
		}
		tables.back().columns.push_back(std::move(c));
	}
	return tables;
}

double
TdsConnection::estimate_rows(const std::string &schema, const std::string &table)
{
	/* Rows of the heap or clustered index (index_id 0 or 1), summed over partitions. */
	const remote::Query q =
	    text_query("SELECT SUM(p.rows) FROM sys.partitions p "
	               "JOIN sys.tables t ON t.object_id = p.object_id "
	               "JOIN sys.schemas s ON s.schema_id = t.schema_id "
	               "WHERE s.name = @P1 AND t.name = @P2 AND p.index_id IN (0, 1)",
	               {schema, table});
	auto cursor = open(q);
	double rows = -1;
	while (cursor->next()) {
		const remote::Cell &cell = cursor->cell(0);
		if (cell.kind == remote::CellKind::int64) {
			rows = static_cast<double>(cell.i);
		} else if (cell.kind == remote::CellKind::decimal) {
			rows = std::strtod(std::string(cell.data, cell.size).c_str(), nullptr);
		}
	}
	return rows;
}

const remote::Dialect &
TdsConnection::dialect() const
{
	return tds::dialect();
}

void
TdsConnection::watch_interrupts(const remote::InterruptFlags &flags) noexcept
{
	m_record.watch = flags;
}

std::string
TdsConnection::server_version() const
{
	return m_version;
}

std::unique_ptr<remote::Connection>
connect(const remote::Options &options)
{
	return std::make_unique<TdsConnection>(options);
}

} // namespace tributary::tds

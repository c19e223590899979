/*
 * mysql_connection.hpp — one MariaDB Connector/C session: connect, session
 * setup, snapshot transactions, cancel, catalog queries, and the cache of
 * prepared statements that cursors run on.
 *
 * Zone: driver zone (no postgres.h). mysql.h is not included here; the client
 * handles are forward-declared.
 */
#pragma once

#include "fdw/remote/interrupt_watch.hpp"
#include "fdw/remote/remote.hpp"

#include <atomic>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

struct st_mysql;
struct st_mysql_stmt;

namespace tributary::mysql {

/* The connection options, parsed. */
struct ConnectSettings {
	std::string host = "127.0.0.1";
	unsigned int port = 3306;
	std::string unix_socket;
	std::string dbname;
	std::string username;
	std::string password;
	std::string character_set = "utf8mb4";
	unsigned int connect_timeout = 0; /* seconds, 0 = library default */
	unsigned int read_timeout = 0;    /* seconds, 0 = none */
	std::size_t fetch_size = 10000;
	std::string ssl_mode = "disabled";
	std::string ssl_ca;
	std::string ssl_cert;
	std::string ssl_key;
};

/* Parse options; throws RemoteError(invalid_option) on a malformed value. */
ConnectSettings parse_connect_settings(const remote::Options &options);

/* Which wire protocol a scan uses. */
enum class Protocol : std::uint8_t {
	automatic, /* the binary protocol (measured faster; see mysql_cursor.cpp) */
	text,      /* COM_QUERY + mysql_use_result; parameters not allowed */
	binary     /* server-side prepared statement, mysql_stmt_fetch unbuffered */
};

/* How one scan reads (the defaults come from the connection's options). */
struct ScanSettings {
	std::size_t fetch_size = 10000; /* rows per read-ahead batch */
	bool read_ahead = true;         /* fill batches on a thread of the driver's own */
	std::size_t sync_rows = 1000;   /* rows read synchronously before the thread starts */
	Protocol protocol = Protocol::automatic;
};

class MysqlConnection final : public remote::Connection {
  public:
	/* Connects; throws RemoteError(connect | invalid_option). */
	explicit MysqlConnection(const remote::Options &options);
	~MysqlConnection() override;
	MysqlConnection(const MysqlConnection &) = delete;
	MysqlConnection &operator=(const MysqlConnection &) = delete;

	/*
	 * One cursor at a time: it keeps a reference to this connection, and every
	 * other request (execute, snapshots, describe) throws RemoteError(internal)
	 * until it is destroyed. Destroy the cursor before the connection.
	 */
	std::unique_ptr<remote::Cursor> open(const remote::Query &query) override;
	std::unique_ptr<remote::Cursor> open(const remote::Query &query, const ScanSettings &scan);
	void execute(const std::string &sql) override;
	void begin_snapshot() override;
	void end_snapshot(bool commit) override;
	/*
	 * KILL QUERY on a side connection, if a request or a cursor is open (a connection
	 * at rest is left alone: no side connection for nothing). Thread-safe.
	 */
	void cancel() noexcept override;
	bool broken() const noexcept override { return m_broken.load(std::memory_order_relaxed); }
	std::vector<remote::RemoteTable> describe(const std::string &schema) override;
	double estimate_rows(const std::string &schema, const std::string &table) override;
	const remote::Dialect &dialect() const override;
	std::string server_version() const override;
	/* A watchdog kills the running query when a flag is raised during an armed wait. */
	void watch_interrupts(const remote::InterruptFlags &flags) noexcept override;
	/* Arm the watchdog while the calling thread waits for the server (RAII). */
	remote::InterruptWatch &interrupt_watch() noexcept { return m_watch; }

	ScanSettings default_scan_settings() const;
	unsigned long thread_id() const noexcept { return m_thread_id; }

	/* For cursors (driver-internal). */
	st_mysql *handle() const noexcept { return m_mysql; }
	void note_error(unsigned int code) noexcept;
	void mark_broken() noexcept { m_broken.store(true, std::memory_order_relaxed); }
	void cursor_closed() noexcept { m_cursor_open = false; }
	/* A prepared statement for sql, from the cache or freshly prepared. */
	st_mysql_stmt *prepared(const std::string &sql);
	/* Forget a cached statement after an error that may have invalidated it. */
	void forget_statement(st_mysql_stmt *stmt) noexcept;

  private:
	void begin_request();
	void configure_session();
	void kill_query() noexcept;
	/* Set RemoteColumn::json for MariaDB's JSON columns (LONGTEXT + json_valid CHECK). */
	void mark_json_columns(const std::string &schema, std::vector<remote::RemoteTable> &tables);

	struct CachedStatement {
		std::string sql;
		st_mysql_stmt *stmt;
	};

	ConnectSettings m_settings;
	st_mysql *m_mysql = nullptr;
	unsigned long m_thread_id = 0;
	std::atomic<bool> m_broken{false};
	std::atomic<bool> m_cursor_open{false};
	std::vector<CachedStatement> m_statements; /* most recently used first */
	/* Last member: destroyed (its thread joined) before anything it may call. */
	remote::InterruptWatch m_watch{[this]() { kill_query(); }};
};

} // namespace tributary::mysql

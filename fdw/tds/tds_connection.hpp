/*
 * tds_connection.hpp — one SQL Server session over FreeTDS db-lib: login,
 * session setup, snapshot transactions, cancel (TDS attention), catalog queries.
 *
 * Zone: driver zone (no postgres.h). sybdb.h is not included here; the
 * DBPROCESS handle is forward-declared.
 */
#pragma once

#include "fdw/remote/remote.hpp"
#include "fdw/tds/tds_errors.hpp"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

struct tds_dblib_dbprocess;

namespace tributary::tds {

/* The connection options, parsed (names as the PG zone validates them). */
struct ConnectSettings {
	std::string host = "127.0.0.1";
	unsigned int port = 1433;
	std::string dbname;
	std::string username;
	std::string password;
	std::string tds_version = "7.4"; /* 7.1, 7.2, 7.3 or 7.4 */
	std::string client_charset = "UTF-8";
	unsigned int connect_timeout = 0; /* seconds; 0 = 60 */
	unsigned int query_timeout = 0;   /* seconds to wait for the server; 0 = forever */
	std::string app_name = "tributary";
	std::string encryption = "request";   /* off | request | require */
	std::string isolation_level = "auto"; /* auto | snapshot | repeatable_read | read_committed */
	std::size_t fetch_size = 2000;        /* rows per read-ahead batch (two are held) */
	bool read_ahead = true;               /* read scans ahead on a thread of the driver's own */
};

/* Parse options; throws RemoteError(invalid_option) on a malformed value. */
ConnectSettings parse_connect_settings(const remote::Options &options);

/*
 * A scan whose read-ahead thread may be inside db-lib. db-lib allows one
 * thread at a time on a DBPROCESS, so before the connection touches it from
 * the backend's thread (cancel) it has the scan stop that thread.
 */
class ScanControl {
public:
	/* Stop the read-ahead thread and wait for it; the scan then only reports a cancel. */
	virtual void quiesce() noexcept = 0;

protected:
	~ScanControl() = default;
};

class TdsConnection final : public remote::Connection {
public:
	/* Connects; throws RemoteError(connect | invalid_option | timeout). */
	explicit TdsConnection(const remote::Options &options);
	~TdsConnection() override;
	TdsConnection(const TdsConnection &) = delete;
	TdsConnection &operator=(const TdsConnection &) = delete;

	/*
	 * One cursor at a time: it keeps a reference to this connection, and every
	 * other request (execute, snapshots, describe) throws RemoteError(internal)
	 * until it is destroyed. Destroy the cursor before the connection.
	 */
	std::unique_ptr<remote::Cursor> open(const remote::Query &query) override;
	void execute(const std::string &sql) override;
	void begin_snapshot() override;
	void end_snapshot(bool commit) override;
	void cancel() noexcept override;
	bool broken() const noexcept override;
	std::vector<remote::RemoteTable> describe(const std::string &schema) override;
	double estimate_rows(const std::string &schema, const std::string &table) override;
	const remote::Dialect &dialect() const override;
	std::string server_version() const override;
	/* Polled by db-lib about once a second while a request waits for the server. */
	void watch_interrupts(const remote::InterruptFlags &flags) noexcept override;

	/* The session's TEXTSIZE: a (max)/text/image value this long may have been cut. */
	long long textsize() const noexcept { return m_textsize; }
	/* True while a snapshot transaction is open on the server. */
	bool in_transaction() const noexcept { return m_in_transaction; }

	/* For cursors (driver-internal). */
	const ConnectSettings &settings() const noexcept { return m_settings; }
	/* The scan whose read-ahead thread owns the DBPROCESS now, nullptr when none does. */
	void set_active_scan(ScanControl *scan) noexcept { m_active_scan = scan; }
	tds_dblib_dbprocess *handle() const noexcept { return m_dbproc; }
	ErrorRecord &record() noexcept { return m_record; }
	bool native_temporals() const noexcept { return m_native_temporals; }
	/* Incremented by every cancel(): a cursor opened before it must not report an end. */
	std::uint64_t cancel_generation() const noexcept { return m_cancels; }
	void mark_broken() noexcept { m_broken = true; }
	/* The id of the cursor the connection serves, 0 if none. */
	std::uint64_t open_cursor_id() const noexcept { return m_open_cursor; }
	/* A cursor is gone; the connection is free again if it still served that one. */
	void cursor_closed(std::uint64_t id) noexcept
	{
		if (m_open_cursor == id) {
			m_open_cursor = 0;
		}
	}
	/* Start a request: broken / busy checks, record cleared. */
	void begin_request();
	/*
	 * After a failed library call: build the error from the record (kind
	 * fallback if nothing was recorded), mark the connection broken when the
	 * error broke it, otherwise flush what is left of the request so the next
	 * one can run.
	 */
	remote::RemoteError failure(std::string message, const std::string &query,
	                            remote::ErrorKind fallback = remote::ErrorKind::query);
	/* Abandon the current request (TDS attention); never throws. */
	void abandon_request() noexcept;

private:
	void configure_session();
	/* Read the session's TEXTSIZE (after our SET TEXTSIZE, or anyone's). */
	void refresh_textsize();
	std::string snapshot_state();

	ConnectSettings m_settings;
	tds_dblib_dbprocess *m_dbproc = nullptr;
	ErrorRecord m_record;
	std::string m_version;
	long long m_textsize = 2147483647LL; /* until the session says otherwise */
	bool m_native_temporals = true;
	std::atomic<bool> m_broken{false}; /* may be set on a read-ahead thread */
	ScanControl *m_active_scan = nullptr;
	std::uint64_t m_open_cursor = 0; /* id of the open cursor, 0 = none */
	std::uint64_t m_cursor_ids = 0;
	bool m_in_transaction = false;
	std::string m_isolation;      /* the level the session is known to run at, "" = unknown */
	std::string m_snapshot_state; /* sys.databases.snapshot_isolation_state_desc, cached */
	std::uint64_t m_cancels = 0;
};

} // namespace tributary::tds

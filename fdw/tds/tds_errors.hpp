/*
 * tds_errors.hpp — what went wrong on a SQL Server connection: the record that
 * FreeTDS's callbacks fill, the classification of SQL Server and db-lib message
 * numbers into remote::ErrorKind and SQLSTATE, and the RemoteError built from it.
 *
 * Zone: driver zone. Never includes postgres.h; this header does not include
 * sybdb.h either, so the classification can be unit-tested and included anywhere
 * in the driver zone. The C callbacks themselves live in tds_errors.cpp.
 */
#pragma once

#include "fdw/remote/remote.hpp"

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

struct tds_dblib_dbprocess;

namespace tributary::tds {

/* Where an error happened: during connect every failure is a connect error. */
enum class ErrorContext : std::uint8_t { connect, query };

/* One message: a server ERROR token (class > 10) or a db-lib/libtds client error. */
struct TdsMessage {
	bool from_server = false;
	long number = 0;
	int severity = 0; /* server class, or db-lib severity (EXINFO … EXCONSISTENCY) */
	int state = -1;   /* server state; -1 for client errors */
	std::string text;
	std::string os_text; /* client errors: the operating system's text, if any */
	std::string procedure;
	int line = 0;
};

/*
 * What the callbacks recorded during one library call. The connection owns one;
 * dbsetuserdata() points FreeTDS at it, and the C++ caller inspects it after the
 * call returns (the callbacks never throw).
 */
struct ErrorRecord {
	std::vector<TdsMessage> messages;
	/*
	 * Set by the caller while connecting or cancelling: a timeout then closes the
	 * socket at once. Otherwise the first timeout of a request sends an attention
	 * (the request ends, the connection stays usable) and a second one, when the
	 * server does not even acknowledge that, closes the socket.
	 */
	bool close_on_timeout = false;
	/* SYBETIME callbacks seen during the current request. */
	int timeouts = 0;
	/* Flags polled while waiting for the server (Connection::watch_interrupts). */
	remote::InterruptFlags watch;
	/* Set when a watched flag made db-lib send an attention for this request. */
	bool interrupted = false;
	/*
	 * Set from another thread to end the current wait for the server the same
	 * way (a cursor stopping its read-ahead thread); not reset by clear().
	 */
	std::atomic<bool> stop{false};

	/* Nothing went wrong: no message and no interrupt. */
	bool empty() const noexcept { return messages.empty() && !interrupted; }
	void clear() noexcept
	{
		messages.clear();
		timeouts = 0;
		interrupted = false;
	}
	/* Keep at most this many messages (a runaway PRINT loop must not grow memory). */
	static constexpr std::size_t max_messages = 32;
};

/* db-lib's own message numbers that matter to classification (sybdb.h SYBE*). */
namespace dblib_code {
constexpr long iconv_in_unknown = 2400; /* SYBEICONVIU */
constexpr long iconv_unavailable = 2401;
constexpr long iconv_out = 2402;
constexpr long iconv_in = 2403;
constexpr long iconv_too_big = 2404;
constexpr long connection_failed = 20002; /* SYBEFCON */
constexpr long timeout = 20003;           /* SYBETIME */
constexpr long read_failed = 20004;       /* SYBEREAD */
constexpr long write_failed = 20006;      /* SYBEWRIT */
constexpr long socket_failed = 20008;     /* SYBESOCK */
constexpr long connect_failed = 20009;    /* SYBECONN */
constexpr long out_of_memory = 20010;     /* SYBEMEM */
constexpr long interfaces_failed = 20012; /* SYBEINTF */
constexpr long unknown_host = 20013;      /* SYBEUHST */
constexpr long bad_password = 20014;      /* SYBEPWD */
constexpr long unexpected_eof = 20017;    /* SYBESEOF */
constexpr long general_server = 20018;    /* SYBESMSG: "check messages from the server" */
constexpr long bad_token = 20020;         /* SYBEBTOK */
constexpr long dead_process = 20047;      /* SYBEDDNE */
} // namespace dblib_code

/*
 * The kind of a message number. Server numbers: 208 → table_not_found, 18456
 * and 4060 → connect, class ≥ 20 → connection_lost; db-lib numbers: unreachable
 * server → connect, dead DBPROCESS, read/write failure, EOF → connection_lost,
 * 20003 → timeout, character conversion → data. In the connect context every
 * number is a connect error. Anything else is ErrorKind::query.
 */
remote::ErrorKind classify_error(const TdsMessage &message,
                                 ErrorContext context = ErrorContext::query) noexcept;

/* SQLSTATE for a SQL Server error number (23505, 23503, 40P01, …), else empty. */
std::string sqlstate_for(const TdsMessage &message);

/* True if after this message the connection cannot be used any more. */
bool error_breaks_connection(const TdsMessage &message) noexcept;

/*
 * One line of errdetail, never with a password in it:
 * "SQL Server error 208, severity 16, state 1: Invalid object name 'x'."
 * "FreeTDS error 20009, severity 9: Unable to connect: … (Connection refused)."
 */
std::string describe_message(const TdsMessage &message);

/*
 * The message that best explains a failure: the first server error, else the
 * first client error other than the generic 20018. nullptr if there is none.
 */
const TdsMessage *primary_message(const ErrorRecord &record) noexcept;

/*
 * Build the exception for a failed call. message is ours (lower case, no period,
 * "could not execute remote query"); every recorded message goes into detail,
 * the primary one first. fallback is the kind to use when nothing was recorded.
 */
remote::RemoteError make_error(const ErrorRecord &record, std::string message,
                               ErrorContext context = ErrorContext::query,
                               remote::ErrorKind fallback = remote::ErrorKind::query);

/*
 * Install the process's db-lib error and message handlers (dberrhandle,
 * dbmsghandle). Called once, right after dbinit(). The handlers record into the
 * ErrorRecord that dbsetuserdata() attached to the DBPROCESS — or, before a
 * DBPROCESS has user data (during dbopen), into this thread's ConnectScope
 * record — and return; they never throw and never exit the process.
 */
void install_handlers() noexcept;

/*
 * Let db-lib poll the record's watched flags while it waits for the server
 * (dbsetinterrupt: about once a second). A set flag makes it send an attention;
 * the request then ends and the record says interrupted.
 */
void install_interrupt_check(tds_dblib_dbprocess *dbproc) noexcept;

/* While alive, messages of a DBPROCESS without user data go to record (this thread only). */
class ConnectScope {
public:
	explicit ConnectScope(ErrorRecord &record) noexcept;
	~ConnectScope();
	ConnectScope(const ConnectScope &) = delete;
	ConnectScope &operator=(const ConnectScope &) = delete;

private:
	ErrorRecord *m_previous;
};

} // namespace tributary::tds

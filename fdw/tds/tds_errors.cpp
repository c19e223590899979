/*
 * tds_errors.cpp — FreeTDS db-lib's error and message callbacks, and the
 * classification of SQL Server and db-lib message numbers.
 *
 * Zone: driver zone (no PostgreSQL headers, never calls the backend). The C
 * callbacks only append to an ErrorRecord and return a code: they never throw,
 * never longjmp and never return INT_EXIT (db-lib would exit() the backend).
 */
#include "fdw/tds/tds_errors.hpp"

#include <sybdb.h>
#include <sybfront.h>

#include <cstring>

#include "fdw/remote/driver_zone.hpp"

namespace tributary::tds {

using remote::ErrorKind;
using remote::RemoteError;

namespace {

thread_local ErrorRecord *t_connect_record = nullptr;

ErrorRecord *
record_for(DBPROCESS *dbproc) noexcept
{
	if (dbproc != nullptr) {
		auto *record = reinterpret_cast<ErrorRecord *>(dbgetuserdata(dbproc));
		if (record != nullptr) {
			return record;
		}
	}
	return t_connect_record;
}

void
append(ErrorRecord &record, TdsMessage &&message) noexcept
{
	try {
		if (record.messages.size() < ErrorRecord::max_messages) {
			record.messages.push_back(std::move(message));
		}
	} catch (...) {
		/* Out of memory while recording: the caller still sees the call fail. */
	}
}

std::string
text_or_empty(const char *s)
{
	return s != nullptr ? std::string(s) : std::string();
}

/* Record a db-lib/libtds error; never throws (out of memory drops the text). */
void
record_client(ErrorRecord &record, int severity, int dberr, const char *text,
              const char *os_text) noexcept
{
	TdsMessage m;
	m.number = dberr;
	m.severity = severity;
	try {
		m.text = text_or_empty(text);
		m.os_text = text_or_empty(os_text);
	} catch (...) {
	}
	append(record, std::move(m));
}

int
error_handler(DBPROCESS *dbproc, int severity, int dberr, int oserr, char *dberrstr, char *oserrstr)
{
	ErrorRecord *record = record_for(dbproc);
	if (record == nullptr) {
		return INT_CANCEL;
	}
	const char *os_text = oserr != DBNOERR && oserr != 0 ? oserrstr : nullptr;
	if (dberr != SYBETIME) {
		record_client(*record, severity, dberr, dberrstr, os_text);
		return INT_CANCEL;
	}
	/*
	 * A timeout. INT_TIMEOUT makes db-lib send an attention and wait for its
	 * ack (the request ends, the connection stays usable); INT_CANCEL closes
	 * the socket. The first timeout of a request gets the attention — unless
	 * we are connecting or already cancelling — a second one (no ack) closes.
	 */
	const bool first = !record->close_on_timeout && ++record->timeouts == 1;
	if (!record->interrupted && record->timeouts <= 1) {
		record_client(*record, severity, dberr, dberrstr, nullptr);
	}
	return first ? INT_TIMEOUT : INT_CANCEL;
}

int
message_handler(DBPROCESS *dbproc, DBINT msgno, int msgstate, int severity, char *msgtext, char *,
                char *procname, int line)
{
	/* Class ≤ 10 is informational: 5701 changed database, 5703 language, PRINT. */
	if (severity <= 10) {
		return 0;
	}
	ErrorRecord *record = record_for(dbproc);
	if (record == nullptr) {
		return 0;
	}
	TdsMessage m;
	m.from_server = true;
	m.number = msgno;
	m.severity = severity;
	m.state = msgstate;
	m.line = line;
	try {
		m.text = text_or_empty(msgtext);
		m.procedure = text_or_empty(procname);
	} catch (...) {
	}
	append(*record, std::move(m));
	return 0;
}

/* db-lib's chkintr: called about once a second while a request waits for the server. */
int
check_interrupt(void *dbproc)
{
	ErrorRecord *record = record_for(static_cast<DBPROCESS *>(dbproc));
	if (record == nullptr || record->interrupted || record->close_on_timeout) {
		return FALSE;
	}
	const remote::InterruptFlags &w = record->watch;
	if ((w.cancel != nullptr && *w.cancel != 0) || (w.die != nullptr && *w.die != 0) ||
	    record->stop.load()) {
		record->interrupted = true;
		return TRUE;
	}
	return FALSE;
}

/* db-lib's hndlintr: INT_CANCEL makes it time out the wait, and our handler sends the attention. */
int
handle_interrupt(void *)
{
	return INT_CANCEL;
}

bool
contains(const std::string &text, const char *what) noexcept
{
	return text.find(what) != std::string::npos;
}

} // namespace

ErrorKind
classify_error(const TdsMessage &message, ErrorContext context) noexcept
{
	if (context == ErrorContext::connect) {
		return message.number == dblib_code::out_of_memory ? ErrorKind::internal
		                                                   : ErrorKind::connect;
	}
	if (message.from_server) {
		switch (message.number) {
		case 208: /* Invalid object name */ return ErrorKind::table_not_found;
		case 18456: /* Login failed */
		case 4060: /* Cannot open database requested by the login */ return ErrorKind::connect;
		default: break;
		}
		/* Class 20–25: fatal, SQL Server closes the connection. */
		return message.severity >= 20 ? ErrorKind::connection_lost : ErrorKind::query;
	}
	switch (message.number) {
	case dblib_code::timeout: return ErrorKind::timeout;
	case dblib_code::connection_failed:
	case dblib_code::socket_failed:
	case dblib_code::connect_failed:
	case dblib_code::interfaces_failed:
	case dblib_code::unknown_host:
	case dblib_code::bad_password: return ErrorKind::connect;
	case dblib_code::read_failed:
	case dblib_code::write_failed:
	case dblib_code::unexpected_eof:
	case dblib_code::bad_token:
	case dblib_code::dead_process: return ErrorKind::connection_lost;
	case dblib_code::iconv_in_unknown:
	case dblib_code::iconv_unavailable:
	case dblib_code::iconv_out:
	case dblib_code::iconv_in:
	case dblib_code::iconv_too_big: return ErrorKind::data;
	case dblib_code::out_of_memory: return ErrorKind::internal;
	default: return ErrorKind::query;
	}
}

std::string
sqlstate_for(const TdsMessage &message)
{
	if (!message.from_server) {
		return {};
	}
	switch (message.number) {
	case 2627: /* Violation of PRIMARY KEY / UNIQUE KEY constraint */
	case 2601: /* Cannot insert duplicate key row (unique index) */ return "23505";
	case 547: /* The statement conflicted with the … constraint */
		return contains(message.text, "CHECK constraint") ? "23514" : "23503";
	case 515: /* Cannot insert the value NULL into column */ return "23502";
	case 1205: /* Transaction was deadlocked … chosen as the deadlock victim */ return "40P01";
	case 3960: /* Snapshot isolation transaction aborted due to update conflict */ return "40001";
	case 8134: /* Divide by zero error encountered */ return "22012";
	case 8115: /* Arithmetic overflow error converting … */
	case 220: /* Arithmetic overflow error for data type … */ return "22003";
	case 245: /* Conversion failed when converting the … value … to data type … */
	case 8114: /* Error converting data type … to … */ return "22018";
	case 241: /* Conversion failed when converting date and/or time from character string */
	case 242: /* … resulted in an out-of-range value */ return "22007";
	case 8152: /* String or binary data would be truncated */
	case 2628: return "22001";
	case 207: /* Invalid column name */ return "42703";
	case 102: /* Incorrect syntax near … */
	case 156: /* Incorrect syntax near the keyword … */ return "42601";
	case 229: /* The … permission was denied on the object … */
	case 230: return "42501";
	case 1222: /* Lock request time out period exceeded */ return "55P03";
	default: return {};
	}
}

bool
error_breaks_connection(const TdsMessage &message) noexcept
{
	return classify_error(message, ErrorContext::query) == ErrorKind::connection_lost;
}

std::string
describe_message(const TdsMessage &message)
{
	std::string out;
	if (message.from_server) {
		out = "SQL Server error " + std::to_string(message.number) + ", severity " +
		      std::to_string(message.severity) + ", state " + std::to_string(message.state);
		if (!message.procedure.empty()) {
			out += ", procedure " + message.procedure;
		}
		if (message.line > 0) {
			out += ", line " + std::to_string(message.line);
		}
	} else {
		out = "FreeTDS error " + std::to_string(message.number) + ", severity " +
		      std::to_string(message.severity);
	}
	out += ": ";
	out += message.text;
	if (!message.os_text.empty()) {
		out += " (" + message.os_text + ")";
	}
	if (!out.empty() && out.back() != '.' && out.back() != ')') {
		out += '.';
	}
	return out;
}

const TdsMessage *
primary_message(const ErrorRecord &record) noexcept
{
	for (const TdsMessage &m : record.messages) {
		if (m.from_server) {
			return &m;
		}
	}
	for (const TdsMessage &m : record.messages) {
		if (m.number != dblib_code::general_server) {
			return &m;
		}
	}
	return record.messages.empty() ? nullptr : &record.messages.front();
}

RemoteError
make_error(const ErrorRecord &record, std::string message, ErrorContext context, ErrorKind fallback)
{
	const TdsMessage *primary = primary_message(record);
	if (primary == nullptr) {
		return RemoteError(context == ErrorContext::connect ? ErrorKind::connect : fallback,
		                   std::move(message));
	}
	/* A lost connection explains everything else: prefer it over a query error. */
	ErrorKind kind = classify_error(*primary, context);
	long code = primary->number;
	std::string sqlstate = sqlstate_for(*primary);
	if (context == ErrorContext::query && kind != ErrorKind::connection_lost) {
		for (const TdsMessage &m : record.messages) {
			if (error_breaks_connection(m)) {
				kind = ErrorKind::connection_lost;
				code = m.number;
				sqlstate.clear();
				break;
			}
		}
	}
	std::string detail = describe_message(*primary);
	for (const TdsMessage &m : record.messages) {
		if (&m == primary || m.number == dblib_code::general_server) {
			continue;
		}
		detail += ' ';
		detail += describe_message(m);
	}
	return RemoteError(kind, std::move(message), std::move(detail), std::move(sqlstate), code);
}

void
install_handlers() noexcept
{
	dberrhandle(error_handler);
	dbmsghandle(message_handler);
}

void
install_interrupt_check(DBPROCESS *dbproc) noexcept
{
	dbsetinterrupt(dbproc, check_interrupt, handle_interrupt);
}

ConnectScope::ConnectScope(ErrorRecord &record) noexcept : m_previous(t_connect_record)
{
	t_connect_record = &record;
}

ConnectScope::~ConnectScope()
{
	t_connect_record = m_previous;
}

} // namespace tributary::tds

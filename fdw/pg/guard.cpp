/*
 * guard.cpp — the C/C++ boundary: catching PostgreSQL errors for C++ code, and
 * raising C++ exceptions as PostgreSQL errors. See guard.hpp for the contract.
 *
 * Zone: PG zone. Nothing here allocates while an exception is in flight: captures
 * copy into fixed buffers; ereport runs only after the catch block has ended.
 */
#include <cstring>

#include "fdw/pg/guard.hpp"

extern "C" {
#include "miscadmin.h"
#include "utils/elog.h"
#include "utils/memutils.h"
}

namespace tributary::pg {

namespace {

void
copy_text(char *dst, std::size_t cap, const char *src) noexcept
{
	if (src == nullptr) {
		dst[0] = '\0';
		return;
	}
	std::size_t n = std::strlen(src);
	if (n < cap) {
		std::memcpy(dst, src, n + 1);
		return;
	}
	/* Cut at a UTF-8 character boundary and mark the cut. */
	std::size_t keep = cap - 4;
	while (keep > 0 && (static_cast<unsigned char>(src[keep]) & 0xC0) == 0x80) {
		keep--;
	}
	std::memcpy(dst, src, keep);
	std::memcpy(dst + keep, "...", 4);
}

int
errcode_for(const CapturedError &err) noexcept
{
	using remote::ErrorKind;
	switch (err.kind) {
	case ErrorKind::connect:
		return ERRCODE_FDW_UNABLE_TO_ESTABLISH_CONNECTION;
	case ErrorKind::connection_lost:
		return ERRCODE_CONNECTION_FAILURE;
	case ErrorKind::table_not_found:
		return ERRCODE_FDW_TABLE_NOT_FOUND;
	case ErrorKind::cancelled:
		return ERRCODE_QUERY_CANCELED;
	case ErrorKind::invalid_option:
		return ERRCODE_INVALID_PARAMETER_VALUE;
	case ErrorKind::unsupported:
		return ERRCODE_FEATURE_NOT_SUPPORTED;
	case ErrorKind::internal:
		return ERRCODE_INTERNAL_ERROR;
	case ErrorKind::data:
		return ERRCODE_FDW_INVALID_DATA_TYPE;
	case ErrorKind::query:
	case ErrorKind::truncated:
	case ErrorKind::timeout:
		break;
	}
	/* A specific remote SQLSTATE is kept; the generic HY000 is not. */
	if (err.sqlstate[0] != '\0' && std::strcmp(err.sqlstate, "HY000") != 0) {
		return MAKE_SQLSTATE(err.sqlstate[0], err.sqlstate[1], err.sqlstate[2], err.sqlstate[3],
							 err.sqlstate[4]);
	}
	return ERRCODE_FDW_ERROR;
}

int
remote_context(const char *query)
{
	return errcontext("remote SQL command: %s", query);
}

[[noreturn]] void
raise_remote(const CapturedError &err, const ErrorSite &site)
{
	const char *driver = site.driver ? site.driver : "remote";
	const bool has_detail = err.detail[0] != '\0';
	const bool has_query = err.query[0] != '\0';

	if (err.kind == remote::ErrorKind::cancelled) {
		/*
		 * The driver noticed a query cancel, statement_timeout or termination first
		 * (it only reads the flags): PostgreSQL reports it the way it always does.
		 */
		CHECK_FOR_INTERRUPTS();
	}

	if (err.kind == remote::ErrorKind::connect && site.server != nullptr) {
		ereport(ERROR, errcode(errcode_for(err)),
				errmsg("could not connect to %s server \"%s\"", driver, site.server),
				err.code != 0 ? errdetail_internal("%s error %ld: %s", driver, err.code,
												   has_detail ? err.detail : err.message)
							  : errdetail_internal("%s", has_detail ? err.detail : err.message),
				err.hint[0] != '\0' ? errhint("%s", err.hint)
									  : errhint("Check the host, port and user mapping options."));
	}
	/* The remote number leads the detail, unless the driver's text already starts with it. */
	const bool numbered = err.code != 0 && strncmp(err.detail, driver, strlen(driver)) != 0;
	ereport(ERROR, errcode(errcode_for(err)),
			site.table != nullptr ? errmsg("%s (foreign table \"%s\")", err.message, site.table)
								  : errmsg("%s", err.message),
			numbered ? errdetail_internal("%s error %ld: %s", driver, err.code,
										  has_detail ? err.detail : err.message)
					 : (has_detail ? errdetail_internal("%s", err.detail) : 0),
			err.hint[0] != '\0' ? errhint("%s", err.hint) : 0,
			has_query ? remote_context(err.query) : 0);
	pg_unreachable();
}

} // namespace

const char *
PgError::what() const noexcept
{
	return m_edata != nullptr && m_edata->message != nullptr ? m_edata->message
															  : "PostgreSQL error";
}

void
CapturedError::capture(const PgError &e) noexcept
{
	source = Source::postgres;
	pg = e.data();
}

void
CapturedError::capture(const remote::RemoteError &e) noexcept
{
	source = Source::remote;
	kind = e.kind();
	code = e.code();
	copy_text(sqlstate, sizeof(sqlstate), e.sqlstate().size() == 5 ? e.sqlstate().c_str() : "");
	copy_text(message, sizeof(message), e.message().c_str());
	copy_text(detail, sizeof(detail), e.detail().c_str());
	copy_text(query, sizeof(query), e.query().c_str());
	copy_text(hint, sizeof(hint), e.hint().c_str());
}

void
CapturedError::capture_out_of_memory() noexcept
{
	source = Source::out_of_memory;
}

void
CapturedError::capture_internal(const char *what) noexcept
{
	source = Source::internal;
	copy_text(message, sizeof(message), what != nullptr ? what : "unknown exception");
}

void
raise(const CapturedError &err, const ErrorSite &site)
{
	switch (err.source) {
	case CapturedError::Source::postgres:
		ReThrowError(err.pg);
		break;
	case CapturedError::Source::remote:
		if (err.kind == remote::ErrorKind::cancelled) {
			/*
			 * The driver cancelled the remote query because a cancel request or
			 * statement_timeout arrived: PostgreSQL's own message says which.
			 */
			CHECK_FOR_INTERRUPTS();
		}
		raise_remote(err, site);
		break;
	case CapturedError::Source::out_of_memory:
		ereport(ERROR, errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory"),
				errdetail("tributary could not allocate memory outside PostgreSQL's memory "
						  "contexts."));
		break;
	case CapturedError::Source::internal:
	case CapturedError::Source::none:
		break;
	}
	ereport(ERROR, errcode(ERRCODE_INTERNAL_ERROR),
			errmsg("internal error in tributary: %s", err.message));
	pg_unreachable();
}

ErrorData *
pg_try(void (*fn)(void *), void *arg)
{
	MemoryContext caller = CurrentMemoryContext;
	ErrorData *volatile edata = nullptr;

	PG_TRY();
	{
		fn(arg);
	}
	PG_CATCH();
	{
		/* CopyErrorData must not run in ErrorContext; keep the copy in the caller's. */
		MemoryContextSwitchTo(caller);
		edata = CopyErrorData();
		FlushErrorState();
	}
	PG_END_TRY();
	return edata;
}

} // namespace tributary::pg

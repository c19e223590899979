/*
 * boundary_check.cpp — SQL-callable self-test of the C/C++ boundary (guard.hpp).
 *
 * Zone: PG zone entry points running C++ code through guarded(). Each mode forces one
 * kind of failure while C++ objects with destructors are alive, so the regression suite
 * (sql/boundary.sql) can prove that the destructors ran, that the error reaches the
 * client with the right SQLSTATE, and that the session is healthy afterwards.
 * Used by tests and by DBAs who want to check an installation; it changes no data.
 */
#include <atomic>
#include <cstring>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

#include "fdw/pg/guard.hpp"

extern "C" {
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
}

namespace {

/* Destructor runs, counted: the proof that an error unwound the C++ frames. */
long g_destructor_runs = 0;

class Sentinel {
public:
	Sentinel() : m_payload(std::make_unique<std::vector<std::string>>(16, std::string(64, 'x'))) {}
	~Sentinel() { g_destructor_runs++; }
	Sentinel(const Sentinel &) = delete;
	Sentinel &operator=(const Sentinel &) = delete;

private:
	std::unique_ptr<std::vector<std::string>> m_payload;
};

/* Parses text as an integer with PostgreSQL's own input function (can ereport). */
int32
pg_parse_int4(const char *text)
{
	return tributary::pg::pg_call(
		[text]() { return DatumGetInt32(DirectFunctionCall1(int4in, CStringGetDatum(text))); });
}

int32
run_mode(const std::string &mode)
{
	Sentinel outer;
	std::string owned = "owned by a C++ frame: " + mode;
	if (mode == "ok") {
		Sentinel inner;
		return pg_parse_int4("42");
	}
	if (mode == "pg_error") {
		Sentinel inner;
		/* ereport(ERROR) inside int4in: caught by pg_call, thrown as PgError. */
		return pg_parse_int4("not a number");
	}
	if (mode == "exception") {
		Sentinel inner;
		throw std::runtime_error("forced exception in the boundary check");
	}
	if (mode == "bad_alloc") {
		throw std::bad_alloc();
	}
	if (mode == "remote_error") {
		throw tributary::remote::RemoteError(tributary::remote::ErrorKind::table_not_found,
											 "remote table \"missing\" does not exist",
											 "Table 'shop.missing' doesn't exist", "42S02", 1146,
											 "SELECT `id` FROM `shop`.`missing`");
	}
	if (mode == "unknown_exception") {
		throw 17;
	}
	throw tributary::remote::RemoteError(tributary::remote::ErrorKind::invalid_option,
										 "unknown boundary check mode \"" + mode + "\"",
										 "Valid modes: ok, pg_error, exception, bad_alloc, "
										 "remote_error, unknown_exception.");
}

} // namespace

extern "C" {

PG_FUNCTION_INFO_V1(tributary_boundary_check);
PG_FUNCTION_INFO_V1(tributary_boundary_destructor_runs);

Datum
tributary_boundary_check(PG_FUNCTION_ARGS)
{
	char *mode = text_to_cstring(PG_GETARG_TEXT_PP(0));
	/* A memory context that must not outlive the call, error or not. */
	MemoryContext scratch =
		AllocSetContextCreate(CurrentMemoryContext, "tributary boundary check",
							  ALLOCSET_SMALL_SIZES);
	MemoryContext old = MemoryContextSwitchTo(scratch);
	int32 result = tributary::pg::guarded([mode]() { return run_mode(mode); });
	MemoryContextSwitchTo(old);
	MemoryContextDelete(scratch);
	PG_RETURN_INT32(result);
}

Datum
tributary_boundary_destructor_runs(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT64(g_destructor_runs);
}
}

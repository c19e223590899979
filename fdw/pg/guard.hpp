/*
 * guard.hpp — the C/C++ boundary of the extension.
 *
 * Zone: PG zone. Two crossings, one in each direction:
 *
 *   guarded(fn)  — every extern "C" entry point runs its C++ work through it. Any
 *                  exception leaving fn is caught, its facts are copied into a plain
 *                  struct of fixed-size buffers (nothing can fail while copying), and
 *                  only after the try/catch has ended — all C++ temporaries destroyed —
 *                  is the error raised with ereport. No exception ever reaches PostgreSQL
 *                  and no ereport ever runs inside a catch block.
 *
 *   pg_call(fn)  — C++ code that holds objects with destructors calls PostgreSQL through
 *                  it. fn runs inside PG_TRY; an ereport(ERROR) is caught, copied
 *                  (CopyErrorData, in the caller's memory context) and thrown as PgError,
 *                  so the C++ frames unwind normally. fn itself must own no object with a
 *                  destructor (the longjmp skips its frame). A PgError must always travel
 *                  up to guarded(), which re-raises it with its original SQLSTATE: the
 *                  transaction is not usable after a caught error until it is re-raised.
 */
#pragma once

#include <exception>
#include <new>
#include <type_traits>
#include <utility>

extern "C" {
#include "postgres.h"
}

#include "fdw/remote/remote.hpp"
#include "fdw/pg/pg_zone.hpp"

namespace tributary::pg {

/* A PostgreSQL error travelling through C++ frames. Owns nothing that needs freeing. */
class PgError final : public std::exception {
public:
	explicit PgError(ErrorData *edata) noexcept : m_edata(edata) {}
	ErrorData *data() const noexcept { return m_edata; }
	const char *what() const noexcept override;

private:
	ErrorData *m_edata; /* palloc'd in the memory context current at pg_call */
};

/* Where an error happened, to name it in the message (all may be NULL). */
struct ErrorSite {
	const char *driver = nullptr; /* "MySQL", "SQL Server" */
	const char *server = nullptr; /* foreign server name */
	const char *table = nullptr;  /* foreign table name */
};

/* The facts of one caught exception, in storage that cannot fail to be written. */
struct CapturedError {
	enum class Source { none, postgres, remote, out_of_memory, internal } source = Source::none;
	ErrorData *pg = nullptr;
	remote::ErrorKind kind = remote::ErrorKind::internal;
	long code = 0;
	char sqlstate[6] = {0};
	char message[1024] = {0};
	char detail[4096] = {0};
	char query[4096] = {0};
	char hint[512] = {0};

	void capture(const PgError &e) noexcept;
	void capture(const remote::RemoteError &e) noexcept;
	void capture_out_of_memory() noexcept;
	void capture_internal(const char *what) noexcept;
};

/* Raise a captured error as a PostgreSQL error. Never returns. */
[[noreturn]] void raise(const CapturedError &err, const ErrorSite &site);

/* Run fn (C++ code) and turn any exception into an ereport, after unwinding. */
template <typename Fn>
auto
guarded(const ErrorSite &site, Fn &&fn) -> decltype(fn())
{
	CapturedError err;
	try {
		return fn();
	} catch (const PgError &e) {
		err.capture(e);
	} catch (const remote::RemoteError &e) {
		err.capture(e);
	} catch (const std::bad_alloc &) {
		err.capture_out_of_memory();
	} catch (const std::exception &e) {
		err.capture_internal(e.what());
	} catch (...) {
		err.capture_internal(nullptr);
	}
	raise(err, site);
}

template <typename Fn>
auto
guarded(Fn &&fn) -> decltype(fn())
{
	return guarded(ErrorSite{}, std::forward<Fn>(fn));
}

/* Run a plain function under PG_TRY; returns the caught error or NULL. */
ErrorData *pg_try(void (*fn)(void *), void *arg);

/*
 * Call PostgreSQL from C++ code that owns destructors. fn must return a plain value
 * (or void) and own no C++ object with a destructor. Throws PgError on ereport(ERROR).
 */
template <typename Fn>
auto
pg_call(Fn &&fn) -> decltype(fn())
{
	using Result = decltype(fn());
	if constexpr (std::is_void_v<Result>) {
		auto thunk = [](void *arg) { (*static_cast<std::remove_reference_t<Fn> *>(arg))(); };
		if (ErrorData *edata = pg_try(thunk, &fn)) {
			throw PgError(edata);
		}
	} else {
		static_assert(std::is_trivially_copyable_v<Result>,
					  "pg_call may only return plain values or raw handles");
		struct Call {
			std::remove_reference_t<Fn> *fn;
			Result result;
		} call{&fn, Result{}};
		auto thunk = [](void *arg) {
			auto *c = static_cast<Call *>(arg);
			c->result = (*c->fn)();
		};
		if (ErrorData *edata = pg_try(thunk, &call)) {
			throw PgError(edata);
		}
		return call.result;
	}
}

} // namespace tributary::pg

/*
 * sqlite_ext.hpp — what the test server adds to every SQLite connection: the collations
 * that give SQL Server's comparison semantics (TDSCI for text, TDSDEC for exact decimals,
 * TDSDT for date/time text), T-SQL's LIKE, and the tds_* scalar functions the translator
 * maps T-SQL functions and CASTs to.
 *
 * Zone: test server (SQLite C API). Functions report SQL Server errors through
 * sqlite3_result_error with the text "TDS#<number>#<class>#<message>", which
 * errors.cpp turns back into an ERROR token.
 */
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace tributary::tds_server
{

/* Register collations and functions on a fresh connection; false on failure. */
bool register_sqlite_extensions(sqlite3 *db);
/* The collations and LIKE only (collation.cpp). */
bool register_collations(sqlite3 *db);

/* Case-folded code point (accent kept) and primary weight (accent and case removed). */
std::uint32_t fold_case(std::uint32_t cp);
std::uint32_t primary_weight(std::uint32_t cp);

/* TDSCI comparison of two UTF-8 strings (trailing spaces ignored). */
int compare_ci(std::string_view a, std::string_view b);

/*
 * The failure recorded by the last tds_check() that returned 0 on this thread, for the
 * CHECK-constraint error mapping (error number and SQL Server message).
 */
struct CheckFailure {
	int number = 0;
	std::string text;
};
CheckFailure &last_check_failure();

/*
 * The database's ALLOW_SNAPSHOT_ISOLATION flag: from --snapshot-isolation at start-up,
 * changed by ALTER DATABASE; read by every session and by tds_allow_snapshot() (the
 * sys.databases view).
 */
void set_snapshot_isolation(bool on);
bool snapshot_isolation_allowed();

/* Seed of the rowversion counter (@@DBTS); set once at start-up. */
void seed_rowversion(std::uint64_t value);
std::uint64_t current_rowversion();

/* SQL Server's float-to-varchar text (style 0: 6 significant digits, e+006 exponents). */
std::string float_to_sqlserver_text(double v);

} // namespace tributary::tds_server

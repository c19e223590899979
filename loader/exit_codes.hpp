/*
 * exit_codes.hpp — the loader's documented exit codes (docs/reference/loader.md).
 * Zone: loader (driver zone rules: no PostgreSQL server headers).
 */
#pragma once

namespace loader {

enum ExitCode : int {
	exit_success = 0,		/* everything asked for was done */
	exit_with_failures = 1, /* done, but some records failed and were recorded */
	exit_usage = 2,			/* bad command line or configuration; nothing was done */
	exit_fatal = 3,			/* could not go on: connection lost, database error, … */
	exit_locked = 4,		/* another run holds the lock of a step */
	exit_differences = 5,	/* verify found differences (find-missing: orphans left) */
};

} // namespace loader

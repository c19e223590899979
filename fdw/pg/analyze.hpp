/*
 * analyze.hpp — AnalyzeForeignTable of both wrappers (FdwRoutine member).
 * Zone: PG zone.
 */
#pragma once

extern "C" {
#include "postgres.h"
#include "foreign/fdwapi.h"
}

namespace tributary::pg {

/* ANALYZE samples the remote rows (see analyze.cpp). */
bool analyze_foreign_table(Relation relation, AcquireSampleRowsFunc *func,
						   BlockNumber *totalpages);

} // namespace tributary::pg

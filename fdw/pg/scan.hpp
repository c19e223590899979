/*
 * scan.hpp — execution callbacks of both wrappers (FdwRoutine members).
 * Zone: PG zone.
 */
#pragma once

extern "C" {
#include "postgres.h"
#include "commands/explain.h"
#include "foreign/fdwapi.h"
}

namespace tributary::pg {

void begin_foreign_scan(ForeignScanState *node, int eflags);
TupleTableSlot *iterate_foreign_scan(ForeignScanState *node);
void rescan_foreign_scan(ForeignScanState *node);
void end_foreign_scan(ForeignScanState *node);
void explain_foreign_scan(ForeignScanState *node, ExplainState *es);

} // namespace tributary::pg

/*
 * routine.cpp — builds the FdwRoutine of each wrapper from the callbacks in
 * planner.cpp and scan.cpp, and initialises the module.
 * Zone: PG zone.
 */
#include "fdw/pg/routine.hpp"

extern "C" {
#include "nodes/nodes.h"
#include "optimizer/pathnode.h"
}

namespace tributary::pg {

namespace {

void
not_available(PlannerInfo *, RelOptInfo *, Oid)
{
	ereport(ERROR, errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			errmsg("scans of tributary foreign tables are not available in this build"));
}

} // namespace

FdwRoutine *
make_routine(Driver)
{
	FdwRoutine *routine = makeNode(FdwRoutine);
	routine->GetForeignRelSize = not_available;
	return routine;
}

void
module_init()
{
}

} // namespace tributary::pg

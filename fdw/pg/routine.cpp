/*
 * routine.cpp — builds the FdwRoutine of each wrapper from the callbacks in
 * planner.cpp, scan.cpp, analyze.cpp and import.cpp, and initialises the module.
 *
 * Zone: PG zone. Both wrappers share every callback; a callback finds its driver from
 * the foreign server's wrapper. The wrappers are read-only: IsForeignRelUpdatable
 * reports no operation, so INSERT/UPDATE/DELETE fail in the planner with
 * PostgreSQL's own "cannot insert into foreign table" error.
 */
#include "fdw/pg/routine.hpp"

#include "fdw/pg/analyze.hpp"
#include "fdw/pg/connection.hpp"
#include "fdw/pg/import.hpp"
#include "fdw/pg/planner.hpp"
#include "fdw/pg/scan.hpp"

extern "C" {
#include "nodes/nodes.h"
}

namespace tributary::pg {

namespace {

int
is_foreign_rel_updatable(Relation)
{
	return 0; /* migrations never write to a source */
}

List *
import_mysql(ImportForeignSchemaStmt *stmt, Oid serverid)
{
	return import_foreign_schema(Driver::mysql, stmt, serverid);
}

List *
import_mssql(ImportForeignSchemaStmt *stmt, Oid serverid)
{
	return import_foreign_schema(Driver::mssql, stmt, serverid);
}

} // namespace

FdwRoutine *
make_routine(Driver driver)
{
	FdwRoutine *routine = makeNode(FdwRoutine);
	routine->GetForeignRelSize = get_foreign_rel_size;
	routine->GetForeignPaths = get_foreign_paths;
	routine->GetForeignPlan = get_foreign_plan;
	routine->GetForeignUpperPaths = get_foreign_upper_paths;
	routine->BeginForeignScan = begin_foreign_scan;
	routine->IterateForeignScan = iterate_foreign_scan;
	routine->ReScanForeignScan = rescan_foreign_scan;
	routine->EndForeignScan = end_foreign_scan;
	routine->ExplainForeignScan = explain_foreign_scan;
	routine->IsForeignRelUpdatable = is_foreign_rel_updatable;
	routine->AnalyzeForeignTable = analyze_foreign_table;
	routine->ImportForeignSchema = driver == Driver::mysql ? import_mysql : import_mssql;
	return routine;
}

void
module_init()
{
	connection_init();
}

} // namespace tributary::pg

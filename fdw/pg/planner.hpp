/*
 * planner.hpp — planning callbacks of both wrappers (FdwRoutine members).
 * Zone: PG zone.
 */
#pragma once

extern "C" {
#include "postgres.h"
#include "foreign/fdwapi.h"
}

namespace tributary::pg {

void get_foreign_rel_size(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid);
void get_foreign_paths(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid);
ForeignScan *get_foreign_plan(PlannerInfo *root, RelOptInfo *foreignrel, Oid foreigntableid,
							  ForeignPath *best_path, List *tlist, List *scan_clauses,
							  Plan *outer_plan);
void get_foreign_upper_paths(PlannerInfo *root, UpperRelationKind stage, RelOptInfo *input_rel,
							 RelOptInfo *output_rel, void *extra);

} // namespace tributary::pg

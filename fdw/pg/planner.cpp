/*
 * planner.cpp — GetForeignRelSize, GetForeignPaths, GetForeignPlan and
 * GetForeignUpperPaths: which conditions the source evaluates, the paths offered
 * (plain, sorted, parameterized by an outer key, and upper paths for count/min/max,
 * ORDER BY and LIMIT), and the plan carrying the remote statement.
 *
 * Zone: PG zone. Planning never connects unless use_remote_estimate is set (EXPLAIN
 * stays offline). Everything is palloc'd in the planner's context.
 */
#include "fdw/pg/planner.hpp"

#include "fdw/pg/connection.hpp"
#include "fdw/pg/deparse.hpp"
#include "fdw/pg/guard.hpp"
#include "fdw/pg/relinfo.hpp"

extern "C" {
#include "foreign/foreign.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/cost.h"
#include "optimizer/optimizer.h"
#include "optimizer/pathnode.h"
#include "optimizer/paths.h"
#include "optimizer/planmain.h"
#include "optimizer/restrictinfo.h"
#include "optimizer/tlist.h"
#include "utils/lsyscache.h"
#include "utils/selfuncs.h"
}

namespace tributary::pg {

namespace {

constexpr double default_rows = 1000.0;
/* Defaults of the server options fdw_startup_cost and fdw_tuple_cost (as postgres_fdw). */
constexpr Cost default_startup_cost = 100.0; /* a remote round trip */
constexpr Cost default_tuple_cost = 0.01;	 /* per row sent by the source */

Cost
option_cost(List *options, const char *name, Cost fallback)
{
	const char *v = option_value(options, name, nullptr);
	return v != nullptr ? strtod(v, nullptr) : fallback;
}

void
classify_restrictions(PlannerInfo *root, RelOptInfo *baserel, RelInfo *info)
{
	ListCell *lc;
	foreach (lc, baserel->baserestrictinfo) {
		RestrictInfo *ri = static_cast<RestrictInfo *>(lfirst(lc));
		const char *reason = nullptr;
		Shippable s = classify_expr(root, baserel, info, ri->clause, &reason);
		if (s == Shippable::exact) {
			info->remote_conds = lappend(info->remote_conds, ri);
			continue;
		}
		if (s == Shippable::superset) {
			info->recheck_conds = lappend(info->recheck_conds, ri);
			reason = "sent as a superset under the source's case-insensitive collation, "
					 "rechecked locally";
		} else {
			info->local_conds = lappend(info->local_conds, ri);
		}
		char *text = deparse_local_expr(info->relid, baserel->relid, ri->clause);
		info->local_reasons =
			lappend(info->local_reasons, makeString(psprintf("%s (%s)", text, reason)));
	}
}

double
remote_table_rows(RelOptInfo *baserel, RelInfo *info)
{
	if (option_bool(info->options, "use_remote_estimate", false)) {
		CachedConnection *cc = get_connection(info->driver, info->serverid, info->userid);
		claim_connection(cc, nullptr, nullptr); /* a cursor of a running scan moves aside */
		remote::Connection *conn = cc->conn;
		/* The schema and table as the source names them. */
		const char *table = option_value(info->options, "table_name", get_rel_name(info->relid));
		const char *schema = option_value(info->options,
										  info->driver == Driver::mysql ? "dbname" : "schema_name",
										  "");
		ErrorSite site{driver_label(info->driver), cc->server_name, info->relname};
		double rows = guarded(site, [conn, schema, table]() {
			return conn->estimate_rows(schema, table);
		});
		if (rows >= 0) {
			return rows;
		}
	}
	/* ANALYZE of the foreign table fills reltuples. */
	return baserel->tuples > 0 ? baserel->tuples : default_rows;
}

void
set_costs(RelInfo *info, double rows)
{
	info->retrieved_rows = rows;
	info->startup_cost = info->fdw_startup_cost;
	info->total_cost = info->fdw_startup_cost + rows * (cpu_tuple_cost + info->fdw_tuple_cost);
}

/* Parameterized paths: an outer relation's key drives the scan (nested loop). */
bool
member_matches(PlannerInfo *, RelOptInfo *rel, EquivalenceClass *, EquivalenceMember *em,
			   void *arg)
{
	Expr *e = em->em_expr;
	while (IsA(e, RelabelType)) {
		e = reinterpret_cast<RelabelType *>(e)->arg;
	}
	Var *target = static_cast<Var *>(arg);
	return IsA(e, Var) && reinterpret_cast<Var *>(e)->varno == target->varno &&
		   reinterpret_cast<Var *>(e)->varattno == target->varattno;
}

void
add_parameterized_paths(PlannerInfo *root, RelOptInfo *baserel, RelInfo *info)
{
	List *clauses = NIL;
	ListCell *lc;
	foreach (lc, baserel->joininfo) {
		clauses = lappend(clauses, lfirst(lc));
	}
	/* Equalities implied by equivalence classes: ft.user_id = u.id. */
	if (baserel->has_eclass_joins) {
		List *vars = pull_var_clause(reinterpret_cast<Node *>(baserel->reltarget->exprs),
									 PVC_RECURSE_PLACEHOLDERS);
		foreach (lc, vars) {
			Var *var = static_cast<Var *>(lfirst(lc));
			if (!IsA(var, Var) || var->varno != static_cast<int>(baserel->relid)) {
				continue;
			}
			clauses = list_concat(clauses, generate_implied_equalities_for_column(
											   root, baserel, member_matches, var,
											   baserel->lateral_referencers));
		}
	}
	foreach (lc, clauses) {
		RestrictInfo *ri = static_cast<RestrictInfo *>(lfirst(lc));
		if (!join_clause_is_movable_to(ri, baserel)) {
			continue;
		}
		const char *reason = nullptr;
		if (classify_expr(root, baserel, info, ri->clause, &reason) != Shippable::exact) {
			continue;
		}
		Relids required = bms_difference(ri->clause_relids, baserel->relids);
		required = bms_union(required, baserel->lateral_relids);
		if (bms_is_empty(required)) {
			continue;
		}
		ParamPathInfo *ppi = get_baserel_parampathinfo(root, baserel, required);
		double rows = ppi->ppi_rows;
		Cost total = info->fdw_startup_cost + rows * (cpu_tuple_cost + info->fdw_tuple_cost);
		add_path(baserel, reinterpret_cast<Path *>(create_foreignscan_path(
							  root, baserel, nullptr, rows, info->fdw_startup_cost, total, NIL, required,
							  nullptr, NIL)));
	}
}

/* The sort keys of the query, if the source can produce that order. */
List *
shippable_query_pathkeys(PlannerInfo *root, RelOptInfo *baserel, RelInfo *info)
{
	if (root->query_pathkeys == NIL) {
		return NIL;
	}
	ListCell *lc;
	foreach (lc, root->query_pathkeys) {
		PathKey *pk = static_cast<PathKey *>(lfirst(lc));
		if (pk->pk_eclass->ec_has_volatile) {
			return NIL;
		}
		Expr *found = nullptr;
		ListCell *lm;
		foreach (lm, pk->pk_eclass->ec_members) {
			auto *em = static_cast<EquivalenceMember *>(lfirst(lm));
			if (bms_is_subset(em->em_relids, baserel->relids) && !bms_is_empty(em->em_relids)) {
				found = em->em_expr;
				break;
			}
		}
		if (found == nullptr || !is_sortable_remotely(baserel, info, found)) {
			return NIL;
		}
	}
	return root->query_pathkeys;
}
/*
 * The columns of the scan's output that something above the scan reads. A column that
 * only a removed join needed is left out: a transform view that LEFT JOINs an id map on
 * a unique key loses that join when the query reads no column of the map (the key-only
 * reads of find-missing and diff), but PostgreSQL keeps the join column in the scan's
 * output; fetching it anyway costs the source a read of every row instead of an index.
 * Such a column comes back NULL, which nothing reads. attr_needed is kept for plain base
 * relations only; a member of an inheritance tree or partitioned table fetches its whole
 * output, as do expressions other than plain columns (placeholders).
 */
void
add_output_columns(RelOptInfo *baserel, RelInfo *info)
{
	ListCell *lc;
	foreach (lc, baserel->reltarget->exprs) {
		Node *expr = static_cast<Node *>(lfirst(lc));
		Var *var = IsA(expr, Var) ? reinterpret_cast<Var *>(expr) : nullptr;
		if (var != nullptr && baserel->reloptkind == RELOPT_BASEREL &&
			var->varno == static_cast<int>(baserel->relid) && var->varattno > 0 &&
			var->varattno <= baserel->max_attr) {
			Relids needed = baserel->attr_needed[var->varattno - baserel->min_attr];
			if (!bms_nonempty_difference(needed, baserel->relids)) {
				continue; /* needed by no one above the scan */
			}
		}
		pull_varattnos(expr, baserel->relid, &info->attrs_used);
	}
}


} // namespace

void
get_foreign_rel_size(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid)
{
	auto *info = static_cast<RelInfo *>(palloc0(sizeof(RelInfo)));
	baserel->fdw_private = info;
	info->relid = foreigntableid;
	info->serverid = GetForeignTable(foreigntableid)->serverid;
	info->driver = driver_of_server(info->serverid);
	info->userid = OidIsValid(baserel->userid) ? baserel->userid : GetUserId();
	info->relname = get_rel_name(foreigntableid);
	info->options = collect_options(info->serverid, info->userid, foreigntableid);
	info->remote_from = deparse_from(info->driver, foreigntableid, info->options);
	info->base_rel = baserel;
	info->fdw_startup_cost = option_cost(info->options, "fdw_startup_cost", default_startup_cost);
	info->fdw_tuple_cost = option_cost(info->options, "fdw_tuple_cost", default_tuple_cost);

	classify_restrictions(root, baserel, info);

	/* Columns the scan must fetch: the output, and what local conditions read. */
	add_output_columns(baserel, info);
	ListCell *lc;
	foreach (lc, info->local_conds) {
		pull_varattnos(reinterpret_cast<Node *>(static_cast<RestrictInfo *>(lfirst(lc))->clause),
					   baserel->relid, &info->attrs_used);
	}
	foreach (lc, info->recheck_conds) {
		pull_varattnos(reinterpret_cast<Node *>(static_cast<RestrictInfo *>(lfirst(lc))->clause),
					   baserel->relid, &info->attrs_used);
	}

	double tuples = remote_table_rows(baserel, info);
	baserel->tuples = tuples;
	Selectivity sel = clauselist_selectivity(root, baserel->baserestrictinfo, baserel->relid,
											 JOIN_INNER, nullptr);
	baserel->rows = clamp_row_est(tuples * sel);
	List *remote_only = list_concat(list_copy(info->remote_conds), info->recheck_conds);
	Selectivity remote_sel = clauselist_selectivity(root, remote_only, baserel->relid,
													JOIN_INNER, nullptr);
	set_costs(info, clamp_row_est(tuples * remote_sel));
	info->pushdown_safe = info->local_conds == NIL && info->recheck_conds == NIL;
}

void
get_foreign_paths(PlannerInfo *root, RelOptInfo *baserel, Oid)
{
	auto *info = static_cast<RelInfo *>(baserel->fdw_private);
	add_path(baserel, reinterpret_cast<Path *>(create_foreignscan_path(
						  root, baserel, nullptr, baserel->rows, info->startup_cost,
						  info->total_cost, NIL, baserel->lateral_relids, nullptr, NIL)));
	List *pathkeys = shippable_query_pathkeys(root, baserel, info);
	if (pathkeys != NIL) {
		/* Sorting at the source costs it a little, and saves a local Sort. */
		Cost total = info->total_cost * 1.05 + 1;
		add_path(baserel, reinterpret_cast<Path *>(create_foreignscan_path(
							  root, baserel, nullptr, baserel->rows, info->startup_cost + 1, total,
							  pathkeys, baserel->lateral_relids, nullptr, NIL)));
	}
	add_parameterized_paths(root, baserel, info);
}

namespace {

/* Split the scan's clauses into those sent to the source and those run locally. */
void
split_scan_clauses(PlannerInfo *root, RelOptInfo *baserel, RelInfo *info, List *scan_clauses,
				   List **remote_exprs, List **local_exprs)
{
	ListCell *lc;
	foreach (lc, scan_clauses) {
		RestrictInfo *ri = lfirst_node(RestrictInfo, lc);
		if (ri->pseudoconstant) {
			continue; /* a gating Result node handles it */
		}
		Shippable s;
		if (list_member_ptr(info->remote_conds, ri)) {
			s = Shippable::exact;
		} else if (list_member_ptr(info->recheck_conds, ri)) {
			s = Shippable::superset;
		} else if (list_member_ptr(info->local_conds, ri)) {
			s = Shippable::no;
		} else {
			/* A join clause of a parameterized path. */
			const char *reason = nullptr;
			s = classify_expr(root, baserel, info, ri->clause, &reason);
		}
		if (s != Shippable::no) {
			*remote_exprs = lappend(*remote_exprs, ri->clause);
		}
		if (s != Shippable::exact) {
			*local_exprs = lappend(*local_exprs, ri->clause);
		}
	}
}

RelInfo *
make_upper_info(RelInfo *input, UpperRelationKind stage)
{
	auto *info = static_cast<RelInfo *>(palloc0(sizeof(RelInfo)));
	*info = *input;
	info->is_upper = true;
	info->stage = stage;
	info->outer = input;
	info->pushdown_safe = true;
	return info;
}

RelInfo *
base_of(RelInfo *info)
{
	while (info->is_upper) {
		info = info->outer;
	}
	return info;
}

void
add_grouped_path(PlannerInfo *root, RelOptInfo *input_rel, RelOptInfo *grouped_rel,
				 GroupPathExtraData *extra)
{
	auto *input = static_cast<RelInfo *>(input_rel->fdw_private);
	Query *parse = root->parse;
	if (input->is_upper || parse->groupingSets != NIL || extra->patype != PARTITIONWISE_AGGREGATE_NONE) {
		return;
	}
	PathTarget *target = root->upper_targets[UPPERREL_GROUP_AGG];
	/* What the source computes: the grouping columns and the aggregates. An output built
	 * on aggregates (min(id)::text, count(*) + 1) ships its aggregates, and PostgreSQL
	 * computes the rest over the scan's output. */
	List *shipped = NIL;
	/* Ships the aggregates an expression computed here is built on. False when it holds
	 * anything else: a volatile function, an aggregate the source lacks, or a column that
	 * is not one of `columns`. */
	auto ship_parts = [&](Node *expr, List *columns) {
		if (contain_volatile_functions(expr)) {
			return false;
		}
		ListCell *pc;
		foreach (pc, pull_var_clause(expr, PVC_INCLUDE_AGGREGATES | PVC_INCLUDE_PLACEHOLDERS)) {
			Expr *part = static_cast<Expr *>(lfirst(pc));
			if (IsA(part, Aggref) ? !is_shippable_aggregate_output(input_rel, input, part)
								  : !list_member(columns, part)) {
				return false;
			}
			shipped = lappend(shipped, part);
		}
		return true;
	};
	int i = 0;
	ListCell *lc;
	foreach (lc, target->exprs) {
		Expr *e = static_cast<Expr *>(lfirst(lc));
		Index ref = get_pathtarget_sortgroupref(target, i++);
		if (ref != 0 && get_sortgroupref_clause_noerr(ref, parse->groupClause)) {
			if (!is_sortable_remotely(input_rel, input, e)) {
				return;
			}
			shipped = lappend(shipped, e);
		} else if (!ship_parts(reinterpret_cast<Node *>(e), NIL)) {
			return;
		}
	}
	/* HAVING is evaluated here, over the groups the source sends (a qual on an outer
	 * query's aggregate subquery lands here too); its aggregates are fetched as well, and
	 * it may name the grouping columns. */
	List *having = NIL;
	if (extra->havingQual != nullptr) {
		if (!ship_parts(extra->havingQual, shipped)) {
			return;
		}
		having = IsA(extra->havingQual, List) ? castNode(List, extra->havingQual)
											  : list_make1(extra->havingQual);
	}
	RelInfo *info = make_upper_info(input, UPPERREL_GROUP_AGG);
	info->grouped_tlist = shipped;
	info->having_quals = having;
	/* A LIMIT must not go to the source under a filter applied here. */
	info->pushdown_safe = info->pushdown_safe && having == NIL;
	grouped_rel->fdw_private = info;
	double rows = parse->groupClause == NIL
					  ? 1
					  : estimate_num_groups(root,
											get_sortgrouplist_exprs(parse->groupClause,
																	parse->targetList),
											input->retrieved_rows, nullptr, nullptr);
	/* The source aggregates; only the result crosses the wire. */
	Cost total = input->fdw_startup_cost + rows * (cpu_tuple_cost + input->fdw_tuple_cost);
	info->retrieved_rows = rows;
	add_path(grouped_rel, reinterpret_cast<Path *>(create_foreign_upper_path(
							  root, grouped_rel, target, rows, input->fdw_startup_cost, total, NIL, nullptr,
							  NIL)));
}

/*
 * ORDER BY over the base rel: GetForeignPaths already offered a sorted path (the
 * query's pathkeys are the sort's), so only remember whether the sort is shippable,
 * for the final stage (as postgres_fdw does).
 */
void
add_ordered_path(PlannerInfo *root, RelOptInfo *input_rel, RelOptInfo *ordered_rel)
{
	auto *input = static_cast<RelInfo *>(input_rel->fdw_private);
	if (input->is_upper || root->parse->hasTargetSRFs) {
		return;
	}
	RelInfo *info = make_upper_info(input, UPPERREL_ORDERED);
	info->pushdown_safe = shippable_query_pathkeys(root, input_rel, input) != NIL &&
						  root->query_pathkeys == root->sort_pathkeys;
	info->pathkeys = root->sort_pathkeys;
	ordered_rel->fdw_private = info;
}

bool
is_plain_limit(Node *node)
{
	if (node == nullptr) {
		return true;
	}
	return IsA(node, Const) && castNode(Const, node)->consttype == INT8OID;
}

/*
 * LIMIT/OFFSET (with the ORDER BY under it): a path of the underlying base or grouped
 * rel that also carries the limit, in the path's fdw_private (a List of the count and
 * offset Consts, either may be NULL).
 */
void
add_final_path(PlannerInfo *root, RelOptInfo *input_rel, RelOptInfo *final_rel,
			   FinalPathExtraData *extra)
{
	auto *input = static_cast<RelInfo *>(input_rel->fdw_private);
	Query *parse = root->parse;
	if (parse->commandType != CMD_SELECT || parse->rowMarks != NIL || !extra->limit_needed ||
		parse->hasTargetSRFs || parse->limitOption == LIMIT_OPTION_WITH_TIES) {
		return;
	}
	List *pathkeys = NIL;
	RelOptInfo *under = input_rel;
	if (input->is_upper && input->stage == UPPERREL_ORDERED) {
		under = input->outer->is_upper ? nullptr : input->base_rel;
		input = input->outer;
		pathkeys = root->sort_pathkeys;
	} else if (parse->sortClause != NIL) {
		return;
	}
	if (under == nullptr || !input->pushdown_safe) {
		return;
	}
	if (!is_plain_limit(parse->limitCount) || !is_plain_limit(parse->limitOffset)) {
		return;
	}
	double rows = extra->count_est > 0 ? Min(extra->count_est, input->retrieved_rows)
									   : input->retrieved_rows;
	Cost startup = input->fdw_startup_cost;
	Cost total = startup + rows * (cpu_tuple_cost + input->fdw_tuple_cost);
	if (pathkeys == NIL) {
		/*
		 * A local Limit over a plain scan costs as much as the source's LIMIT (core
		 * prorates the scan), yet the source then runs the whole query and sends a
		 * read-ahead batch before the scan is closed. Prefer the remote LIMIT by a
		 * margin above add_path's fuzz factor (with a sort the local one costs more).
		 */
		const Cost margin = Max(0.02 * startup, 0.5);
		startup = Max(startup - margin, 0.0);
		total = Max(total - margin, startup);
	}
	List *limit = lappend(lappend(NIL, parse->limitCount), parse->limitOffset);
	add_path(final_rel, reinterpret_cast<Path *>(create_foreign_upper_path(
							root, under, root->upper_targets[UPPERREL_FINAL], rows, startup,
							total, pathkeys, nullptr, limit)));
}

} // namespace

ForeignScan *
get_foreign_plan(PlannerInfo *root, RelOptInfo *foreignrel, Oid, ForeignPath *best_path,
				 List *tlist, List *scan_clauses, Plan *outer_plan)
{
	auto *info = static_cast<RelInfo *>(foreignrel->fdw_private);
	RelInfo *base = base_of(info);
	RelOptInfo *baserel = info->base_rel;
	List *remote_exprs = NIL;
	List *local_exprs = NIL;
	List *fdw_scan_tlist = NIL;
	Index scan_relid = 0;
	RelInfo deparse_info = *base;

	if (IS_SIMPLE_REL(foreignrel)) {
		scan_relid = foreignrel->relid;
		split_scan_clauses(root, foreignrel, info, scan_clauses, &remote_exprs, &local_exprs);
	} else {
		/* Upper rel: every base condition is exact (pushdown_safe). */
		remote_exprs = extract_actual_clauses(base->remote_conds, false);
		List *grouped = NIL;
		for (RelInfo *i = info; i->is_upper; i = i->outer) {
			if (i->stage == UPPERREL_GROUP_AGG) {
				grouped = i->grouped_tlist;
				local_exprs = list_copy(i->having_quals);
			}
		}
		if (grouped != NIL) {
			fdw_scan_tlist = add_to_flat_tlist(NIL, grouped);
			deparse_info.grouped_tlist = grouped;
		} else {
			fdw_scan_tlist = add_to_flat_tlist(
				NIL, pull_var_clause(reinterpret_cast<Node *>(foreignrel->reltarget->exprs),
									 PVC_RECURSE_PLACEHOLDERS));
		}
	}

	List *retrieved = NIL;
	List *params = NIL;
	Node *limit_count = nullptr;
	Node *limit_offset = nullptr;
	if (best_path->fdw_private != NIL) {
		limit_count = static_cast<Node *>(linitial(best_path->fdw_private));
		limit_offset = static_cast<Node *>(lsecond(best_path->fdw_private));
	}
	char *sql = deparse_select(root, baserel, &deparse_info, fdw_scan_tlist, remote_exprs,
							   best_path->path.pathkeys, limit_count, limit_offset, &retrieved,
							   &params);
	int fetch_size = option_int(base->options, "fetch_size", 10000);
	List *priv = list_make4(makeString(sql), retrieved, makeInteger(fetch_size),
							base->local_reasons);
	priv = lappend(priv, makeInteger(static_cast<int>(base->relid)));
	priv = lappend(priv, makeInteger(static_cast<int>(base->driver)));
	return make_foreignscan(tlist, local_exprs, scan_relid, params, priv, fdw_scan_tlist, NIL,
							outer_plan);
}

void
get_foreign_upper_paths(PlannerInfo *root, UpperRelationKind stage, RelOptInfo *input_rel,
						RelOptInfo *output_rel, void *extra)
{
	auto *input = static_cast<RelInfo *>(input_rel->fdw_private);
	if (input == nullptr || !input->pushdown_safe || output_rel->fdw_private != nullptr) {
		return;
	}
	switch (stage) {
	case UPPERREL_GROUP_AGG:
		add_grouped_path(root, input_rel, output_rel, static_cast<GroupPathExtraData *>(extra));
		break;
	case UPPERREL_ORDERED:
		add_ordered_path(root, input_rel, output_rel);
		break;
	case UPPERREL_FINAL:
		add_final_path(root, input_rel, output_rel, static_cast<FinalPathExtraData *>(extra));
		break;
	default:
		break;
	}
}

} // namespace tributary::pg

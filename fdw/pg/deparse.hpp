/*
 * deparse.hpp — one Node-tree walker for both drivers: decides which expressions can
 * be sent to the source (and why not), and spells the remote statement through the
 * driver's remote::Dialect.
 *
 * Zone: PG zone. Results are palloc'd in CurrentMemoryContext; errors are ereport.
 */
#pragma once

extern "C" {
#include "postgres.h"
#include "nodes/pathnodes.h"
#include "nodes/pg_list.h"
#include "utils/relcache.h"
}

#include "fdw/pg/relinfo.hpp"

namespace tributary::pg {

/* How an expression can travel to the source. */
enum class Shippable {
	no,		  /* evaluated locally; *reason says why */
	exact,	  /* the source computes exactly PostgreSQL's result */
	superset  /* the source selects a superset (text under a case-insensitive, space-padding
				 collation): send it, and recheck it locally */
};

/*
 * Can a restriction of the foreign base rel be sent? Vars of other relations count as
 * parameters (for parameterized paths). *reason: a static or palloc'd sentence.
 */
Shippable classify_expr(PlannerInfo *root, RelOptInfo *baserel, RelInfo *info, Expr *expr,
						const char **reason);

/* The remote FROM item of a foreign table: `db`.`t`, [s].[t] or (query) AS alias. */
const char *deparse_from(Driver driver, Oid relid, List *options);

/* Remote name of a column (column_name option, else the attribute's name), unquoted. */
const char *remote_column_name(Oid relid, AttrNumber attno);

/* Can ORDER BY on this expression of the base rel be sent (same order as locally)? */
bool is_sortable_remotely(RelOptInfo *baserel, RelInfo *info, Expr *expr);

/* Can this output expression of an aggregate upper rel be sent (count/min/max, Vars)? */
bool is_shippable_aggregate_output(RelOptInfo *baserel, RelInfo *info, Expr *expr);

/*
 * The statement for a scan. For a base rel (tlist NIL) the select list is the used
 * columns and *retrieved_attrs their attnos; for an upper rel it is tlist's
 * expressions, in order. conds: Expr list sent as WHERE. pathkeys: ORDER BY.
 * limit_count/limit_offset: Const or Param nodes, or NULL. *params collects the
 * expressions whose values travel as remote parameters, in placeholder order.
 */
char *deparse_select(PlannerInfo *root, RelOptInfo *baserel, RelInfo *info, List *tlist,
					 List *conds, List *pathkeys, Node *limit_count, Node *limit_offset,
					 List **retrieved_attrs, List **params);

/*
 * The statement ANALYZE reads: every live column of rel by its remote name, from its
 * remote FROM item, keeping each row with probability fraction when fraction < 1 and
 * the dialect can sample (*sampled says whether it could). *attnos: the attribute
 * numbers in select-list order.
 */
char *deparse_analyze(Driver driver, Relation rel, List *options, double fraction,
					  List **attnos, bool *sampled);

/* Spell one condition of the base rel (range table index varno) alone, for EXPLAIN. */
char *deparse_local_expr(Oid relid, Index varno, Expr *expr);

} // namespace tributary::pg

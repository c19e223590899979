/*
 * relinfo.hpp — what planning knows about a foreign relation (base or upper), shared by
 * planner.cpp and deparse.cpp, and the layout of a ForeignScan's fdw_private.
 *
 * Zone: PG zone. All members are palloc'd in the planner's memory context.
 */
#pragma once

extern "C" {
#include "postgres.h"
#include "nodes/pathnodes.h"
#include "nodes/pg_list.h"
}

#include "fdw/pg/options.hpp"

namespace tributary::pg {

struct RelInfo {
	Driver driver;
	Oid relid;	  /* the foreign table (for upper rels: of the underlying base rel) */
	Oid serverid;
	Oid userid;
	const char *relname;	 /* local name, for messages */
	const char *remote_from; /* the deparsed FROM item: `db`.`t`, [s].[t] or (query) t */
	List *options;			 /* OptionValue*: server, user mapping, table */

	/* Restrictions of the base rel, split by where they are evaluated. */
	List *remote_conds;	 /* RestrictInfo: sent to the source, exact */
	List *recheck_conds; /* RestrictInfo: sent as a superset and rechecked locally */
	List *local_conds;	 /* RestrictInfo: evaluated locally only */
	List *local_reasons; /* String per local_conds entry: why it stayed local */
	Bitmapset *attrs_used; /* columns needed (offset by FirstLowInvalidHeapAttributeNumber) */

	/* Upper relations (aggregates, ORDER BY, LIMIT) pushed down over a base rel. */
	RelInfo *outer;		   /* the input rel's info, for upper rels */
	RelOptInfo *base_rel;  /* the foreign base rel under every upper rel */
	UpperRelationKind stage;
	bool is_upper;
	List *grouped_tlist;   /* aggregate output expressions */
	List *having_quals;	   /* HAVING, evaluated locally over the source's groups */
	List *pathkeys;		   /* ORDER BY pushed */
	bool has_limit;
	bool pushdown_safe;	   /* the whole rel can be sent (no local work in between) */

	Cost fdw_startup_cost;	/* server options fdw_startup_cost, fdw_tuple_cost */
	Cost fdw_tuple_cost;
	double retrieved_rows;
	Cost startup_cost;
	Cost total_cost;
};

/*
 * fdw_private of a ForeignScan: a List with these members, in this order.
 */
enum FdwScanPrivate {
	fsp_sql,			 /* String: the remote statement */
	fsp_retrieved_attrs, /* List of Integer: attnos (base) or tlist positions (upper) */
	fsp_fetch_size,		 /* Integer */
	fsp_local_reasons,	 /* List of String: "cond — reason", for EXPLAIN */
	fsp_relid,			 /* Integer: foreign table OID (for options, names) */
	fsp_driver,			 /* Integer: Driver */
	fsp_count
};

} // namespace tributary::pg

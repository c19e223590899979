/*
 * scan.cpp — BeginForeignScan, IterateForeignScan, ReScanForeignScan,
 * EndForeignScan and ExplainForeignScan: stream the remote result into slots.
 *
 * Zone: PG zone. The cursor is a driver object: it is created, advanced and deleted
 * only inside guarded() calls; the scan state keeps its raw pointer, and a reset
 * callback on the executor's memory context deletes it if the query is aborted. Rows
 * are converted straight into Datums (convert.cpp) in the per-tuple context.
 */
#include "fdw/pg/scan.hpp"

#include <memory>

#include "fdw/pg/connection.hpp"
#include "fdw/pg/convert.hpp"
#include "fdw/pg/guard.hpp"
#include "fdw/pg/relinfo.hpp"
#include "fdw/pg/remote_cursor.hpp"

extern "C" {
#include "access/table.h"
#include "utils/resowner.h"
#include "utils/tuplestore.h"
#include "catalog/pg_type.h"
#include "executor/executor.h"
#include "executor/tuptable.h"
#include "foreign/foreign.h"
#include "miscadmin.h"
#include "nodes/nodeFuncs.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
}

namespace tributary::pg {

namespace {

struct ScanState {
	Driver driver;
	Oid relid;
	const char *relname;
	const char *sql;
	int ncols;				 /* columns the remote query returns */
	int *slot_index;		 /* per column: position in the scan slot (0-based) */
	ColumnConverter *conv;	 /* per column */
	List *param_states;		 /* ExprState per remote parameter */
	int nparams;
	remote::Cell *params;	 /* palloc'd, filled before each open */
	CachedConnection *cc;
	remote::Cursor *cursor;	 /* owned; deleted by end/rescan or the reset callback */
	bool finished;			 /* the result ended (cursor already deleted) */
	const remote::Cell **row; /* per column: the current row's cells */
	MemoryContextCallback reset_cb;
	int current_column;		 /* for the error context */
	/* Spooling: another scan needed the connection while this one streamed. */
	ForeignScanState *node;
	MemoryContext cxt;			/* the executor's query context: the spool lives there */
	ResourceOwner owner;		/* the portal's owner: it owns the spool's temporary files */
	Tuplestorestate *spool;		/* the rest of the result, read off the connection */
	TupleTableSlot *spool_slot; /* minimal-tuple slot reading spool */
};

void
delete_cursor(ScanState *st, bool cleanup)
{
	remote::Cursor *cursor = st->cursor;
	if (cursor == nullptr) {
		return;
	}
	st->cursor = nullptr;
	if (!cleanup) {
		release_stream(st->cc, st);
	}
	ErrorSite site{driver_label(st->driver), cleanup ? nullptr : st->cc->server_name, st->relname};
	delete_remote_cursor(site, cursor, cleanup);
}

void
drop_spool(ScanState *st)
{
	if (st->spool != nullptr) {
		tuplestore_end(st->spool);
		st->spool = nullptr;
	}
}

void
reset_callback(void *arg)
{
	auto *st = static_cast<ScanState *>(arg);
	delete_cursor(st, true);
	st->spool = nullptr; /* its memory goes with the context, its files with the owner */
	if (st->cc != nullptr) {
		release_stream(st->cc, st);
		release_connection(st->cc);
		st->cc = nullptr;
	}
}

void
conversion_context(void *arg)
{
	auto *st = static_cast<ScanState *>(arg);
	if (st->current_column >= 0) {
		errcontext("column \"%s\" of foreign table \"%s\"", st->conv[st->current_column].name,
				   st->relname);
	} else {
		errcontext("foreign table \"%s\"", st->relname);
	}
}

/* Converters for an upper rel's output (count, min, max, plain columns). */
ColumnConverter *
converters_for_tlist(List *tlist, Relation rel, MemoryContext cxt)
{
	int n = list_length(tlist);
	auto *conv = static_cast<ColumnConverter *>(
		MemoryContextAllocZero(cxt, sizeof(ColumnConverter) * Max(n, 1)));
	int i = 0;
	ListCell *lc;
	foreach (lc, tlist) {
		Expr *e = lfirst_node(TargetEntry, lc)->expr;
		if (IsA(e, Aggref) && reinterpret_cast<Aggref *>(e)->aggstar) {
			e = nullptr;
		} else if (IsA(e, Aggref)) {
			Aggref *agg = reinterpret_cast<Aggref *>(e);
			e = linitial_node(TargetEntry, agg->args)->expr;
			if (agg->aggtype == INT8OID) { /* count(col) */
				e = nullptr;
			}
		}
		while (e != nullptr && IsA(e, RelabelType)) {
			e = reinterpret_cast<RelabelType *>(e)->arg;
		}
		if (e != nullptr && IsA(e, Var)) {
			ColumnConverter *one = make_converters(
				rel, list_make1_int(reinterpret_cast<Var *>(e)->varattno), cxt);
			conv[i] = *one;
		} else {
			conv[i].target = ConvertTarget::int8;
			conv[i].typid = INT8OID;
			conv[i].basetypid = INT8OID;
			conv[i].typmod = -1;
			conv[i].base_typmod = -1;
			conv[i].char_limit = -1;
			conv[i].name = "count";
			conv[i].type_name = "bigint";
			conv[i].cxt = cxt;
		}
		i++;
	}
	return conv;
}

/*
 * The next row of the remote cursor, converted into slot (cleared first) in
 * CurrentMemoryContext. At the end of the result the cursor is deleted (the connection
 * is free for others) and false returned. ereports on remote and conversion errors.
 */
bool
next_remote_row(ScanState *st, TupleTableSlot *slot)
{
	ExecClearTuple(slot);
	ErrorSite site{driver_label(st->driver), st->cc->server_name, st->relname};
	const bool has_row = fetch_remote_row(site, st->cursor, st->row, st->ncols, st->sql);
	if (!has_row) {
		st->finished = true;
		delete_cursor(st, false);
		return false;
	}

	int natts = slot->tts_tupleDescriptor->natts;
	memset(slot->tts_isnull, true, sizeof(bool) * natts);
	ErrorContextCallback errcb;
	errcb.callback = conversion_context;
	errcb.arg = st;
	errcb.previous = error_context_stack;
	error_context_stack = &errcb;
	for (int i = 0; i < st->ncols; i++) {
		st->current_column = i;
		int at = st->slot_index[i];
		slot->tts_values[at] = convert_cell(&st->conv[i], *st->row[i], &slot->tts_isnull[at]);
	}
	st->current_column = -1;
	error_context_stack = errcb.previous;
	ExecStoreVirtualTuple(slot);
	return true;
}

/*
 * SpoolFn of a scan: another scan of the transaction needs the shared connection while
 * this one streams. Read the rest of this result into a tuplestore (work_mem, then a
 * temporary file of the scan's own resource owner, so a cursor of another portal keeps
 * it), delete the cursor, and serve later rows from the tuplestore.
 */
void
spool_scan(void *arg)
{
	auto *st = static_cast<ScanState *>(arg);
	if (st->cursor == nullptr) {
		release_stream(st->cc, st);
		return;
	}
	TupleDesc desc = st->node->ss.ss_ScanTupleSlot->tts_tupleDescriptor;
	MemoryContext row_cxt =
		AllocSetContextCreate(st->cxt, "tributary spooled row", ALLOCSET_DEFAULT_SIZES);
	MemoryContext old = MemoryContextSwitchTo(st->cxt);
	ResourceOwner saved_owner = CurrentResourceOwner;
	CurrentResourceOwner = st->owner;
	PG_TRY();
	{
		st->spool = tuplestore_begin_heap(false, false, work_mem);
		TupleTableSlot *row = MakeSingleTupleTableSlot(desc, &TTSOpsVirtual);
		for (;;) {
			CHECK_FOR_INTERRUPTS();
			MemoryContextSwitchTo(row_cxt);
			if (!next_remote_row(st, row)) {
				break;
			}
			tuplestore_puttupleslot(st->spool, row);
			MemoryContextReset(row_cxt);
		}
		MemoryContextSwitchTo(st->cxt);
		ExecDropSingleTupleTableSlot(row);
		if (st->spool_slot == nullptr) {
			st->spool_slot = MakeSingleTupleTableSlot(desc, &TTSOpsMinimalTuple);
		}
	}
	PG_FINALLY();
	{
		CurrentResourceOwner = saved_owner;
		MemoryContextSwitchTo(old);
	}
	PG_END_TRY();
	MemoryContextDelete(row_cxt);
	st->finished = false; /* the rows now come from the spool */
	elog(DEBUG1, "tributary: foreign table \"%s\" spooled its remaining rows locally, so "
				 "another scan could use the transaction's connection",
		 st->relname);
}

/* The next spooled row into slot (empty slot at the end). */
TupleTableSlot *
next_spooled_row(ScanState *st, TupleTableSlot *slot)
{
	/*
	 * A tuple read back from the spool's file is palloc'd in the current context and
	 * freed by spool_slot at the next read: it must not live in a per-tuple context
	 * that a caller (a join probing this scan) resets in between.
	 */
	MemoryContext old = MemoryContextSwitchTo(st->cxt);
	const bool found = tuplestore_gettupleslot(st->spool, true, false, st->spool_slot);
	MemoryContextSwitchTo(old);
	if (!found) {
		return slot;
	}
	slot_getallattrs(st->spool_slot);
	int natts = slot->tts_tupleDescriptor->natts;
	memcpy(slot->tts_values, st->spool_slot->tts_values, sizeof(Datum) * natts);
	memcpy(slot->tts_isnull, st->spool_slot->tts_isnull, sizeof(bool) * natts);
	return ExecStoreVirtualTuple(slot);
}

void
open_cursor(ForeignScanState *node, ScanState *st)
{
	ExprContext *econtext = node->ss.ps.ps_ExprContext;
	MemoryContext old = MemoryContextSwitchTo(econtext->ecxt_per_tuple_memory);
	int i = 0;
	ListCell *lc;
	foreach (lc, st->param_states) {
		ExprState *es = static_cast<ExprState *>(lfirst(lc));
		bool isnull = false;
		Datum value = ExecEvalExpr(es, econtext, &isnull);
		datum_to_cell(exprType(reinterpret_cast<Node *>(es->expr)), value, isnull,
					  &st->params[i++]);
	}
	MemoryContextSwitchTo(old);

	/* Another scan of this transaction streaming on the connection spools its rest first. */
	claim_connection(st->cc, st, spool_scan);
	ErrorSite site{driver_label(st->driver), st->cc->server_name, st->relname};
	st->cursor = open_remote_cursor(site, st->cc->conn, st->sql, st->params, st->nparams);
}

} // namespace

void
begin_foreign_scan(ForeignScanState *node, int eflags)
{
	if (eflags & EXEC_FLAG_EXPLAIN_ONLY) {
		return;
	}
	auto *plan = castNode(ForeignScan, node->ss.ps.plan);
	EState *estate = node->ss.ps.state;
	auto *st = static_cast<ScanState *>(palloc0(sizeof(ScanState)));
	node->fdw_state = st;
	st->sql = strVal(list_nth(plan->fdw_private, fsp_sql));
	List *retrieved = static_cast<List *>(list_nth(plan->fdw_private, fsp_retrieved_attrs));
	st->relid = static_cast<Oid>(intVal(list_nth(plan->fdw_private, fsp_relid)));
	st->driver = static_cast<Driver>(intVal(list_nth(plan->fdw_private, fsp_driver)));
	st->relname = get_rel_name(st->relid);
	st->current_column = -1;
	st->node = node;
	st->cxt = estate->es_query_cxt;
	st->owner = CurrentResourceOwner;

	/* The user whose mapping is used: the range table entry's checkAsUser (views). */
	int rtindex = plan->scan.scanrelid > 0 ? static_cast<int>(plan->scan.scanrelid)
											 : bms_next_member(plan->fs_relids, -1);
	RangeTblEntry *rte = exec_rt_fetch(rtindex, estate);
	Oid userid = OidIsValid(rte->checkAsUser) ? rte->checkAsUser : GetUserId();
	Oid serverid = GetForeignTable(st->relid)->serverid;
	st->cc = get_connection(st->driver, serverid, userid, true);

	st->ncols = list_length(retrieved);
	st->slot_index = static_cast<int *>(palloc(sizeof(int) * Max(st->ncols, 1)));
	st->row = static_cast<const remote::Cell **>(palloc0(sizeof(remote::Cell *) * Max(st->ncols, 1)));
	if (plan->scan.scanrelid > 0) {
		st->conv = make_converters(node->ss.ss_currentRelation, retrieved, estate->es_query_cxt);
		int i = 0;
		ListCell *lc;
		foreach (lc, retrieved) {
			st->slot_index[i++] = lfirst_int(lc) - 1;
		}
	} else {
		Relation rel = table_open(st->relid, AccessShareLock);
		st->conv = converters_for_tlist(plan->fdw_scan_tlist, rel, estate->es_query_cxt);
		table_close(rel, AccessShareLock);
		for (int i = 0; i < st->ncols; i++) {
			st->slot_index[i] = i;
		}
	}
	st->param_states = ExecInitExprList(plan->fdw_exprs, reinterpret_cast<PlanState *>(node));
	st->nparams = list_length(plan->fdw_exprs);
	st->params = static_cast<remote::Cell *>(palloc0(sizeof(remote::Cell) * Max(st->nparams, 1)));

	/* If the query is aborted, the executor's context goes away: take the cursor with it. */
	st->reset_cb.func = reset_callback;
	st->reset_cb.arg = st;
	MemoryContextRegisterResetCallback(estate->es_query_cxt, &st->reset_cb);
}

TupleTableSlot *
iterate_foreign_scan(ForeignScanState *node)
{
	auto *st = static_cast<ScanState *>(node->fdw_state);
	TupleTableSlot *slot = node->ss.ss_ScanTupleSlot;
	ExecClearTuple(slot);
	CHECK_FOR_INTERRUPTS();
	if (st->spool != nullptr) {
		return next_spooled_row(st, slot);
	}
	if (st->finished) {
		return slot;
	}
	if (st->cursor == nullptr) {
		open_cursor(node, st);
	}
	MemoryContext old = MemoryContextSwitchTo(node->ss.ps.ps_ExprContext->ecxt_per_tuple_memory);
	next_remote_row(st, slot);
	MemoryContextSwitchTo(old);
	return slot;
}

void
rescan_foreign_scan(ForeignScanState *node)
{
	auto *st = static_cast<ScanState *>(node->fdw_state);
	/* Parameters may have changed: the next fetch reopens with their new values. */
	delete_cursor(st, false);
	drop_spool(st);
	st->finished = false;
}

void
end_foreign_scan(ForeignScanState *node)
{
	auto *st = static_cast<ScanState *>(node->fdw_state);
	if (st == nullptr) {
		return;
	}
	delete_cursor(st, false);
	drop_spool(st);
	release_connection(st->cc);
	st->cc = nullptr;
}

void
explain_foreign_scan(ForeignScanState *node, ExplainState *es)
{
	auto *plan = castNode(ForeignScan, node->ss.ps.plan);
	if (es->verbose) {
		ExplainPropertyText("Remote SQL", strVal(list_nth(plan->fdw_private, fsp_sql)), es);
		List *reasons = static_cast<List *>(list_nth(plan->fdw_private, fsp_local_reasons));
		ListCell *lc;
		foreach (lc, reasons) {
			ExplainPropertyText("Local condition", strVal(lfirst(lc)), es);
		}
	}
}

} // namespace tributary::pg

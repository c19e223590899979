/*
 * analyze.cpp — AnalyzeForeignTable of both wrappers: ANALYZE on a foreign table reads
 * a sample of the remote rows, so the planner gets reltuples and column statistics
 * (selectivities, distinct counts) without use_remote_estimate.
 *
 * Zone: PG zone. The cursor is a driver object, advanced and deleted only inside
 * guarded() calls; a reset callback on ANALYZE's memory context deletes it if the
 * command fails, so the cached connection never keeps a dead result open.
 *
 * How much crosses the wire: when the source's statistics know the table's size and
 * the dialect can sample (MySQL: WHERE RAND() < f), the source keeps about 1.25 × the
 * sample size and only those rows travel; the row count is then the number received
 * divided by f. Otherwise (no estimate, a remote query, a source without sampling)
 * every row is read and a reservoir keeps a uniform sample of targrows: memory stays
 * bounded, time grows with the table.
 */
#include <cstring>

#include "fdw/pg/analyze.hpp"

#include "fdw/pg/connection.hpp"
#include "fdw/pg/convert.hpp"
#include "fdw/pg/deparse.hpp"
#include "fdw/pg/guard.hpp"
#include "fdw/pg/remote_cursor.hpp"

extern "C" {
#include "access/htup_details.h"
#include "commands/vacuum.h"
#include "foreign/foreign.h"
#include "miscadmin.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/sampling.h"
}

namespace tributary::pg {

namespace {

/* Remote sampling asks for this many times the sample size, so a binomial shortfall is rare. */
constexpr double oversample = 1.25;
/* Tables estimated below this many times the sample size are read whole. */
constexpr double sample_threshold = 2.0;

struct AnalyzeState {
	Driver driver;
	const char *relname;
	CachedConnection *cc;
	remote::Cursor *cursor; /* owned: deleted at the end or by the reset callback */
	int ncols;
	const remote::Cell **row;
	ColumnConverter *conv;
	int current_column;
	MemoryContextCallback reset_cb;
};

void
delete_analyze_cursor(AnalyzeState *st, bool cleanup)
{
	remote::Cursor *cursor = st->cursor;
	if (cursor == nullptr) {
		return;
	}
	st->cursor = nullptr;
	release_stream(st->cc, st);
	ErrorSite site{driver_label(st->driver), st->cc->server_name, st->relname};
	delete_remote_cursor(site, cursor, cleanup);
}

void
analyze_reset_callback(void *arg)
{
	delete_analyze_cursor(static_cast<AnalyzeState *>(arg), true);
}

void
analyze_error_context(void *arg)
{
	auto *st = static_cast<AnalyzeState *>(arg);
	if (st->current_column >= 0) {
		errcontext("column \"%s\" of foreign table \"%s\" (ANALYZE)",
				   st->conv[st->current_column].name, st->relname);
	} else {
		errcontext("foreign table \"%s\" (ANALYZE)", st->relname);
	}
}

/* The table's row count from the source's statistics; < 0 if unknown (remote queries). */
double
remote_estimate(AnalyzeState *st, Relation relation, List *options)
{
	if (option_value(options, "query", nullptr) != nullptr) {
		return -1;
	}
	const char *table = option_value(options, "table_name", RelationGetRelationName(relation));
	const char *schema =
		option_value(options, st->driver == Driver::mysql ? "dbname" : "schema_name", "");
	claim_connection(st->cc, nullptr, nullptr);
	remote::Connection *conn = st->cc->conn;
	ErrorSite site{driver_label(st->driver), st->cc->server_name, st->relname};
	return guarded(site, [conn, schema, table]() { return conn->estimate_rows(schema, table); });
}

void
open_analyze_cursor(AnalyzeState *st, const char *sql)
{
	claim_connection(st->cc, st, nullptr);
	ErrorSite site{driver_label(st->driver), st->cc->server_name, st->relname};
	st->cursor = open_remote_cursor(site, st->cc->conn, sql, nullptr, 0);
}

/* Advance the cursor; the row's cells in st->row. false at the end of the result. */
bool
next_analyze_row(AnalyzeState *st, const char *sql)
{
	ErrorSite site{driver_label(st->driver), st->cc->server_name, st->relname};
	return fetch_remote_row(site, st->cursor, st->row, st->ncols, sql);
}

/* The current row as a heap tuple of the relation, in CurrentMemoryContext. */
HeapTuple
form_sample_tuple(AnalyzeState *st, Relation relation, List *attnos, MemoryContext scratch)
{
	TupleDesc desc = RelationGetDescr(relation);
	Datum *values = static_cast<Datum *>(palloc(sizeof(Datum) * Max(desc->natts, 1)));
	bool *nulls = static_cast<bool *>(palloc(sizeof(bool) * Max(desc->natts, 1)));
	memset(nulls, true, sizeof(bool) * desc->natts);
	MemoryContext old = MemoryContextSwitchTo(scratch);
	int i = 0;
	ListCell *lc;
	foreach (lc, attnos) {
		st->current_column = i;
		const int at = lfirst_int(lc) - 1;
		values[at] = convert_cell(&st->conv[i], *st->row[i], &nulls[at]);
		i++;
	}
	st->current_column = -1;
	MemoryContextSwitchTo(old);
	HeapTuple tuple = heap_form_tuple(desc, values, nulls);
	MemoryContextReset(scratch);
	pfree(values);
	pfree(nulls);
	return tuple;
}

/*
 * AcquireSampleRowsFunc: up to targrows rows into rows[] (palloc'd in the caller's
 * context), a uniform sample of the remote rows; *totalrows the table's row count.
 */
int
acquire_sample_rows(Relation relation, int elevel, HeapTuple *rows, int targrows,
					double *totalrows, double *totaldeadrows)
{
	const Oid relid = RelationGetRelid(relation);
	const Oid serverid = GetForeignTable(relid)->serverid;
	/* As postgres_fdw: the table owner's user mapping. */
	const Oid owner = relation->rd_rel->relowner;
	auto *st = static_cast<AnalyzeState *>(palloc0(sizeof(AnalyzeState)));
	st->driver = driver_of_server(serverid);
	st->relname = RelationGetRelationName(relation);
	st->current_column = -1;
	List *options = collect_options(serverid, owner, relid);
	st->cc = get_connection(st->driver, serverid, owner);

	const double estimate = remote_estimate(st, relation, options);
	const double fraction =
		estimate > targrows * sample_threshold ? targrows * oversample / estimate : 1.0;
	List *attnos = NIL;
	bool sampled = false;
	char *sql = deparse_analyze(st->driver, relation, options, fraction, &attnos, &sampled);
	st->ncols = list_length(attnos);
	st->row = static_cast<const remote::Cell **>(
		palloc0(sizeof(remote::Cell *) * Max(st->ncols, 1)));
	st->conv = make_converters(relation, attnos, CurrentMemoryContext);

	st->reset_cb.func = analyze_reset_callback;
	st->reset_cb.arg = st;
	MemoryContextRegisterResetCallback(CurrentMemoryContext, &st->reset_cb);
	MemoryContext scratch =
		AllocSetContextCreate(CurrentMemoryContext, "tributary analyze row", ALLOCSET_SMALL_SIZES);
	ErrorContextCallback errcb;
	errcb.callback = analyze_error_context;
	errcb.arg = st;
	errcb.previous = error_context_stack;
	error_context_stack = &errcb;

	open_analyze_cursor(st, sql);
	ReservoirStateData reservoir;
	reservoir_init_selection_state(&reservoir, targrows);
	double seen = 0;
	double skip = -1;
	int kept = 0;
	while (next_analyze_row(st, sql)) {
		vacuum_delay_point(); /* also checks for interrupts */
		if (kept < targrows) {
			rows[kept++] = form_sample_tuple(st, relation, attnos, scratch);
		} else {
			/* Vitter's reservoir: replace a random kept row, or skip this one. */
			if (skip < 0) {
				skip = reservoir_get_next_S(&reservoir, seen, targrows);
			}
			if (skip <= 0) {
				const int pos = (int) (targrows * sampler_random_fract(&reservoir.randstate));
				heap_freetuple(rows[pos]);
				rows[pos] = form_sample_tuple(st, relation, attnos, scratch);
			}
			skip -= 1;
		}
		seen += 1;
	}
	delete_analyze_cursor(st, false);
	error_context_stack = errcb.previous;
	MemoryContextDelete(scratch);

	*totalrows = sampled ? seen / fraction : seen;
	*totaldeadrows = 0;
	ereport(elevel,
			errmsg("\"%s\": %s %.0f rows, %d rows in sample", st->relname,
				   sampled ? "the source sampled about" : "the source sent all", *totalrows, kept),
			errdetail_internal("Remote SQL: %s", sql));
	return kept;
}

} // namespace

bool
analyze_foreign_table(Relation relation, AcquireSampleRowsFunc *func, BlockNumber *totalpages)
{
	*func = acquire_sample_rows;
	*totalpages = 1; /* unknown; ANALYZE only needs it to be non-zero */
	return true;
}

} // namespace tributary::pg

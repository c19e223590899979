/*
 * deparse.cpp — the remote spelling of what shippable.cpp lets travel: select lists,
 * conditions, ORDER BY, LIMIT, aggregates. One writer serves both drivers: what differs
 * is spelled by remote::Dialect.
 *
 * Zone: PG zone. Dialect calls (C++, may throw) are made through dialect_text(), which
 * runs them under guarded() and copies the result into palloc'd memory before any
 * PostgreSQL function runs. Nothing else here owns a C++ object.
 *
 * Constants are spelled exactly: numbers in full (floats by their shortest exact text,
 * whatever extra_float_digits says), timestamptz in UTC (the remote session's zone).
 */
#include <cstring>
#include <string>

#include "fdw/pg/deparse.hpp"
#include "fdw/pg/shippable.hpp"

#include "fdw/pg/connection.hpp"
#include "fdw/pg/guard.hpp"

extern "C" {
#include "access/htup_details.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "catalog/pg_aggregate.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_database.h"
#include "catalog/pg_operator.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "common/shortest_dec.h"
#include "foreign/foreign.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"
#include "rewrite/rewriteManip.h"
#include "utils/rel.h"
#include "utils/ruleutils.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"
}

namespace tributary::pg {

namespace {

/* A copy of a dialect's std::string result, in palloc'd memory. */
template <typename Fn>
char *
dialect_text(Fn &&fn)
{
	return guarded([&fn]() {
		std::string s = fn();
		auto *p = static_cast<char *>(palloc_extended(s.size() + 1, MCXT_ALLOC_NO_OOM));
		if (p == nullptr) {
			throw std::bad_alloc();
		}
		std::memcpy(p, s.c_str(), s.size() + 1);
		return p;
	});
}

/*
 * Remote statements are UTF-8 whatever the database encoding: identifiers, literals
 * and remote query text are converted as they are spelled (no-op in UTF-8 databases).
 */
const char *
to_utf8(const char *s)
{
	if (GetDatabaseEncoding() == PG_UTF8) {
		return s;
	}
	return pg_server_to_any(s, static_cast<int>(strlen(s)), PG_UTF8);
}

char *
quote_ident(const remote::Dialect &d, const char *name)
{
	const char *utf8 = to_utf8(name);
	return dialect_text([&d, utf8]() { return d.quote_identifier(utf8); });
}

/* ---------- spelling ---------- */

struct Out {
	PlannerInfo *root;
	RelOptInfo *baserel;
	RelInfo *info;
	const remote::Dialect *dialect;
	StringInfo buf;
	List **params;
};

void emit(Out &o, Expr *expr);

void
emit_param(Out &o, Expr *expr)
{
	*o.params = lappend(*o.params, expr);
	int n = list_length(*o.params);
	const remote::Dialect *d = o.dialect;
	appendStringInfoString(o.buf, dialect_text([d, n]() { return d->placeholder(n); }));
}

void
emit_column(Out &o, Var *var)
{
	const char *name = remote_column_name(o.info->relid, var->varattno);
	char *q = quote_ident(*o.dialect, name);
	if (var->vartype == BOOLOID) {
		/* A boolean is an integer remotely (TINYINT(1), BIT): true is any non-zero. */
		appendStringInfo(o.buf, "(%s <> 0)", q);
	} else {
		appendStringInfoString(o.buf, q);
	}
}

char *
iso_date(DateADT d)
{
	int y, m, day;
	j2date(d + POSTGRES_EPOCH_JDATE, &y, &m, &day);
	return psprintf("%04d-%02d-%02d", y, m, day);
}

char *
iso_timestamp(Timestamp ts, bool utc)
{
	struct pg_tm tm;
	fsec_t fsec;
	/* A NULL time zone gives UTC for timestamptz; timestamp has none. */
	if (timestamp2tm(ts, nullptr, &tm, &fsec, nullptr, nullptr) != 0) {
		ereport(ERROR, errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				errmsg("timestamp out of range"));
	}
	(void) utc;
	if (fsec != 0) {
		return psprintf("%04d-%02d-%02d %02d:%02d:%02d.%06d", tm.tm_year, tm.tm_mon, tm.tm_mday,
						tm.tm_hour, tm.tm_min, tm.tm_sec, fsec);
	}
	return psprintf("%04d-%02d-%02d %02d:%02d:%02d", tm.tm_year, tm.tm_mon, tm.tm_mday,
					tm.tm_hour, tm.tm_min, tm.tm_sec);
}

char *
text_in_utf8(Datum value)
{
	text *t = DatumGetTextPP(value);
	return const_cast<char *>(to_utf8(text_to_cstring(t)));
}

void
emit_const(Out &o, Const *c)
{
	const remote::Dialect *d = o.dialect;
	if (c->constisnull) {
		appendStringInfoString(o.buf, "NULL");
		return;
	}
	switch (c->consttype) {
	case BOOLOID: {
		bool v = DatumGetBool(c->constvalue);
		appendStringInfoString(o.buf, dialect_text([d, v]() { return d->boolean_literal(v); }));
		return;
	}
	case FLOAT4OID:
	case FLOAT8OID: {
		/*
		 * The exact value, whatever extra_float_digits says (float8out rounds to 15
		 * digits when it is 0 or less). A real is sent as the double it equals: the
		 * source compares a FLOAT column as a double, so the shortest text of the
		 * float ("0.1") would name another number there.
		 */
		const double v = c->consttype == FLOAT4OID ? (double) DatumGetFloat4(c->constvalue)
												   : DatumGetFloat8(c->constvalue);
		char buf[DOUBLE_SHORTEST_DECIMAL_LEN];
		double_to_shortest_decimal_buf(v, buf);
		appendStringInfo(o.buf, buf[0] == '-' ? "(%s)" : "%s", buf);
		return;
	}
	case INT2OID:
	case INT4OID:
	case INT8OID:
	case NUMERICOID: {
		Oid out;
		bool varlena;
		getTypeOutputInfo(c->consttype, &out, &varlena);
		char *s = OidOutputFunctionCall(out, c->constvalue);
		/* A negative number must not glue onto a preceding minus sign. */
		appendStringInfo(o.buf, s[0] == '-' ? "(%s)" : "%s", s);
		return;
	}
	case DATEOID: {
		char *iso = iso_date(DatumGetDateADT(c->constvalue));
		appendStringInfoString(o.buf, dialect_text([d, iso]() { return d->date_literal(iso); }));
		return;
	}
	case TIMESTAMPOID:
	case TIMESTAMPTZOID: {
		/* timestamptz constants travel in UTC: the remote session runs in UTC. */
		char *iso = iso_timestamp(DatumGetTimestamp(c->constvalue),
								  c->consttype == TIMESTAMPTZOID);
		appendStringInfoString(o.buf,
							   dialect_text([d, iso]() { return d->timestamp_literal(iso); }));
		return;
	}
	case BYTEAOID: {
		bytea *b = DatumGetByteaPP(c->constvalue);
		const char *data = VARDATA_ANY(b);
		size_t len = VARSIZE_ANY_EXHDR(b);
		appendStringInfoString(o.buf, dialect_text([d, data, len]() {
								   return d->quote_bytes(std::string(data, len));
							   }));
		return;
	}
	default: {
		char *s = text_in_utf8(c->constvalue);
		appendStringInfoString(o.buf, dialect_text([d, s]() { return d->quote_string(s); }));
		return;
	}
	}
}

void
emit_array_op(Out &o, ScalarArrayOpExpr *saop)
{
	Expr *left = static_cast<Expr *>(linitial(saop->args));
	Const *arr = castNode(Const, lsecond(saop->args));
	Oid elemtype = get_element_type(arr->consttype);
	int16 typlen;
	bool typbyval;
	char typalign;
	get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
	Datum *values;
	bool *nulls;
	int n;
	deconstruct_array(DatumGetArrayTypeP(arr->constvalue), elemtype, typlen, typbyval, typalign,
					  &values, &nulls, &n);
	appendStringInfoChar(o.buf, '(');
	emit(o, left);
	appendStringInfoString(o.buf, " IN (");
	for (int i = 0; i < n; i++) {
		if (i > 0) {
			appendStringInfoString(o.buf, ", ");
		}
		Const elem;
		memset(&elem, 0, sizeof(elem));
		elem.xpr.type = T_Const;
		elem.consttype = elemtype;
		elem.constvalue = values[i];
		elem.constisnull = nulls[i];
		emit_const(o, &elem);
	}
	appendStringInfoString(o.buf, "))");
}

/* A LIKE-family condition, spelled by the dialect (walk_like checked its shape). */
void
emit_like(Out &o, OpExpr *op, remote::LikeKind kind)
{
	StringInfoData lhs;
	initStringInfo(&lhs);
	StringInfo saved = o.buf;
	o.buf = &lhs;
	emit(o, static_cast<Expr *>(linitial(op->args)));
	o.buf = saved;
	char *pattern = text_in_utf8(castNode(Const, lsecond(op->args))->constvalue);
	const remote::Dialect *d = o.dialect;
	const char *left = lhs.data;
	appendStringInfoString(o.buf, dialect_text([d, left, pattern, kind]() {
							   return d->like(left, pattern, kind);
						   }));
}

void
emit_aggregate(Out &o, Aggref *agg)
{
	const char *name = get_func_name(agg->aggfnoid);
	const remote::Dialect *d = o.dialect;
	const char *remote = dialect_text([d, name]() { return d->aggregate_name(name); });
	if (agg->aggstar) {
		appendStringInfo(o.buf, "%s(*)", remote);
		return;
	}
	TargetEntry *te = static_cast<TargetEntry *>(linitial(agg->args));
	appendStringInfo(o.buf, "%s(", remote);
	emit(o, te->expr);
	appendStringInfoChar(o.buf, ')');
}

void
emit(Out &o, Expr *expr)
{
	switch (nodeTag(expr)) {
	case T_Var: {
		Var *var = reinterpret_cast<Var *>(expr);
		if (var->varno == static_cast<int>(o.baserel->relid) && var->varlevelsup == 0) {
			emit_column(o, var);
		} else {
			emit_param(o, expr);
		}
		return;
	}
	case T_Param:
		emit_param(o, expr);
		return;
	case T_Const:
		emit_const(o, reinterpret_cast<Const *>(expr));
		return;
	case T_RelabelType:
		emit(o, reinterpret_cast<RelabelType *>(expr)->arg);
		return;
	case T_FuncExpr: /* an exact implicit cast: the source converts by itself */
		emit(o, static_cast<Expr *>(linitial(reinterpret_cast<FuncExpr *>(expr)->args)));
		return;
	case T_OpExpr: {
		OpExpr *op = reinterpret_cast<OpExpr *>(expr);
		remote::LikeKind like_kind;
		if (like_kind_of(op->opno, &like_kind)) {
			emit_like(o, op, like_kind);
			return;
		}
		appendStringInfoChar(o.buf, '(');
		emit(o, static_cast<Expr *>(linitial(op->args)));
		appendStringInfo(o.buf, " %s ", comparison_name(op->opno));
		emit(o, static_cast<Expr *>(lsecond(op->args)));
		appendStringInfoChar(o.buf, ')');
		return;
	}
	case T_ScalarArrayOpExpr:
		emit_array_op(o, reinterpret_cast<ScalarArrayOpExpr *>(expr));
		return;
	case T_NullTest: {
		NullTest *nt = reinterpret_cast<NullTest *>(expr);
		appendStringInfoChar(o.buf, '(');
		Expr *arg = nt->arg;
		while (IsA(arg, RelabelType)) {
			arg = reinterpret_cast<RelabelType *>(arg)->arg;
		}
		if (IsA(arg, Var) && reinterpret_cast<Var *>(arg)->varno == static_cast<int>(o.baserel->relid)) {
			/* IS NULL on the plain column, not on the boolean rewrite. */
			Var *var = reinterpret_cast<Var *>(arg);
			appendStringInfoString(
				o.buf, quote_ident(*o.dialect, remote_column_name(o.info->relid, var->varattno)));
		} else {
			emit(o, nt->arg);
		}
		appendStringInfoString(o.buf, nt->nulltesttype == IS_NULL ? " IS NULL)" : " IS NOT NULL)");
		return;
	}
	case T_BoolExpr: {
		BoolExpr *b = reinterpret_cast<BoolExpr *>(expr);
		if (b->boolop == NOT_EXPR) {
			appendStringInfoString(o.buf, "(NOT ");
			emit(o, static_cast<Expr *>(linitial(b->args)));
			appendStringInfoChar(o.buf, ')');
			return;
		}
		appendStringInfoChar(o.buf, '(');
		ListCell *lc;
		bool first = true;
		foreach (lc, b->args) {
			if (!first) {
				appendStringInfoString(o.buf, b->boolop == AND_EXPR ? " AND " : " OR ");
			}
			first = false;
			emit(o, static_cast<Expr *>(lfirst(lc)));
		}
		appendStringInfoChar(o.buf, ')');
		return;
	}
	case T_Aggref:
		emit_aggregate(o, reinterpret_cast<Aggref *>(expr));
		return;
	default:
		elog(ERROR, "tributary: unexpected node type %d in a shipped expression",
			 static_cast<int>(nodeTag(expr)));
	}
}

bool
column_not_null(Oid relid, AttrNumber attno)
{
	HeapTuple tuple = SearchSysCache2(ATTNUM, ObjectIdGetDatum(relid), Int16GetDatum(attno));
	if (!HeapTupleIsValid(tuple)) {
		return false;
	}
	bool result = ((Form_pg_attribute) GETSTRUCT(tuple))->attnotnull;
	ReleaseSysCache(tuple);
	return result;
}

/* A column for GROUP BY: the plain column, never the boolean rewrite. */
void
emit_select_column(Out &o, AttrNumber attno)
{
	appendStringInfoString(o.buf,
						   quote_ident(*o.dialect, remote_column_name(o.info->relid, attno)));
}

/* A column of the SELECT list: plain, or converted where its remote type needs it. */
void
emit_output_column(Out &o, AttrNumber attno)
{
	const char *quoted = quote_ident(*o.dialect, remote_column_name(o.info->relid, attno));
	const char *type = to_utf8(remote_column_type(o.info, attno));
	const remote::Dialect *d = o.dialect;
	appendStringInfoString(
		o.buf, dialect_text([d, quoted, type]() { return d->select_column(quoted, type); }));
}

} // namespace


const char *
remote_column_name(Oid relid, AttrNumber attno)
{
	List *options = GetForeignColumnOptions(relid, attno);
	ListCell *lc;
	foreach (lc, options) {
		DefElem *def = static_cast<DefElem *>(lfirst(lc));
		if (strcmp(def->defname, "column_name") == 0) {
			return defGetString(def);
		}
	}
	return get_attname(relid, attno, false);
}

const char *
deparse_from(Driver driver, Oid relid, List *options)
{
	const remote::Dialect &d = dialect_for(driver);
	const char *query = option_value(options, "query", nullptr);
	if (query != nullptr) {
		return psprintf("(%s) AS %s", to_utf8(query), quote_ident(d, "tributary_query"));
	}
	const char *table = option_value(options, "table_name", get_rel_name(relid));
	const char *schema = driver == Driver::mysql
							 ? nullptr
							 : option_value(options, "schema_name", nullptr);
	/* For MySQL the table's dbname names the database; the server's is the default. */
	if (driver == Driver::mysql) {
		ForeignTable *ft = GetForeignTable(relid);
		ListCell *lc;
		foreach (lc, ft->options) {
			DefElem *def = static_cast<DefElem *>(lfirst(lc));
			if (strcmp(def->defname, "dbname") == 0) {
				schema = defGetString(def);
			}
		}
	}
	if (schema != nullptr) {
		return psprintf("%s.%s", quote_ident(d, schema), quote_ident(d, table));
	}
	return quote_ident(d, table);
}


char *
deparse_select(PlannerInfo *root, RelOptInfo *baserel, RelInfo *info, List *tlist, List *conds,
			   List *pathkeys, Node *limit_count, Node *limit_offset, List **retrieved_attrs,
			   List **params)
{
	const remote::Dialect &d = dialect_for(info->driver);
	StringInfoData list;
	initStringInfo(&list);
	Out o{root, baserel, info, &d, &list, params};
	*retrieved_attrs = NIL;

	if (tlist == NIL) {
		Relation rel = table_open(info->relid, NoLock);
		TupleDesc desc = RelationGetDescr(rel);
		bool whole_row = bms_is_member(0 - FirstLowInvalidHeapAttributeNumber, info->attrs_used);
		for (int i = 1; i <= desc->natts; i++) {
			if (TupleDescAttr(desc, i - 1)->attisdropped) {
				continue;
			}
			if (whole_row ||
				bms_is_member(i - FirstLowInvalidHeapAttributeNumber, info->attrs_used)) {
				if (*retrieved_attrs != NIL) {
					appendStringInfoString(&list, ", ");
				}
				emit_output_column(o, i);
				*retrieved_attrs = lappend_int(*retrieved_attrs, i);
			}
		}
		table_close(rel, NoLock);
		if (*retrieved_attrs == NIL) {
			appendStringInfoString(&list, "NULL");
		}
	} else {
		int pos = 1;
		ListCell *lc;
		foreach (lc, tlist) {
			Expr *e = static_cast<Expr *>(lfirst(lc));
			if (IsA(e, TargetEntry)) {
				e = reinterpret_cast<TargetEntry *>(e)->expr;
			}
			if (pos > 1) {
				appendStringInfoString(&list, ", ");
			}
			if (IsA(e, Var)) {
				emit_output_column(o, reinterpret_cast<Var *>(e)->varattno);
			} else {
				emit(o, e);
			}
			*retrieved_attrs = lappend_int(*retrieved_attrs, pos++);
		}
	}

	StringInfoData rest;
	initStringInfo(&rest);
	o.buf = &rest;
	appendStringInfo(&rest, "FROM %s", info->remote_from);
	ListCell *lc;
	bool first = true;
	foreach (lc, conds) {
		appendStringInfoString(&rest, first ? " WHERE " : " AND ");
		first = false;
		emit(o, static_cast<Expr *>(lfirst(lc)));
	}
	if (info->grouped_tlist != NIL) {
		/* GROUP BY the plain columns of the output (aggregates have none when ungrouped). */
		bool any = false;
		foreach (lc, info->grouped_tlist) {
			Expr *e = static_cast<Expr *>(lfirst(lc));
			if (IsA(e, Var)) {
				appendStringInfoString(&rest, any ? ", " : " GROUP BY ");
				any = true;
				emit_select_column(o, reinterpret_cast<Var *>(e)->varattno);
			}
		}
	}
	first = true;
	foreach (lc, pathkeys) {
		PathKey *pk = static_cast<PathKey *>(lfirst(lc));
		EquivalenceMember *em = nullptr;
		ListCell *lm;
		foreach (lm, pk->pk_eclass->ec_members) {
			auto *m = static_cast<EquivalenceMember *>(lfirst(lm));
			if (bms_is_subset(m->em_relids, baserel->relids) && !bms_is_empty(m->em_relids)) {
				em = m;
				break;
			}
		}
		Expr *e = em->em_expr;
		while (IsA(e, RelabelType)) {
			e = reinterpret_cast<RelabelType *>(e)->arg;
		}
		Var *var = reinterpret_cast<Var *>(e);
		char *col = quote_ident(d, remote_column_name(info->relid, var->varattno));
		bool desc = pk->pk_strategy == BTGreaterStrategyNumber;
		appendStringInfoString(&rest, first ? " ORDER BY " : ", ");
		first = false;
		/*
		 * Both sources sort NULLs first ascending; spell PostgreSQL's placement, unless
		 * the column cannot be NULL (the term would cost the source its index).
		 */
		if (!column_not_null(info->relid, var->varattno)) {
			appendStringInfo(&rest, "CASE WHEN %s IS NULL THEN %d ELSE %d END, ", col,
							 pk->pk_nulls_first ? 0 : 1, pk->pk_nulls_first ? 1 : 0);
		}
		appendStringInfo(&rest, "%s %s", col, desc ? "DESC" : "ASC");
	}

	/* The planner pushes only constant limits (see planner.cpp). */
	long long count = -1;
	long long offset = -1;
	if (limit_count != nullptr && !castNode(Const, limit_count)->constisnull) {
		count = DatumGetInt64(castNode(Const, limit_count)->constvalue);
	}
	if (limit_offset != nullptr && !castNode(Const, limit_offset)->constisnull) {
		offset = DatumGetInt64(castNode(Const, limit_offset)->constvalue);
	}
	const char *sel = list.data;
	const char *rst = rest.data;
	bool ordered = pathkeys != NIL;
	return dialect_text([&d, sel, rst, count, offset, ordered]() {
		return d.limit_query(sel, rst, count, offset, ordered);
	});
}

char *
deparse_analyze(Driver driver, Relation rel, List *options, double fraction, List **attnos,
				bool *sampled)
{
	const remote::Dialect &d = dialect_for(driver);
	const Oid relid = RelationGetRelid(rel);
	TupleDesc desc = RelationGetDescr(rel);
	StringInfoData list;
	initStringInfo(&list);
	*attnos = NIL;
	for (int i = 1; i <= desc->natts; i++) {
		if (TupleDescAttr(desc, i - 1)->attisdropped) {
			continue;
		}
		if (*attnos != NIL) {
			appendStringInfoString(&list, ", ");
		}
		appendStringInfoString(&list, quote_ident(d, remote_column_name(relid, i)));
		*attnos = lappend_int(*attnos, i);
	}
	if (*attnos == NIL) {
		appendStringInfoString(&list, "NULL");
	}
	StringInfoData rest;
	initStringInfo(&rest);
	appendStringInfo(&rest, "FROM %s", deparse_from(driver, relid, options));
	*sampled = false;
	if (fraction > 0 && fraction < 1) {
		const char *cond = dialect_text([&d, fraction]() { return d.sample_condition(fraction); });
		if (cond[0] != '\0') {
			appendStringInfo(&rest, " WHERE %s", cond);
			*sampled = true;
		}
	}
	const char *sel = list.data;
	const char *rst = rest.data;
	return dialect_text([&d, sel, rst]() { return d.limit_query(sel, rst, -1, -1, false); });
}

char *
deparse_local_expr(Oid relid, Index varno, Expr *expr)
{
	/* The deparse context knows one relation, as range table entry 1. */
	Node *copy = static_cast<Node *>(copyObjectImpl(expr));
	if (varno != 1) {
		ChangeVarNodes(copy, static_cast<int>(varno), 1, 0);
	}
	List *context = deparse_context_for(get_rel_name(relid), relid);
	return deparse_expression(copy, context, false, false);
}

} // namespace tributary::pg

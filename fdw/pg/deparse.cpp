/*
 * deparse.cpp — which expressions travel to the source, and their remote spelling.
 * One walker serves both drivers: what differs is spelled by remote::Dialect.
 *
 * Zone: PG zone. Dialect calls (C++, may throw) are made through dialect_text(), which
 * runs them under guarded() and copies the result into palloc'd memory before any
 * PostgreSQL function runs. Nothing else here owns a C++ object.
 *
 * Semantics before speed (DESIGN.md): MySQL's and SQL Server's default collations are
 * case-insensitive and ignore trailing spaces, so a text comparison is sent only as
 * equality (= and IN), which then selects a superset of PostgreSQL's rows and is
 * rechecked locally; other text comparisons stay local. Timestamp/timestamptz mixes
 * depend on the local TimeZone and stay local. NaN, infinity and BC dates stay local.
 */
#include <cstring>
#include <string>

#include "fdw/pg/deparse.hpp"

#include "fdw/pg/connection.hpp"
#include "fdw/pg/guard.hpp"

extern "C" {
#include "access/htup_details.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "catalog/pg_aggregate.h"
#include "catalog/pg_operator.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "foreign/foreign.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
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

/* Type families whose comparisons mean the same remotely. */
enum class Family { none, integer, numeric, floating, boolean, date, timestamp, timestamptz, text };

Family
family_of(Oid type)
{
	switch (type) {
	case INT2OID:
	case INT4OID:
	case INT8OID:
		return Family::integer;
	case NUMERICOID:
		return Family::numeric;
	case FLOAT4OID:
	case FLOAT8OID:
		return Family::floating;
	case BOOLOID:
		return Family::boolean;
	case DATEOID:
		return Family::date;
	case TIMESTAMPOID:
		return Family::timestamp;
	case TIMESTAMPTZOID:
		return Family::timestamptz;
	case TEXTOID:
	case VARCHAROID:
	case BPCHAROID:
	case BYTEAOID:
		return Family::text;
	default:
		return Family::none;
	}
}

bool
comparable(Family a, Family b)
{
	if (a == Family::none || b == Family::none) {
		return false;
	}
	if (a == b) {
		return true;
	}
	/* date vs timestamp compares as timestamps on both sides. */
	return (a == Family::date && b == Family::timestamp) ||
		   (a == Family::timestamp && b == Family::date);
}

/* The operators we send, by name: built-in comparisons only. */
const char *
comparison_name(Oid opno)
{
	if (opno >= FirstGenbkiObjectId) {
		return nullptr;
	}
	HeapTuple tuple = SearchSysCache1(OPEROID, ObjectIdGetDatum(opno));
	if (!HeapTupleIsValid(tuple)) {
		elog(ERROR, "cache lookup failed for operator %u", opno);
	}
	const char *name = NameStr(((Form_pg_operator) GETSTRUCT(tuple))->oprname);
	static const char *const names[] = {"=", "<>", "<", "<=", ">", ">="};
	const char *found = nullptr;
	for (const char *n : names) {
		if (strcmp(name, n) == 0) {
			found = n;
		}
	}
	ReleaseSysCache(tuple);
	return found;
}

/* Implicit casts that keep values exact on both sides. */
bool
is_exact_cast(FuncExpr *f)
{
	if (f->funcformat != COERCE_IMPLICIT_CAST || list_length(f->args) != 1) {
		return false;
	}
	Oid from = exprType(static_cast<Node *>(linitial(f->args)));
	Oid to = f->funcresulttype;
	Family ff = family_of(from);
	Family tf = family_of(to);
	if (ff == Family::integer && (tf == Family::integer || tf == Family::numeric)) {
		return true;
	}
	return ff == Family::date && to == TIMESTAMPOID;
}

struct Walk {
	PlannerInfo *root;
	RelOptInfo *baserel;
	RelInfo *info;
	const char *reason;
	bool superset;
	bool null_test; /* walking the argument of IS [NOT] NULL: only NULL-ness is compared */
};

Shippable walk(Walk &w, Expr *expr);

Shippable
fail(Walk &w, const char *reason)
{
	if (w.reason == nullptr) {
		w.reason = reason;
	}
	return Shippable::no;
}

Shippable
combine(Shippable a, Shippable b)
{
	if (a == Shippable::no || b == Shippable::no) {
		return Shippable::no;
	}
	return a == Shippable::superset || b == Shippable::superset ? Shippable::superset
																 : Shippable::exact;
}

bool
const_is_shippable(Const *c)
{
	if (c->constisnull) {
		return true;
	}
	switch (c->consttype) {
	case FLOAT4OID:
		return !isnan(DatumGetFloat4(c->constvalue)) && !isinf(DatumGetFloat4(c->constvalue));
	case FLOAT8OID:
		return !isnan(DatumGetFloat8(c->constvalue)) && !isinf(DatumGetFloat8(c->constvalue));
	case NUMERICOID:
		return !numeric_is_nan(DatumGetNumeric(c->constvalue)) &&
			   !numeric_is_inf(DatumGetNumeric(c->constvalue));
	case DATEOID:
		return !DATE_NOT_FINITE(DatumGetDateADT(c->constvalue)) &&
			   DatumGetDateADT(c->constvalue) >= -POSTGRES_EPOCH_JDATE + 1721426; /* year 1 */
	case TIMESTAMPOID:
	case TIMESTAMPTZOID:
		return !TIMESTAMP_NOT_FINITE(DatumGetTimestamp(c->constvalue)) &&
			   DatumGetTimestamp(c->constvalue) >= -INT64CONST(63082281600000000); /* 0001-01-01 */
	default:
		return family_of(c->consttype) != Family::none;
	}
}

Shippable
walk_op(Walk &w, OpExpr *op)
{
	const char *name = comparison_name(op->opno);
	if (name == nullptr || list_length(op->args) != 2) {
		return fail(w, "operator is not one the source evaluates the same way");
	}
	Expr *left = static_cast<Expr *>(linitial(op->args));
	Expr *right = static_cast<Expr *>(lsecond(op->args));
	Family lf = family_of(exprType(reinterpret_cast<Node *>(left)));
	Family rf = family_of(exprType(reinterpret_cast<Node *>(right)));
	if ((lf == Family::timestamp && rf == Family::timestamptz) ||
		(lf == Family::timestamptz && rf == Family::timestamp)) {
		return fail(w, "comparing timestamp with timestamptz depends on the local TimeZone; "
					   "compare values of the column's own type");
	}
	if (!comparable(lf, rf)) {
		return fail(w, "operand types have no exact remote equivalent");
	}
	Shippable s = combine(walk(w, left), walk(w, right));
	if (s == Shippable::no) {
		return s;
	}
	if (lf == Family::text) {
		if (strcmp(name, "=") != 0) {
			return fail(w, "text ordering and inequality differ under the source's "
						   "collation (case, accents, trailing spaces)");
		}
		return Shippable::superset;
	}
	return s;
}

Shippable
walk_array_op(Walk &w, ScalarArrayOpExpr *saop)
{
	const char *name = comparison_name(saop->opno);
	if (name == nullptr || strcmp(name, "=") != 0 || !saop->useOr) {
		return fail(w, "only = ANY (IN lists) is sent for arrays");
	}
	Expr *left = static_cast<Expr *>(linitial(saop->args));
	Node *right = static_cast<Node *>(lsecond(saop->args));
	if (!IsA(right, Const)) {
		return fail(w, "the array is not a constant list");
	}
	Const *arr = castNode(Const, right);
	if (arr->constisnull) {
		return fail(w, "the array is NULL");
	}
	Family lf = family_of(exprType(reinterpret_cast<Node *>(left)));
	Family ef = family_of(get_element_type(arr->consttype));
	if (!comparable(lf, ef)) {
		return fail(w, "operand types have no exact remote equivalent");
	}
	ArrayType *a = DatumGetArrayTypeP(arr->constvalue);
	if (ArrayGetNItems(ARR_NDIM(a), ARR_DIMS(a)) == 0) {
		return fail(w, "the array is empty");
	}
	Shippable s = walk(w, left);
	if (s == Shippable::no) {
		return s;
	}
	return lf == Family::text ? Shippable::superset : s;
}

/* The declared remote type of a column (column option mysql_type / mssql_type), "" if none. */
const char *
remote_column_type(const RelInfo *info, AttrNumber attno)
{
	const char *name = info->driver == Driver::mysql ? "mysql_type" : "mssql_type";
	ListCell *lc;
	foreach (lc, GetForeignColumnOptions(info->relid, attno)) {
		DefElem *def = static_cast<DefElem *>(lfirst(lc));
		if (strcmp(def->defname, name) == 0) {
			return defGetString(def);
		}
	}
	return "";
}

Shippable
walk_var(Walk &w, Var *var)
{
	if (var->varlevelsup != 0) {
		return fail(w, "references an outer query level");
	}
	if (var->varno != static_cast<int>(w.baserel->relid)) {
		/* Another relation's column: a parameter of a parameterized scan. */
		return family_of(var->vartype) != Family::none ? Shippable::exact
													   : fail(w, "parameter type not supported");
	}
	if (var->varattno <= 0) {
		return fail(w, "system columns and whole rows exist only locally");
	}
	if (family_of(var->vartype) == Family::none) {
		return fail(w, "column type has no exact remote comparison");
	}
	const remote::Dialect &d = dialect_for(w.info->driver);
	const char *type = remote_column_type(w.info, var->varattno);
	if (!w.null_test && !guarded([&d, type]() { return d.comparable_column(type); })) {
		return fail(w, "the remote column's type compares by rules of its own (sql_variant)");
	}
	return Shippable::exact;
}

Shippable
walk(Walk &w, Expr *expr)
{
	if (expr == nullptr) {
		return fail(w, "empty expression");
	}
	switch (nodeTag(expr)) {
	case T_Var:
		return walk_var(w, reinterpret_cast<Var *>(expr));
	case T_Const:
		return const_is_shippable(reinterpret_cast<Const *>(expr))
				   ? Shippable::exact
				   : fail(w, "constant has no exact remote spelling (NaN, infinity, BC date)");
	case T_Param: {
		Param *p = reinterpret_cast<Param *>(expr);
		if (p->paramkind != PARAM_EXTERN && p->paramkind != PARAM_EXEC) {
			return fail(w, "parameter kind not supported");
		}
		return family_of(p->paramtype) != Family::none ? Shippable::exact
													   : fail(w, "parameter type not supported");
	}
	case T_RelabelType:
		return walk(w, reinterpret_cast<RelabelType *>(expr)->arg);
	case T_FuncExpr: {
		FuncExpr *f = reinterpret_cast<FuncExpr *>(expr);
		if (!is_exact_cast(f)) {
			return fail(w, "function calls are evaluated locally");
		}
		return walk(w, static_cast<Expr *>(linitial(f->args)));
	}
	case T_OpExpr:
		return walk_op(w, reinterpret_cast<OpExpr *>(expr));
	case T_ScalarArrayOpExpr:
		return walk_array_op(w, reinterpret_cast<ScalarArrayOpExpr *>(expr));
	case T_NullTest: {
		NullTest *nt = reinterpret_cast<NullTest *>(expr);
		if (nt->argisrow) {
			return fail(w, "row-valued IS NULL is evaluated locally");
		}
		Expr *arg = nt->arg;
		while (IsA(arg, RelabelType)) {
			arg = reinterpret_cast<RelabelType *>(arg)->arg;
		}
		const bool outer = w.null_test;
		w.null_test = IsA(arg, Var); /* the plain column is sent: its NULL-ness is exact */
		Shippable s = walk(w, nt->arg);
		w.null_test = outer;
		return s == Shippable::no ? s : Shippable::exact; /* NULL-ness is exact */
	}
	case T_BoolExpr: {
		BoolExpr *b = reinterpret_cast<BoolExpr *>(expr);
		Shippable s = Shippable::exact;
		ListCell *lc;
		foreach (lc, b->args) {
			s = combine(s, walk(w, static_cast<Expr *>(lfirst(lc))));
		}
		if (b->boolop == NOT_EXPR && s == Shippable::superset) {
			return fail(w, "NOT of a text comparison would select a subset");
		}
		return s;
	}
	default:
		return fail(w, "expression kind is evaluated locally");
	}
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
	case INT2OID:
	case INT4OID:
	case INT8OID:
	case NUMERICOID:
	case FLOAT4OID:
	case FLOAT8OID: {
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

Shippable
classify_expr(PlannerInfo *root, RelOptInfo *baserel, RelInfo *info, Expr *expr,
			  const char **reason)
{
	Walk w{root, baserel, info, nullptr, false, false};
	Shippable s = walk(w, expr);
	*reason = w.reason;
	return s;
}

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

bool
is_sortable_remotely(RelOptInfo *baserel, RelInfo *info, Expr *expr)
{
	while (IsA(expr, RelabelType)) {
		expr = reinterpret_cast<RelabelType *>(expr)->arg;
	}
	if (!IsA(expr, Var)) {
		return false;
	}
	Var *var = reinterpret_cast<Var *>(expr);
	if (var->varno != static_cast<int>(baserel->relid) || var->varattno <= 0 ||
		var->varlevelsup != 0) {
		return false;
	}
	/* Text sorts by the source's collation: keep that local. */
	Family f = family_of(var->vartype);
	return f != Family::none && f != Family::text && f != Family::boolean;
}

bool
is_shippable_aggregate_output(RelOptInfo *baserel, RelInfo *info, Expr *expr)
{
	if (IsA(expr, Var)) {
		return is_sortable_remotely(baserel, info, expr);
	}
	if (!IsA(expr, Aggref)) {
		return false;
	}
	Aggref *agg = reinterpret_cast<Aggref *>(expr);
	if (agg->aggfilter != nullptr || agg->aggdistinct != NIL || agg->aggorder != NIL ||
		agg->aggkind != AGGKIND_NORMAL || agg->aggfnoid >= FirstGenbkiObjectId) {
		return false;
	}
	const char *name = get_func_name(agg->aggfnoid);
	if (strcmp(name, "count") == 0 && agg->aggstar) {
		return true;
	}
	if (list_length(agg->args) != 1) {
		return false;
	}
	Expr *arg = static_cast<TargetEntry *>(linitial(agg->args))->expr;
	if (strcmp(name, "count") == 0) {
		return IsA(arg, Var) || IsA(arg, RelabelType);
	}
	if (strcmp(name, "min") == 0 || strcmp(name, "max") == 0) {
		return is_sortable_remotely(baserel, info, arg);
	}
	return false;
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

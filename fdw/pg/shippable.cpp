/*
 * shippable.cpp — which expressions can travel to the source, and why not: the one
 * classification both drivers share (the spelling is in deparse.cpp).
 *
 * Zone: PG zone. Results are plain values, palloc'd reason strings or static ones; the
 * only C++ call (the dialect's like_support) runs under guarded().
 *
 * Semantics before speed (DESIGN.md): MySQL's and SQL Server's default collations are
 * case-insensitive and ignore trailing spaces, so a text comparison is sent only as
 * equality (= and IN), which then selects a superset of PostgreSQL's rows and is
 * rechecked locally; LIKE follows the dialect's own rule (exact, superset or not at
 * all); other text comparisons stay local, as does anything under a nondeterministic
 * collation. Timestamp/timestamptz mixes depend on the local TimeZone and stay local.
 * NaN, infinity and BC dates stay local.
 */
#include <cstring>

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

namespace {

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

/* The name of a built-in operator (static storage), or NULL if it is not one we know. */
const char *
builtin_operator_name(Oid opno)
{
	if (opno >= FirstGenbkiObjectId) {
		return nullptr;
	}
	HeapTuple tuple = SearchSysCache1(OPEROID, ObjectIdGetDatum(opno));
	if (!HeapTupleIsValid(tuple)) {
		elog(ERROR, "cache lookup failed for operator %u", opno);
	}
	const char *name = NameStr(((Form_pg_operator) GETSTRUCT(tuple))->oprname);
	static const char *const names[] = {"=", "<>", "<", "<=", ">", ">=", "~~", "!~~", "~~*", "!~~*"};
	const char *found = nullptr;
	for (const char *n : names) {
		if (strcmp(name, n) == 0) {
			found = n;
		}
	}
	ReleaseSysCache(tuple);
	return found;
}

} // namespace

/* The operators we send as comparisons, by name: built-in comparisons only. */
const char *
comparison_name(Oid opno)
{
	const char *name = builtin_operator_name(opno);
	return name != nullptr && name[0] != '~' && name[0] != '!' ? name : nullptr;
}

/* Is opno one of the built-in LIKE operators? */
bool
like_kind_of(Oid opno, remote::LikeKind *kind)
{
	const char *name = builtin_operator_name(opno);
	if (name == nullptr) {
		return false;
	}
	if (strcmp(name, "~~") == 0) {
		*kind = remote::LikeKind::like;
	} else if (strcmp(name, "!~~") == 0) {
		*kind = remote::LikeKind::not_like;
	} else if (strcmp(name, "~~*") == 0) {
		*kind = remote::LikeKind::ilike;
	} else if (strcmp(name, "!~~*") == 0) {
		*kind = remote::LikeKind::not_ilike;
	} else {
		return false;
	}
	return true;
}

namespace {

/*
 * Text comparisons are sent only under a deterministic collation: an ICU
 * case-insensitive one makes 'A' = 'a' locally, which no remote form reproduces.
 */
bool
deterministic_collation(Oid collid)
{
	return OidIsValid(collid) && get_collation_isdeterministic(collid);
}

/*
 * Does ILIKE fold case here the way the dialects assume: character by character, with
 * the C library's lower case (one character to one character), and without the
 * Turkic dotted/dotless i rules? ICU lower-casing may change a string's length
 * ('İ' → 'i̇'), which no one-character wildcard reproduces.
 */
bool
ilike_folds_simply(Oid collid)
{
	char provider;
	const char *ctype;
	if (collid == DEFAULT_COLLATION_OID) {
		HeapTuple tuple = SearchSysCache1(DATABASEOID, ObjectIdGetDatum(MyDatabaseId));
		if (!HeapTupleIsValid(tuple)) {
			elog(ERROR, "cache lookup failed for database %u", MyDatabaseId);
		}
		Form_pg_database db = (Form_pg_database) GETSTRUCT(tuple);
		provider = db->datlocprovider;
		bool isnull;
		Datum d = SysCacheGetAttr(DATABASEOID, tuple, Anum_pg_database_datctype, &isnull);
		ctype = isnull ? "" : TextDatumGetCString(d);
		ReleaseSysCache(tuple);
	} else {
		HeapTuple tuple = SearchSysCache1(COLLOID, ObjectIdGetDatum(collid));
		if (!HeapTupleIsValid(tuple)) {
			elog(ERROR, "cache lookup failed for collation %u", collid);
		}
		Form_pg_collation coll = (Form_pg_collation) GETSTRUCT(tuple);
		provider = coll->collprovider;
		bool isnull;
		Datum d = SysCacheGetAttr(COLLOID, tuple, Anum_pg_collation_collctype, &isnull);
		ctype = isnull ? "" : TextDatumGetCString(d);
		ReleaseSysCache(tuple);
	}
	if (provider != COLLPROVIDER_LIBC && provider != COLLPROVIDER_DEFAULT) {
		return false;
	}
	return pg_strncasecmp(ctype, "tr", 2) != 0 && pg_strncasecmp(ctype, "az", 2) != 0;
}

/* Does a PostgreSQL LIKE pattern end with a lone escape character (an error locally)? */
bool
ends_with_lone_escape(const char *pattern)
{
	for (const char *p = pattern; *p != '\0'; p++) {
		if (*p == '\\') {
			if (p[1] == '\0') {
				return true;
			}
			p++;
		}
	}
	return false;
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

const remote::Dialect &
walk_dialect(const Walk &w)
{
	return dialect_for(w.info->driver);
}

Shippable
walk_like(Walk &w, OpExpr *op, remote::LikeKind kind)
{
	Expr *left = static_cast<Expr *>(linitial(op->args));
	Expr *right = static_cast<Expr *>(lsecond(op->args));
	while (IsA(left, RelabelType)) {
		left = reinterpret_cast<RelabelType *>(left)->arg;
	}
	if (!IsA(left, Var) || reinterpret_cast<Var *>(left)->varno != static_cast<int>(w.baserel->relid) ||
		reinterpret_cast<Var *>(left)->varlevelsup != 0 || reinterpret_cast<Var *>(left)->varattno <= 0) {
		return fail(w, "LIKE is sent only for a column of the foreign table");
	}
	const Oid vartype = reinterpret_cast<Var *>(left)->vartype;
	if (vartype != TEXTOID && vartype != VARCHAROID) {
		return fail(w, "LIKE is sent only for text and varchar columns (char pads, bytea has "
					   "no characters)");
	}
	if (!IsA(right, Const) || reinterpret_cast<Const *>(right)->consttype != TEXTOID ||
		reinterpret_cast<Const *>(right)->constisnull) {
		return fail(w, "the LIKE pattern is not a constant");
	}
	if (!deterministic_collation(op->inputcollid)) {
		return fail(w, "the collation is nondeterministic");
	}
	const char *pattern = TextDatumGetCString(reinterpret_cast<Const *>(right)->constvalue);
	if (ends_with_lone_escape(pattern)) {
		return fail(w, "the pattern ends with an escape character (an error locally)");
	}
	const bool folds = kind == remote::LikeKind::ilike || kind == remote::LikeKind::not_ilike;
	if (folds && !ilike_folds_simply(op->inputcollid)) {
		return fail(w, "ILIKE folds case by the collation's own rules (ICU or Turkic), "
					   "which the source does not share");
	}
	const remote::Dialect *d = &walk_dialect(w);
	const remote::Support support = guarded([d, kind]() { return d->like_support(kind); });
	switch (support) {
	case remote::Support::exact:
		return Shippable::exact;
	case remote::Support::superset:
		return Shippable::superset;
	case remote::Support::none:
		break;
	}
	return fail(w, folds ? "the source has no case-insensitive match that selects at least "
						   "PostgreSQL's rows for NOT ILIKE"
						 : "the source has no LIKE with PostgreSQL's semantics");
}

Shippable
walk_op(Walk &w, OpExpr *op)
{
	remote::LikeKind like_kind;
	if (list_length(op->args) == 2 && like_kind_of(op->opno, &like_kind)) {
		return walk_like(w, op, like_kind);
	}
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
		if (!deterministic_collation(op->inputcollid) &&
			exprType(reinterpret_cast<Node *>(left)) != BYTEAOID) {
			return fail(w, "the collation is nondeterministic");
		}
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
	if (lf == Family::text && exprType(reinterpret_cast<Node *>(left)) != BYTEAOID &&
		!deterministic_collation(saop->inputcollid)) {
		return fail(w, "the collation is nondeterministic");
	}
	Shippable s = walk(w, left);
	if (s == Shippable::no) {
		return s;
	}
	return lf == Family::text ? Shippable::superset : s;
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
	const remote::Dialect *d = &walk_dialect(w);
	const char *type = remote_column_type(w.info, var->varattno);
	if (!w.null_test && !guarded([d, type]() { return d->comparable_column(type); })) {
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

} // namespace tributary::pg

/*
 * shippable.hpp — the type families and operators the deparser and the shippability
 * rules share (deparse.cpp spells what shippable.cpp let through).
 *
 * Zone: PG zone. The public classification (classify_expr, is_sortable_remotely,
 * is_shippable_aggregate_output) is declared in deparse.hpp.
 */
#pragma once

extern "C" {
#include "postgres.h"
}

#include "fdw/pg/deparse.hpp"
#include "fdw/remote/remote.hpp"

namespace tributary::pg {

/* Type families whose comparisons mean the same remotely. */
enum class Family { none, integer, numeric, floating, boolean, date, timestamp, timestamptz, text };

Family family_of(Oid type);

/* The built-in comparison operator opno spells (=, <>, <, <=, >, >=), or NULL. */
const char *comparison_name(Oid opno);

/* The declared remote type of a column (column option mysql_type / mssql_type), "" if none. */
const char *remote_column_type(const RelInfo *info, AttrNumber attno);

/* Is opno one of the built-in LIKE operators (~~, !~~, ~~*, !~~*)? */
bool like_kind_of(Oid opno, remote::LikeKind *kind);

} // namespace tributary::pg

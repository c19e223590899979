/*
 * convert_json.cpp — remote text into json/jsonb columns: validated first, so a
 * document that is not JSON follows the column's invalid_value policy and its error
 * names the column, instead of surfacing as a bare input-function error.
 *
 * Zone: PG zone, C semantics (palloc, ereport; no C++ object with a destructor, no
 * driver call). Why validate separately: PostgreSQL 15's json/jsonb input functions
 * can only raise an ERROR; pg_parse_json() returns the parse result instead, so an
 * invalid document can become NULL under invalid_value 'null'. The cost is a second
 * parse of each JSON value; only json/jsonb columns pay it.
 */
#include <cstring>

extern "C" {
#include "postgres.h"
#include "common/jsonapi.h"
#include "mb/pg_wchar.h"
}

#include "fdw/pg/convert_detail.hpp"
#include "fdw/pg/pg_zone.hpp"

namespace tributary::pg::convert_detail {

Datum
to_json(ColumnConverter *c, const Cell &cell, bool *isnull)
{
	if (cell.kind != remote::CellKind::text && cell.kind != remote::CellKind::bytes) {
		kind_mismatch(c, cell);
	}
	char *s = cell_cstring(c, cell, isnull);
	JsonLexContext *lex =
		makeJsonLexContextCstringLen(s, (int) strlen(s), GetDatabaseEncoding(), false);
	const JsonParseErrorType result = pg_parse_json(lex, &nullSemAction);
	if (result != JSON_SUCCESS) {
		return invalid_json(c, json_errdetail(result, lex), isnull);
	}
	return InputFunctionCall(&c->input, s, c->ioparam, c->base_typmod);
}

} // namespace tributary::pg::convert_detail

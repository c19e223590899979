/*
 * tds_dialect.hpp — SQL spelling of T-SQL (SQL Server) for the shared deparser.
 *
 * Zone: driver zone, pure C++ (no sybdb.h, no postgres.h): the PG zone's
 * deparser reaches it through remote::Dialect. Every literal it spells means
 * the same whatever the session's SET DATEFORMAT, SET LANGUAGE and
 * QUOTED_IDENTIFIER say.
 */
#pragma once

#include "fdw/remote/remote.hpp"

namespace tributary::tds {

class TdsDialect final : public remote::Dialect {
public:
	/* [name], embedded ] doubled. Throws RemoteError(data) on a NUL byte. */
	std::string quote_identifier(const std::string &name) const override;
	/*
	 * N'text' with quotes doubled (T-SQL has no backslash escapes). N keeps
	 * non-ASCII text intact whatever the database's code page. Throws
	 * RemoteError(data) on a NUL byte (PostgreSQL text never holds one).
	 */
	std::string quote_string(const std::string &utf8) const override;
	/* 0xHEX (varbinary); the empty value is 0x. */
	std::string quote_bytes(const std::string &bytes) const override;
	/* 1 / 0: T-SQL has no boolean literals; bit compares with integers. */
	std::string boolean_literal(bool value) const override;
	/*
	 * "YYYY-MM-DD HH:MM:SS[.fffffff][±HH[:MM]]" →
	 * CONVERT(datetime2(7), 'YYYY-MM-DDTHH:MM:SS.fffffff', 126), or with an
	 * offset CONVERT(datetimeoffset(7), '…±HH:MM', 127). Style 126/127 (ISO
	 * 8601) parses the same under every DATEFORMAT and LANGUAGE, and datetime2(7)
	 * keeps 100 ns; the ODBC form {ts '…'} is typed datetime and would round to
	 * 1/300 s. Throws RemoteError(unsupported) on other text or a year outside
	 * 0001–9999.
	 */
	std::string timestamp_literal(const std::string &iso) const override;
	/* "YYYY-MM-DD" → CONVERT(date, 'YYYY-MM-DD', 23). Same checks as above. */
	std::string date_literal(const std::string &iso) const override;
	/* @P1, @P2, … : the names the cursor declares for sp_executesql. */
	std::string placeholder(int n) const override;
	/*
	 * SELECT TOP (n) … without an offset; with one, … ORDER BY … OFFSET m ROWS
	 * [FETCH NEXT n ROWS ONLY], adding ORDER BY (SELECT NULL) when the query has
	 * no ORDER BY (OFFSET requires one).
	 */
	std::string limit_query(const std::string &select_list, const std::string &rest,
	                        long long limit, long long offset, bool has_order) const override;
	/* count → COUNT_BIG: COUNT returns int and fails past 2^31 - 1 rows (error 8115). */
	std::string aggregate_name(const std::string &name) const override;
	/*
	 * A sql_variant column as the text of its value: db-lib 1.3 does not expose
	 * a variant's base type, so SQL Server converts it, choosing by
	 * SQL_VARIANT_PROPERTY(…, 'BaseType') a lossless spelling: float and real
	 * with style 3 (17 and 9 digits), money with style 2 (4 decimals), datetime
	 * 121 (yyyy-mm-dd hh:mi:ss.mmm), smalldatetime 120, binary types style 1
	 * (0x…), everything else CAST to nvarchar(max). Other types: quoted.
	 */
	std::string select_column(const std::string &quoted,
	                          const std::string &remote_type) const override;
	/* sql_variant compares by base type family, not as text: its conditions stay local. */
	bool comparable_column(const std::string &remote_type) const override;
};

/* True for the declared type sql_variant (any case, surrounding blanks ignored). */
bool is_sql_variant(const std::string &remote_type);

/* The one dialect instance (stateless). */
const TdsDialect &dialect();

} // namespace tributary::tds

/*
 * query.cpp — running translated statements on SQLite: prepared-statement cache,
 * binding T-SQL variables as real SQLite parameters, describing result columns with
 * their declared SQL Server types, and streaming rows with attention checks.
 *
 * Zone: test server. Hot path: stream_rows() encodes each row into one reusable buffer
 * and copies it into the packet buffer; no allocation per row.
 */
#include "test/tds_server/session.hpp"

#include "test/tds_server/errors.hpp"
#include "test/tds_server/sqlite_ext.hpp"
#include "test/tds_server/sqlite_util.hpp"

namespace tributary::tds_server
{

namespace
{

constexpr std::size_t stmt_cache_limit = 256;

/* Resets a statement when the scope ends, so locks never outlive a request. */
struct ResetGuard {
	sqlite3_stmt *st;
	~ResetGuard()
	{
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
	}
};

std::uint16_t
command_of(const Statement &st)
{
	for (const Token &t : st) {
		if (t.is_kw("INSERT")) {
			return curcmd::insert;
		}
		if (t.is_kw("UPDATE")) {
			return curcmd::update;
		}
		if (t.is_kw("DELETE")) {
			return curcmd::del;
		}
		if (t.is_kw("SELECT")) {
			return curcmd::select;
		}
	}
	return curcmd::select;
}

SqlType
type_of(TypeId id, std::int32_t length = 0)
{
	SqlType t;
	t.id = id;
	t.length = length;
	return t;
}

} // namespace

int
Session::step(sqlite3_stmt *st)
{
	const int rc = sqlite3_step(st);
	if (rc == SQLITE_INTERRUPT || (rc != SQLITE_ROW && rc != SQLITE_DONE && m_ch.killed())) {
		check_cancel();
		m_ch.poll_attention();
		check_cancel();
	}
	return rc;
}

void
Session::raise_sqlite(int rc, std::uint16_t cmd, bool at_prepare)
{
	throw map_sqlite_error(m_db, rc, cmd, at_prepare, m_catalog, m_database);
}

sqlite3_stmt *
Session::prepare(const std::string &sql, std::uint16_t cmd)
{
	const auto it = m_stmt_cache.find(sql);
	if (it != m_stmt_cache.end()) {
		return it->second;
	}
	sqlite3_stmt *st = nullptr;
	const int rc = sqlite3_prepare_v3(m_db, sql.data(), static_cast<int>(sql.size()),
	                                  SQLITE_PREPARE_PERSISTENT, &st, nullptr);
	if (rc != SQLITE_OK) {
		sqlite3_finalize(st);
		raise_sqlite(rc, cmd, true);
	}
	if (st == nullptr) {
		throw syntax_error("");
	}
	if (m_stmt_cache.size() >= stmt_cache_limit) {
		for (auto &kv : m_stmt_cache) {
			sqlite3_finalize(kv.second);
		}
		m_stmt_cache.clear();
	}
	m_stmt_cache.emplace(sql, st);
	return st;
}

void
Session::bind_scope(sqlite3_stmt *st, Scope &scope)
{
	const int n = sqlite3_bind_parameter_count(st);
	for (int k = 1; k <= n; k++) {
		const char *name = sqlite3_bind_parameter_name(st, k);
		if (!name) {
			throw SqlError(40000, 16, "Positional parameters are not supported; use @names.", true);
		}
		const auto it = scope.find(to_lower_ascii(name));
		if (it == scope.end()) {
			throw SqlError(137, 15,
			               std::string("Must declare the scalar variable \"") + name + "\".", true);
		}
		it->second.value.bind(st, k);
	}
}

Value
Session::eval_scalar(const std::string &expr_sql, Scope &scope)
{
	sqlite3_stmt *st = prepare("SELECT " + expr_sql, curcmd::select);
	ResetGuard guard{st};
	bind_scope(st, scope);
	const int rc = step(st);
	if (rc == SQLITE_ROW) {
		return Value::from_column(st, 0);
	}
	if (rc != SQLITE_DONE) {
		raise_sqlite(rc, curcmd::select, false);
	}
	return Value::null();
}

void
Session::check_snapshot()
{
	if (m_isolation == Isolation::snapshot && m_trancount > 0 && !snapshot_isolation_allowed()) {
		throw SqlError(3952, 16,
		               "Snapshot isolation transaction failed accessing database '" + m_database +
		                   "' because snapshot isolation is not allowed in this "
		                   "database. Use ALTER DATABASE to allow snapshot "
		                   "isolation.");
	}
}

void
Session::run_sql(Statement &stmt, Scope &scope)
{
	m_catalog.refresh();
	check_snapshot();
	SelectInfo info;
	const std::uint16_t cmd = command_of(stmt);
	const std::string sql = translate_statement(stmt, translate_context(), &info);
	if (m_showplan && info.is_select) {
		run_showplan(sql, render(stmt), scope);
		return;
	}
	sqlite3_stmt *st = prepare(sql, cmd);
	ResetGuard guard{st};
	bind_scope(st, scope);
	if (!info.assign_vars.empty()) {
		run_assignment(st, info, scope);
	} else if (sqlite3_column_count(st) > 0) {
		stream_rows(st, &info, scope);
	} else {
		run_dml(st, cmd);
	}
}

void
Session::run_dml(sqlite3_stmt *st, std::uint16_t cmd)
{
	int rc;
	while ((rc = step(st)) == SQLITE_ROW) {
	}
	if (rc != SQLITE_DONE) {
		raise_sqlite(rc, cmd, false);
	}
	const std::int64_t rows = sqlite3_changes64(m_db);
	m_rowcount = rows;
	out_done(m_nocount ? done_status::final : done_status::count, cmd,
	         static_cast<std::uint64_t>(rows));
}

void
Session::run_assignment(sqlite3_stmt *st, const SelectInfo &info, Scope &scope)
{
	std::vector<Value> last;
	std::int64_t rows = 0;
	int rc;
	while ((rc = step(st)) == SQLITE_ROW) {
		last.clear();
		for (int k = 0; k < sqlite3_column_count(st); k++) {
			last.push_back(Value::from_column(st, k));
		}
		rows++;
	}
	if (rc != SQLITE_DONE) {
		raise_sqlite(rc, curcmd::select, false);
	}
	for (std::size_t k = 0; k < info.assign_vars.size() && k < last.size(); k++) {
		const auto it = scope.find(info.assign_vars[k]);
		if (it == scope.end()) {
			throw SqlError(
			    137, 15, "Must declare the scalar variable \"" + info.assign_vars[k] + "\".", true);
		}
		it->second.value = last[k];
		if (it->second.typed) {
			Scope tmp;
			tmp["@v"] = it->second;
			it->second.value = eval_scalar(
			    "tds_cast(@v, " + quote_literal(format_type(it->second.type)) + ")", tmp);
		}
	}
	m_rowcount = rows;
	out_done(m_nocount ? done_status::final : done_status::count, curcmd::select,
	         static_cast<std::uint64_t>(rows));
}

std::optional<ColumnMeta>
Session::probe_type(const std::string &expr, const std::string &tail)
{
	sqlite3_stmt *st = nullptr;
	const std::string sql = "SELECT " + expr + " " + tail;
	if (sqlite3_prepare_v2(m_db, sql.c_str(), static_cast<int>(sql.size()), &st, nullptr) !=
	        SQLITE_OK ||
	    st == nullptr) {
		sqlite3_finalize(st);
		return std::nullopt;
	}
	std::optional<ColumnMeta> out;
	const char *table = sqlite3_column_table_name(st, 0);
	const char *origin = sqlite3_column_origin_name(st, 0);
	if (table && origin) {
		if (const ColumnMeta *c = m_catalog.origin_column(table, origin)) {
			out = *c;
		}
	}
	sqlite3_finalize(st);
	return out;
}

std::vector<ResultColumn>
Session::describe(sqlite3_stmt *st, const SelectInfo *info, bool has_row, Scope &scope)
{
	const int n = sqlite3_column_count(st);
	const bool hinted = info && info->hints.size() == static_cast<std::size_t>(n);
	std::vector<ResultColumn> cols(static_cast<std::size_t>(n));
	for (int i = 0; i < n; i++) {
		ResultColumn &c = cols[static_cast<std::size_t>(i)];
		const ColumnHint hint = hinted ? info->hints[static_cast<std::size_t>(i)] : ColumnHint{};
		const char *name = sqlite3_column_name(st, i);
		c.name = hint.anonymous       ? std::string()
		         : !hint.name.empty() ? hint.name
		                              : std::string(name ? name : "");
		bool decided = false;
		if (hint.kind == ColumnHint::Kind::type) {
			c.type = hint.type;
			decided = true;
		} else if (hint.kind == ColumnHint::Kind::variable) {
			const auto it = scope.find(hint.probe_expr);
			if (it != scope.end() && it->second.typed) {
				c.type = it->second.type;
				decided = true;
			}
		}
		const char *table = sqlite3_column_table_name(st, i);
		const char *origin = sqlite3_column_origin_name(st, i);
		if (!decided && table && origin) {
			if (const ColumnMeta *meta = m_catalog.origin_column(table, origin)) {
				c.type = meta->type;
				c.nullable = meta->nullable;
				c.identity = meta->identity;
				c.table_name = table;
				decided = true;
			}
		}
		if (!decided && hint.kind == ColumnHint::Kind::probe && info && !info->from_tail.empty()) {
			if (const auto meta = probe_type(hint.probe_expr, info->from_tail)) {
				c.type = meta->type;
				decided = true;
			}
		}
		if (decided) {
			continue;
		}
		const int vt = has_row ? sqlite3_column_type(st, i) : SQLITE_NULL;
		if (vt == SQLITE_INTEGER) {
			const std::int64_t v = sqlite3_column_int64(st, i);
			c.type = type_of(v >= INT32_MIN && v <= INT32_MAX ? TypeId::int4 : TypeId::bigint);
		} else if (vt == SQLITE_FLOAT) {
			c.type = type_of(TypeId::float8);
		} else if (vt == SQLITE_TEXT) {
			const auto *p = reinterpret_cast<const char *>(sqlite3_column_text(st, i));
			const std::size_t units = utf16_length(
			    std::string_view(p, static_cast<std::size_t>(sqlite3_column_bytes(st, i))));
			c.type = type_of(TypeId::nvarchar, units <= 4000 ? 4000 : -1);
		} else if (vt == SQLITE_BLOB) {
			c.type = type_of(TypeId::varbinary, sqlite3_column_bytes(st, i) <= 8000 ? 8000 : -1);
		} else {
			const char *decl = sqlite3_column_decltype(st, i);
			const std::string d = decl ? to_upper_ascii(decl) : std::string();
			c.type = d.rfind("TEXT", 0) == 0   ? type_of(TypeId::nvarchar, 4000)
			         : d.rfind("REAL", 0) == 0 ? type_of(TypeId::float8)
			         : d.rfind("BLOB", 0) == 0 ? type_of(TypeId::varbinary, 8000)
			                                   : type_of(TypeId::int4);
		}
	}
	prepare_wire(cols, m_wire);
	return cols;
}

void
Session::stream_rows(sqlite3_stmt *st, const SelectInfo *info, Scope &scope)
{
	int rc = m_fmtonly ? SQLITE_DONE : step(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		raise_sqlite(rc, curcmd::select, false);
	}
	const std::vector<ResultColumn> cols = describe(st, info, rc == SQLITE_ROW, scope);
	before_output();
	write_colmetadata(m_ch, cols);
	std::uint64_t rows = 0;
	const std::uint64_t limit =
	    m_rowcount_limit > 0 ? static_cast<std::uint64_t>(m_rowcount_limit) : 0;
	while (rc == SQLITE_ROW) {
		if (m_ch.attention() || m_ch.killed()) {
			check_cancel();
		}
		encode_row(m_row, cols, st, m_textsize);
		m_ch.put(m_row);
		rows++;
		if (limit && rows >= limit) {
			break;
		}
		if ((++m_poll_counter & 0x3FF) == 0) {
			m_ch.poll_attention();
		}
		rc = step(st);
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		raise_sqlite(rc, curcmd::select, false);
	}
	m_rowcount = static_cast<std::int64_t>(rows);
	out_done(m_nocount ? done_status::final : done_status::count, curcmd::select, rows);
}

void
Session::run_showplan(const std::string &sql, const std::string &text, Scope &scope)
{
	/* tds_fdw's row_estimate_method 'showplan_all' sums EstimateRows where Parent = 0 */
	const std::string q =
	    "SELECT " + quote_literal(text) +
	    " AS StmtText, 1 AS StmtId, 1 AS NodeId, 0 AS Parent, NULL AS PhysicalOp, NULL AS "
	    "LogicalOp, NULL AS Argument, NULL AS DefinedValues, CAST(n AS REAL) AS EstimateRows, "
	    "NULL AS EstimateIO, NULL AS EstimateCPU, NULL AS AvgRowSize, 0.01 AS TotalSubtreeCost, "
	    "NULL AS OutputList, NULL AS Warnings, 'SELECT' AS Type, 0 AS Parallel, NULL AS "
	    "EstimateExecutions FROM (SELECT count(*) AS n FROM (" +
	    sql + "))";
	sqlite3_stmt *st = prepare(q, curcmd::select);
	ResetGuard guard{st};
	bind_scope(st, scope);
	stream_rows(st, nullptr, scope);
}

void
Session::encode_return_value(ByteBuffer &out, const Variable &v)
{
	sqlite3_stmt *st = prepare("SELECT ?1", curcmd::select);
	ResetGuard guard{st};
	v.value.bind(st, 1);
	if (step(st) != SQLITE_ROW) {
		raise_sqlite(sqlite3_errcode(m_db), curcmd::select, false);
	}
	SqlType type = v.type;
	if (!v.typed) {
		type = type_of(TypeId::nvarchar, 4000);
	}
	const WireType w = wire_type_for(type, m_wire);
	write_type_info(out, w, "");
	encode_value(out, w, st, 0, 0x7FFFFFFF);
}

} // namespace tributary::tds_server

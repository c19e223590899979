/*
 * ddl.cpp — CREATE/DROP/ALTER TABLE, CREATE/ALTER/DROP VIEW, CREATE/DROP INDEX,
 * CREATE/DROP SCHEMA and TRUNCATE TABLE with SQL Server type names. Each statement
 * creates the SQLite object (affinity + TDSCI/TDSDEC/TDSDT collation + a tds_check()
 * CHECK per column) and its rows in the __tds_* metadata, inside one savepoint.
 *
 * Zone: test server. Identity: an integer single-column primary key with IDENTITY(1,1)
 * becomes SQLite's rowid alias; any other identity is filled by an AFTER INSERT trigger.
 * rowversion columns are set by triggers from a process-wide counter.
 */
#include "test/tds_server/session.hpp"

#include "test/tds_server/ddl_support.hpp"

namespace tributary::tds_server
{

void
Session::ddl_done()
{
	bump_schema_version();
	m_catalog.invalidate();
	if (m_trancount > 0) {
		m_ddl_in_tran = true;
	}
	out_done(done_status::final, curcmd::create_table, 0);
}

void
Session::run_ddl(Statement &st)
{
	m_catalog.refresh();
	const std::string kw = to_upper_ascii(st[0].text);
	const std::string what = st.size() > 1 ? ddl::upper(st[1]) : std::string();
	try {
		if (kw == "CREATE" && what == "TABLE") {
			create_table(st, 2);
		} else if (kw == "CREATE" && what == "VIEW") {
			create_view(st, 2, false);
		} else if ((kw == "CREATE" && what == "OR" && st.size() > 3 && st[2].is_kw("ALTER") &&
		            st[3].is_kw("VIEW"))) {
			create_view(st, 4, true);
		} else if (kw == "ALTER" && what == "VIEW") {
			create_view(st, 2, true);
		} else if (kw == "CREATE" && (what == "INDEX" || what == "UNIQUE" || what == "CLUSTERED" ||
		                              what == "NONCLUSTERED")) {
			create_index(st, 1);
		} else if (kw == "CREATE" && what == "SCHEMA") {
			create_schema(st, 2);
		} else if (kw == "DROP") {
			drop_objects(st);
		} else if (kw == "ALTER" && what == "TABLE") {
			alter_table(st);
		} else if (kw == "ALTER" && what == "DATABASE") {
			alter_database(st);
		} else if (kw == "TRUNCATE") {
			truncate_table(st);
			return;
		} else {
			throw SqlError(40000, 16,
			               kw + " " + (st.size() > 1 ? st[1].text : std::string()) +
			                   " is not supported by the TDS test server.",
			               true);
		}
	} catch (const SqliteError &e) {
		const std::string msg = e.what();
		const std::size_t at = msg.find(" already exists");
		if (at != std::string::npos) {
			const std::string what = msg.substr(0, at);
			const std::size_t sp = what.find(' ');
			throw SqlError(2714, 16, "There is already an object named '" +
			                             (sp == std::string::npos ? what : what.substr(sp + 1)) +
			                             "' in the database.",
			               false);
		}
		throw SqlError(50000, 16, "SQLite: " + msg, false);
	}
	ddl_done();
}

void
Session::create_table(Statement &st, std::size_t i)
{
	const TranslateContext ctx = translate_context();
	const ddl::ObjectName n = ddl::parse_name(st, i, ctx);
	const auto schema_id = m_catalog.schema_id(n.schema);
	if (!schema_id || iequals(n.schema, "sys") || iequals(n.schema, "INFORMATION_SCHEMA")) {
		throw SqlError(2760, 16,
		               "The specified schema name \"" + n.schema +
		                   "\" either does not exist or you do not have permission to use it.");
	}
	if (m_catalog.find(n.schema, n.name)) {
		throw SqlError(2714, 16,
		               "There is already an object named '" + n.name + "' in the database.");
	}
	const ddl::TableDef def = ddl::parse_table_body(st, i, n, ctx);
	const std::string table = sqlite_object_name(n.schema, n.name);
	const ddl::TableSql sql = ddl::table_sql(def, table);
	ddl::in_savepoint(m_db, [&] {
		exec(m_db, sql.create);
		for (const std::string &x : sql.extra) {
			exec(m_db, x);
		}
		ddl::insert_table_metadata(m_db, *schema_id, def, table);
	});
	log("created table " + n.schema + "." + n.name);
}

void
Session::create_view(Statement &st, std::size_t i, bool or_alter)
{
	const TranslateContext ctx = translate_context();
	const ddl::ObjectName n = ddl::parse_name(st, i, ctx);
	const auto schema_id = m_catalog.schema_id(n.schema);
	if (!schema_id) {
		throw SqlError(2760, 16,
		               "The specified schema name \"" + n.schema +
		                   "\" either does not exist or you do not have permission to use it.");
	}
	std::string column_list;
	if (i < st.size() && st[i].is_op("(")) {
		column_list = " (" + ddl::key_list(ddl::parse_key_columns(st, i), false) + ")";
	}
	while (i < st.size() && st[i].is_kw("WITH")) {
		i += 2; /* WITH SCHEMABINDING / VIEW_METADATA */
	}
	ddl::expect(st, i, "AS");
	const Statement body(st.begin() + static_cast<std::ptrdiff_t>(i + 1), st.end());
	SelectInfo info;
	const std::string select_sql = translate_statement(body, ctx, &info);
	const ObjectMeta *existing = m_catalog.find(n.schema, n.name);
	if (existing && !or_alter) {
		throw SqlError(2714, 16,
		               "There is already an object named '" + n.name + "' in the database.");
	}
	if (!existing && or_alter && to_upper_ascii(st[0].text) == "ALTER") {
		throw SqlError(208, 16, "Invalid object name '" + n.name + "'.");
	}
	const std::string view = sqlite_object_name(n.schema, n.name);
	const std::optional<ObjectMeta> old =
	    existing ? std::optional<ObjectMeta>(*existing) : std::nullopt;
	ddl::in_savepoint(m_db, [&] {
		if (old) {
			ddl::drop_object(m_db, *old);
		}
		exec(m_db, "CREATE VIEW " + quote_ident(view) + column_list + " AS " + select_sql);
		sqlite3_stmt *probe = nullptr;
		const std::string q = "SELECT * FROM " + quote_ident(view) + " LIMIT 1";
		if (sqlite3_prepare_v2(m_db, q.c_str(), -1, &probe, nullptr) != SQLITE_OK) {
			const std::string msg = sqlite3_errmsg(m_db);
			sqlite3_finalize(probe);
			throw SqlError(4413, 16,
			               "Could not use view or function '" + n.name +
			                   "' because of binding errors: " + msg);
		}
		const int rc = sqlite3_step(probe);
		Scope none;
		std::vector<ResultColumn> cols;
		try {
			cols = describe(probe, column_list.empty() ? &info : nullptr, rc == SQLITE_ROW, none);
		} catch (...) {
			sqlite3_finalize(probe);
			throw;
		}
		sqlite3_finalize(probe);
		const std::int64_t id = old ? old->object_id : ddl::next_object_id(m_db);
		ddl::insert_object(m_db, id, *schema_id, n, 'V', render(st));
		for (std::size_t k = 0; k < cols.size(); k++) {
			const std::string name =
			    cols[k].name.empty() ? "Column" + std::to_string(k + 1) : cols[k].name;
			ddl::insert_column(m_db, id, static_cast<int>(k) + 1, name, cols[k].type,
			                   cols[k].nullable, cols[k].identity, 1, 1, std::string());
		}
	});
}

void
Session::create_index(Statement &st, std::size_t i)
{
	bool unique = false;
	bool clustered = false;
	for (; i < st.size() && !st[i].is_kw("INDEX"); i++) {
		unique |= st[i].is_kw("UNIQUE");
		clustered |= st[i].is_kw("CLUSTERED");
	}
	ddl::expect(st, i, "INDEX");
	if (i + 1 >= st.size() || !st[i + 1].is_name()) {
		throw syntax_error("INDEX");
	}
	const std::string name = st[i + 1].text;
	i += 2;
	ddl::expect(st, i, "ON");
	i++;
	const TranslateContext ctx = translate_context();
	const ddl::ObjectName n = ddl::parse_name(st, i, ctx);
	const ObjectMeta *o = m_catalog.find(n.schema, n.name);
	if (!o) {
		throw SqlError(1088, 16,
		               "Cannot find the object \"" + n.name +
		                   "\" because it does not exist or you do not have permissions.");
	}
	const std::vector<ddl::KeyColumn> keys = ddl::parse_key_columns(st, i);
	std::string where;
	while (i < st.size()) {
		if (st[i].is_kw("INCLUDE") && i + 1 < st.size()) {
			i = find_close(st, i + 1) + 1;
		} else if (st[i].is_kw("WHERE")) {
			std::size_t e = i + 1;
			while (e < st.size() && !st[e].is_kw("WITH") && !st[e].is_kw("ON")) {
				e++;
			}
			where = " WHERE " + ddl::tokens_sql(st, i + 1, e, ctx);
			i = e;
		} else {
			const std::size_t before = i;
			ddl::skip_storage_options(st, i, st.size());
			if (i == before) {
				throw syntax_error(st[i].text);
			}
		}
	}
	const ObjectMeta table = *o;
	Stmt dup(m_db, "SELECT 1 FROM __tds_index WHERE object_id = ?1 AND name = ?2");
	dup.bind(1, table.object_id).bind(2, name);
	if (dup.step()) {
		throw SqlError(1913, 16, "The operation failed because an index or statistics with name '" +
		                             name + "' already exists on table '" + n.schema + "." + n.name +
		                             "'.");
	}
	std::vector<ddl::ColumnDef> cols;
	for (const ColumnMeta &c : table.columns) {
		ddl::ColumnDef d;
		d.name = c.name;
		cols.push_back(d);
	}
	ddl::in_savepoint(m_db, [&] {
		exec(m_db, std::string("CREATE ") + (unique ? "UNIQUE " : "") + "INDEX " +
		               quote_ident(table.sqlite_name + "." + name) + " ON " +
		               quote_ident(table.sqlite_name) + " (" + ddl::key_list(keys, true) + ")" +
		               where);
		Stmt next(m_db,
		          "SELECT coalesce(max(index_id), 1) + 1, sum(index_id = 1) FROM __tds_index WHERE "
		          "object_id = ?1");
		next.bind(1, table.object_id);
		next.step();
		const bool as_clustered = clustered && next.int64(1) == 0;
		ddl::insert_index(m_db, table.object_id, as_clustered ? 1 : static_cast<int>(next.int64(0)),
		                  name, table.sqlite_name + "." + name, as_clustered, unique, false, false,
		                  keys, cols);
	});
}

void
Session::create_schema(Statement &st, std::size_t i)
{
	if (i >= st.size() || !st[i].is_name()) {
		throw syntax_error("SCHEMA");
	}
	const std::string name = st[i].text;
	if (m_catalog.schema_id(name)) {
		throw SqlError(2714, 16,
		               "There is already an object named '" + name + "' in the database.");
	}
	ddl::in_savepoint(m_db, [&] {
		Stmt ins(
		    m_db,
		    "INSERT INTO __tds_schema(schema_id, name, principal_id) SELECT max(max(schema_id) "
		    "+ 1, 5), ?1, 1 FROM __tds_schema");
		ins.bind(1, name);
		ins.step();
	});
}

} // namespace tributary::tds_server

/*
 * ddl_table.cpp — the pieces of CREATE TABLE: the column/constraint list, key rules (primary
 * key naming, rowid alias), the SQLite DDL with its CHECK constraints and identity/rowversion
 * triggers, and the metadata rows.
 *
 * Zone: test server (SQLite C API for the metadata writes only).
 */
#include "test/tds_server/ddl_support.hpp"

namespace tributary::tds_server::ddl
{

TableDef
parse_table_body(const Statement &st, std::size_t i, const ObjectName &n,
                 const TranslateContext &ctx)
{
	expect(st, i, "(");
	const std::size_t close = find_close(st, i);
	if (close == npos) {
		throw syntax_error("(");
	}
	TableDef def;
	def.name = n;
	std::vector<ColumnDef> &cols = def.columns;
	std::vector<Constraint> &cons = def.constraints;
	for (const auto &[b, e] : split_commas(st, i + 1, close)) {
		if (b >= e) {
			throw syntax_error(",");
		}
		const std::string kw = upper(st[b]);
		if (kw == "CONSTRAINT" || kw == "PRIMARY" || kw == "UNIQUE" || kw == "FOREIGN" ||
		    kw == "CHECK" || kw == "INDEX") {
			cons.push_back(parse_table_constraint(st, b, e, ctx));
		} else if (st[b].is_name()) {
			cols.push_back(parse_column(st, b, e, ctx, cons));
		} else {
			throw syntax_error(st[b].text);
		}
	}
	std::size_t tail = close + 1;
	skip_storage_options(st, tail, st.size());
	if (tail < st.size()) {
		throw syntax_error(st[tail].text);
	}
	if (cols.empty()) {
		throw syntax_error(")");
	}
	Constraint *pk = nullptr;
	for (Constraint &k : cons) {
		if (k.kind == Constraint::Kind::primary) {
			if (pk) {
				throw SqlError(8110, 16,
				               "Cannot add multiple PRIMARY KEY constraints to table '" + n.name +
				                   "'.");
			}
			pk = &k;
			for (const KeyColumn &kc : k.columns) {
				for (ColumnDef &c : cols) {
					if (iequals(c.name, kc.name)) {
						c.nullable = false;
					}
				}
			}
			if (k.name.empty()) {
				k.name = "PK__" + n.name;
			}
		} else if (k.kind == Constraint::Kind::unique && k.name.empty()) {
			k.name = "UQ__" + n.name + "__" + k.columns[0].name;
		}
	}
	/*
	 * An IDENTITY(1,1) integer key becomes SQLite's rowid (fast, and SQLite fills it). A key
	 * without IDENTITY stays an ordinary column so that NULL is refused (515) as on SQL Server.
	 */
	if (pk && pk->columns.size() == 1) {
		for (ColumnDef &c : cols) {
			if (iequals(c.name, pk->columns[0].name) && is_integer_type(c.type.id) &&
			    !pk->columns[0].desc && c.identity && c.seed == 1 && c.increment == 1) {
				c.rowid_alias = true;
			}
		}
	}
	return def;
}

TableSql
table_sql(const TableDef &def, const std::string &table)
{
	const std::vector<ColumnDef> &cols = def.columns;
	const std::vector<Constraint> &cons = def.constraints;
	TableSql out;
	std::string &create = out.create;
	std::vector<std::string> &extra = out.extra;
	create = "CREATE TABLE " + quote_ident(table) + " (";
	for (std::size_t k = 0; k < cols.size(); k++) {
		const ColumnDef &c = cols[k];
		create += (k ? ", " : "") + column_sql(c);
		if (c.identity && !c.rowid_alias) {
			const std::string col = quote_ident(c.name);
			const std::string agg = c.increment > 0 ? "max" : "min";
			extra.push_back("CREATE INDEX " + quote_ident(table + ".tds_ident__" + c.name) +
			                " ON " + quote_ident(table) + " (" + col + ")");
			extra.push_back("CREATE TRIGGER " + quote_ident(table + ".tds_identity__" + c.name) +
			                " AFTER INSERT ON " + quote_ident(table) + " FOR EACH ROW WHEN NEW." +
			                col + " IS NULL BEGIN UPDATE " + quote_ident(table) + " SET " + col +
			                " = coalesce((SELECT " + agg + "(" + col + ") FROM " +
			                quote_ident(table) + "), " + std::to_string(c.seed - c.increment) +
			                ") + " + std::to_string(c.increment) + " WHERE rowid = NEW.rowid; END");
		}
		if (c.type.id == TypeId::rowversion) {
			const std::string col = quote_ident(c.name);
			const std::string upd = "UPDATE " + quote_ident(table) + " SET " + col +
			                        " = tds_rowversion_next() WHERE rowid = NEW.rowid; END";
			extra.push_back("CREATE TRIGGER " + quote_ident(table + ".tds_rv_ins__" + c.name) +
			                " AFTER INSERT ON " + quote_ident(table) + " BEGIN " + upd);
			extra.push_back("CREATE TRIGGER " + quote_ident(table + ".tds_rv_upd__" + c.name) +
			                " AFTER UPDATE ON " + quote_ident(table) + " WHEN NEW." + col +
			                " IS OLD." + col + " BEGIN " + upd);
		}
	}
	for (const Constraint &k : cons) {
		switch (k.kind) {
		case Constraint::Kind::primary: {
			bool alias = false;
			for (const ColumnDef &c : cols) {
				alias |= c.rowid_alias;
			}
			if (!alias) {
				create += ", PRIMARY KEY (" + key_list(k.columns, false) + ")";
			}
			break;
		}
		case Constraint::Kind::unique:
			create += ", UNIQUE (" + key_list(k.columns, false) + ")";
			break;
		case Constraint::Kind::foreign:
		case Constraint::Kind::check:
			create += ", " +
			          (k.name.empty() ? std::string() : "CONSTRAINT " + quote_ident(k.name) + " ") +
			          k.sql;
			break;
		case Constraint::Kind::index:
			extra.push_back("CREATE INDEX " + quote_ident(table + "." + k.name) + " ON " +
			                quote_ident(table) + " (" + key_list(k.columns, true) + ")");
			break;
		}
	}
	create += ")";
	return out;
}

void
insert_table_metadata(sqlite3 *db, std::int64_t schema_id, const TableDef &def,
                      const std::string &table)
{
	const std::vector<ColumnDef> &cols = def.columns;
	const std::vector<Constraint> &cons = def.constraints;
	const ObjectName &n = def.name;
	const std::int64_t id = next_object_id(db);
	insert_object(db, id, schema_id, n, 'U', std::string());
	for (std::size_t k = 0; k < cols.size(); k++) {
		const ColumnDef &c = cols[k];
		insert_column(db, id, static_cast<int>(k) + 1, c.name, c.type, c.nullable, c.identity,
		              c.seed, c.increment, c.default_display);
	}
	int next_index = 2;
	for (const Constraint &k : cons) {
		if (k.kind == Constraint::Kind::primary || k.kind == Constraint::Kind::unique ||
		    k.kind == Constraint::Kind::index) {
			const bool clustered =
			    k.kind == Constraint::Kind::primary ? !k.nonclustered : k.clustered;
			const int index_id = clustered ? 1 : next_index++;
			insert_index(db, id, index_id, k.name, table + "." + k.name, clustered,
			             k.kind != Constraint::Kind::index, k.kind == Constraint::Kind::primary,
			             k.kind != Constraint::Kind::index, k.columns, cols);
		}
	}
}

} // namespace tributary::tds_server::ddl

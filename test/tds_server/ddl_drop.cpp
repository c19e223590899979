/*
 * ddl_drop.cpp — DROP TABLE/VIEW/INDEX/SCHEMA [IF EXISTS], ALTER TABLE ADD/DROP COLUMN
 * and TRUNCATE TABLE, keeping the __tds_* metadata in step with SQLite.
 *
 * Zone: test server. ALTER TABLE can only do what SQLite's ALTER TABLE can: add a column
 * (no PRIMARY KEY/UNIQUE) and drop an unindexed column; other forms report error 40000.
 */
#include "test/tds_server/ddl_support.hpp"
#include "test/tds_server/session.hpp"
#include "test/tds_server/sqlite_ext.hpp"

namespace tributary::tds_server
{

namespace ddl
{

void
drop_object(sqlite3 *db, const ObjectMeta &o)
{
	exec(db,
	     std::string(o.type == 'V' ? "DROP VIEW " : "DROP TABLE ") + quote_ident(o.sqlite_name));
	for (const char *table :
	     {"__tds_index_column", "__tds_index", "__tds_column", "__tds_object"}) {
		Stmt del(db, std::string("DELETE FROM ") + table + " WHERE object_id = ?1");
		del.bind(1, o.object_id);
		del.step();
	}
}

} // namespace ddl

namespace
{

const char *
kind_word(const std::string &what)
{
	return what == "VIEW"     ? "view"
	       : what == "INDEX"  ? "index"
	       : what == "SCHEMA" ? "schema"
	                          : "table";
}

} // namespace

void
Session::drop_objects(Statement &st)
{
	if (st.size() < 3) {
		throw syntax_error(st.back().text);
	}
	const std::string what = ddl::upper(st[1]);
	std::size_t i = 2;
	bool if_exists = false;
	if (i + 1 < st.size() && st[i].is_kw("IF") && st[i + 1].is_kw("EXISTS")) {
		if_exists = true;
		i += 2;
	}
	const TranslateContext ctx = translate_context();
	if (what == "SCHEMA") {
		const std::string name = st[i].text;
		const auto id = m_catalog.schema_id(name);
		if (!id) {
			if (if_exists) {
				out_done(done_status::final, 0, 0);
				return;
			}
			throw SqlError(3701, 11,
			               "Cannot drop the schema '" + name +
			                   "', because it does not exist or you do not have permission.");
		}
		Stmt used(m_db, "SELECT name FROM __tds_object WHERE schema_id = ?1");
		used.bind(1, *id);
		if (used.step()) {
			throw SqlError(3729, 16,
			               "Cannot drop schema '" + name +
			                   "' because it is being referenced by "
			                   "object '" +
			                   used.text(0) + "'.");
		}
		ddl::in_savepoint(m_db, [&] {
			Stmt del(m_db, "DELETE FROM __tds_schema WHERE schema_id = ?1");
			del.bind(1, *id);
			del.step();
		});
		return;
	}
	if (what != "TABLE" && what != "VIEW" && what != "INDEX") {
		throw SqlError(40000, 16,
		               "DROP " + st[1].text + " is not supported by the TDS test server.", true);
	}
	std::vector<std::pair<std::size_t, std::size_t>> items = split_commas(st, i, st.size());
	for (const auto &[b, e] : items) {
		std::size_t k = b;
		if (what == "INDEX") {
			/* DROP INDEX ix ON t  |  DROP INDEX t.ix */
			std::string index;
			ddl::ObjectName table;
			if (k + 1 < e && st[k + 1].is_kw("ON")) {
				index = st[k].text;
				k += 2;
				table = ddl::parse_name(st, k, ctx);
			} else {
				std::size_t x = k;
				ddl::ObjectName both = ddl::parse_name(st, x, ctx);
				index = both.name;
				table.name = both.schema;
			}
			const ObjectMeta *o = m_catalog.find(table.schema, table.name);
			std::int64_t index_id = 0;
			if (o) {
				Stmt q(m_db,
				       "SELECT index_id FROM __tds_index WHERE object_id = ?1 AND name = ?2 AND "
				       "is_primary_key = 0 AND is_unique_constraint = 0");
				q.bind(1, o->object_id).bind(2, index);
				if (q.step()) {
					index_id = q.int64(0);
				}
			}
			if (!index_id) {
				if (if_exists) {
					continue;
				}
				throw SqlError(3701, 11,
				               "Cannot drop the index '" + table.name + "." + index +
				                   "', because it does not exist or you do not have permission.");
			}
			const std::int64_t object_id = o->object_id;
			const std::string sqlite_index = o->sqlite_name + "." + index;
			ddl::in_savepoint(m_db, [&] {
				exec(m_db, "DROP INDEX " + quote_ident(sqlite_index));
				for (const char *t : {"__tds_index_column", "__tds_index"}) {
					Stmt del(m_db, std::string("DELETE FROM ") + t +
					                   " WHERE object_id = ?1 AND index_id = ?2");
					del.bind(1, object_id).bind(2, index_id);
					del.step();
				}
			});
			continue;
		}
		const ddl::ObjectName n = ddl::parse_name(st, k, ctx);
		if (k != e) {
			throw syntax_error(st[k].text);
		}
		const ObjectMeta *o = m_catalog.find(n.schema, n.name);
		const char want = what == "VIEW" ? 'V' : 'U';
		if (!o || o->type != want) {
			if (if_exists) {
				continue;
			}
			throw SqlError(3701, 11,
			               std::string("Cannot drop the ") + kind_word(what) + " '" + n.name +
			                   "', because it does not exist or you do not have permission.");
		}
		const ObjectMeta copy = *o;
		ddl::in_savepoint(m_db, [&] { ddl::drop_object(m_db, copy); });
		bump_schema_version();
		m_catalog.invalidate();
		log("dropped " + std::string(kind_word(what)) + " " + n.schema + "." + n.name);
	}
}

void
Session::alter_database(Statement &st)
{
	/* The one setting a client's isolation choice depends on: ALLOW_SNAPSHOT_ISOLATION. */
	const bool current = st.size() > 2 && st[2].is_kw("CURRENT");
	const bool on_off = st.size() == 6 && (st[5].is_kw("ON") || st[5].is_kw("OFF"));
	if (!on_off || !(current || iequals(st[2].text, m_database)) || !st[3].is_kw("SET") ||
	    !iequals(st[4].text, "ALLOW_SNAPSHOT_ISOLATION")) {
		throw SqlError(40000, 16,
		               "Only ALTER DATABASE " + m_database +
		                   " SET ALLOW_SNAPSHOT_ISOLATION ON|OFF is supported by the TDS test server.",
		               true);
	}
	set_snapshot_isolation(st[5].is_kw("ON"));
	log("database " + m_database + ": ALLOW_SNAPSHOT_ISOLATION " + to_upper_ascii(st[5].text));
}

void
Session::alter_table(Statement &st)
{
	std::size_t i = 2;
	const TranslateContext ctx = translate_context();
	const ddl::ObjectName n = ddl::parse_name(st, i, ctx);
	const ObjectMeta *o = m_catalog.find(n.schema, n.name);
	if (!o || o->type != 'U') {
		throw SqlError(4902, 16,
		               "Cannot find the object \"" + n.name +
		                   "\" because it does not exist or you do not have permissions.");
	}
	const ObjectMeta table = *o;
	if (i + 1 < st.size() && st[i].is_kw("DROP") && st[i + 1].is_kw("COLUMN")) {
		const auto items = split_commas(st, i + 2, st.size());
		ddl::in_savepoint(m_db, [&] {
			for (const auto &[b, e] : items) {
				const std::string col = st[b].text;
				int column_id = 0;
				for (const ColumnMeta &c : table.columns) {
					if (iequals(c.name, col)) {
						column_id = c.ordinal;
					}
				}
				if (!column_id || e != b + 1) {
					throw SqlError(4924, 16,
					               "ALTER TABLE DROP COLUMN failed because column '" + col +
					                   "' does not exist in table '" + n.name + "'.");
				}
				exec(m_db, "ALTER TABLE " + quote_ident(table.sqlite_name) + " DROP COLUMN " +
				               quote_ident(col));
				Stmt del(m_db, "DELETE FROM __tds_column WHERE object_id = ?1 AND column_id = ?2");
				del.bind(1, table.object_id).bind(2, static_cast<std::int64_t>(column_id));
				del.step();
			}
		});
		return;
	}
	if (i >= st.size() || !st[i].is_kw("ADD") ||
	    (i + 1 < st.size() &&
	     (st[i + 1].is_kw("CONSTRAINT") || st[i + 1].is_kw("PRIMARY") ||
	      st[i + 1].is_kw("UNIQUE") || st[i + 1].is_kw("FOREIGN") || st[i + 1].is_kw("CHECK")))) {
		throw SqlError(40000, 16,
		               "Only ALTER TABLE ... ADD column and DROP COLUMN are supported by the "
		               "TDS test server.",
		               true);
	}
	std::size_t b0 = i + 1;
	if (b0 < st.size() && st[b0].is_kw("COLUMN")) {
		b0++;
	}
	const auto items = split_commas(st, b0, st.size());
	ddl::in_savepoint(m_db, [&] {
		int ordinal = 0;
		for (const ColumnMeta &c : table.columns) {
			ordinal = c.ordinal > ordinal ? c.ordinal : ordinal;
		}
		for (const auto &[b, e] : items) {
			std::vector<ddl::Constraint> cons;
			ddl::ColumnDef c = ddl::parse_column(st, b, e, ctx, cons);
			if (!cons.empty() || c.identity || c.type.id == TypeId::rowversion) {
				throw SqlError(40000, 16,
				               "ALTER TABLE ADD of a key, identity or rowversion column is not "
				               "supported by the TDS test server.");
			}
			exec(m_db, "ALTER TABLE " + quote_ident(table.sqlite_name) + " ADD COLUMN " +
			               ddl::column_sql(c));
			ddl::insert_column(m_db, table.object_id, ++ordinal, c.name, c.type, c.nullable, false,
			                   1, 1, c.default_display);
		}
	});
}

void
Session::truncate_table(Statement &st)
{
	std::size_t i = 2;
	if (st.size() < 3 || !st[1].is_kw("TABLE")) {
		throw syntax_error(st.size() > 1 ? st[1].text : "TRUNCATE");
	}
	const ddl::ObjectName n = ddl::parse_name(st, i, translate_context());
	const ObjectMeta *o = m_catalog.find(n.schema, n.name);
	if (!o || o->type != 'U') {
		throw SqlError(4701, 16,
		               "Cannot find the object \"" + n.name +
		                   "\" because it does not exist or you do not have permissions.");
	}
	exec(m_db, "DELETE FROM " + quote_ident(o->sqlite_name));
	out_done(done_status::final, 0, 0);
}

} // namespace tributary::tds_server

/*
 * ddl_support.cpp — T-SQL DDL parsing helpers and __tds_* metadata writes (see
 * ddl_support.hpp).
 *
 * Zone: test server (SQLite C API).
 */
#include "test/tds_server/ddl_support.hpp"

#include "test/tds_server/temporal.hpp"

namespace tributary::tds_server::ddl
{

std::string
upper(const Token &t)
{
	return t.kind == TokKind::word ? to_upper_ascii(t.text) : std::string();
}

void
expect(const Statement &st, std::size_t i, const char *what)
{
	if (i >= st.size() || !(st[i].is_kw(what) || st[i].is_op(what))) {
		throw syntax_error(i < st.size() ? st[i].text : std::string(what));
	}
}

ObjectName
parse_name(const Statement &st, std::size_t &i, const TranslateContext &ctx)
{
	std::vector<std::string> parts;
	while (i < st.size()) {
		if (st[i].is_name()) {
			parts.push_back(st[i].text);
			i++;
		} else if (st[i].is_op(".") && !parts.empty() && i + 1 < st.size() &&
		           st[i + 1].is_op(".")) {
			parts.emplace_back();
			i++;
			continue;
		} else {
			break;
		}
		if (i < st.size() && st[i].is_op(".")) {
			i++;
			continue;
		}
		break;
	}
	if (parts.empty() || parts.size() > 3 || parts.back().empty()) {
		throw syntax_error(i < st.size() ? st[i].text : "name");
	}
	if (parts.back()[0] == '#') {
		throw SqlError(40000, 16, "Temporary tables are not supported by the TDS test server.",
		               true);
	}
	if (parts.size() == 3 && !ctx.is_database_name(parts[0])) {
		throw SqlError(2760, 16,
		               "The specified schema name \"" + parts[0] +
		                   "\" either does not exist or you do not have permission to use it.",
		               true);
	}
	ObjectName n;
	n.name = parts.back();
	if (parts.size() >= 2 && !parts[parts.size() - 2].empty()) {
		n.schema = parts[parts.size() - 2];
	}
	return n;
}

std::vector<KeyColumn>
parse_key_columns(const Statement &st, std::size_t &i)
{
	expect(st, i, "(");
	const std::size_t close = find_close(st, i);
	if (close == npos) {
		throw syntax_error("(");
	}
	std::vector<KeyColumn> cols;
	for (const auto &[b, e] : split_commas(st, i + 1, close)) {
		if (b >= e || !st[b].is_name()) {
			throw syntax_error(b < st.size() ? st[b].text : ")");
		}
		KeyColumn k;
		k.name = st[b].text;
		k.desc = e - b >= 2 && st[e - 1].is_kw("DESC");
		cols.push_back(k);
	}
	i = close + 1;
	return cols;
}

/* Skip WITH (...) and ON [filegroup] option tails. */
void
skip_storage_options(const Statement &st, std::size_t &i, std::size_t end)
{
	while (i < end) {
		if (st[i].is_kw("WITH") && i + 1 < end && st[i + 1].is_op("(")) {
			i = find_close(st, i + 1) + 1;
		} else if (st[i].is_kw("ON") && i + 1 < end && st[i + 1].is_name()) {
			i += 2;
			if (i < end && st[i].is_op("(")) {
				i = find_close(st, i) + 1;
			}
		} else if (st[i].is_kw("TEXTIMAGE_ON") && i + 1 < end) {
			i += 2;
		} else {
			break;
		}
	}
}

std::string
key_list(const std::vector<KeyColumn> &cols, bool with_order)
{
	std::string s;
	for (const KeyColumn &k : cols) {
		s += (s.empty() ? "" : ", ") + quote_ident(k.name) + (with_order && k.desc ? " DESC" : "");
	}
	return s;
}

std::string
tokens_sql(const Statement &st, std::size_t b, std::size_t e, const TranslateContext &ctx)
{
	return translate_expression(Statement(st.begin() + static_cast<std::ptrdiff_t>(b),
	                                      st.begin() + static_cast<std::ptrdiff_t>(e)),
	                            ctx);
}

std::string
default_display(const Statement &st, std::size_t b, std::size_t e)
{
	while (e - b >= 2 && st[b].is_op("(") && find_close(st, b) == e - 1) {
		b++;
		e--;
	}
	const std::string text = render(st, b, e);
	const bool numeric = (e - b == 1 && st[b].kind == TokKind::number) ||
	                     (e - b == 2 && st[b].is_op("-") && st[b + 1].kind == TokKind::number);
	return numeric ? "((" + text + "))" : "(" + text + ")";
}

/* One column definition starting at b (name) and ending before e. */
ColumnDef
parse_column(const Statement &st, std::size_t b, std::size_t e, const TranslateContext &ctx,
             std::vector<Constraint> &constraints)
{
	ColumnDef c;
	c.name = st[b].text;
	std::size_t i = b + 1;
	std::size_t t = i;
	if (i < e && st[i].is_kw("AS")) {
		throw SqlError(40000, 16, "Computed columns are not supported by the TDS test server.",
		               true);
	}
	while (i < e && st[i].kind == TokKind::word && !is_reserved(st[i]) &&
	       (i == t || st[i].is_kw("PRECISION") || st[i].is_kw("VARYING") ||
	        st[i].is_kw("CHARACTER") || st[i].is_kw("CHAR"))) {
		i++;
	}
	if (i < e && st[i].is_op("(")) {
		i = find_close(st, i) + 1;
	}
	const std::string spelling = type_text(st, t, i);
	const auto type = parse_sql_type(spelling);
	if (!type) {
		throw SqlError(2715, 16,
		               "Column, parameter, or variable #1: Cannot find data type " + spelling + ".",
		               true);
	}
	c.type = *type;
	std::string pending_name;
	while (i < e) {
		const std::string kw = upper(st[i]);
		if (kw == "NULL") {
			c.nullable = true;
			i++;
		} else if (kw == "NOT" && i + 1 < e && st[i + 1].is_kw("NULL")) {
			c.nullable = false;
			i += 2;
		} else if (kw == "CONSTRAINT" && i + 1 < e) {
			pending_name = st[i + 1].text;
			i += 2;
		} else if (kw == "PRIMARY" || kw == "UNIQUE") {
			Constraint k;
			k.kind = kw == "PRIMARY" ? Constraint::Kind::primary : Constraint::Kind::unique;
			k.name = pending_name;
			k.columns.push_back({c.name, false});
			i += kw == "PRIMARY" ? 2 : 1;
			for (; i < e && (st[i].is_kw("CLUSTERED") || st[i].is_kw("NONCLUSTERED") ||
			                 st[i].is_kw("ASC") || st[i].is_kw("DESC"));
			     i++) {
				k.clustered |= st[i].is_kw("CLUSTERED");
				k.nonclustered |= st[i].is_kw("NONCLUSTERED");
				k.columns[0].desc = st[i].is_kw("DESC");
			}
			skip_storage_options(st, i, e);
			if (k.kind == Constraint::Kind::primary) {
				c.nullable = false;
			}
			constraints.push_back(k);
			pending_name.clear();
		} else if (kw == "IDENTITY") {
			c.identity = true;
			c.nullable = false;
			i++;
			if (i < e && st[i].is_op("(")) {
				const std::size_t close = find_close(st, i);
				const auto args = split_commas(st, i + 1, close);
				if (args.size() == 2) {
					c.seed = std::stoll(render(st, args[0].first, args[0].second));
					c.increment = std::stoll(render(st, args[1].first, args[1].second));
				}
				i = close + 1;
			}
		} else if (kw == "DEFAULT") {
			std::size_t x = i + 1;
			std::size_t y = x;
			if (y < e && st[y].is_op("-")) {
				y++;
			}
			if (y < e && st[y].is_op("(")) {
				y = find_close(st, y) + 1;
			} else if (y + 1 < e && st[y].kind == TokKind::word && st[y + 1].is_op("(")) {
				y = find_close(st, y + 1) + 1;
			} else {
				y++;
			}
			c.default_sql = tokens_sql(st, x, y, ctx);
			c.default_display = default_display(st, x, y);
			i = y;
			pending_name.clear();
		} else if (kw == "CHECK" && i + 1 < e && st[i + 1].is_op("(")) {
			const std::size_t close = find_close(st, i + 1);
			c.checks.push_back(tokens_sql(st, i + 2, close, ctx));
			i = close + 1;
			pending_name.clear();
		} else if (kw == "REFERENCES") {
			std::size_t x = i + 1;
			const ObjectName ref = parse_name(st, x, ctx);
			c.references = "REFERENCES " + quote_ident(sqlite_object_name(ref.schema, ref.name));
			if (x < e && st[x].is_op("(")) {
				c.references += " (" + key_list(parse_key_columns(st, x), false) + ")";
			}
			while (x + 2 < e + 1 && x < e && st[x].is_kw("ON")) {
				std::size_t y = x + 2;
				while (y < e && !st[y].is_kw("ON") && st[y].kind == TokKind::word &&
				       (st[y].is_kw("CASCADE") || st[y].is_kw("SET") || st[y].is_kw("NULL") ||
				        st[y].is_kw("DEFAULT") || st[y].is_kw("NO") || st[y].is_kw("ACTION"))) {
					y++;
				}
				c.references += " " + render(st, x, y);
				x = y;
			}
			i = x;
		} else if (kw == "COLLATE" && i + 1 < e) {
			const std::string name = to_upper_ascii(st[i + 1].text);
			c.collate =
			    name.find("_BIN") != std::string::npos || name.find("_CS_") != std::string::npos
			        ? "BINARY"
			        : "TDSCI";
			i += 2;
		} else if (kw == "ROWGUIDCOL" || kw == "SPARSE" || kw == "FILESTREAM" ||
		           kw == "CLUSTERED" || kw == "NONCLUSTERED") {
			i++;
		} else if (kw == "NOT" && i + 2 < e && st[i + 1].is_kw("FOR")) {
			i += 3; /* NOT FOR REPLICATION */
		} else {
			throw syntax_error(st[i].text);
		}
	}
	return c;
}

Constraint
parse_table_constraint(const Statement &st, std::size_t b, std::size_t e,
                       const TranslateContext &ctx)
{
	Constraint k;
	std::size_t i = b;
	if (st[i].is_kw("CONSTRAINT")) {
		k.name = st[i + 1].text;
		i += 2;
	}
	const std::string kw = upper(st[i]);
	if (kw == "PRIMARY" || kw == "UNIQUE") {
		k.kind = kw == "PRIMARY" ? Constraint::Kind::primary : Constraint::Kind::unique;
		i += kw == "PRIMARY" ? 2 : 1;
		for (; i < e && (st[i].is_kw("CLUSTERED") || st[i].is_kw("NONCLUSTERED")); i++) {
			k.clustered |= st[i].is_kw("CLUSTERED");
			k.nonclustered |= st[i].is_kw("NONCLUSTERED");
		}
		k.columns = parse_key_columns(st, i);
		skip_storage_options(st, i, e);
	} else if (kw == "FOREIGN") {
		k.kind = Constraint::Kind::foreign;
		i += 2;
		const std::vector<KeyColumn> cols = parse_key_columns(st, i);
		expect(st, i, "REFERENCES");
		i++;
		const ObjectName ref = parse_name(st, i, ctx);
		k.sql = "FOREIGN KEY (" + key_list(cols, false) + ") REFERENCES " +
		        quote_ident(sqlite_object_name(ref.schema, ref.name));
		if (i < e && st[i].is_op("(")) {
			k.sql += " (" + key_list(parse_key_columns(st, i), false) + ")";
		}
		k.sql += " " + render(st, i, e);
		i = e;
	} else if (kw == "CHECK") {
		k.kind = Constraint::Kind::check;
		const std::size_t close = find_close(st, i + 1);
		k.sql = "CHECK (" + tokens_sql(st, i + 2, close, ctx) + ")";
		i = close + 1;
	} else if (kw == "INDEX") {
		k.kind = Constraint::Kind::index;
		k.name = st[i + 1].text;
		i += 2;
		for (; i < e &&
		       (st[i].is_kw("CLUSTERED") || st[i].is_kw("NONCLUSTERED") || st[i].is_kw("UNIQUE"));
		     i++) {
			k.clustered |= st[i].is_kw("CLUSTERED");
		}
		k.columns = parse_key_columns(st, i);
		skip_storage_options(st, i, e);
	} else {
		throw syntax_error(st[i].text);
	}
	if (i < e && !(k.kind == Constraint::Kind::foreign)) {
		throw syntax_error(st[i].text);
	}
	return k;
}

namespace
{

std::string
now_text()
{
	SqlType t;
	t.id = TypeId::datetime;
	t.scale = 3;
	return format_temporal(round_for(now_temporal(false), t), t);
}

} // namespace

/* Does a value of this type need a tds_check() CHECK constraint? */
bool
needs_check(const SqlType &t)
{
	switch (storage_of(t.id)) {
	case Storage::text:
		return t.id == TypeId::uniqueidentifier ||
		       (!t.is_max() && is_char_type(t.id) && t.length > 0);
	case Storage::blob:
		return !t.is_max() && t.id != TypeId::image && t.id != TypeId::rowversion;
	case Storage::variant:
		return false;
	default:
		return true;
	}
}

std::int64_t
next_object_id(sqlite3 *db)
{
	Stmt st(db, "SELECT coalesce(max(object_id), 245575900) + 11 FROM __tds_object");
	st.step();
	return st.int64(0);
}

void
insert_object(sqlite3 *db, std::int64_t id, std::int64_t schema_id, const ObjectName &n, char type,
              const std::string &definition)
{
	const std::string now = now_text();
	Stmt st(db,
	        "INSERT INTO __tds_object(object_id, schema_id, name, sqlite_name, type, create_date, "
	        "modify_date, definition) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7)");
	st.bind(1, id).bind(2, schema_id).bind(3, n.name).bind(4, sqlite_object_name(n.schema, n.name));
	st.bind(5, std::string(1, type)).bind(6, now);
	if (definition.empty()) {
		st.bind_null(7);
	} else {
		st.bind(7, definition);
	}
	st.step();
}

void
insert_column(sqlite3 *db, std::int64_t object_id, int ordinal, const std::string &name,
              const SqlType &t, bool nullable, bool identity, std::int64_t seed, std::int64_t inc,
              const std::string &def)
{
	const TypeFacts f = type_facts(t);
	Stmt st(db,
	        "INSERT INTO __tds_column VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, "
	        "?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23)");
	const auto opt = [&](int idx, const std::optional<std::int64_t> &v) {
		if (v) {
			st.bind(idx, *v);
		} else {
			st.bind_null(idx);
		}
	};
	st.bind(1, object_id).bind(2, static_cast<std::int64_t>(ordinal)).bind(3, name);
	st.bind(4, format_type(t)).bind(5, f.data_type);
	st.bind(6, static_cast<std::int64_t>(nullable)).bind(7, static_cast<std::int64_t>(identity));
	if (identity) {
		st.bind(8, seed).bind(9, inc);
	} else {
		st.bind_null(8).bind_null(9);
	}
	if (def.empty()) {
		st.bind_null(10);
	} else {
		st.bind(10, def);
	}
	opt(11, f.char_max_length);
	opt(12, f.char_octet_length);
	opt(13, f.numeric_precision);
	opt(14, f.numeric_precision_radix);
	opt(15, f.numeric_scale);
	opt(16, f.datetime_precision);
	if (f.character_set_name) {
		st.bind(17, *f.character_set_name);
	} else {
		st.bind_null(17);
	}
	if (f.collation_name) {
		st.bind(18, *f.collation_name);
	} else {
		st.bind_null(18);
	}
	st.bind(19, static_cast<std::int64_t>(f.system_type_id));
	st.bind(20, static_cast<std::int64_t>(f.user_type_id));
	st.bind(21, static_cast<std::int64_t>(f.max_length));
	st.bind(22, static_cast<std::int64_t>(f.precision));
	st.bind(23, static_cast<std::int64_t>(f.scale));
	st.step();
}

void
insert_index(sqlite3 *db, std::int64_t object_id, int index_id, const std::string &name,
             const std::string &sqlite_name, bool clustered, bool unique, bool primary,
             bool constraint, const std::vector<KeyColumn> &cols,
             const std::vector<ColumnDef> &table_cols)
{
	Stmt st(db, "INSERT INTO __tds_index VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
	st.bind(1, object_id)
	    .bind(2, static_cast<std::int64_t>(index_id))
	    .bind(3, name)
	    .bind(4, sqlite_name);
	st.bind(5, static_cast<std::int64_t>(clustered ? 1 : 2))
	    .bind(6, static_cast<std::int64_t>(unique));
	st.bind(7, static_cast<std::int64_t>(primary))
	    .bind(8, static_cast<std::int64_t>(constraint && !primary));
	st.step();
	Stmt ic(db, "INSERT INTO __tds_index_column VALUES (?1, ?2, ?3, ?4, ?5)");
	int ordinal = 0;
	for (const KeyColumn &k : cols) {
		int column_id = 0;
		for (std::size_t c = 0; c < table_cols.size(); c++) {
			if (iequals(table_cols[c].name, k.name)) {
				column_id = static_cast<int>(c) + 1;
			}
		}
		if (column_id == 0) {
			throw SqlError(1911, 16,
			               "Column name '" + k.name +
			                   "' does not exist in the target table or view.");
		}
		ic.bind(1, object_id).bind(2, static_cast<std::int64_t>(index_id));
		ic.bind(3, static_cast<std::int64_t>(++ordinal))
		    .bind(4, static_cast<std::int64_t>(column_id));
		ic.bind(5, static_cast<std::int64_t>(k.desc));
		ic.step();
		sqlite3_reset(ic.get());
	}
}

std::string
column_sql(const ColumnDef &c)
{
	std::string d = quote_ident(c.name) + " ";
	if (c.rowid_alias) {
		d += "INTEGER PRIMARY KEY";
	} else {
		if (!c.collate.empty() && storage_of(c.type.id) == Storage::text) {
			d += "TEXT COLLATE " + c.collate;
		} else {
			d += sqlite_column_type(c.type);
		}
		if (!c.nullable && !c.identity && c.type.id != TypeId::rowversion) {
			d += " NOT NULL";
		}
	}
	if (!c.default_sql.empty()) {
		d += " DEFAULT (" + c.default_sql + ")";
	}
	if (needs_check(c.type)) {
		d += " CONSTRAINT " + quote_ident("tds_chk__" + c.name) + " CHECK (tds_check(" +
		     quote_ident(c.name) + ", " + quote_literal(format_type(c.type)) + "))";
	}
	for (const std::string &chk : c.checks) {
		d += " CHECK (" + chk + ")";
	}
	if (!c.references.empty()) {
		d += " " + c.references;
	}
	return d;
}

} // namespace tributary::tds_server::ddl

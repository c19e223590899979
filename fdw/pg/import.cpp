/*
 * import.cpp — IMPORT FOREIGN SCHEMA: describe the remote schema, map every
 * column with the driver's type mapping, and write one CREATE FOREIGN TABLE per
 * selected remote table or view.
 *
 * Zone: PG zone. The driver's half (describe, parse_import_options, map_column)
 * runs only inside guarded(); while its C++ objects are alive, results are
 * copied into palloc'd plain structs through pg_call(), so no ereport ever
 * jumps over a C++ destructor. Everything after that is plain PostgreSQL code.
 *
 * Nothing is dropped silently: a column that cannot be mapped, a view the
 * remote server cannot describe and a LIMIT TO name that does not exist are
 * errors, never skipped tables or columns.
 */
#include <map>
#include <string>
#include <vector>

extern "C" {
#include "postgres.h"
#include "foreign/foreign.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "commands/defrem.h"
#include "utils/builtins.h"
#include "utils/varlena.h"
}

#include "fdw/mysql/mysql_types.hpp"
#include "fdw/tds/tds_types.hpp"
#include "fdw/pg/connection.hpp"
#include "fdw/pg/guard.hpp"
#include "fdw/pg/import.hpp"
#include "fdw/remote/remote.hpp"
#include "fdw/pg/pg_zone.hpp"

namespace tributary::pg {

namespace {

/* ---------- the driver's results, as plain palloc'd structs ---------- */

struct ImportColumn {
	char *remote_name;
	char *remote_type; /* full remote spelling, for messages */
	char *name;		   /* the PostgreSQL column name (before truncation to NAMEDATALEN) */
	char *pg_type;
	char *check; /* CHECK expression, or NULL */
	char *error; /* why it cannot be mapped, or NULL */
	bool not_null;
	int noptions;
	char **option_names;
	char **option_values;
};

struct ImportTable {
	char *schema;
	char *name;		  /* remote name */
	char *local_name; /* name truncated as the parser truncates identifiers */
	bool is_view;
	int ncolumns;
	ImportColumn *columns;
};

struct ImportSchema {
	int ntables;
	ImportTable *tables;
};

/* Options as C strings (UTF-8), turned into remote::Options only inside the guard. */
struct OptionPairs {
	int n;
	const char **names;
	const char **values;
};

/* ---------- driver zone half: runs inside guarded() only ---------- */

remote::Options
to_options(const OptionPairs &pairs)
{
	remote::Options options;
	for (int i = 0; i < pairs.n; i++) {
		options[pairs.names[i]] = pairs.values[i];
	}
	return options;
}

/* Copy helpers: called through pg_call(); they read C++ objects and own none. */
char *
copy_string(const std::string &s)
{
	return pnstrdup(s.data(), s.size());
}

void
copy_column(ImportColumn *dst, const remote::RemoteColumn &rc, const remote::ImportedColumn &ic)
{
	dst->remote_name = copy_string(rc.name);
	dst->remote_type = copy_string(rc.type_name);
	dst->name = copy_string(ic.name.empty() ? rc.name : ic.name);
	dst->pg_type = copy_string(ic.pg_type);
	dst->check = ic.check.empty() ? nullptr : copy_string(ic.check);
	dst->error = !ic.error.empty()	   ? copy_string(ic.error)
				 : ic.pg_type.empty() ? pstrdup("the driver chose no PostgreSQL type")
									  : nullptr;
	dst->not_null = ic.not_null;
	dst->noptions = (int) ic.options.size();
	dst->option_names = (char **) palloc(sizeof(char *) * (ic.options.size() + 1));
	dst->option_values = (char **) palloc(sizeof(char *) * (ic.options.size() + 1));
	int i = 0;
	for (const auto &option : ic.options) {
		dst->option_names[i] = copy_string(option.first);
		dst->option_values[i] = copy_string(option.second);
		i++;
	}
}

void
copy_table(ImportTable *dst, const remote::RemoteTable &table,
		   const std::vector<remote::ImportedColumn> &mapped)
{
	dst->schema = copy_string(table.schema);
	dst->name = copy_string(table.name);
	dst->is_view = table.is_view;
	dst->ncolumns = (int) table.columns.size();
	dst->columns = (ImportColumn *) palloc0(sizeof(ImportColumn) * (table.columns.size() + 1));
	for (std::size_t i = 0; i < table.columns.size(); i++) {
		copy_column(&dst->columns[i], table.columns[i], mapped[i]);
	}
}

/* The driver's import: validate the options alone (before connecting). May throw. */
template <typename Opts, Opts (*parse)(const remote::Options &),
		  remote::ImportedColumn (*map)(const remote::RemoteColumn &, const Opts &)>
void
check_options(const OptionPairs &pairs)
{
	(void) parse(to_options(pairs));
}

/* Describe schema, map every column, copy into out (palloc'd). May throw; guarded() only. */
template <typename Opts, Opts (*parse)(const remote::Options &),
		  remote::ImportedColumn (*map)(const remote::RemoteColumn &, const Opts &)>
void
describe_and_map(remote::Connection &conn, const char *schema, const OptionPairs &pairs,
				 ImportSchema *out)
{
	const Opts options = parse(to_options(pairs));
	const std::vector<remote::RemoteTable> tables = conn.describe(schema);
	const std::size_t ntables = tables.size();
	pg_call([out, ntables]() {
		out->ntables = (int) ntables;
		out->tables = (ImportTable *) palloc0(sizeof(ImportTable) * (ntables + 1));
	});
	for (std::size_t i = 0; i < ntables; i++) {
		std::vector<remote::ImportedColumn> mapped;
		mapped.reserve(tables[i].columns.size());
		for (const remote::RemoteColumn &column : tables[i].columns) {
			mapped.push_back(map(column, options));
		}
		ImportTable *dst = &out->tables[i];
		const remote::RemoteTable &src = tables[i];
		pg_call([dst, &src, &mapped]() { copy_table(dst, src, mapped); });
	}
}

/* One driver's import, behind function pointers so the PG code below is shared. */
struct ImportHooks {
	const char *const *option_names; /* NULL-terminated, for validation and hints */
	const char *table_schema_option; /* "dbname" (MySQL) or "schema_name" (SQL Server) */
	void (*check_options)(const OptionPairs &pairs);
	void (*describe)(remote::Connection &conn, const char *schema, const OptionPairs &pairs,
					 ImportSchema *out);
};

constexpr const char *mysql_import_options[] = {"enum_as_check", "import_not_null",
												"tinyint1_as_boolean", "zero_dates", nullptr};

const ImportHooks mysql_hooks = {
	mysql_import_options, "dbname",
	&check_options<mysql::ImportOptions, mysql::parse_import_options, mysql::map_column>,
	&describe_and_map<mysql::ImportOptions, mysql::parse_import_options, mysql::map_column>};

constexpr const char *tds_import_options[] = {"import_not_null", nullptr};

const ImportHooks tds_hooks = {
	tds_import_options, "schema_name",
	&check_options<tds::ImportOptions, tds::parse_import_options, tds::map_column>,
	&describe_and_map<tds::ImportOptions, tds::parse_import_options, tds::map_column>};

const ImportHooks *
hooks_for(Driver driver)
{
	return driver == Driver::mysql ? &mysql_hooks : &tds_hooks;
}

/* ---------- PG zone: options ---------- */

char *
option_list(const ImportHooks *hooks)
{
	StringInfoData buf;
	initStringInfo(&buf);
	for (const char *const *name = hooks->option_names; *name != nullptr; name++) {
		appendStringInfo(&buf, "%s%s", buf.len > 0 ? ", " : "", *name);
	}
	return buf.data;
}

const char *
closest_option(const ImportHooks *hooks, const char *name)
{
	const char *best = nullptr;
	int best_distance = 0;
	const int len = (int) strlen(name);
	for (const char *const *candidate = hooks->option_names; *candidate != nullptr; candidate++) {
		const int d = varstr_levenshtein(name, len, *candidate, (int) strlen(*candidate), 1, 1, 1,
										 true);
		if (best == nullptr || d < best_distance) {
			best = *candidate;
			best_distance = d;
		}
	}
	return best != nullptr && best_distance <= Max(2, len / 3) ? best : nullptr;
}

bool
known_option(const ImportHooks *hooks, const char *name)
{
	for (const char *const *candidate = hooks->option_names; *candidate != nullptr; candidate++) {
		if (strcmp(*candidate, name) == 0) {
			return true;
		}
	}
	return false;
}

/* Reject unknown option names; return the options as UTF-8 C strings for the driver. */
OptionPairs
import_options(Driver driver, const ImportHooks *hooks, List *options)
{
	OptionPairs pairs;
	pairs.n = 0;
	pairs.names = (const char **) palloc(sizeof(char *) * (list_length(options) + 1));
	pairs.values = (const char **) palloc(sizeof(char *) * (list_length(options) + 1));
	ListCell *lc;
	foreach (lc, options) {
		DefElem *def = (DefElem *) lfirst(lc);
		if (!known_option(hooks, def->defname)) {
			const char *closest = closest_option(hooks, def->defname);
			ereport(ERROR, errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
					errmsg("invalid option \"%s\" for IMPORT FOREIGN SCHEMA of %s", def->defname,
						   driver == Driver::mysql ? "tributary_mysql" : "tributary_mssql"),
					closest != nullptr
						? errhint("Perhaps you meant the option \"%s\". Valid options are: %s.",
								  closest, option_list(hooks))
						: errhint("Valid options are: %s.", option_list(hooks)));
		}
		const char *value = defGetString(def);
		pairs.names[pairs.n] = def->defname; /* ASCII, checked above */
		pairs.values[pairs.n] = pg_server_to_any(value, (int) strlen(value), PG_UTF8);
		pairs.n++;
	}
	return pairs;
}

/* ---------- PG zone: names and selection ---------- */

/* UTF-8 from the driver → the database encoding (verified; an error if not convertible). */
char *
server_string(char *utf8)
{
	return utf8 == nullptr ? nullptr : pg_any_to_server(utf8, (int) strlen(utf8), PG_UTF8);
}

/* An identifier as the parser keeps it: at most NAMEDATALEN-1 bytes, cut on a character. */
char *
local_identifier(const char *name)
{
	const int len = (int) strlen(name);
	return len < NAMEDATALEN ? pstrdup(name)
							 : pnstrdup(name, pg_mbcliplen(name, len, NAMEDATALEN - 1));
}

void
to_server_encoding(ImportSchema *schema)
{
	for (int t = 0; t < schema->ntables; t++) {
		ImportTable *table = &schema->tables[t];
		table->schema = server_string(table->schema);
		table->name = server_string(table->name);
		table->local_name = local_identifier(table->name);
		for (int c = 0; c < table->ncolumns; c++) {
			ImportColumn *col = &table->columns[c];
			col->remote_name = server_string(col->remote_name);
			col->remote_type = server_string(col->remote_type);
			col->name = server_string(col->name);
			col->pg_type = server_string(col->pg_type);
			col->check = server_string(col->check);
			col->error = server_string(col->error);
			for (int o = 0; o < col->noptions; o++) {
				col->option_values[o] = server_string(col->option_values[o]);
			}
		}
	}
}

bool
listed(const ImportForeignSchemaStmt *stmt, const char *local_name)
{
	ListCell *lc;
	foreach (lc, stmt->table_list) {
		const RangeVar *rv = (const RangeVar *) lfirst(lc);
		if (strcmp(rv->relname, local_name) == 0) {
			return true;
		}
	}
	return false;
}

bool
selected(const ImportForeignSchemaStmt *stmt, const ImportTable *table)
{
	switch (stmt->list_type) {
	case FDW_IMPORT_SCHEMA_LIMIT_TO:
		return listed(stmt, table->local_name);
	case FDW_IMPORT_SCHEMA_EXCEPT:
		return !listed(stmt, table->local_name);
	case FDW_IMPORT_SCHEMA_ALL:
		break;
	}
	return true;
}

/* The remote table whose name matches exactly, or (case_blind) ignoring case. */
const ImportTable *
find_table(const ImportSchema *schema, const char *local_name, bool case_blind)
{
	for (int t = 0; t < schema->ntables; t++) {
		const char *name = schema->tables[t].local_name;
		if (case_blind ? pg_strcasecmp(name, local_name) == 0 : strcmp(name, local_name) == 0) {
			return &schema->tables[t];
		}
	}
	return nullptr;
}

/* ---------- PG zone: checks ---------- */

void
check_not_empty(Driver driver, const ImportSchema *schema, const char *remote_schema,
				const char *server)
{
	if (schema->ntables > 0) {
		return;
	}
	ereport(ERROR, errcode(ERRCODE_FDW_SCHEMA_NOT_FOUND),
			errmsg("remote schema \"%s\" on server \"%s\" has no tables or views",
				   remote_schema, server),
			errdetail("The schema does not exist, is empty, or the remote user cannot see its "
					  "tables."),
			driver == Driver::mysql
				? errhint("IMPORT FOREIGN SCHEMA reads a MySQL database: check its name (it may "
						  "be case-sensitive) and the privileges of the user mapping's user.")
				: errhint("Check the schema name and the permissions of the user mapping's "
						  "login."));
}

void
check_limit_to(const ImportForeignSchemaStmt *stmt, const ImportSchema *schema,
			   const char *server)
{
	if (stmt->list_type != FDW_IMPORT_SCHEMA_LIMIT_TO) {
		return;
	}
	StringInfoData missing;
	initStringInfo(&missing);
	int nmissing = 0;
	const ImportTable *suggestion = nullptr;
	ListCell *lc;
	foreach (lc, stmt->table_list) {
		const RangeVar *rv = (const RangeVar *) lfirst(lc);
		if (find_table(schema, rv->relname, false) != nullptr) {
			continue;
		}
		appendStringInfo(&missing, "%s\"%s\"", nmissing > 0 ? ", " : "", rv->relname);
		nmissing++;
		if (suggestion == nullptr) {
			suggestion = find_table(schema, rv->relname, true);
		}
	}
	if (nmissing == 0) {
		return;
	}
	ereport(ERROR, errcode(ERRCODE_FDW_TABLE_NOT_FOUND),
			errmsg_plural("table %s does not exist in remote schema \"%s\" on server \"%s\"",
						  "tables %s do not exist in remote schema \"%s\" on server \"%s\"",
						  nmissing, missing.data, stmt->remote_schema, server),
			suggestion != nullptr
				? errhint("Remote names are case-sensitive: write LIMIT TO (%s) to import the "
						  "table \"%s\".",
						  quote_identifier(suggestion->local_name), suggestion->name)
				: 0);
}

/* Append one detail line per problem of table; returns how many (*columns: of columns). */
int
table_problems(Driver driver, const ImportTable *table, StringInfo detail, int *columns)
{
	if (table->ncolumns == 0) {
		appendStringInfo(detail, "%s%s \"%s\" has no columns the remote server can describe; its "
								 "definition may refer to a dropped table.",
						 detail->len > 0 ? "\n" : "", table->is_view ? "View" : "Table",
						 table->name);
		return 1;
	}
	int n = 0;
	for (int c = 0; c < table->ncolumns; c++) {
		const ImportColumn *col = &table->columns[c];
		if (col->error == nullptr) {
			continue;
		}
		const size_t len = strlen(col->error);
		appendStringInfo(detail, "%sColumn \"%s\".\"%s\" (%s type \"%s\"): %s%s",
						 detail->len > 0 ? "\n" : "", table->name, col->remote_name,
						 driver_label(driver), col->remote_type, col->error,
						 len > 0 && col->error[len - 1] == '.' ? "" : ".");
		n++;
	}
	*columns += n;
	return n;
}

/* One ERROR listing every column (of every selected table) that cannot be mapped. */
void
check_mappable(Driver driver, const ImportHooks *hooks, const ImportForeignSchemaStmt *stmt,
			   const ImportSchema *schema)
{
	StringInfoData detail, tables;
	initStringInfo(&detail);
	initStringInfo(&tables);
	int nproblems = 0;
	int ncolumns = 0;
	for (int t = 0; t < schema->ntables; t++) {
		const ImportTable *table = &schema->tables[t];
		if (!selected(stmt, table)) {
			continue;
		}
		const int n = table_problems(driver, table, &detail, &ncolumns);
		if (n > 0) {
			appendStringInfo(&tables, "%s%s", tables.len > 0 ? ", " : "",
							 quote_identifier(table->local_name));
			nproblems += n;
		}
	}
	if (nproblems == 0) {
		return;
	}
	ereport(ERROR, errcode(ERRCODE_FDW_INVALID_DATA_TYPE),
			errmsg_plural("could not import remote schema \"%s\": %d column or table cannot be "
						  "mapped to PostgreSQL",
						  "could not import remote schema \"%s\": %d columns or tables cannot be "
						  "mapped to PostgreSQL",
						  nproblems, stmt->remote_schema, nproblems),
			errdetail_internal("%s", detail.data),
			ncolumns > 0 ? errhint("Leave these tables out with EXCEPT (%s), or pass an import "
								   "option that maps their columns (valid options: %s).",
								   tables.data, option_list(hooks))
						 : errhint("Leave these tables out with EXCEPT (%s).", tables.data));
}

/* ---------- PG zone: the commands ---------- */

void
append_column_options(StringInfo buf, const ImportColumn *col)
{
	int n = 0;
	bool has_column_name = false;
	for (int o = 0; o < col->noptions; o++) {
		has_column_name |= strcmp(col->option_names[o], "column_name") == 0;
	}
	const char *local = local_identifier(col->name);
	if (!has_column_name && strcmp(local, col->remote_name) != 0) {
		appendStringInfo(buf, " OPTIONS (column_name %s", quote_literal_cstr(col->remote_name));
		n++;
	}
	for (int o = 0; o < col->noptions; o++) {
		appendStringInfo(buf, "%s%s %s", n > 0 ? ", " : " OPTIONS (",
						 quote_identifier(col->option_names[o]),
						 quote_literal_cstr(col->option_values[o]));
		n++;
	}
	if (n > 0) {
		appendStringInfoChar(buf, ')');
	}
}

char *
create_command(const ImportHooks *hooks, const ImportTable *table, const char *server)
{
	StringInfoData buf;
	initStringInfo(&buf);
	appendStringInfo(&buf, "CREATE FOREIGN TABLE %s (\n", quote_identifier(table->local_name));
	for (int c = 0; c < table->ncolumns; c++) {
		const ImportColumn *col = &table->columns[c];
		appendStringInfo(&buf, "%s  %s %s", c > 0 ? ",\n" : "",
						 quote_identifier(local_identifier(col->name)), col->pg_type);
		append_column_options(&buf, col);
		if (col->not_null) {
			appendStringInfoString(&buf, " NOT NULL");
		}
		if (col->check != nullptr) {
			appendStringInfo(&buf, " CHECK (%s)", col->check);
		}
	}
	appendStringInfo(&buf, "\n) SERVER %s\nOPTIONS (%s %s, table_name %s)",
					 quote_identifier(server), hooks->table_schema_option,
					 quote_literal_cstr(table->schema), quote_literal_cstr(table->name));
	return buf.data;
}

} // namespace

List *
import_foreign_schema(Driver driver, ImportForeignSchemaStmt *stmt, Oid serverOid)
{
	ForeignServer *server = GetForeignServer(serverOid);
	const ImportHooks *hooks = hooks_for(driver);
	if (hooks == nullptr) {
		ereport(ERROR, errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				errmsg("IMPORT FOREIGN SCHEMA is not supported yet for %s server \"%s\"",
					   driver_label(driver), server->servername),
				errhint("Create the foreign tables with CREATE FOREIGN TABLE."));
	}
	const OptionPairs pairs = import_options(driver, hooks, stmt->options);
	const ErrorSite site{driver_label(driver), server->servername, nullptr};
	/* Malformed option values are reported before connecting. */
	guarded(site, [hooks, &pairs]() { hooks->check_options(pairs); });

	CachedConnection *cached = get_connection(driver, serverOid, GetUserId());
	claim_connection(cached, nullptr, nullptr);
	const char *remote_schema = pg_server_to_any(stmt->remote_schema,
												 (int) strlen(stmt->remote_schema), PG_UTF8);
	ImportSchema *schema = (ImportSchema *) palloc0(sizeof(ImportSchema));
	remote::Connection *conn = cached->conn;
	guarded(site, [hooks, conn, remote_schema, &pairs, schema]() {
		hooks->describe(*conn, remote_schema, pairs, schema);
	});
	to_server_encoding(schema);

	check_not_empty(driver, schema, stmt->remote_schema, server->servername);
	check_limit_to(stmt, schema, server->servername);
	check_mappable(driver, hooks, stmt, schema);

	List *commands = NIL;
	for (int t = 0; t < schema->ntables; t++) {
		if (selected(stmt, &schema->tables[t])) {
			commands = lappend(commands,
							   create_command(hooks, &schema->tables[t], server->servername));
		}
	}
	return commands;
}

} // namespace tributary::pg

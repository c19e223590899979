/*
 * options.cpp — the option table of tributary_mysql and tributary_mssql, their
 * validators' logic and the lookup of effective options.
 *
 * Zone: PG zone. Errors are ereport with the SQLSTATEs of STYLE.md §4: unknown name →
 * FDW_INVALID_OPTION_NAME with the closest valid name and the list of valid ones; bad
 * value → INVALID_PARAMETER_VALUE naming the option and what is accepted.
 */
#include <cmath>

#include "fdw/pg/options.hpp"

extern "C" {
#include "access/reloptions.h"
#include "catalog/pg_attribute.h"
#include "catalog/pg_foreign_data_wrapper.h"
#include "catalog/pg_foreign_server.h"
#include "catalog/pg_foreign_table.h"
#include "catalog/pg_user_mapping.h"
#include "commands/defrem.h"
#include "foreign/foreign.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/varlena.h"
}

namespace tributary::pg {

namespace {

enum Where : unsigned {
	on_server = 1u << 0,
	on_user_mapping = 1u << 1,
	on_table = 1u << 2,
	on_column = 1u << 3,
};
enum Drivers : unsigned { for_mysql = 1u << 0, for_mssql = 1u << 1, for_both = 3u };
enum class Kind { text, integer, real, boolean, choice, charset_name };

struct OptionSpec {
	const char *name;
	unsigned where;
	unsigned drivers;
	Kind kind;
	long min; /* integer: bounds */
	long max;
	const char *choices; /* choice: comma-separated accepted values */
};

/* The one table of options. Keep docs/reference/options.md in step with it. */
constexpr OptionSpec option_specs[] = {
	/* where to connect */
	{"host", on_server, for_both, Kind::text, 0, 0, nullptr},
	{"port", on_server, for_both, Kind::integer, 1, 65535, nullptr},
	{"unix_socket", on_server, for_mysql, Kind::text, 0, 0, nullptr},
	{"dbname", on_server | on_table, for_both, Kind::text, 0, 0, nullptr},
	{"character_set", on_server, for_mysql, Kind::charset_name, 0, 0, nullptr},
	{"connect_timeout", on_server, for_both, Kind::integer, 0, 86400, nullptr},
	{"read_timeout", on_server, for_mysql, Kind::integer, 0, 86400, nullptr},
	{"query_timeout", on_server, for_mssql, Kind::integer, 0, 86400, nullptr},
	{"fetch_size", on_server | on_table, for_both, Kind::integer, 1, 1000000, nullptr},
	{"use_remote_estimate", on_server | on_table, for_both, Kind::boolean, 0, 0, nullptr},
	{"fdw_startup_cost", on_server, for_both, Kind::real, 0, 0, nullptr},
	{"fdw_tuple_cost", on_server, for_both, Kind::real, 0, 0, nullptr},
	{"ssl_mode", on_server, for_mysql, Kind::choice, 0, 0,
	 "disabled,preferred,required,verify_ca,verify_identity"},
	{"ssl_ca", on_server, for_mysql, Kind::text, 0, 0, nullptr},
	{"ssl_cert", on_server, for_mysql, Kind::text, 0, 0, nullptr},
	{"ssl_key", on_server, for_mysql, Kind::text, 0, 0, nullptr},
	{"tds_version", on_server, for_mssql, Kind::choice, 0, 0, "7.1,7.2,7.3,7.4"},
	{"client_charset", on_server, for_mssql, Kind::choice, 0, 0, "UTF-8"},
	{"app_name", on_server, for_mssql, Kind::text, 0, 0, nullptr},
	{"encryption", on_server, for_mssql, Kind::choice, 0, 0, "off,request,require"},
	{"isolation_level", on_server, for_both, Kind::choice, 0, 0,
	 "auto,snapshot,repeatable_read,read_committed"},
	/* who connects */
	{"username", on_user_mapping, for_both, Kind::text, 0, 0, nullptr},
	{"password", on_user_mapping, for_both, Kind::text, 0, 0, nullptr},
	{"password_required", on_user_mapping, for_both, Kind::boolean, 0, 0, nullptr},
	/* what a foreign table reads */
	{"schema_name", on_table, for_mssql, Kind::text, 0, 0, nullptr},
	{"table_name", on_table, for_both, Kind::text, 0, 0, nullptr},
	{"query", on_table, for_both, Kind::text, 0, 0, nullptr},
	/* per column */
	{"column_name", on_column, for_both, Kind::text, 0, 0, nullptr},
	{"mysql_type", on_column, for_mysql, Kind::text, 0, 0, nullptr},
	{"mssql_type", on_column, for_mssql, Kind::text, 0, 0, nullptr},
	{"zero_dates", on_server | on_table | on_column, for_mysql, Kind::choice, 0, 0, "null,error"},
	{"invalid_value", on_server | on_table | on_column, for_both, Kind::choice, 0, 0,
	 "error,null"},
};

unsigned
where_for(Oid catalog)
{
	switch (catalog) {
	case ForeignServerRelationId:
		return on_server;
	case UserMappingRelationId:
		return on_user_mapping;
	case ForeignTableRelationId:
		return on_table;
	case AttributeRelationId:
		return on_column;
	default:
		return 0; /* the wrapper itself takes no options */
	}
}

const char *
where_name(Oid catalog)
{
	switch (catalog) {
	case ForeignServerRelationId:
		return "a foreign server";
	case UserMappingRelationId:
		return "a user mapping";
	case ForeignTableRelationId:
		return "a foreign table";
	case AttributeRelationId:
		return "a foreign table column";
	default:
		return "the foreign-data wrapper";
	}
}

unsigned
driver_bit(Driver driver)
{
	return driver == Driver::mysql ? for_mysql : for_mssql;
}

const OptionSpec *
find_spec(Driver driver, const char *name)
{
	for (const OptionSpec &spec : option_specs) {
		if ((spec.drivers & driver_bit(driver)) != 0 && strcmp(spec.name, name) == 0) {
			return &spec;
		}
	}
	return nullptr;
}

/* "host, port, …" of the options valid for this driver and catalog. */
char *
valid_list(Driver driver, unsigned where)
{
	StringInfoData buf;
	initStringInfo(&buf);
	for (const OptionSpec &spec : option_specs) {
		if ((spec.drivers & driver_bit(driver)) != 0 && (spec.where & where) != 0) {
			appendStringInfo(&buf, "%s%s", buf.len > 0 ? ", " : "", spec.name);
		}
	}
	return buf.data;
}

const char *
closest_name(Driver driver, unsigned where, const char *name)
{
	const char *best = nullptr;
	int best_distance = 0;
	int len = (int) strlen(name);
	for (const OptionSpec &spec : option_specs) {
		if ((spec.drivers & driver_bit(driver)) == 0 || (spec.where & where) == 0) {
			continue;
		}
		int d = varstr_levenshtein(name, len, spec.name, (int) strlen(spec.name), 1, 1, 1, true);
		if (best == nullptr || d < best_distance) {
			best = spec.name;
			best_distance = d;
		}
	}
	/* Only suggest a name that is plausibly a typo. */
	return best != nullptr && best_distance <= Max(2, len / 3) ? best : nullptr;
}

void
reject_unknown(Driver driver, Oid catalog, const char *name)
{
	unsigned where = where_for(catalog);
	const OptionSpec *elsewhere = find_spec(driver, name);
	if (elsewhere != nullptr) {
		ereport(ERROR, errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
				errmsg("option \"%s\" cannot be set on %s", name, where_name(catalog)),
				where == 0 ? errhint("The foreign-data wrapper takes no options; set them on "
									 "the server, user mapping or foreign table.")
						   : errhint("Valid options in this context are: %s.",
									 valid_list(driver, where)));
	}
	const char *closest = where != 0 ? closest_name(driver, where, name) : nullptr;
	ereport(ERROR, errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
			errmsg("invalid option \"%s\" for %s of %s", name, where_name(catalog),
				   driver == Driver::mysql ? "tributary_mysql" : "tributary_mssql"),
			closest != nullptr ? errhint("Perhaps you meant the option \"%s\". Valid options "
										 "in this context are: %s.",
										 closest, valid_list(driver, where))
			: where != 0 ? errhint("Valid options in this context are: %s.",
								   valid_list(driver, where))
						 : errhint("The foreign-data wrapper takes no options; set them on the "
								   "server, user mapping or foreign table."));
}

void
reject_value(const char *name, const char *value, const char *accepted)
{
	/* Never echo a password back. */
	bool secret = strcmp(name, "password") == 0;
	ereport(ERROR, errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			secret ? errmsg("invalid value for option \"%s\"", name)
				   : errmsg("invalid value for option \"%s\": \"%s\"", name, value),
			errhint("%s", accepted));
}

void
check_value(const OptionSpec &spec, const char *value)
{
	switch (spec.kind) {
	case Kind::text:
		if (value[0] == '\0' && strcmp(spec.name, "password") != 0) {
			reject_value(spec.name, value, "The value must not be empty.");
		}
		return;
	case Kind::integer: {
		char *end = nullptr;
		errno = 0;
		long v = strtol(value, &end, 10);
		if (errno != 0 || end == value || *end != '\0' || v < spec.min || v > spec.max) {
			reject_value(spec.name, value,
						 psprintf("The value must be an integer from %ld to %ld.", spec.min,
								  spec.max));
		}
		return;
	}
	case Kind::real: {
		char *end = nullptr;
		double v = strtod(value, &end);
		if (end == value || *end != '\0' || !(v >= 0) || std::isinf(v)) {
			reject_value(spec.name, value, "The value must be a number, 0 or more.");
		}
		return;
	}
	case Kind::boolean: {
		bool ignored;
		if (!parse_bool(value, &ignored)) {
			reject_value(spec.name, value, "The value must be a boolean (true or false).");
		}
		return;
	}
	case Kind::charset_name:
		for (const char *p = value; *p != '\0'; p++) {
			if (!isalnum((unsigned char) *p) && *p != '_') {
				reject_value(spec.name, value,
							 "The value must be a MySQL character set name such as utf8mb4.");
			}
		}
		if (value[0] == '\0') {
			reject_value(spec.name, value,
						 "The value must be a MySQL character set name such as utf8mb4.");
		}
		return;
	case Kind::choice: {
		size_t len = strlen(value);
		for (const char *p = spec.choices; p != nullptr && *p != '\0';) {
			const char *comma = strchr(p, ',');
			size_t n = comma != nullptr ? (size_t) (comma - p) : strlen(p);
			if (n == len && pg_strncasecmp(p, value, n) == 0) {
				return;
			}
			p = comma != nullptr ? comma + 1 : nullptr;
		}
		StringInfoData list;
		initStringInfo(&list);
		for (const char *p = spec.choices; *p != '\0'; p++) {
			appendStringInfoString(&list, *p == ',' ? ", " : pnstrdup(p, 1));
		}
		reject_value(spec.name, value, psprintf("Valid values are: %s.", list.data));
		return;
	}
	}
}

} // namespace

const char *
driver_label(Driver driver)
{
	return driver == Driver::mysql ? "MySQL" : "SQL Server";
}

Driver
driver_of_server(Oid serverid)
{
	ForeignServer *server = GetForeignServer(serverid);
	ForeignDataWrapper *fdw = GetForeignDataWrapper(server->fdwid);
	return strcmp(fdw->fdwname, "tributary_mssql") == 0 ? Driver::mssql : Driver::mysql;
}

void
validate_options(Driver driver, List *options, Oid catalog)
{
	unsigned where = where_for(catalog);
	bool has_table_name = false;
	bool has_query = false;
	bool has_ssl_ca = false;
	const char *verify_mode = nullptr;
	ListCell *lc;

	foreach (lc, options) {
		DefElem *def = (DefElem *) lfirst(lc);
		const OptionSpec *spec = find_spec(driver, def->defname);
		if (spec == nullptr || (spec->where & where) == 0) {
			reject_unknown(driver, catalog, def->defname);
		}
		const char *value = defGetString(def);
		check_value(*spec, value);
		if (strcmp(def->defname, "password_required") == 0 && !defGetBoolean(def) &&
			!superuser()) {
			ereport(ERROR, errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					errmsg("password_required=false is superuser-only"),
					errhint("User mappings with the password_required option set to false "
							"may only be created or modified by a superuser."));
		}
		has_table_name |= strcmp(def->defname, "table_name") == 0;
		has_query |= strcmp(def->defname, "query") == 0;
		has_ssl_ca |= strcmp(def->defname, "ssl_ca") == 0;
		if (strcmp(def->defname, "ssl_mode") == 0 && pg_strncasecmp(value, "verify_", 7) == 0) {
			verify_mode = value;
		}
	}
	if (verify_mode != nullptr && !has_ssl_ca) {
		/* Without a CA file the client library would verify nothing. */
		ereport(ERROR, errcode(ERRCODE_FDW_OPTION_NAME_NOT_FOUND),
				errmsg("ssl_mode \"%s\" needs the option \"ssl_ca\"", verify_mode),
				errhint("Set ssl_ca to the file of the CA certificate that signed the server's "
						"certificate."));
	}
	if (has_table_name && has_query) {
		ereport(ERROR, errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				errmsg("options \"table_name\" and \"query\" cannot be used together"),
				errhint("A foreign table reads either a remote table or the result of a "
						"remote query."));
	}
}

const char *
option_source_name(OptionSource source)
{
	switch (source) {
	case OptionSource::wrapper:
		return "foreign-data wrapper";
	case OptionSource::server:
		return "server";
	case OptionSource::user_mapping:
		return "user mapping";
	case OptionSource::table:
		return "foreign table";
	case OptionSource::column:
		return "column";
	}
	return "unknown";
}

namespace {

void
merge(List **into, List *defs, OptionSource source)
{
	ListCell *lc;
	foreach (lc, defs) {
		DefElem *def = (DefElem *) lfirst(lc);
		OptionValue *found = nullptr;
		ListCell *existing;
		foreach (existing, *into) {
			auto *ov = (OptionValue *) lfirst(existing);
			if (strcmp(ov->name, def->defname) == 0) {
				found = ov;
				break;
			}
		}
		if (found == nullptr) {
			found = (OptionValue *) palloc(sizeof(OptionValue));
			found->name = pstrdup(def->defname);
			*into = lappend(*into, found);
		}
		found->value = pstrdup(defGetString(def));
		found->source = source;
	}
}

} // namespace

List *
collect_options(Oid serverid, Oid userid, Oid relid)
{
	List *result = NIL;
	ForeignServer *server = GetForeignServer(serverid);
	merge(&result, server->options, OptionSource::server);
	UserMapping *mapping = GetUserMapping(userid, serverid);
	merge(&result, mapping->options, OptionSource::user_mapping);
	if (OidIsValid(relid)) {
		ForeignTable *table = GetForeignTable(relid);
		merge(&result, table->options, OptionSource::table);
	}
	return result;
}

const char *
option_value(List *options, const char *name, const char *fallback)
{
	ListCell *lc;
	foreach (lc, options) {
		auto *ov = (OptionValue *) lfirst(lc);
		if (strcmp(ov->name, name) == 0) {
			return ov->value;
		}
	}
	return fallback;
}

int
option_int(List *options, const char *name, int fallback)
{
	const char *v = option_value(options, name, nullptr);
	return v != nullptr ? (int) strtol(v, nullptr, 10) : fallback;
}

bool
option_bool(List *options, const char *name, bool fallback)
{
	const char *v = option_value(options, name, nullptr);
	bool result = fallback;
	if (v != nullptr) {
		(void) parse_bool(v, &result);
	}
	return result;
}

} // namespace tributary::pg

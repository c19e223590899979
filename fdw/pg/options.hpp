/*
 * options.hpp — the options of both wrappers: one table of {name, where, parser},
 * validation at CREATE/ALTER time, and lookup of the effective options of a
 * foreign table (server, user mapping, table) with where each value came from.
 *
 * Zone: PG zone (palloc, List, ereport; no C++ objects with destructors).
 */
#pragma once

extern "C" {
#include "postgres.h"
#include "nodes/pg_list.h"
}

#include "fdw/pg/pg_zone.hpp"

namespace tributary::pg {

enum class Driver { mysql, mssql };

/* Human name of the driver's server kind, for messages: "MySQL", "SQL Server". */
const char *driver_label(Driver driver);

/* The driver of a foreign server, from its wrapper's name. */
Driver driver_of_server(Oid serverid);

/* Validate options given to CREATE/ALTER of an object of the given catalog. */
void validate_options(Driver driver, List *options, Oid catalog);

/* Where an effective option value came from. */
enum class OptionSource { wrapper, server, user_mapping, table, column };
const char *option_source_name(OptionSource source);

/* One effective option: name → value, and its origin. palloc'd. */
struct OptionValue {
	const char *name;
	const char *value;
	OptionSource source;
};

/*
 * Effective options for a scan of a foreign table (InvalidOid: server only), for the
 * given user: server, then user mapping, then table, later ones overriding. Returns a
 * List of OptionValue* in CurrentMemoryContext.
 */
List *collect_options(Oid serverid, Oid userid, Oid relid);

/* Value of an option in a List from collect_options, or fallback when absent. */
const char *option_value(List *options, const char *name, const char *fallback);
int option_int(List *options, const char *name, int fallback);
bool option_bool(List *options, const char *name, bool fallback);

} // namespace tributary::pg

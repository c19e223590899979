/*
 * handler.cpp — every extern "C" entry point of the wrappers: _PG_init, the two
 * handlers and the two validators.
 *
 * Zone: PG zone. Entry points call C++ only through guarded() (guard.hpp).
 */
#include "fdw/pg/options.hpp"
#include "fdw/pg/routine.hpp"

extern "C" {
#include "fmgr.h"
#include "access/reloptions.h"
#include "foreign/fdwapi.h"
#include "utils/builtins.h"

PG_MODULE_MAGIC;

void _PG_init(void);
PG_FUNCTION_INFO_V1(tributary_mysql_handler);
PG_FUNCTION_INFO_V1(tributary_mysql_validator);
PG_FUNCTION_INFO_V1(tributary_mssql_handler);
PG_FUNCTION_INFO_V1(tributary_mssql_validator);

void
_PG_init(void)
{
	tributary::pg::module_init();
}

Datum
tributary_mysql_handler(PG_FUNCTION_ARGS)
{
	PG_RETURN_POINTER(tributary::pg::make_routine(tributary::pg::Driver::mysql));
}

Datum
tributary_mssql_handler(PG_FUNCTION_ARGS)
{
	PG_RETURN_POINTER(tributary::pg::make_routine(tributary::pg::Driver::mssql));
}

Datum
tributary_mysql_validator(PG_FUNCTION_ARGS)
{
	List *options = untransformRelOptions(PG_GETARG_DATUM(0));
	tributary::pg::validate_options(tributary::pg::Driver::mysql, options, PG_GETARG_OID(1));
	PG_RETURN_VOID();
}

Datum
tributary_mssql_validator(PG_FUNCTION_ARGS)
{
	List *options = untransformRelOptions(PG_GETARG_DATUM(0));
	tributary::pg::validate_options(tributary::pg::Driver::mssql, options, PG_GETARG_OID(1));
	PG_RETURN_VOID();
}
}

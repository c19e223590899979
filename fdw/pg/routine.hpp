/*
 * routine.hpp — the FdwRoutine of each wrapper and module start-up.
 * Zone: PG zone.
 */
#pragma once

extern "C" {
#include "postgres.h"
#include "foreign/fdwapi.h"
}

#include "fdw/pg/options.hpp"

namespace tributary::pg {

/* A palloc'd FdwRoutine whose callbacks know their driver. */
FdwRoutine *make_routine(Driver driver);

/* Called once per backend from _PG_init: GUCs, callbacks. */
void module_init();

} // namespace tributary::pg

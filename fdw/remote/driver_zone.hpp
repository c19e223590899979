/*
 * driver_zone.hpp — included last by every driver-zone source file.
 * It stops the build if a PostgreSQL header slipped in: driver code must never
 * call the backend, because an ereport longjmp would skip C++ destructors.
 */
#ifdef POSTGRES_H
#error "driver-zone code must not include postgres.h (see STYLE.md, the C/C++ boundary rule)"
#endif

/*
 * pg_zone.hpp — included by every PG-zone file after its PostgreSQL headers.
 * It stops the build if a client-library header slipped into the PG zone:
 * MariaDB's ma_list.h declares list_length and sybdb.h defines TRUE/BOOL/BYTE,
 * both of which clash with PostgreSQL's own definitions.
 */
#if defined(_mysql_h) || defined(_sybdb_h_) || defined(_ma_list_h_)
#error "PG-zone code must not include MariaDB or FreeTDS headers (see STYLE.md, the C/C++ boundary rule)"
#endif

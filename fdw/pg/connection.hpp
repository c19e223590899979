/*
 * connection.hpp — the per-backend cache of remote connections, keyed by user
 * mapping, and their life across transactions.
 *
 * Zone: PG zone. A connection is opened on first use (through the guard), cached in
 * CacheMemoryContext, gets one remote read-only snapshot per local transaction (when
 * the server's isolation_level allows), is cancelled and rolled back when the local
 * transaction aborts, and is dropped when it broke or its server or user mapping
 * changed. Cleanup paths report at WARNING, never ERROR.
 */
#pragma once

extern "C" {
#include "postgres.h"
#include "nodes/pg_list.h"
}

#include "fdw/pg/options.hpp"
#include "fdw/remote/remote.hpp"

namespace tributary::pg {

/* A cached connection; the PG zone never deletes it itself. */
struct CachedConnection {
	remote::Connection *conn; /* owned by the cache */
	Driver driver;
	const char *server_name;  /* in CacheMemoryContext, for messages */
	bool busy;				  /* a scan of the running query holds it */
};

/*
 * The connection for (server, the current user's mapping), opened if needed, with
 * the remote snapshot of this transaction started. Enforces the password rule: a
 * non-superuser's mapping must carry a password unless a superuser set
 * password_required 'false'. Returns a connection no running scan holds. ereports on
 * failure (connect errors name the server, never the password).
 */
CachedConnection *get_connection(Driver driver, Oid serverid, Oid userid,
								 bool for_scan = false);

/*
 * A scan (for_scan = true) holds its connection until it ends: another scan of the same
 * query gets another connection (each with its own remote snapshot). Release at
 * EndForeignScan; an abort releases every connection.
 */
void release_connection(CachedConnection *cached);

/* The driver's stateless SQL dialect, for planning without a connection. */
const remote::Dialect &dialect_for(Driver driver);

/* Install the transaction and invalidation callbacks (from _PG_init). */
void connection_init();

} // namespace tributary::pg

/*
 * connection.hpp — the per-backend cache of remote connections, keyed by user
 * mapping, and their life across transactions.
 *
 * Zone: PG zone. A connection is opened on first use (through the guard), cached in
 * CacheMemoryContext, gets one remote read-only snapshot per local transaction (when
 * the server's isolation_level allows) that every scan of the transaction shares, is
 * cancelled and rolled back when the local transaction aborts, and is dropped when it
 * broke or its server or user mapping changed. Cleanup paths report at WARNING, never
 * ERROR.
 */
#pragma once

extern "C" {
#include "postgres.h"
#include "nodes/pg_list.h"
}

#include "fdw/pg/options.hpp"
#include "fdw/remote/remote.hpp"

namespace tributary::pg {

/* Makes the scan that streams on a connection read the rest of its result elsewhere. */
using SpoolFn = void (*)(void *scan);

/* A cached connection; the PG zone never deletes it itself. */
struct CachedConnection {
	remote::Connection *conn; /* owned by the cache */
	Driver driver;
	const char *server_name;  /* in CacheMemoryContext, for messages */
	bool busy;				  /* read_committed only: a scan of the running query holds it */
	void *streaming;		  /* the owner of the cursor open on conn, or NULL */
	SpoolFn spool;			  /* how to move that owner's rest off the connection, or NULL */
};

/*
 * The connection for (server, the current user's mapping), opened if needed, with
 * the remote snapshot of this transaction started. Enforces the password rule: a
 * non-superuser's mapping must carry a password unless a superuser set
 * password_required 'false'. ereports on failure (connect errors name the server,
 * never the password).
 *
 * One snapshot per transaction: unless the server's isolation_level is
 * read_committed, every scan of the mapping in the transaction shares this one
 * connection (MySQL and SQL Server snapshots cannot be shared between sessions). A
 * remote connection carries one open result at a time, so whoever opens a cursor
 * first calls claim_connection, which spools the cursor already streaming there. With
 * read_committed a scan (for_scan = true) gets a connection of its own instead, held
 * until release_connection.
 */
CachedConnection *get_connection(Driver driver, Oid serverid, Oid userid,
								 bool for_scan = false);

/*
 * Make the connection free for a new cursor of owner (a scan's state, or NULL for a
 * one-off request such as an estimate): a cursor another owner streams there is first
 * moved off it by that owner's spool function (its rest read into local storage). The
 * new cursor's owner registers spool (NULL: it cannot be spooled, and a later claim
 * is an error). May ereport.
 */
void claim_connection(CachedConnection *cached, void *owner, SpoolFn spool);

/* The owner's cursor on the connection is gone (closed, or spooled). */
void release_stream(CachedConnection *cached, void *owner);

/* A scan ended: release what get_connection(for_scan = true) reserved. */
void release_connection(CachedConnection *cached);

/* The driver's stateless SQL dialect, for planning without a connection. */
const remote::Dialect &dialect_for(Driver driver);

/* Install the transaction and invalidation callbacks (from _PG_init). */
void connection_init();

} // namespace tributary::pg

/*
 * connection.cpp — the connection cache: one remote connection per (backend, user
 * mapping), its remote snapshot per local transaction, and cleanup on abort.
 *
 * Zone: PG zone. Driver calls go through guarded() (opening, snapshots) or, on
 * cleanup paths, through cleanup_call(), which reports failures at WARNING: an abort
 * must never raise a second error. Entries live in CacheMemoryContext.
 *
 * Why one connection per mapping and transaction: InnoDB's consistent snapshot (and
 * SQL Server's snapshot isolation) belongs to one session and cannot be shared with
 * another, so a second connection opened later in the transaction would see later
 * data. All scans of the transaction therefore use one connection; since it carries one
 * open result at a time, a scan that needs it while another streams makes that one
 * spool the rest of its result locally (claim_connection; scan.cpp keeps it in a
 * tuplestore, memory up to work_mem, then a temporary file).
 */
#include "fdw/pg/connection.hpp"

#include <memory>

#include "fdw/mysql/mysql_dialect.hpp"
#include "fdw/mysql/mysql_driver.hpp"
#include "fdw/tds/tds_dialect.hpp"
#include "fdw/tds/tds_driver.hpp"
#include "fdw/pg/guard.hpp"

extern "C" {
#include "access/xact.h"
#include "catalog/pg_user_mapping.h"
#include "foreign/foreign.h"
#include "miscadmin.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/memutils.h"
#include "utils/syscache.h"
}

namespace tributary::pg {

namespace {

/*
 * read_committed only: several scans of one query may read the same server at once,
 * one connection each (a snapshot transaction shares one connection instead).
 */
constexpr int max_connections_per_mapping = 16;

struct EntryKey {
	Oid umid; /* the user mapping */
	int slot; /* 0, 1, … : the connections of one mapping */
};

struct Entry {
	EntryKey key; /* hash key */
	CachedConnection cached;
	bool in_xact;		  /* a remote snapshot is open for the current local transaction */
	bool needs_rollback;  /* the last local transaction aborted with the snapshot open */
	bool invalidated;	  /* server or mapping changed: reopen at the next transaction */
	uint32 server_hash;	  /* syscache hash values, for invalidation */
	uint32 mapping_hash;
};

HTAB *g_cache = nullptr;

/* Run a driver call on a cleanup path: failures become a WARNING, never an ERROR. */
template <typename Fn>
void
cleanup_call(const char *what, const char *server, Fn &&fn)
{
	CapturedError err;
	bool failed = false;
	try {
		fn();
	} catch (const remote::RemoteError &e) {
		err.capture(e);
		failed = true;
	} catch (const std::exception &e) {
		err.capture_internal(e.what());
		failed = true;
	} catch (...) {
		err.capture_internal(nullptr);
		failed = true;
	}
	if (failed) {
		ereport(WARNING, errcode(ERRCODE_FDW_ERROR),
				errmsg("could not %s on server \"%s\"", what, server),
				errdetail_internal("%s", err.detail[0] != '\0' ? err.detail : err.message));
	}
}

void
close_entry(Entry *entry)
{
	if (entry->cached.conn == nullptr) {
		return;
	}
	remote::Connection *conn = entry->cached.conn;
	entry->cached.conn = nullptr;
	entry->in_xact = false;
	entry->needs_rollback = false;
	cleanup_call("close the connection", entry->cached.server_name, [conn]() { delete conn; });
}

bool
wants_snapshot(List *options)
{
	const char *level = option_value(options, "isolation_level", "auto");
	return pg_strcasecmp(level, "read_committed") != 0;
}

/* Enforce postgres_fdw's rule: non-superusers authenticate with a password. */
void
check_password_rule(List *options, const char *server, Oid userid)
{
	if (superuser_arg(userid)) {
		return;
	}
	if (!option_bool(options, "password_required", true)) {
		return; /* only a superuser can have set this */
	}
	const char *password = option_value(options, "password", nullptr);
	if (password == nullptr || password[0] == '\0') {
		ereport(ERROR, errcode(ERRCODE_S_R_E_PROHIBITED_SQL_STATEMENT_ATTEMPTED),
				errmsg("password is required to connect to server \"%s\"", server),
				errdetail("Non-superusers must give a password in the user mapping."),
				errhint("Add OPTIONS (password '…') to the user mapping, or ask a superuser to "
						"set password_required 'false' on it."));
	}
}

void
open_entry(Entry *entry, Driver driver, Oid serverid, Oid userid)
{
	ForeignServer *server = GetForeignServer(serverid);
	List *options = collect_options(serverid, userid, InvalidOid);
	check_password_rule(options, server->servername, userid);

	/* Option values are plain C strings; copy them into a std::map inside the guard. */
	int n = list_length(options);
	const char **names = static_cast<const char **>(palloc(sizeof(char *) * (n + 1)));
	const char **values = static_cast<const char **>(palloc(sizeof(char *) * (n + 1)));
	int i = 0;
	ListCell *lc;
	foreach (lc, options) {
		auto *ov = static_cast<OptionValue *>(lfirst(lc));
		names[i] = ov->name;
		values[i] = ov->value;
		i++;
	}
	ErrorSite site{driver_label(driver), server->servername, nullptr};
	remote::Connection *conn = guarded(site, [driver, names, values, n]() {
		remote::Options opts;
		for (int k = 0; k < n; k++) {
			opts[names[k]] = values[k];
		}
		std::unique_ptr<remote::Connection> c =
			driver == Driver::mysql ? mysql::connect(opts) : tds::connect(opts);
		/* The driver polls these while it waits, so Ctrl-C and statement_timeout reach it. */
		c->watch_interrupts(remote::InterruptFlags{&QueryCancelPending, &ProcDiePending});
		return c.release();
	});
	entry->cached.conn = conn;
	entry->cached.driver = driver;
	entry->cached.server_name = MemoryContextStrdup(CacheMemoryContext, server->servername);
	entry->in_xact = false;
	entry->needs_rollback = false;
	entry->invalidated = false;
	entry->server_hash =
		GetSysCacheHashValue1(FOREIGNSERVEROID, ObjectIdGetDatum(serverid));
	entry->mapping_hash =
		GetSysCacheHashValue1(USERMAPPINGOID, ObjectIdGetDatum(entry->key.umid));
}

void
xact_callback(XactEvent event, void *)
{
	if (g_cache == nullptr) {
		return;
	}
	HASH_SEQ_STATUS scan;
	hash_seq_init(&scan, g_cache);
	while (auto *entry = static_cast<Entry *>(hash_seq_search(&scan))) {
		if (entry->cached.conn == nullptr) {
			continue;
		}
		remote::Connection *conn = entry->cached.conn;
		switch (event) {
		case XACT_EVENT_PRE_COMMIT:
		case XACT_EVENT_PARALLEL_PRE_COMMIT:
			/* Scans have ended; the read-only snapshot ends with the transaction. */
			if (entry->in_xact) {
				cleanup_call("end the remote transaction", entry->cached.server_name,
							 [conn]() { conn->end_snapshot(true); });
				entry->in_xact = false;
			}
			break;
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PARALLEL_ABORT:
			entry->cached.busy = false;
			entry->cached.streaming = nullptr; /* the scans die with the transaction */
			entry->cached.spool = nullptr;
			/*
			 * A scan may still own a running result: cancel the remote query now, and
			 * roll the snapshot back at next use, once every cursor is gone.
			 */
			conn->cancel();
			if (entry->in_xact) {
				entry->needs_rollback = true;
				entry->in_xact = false;
			}
			break;
		default:
			break;
		}
		if ((event == XACT_EVENT_ABORT || event == XACT_EVENT_COMMIT) &&
			(conn->broken() || entry->invalidated)) {
			if (event == XACT_EVENT_COMMIT) {
				close_entry(entry);
			} else {
				/* Cursors may still point at it; close it at the next use instead. */
				entry->invalidated = true;
			}
		}
	}
}

void
invalidation_callback(Datum, int cacheid, uint32 hashvalue)
{
	if (g_cache == nullptr) {
		return;
	}
	HASH_SEQ_STATUS scan;
	hash_seq_init(&scan, g_cache);
	while (auto *entry = static_cast<Entry *>(hash_seq_search(&scan))) {
		if (hashvalue == 0 ||
			(cacheid == FOREIGNSERVEROID && entry->server_hash == hashvalue) ||
			(cacheid == USERMAPPINGOID && entry->mapping_hash == hashvalue)) {
			entry->invalidated = true;
		}
	}
}

} // namespace

CachedConnection *
get_connection(Driver driver, Oid serverid, Oid userid, bool for_scan)
{
	if (g_cache == nullptr) {
		HASHCTL ctl;
		ctl.keysize = sizeof(EntryKey);
		ctl.entrysize = sizeof(Entry);
		ctl.hcxt = CacheMemoryContext;
		g_cache = hash_create("tributary connections", 8, &ctl,
							  HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	}
	UserMapping *mapping = GetUserMapping(userid, serverid);
	List *options = collect_options(serverid, userid, InvalidOid);
	const bool snapshot = wants_snapshot(options);
	Entry *entry = nullptr;
	/* A snapshot transaction shares slot 0; read_committed scans take one slot each. */
	const int slots = snapshot ? 1 : max_connections_per_mapping;
	for (int slot = 0; slot < slots && entry == nullptr; slot++) {
		EntryKey key{mapping->umid, slot};
		bool found = false;
		auto *e = static_cast<Entry *>(hash_search(g_cache, &key, HASH_ENTER, &found));
		if (!found) {
			e->cached.conn = nullptr;
			e->cached.busy = false;
			e->cached.streaming = nullptr;
			e->cached.spool = nullptr;
			e->in_xact = false;
			e->needs_rollback = false;
			e->invalidated = false;
		}
		if (!e->cached.busy) {
			entry = e;
		}
	}
	if (entry == nullptr) {
		ereport(ERROR, errcode(ERRCODE_FDW_TOO_MANY_HANDLES),
				errmsg("too many simultaneous scans of server \"%s\"", GetForeignServer(serverid)->servername),
				errdetail("One query may read at most %d foreign tables of one server at once.",
						  max_connections_per_mapping));
	}
	/* A broken or outdated connection is replaced between transactions' work. */
	if (entry->cached.conn != nullptr && !entry->in_xact &&
		(entry->invalidated || entry->cached.conn->broken())) {
		close_entry(entry);
	}
	if (entry->cached.conn == nullptr) {
		open_entry(entry, driver, serverid, userid);
	}
	remote::Connection *conn = entry->cached.conn;
	ErrorSite site{driver_label(driver), entry->cached.server_name, nullptr};
	if (entry->needs_rollback) {
		entry->needs_rollback = false;
		guarded(site, [conn]() { conn->end_snapshot(false); });
	}
	if (!entry->in_xact && snapshot) {
		/* No cursor can be open here: the last transaction ended or the entry is new. */
		guarded(site, [conn]() { conn->begin_snapshot(); });
		entry->in_xact = true;
	}
	entry->cached.busy = for_scan && !snapshot;
	return &entry->cached;
}

void
claim_connection(CachedConnection *cached, void *owner, SpoolFn spool)
{
	if (cached->streaming != nullptr && cached->streaming != owner) {
		void *other = cached->streaming;
		if (cached->spool == nullptr) {
			elog(ERROR, "tributary: a remote request of server \"%s\" is still running",
				 cached->server_name);
		}
		/* The other scan reads the rest of its result into local storage, then lets go. */
		cached->spool(other);
		if (cached->streaming == other) {
			elog(ERROR, "tributary: spooling a scan of server \"%s\" left its cursor open",
				 cached->server_name);
		}
	}
	cached->streaming = owner;
	cached->spool = owner != nullptr ? spool : nullptr;
}

void
release_stream(CachedConnection *cached, void *owner)
{
	if (cached->streaming == owner) {
		cached->streaming = nullptr;
		cached->spool = nullptr;
	}
}

void
release_connection(CachedConnection *cached)
{
	cached->busy = false;
}

const remote::Dialect &
dialect_for(Driver driver)
{
	if (driver == Driver::mysql) {
		return mysql::dialect();
	}
	return tds::dialect();
}

void
connection_init()
{
	RegisterXactCallback(xact_callback, nullptr);
	CacheRegisterSyscacheCallback(FOREIGNSERVEROID, invalidation_callback, (Datum) 0);
	CacheRegisterSyscacheCallback(USERMAPPINGOID, invalidation_callback, (Datum) 0);
}

} // namespace tributary::pg

/*
 * remote_cursor.cpp — guarded open / fetch / delete of driver cursors (see the header).
 *
 * Zone: PG zone. The lambdas run inside guarded(); they own C++ objects (a Query, the
 * caught RemoteError) only inside the try, and no PostgreSQL function is called there.
 */
#include "fdw/pg/remote_cursor.hpp"

namespace tributary::pg {

remote::Cursor *
open_remote_cursor(const ErrorSite &site, remote::Connection *conn, const char *sql,
				   const remote::Cell *params, int nparams)
{
	return guarded(site, [conn, sql, params, nparams]() {
		remote::Query q;
		q.sql = sql;
		if (nparams > 0) {
			q.params.assign(params, params + nparams);
		}
		try {
			return conn->open(q).release();
		} catch (remote::RemoteError &e) {
			e.set_query(sql);
			throw;
		}
	});
}

bool
fetch_remote_row(const ErrorSite &site, remote::Cursor *cursor, const remote::Cell **row,
				 int ncols, const char *sql)
{
	return guarded(site, [cursor, row, ncols, sql]() {
		try {
			if (!cursor->next()) {
				return false;
			}
		} catch (remote::RemoteError &e) {
			e.set_query(sql);
			throw;
		}
		for (int i = 0; i < ncols; i++) {
			row[i] = &cursor->cell(static_cast<std::size_t>(i));
		}
		return true;
	});
}

void
delete_remote_cursor(const ErrorSite &site, remote::Cursor *cursor, bool cleanup)
{
	if (cleanup) {
		/* Aborting: a destructor never throws; anything else is swallowed. */
		try {
			delete cursor;
		} catch (...) {
		}
		return;
	}
	guarded(site, [cursor]() { delete cursor; });
}

} // namespace tributary::pg

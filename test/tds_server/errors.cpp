/*
 * errors.cpp — mapping of SQLite error codes and messages to SQL Server errors.
 *
 * Zone: test server (SQLite C API). Message texts follow SQL Server 2019; numbers are the
 * ones drivers classify on (2627/2601 unique, 547 constraint, 1205/1222 locks, 208 object).
 */
#include "test/tds_server/errors.hpp"

#include "test/tds_server/sqlite_ext.hpp"
#include "test/tds_server/sqlite_util.hpp"
#include "test/tds_server/tokens.hpp"

namespace tributary::tds_server
{

namespace
{

bool
starts_with(const std::string &s, const char *prefix)
{
	return s.rfind(prefix, 0) == 0;
}

std::string
after(const std::string &s, const char *prefix)
{
	return s.substr(std::string(prefix).size());
}

/* "dbo.t" for a SQLite table name */
std::string
object_display(Catalog &catalog, const std::string &sqlite_name)
{
	if (const ObjectMeta *o = catalog.by_sqlite_name(sqlite_name)) {
		return o->schema + "." + o->name;
	}
	return "dbo." + sqlite_name;
}

/* Name of the unique index/constraint on `table` covering `columns` ("a, b"). */
std::string
unique_name(sqlite3 *db, Catalog &catalog, const std::string &table, bool primary,
            bool &is_constraint)
{
	is_constraint = primary;
	const ObjectMeta *o = catalog.by_sqlite_name(table);
	if (!o) {
		return primary ? "PK_" + table : "UQ_" + table;
	}
	try {
		Stmt st(db, "SELECT name, is_unique_constraint FROM __tds_index WHERE object_id = ?1 AND "
		            "is_primary_key = ?2 AND is_unique = 1 ORDER BY index_id");
		st.bind(1, o->object_id).bind(2, static_cast<std::int64_t>(primary ? 1 : 0));
		if (st.step()) {
			is_constraint = primary || st.int64(1) != 0;
			return st.text(0);
		}
	} catch (const SqliteError &) {
	}
	return primary ? "PK_" + table : "UQ_" + table;
}

const char *
verb(std::uint16_t cmd)
{
	return cmd == curcmd::update ? "UPDATE" : cmd == curcmd::del ? "DELETE" : "INSERT";
}

} // namespace

SqlError
map_sqlite_error(sqlite3 *db, int rc, std::uint16_t cmd, bool at_prepare, Catalog &catalog,
                 const std::string &database)
{
	const std::string msg = db ? sqlite3_errmsg(db) : "unknown error";
	const int ext = db ? sqlite3_extended_errcode(db) : rc;
	const int code = ext & 0xFF;

	if (starts_with(msg, "TDS#")) {
		/* TDS#number#class#text from a tds_* function */
		const std::size_t a = msg.find('#', 4);
		const std::size_t b = a == std::string::npos ? a : msg.find('#', a + 1);
		if (b != std::string::npos) {
			const int number = std::stoi(msg.substr(4, a - 4));
			const int cls = std::stoi(msg.substr(a + 1, b - a - 1));
			return SqlError(number, static_cast<std::uint8_t>(cls), msg.substr(b + 1), false);
		}
	}
	if (starts_with(msg, "no such table: ")) {
		std::string name = after(msg, "no such table: ");
		if (starts_with(name, "main.")) {
			name = name.substr(5);
		}
		return SqlError(208, 16, "Invalid object name '" + name + "'.", true);
	}
	if (starts_with(msg, "no such column: ")) {
		std::string name = after(msg, "no such column: ");
		const std::size_t dot = name.rfind('.');
		if (dot != std::string::npos) {
			name = name.substr(dot + 1);
		}
		return SqlError(207, 16, "Invalid column name '" + name + "'.", true);
	}
	if (starts_with(msg, "ambiguous column name: ")) {
		return SqlError(209, 16,
		                "Ambiguous column name '" + after(msg, "ambiguous column name: ") + "'.",
		                true);
	}
	if (starts_with(msg, "no such function: ")) {
		return SqlError(195, 15,
		                "'" + after(msg, "no such function: ") +
		                    "' is not a recognized built-in function name.",
		                true);
	}
	if (starts_with(msg, "wrong number of arguments to function ")) {
		std::string fn = after(msg, "wrong number of arguments to function ");
		if (fn.size() > 2) {
			fn = fn.substr(0, fn.size() - 2);
		}
		return SqlError(174, 15,
		                "The " + fn + " function requires a different number of arguments.", true);
	}
	if (starts_with(msg, "near \"")) {
		const std::size_t q = msg.find('"', 6);
		return SqlError(102, 15, "Incorrect syntax near '" + msg.substr(6, q - 6) + "'.", true);
	}
	if (msg == "incomplete input") {
		return SqlError(102, 15, "Incorrect syntax near the end of the batch.", true);
	}
	if (starts_with(msg, "no tables specified")) {
		return SqlError(263, 16, "Must specify table to select from.", true);
	}
	if (msg.find(" already exists") != std::string::npos) {
		/* "table x already exists", "index x already exists" */
		std::string name = msg.substr(0, msg.find(" already exists"));
		name = name.substr(name.find(' ') == std::string::npos ? 0 : name.find(' ') + 1);
		return SqlError(2714, 16, "There is already an object named '" + name + "' in the database.",
		                false);
	}
	if (starts_with(msg, "sub-select returns")) {
		return SqlError(116, 16,
		                "Only one expression can be specified in the select list when the "
		                "subquery is not introduced with EXISTS.",
		                true);
	}
	if (starts_with(msg, "misuse of aggregate")) {
		return SqlError(147, 15,
		                "An aggregate may not appear in the WHERE clause unless it is in a "
		                "subquery contained in a HAVING clause or a select list.",
		                true);
	}
	if (code == SQLITE_CONSTRAINT) {
		const std::string cols =
		    msg.find(": ") != std::string::npos ? msg.substr(msg.find(": ") + 2) : std::string();
		const std::string table = cols.substr(0, cols.find('.'));
		const std::string column =
		    cols.find('.') != std::string::npos
		        ? cols.substr(cols.find('.') + 1, cols.find(',') - cols.find('.') - 1)
		        : cols;
		if (ext == SQLITE_CONSTRAINT_PRIMARYKEY || ext == SQLITE_CONSTRAINT_UNIQUE) {
			bool constraint = false;
			const std::string name =
			    unique_name(db, catalog, table, ext == SQLITE_CONSTRAINT_PRIMARYKEY, constraint);
			if (constraint) {
				return SqlError(
				    2627, 14,
				    std::string("Violation of ") +
				        (ext == SQLITE_CONSTRAINT_PRIMARYKEY ? "PRIMARY KEY" : "UNIQUE KEY") +
				        " constraint '" + name + "'. Cannot insert duplicate key in object '" +
				        object_display(catalog, table) + "'.",
				    false);
			}
			return SqlError(2601, 14,
			                "Cannot insert duplicate key row in object '" +
			                    object_display(catalog, table) + "' with unique index '" + name +
			                    "'.",
			                false);
		}
		if (ext == SQLITE_CONSTRAINT_NOTNULL) {
			return SqlError(515, 16,
			                "Cannot insert the value NULL into column '" + column + "', table '" +
			                    database + "." + object_display(catalog, table) +
			                    "'; column does not allow nulls. " + verb(cmd) + " fails.",
			                false);
		}
		if (ext == SQLITE_CONSTRAINT_CHECK && msg.find("tds_chk__") != std::string::npos) {
			const CheckFailure &f = last_check_failure();
			return SqlError(f.number ? f.number : 8152, 16,
			                f.text.empty() ? "String or binary data would be truncated." : f.text,
			                false);
		}
		if (ext == SQLITE_CONSTRAINT_FOREIGNKEY) {
			return SqlError(547, 16,
			                std::string("The ") + verb(cmd) +
			                    " statement conflicted with a FOREIGN KEY constraint. The "
			                    "conflict occurred in database \"" +
			                    database + "\".",
			                false);
		}
		if (ext == SQLITE_CONSTRAINT_CHECK) {
			return SqlError(547, 16,
			                std::string("The ") + verb(cmd) +
			                    " statement conflicted with the CHECK constraint \"" + cols +
			                    "\". The conflict occurred in database \"" + database + "\".",
			                false);
		}
		return SqlError(547, 16, "Constraint violation: " + msg, false);
	}
	if (ext == SQLITE_BUSY_SNAPSHOT) {
		return SqlError(3960, 16,
		                "Snapshot isolation transaction aborted due to update conflict. You "
		                "cannot use snapshot isolation to access a table directly or "
		                "indirectly in database '" +
		                    database +
		                    "' to update, delete, or insert the row that has been "
		                    "modified or deleted by another transaction.",
		                false);
	}
	if (code == SQLITE_BUSY || code == SQLITE_LOCKED) {
		return SqlError(1222, 16, "Lock request time out period exceeded.", false);
	}
	if (code == SQLITE_INTERRUPT) {
		return SqlError(3617, 16, "The query was cancelled.", false);
	}
	if (code == SQLITE_TOOBIG) {
		return SqlError(1701, 16, "The value is too large for the TDS test server (SQLite limit).",
		                false);
	}
	(void)rc;
	return SqlError(50000, 16, "SQLite: " + msg, at_prepare);
}

} // namespace tributary::tds_server

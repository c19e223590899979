/*
 * mysql_result.hpp — one result set on the wire, read row by row: the text
 * protocol (mysql_use_result) or a prepared statement (mysql_stmt_fetch,
 * unbuffered). The cursor (mysql_cursor.cpp) decides who reads and when.
 *
 * Zone: driver zone (no postgres.h; mysql.h stays in the .cpp).
 */
#pragma once

#include "fdw/mysql/mysql_types.hpp"
#include "fdw/remote/remote.hpp"

#include <cstddef>
#include <memory>
#include <vector>

namespace tributary::mysql {

class MysqlConnection;

class ResultReader {
  public:
	virtual ~ResultReader() = default;
	const std::vector<remote::ColumnInfo> &columns() const noexcept { return m_columns; }
	/*
	 * Decode the next row into row[0 … columns-1]; data pointers stay valid
	 * until the next call. Returns false only at the end-of-result marker;
	 * throws RemoteError for anything else (and marks the connection broken
	 * when the error broke it). May run on the read-ahead thread.
	 */
	virtual bool fetch(remote::Cell *row) = 0;
	/* Read and drop up to max_rows rows; true once the result has ended. */
	virtual bool skip(std::size_t max_rows) noexcept = 0;
	/* Release the result, reading whatever is left; leaves the connection usable. */
	virtual void finish() noexcept = 0;

  protected:
	std::vector<remote::ColumnInfo> m_columns;
	std::vector<Decoder> m_decoders;
};

/* Send query (text protocol, no parameters allowed) and start reading its result. */
std::unique_ptr<ResultReader> run_text_query(MysqlConnection &conn, const remote::Query &query);

/* Execute query as a prepared statement with its parameters bound natively. */
std::unique_ptr<ResultReader> run_prepared_query(MysqlConnection &conn, const remote::Query &query);

} // namespace tributary::mysql

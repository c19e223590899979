/*
 * encode.hpp — turns SQLite result values into TDS values: COLMETADATA for a described
 * result, and one value per declared column type (tds-notes §4).
 *
 * Zone: test server (SQLite read API only: sqlite3_column_*). Encoding never changes the
 * statement; a value that does not fit its declared type throws EncodeError carrying the
 * SQL Server error (8115 overflow, 241 bad date...), which the caller sends as an ERROR
 * token after dropping the half-encoded row.
 */
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "test/tds_server/packet.hpp"
#include "test/tds_server/tokens.hpp"
#include "test/tds_server/types.hpp"

namespace tributary::tds_server
{

class EncodeError : public std::runtime_error
{
  public:
	explicit EncodeError(ServerMessage msg) : std::runtime_error(msg.text), m_msg(std::move(msg)) {}
	const ServerMessage &
	message() const
	{
		return m_msg;
	}

  private:
	ServerMessage m_msg;
};

struct ResultColumn {
	std::string name;
	SqlType type;
	bool nullable = true;
	bool identity = false;
	std::string table_name; /* for text/ntext/image TYPE_INFO */
	WireType wire;
};

/* Fill each column's wire form for this protocol version. */
void prepare_wire(std::vector<ResultColumn> &cols, const WireOptions &opt);

/* COLMETADATA token for prepared columns. */
void write_colmetadata(Channel &ch, const std::vector<ResultColumn> &cols);

/*
 * Append column `col` of the current row of `st`, encoded per `w`. textsize limits
 * (max)/text/image values as SET TEXTSIZE does. Throws EncodeError.
 */
void encode_value(ByteBuffer &out, const WireType &w, sqlite3_stmt *st, int col,
                  std::uint32_t textsize);

/* ROW token for the current row of st into `row` (cleared first). */
void encode_row(ByteBuffer &row, const std::vector<ResultColumn> &cols, sqlite3_stmt *st,
                std::uint32_t textsize);

/* 16 GUID bytes in wire order (first three groups little-endian) from text; false if bad. */
bool guid_from_text(const unsigned char *s, int len, std::uint8_t out[16]);

} // namespace tributary::tds_server

/*
 * tokens.cpp — byte layouts of the type-independent TDS tokens (tds-notes §3).
 *
 * Zone: test server. Multi-byte integers are little-endian except the TDS version inside
 * LOGINACK, which SQL Server sends big-endian (74 00 00 04).
 */
#include "test/tds_server/tokens.hpp"

namespace tributary::tds_server
{

void
write_done(Channel &ch, std::uint8_t tok, std::uint16_t status, std::uint16_t cmd,
           std::uint64_t rows)
{
	std::uint8_t b[13];
	b[0] = tok;
	b[1] = static_cast<std::uint8_t>(status);
	b[2] = static_cast<std::uint8_t>(status >> 8);
	b[3] = static_cast<std::uint8_t>(cmd);
	b[4] = static_cast<std::uint8_t>(cmd >> 8);
	for (int i = 0; i < 8; i++) {
		b[5 + i] = static_cast<std::uint8_t>(rows >> (8 * i));
	}
	ch.put(b, sizeof b);
}

void
write_message(Channel &ch, const ServerMessage &msg, std::string_view server_name)
{
	ByteBuffer body;
	body.put_u32(static_cast<std::uint32_t>(msg.number));
	body.put_u8(msg.state);
	body.put_u8(msg.cls);
	body.put_us_varchar(msg.text);
	body.put_b_varchar(server_name);
	body.put_b_varchar(msg.proc);
	body.put_u32(static_cast<std::uint32_t>(msg.line));
	ch.put_u8(msg.cls > 10 ? token::error : token::info);
	ch.put_u16(static_cast<std::uint16_t>(body.size()));
	ch.put(body);
}

void
write_envchange(Channel &ch, std::uint8_t type, std::string_view new_value,
                std::string_view old_value)
{
	ByteBuffer body;
	body.put_u8(type);
	body.put_b_varchar(new_value);
	body.put_b_varchar(old_value);
	ch.put_u8(token::envchange);
	ch.put_u16(static_cast<std::uint16_t>(body.size()));
	ch.put(body);
}

void
write_envchange_bytes(Channel &ch, std::uint8_t type, const std::uint8_t *new_value,
                      std::size_t new_len, const std::uint8_t *old_value, std::size_t old_len)
{
	ByteBuffer body;
	body.put_u8(type);
	body.put_u8(static_cast<std::uint8_t>(new_len));
	body.put(new_value, new_len);
	body.put_u8(static_cast<std::uint8_t>(old_len));
	body.put(old_value, old_len);
	ch.put_u8(token::envchange);
	ch.put_u16(static_cast<std::uint16_t>(body.size()));
	ch.put(body);
}

void
write_loginack(Channel &ch, std::uint32_t tds_version, std::string_view prog_name)
{
	ByteBuffer body;
	body.put_u8(1); /* interface: T-SQL */
	body.put_u8(static_cast<std::uint8_t>(tds_version >> 24));
	body.put_u8(static_cast<std::uint8_t>(tds_version >> 16));
	body.put_u8(static_cast<std::uint8_t>(tds_version >> 8));
	body.put_u8(static_cast<std::uint8_t>(tds_version));
	body.put_b_varchar(prog_name);
	/* ProgVersion 16.0.1000 (SQL Server 2022 RTM numbering). */
	body.put_u8(16);
	body.put_u8(0);
	body.put_u8(1000 >> 8);
	body.put_u8(1000 & 0xFF);
	ch.put_u8(token::loginack);
	ch.put_u16(static_cast<std::uint16_t>(body.size()));
	ch.put(body);
}

void
write_featureextack_utf8(Channel &ch)
{
	const std::uint8_t b[] = {token::featureextack, 0x0A, 1, 0, 0, 0, 1, 0xFF};
	ch.put(b, sizeof b);
}

void
write_returnstatus(Channel &ch, std::int32_t status)
{
	ch.put_u8(token::returnstatus);
	ch.put_u32(static_cast<std::uint32_t>(status));
}

} // namespace tributary::tds_server

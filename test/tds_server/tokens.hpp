/*
 * tokens.hpp — writers for the TDS response tokens that do not depend on column types:
 * DONE/DONEPROC/DONEINPROC, ERROR/INFO, ENVCHANGE, LOGINACK, FEATUREEXTACK, RETURNSTATUS.
 *
 * Zone: test server. Writers append to an open Channel message; they never flush a
 * message themselves (the caller ends it), so several tokens travel in one packet.
 */
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "test/tds_server/packet.hpp"

namespace tributary::tds_server
{

namespace token
{
constexpr std::uint8_t returnstatus = 0x79;
constexpr std::uint8_t colmetadata = 0x81;
constexpr std::uint8_t error = 0xAA;
constexpr std::uint8_t info = 0xAB;
constexpr std::uint8_t returnvalue = 0xAC;
constexpr std::uint8_t loginack = 0xAD;
constexpr std::uint8_t featureextack = 0xAE;
constexpr std::uint8_t row = 0xD1;
constexpr std::uint8_t envchange = 0xE3;
constexpr std::uint8_t done = 0xFD;
constexpr std::uint8_t doneproc = 0xFE;
constexpr std::uint8_t doneinproc = 0xFF;
} // namespace token

namespace done_status
{
constexpr std::uint16_t final = 0x00;
constexpr std::uint16_t more = 0x01;
constexpr std::uint16_t error = 0x02;
constexpr std::uint16_t inxact = 0x04;
constexpr std::uint16_t count = 0x10;
constexpr std::uint16_t attn = 0x20;
constexpr std::uint16_t srverror = 0x100;
} // namespace done_status

/* DONE CurCmd values SQL Server uses (informational for clients). */
namespace curcmd
{
constexpr std::uint16_t none = 0x00;
constexpr std::uint16_t select = 0xC1;
constexpr std::uint16_t insert = 0xC3;
constexpr std::uint16_t del = 0xC4;
constexpr std::uint16_t update = 0xC5;
constexpr std::uint16_t create_table = 0xC6;
constexpr std::uint16_t drop_table = 0xC7;
constexpr std::uint16_t begin_tran = 0xD4;
constexpr std::uint16_t commit_tran = 0xD5;
constexpr std::uint16_t rollback_tran = 0xD6;
constexpr std::uint16_t set = 0xE2;
constexpr std::uint16_t use = 0xE3;
constexpr std::uint16_t procedure = 0xE0;
} // namespace curcmd

namespace envchange_type
{
constexpr std::uint8_t database = 1;
constexpr std::uint8_t language = 2;
constexpr std::uint8_t packet_size = 4;
constexpr std::uint8_t collation = 7;
constexpr std::uint8_t begin_tran = 8;
constexpr std::uint8_t commit_tran = 9;
constexpr std::uint8_t rollback_tran = 10;
} // namespace envchange_type

/* An ERROR (class > 10) or INFO message as SQL Server sends it. */
struct ServerMessage {
	std::int32_t number = 0;
	std::uint8_t state = 1;
	std::uint8_t cls = 16;
	std::string text;
	std::string proc;
	std::int32_t line = 1;
};

void write_done(Channel &ch, std::uint8_t tok, std::uint16_t status, std::uint16_t cmd,
                std::uint64_t rows);
void write_message(Channel &ch, const ServerMessage &msg, std::string_view server_name);
void write_envchange(Channel &ch, std::uint8_t type, std::string_view new_value,
                     std::string_view old_value);
void write_envchange_bytes(Channel &ch, std::uint8_t type, const std::uint8_t *new_value,
                           std::size_t new_len, const std::uint8_t *old_value, std::size_t old_len);
void write_loginack(Channel &ch, std::uint32_t tds_version, std::string_view prog_name);
void write_featureextack_utf8(Channel &ch);
void write_returnstatus(Channel &ch, std::int32_t status);

} // namespace tributary::tds_server

/*
 * packet.hpp — the TDS packet layer of the test server: reads whole request messages
 * (packet headers stripped), writes response messages split into packets of the negotiated
 * size, and watches the socket for ATTENTION packets while a response is streaming.
 *
 * Zone: test server (POSIX sockets, std only). One Channel belongs to one session thread;
 * only kill() may be called from another thread (under the server's registry lock).
 * Socket failures throw ConnectionLost; the session then ends quietly.
 */
#pragma once

#include <atomic>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "test/tds_server/wire.hpp"

namespace tributary::tds_server
{

/* The peer went away (EOF, reset) or the session was killed. */
class ConnectionLost : public std::runtime_error
{
  public:
	using std::runtime_error::runtime_error;
};

namespace packet_type
{
constexpr std::uint8_t sql_batch = 0x01;
constexpr std::uint8_t rpc = 0x03;
constexpr std::uint8_t reply = 0x04;
constexpr std::uint8_t attention = 0x06;
constexpr std::uint8_t bulk_load = 0x07;
constexpr std::uint8_t transaction_manager = 0x0E;
constexpr std::uint8_t login7 = 0x10;
constexpr std::uint8_t prelogin = 0x12;
} // namespace packet_type

constexpr std::uint8_t status_eom = 0x01;
constexpr std::uint8_t status_ignore = 0x02;

struct Message {
	std::uint8_t type = 0;
	std::uint8_t status = 0; /* status of the last packet */
	std::vector<std::uint8_t> payload;
};

class Channel
{
  public:
	explicit Channel(int fd);
	~Channel();
	Channel(const Channel &) = delete;
	Channel &operator=(const Channel &) = delete;

	/* Read one whole message; false on EOF between messages. Throws ConnectionLost. */
	bool read_message(Message &out);

	void set_packet_size(std::uint32_t size);
	std::uint32_t
	packet_size() const
	{
		return m_packet_size;
	}
	void
	set_spid(std::uint16_t spid)
	{
		m_spid = spid;
	}

	/* Start a response message (type 0x04 unless told otherwise). */
	void begin(std::uint8_t type = packet_type::reply);
	bool
	in_message() const
	{
		return m_open;
	}
	/* End the message: last packet gets EOM, everything is sent. */
	void end();

	void
	put(const void *src, std::size_t n)
	{
		const auto *p = static_cast<const std::uint8_t *>(src);
		while (n > 0) {
			const std::size_t room = m_pkt_start + m_packet_size - m_len;
			if (room == 0) {
				finish_packet(false);
				continue;
			}
			const std::size_t k = n < room ? n : room;
			std::memcpy(m_out.data() + m_len, p, k);
			m_len += k;
			p += k;
			n -= k;
		}
	}
	void
	put(const ByteBuffer &b)
	{
		put(b.data(), b.size());
	}
	void
	put_u8(std::uint8_t v)
	{
		put(&v, 1);
	}
	void
	put_u16(std::uint16_t v)
	{
		const std::uint8_t b[2] = {static_cast<std::uint8_t>(v), static_cast<std::uint8_t>(v >> 8)};
		put(b, 2);
	}
	void
	put_u32(std::uint32_t v)
	{
		std::uint8_t b[4];
		for (int i = 0; i < 4; i++) {
			b[i] = static_cast<std::uint8_t>(v >> (8 * i));
		}
		put(b, 4);
	}
	void
	put_u64(std::uint64_t v)
	{
		std::uint8_t b[8];
		for (int i = 0; i < 8; i++) {
			b[i] = static_cast<std::uint8_t>(v >> (8 * i));
		}
		put(b, 8);
	}

	/*
	 * Non-blocking look at the socket: reads what has arrived and notes an ATTENTION
	 * packet. Returns attention(). Throws ConnectionLost on EOF.
	 */
	bool poll_attention();
	bool
	attention() const
	{
		return m_attention;
	}
	void
	clear_attention()
	{
		m_attention = false;
	}

	/* From another thread: drop the connection now (KILL, shutdown). */
	void kill();
	bool
	killed() const
	{
		return m_killed.load(std::memory_order_relaxed);
	}

  private:
	void finish_packet(bool eom);
	void send_all(const std::uint8_t *p, std::size_t n);
	bool read_exact(std::uint8_t *dst, std::size_t n, bool eof_ok);
	bool recv_some(bool block);
	void scan_for_attention();

	int m_fd;
	std::atomic<bool> m_killed{false};
	std::uint16_t m_spid = 0;
	std::uint32_t m_packet_size = 4096;

	std::vector<std::uint8_t> m_in;
	std::size_t m_in_pos = 0;
	std::size_t m_scan_pos = 0;

	std::vector<std::uint8_t> m_out;
	std::size_t m_len = 0;
	std::size_t m_pkt_start = 0;
	bool m_open = false;
	std::uint8_t m_type = packet_type::reply;
	std::uint8_t m_pkt_id = 1;
	bool m_attention = false;
};

} // namespace tributary::tds_server

/*
 * packet.cpp — socket I/O for Channel: message assembly, packetised buffered writes and
 * attention detection.
 *
 * Zone: test server (POSIX). Writes are collected into one buffer of several packets and
 * sent with one send() per ~64 KiB; after each send the socket is polled (without blocking)
 * so an ATTENTION sent by the client mid-stream is seen at the next row boundary.
 */
#include "test/tds_server/packet.hpp"

#include <cerrno>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace tributary::tds_server
{

namespace
{

constexpr std::size_t header_size = 8;
constexpr std::size_t flush_threshold = 64 * 1024;
constexpr std::uint32_t max_packet_size = 32767;
constexpr std::size_t max_message_size = std::size_t(1) << 30;

} // namespace

Channel::Channel(int fd) : m_fd(fd)
{
	m_out.resize(flush_threshold + max_packet_size + header_size);
	m_in.reserve(64 * 1024);
}

Channel::~Channel()
{
	if (m_fd >= 0) {
		::close(m_fd);
	}
}

void
Channel::set_packet_size(std::uint32_t size)
{
	if (size < 512) {
		size = 512;
	}
	if (size > max_packet_size) {
		size = max_packet_size;
	}
	m_packet_size = size;
}

void
Channel::kill()
{
	m_killed.store(true);
	struct linger lg {
		1, 0
	};
	/* Linger 0: the close that follows sends RST, like a dropped server. */
	::setsockopt(m_fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
	::shutdown(m_fd, SHUT_RDWR);
}

bool
Channel::recv_some(bool block)
{
	if (m_in_pos > 0 && m_in_pos == m_in.size()) {
		m_in.clear();
		m_in_pos = 0;
		m_scan_pos = 0;
	}
	std::uint8_t tmp[65536];
	for (;;) {
		if (killed()) {
			throw ConnectionLost("session killed");
		}
		const ssize_t n = ::recv(m_fd, tmp, sizeof tmp, block ? 0 : MSG_DONTWAIT);
		if (n > 0) {
			m_in.insert(m_in.end(), tmp, tmp + n);
			return true;
		}
		if (n == 0) {
			throw ConnectionLost("peer closed the connection");
		}
		if (errno == EINTR) {
			continue;
		}
		if (!block && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			return false;
		}
		throw ConnectionLost("recv failed");
	}
}

bool
Channel::read_exact(std::uint8_t *dst, std::size_t n, bool eof_ok)
{
	while (m_in.size() - m_in_pos < n) {
		try {
			recv_some(true);
		} catch (const ConnectionLost &) {
			if (eof_ok && m_in.size() == m_in_pos && !killed()) {
				return false;
			}
			throw;
		}
	}
	std::memcpy(dst, m_in.data() + m_in_pos, n);
	m_in_pos += n;
	if (m_scan_pos < m_in_pos) {
		m_scan_pos = m_in_pos;
	}
	return true;
}

bool
Channel::read_message(Message &out)
{
	out.payload.clear();
	bool first = true;
	for (;;) {
		std::uint8_t h[header_size];
		if (!read_exact(h, header_size, first)) {
			return false;
		}
		const std::size_t len = static_cast<std::size_t>((h[2] << 8) | h[3]);
		if (len < header_size) {
			throw ProtocolError("packet length below header size");
		}
		if (first) {
			out.type = h[0];
		}
		out.status = h[1];
		const std::size_t body = len - header_size;
		if (out.payload.size() + body > max_message_size) {
			throw ProtocolError("message too large");
		}
		const std::size_t old = out.payload.size();
		out.payload.resize(old + body);
		if (body > 0) {
			read_exact(out.payload.data() + old, body, false);
		}
		first = false;
		if (h[1] & status_eom) {
			return true;
		}
	}
}

void
Channel::begin(std::uint8_t type)
{
	m_type = type;
	m_open = true;
	m_len = 0;
	m_pkt_start = 0;
	m_pkt_id = 1;
	m_len = header_size;
}

void
Channel::finish_packet(bool eom)
{
	const std::size_t plen = m_len - m_pkt_start;
	std::uint8_t *h = m_out.data() + m_pkt_start;
	h[0] = m_type;
	h[1] = eom ? status_eom : 0;
	h[2] = static_cast<std::uint8_t>(plen >> 8);
	h[3] = static_cast<std::uint8_t>(plen);
	h[4] = static_cast<std::uint8_t>(m_spid >> 8);
	h[5] = static_cast<std::uint8_t>(m_spid);
	h[6] = m_pkt_id++;
	h[7] = 0;
	if (eom) {
		send_all(m_out.data(), m_len);
		m_len = 0;
		m_pkt_start = 0;
		return;
	}
	if (m_len >= flush_threshold) {
		send_all(m_out.data(), m_len);
		m_len = 0;
		poll_attention();
	}
	m_pkt_start = m_len;
	m_len += header_size;
}

void
Channel::end()
{
	if (!m_open) {
		return;
	}
	finish_packet(true);
	m_open = false;
}

void
Channel::send_all(const std::uint8_t *p, std::size_t n)
{
	while (n > 0) {
		if (killed()) {
			throw ConnectionLost("session killed");
		}
		const ssize_t k = ::send(m_fd, p, n, MSG_NOSIGNAL);
		if (k < 0) {
			if (errno == EINTR) {
				continue;
			}
			throw ConnectionLost("send failed");
		}
		p += k;
		n -= static_cast<std::size_t>(k);
	}
}

void
Channel::scan_for_attention()
{
	/* Walk complete packets that arrived while we were answering. */
	std::size_t pos = m_scan_pos < m_in_pos ? m_in_pos : m_scan_pos;
	while (m_in.size() - pos >= header_size) {
		const std::size_t len = static_cast<std::size_t>((m_in[pos + 2] << 8) | m_in[pos + 3]);
		if (len < header_size) {
			throw ProtocolError("packet length below header size");
		}
		if (m_in.size() - pos < len) {
			break;
		}
		if (m_in[pos] == packet_type::attention) {
			m_attention = true;
			m_in.erase(m_in.begin() + static_cast<std::ptrdiff_t>(pos),
			           m_in.begin() + static_cast<std::ptrdiff_t>(pos + len));
			continue;
		}
		pos += len;
	}
	m_scan_pos = pos;
}

bool
Channel::poll_attention()
{
	if (killed()) {
		throw ConnectionLost("session killed");
	}
	struct pollfd pfd {
		m_fd, POLLIN, 0
	};
	const int r = ::poll(&pfd, 1, 0);
	if (r > 0) {
		if (pfd.revents & (POLLIN | POLLHUP | POLLERR)) {
			while (recv_some(false)) {
			}
		}
	}
	scan_for_attention();
	return m_attention;
}

} // namespace tributary::tds_server

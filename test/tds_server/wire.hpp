/*
 * wire.hpp — byte-level helpers of the TDS test server: a growable output buffer with
 * little-endian writers, a bounds-checked reader for request payloads, and the text
 * conversions TDS needs (UTF-8 <-> UTF-16LE, CP1252 -> UTF-8).
 *
 * Zone: test server (std only, no SQLite, no sockets). Must not allocate per call where a
 * caller can reuse a buffer; readers throw ProtocolError on truncated input, never crash.
 */
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace tributary::tds_server
{

/* A malformed or truncated client message; the session closes the connection. */
class ProtocolError : public std::runtime_error
{
  public:
	using std::runtime_error::runtime_error;
};

/*
 * A growable byte buffer with cheap appends. Used for token scratch space and for the
 * per-row encoding buffer; clear() keeps the capacity so a steady stream of rows makes
 * no allocations. Appends never zero-fill.
 */
class ByteBuffer
{
  public:
	ByteBuffer() = default;
	ByteBuffer(const ByteBuffer &) = delete;
	ByteBuffer &operator=(const ByteBuffer &) = delete;
	ByteBuffer(ByteBuffer &&) = default;
	ByteBuffer &operator=(ByteBuffer &&) = default;

	void
	clear()
	{
		m_size = 0;
	}
	std::size_t
	size() const
	{
		return m_size;
	}
	const std::uint8_t *
	data() const
	{
		return m_buf.get();
	}
	/* Make room for n more bytes. */
	void
	ensure(std::size_t n)
	{
		if (m_size + n > m_cap) {
			grow(m_size + n);
		}
	}

	void
	put(const void *src, std::size_t n)
	{
		ensure(n);
		if (n > 0) {
			std::memcpy(m_buf.get() + m_size, src, n);
		}
		m_size += n;
	}
	void
	put_u8(std::uint8_t v)
	{
		ensure(1);
		m_buf[m_size++] = v;
	}
	void
	put_u16(std::uint16_t v)
	{
		put_le(v, 2);
	}
	void
	put_u32(std::uint32_t v)
	{
		put_le(v, 4);
	}
	void
	put_u64(std::uint64_t v)
	{
		put_le(v, 8);
	}
	void
	put_le(std::uint64_t v, int bytes)
	{
		ensure(8);
		for (int i = 0; i < bytes; i++) {
			m_buf[m_size++] = static_cast<std::uint8_t>(v >> (8 * i));
		}
	}
	void
	put_zeros(std::size_t n)
	{
		ensure(n);
		std::memset(m_buf.get() + m_size, 0, n);
		m_size += n;
	}
	/* Overwrite bytes little-endian at pos (for lengths known only afterwards). */
	void
	patch_le(std::size_t pos, std::uint64_t v, int bytes)
	{
		for (int i = 0; i < bytes; i++) {
			m_buf[pos + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(v >> (8 * i));
		}
	}
	void
	patch_u16(std::size_t pos, std::uint16_t v)
	{
		patch_le(pos, v, 2);
	}
	/* Drop everything from pos on (pos <= size()). */
	void
	truncate(std::size_t pos)
	{
		m_size = pos;
	}

	/* UTF-8 text as UTF-16LE; returns the number of bytes appended. */
	std::size_t
	put_utf16(std::string_view utf8)
	{
		std::size_t units = 0;
		return put_utf16_prefix(utf8, static_cast<std::size_t>(-1), units);
	}
	/*
	 * The longest prefix of utf8 that fits max_units UTF-16 code units, as UTF-16LE, in one
	 * pass (a supplementary character is never split). units gets the code units written;
	 * returns the bytes appended. Invalid UTF-8 becomes U+FFFD, one unit per bad byte.
	 */
	std::size_t put_utf16_prefix(std::string_view utf8, std::size_t max_units, std::size_t &units);
	/* B_VARCHAR: 1-byte character count, then UTF-16LE. */
	void put_b_varchar(std::string_view utf8);
	/* US_VARCHAR: 2-byte character count, then UTF-16LE. */
	void put_us_varchar(std::string_view utf8);

  private:
	void grow(std::size_t need);

	std::unique_ptr<std::uint8_t[]> m_buf;
	std::size_t m_size = 0;
	std::size_t m_cap = 0;
};

/* Reads a request payload; every read checks the remaining length. */
class ByteReader
{
  public:
	ByteReader(const std::uint8_t *data, std::size_t size) : m_data(data), m_size(size) {}

	std::size_t
	remaining() const
	{
		return m_size - m_pos;
	}
	std::size_t
	pos() const
	{
		return m_pos;
	}
	bool
	at_end() const
	{
		return m_pos >= m_size;
	}
	void
	seek(std::size_t pos)
	{
		if (pos > m_size) {
			throw ProtocolError("offset beyond end of message");
		}
		m_pos = pos;
	}
	const std::uint8_t *
	base() const
	{
		return m_data;
	}
	std::uint8_t
	peek() const
	{
		need(1);
		return m_data[m_pos];
	}
	const std::uint8_t *
	take(std::size_t n)
	{
		need(n);
		const std::uint8_t *p = m_data + m_pos;
		m_pos += n;
		return p;
	}
	void
	skip(std::size_t n)
	{
		take(n);
	}
	std::uint8_t
	u8()
	{
		return *take(1);
	}
	std::uint16_t
	u16()
	{
		return static_cast<std::uint16_t>(le(2));
	}
	std::uint32_t
	u32()
	{
		return static_cast<std::uint32_t>(le(4));
	}
	std::uint64_t
	u64()
	{
		return le(8);
	}
	std::uint64_t
	le(int bytes)
	{
		const std::uint8_t *p = take(static_cast<std::size_t>(bytes));
		std::uint64_t v = 0;
		for (int i = bytes - 1; i >= 0; i--) {
			v = (v << 8) | p[i];
		}
		return v;
	}
	std::uint16_t
	u16be()
	{
		const std::uint8_t *p = take(2);
		return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
	}
	/* n UTF-16LE code units as UTF-8. */
	std::string utf16(std::size_t units);
	std::string
	b_varchar()
	{
		return utf16(u8());
	}
	std::string
	us_varchar()
	{
		return utf16(u16());
	}

  private:
	void
	need(std::size_t n) const
	{
		if (n > m_size - m_pos) {
			throw ProtocolError("truncated message");
		}
	}
	const std::uint8_t *m_data;
	std::size_t m_size;
	std::size_t m_pos = 0;
};

/* UTF-16LE bytes to UTF-8; unpaired surrogates become U+FFFD. */
std::string utf16le_to_utf8(const std::uint8_t *p, std::size_t bytes);
/* Windows-1252 bytes to UTF-8 (the code page of SQL_Latin1_General_CP1_*). */
std::string cp1252_to_utf8(const std::uint8_t *p, std::size_t bytes);
/* Number of UTF-16 code units needed for this UTF-8 text. */
std::size_t utf16_length(std::string_view utf8);
/* Number of code points in UTF-8 text. */
std::size_t utf8_length(std::string_view utf8);
/* Byte length of the longest prefix of utf8 holding at most max_units UTF-16 units. */
std::size_t utf8_prefix_for_utf16_units(std::string_view utf8, std::size_t max_units);
/* Byte length of the longest prefix of at most max_bytes that ends on a code point. */
std::size_t utf8_prefix_for_bytes(std::string_view utf8, std::size_t max_bytes);

/* Decode one code point at s[i] (advancing i); invalid bytes yield U+FFFD. */
std::uint32_t utf8_next(std::string_view s, std::size_t &i);
/* Append a code point as UTF-8. */
void utf8_append(std::string &out, std::uint32_t cp);

std::string to_lower_ascii(std::string_view s);
std::string to_upper_ascii(std::string_view s);
bool iequals(std::string_view a, std::string_view b);

} // namespace tributary::tds_server

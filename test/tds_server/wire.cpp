/*
 * wire.cpp — text conversions and string helpers behind wire.hpp.
 *
 * Zone: test server (std only). UTF-16 surrogate pairs pass through in both directions so
 * emoji round-trip; invalid input is replaced, never rejected, because a test server that
 * throws on odd bytes hides the client bug it should show.
 */
#include "test/tds_server/wire.hpp"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace tributary::tds_server
{

namespace
{

constexpr std::uint32_t replacement_char = 0xFFFD;

/* CP1252 0x80..0x9F; 0 marks an undefined position (decoded as U+FFFD). */
constexpr std::uint16_t cp1252_high[32] = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0,      0x017D, 0,      0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178};

} // namespace

std::uint32_t
utf8_next(std::string_view s, std::size_t &i)
{
	const auto c = static_cast<unsigned char>(s[i]);
	if (c < 0x80) {
		i++;
		return c;
	}
	int extra;
	std::uint32_t cp;
	if ((c & 0xE0) == 0xC0) {
		extra = 1;
		cp = c & 0x1F;
	} else if ((c & 0xF0) == 0xE0) {
		extra = 2;
		cp = c & 0x0F;
	} else if ((c & 0xF8) == 0xF0) {
		extra = 3;
		cp = c & 0x07;
	} else {
		i++;
		return replacement_char;
	}
	if (i + static_cast<std::size_t>(extra) >= s.size()) {
		i = s.size();
		return replacement_char;
	}
	for (int k = 1; k <= extra; k++) {
		const auto cc = static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]);
		if ((cc & 0xC0) != 0x80) {
			i += static_cast<std::size_t>(k);
			return replacement_char;
		}
		cp = (cp << 6) | (cc & 0x3F);
	}
	i += static_cast<std::size_t>(extra) + 1;
	return cp;
}

void
utf8_append(std::string &out, std::uint32_t cp)
{
	if (cp < 0x80) {
		out.push_back(static_cast<char>(cp));
	} else if (cp < 0x800) {
		out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
		out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
	} else if (cp < 0x10000) {
		out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
		out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
		out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
	} else {
		out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
		out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
		out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
		out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
	}
}

void
ByteBuffer::grow(std::size_t need)
{
	std::size_t cap = m_cap < 256 ? 256 : m_cap;
	while (cap < need) {
		cap *= 2;
	}
	std::unique_ptr<std::uint8_t[]> fresh(new std::uint8_t[cap]);
	if (m_size > 0) {
		std::memcpy(fresh.get(), m_buf.get(), m_size);
	}
	m_buf = std::move(fresh);
	m_cap = cap;
}

namespace
{

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "the ASCII fast path loads bytes LE");

/* Four bytes b0..b3 (little-endian) → b0 0 b1 0 b2 0 b3 0: four ASCII characters as UTF-16LE. */
inline std::uint64_t
widen4(std::uint32_t v)
{
	std::uint64_t x = v;
	x = (x | (x << 16)) & 0x0000FFFF0000FFFFULL;
	x = (x | (x << 8)) & 0x00FF00FF00FF00FFULL;
	return x;
}

} // namespace

std::size_t
ByteBuffer::put_utf16_prefix(std::string_view utf8, std::size_t max_units, std::size_t &units)
{
	/* n UTF-8 bytes never need more than 2n bytes of UTF-16 */
	const std::size_t n = utf8.size();
	ensure(2 * n);
	const auto *in = reinterpret_cast<const unsigned char *>(utf8.data());
	std::uint8_t *out = m_buf.get() + m_size;
	std::uint8_t *const start = out;
	std::size_t i = 0;
	std::size_t u = 0;
	while (i < n && u < max_units) {
#if defined(__SSE2__)
		/* ASCII runs, sixteen characters at a time: the text columns are mostly ASCII. */
		while (n - i >= 16 && max_units - u >= 16) {
			const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i *>(in + i));
			const __m128i zero = _mm_setzero_si128();
			/* Widen all sixteen (there is room), keep the ASCII ones before the first other. */
			_mm_storeu_si128(reinterpret_cast<__m128i *>(out), _mm_unpacklo_epi8(v, zero));
			_mm_storeu_si128(reinterpret_cast<__m128i *>(out + 16), _mm_unpackhi_epi8(v, zero));
			const int high = _mm_movemask_epi8(v);
			const std::size_t ascii =
			    high == 0 ? 16 : static_cast<std::size_t>(__builtin_ctz(high));
			out += 2 * ascii;
			i += ascii;
			u += ascii;
			if (ascii < 16) {
				break;
			}
		}
#endif
		/* ASCII runs, eight characters at a time. */
		while (n - i >= 8 && max_units - u >= 8) {
			std::uint64_t w;
			std::memcpy(&w, in + i, sizeof w);
			if ((w & 0x8080808080808080ULL) != 0) {
				break;
			}
			const std::uint64_t wide[2] = {widen4(static_cast<std::uint32_t>(w)),
			                               widen4(static_cast<std::uint32_t>(w >> 32))};
			std::memcpy(out, wide, sizeof wide);
			out += 16;
			i += 8;
			u += 8;
		}
		if (i >= n || u >= max_units) {
			break;
		}
		if (in[i] < 0x80) {
			*out++ = in[i++];
			*out++ = 0;
			u++;
			continue;
		}
		std::size_t next = i;
		std::uint32_t cp = utf8_next(utf8, next);
		if (cp >= 0x10000) {
			if (max_units - u < 2) {
				break;
			}
			cp -= 0x10000;
			const std::uint32_t hi = 0xD800 + (cp >> 10);
			const std::uint32_t lo = 0xDC00 + (cp & 0x3FF);
			*out++ = static_cast<std::uint8_t>(hi);
			*out++ = static_cast<std::uint8_t>(hi >> 8);
			*out++ = static_cast<std::uint8_t>(lo);
			*out++ = static_cast<std::uint8_t>(lo >> 8);
			u += 2;
		} else {
			*out++ = static_cast<std::uint8_t>(cp);
			*out++ = static_cast<std::uint8_t>(cp >> 8);
			u++;
		}
		i = next;
	}
	const auto written = static_cast<std::size_t>(out - start);
	m_size += written;
	units = u;
	return written;
}

void
ByteBuffer::put_b_varchar(std::string_view utf8)
{
	const std::size_t units = utf16_length(utf8);
	if (units > 255) {
		throw std::length_error("B_VARCHAR longer than 255 characters");
	}
	put_u8(static_cast<std::uint8_t>(units));
	put_utf16(utf8);
}

void
ByteBuffer::put_us_varchar(std::string_view utf8)
{
	std::size_t units = utf16_length(utf8);
	if (units > 65535) {
		utf8 = utf8.substr(0, utf8_prefix_for_utf16_units(utf8, 65535));
		units = utf16_length(utf8);
	}
	put_u16(static_cast<std::uint16_t>(units));
	put_utf16(utf8);
}

std::string
ByteReader::utf16(std::size_t units)
{
	const std::uint8_t *p = take(units * 2);
	return utf16le_to_utf8(p, units * 2);
}

std::string
utf16le_to_utf8(const std::uint8_t *p, std::size_t bytes)
{
	std::string out;
	out.reserve(bytes / 2);
	const std::size_t units = bytes / 2;
	for (std::size_t k = 0; k < units; k++) {
		std::uint32_t u = static_cast<std::uint32_t>(p[2 * k] | (p[2 * k + 1] << 8));
		if (u >= 0xD800 && u <= 0xDBFF && k + 1 < units) {
			const std::uint32_t lo = static_cast<std::uint32_t>(p[2 * k + 2] | (p[2 * k + 3] << 8));
			if (lo >= 0xDC00 && lo <= 0xDFFF) {
				u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
				k++;
			} else {
				u = replacement_char;
			}
		} else if (u >= 0xD800 && u <= 0xDFFF) {
			u = replacement_char;
		}
		utf8_append(out, u);
	}
	return out;
}

std::string
cp1252_to_utf8(const std::uint8_t *p, std::size_t bytes)
{
	std::string out;
	out.reserve(bytes);
	for (std::size_t k = 0; k < bytes; k++) {
		const std::uint8_t c = p[k];
		if (c < 0x80) {
			out.push_back(static_cast<char>(c));
		} else if (c < 0xA0) {
			const std::uint16_t u = cp1252_high[c - 0x80];
			utf8_append(out, u ? u : replacement_char);
		} else {
			utf8_append(out, c);
		}
	}
	return out;
}

std::size_t
utf16_length(std::string_view utf8)
{
	std::size_t units = 0;
	for (const char ch : utf8) {
		const auto c = static_cast<unsigned char>(ch);
		if ((c & 0xC0) != 0x80) {
			units += (c >= 0xF0) ? 2 : 1;
		}
	}
	return units;
}

std::size_t
utf8_length(std::string_view utf8)
{
	std::size_t n = 0;
	for (const char ch : utf8) {
		if ((static_cast<unsigned char>(ch) & 0xC0) != 0x80) {
			n++;
		}
	}
	return n;
}

std::size_t
utf8_prefix_for_utf16_units(std::string_view utf8, std::size_t max_units)
{
	std::size_t units = 0;
	std::size_t i = 0;
	while (i < utf8.size()) {
		const auto c = static_cast<unsigned char>(utf8[i]);
		const std::size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
		const std::size_t need = c >= 0xF0 ? 2 : 1;
		if (units + need > max_units || i + len > utf8.size()) {
			break;
		}
		units += need;
		i += len;
	}
	return i;
}

std::size_t
utf8_prefix_for_bytes(std::string_view utf8, std::size_t max_bytes)
{
	if (utf8.size() <= max_bytes) {
		return utf8.size();
	}
	std::size_t i = max_bytes;
	while (i > 0 && (static_cast<unsigned char>(utf8[i]) & 0xC0) == 0x80) {
		i--;
	}
	return i;
}

std::string
to_lower_ascii(std::string_view s)
{
	std::string out(s);
	for (char &c : out) {
		if (c >= 'A' && c <= 'Z') {
			c = static_cast<char>(c - 'A' + 'a');
		}
	}
	return out;
}

std::string
to_upper_ascii(std::string_view s)
{
	std::string out(s);
	for (char &c : out) {
		if (c >= 'a' && c <= 'z') {
			c = static_cast<char>(c - 'a' + 'A');
		}
	}
	return out;
}

bool
iequals(std::string_view a, std::string_view b)
{
	if (a.size() != b.size()) {
		return false;
	}
	for (std::size_t i = 0; i < a.size(); i++) {
		char x = a[i];
		char y = b[i];
		if (x >= 'A' && x <= 'Z') {
			x = static_cast<char>(x - 'A' + 'a');
		}
		if (y >= 'A' && y <= 'Z') {
			y = static_cast<char>(y - 'A' + 'a');
		}
		if (x != y) {
			return false;
		}
	}
	return true;
}

} // namespace tributary::tds_server

/*
 * encode.cpp — per-type value encoders for ROW tokens and RETURNVALUE tokens.
 *
 * Zone: test server (SQLite read API). Hot path: one call per value of a streamed row;
 * it reuses the caller's buffer and allocates only for values that need a conversion
 * (temporal text for TDS 7.2 clients).
 */
#include "test/tds_server/encode.hpp"

#include <cstring>

#include "test/tds_server/decimal.hpp"
#include "test/tds_server/temporal.hpp"
#include "test/tds_server/variant.hpp"

namespace tributary::tds_server
{

namespace
{

constexpr std::uint64_t plp_null = 0xFFFFFFFFFFFFFFFFULL;

[[noreturn]] void
fail(int number, const std::string &text)
{
	ServerMessage m;
	m.number = number;
	m.cls = 16;
	m.state = 1;
	m.text = text;
	throw EncodeError(m);
}

[[noreturn]] void
overflow(const SqlType &t)
{
	fail(8115, "Arithmetic overflow error converting expression to data type " +
	               std::string(type_name(t.id)) + ".");
}

std::string_view
column_text(sqlite3_stmt *st, int col)
{
	/*
	 * Stored text through column_blob: column_text would copy it to add a NUL that the
	 * wire does not need (a tenth of the server's time on a wide scan). Numbers stored in
	 * a text column still come as their text.
	 */
	const auto *p = sqlite3_column_type(st, col) == SQLITE_TEXT
	                    ? static_cast<const char *>(sqlite3_column_blob(st, col))
	                    : reinterpret_cast<const char *>(sqlite3_column_text(st, col));
	const int n = sqlite3_column_bytes(st, col);
	return p ? std::string_view(p, static_cast<std::size_t>(n)) : std::string_view();
}

std::string_view
column_blob(sqlite3_stmt *st, int col)
{
	const auto *p = static_cast<const char *>(sqlite3_column_blob(st, col));
	const int n = sqlite3_column_bytes(st, col);
	return p ? std::string_view(p, static_cast<std::size_t>(n)) : std::string_view();
}

void
put_plp(ByteBuffer &out, const void *data, std::size_t n)
{
	out.put_u64(n);
	if (n > 0) {
		out.put_u32(static_cast<std::uint32_t>(n));
		out.put(data, n);
	}
	out.put_u32(0);
}

DecimalText
column_decimal(sqlite3_stmt *st, int col)
{
	switch (sqlite3_column_type(st, col)) {
	case SQLITE_INTEGER:
		return decimal_from_int(sqlite3_column_int64(st, col));
	case SQLITE_FLOAT:
		return decimal_from_double(sqlite3_column_double(st, col));
	default: {
		DecimalText d;
		if (!parse_decimal(column_text(st, col), d)) {
			fail(8114, "Error converting data type nvarchar to numeric.");
		}
		return d;
	}
	}
}

Temporal
column_temporal(sqlite3_stmt *st, int col, const SqlType &t)
{
	Temporal v;
	if (!parse_temporal(column_text(st, col), v)) {
		fail(241, "Conversion failed when converting date and/or time from character string.");
	}
	v = round_for(v, t);
	if (!in_range(v, t.id)) {
		fail(242, "The conversion of a nvarchar data type to a " + std::string(type_name(t.id)) +
		              " data type resulted in an out-of-range value.");
	}
	return v;
}

void
put_time_part(ByteBuffer &out, std::int64_t ticks, int scale)
{
	std::int64_t v = ticks;
	for (int k = scale; k < 7; k++) {
		v /= 10;
	}
	const int len = scale <= 2 ? 3 : scale <= 4 ? 4 : 5;
	out.put_le(static_cast<std::uint64_t>(v), len);
}

void
encode_money(ByteBuffer &out, const WireType &w, sqlite3_stmt *st, int col)
{
	std::int64_t v = 0;
	if (sqlite3_column_type(st, col) == SQLITE_INTEGER) {
		const std::int64_t i = sqlite3_column_int64(st, col);
		if (i > 922337203685477LL || i < -922337203685477LL) {
			overflow(w.declared);
		}
		v = i * 10000;
	} else {
		const DecimalText d = column_decimal(st, col);
		uint128 mag = 0;
		const uint128 limit = static_cast<uint128>(INT64_MAX) + (d.negative ? 1 : 0);
		if (!scale_decimal(d, 4, 19, mag) || mag > limit) {
			overflow(w.declared);
		}
		v = d.negative ? static_cast<std::int64_t>(~static_cast<std::uint64_t>(mag) + 1)
		               : static_cast<std::int64_t>(mag);
	}
	if (w.value_len == 4) {
		if (v > 2147483647LL || v < -2147483648LL) {
			overflow(w.declared);
		}
		out.put_u8(4);
		out.put_u32(static_cast<std::uint32_t>(static_cast<std::int32_t>(v)));
		return;
	}
	out.put_u8(8);
	const auto u = static_cast<std::uint64_t>(v);
	out.put_u32(static_cast<std::uint32_t>(u >> 32));
	out.put_u32(static_cast<std::uint32_t>(u));
}

void
encode_decimal(ByteBuffer &out, const WireType &w, sqlite3_stmt *st, int col)
{
	const DecimalText d = column_decimal(st, col);
	uint128 mag = 0;
	if (!scale_decimal(d, w.declared.scale, w.declared.precision, mag)) {
		fail(8115, "Arithmetic overflow error converting numeric to data type numeric.");
	}
	out.put_u8(w.value_len);
	out.put_u8(d.negative && mag != 0 ? 0 : 1);
	for (int k = 0; k < w.value_len - 1; k++) {
		out.put_u8(static_cast<std::uint8_t>(mag));
		mag >>= 8;
	}
}

void
encode_temporal(ByteBuffer &out, const WireType &w, sqlite3_stmt *st, int col)
{
	const SqlType &t = w.declared;
	const Temporal v = column_temporal(st, col, t);
	switch (w.kind) {
	case WireKind::datetimn:
		if (w.value_len == 4) {
			out.put_u8(4);
			out.put_u16(static_cast<std::uint16_t>(v.days - days_0001_to_1900));
			out.put_u16(static_cast<std::uint16_t>(v.ticks / 600000000LL));
		} else {
			out.put_u8(8);
			out.put_u32(static_cast<std::uint32_t>(v.days - days_0001_to_1900));
			out.put_u32(static_cast<std::uint32_t>((v.ticks * 3 + 50000) / 100000));
		}
		break;
	case WireKind::daten:
		out.put_u8(3);
		out.put_le(static_cast<std::uint64_t>(v.days), 3);
		break;
	case WireKind::timen:
		out.put_u8(static_cast<std::uint8_t>(t.scale <= 2 ? 3 : t.scale <= 4 ? 4 : 5));
		put_time_part(out, v.ticks, t.scale);
		break;
	case WireKind::datetime2n:
		out.put_u8(static_cast<std::uint8_t>((t.scale <= 2 ? 3 : t.scale <= 4 ? 4 : 5) + 3));
		put_time_part(out, v.ticks, t.scale);
		out.put_le(static_cast<std::uint64_t>(v.days), 3);
		break;
	case WireKind::datetimeoffsetn: {
		const std::int16_t off = v.has_offset ? v.offset : 0;
		std::int64_t total = static_cast<std::int64_t>(v.days) * ticks_per_day + v.ticks -
		                     static_cast<std::int64_t>(off) * 600000000LL;
		std::int64_t days = total / ticks_per_day;
		std::int64_t ticks = total % ticks_per_day;
		if (ticks < 0) {
			ticks += ticks_per_day;
			days--;
		}
		out.put_u8(static_cast<std::uint8_t>((t.scale <= 2 ? 3 : t.scale <= 4 ? 4 : 5) + 5));
		put_time_part(out, ticks, t.scale);
		out.put_le(static_cast<std::uint64_t>(days), 3);
		out.put_u16(static_cast<std::uint16_t>(off));
		break;
	}
	default:
		break;
	}
}

/* nvarchar/nchar (and temporal text for 7.2 clients): one pass, lengths patched after. */
void
encode_unicode(ByteBuffer &out, const WireType &w, std::string_view text, std::uint32_t textsize)
{
	std::size_t units = 0;
	if (w.plp) {
		const std::size_t at = out.size();
		out.put_u64(0);
		out.put_u32(0);
		const std::size_t bytes = out.put_utf16_prefix(text, textsize / 2, units);
		if (units == 0) {
			out.truncate(at + 8); /* PLP of length 0: no chunk, just the terminator */
		} else {
			out.patch_le(at, bytes, 8);
			out.patch_le(at + 8, bytes, 4);
		}
		out.put_u32(0);
		return;
	}
	const std::size_t max_units = w.max_len / 2;
	const std::size_t at = out.size();
	out.put_u16(0);
	out.put_utf16_prefix(text, max_units, units);
	const std::size_t pad = w.fixed_pad ? max_units - units : 0;
	out.patch_u16(at, static_cast<std::uint16_t>(2 * (units + pad)));
	for (std::size_t k = 0; k < pad; k++) {
		out.put_u16(0x20);
	}
}

void
encode_bytes(ByteBuffer &out, const WireType &w, std::string_view bytes, std::uint32_t textsize,
             bool utf8)
{
	if (w.plp) {
		std::size_t n = bytes.size();
		if (n > textsize) {
			n = utf8 ? utf8_prefix_for_bytes(bytes, textsize) : textsize;
		}
		put_plp(out, bytes.data(), n);
		return;
	}
	std::size_t n = bytes.size();
	if (n > w.max_len) {
		n = utf8 ? utf8_prefix_for_bytes(bytes, w.max_len) : w.max_len;
	}
	const std::size_t pad = w.fixed_pad ? w.max_len - n : 0;
	out.put_u16(static_cast<std::uint16_t>(n + pad));
	out.put(bytes.data(), n);
	for (std::size_t k = 0; k < pad; k++) {
		out.put_u8(utf8 ? 0x20 : 0x00);
	}
}

void
encode_legacy_lob(ByteBuffer &out, const WireType &w, sqlite3_stmt *st, int col,
                  std::uint32_t textsize)
{
	static const std::uint8_t textptr[16] = {0x74, 0x72, 0x69, 0x62, 0x75, 0x74, 0x61, 0x72,
	                                         0x79, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01};
	out.put_u8(16);
	out.put(textptr, 16);
	out.put_zeros(8); /* timestamp */
	if (w.kind == WireKind::ntext) {
		const std::size_t at = out.size();
		out.put_u32(0);
		std::size_t units = 0;
		out.patch_le(at, out.put_utf16_prefix(column_text(st, col), textsize / 2, units), 4);
		return;
	}
	std::string_view bytes =
	    w.kind == WireKind::image ? column_blob(st, col) : column_text(st, col);
	std::size_t n = bytes.size();
	if (n > textsize) {
		n = w.kind == WireKind::image ? textsize : utf8_prefix_for_bytes(bytes, textsize);
	}
	out.put_u32(static_cast<std::uint32_t>(n));
	out.put(bytes.data(), n);
}

void
put_null(ByteBuffer &out, const WireType &w)
{
	switch (w.kind) {
	case WireKind::varchar_utf8:
	case WireKind::nvarchar:
	case WireKind::varbinary:
	case WireKind::temporal_as_nvarchar:
		if (w.plp) {
			out.put_u64(plp_null);
		} else {
			out.put_u16(0xFFFF);
		}
		break;
	case WireKind::xml:
		out.put_u64(plp_null);
		break;
	case WireKind::variant:
		out.put_u32(0);
		break;
	default:
		/* fixed-length N types and text/ntext/image (textptr length 0) */
		out.put_u8(0);
		break;
	}
}

int
hex_value(unsigned char c)
{
	if (c >= '0' && c <= '9') {
		return c - '0';
	}
	if (c >= 'a' && c <= 'f') {
		return c - 'a' + 10;
	}
	if (c >= 'A' && c <= 'F') {
		return c - 'A' + 10;
	}
	return -1;
}

} // namespace

bool
guid_from_text(const unsigned char *s, int len, std::uint8_t out[16])
{
	std::uint8_t b[16];
	int n = 0;
	for (int k = 0; k < len; k++) {
		const unsigned char c = s[k];
		if (c == '-' || c == '{' || c == '}' || c == ' ') {
			continue;
		}
		const int h = hex_value(c);
		if (h < 0 || n >= 32) {
			return false;
		}
		if (n % 2 == 0) {
			b[n / 2] = static_cast<std::uint8_t>(h << 4);
		} else {
			b[n / 2] = static_cast<std::uint8_t>(b[n / 2] | h);
		}
		n++;
	}
	if (n != 32) {
		return false;
	}
	static const int order[16] = {3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15};
	for (int k = 0; k < 16; k++) {
		out[k] = b[order[k]];
	}
	return true;
}

void
prepare_wire(std::vector<ResultColumn> &cols, const WireOptions &opt)
{
	for (ResultColumn &c : cols) {
		c.wire = wire_type_for(c.type, opt);
	}
}

void
write_colmetadata(Channel &ch, const std::vector<ResultColumn> &cols)
{
	ByteBuffer b;
	b.put_u8(token::colmetadata);
	b.put_u16(static_cast<std::uint16_t>(cols.size()));
	for (const ResultColumn &c : cols) {
		b.put_u32(c.type.id == TypeId::rowversion ? 80 : 0);
		std::uint16_t flags = 0x08; /* updateable: unknown */
		if (c.nullable) {
			flags |= 0x01;
		}
		if (c.identity) {
			flags |= 0x10;
		}
		b.put_u16(flags);
		write_type_info(b, c.wire, c.table_name);
		std::string_view name = c.name;
		if (utf16_length(name) > 128) {
			name = name.substr(0, utf8_prefix_for_utf16_units(name, 128));
		}
		b.put_b_varchar(name);
	}
	ch.put(b);
}

void
encode_value(ByteBuffer &out, const WireType &w, sqlite3_stmt *st, int col, std::uint32_t textsize)
{
	if (sqlite3_column_type(st, col) == SQLITE_NULL) {
		put_null(out, w);
		return;
	}
	switch (w.kind) {
	case WireKind::intn: {
		const std::int64_t v = sqlite3_column_int64(st, col);
		const bool ok = w.value_len == 8 ||
		                (w.value_len == 4 && v >= INT32_MIN && v <= INT32_MAX) ||
		                (w.value_len == 2 && v >= INT16_MIN && v <= INT16_MAX) ||
		                (w.value_len == 1 && v >= 0 && v <= 255);
		if (!ok) {
			overflow(w.declared);
		}
		out.put_u8(w.value_len);
		out.put_le(static_cast<std::uint64_t>(v), w.value_len);
		break;
	}
	case WireKind::bitn:
		out.put_u8(1);
		out.put_u8(sqlite3_column_int64(st, col) != 0 ? 1 : 0);
		break;
	case WireKind::fltn: {
		const double d = sqlite3_column_double(st, col);
		out.put_u8(w.value_len);
		if (w.value_len == 4) {
			const float f = static_cast<float>(d);
			std::uint32_t u;
			std::memcpy(&u, &f, 4);
			out.put_u32(u);
		} else {
			std::uint64_t u;
			std::memcpy(&u, &d, 8);
			out.put_u64(u);
		}
		break;
	}
	case WireKind::decimaln:
		encode_decimal(out, w, st, col);
		break;
	case WireKind::moneyn:
		encode_money(out, w, st, col);
		break;
	case WireKind::datetimn:
	case WireKind::daten:
	case WireKind::timen:
	case WireKind::datetime2n:
	case WireKind::datetimeoffsetn:
		encode_temporal(out, w, st, col);
		break;
	case WireKind::temporal_as_nvarchar: {
		const Temporal v = column_temporal(st, col, w.declared);
		encode_unicode(out, w, format_temporal(v, w.declared), textsize);
		break;
	}
	case WireKind::guid: {
		std::uint8_t g[16];
		if (sqlite3_column_type(st, col) == SQLITE_BLOB && sqlite3_column_bytes(st, col) == 16) {
			std::memcpy(g, sqlite3_column_blob(st, col), 16);
		} else {
			const unsigned char *s = sqlite3_column_text(st, col);
			if (!guid_from_text(s, sqlite3_column_bytes(st, col), g)) {
				fail(8169, "Conversion failed when converting from a character string to "
				           "uniqueidentifier.");
			}
		}
		out.put_u8(16);
		out.put(g, 16);
		break;
	}
	case WireKind::varchar_utf8:
		encode_bytes(out, w, column_text(st, col), textsize, true);
		break;
	case WireKind::nvarchar:
		encode_unicode(out, w, column_text(st, col), textsize);
		break;
	case WireKind::varbinary:
		encode_bytes(out, w, column_blob(st, col), textsize, false);
		break;
	case WireKind::text_utf8:
	case WireKind::ntext:
	case WireKind::image:
		encode_legacy_lob(out, w, st, col, textsize);
		break;
	case WireKind::variant:
		encode_variant(out, st, col);
		break;
	case WireKind::xml: {
		WireType as_plp = w;
		as_plp.plp = true;
		encode_unicode(out, as_plp, column_text(st, col), textsize);
		break;
	}
	}
}

void
encode_row(ByteBuffer &row, const std::vector<ResultColumn> &cols, sqlite3_stmt *st,
           std::uint32_t textsize)
{
	row.clear();
	row.put_u8(token::row);
	const int n = static_cast<int>(cols.size());
	for (int i = 0; i < n; i++) {
		encode_value(row, cols[static_cast<std::size_t>(i)].wire, st, i, textsize);
	}
}

} // namespace tributary::tds_server

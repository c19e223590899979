/*
 * params.cpp — RPC parameter TYPE_INFO/value decoding (fixed and nullable integer, bit,
 * float, money, datetime types; DECIMALN/NUMERICN; DATEN, TIMEN, DATETIME2N,
 * DATETIMEOFFSETN; GUID; BIG* char and binary types incl. PLP; TEXT/NTEXT/IMAGE; XML),
 * declaration strings, and SQL Server's special parameter conversions.
 *
 * Zone: test server (std only). Values arrive as SQLite-shaped values: integers, reals,
 * UTF-8 text (decimal, date/time and GUID values as canonical text) and blobs.
 */
#include "test/tds_server/params.hpp"

#include <cstring>

#include "test/tds_server/decimal.hpp"
#include "test/tds_server/sqlite_ext.hpp"
#include "test/tds_server/temporal.hpp"

namespace tributary::tds_server
{

namespace
{

SqlType
make(TypeId id, std::int32_t length = 0, std::uint8_t precision = 0, std::uint8_t scale = 0)
{
	SqlType t;
	t.id = id;
	t.length = length;
	t.precision = precision;
	t.scale = scale;
	return t;
}

Value
decimal_value(bool negative, uint128 mag, int scale)
{
	const std::string text = format_scaled(negative, mag, scale);
	if (scale == 0 && mag <= static_cast<uint128>(INT64_MAX)) {
		const auto i = static_cast<std::int64_t>(mag);
		return Value::integer(negative ? -i : i);
	}
	if (text.size() <= 16) {
		return Value::real(std::strtod(text.c_str(), nullptr));
	}
	return Value::text(text);
}

Value
temporal_value(const Temporal &t, const SqlType &type)
{
	return Value::text(format_temporal(round_for(t, type), type));
}

std::int64_t
read_time_ticks(ByteReader &r, int scale)
{
	const int len = scale <= 2 ? 3 : scale <= 4 ? 4 : 5;
	std::int64_t v = static_cast<std::int64_t>(r.le(len));
	for (int k = scale; k < 7; k++) {
		v *= 10;
	}
	return v;
}

/* Bytes of a PLP value (chunks until a zero length); null if the total is PLP_NULL. */
bool
read_plp(ByteReader &r, std::string &out)
{
	const std::uint64_t total = r.u64();
	if (total == 0xFFFFFFFFFFFFFFFFULL) {
		return false;
	}
	out.clear();
	if (total != 0xFFFFFFFFFFFFFFFEULL) {
		out.reserve(static_cast<std::size_t>(total));
	}
	for (;;) {
		const std::uint32_t chunk = r.u32();
		if (chunk == 0) {
			break;
		}
		const std::uint8_t *p = r.take(chunk);
		out.append(reinterpret_cast<const char *>(p), chunk);
	}
	return true;
}

std::string
char_bytes_to_utf8(const std::string &bytes, const std::uint8_t collation[5])
{
	if (collation[3] & 0x04) {
		return bytes; /* UTF-8 collation */
	}
	return cp1252_to_utf8(reinterpret_cast<const std::uint8_t *>(bytes.data()), bytes.size());
}

/* Numeric value (INTN etc.) of `len` bytes. */
Value
int_value(ByteReader &r, int len)
{
	const std::uint64_t u = r.le(len);
	switch (len) {
	case 1:
		return Value::integer(static_cast<std::int64_t>(u));
	case 2:
		return Value::integer(static_cast<std::int16_t>(u));
	case 4:
		return Value::integer(static_cast<std::int32_t>(u));
	default:
		return Value::integer(static_cast<std::int64_t>(u));
	}
}

Value
money_value(ByteReader &r, int len)
{
	std::int64_t v;
	if (len == 4) {
		v = static_cast<std::int32_t>(r.u32());
	} else {
		const std::uint64_t hi = r.u32();
		const std::uint64_t lo = r.u32();
		v = static_cast<std::int64_t>((hi << 32) | lo);
	}
	const bool neg = v < 0;
	const uint128 mag = neg ? static_cast<uint128>(-(v + 1)) + 1 : static_cast<uint128>(v);
	return decimal_value(neg, mag, 4);
}

Value
datetime_value(ByteReader &r, int len)
{
	Temporal t;
	t.has_date = t.has_time = true;
	if (len == 4) {
		t.days = days_0001_to_1900 + r.u16();
		t.ticks = static_cast<std::int64_t>(r.u16()) * 600000000LL;
		return temporal_value(t, make(TypeId::smalldatetime));
	}
	t.days = days_0001_to_1900 + static_cast<std::int32_t>(r.u32());
	const std::int64_t n300 = r.u32();
	t.ticks = (n300 * 100000 + 1) / 3;
	return temporal_value(t, make(TypeId::datetime, 0, 0, 3));
}

Value
float_value(ByteReader &r, int len)
{
	if (len == 4) {
		const std::uint32_t u = r.u32();
		float f;
		std::memcpy(&f, &u, 4);
		return Value::real(f);
	}
	const std::uint64_t u = r.u64();
	double d;
	std::memcpy(&d, &u, 8);
	return Value::real(d);
}

std::string
month_abbrev(int m)
{
	static const char *const names[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	                                    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	return names[(m - 1) % 12];
}

} // namespace

RpcParam
read_rpc_param(ByteReader &r, const WireOptions &opt)
{
	RpcParam p;
	p.name = r.b_varchar();
	p.output = (r.u8() & 0x01) != 0;
	const std::uint8_t type = r.u8();
	switch (type) {
	case 0x30:
	case 0x34:
	case 0x38:
	case 0x7F: { /* INT1/2/4/8 */
		const int len = type == 0x30 ? 1 : type == 0x34 ? 2 : type == 0x38 ? 4 : 8;
		p.wire_type = make(len == 1   ? TypeId::tinyint
		                   : len == 2 ? TypeId::smallint
		                   : len == 4 ? TypeId::int4
		                              : TypeId::bigint);
		p.value = int_value(r, len);
		break;
	}
	case 0x26: { /* INTN */
		const int max = r.u8();
		p.wire_type = make(max == 1   ? TypeId::tinyint
		                   : max == 2 ? TypeId::smallint
		                   : max == 4 ? TypeId::int4
		                              : TypeId::bigint);
		const int len = r.u8();
		p.value = len == 0 ? Value::null() : int_value(r, len);
		break;
	}
	case 0x32:
	case 0x68: { /* BIT, BITN */
		p.wire_type = make(TypeId::bit);
		const int len = type == 0x32 ? 1 : (r.u8(), r.u8());
		p.value = len == 0 ? Value::null() : Value::integer(r.u8() != 0);
		break;
	}
	case 0x3B:
	case 0x3E:
	case 0x6D: { /* FLT4, FLT8, FLTN */
		int len = type == 0x3B ? 4 : 8;
		if (type == 0x6D) {
			len = r.u8();
			len = r.u8();
		}
		p.wire_type = make(type == 0x3B || len == 4 ? TypeId::real : TypeId::float8);
		p.value = len == 0 ? Value::null() : float_value(r, len);
		break;
	}
	case 0x3C:
	case 0x7A:
	case 0x6E: { /* MONEY, SMALLMONEY, MONEYN */
		int max = type == 0x7A ? 4 : 8;
		int len = max;
		if (type == 0x6E) {
			max = r.u8();
			len = r.u8();
		}
		p.wire_type = make(max == 4 ? TypeId::smallmoney : TypeId::money, 0, max == 4 ? 10 : 19, 4);
		p.value = len == 0 ? Value::null() : money_value(r, len);
		break;
	}
	case 0x3D:
	case 0x3A:
	case 0x6F: { /* DATETIME, SMALLDATETIME, DATETIMN */
		int max = type == 0x3A ? 4 : 8;
		int len = max;
		if (type == 0x6F) {
			max = r.u8();
			len = r.u8();
		}
		p.wire_type = max == 4 ? make(TypeId::smalldatetime) : make(TypeId::datetime, 0, 0, 3);
		p.value = len == 0 ? Value::null() : datetime_value(r, len);
		break;
	}
	case 0x6A:
	case 0x6C:
	case 0x37:
	case 0x3F: { /* DECIMALN, NUMERICN */
		r.u8();  /* max length */
		const std::uint8_t precision = r.u8();
		const std::uint8_t scale = r.u8();
		p.wire_type = make(type == 0x6C || type == 0x3F ? TypeId::numeric : TypeId::decimal, 0,
		                   precision, scale);
		const int len = r.u8();
		if (len == 0) {
			break;
		}
		const bool positive = r.u8() != 0;
		uint128 mag = 0;
		const std::uint8_t *b = r.take(static_cast<std::size_t>(len - 1));
		for (int k = len - 2; k >= 0; k--) {
			mag = (mag << 8) | b[k];
		}
		p.value = decimal_value(!positive, mag, scale);
		break;
	}
	case 0x28: { /* DATEN */
		p.wire_type = make(TypeId::date);
		const int len = r.u8();
		if (len == 0) {
			break;
		}
		Temporal t;
		t.has_date = true;
		t.days = static_cast<std::int32_t>(r.le(3));
		p.value = temporal_value(t, p.wire_type);
		break;
	}
	case 0x29:
	case 0x2A:
	case 0x2B: { /* TIMEN, DATETIME2N, DATETIMEOFFSETN */
		const std::uint8_t scale = r.u8();
		p.wire_type = make(type == 0x29   ? TypeId::time
		                   : type == 0x2A ? TypeId::datetime2
		                                  : TypeId::datetimeoffset,
		                   0, 0, scale);
		const int len = r.u8();
		if (len == 0) {
			break;
		}
		Temporal t;
		t.has_time = true;
		t.ticks = read_time_ticks(r, scale);
		if (type != 0x29) {
			t.has_date = true;
			t.days = static_cast<std::int32_t>(r.le(3));
		}
		if (type == 0x2B) {
			t.offset = static_cast<std::int16_t>(r.u16());
			t.has_offset = true;
			/* the wire carries UTC; show local time with its offset */
			std::int64_t total = static_cast<std::int64_t>(t.days) * ticks_per_day + t.ticks +
			                     static_cast<std::int64_t>(t.offset) * 600000000LL;
			t.days = static_cast<std::int32_t>(total / ticks_per_day);
			t.ticks = total % ticks_per_day;
		}
		p.value = temporal_value(t, p.wire_type);
		break;
	}
	case 0x24: { /* GUID */
		p.wire_type = make(TypeId::uniqueidentifier, 16);
		r.u8();
		const int len = r.u8();
		if (len == 0) {
			break;
		}
		const std::uint8_t *g = r.take(16);
		char s[37];
		std::snprintf(s, sizeof s,
		              "%02X%02X%02X%02X-%02X%02X-%02X%02X-%02X%02X-%02X%02X%02X%02X%02X%02X", g[3],
		              g[2], g[1], g[0], g[5], g[4], g[7], g[6], g[8], g[9], g[10], g[11], g[12],
		              g[13], g[14], g[15]);
		p.value = Value::text(s);
		break;
	}
	case 0xE7:
	case 0xEF:
	case 0xA7:
	case 0xAF:
	case 0xA5:
	case 0xAD: { /* NVARCHAR, NCHAR, BIGVARCHR, BIGCHAR, BIGVARBIN, BIGBINARY */
		const std::uint16_t max = r.u16();
		std::uint8_t coll[5] = {0, 0, 0, 0, 0};
		const bool binary = type == 0xA5 || type == 0xAD;
		if (!binary) {
			std::memcpy(coll, r.take(5), 5);
		}
		const bool unicode = type == 0xE7 || type == 0xEF;
		const bool fixed = type == 0xEF || type == 0xAF || type == 0xAD;
		const TypeId id = unicode  ? (fixed ? TypeId::nchar : TypeId::nvarchar)
		                  : binary ? (fixed ? TypeId::binary : TypeId::varbinary)
		                           : (fixed ? TypeId::char_ : TypeId::varchar);
		p.wire_type = make(id, max == 0xFFFF ? -1 : (unicode ? max / 2 : max));
		std::string bytes;
		if (max == 0xFFFF) {
			if (!read_plp(r, bytes)) {
				break;
			}
		} else {
			const std::uint16_t len = r.u16();
			if (len == 0xFFFF) {
				break;
			}
			bytes.assign(reinterpret_cast<const char *>(r.take(len)), len);
		}
		if (binary) {
			p.value = Value::blob(std::move(bytes));
		} else if (unicode) {
			p.value = Value::text(utf16le_to_utf8(
			    reinterpret_cast<const std::uint8_t *>(bytes.data()), bytes.size()));
		} else {
			p.value = Value::text(char_bytes_to_utf8(bytes, coll));
		}
		break;
	}
	case 0x23:
	case 0x63:
	case 0x22: { /* TEXT, NTEXT, IMAGE */
		r.u32();
		std::uint8_t coll[5] = {0, 0, 0, 0, 0};
		if (type != 0x22) {
			std::memcpy(coll, r.take(5), 5);
		}
		p.wire_type = make(type == 0x23   ? TypeId::text
		                   : type == 0x63 ? TypeId::ntext
		                                  : TypeId::image,
		                   -1);
		const std::uint32_t len = r.u32();
		if (len == 0xFFFFFFFF) {
			break;
		}
		std::string bytes(reinterpret_cast<const char *>(r.take(len)), len);
		if (type == 0x22) {
			p.value = Value::blob(std::move(bytes));
		} else if (type == 0x63) {
			p.value = Value::text(utf16le_to_utf8(
			    reinterpret_cast<const std::uint8_t *>(bytes.data()), bytes.size()));
		} else {
			p.value = Value::text(char_bytes_to_utf8(bytes, coll));
		}
		break;
	}
	case 0xF1: { /* XML */
		if (r.u8() != 0) {
			r.skip(r.u8() * 2u);
			r.skip(r.u8() * 2u);
			r.skip(r.u16() * 2u);
		}
		p.wire_type = make(TypeId::xml, -1);
		std::string bytes;
		if (read_plp(r, bytes)) {
			p.value = Value::text(utf16le_to_utf8(
			    reinterpret_cast<const std::uint8_t *>(bytes.data()), bytes.size()));
		}
		break;
	}
	default:
		throw SqlError(8009, 16,
		               "The incoming tabular data stream (TDS) remote procedure call (RPC) "
		               "protocol stream is incorrect. Parameter \"" +
		                   p.name + "\": data type 0x" + std::to_string(type) + " is unknown.");
	}
	(void)opt;
	return p;
}

std::vector<ParamDecl>
parse_param_decls(const std::string &text)
{
	std::vector<ParamDecl> out;
	const std::vector<Token> toks = lex(text);
	for (const auto &[b, e] : split_commas(toks, 0, toks.size())) {
		if (b >= e || toks[b].kind != TokKind::variable) {
			throw SqlError(102, 15,
			               "Incorrect syntax near '" + (b < e ? toks[b].text : std::string(",")) +
			                   "'.");
		}
		ParamDecl d;
		d.name = to_lower_ascii(toks[b].text);
		std::size_t t = b + 1;
		if (t < e && toks[t].is_kw("AS")) {
			t++;
		}
		std::size_t end = e;
		if (end > t && (toks[end - 1].is_kw("OUTPUT") || toks[end - 1].is_kw("OUT"))) {
			d.output = true;
			end--;
		}
		if (end > t && toks[end - 1].is_kw("READONLY")) {
			end--;
		}
		const std::string spelling = type_text(toks, t, end);
		const auto type = parse_sql_type(spelling);
		if (!type) {
			throw SqlError(2715, 16,
			               "Column, parameter, or variable #" + std::to_string(out.size() + 1) +
			                   ": Cannot find data type " + spelling + ".");
		}
		d.type = *type;
		out.push_back(d);
	}
	return out;
}

Value
convert_special(const Value &v, const SqlType &from, const SqlType &to, bool &need_cast)
{
	need_cast = false;
	if (v.kind == Value::Kind::null) {
		return v;
	}
	if (!is_char_type(to.id) || to.id == TypeId::xml) {
		need_cast = true;
		return v;
	}
	std::string s;
	if ((from.id == TypeId::datetime || from.id == TypeId::smalldatetime) &&
	    v.kind == Value::Kind::text) {
		Temporal t;
		if (parse_temporal(v.s, t)) {
			int y = 0, m = 0, d = 0;
			civil_from_days(t.days, y, m, d);
			const std::int64_t minutes = t.ticks / 600000000LL;
			int h = static_cast<int>(minutes / 60);
			const char *ampm = h >= 12 ? "PM" : "AM";
			h %= 12;
			if (h == 0) {
				h = 12;
			}
			char buf[32];
			std::snprintf(buf, sizeof buf, "%s %2d %d %2d:%02d%s", month_abbrev(m).c_str(), d, y, h,
			              static_cast<int>(minutes % 60), ampm);
			s = buf;
		} else {
			s = v.s;
		}
	} else if (v.kind == Value::Kind::real &&
	           (from.id == TypeId::float8 || from.id == TypeId::real)) {
		s = float_to_sqlserver_text(v.d);
	} else if (v.kind == Value::Kind::integer) {
		s = std::to_string(v.i);
		if (from.id == TypeId::money || from.id == TypeId::smallmoney) {
			s += ".00";
		}
	} else if (v.kind == Value::Kind::real) {
		char buf[64];
		std::snprintf(buf, sizeof buf, "%.*f",
		              from.id == TypeId::money || from.id == TypeId::smallmoney ? 2 : from.scale,
		              v.d);
		s = buf;
	} else {
		s = v.s;
	}
	if (!to.is_max() && to.length > 0) {
		const bool wide = is_unicode_type(to.id);
		s.resize(wide ? utf8_prefix_for_utf16_units(s, static_cast<std::size_t>(to.length))
		              : utf8_prefix_for_bytes(s, static_cast<std::size_t>(to.length)));
		if (to.id == TypeId::char_ || to.id == TypeId::nchar) {
			const std::size_t have = wide ? utf16_length(s) : s.size();
			s.append(static_cast<std::size_t>(to.length) - have, ' ');
		}
	}
	return Value::text(std::move(s));
}

} // namespace tributary::tds_server

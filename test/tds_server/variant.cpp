/*
 * variant.cpp — sql_variant values on the wire, SQL_VARIANT_PROPERTY and CONVERT's
 * styles (see variant.hpp).
 *
 * Zone: test server (SQLite C API, wire buffers). SQLite callbacks report SQL Server
 * errors only through the "TDS#…" error text; nothing here throws into SQLite.
 */
#include "test/tds_server/variant.hpp"

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>

#include "test/tds_server/sqlite_util.hpp"
#include "test/tds_server/types.hpp"

namespace tributary::tds_server
{

namespace
{

/* SSVARIANT base types (MS-TDS 2.2.5.5.4) for the SQLite storage classes. */
constexpr std::uint8_t base_int4 = 0x38;
constexpr std::uint8_t base_int8 = 0x7F;
constexpr std::uint8_t base_flt8 = 0x3E;
constexpr std::uint8_t base_nvarchar = 0xE7;
constexpr std::uint8_t base_varbinary = 0xA5;
constexpr std::uint16_t max_value_bytes = 8000; /* what a variant holds of a string */
const std::uint8_t server_collation[5] = {0x09, 0x04, 0xD0, 0x00, 0x34};

bool
fits_int4(std::int64_t v)
{
	return v >= INT32_MIN && v <= INT32_MAX;
}

const char *
base_type_name(sqlite3_value *v)
{
	switch (sqlite3_value_type(v)) {
	case SQLITE_INTEGER: return fits_int4(sqlite3_value_int64(v)) ? "int" : "bigint";
	case SQLITE_FLOAT: return "float";
	case SQLITE_TEXT: return "nvarchar";
	case SQLITE_BLOB: return "varbinary";
	default: return nullptr;
	}
}

void
fn_variant_property(sqlite3_context *ctx, int, sqlite3_value **argv)
{
	sqlite3_value *v = argv[0];
	const char *base = base_type_name(v);
	if (base == nullptr || sqlite3_value_type(argv[1]) == SQLITE_NULL) {
		sqlite3_result_null(ctx);
		return;
	}
	const std::string name = to_lower_ascii(value_text(argv[1]));
	const std::string type = base;
	if (name == "basetype") {
		result_text(ctx, type);
	} else if (name == "precision") {
		const int digits = type == "int" ? 10 : type == "bigint" ? 19 : type == "float" ? 53 : 0;
		sqlite3_result_int(ctx, digits);
	} else if (name == "scale") {
		sqlite3_result_int(ctx, 0);
	} else if (name == "maxlength") {
		sqlite3_result_int(ctx, type == "int" ? 4 : type == "bigint" || type == "float" ? 8 : 8000);
	} else if (name == "totalbytes") {
		const int data = sqlite3_value_type(v) == SQLITE_TEXT
		                     ? static_cast<int>(2 * utf16_length(value_text(v)))
		                 : sqlite3_value_type(v) == SQLITE_BLOB ? sqlite3_value_bytes(v)
		                 : type == "int"                         ? 4
		                                                         : 8;
		const int props = type == "nvarchar" ? 7 : type == "varbinary" ? 2 : 0;
		sqlite3_result_int(ctx, 2 + props + data);
	} else {
		sqlite3_result_null(ctx);
	}
}

std::string
hex_text(std::string_view bytes, bool prefix)
{
	static const char digits[] = "0123456789ABCDEF";
	std::string s = prefix ? "0x" : "";
	for (const char c : bytes) {
		const auto b = static_cast<unsigned char>(c);
		s.push_back(digits[b >> 4]);
		s.push_back(digits[b & 0x0F]);
	}
	return s;
}

/*
 * CONVERT(type, v, style) to a character type: the styled text, or v unchanged where
 * the style changes nothing here (the translator casts the result: tds_cast(…, type)).
 */
void
fn_convert_style(sqlite3_context *ctx, int, sqlite3_value **argv)
{
	sqlite3_value *v = argv[0];
	const int style = sqlite3_value_int(argv[2]);
	const auto type = parse_sql_type(value_text(argv[1]), true);
	if (!type || !is_char_type(type->id)) {
		sqlite3_result_value(ctx, v);
		return;
	}
	if (sqlite3_value_type(v) == SQLITE_FLOAT && style == 3) {
		char buf[40];
		std::snprintf(buf, sizeof buf, "%.17g", sqlite3_value_double(v));
		result_text(ctx, buf);
	} else if (sqlite3_value_type(v) == SQLITE_BLOB && (style == 1 || style == 2)) {
		result_text(ctx, hex_text(value_blob(v), style == 1));
	} else {
		sqlite3_result_value(ctx, v);
	}
}

} // namespace

void
encode_variant(ByteBuffer &out, sqlite3_stmt *st, int col)
{
	const std::size_t at = out.size();
	out.put_u32(0); /* VARIANT_LENGTH, patched below */
	switch (sqlite3_column_type(st, col)) {
	case SQLITE_INTEGER: {
		const std::int64_t v = sqlite3_column_int64(st, col);
		const bool small = fits_int4(v);
		out.put_u8(small ? base_int4 : base_int8);
		out.put_u8(0);
		out.put_le(static_cast<std::uint64_t>(v), small ? 4 : 8);
		break;
	}
	case SQLITE_FLOAT: {
		const double d = sqlite3_column_double(st, col);
		std::uint64_t bits;
		std::memcpy(&bits, &d, sizeof bits);
		out.put_u8(base_flt8);
		out.put_u8(0);
		out.put_u64(bits);
		break;
	}
	case SQLITE_BLOB: {
		std::size_t n = static_cast<std::size_t>(sqlite3_column_bytes(st, col));
		n = n > max_value_bytes ? max_value_bytes : n;
		out.put_u8(base_varbinary);
		out.put_u8(2);
		out.put_u16(max_value_bytes);
		out.put(sqlite3_column_blob(st, col), n);
		break;
	}
	default: {
		const auto *p = reinterpret_cast<const char *>(sqlite3_column_text(st, col));
		const std::string_view text(p != nullptr ? p : "",
		                            static_cast<std::size_t>(sqlite3_column_bytes(st, col)));
		out.put_u8(base_nvarchar);
		out.put_u8(7);
		out.put(server_collation, 5);
		out.put_u16(max_value_bytes);
		std::size_t units = 0;
		out.put_utf16_prefix(text, max_value_bytes / 2, units);
		break;
	}
	}
	out.patch_le(at, out.size() - at - 4, 4);
}

bool
register_variant_functions(sqlite3 *db)
{
	const int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC;
	return sqlite3_create_function(db, "tds_variant_property", 2, flags, nullptr,
	                               fn_variant_property, nullptr, nullptr) == SQLITE_OK &&
	       sqlite3_create_function(db, "tds_convert_style", 3, flags, nullptr, fn_convert_style,
	                               nullptr, nullptr) == SQLITE_OK;
}

} // namespace tributary::tds_server

/*
 * types.cpp — the SQL Server type table: names, catalog facts, SQLite storage and the
 * TDS TYPE_INFO of each type (tds-notes §4).
 *
 * Zone: test server (std only). Facts follow SQL Server 2019's INFORMATION_SCHEMA and
 * sys.columns; where the test server deviates (collation names) README.md says so.
 */
#include "test/tds_server/types.hpp"

#include <cctype>
#include <vector>

namespace tributary::tds_server
{

const char *const server_collation_name = "Latin1_General_100_CI_AS_SC_UTF8";

namespace
{

struct TypeRow {
	TypeId id;
	const char *name;
	int system_type_id;
	Storage storage;
};

constexpr TypeRow type_rows[] = {
    {TypeId::bit, "bit", 104, Storage::integer},
    {TypeId::tinyint, "tinyint", 48, Storage::integer},
    {TypeId::smallint, "smallint", 52, Storage::integer},
    {TypeId::int4, "int", 56, Storage::integer},
    {TypeId::bigint, "bigint", 127, Storage::integer},
    {TypeId::real, "real", 59, Storage::real},
    {TypeId::float8, "float", 62, Storage::real},
    {TypeId::decimal, "decimal", 106, Storage::decimal},
    {TypeId::numeric, "numeric", 108, Storage::decimal},
    {TypeId::money, "money", 60, Storage::decimal},
    {TypeId::smallmoney, "smallmoney", 122, Storage::decimal},
    {TypeId::char_, "char", 175, Storage::text},
    {TypeId::varchar, "varchar", 167, Storage::text},
    {TypeId::nchar, "nchar", 239, Storage::text},
    {TypeId::nvarchar, "nvarchar", 231, Storage::text},
    {TypeId::text, "text", 35, Storage::text},
    {TypeId::ntext, "ntext", 99, Storage::text},
    {TypeId::binary, "binary", 173, Storage::blob},
    {TypeId::varbinary, "varbinary", 165, Storage::blob},
    {TypeId::image, "image", 34, Storage::blob},
    {TypeId::date, "date", 40, Storage::temporal},
    {TypeId::time, "time", 41, Storage::temporal},
    {TypeId::datetime, "datetime", 61, Storage::temporal},
    {TypeId::smalldatetime, "smalldatetime", 58, Storage::temporal},
    {TypeId::datetime2, "datetime2", 42, Storage::temporal},
    {TypeId::datetimeoffset, "datetimeoffset", 43, Storage::temporal},
    {TypeId::uniqueidentifier, "uniqueidentifier", 36, Storage::text},
    {TypeId::xml, "xml", 241, Storage::text},
    {TypeId::rowversion, "timestamp", 189, Storage::blob},
    {TypeId::sql_variant, "sql_variant", 98, Storage::variant},
};

const TypeRow &
row_of(TypeId id)
{
	return type_rows[static_cast<int>(id)];
}

/* Split "national character varying (50)" into lower-case words and the paren args. */
bool
split_type_text(std::string_view text, std::string &words, std::vector<std::string> &args,
                bool &has_args)
{
	std::size_t i = 0;
	has_args = false;
	while (i < text.size() && text[i] != '(') {
		const char c = text[i];
		if (std::isspace(static_cast<unsigned char>(c))) {
			if (!words.empty() && words.back() != ' ') {
				words.push_back(' ');
			}
		} else if (c != '[' && c != ']' && c != '"') {
			words.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
		}
		i++;
	}
	while (!words.empty() && words.back() == ' ') {
		words.pop_back();
	}
	/* "dbo.int", "sys.nvarchar": ignore a schema prefix */
	const std::size_t dot = words.rfind('.');
	if (dot != std::string::npos) {
		words.erase(0, dot + 1);
	}
	if (i >= text.size()) {
		return true;
	}
	has_args = true;
	const std::size_t close = text.find(')', i);
	if (close == std::string_view::npos) {
		return false;
	}
	std::string cur;
	for (std::size_t k = i + 1; k < close; k++) {
		const char c = text[k];
		if (c == ',') {
			args.push_back(cur);
			cur.clear();
		} else if (!std::isspace(static_cast<unsigned char>(c))) {
			cur.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
		}
	}
	args.push_back(cur);
	for (std::size_t k = close + 1; k < text.size(); k++) {
		if (!std::isspace(static_cast<unsigned char>(text[k]))) {
			return false;
		}
	}
	return true;
}

bool
parse_int_arg(const std::string &s, long &out)
{
	if (s.empty() || s.size() > 10) {
		return false;
	}
	long v = 0;
	for (const char c : s) {
		if (c < '0' || c > '9') {
			return false;
		}
		v = v * 10 + (c - '0');
	}
	out = v;
	return true;
}

} // namespace

const char *
type_name(TypeId id)
{
	return row_of(id).name;
}

Storage
storage_of(TypeId id)
{
	return row_of(id).storage;
}

bool
is_char_type(TypeId id)
{
	switch (id) {
	case TypeId::char_:
	case TypeId::varchar:
	case TypeId::nchar:
	case TypeId::nvarchar:
	case TypeId::text:
	case TypeId::ntext:
	case TypeId::xml:
		return true;
	default:
		return false;
	}
}

bool
is_unicode_type(TypeId id)
{
	return id == TypeId::nchar || id == TypeId::nvarchar || id == TypeId::ntext ||
	       id == TypeId::xml;
}

bool
is_binary_type(TypeId id)
{
	return id == TypeId::binary || id == TypeId::varbinary || id == TypeId::image ||
	       id == TypeId::rowversion;
}

bool
is_temporal_type(TypeId id)
{
	return storage_of(id) == Storage::temporal;
}

bool
is_integer_type(TypeId id)
{
	return id == TypeId::tinyint || id == TypeId::smallint || id == TypeId::int4 ||
	       id == TypeId::bigint;
}

std::optional<SqlType>
parse_sql_type(std::string_view text, bool cast_context)
{
	std::string words;
	std::vector<std::string> args;
	bool has_args = false;
	if (!split_type_text(text, words, args, has_args)) {
		return std::nullopt;
	}
	struct Alias {
		const char *spelling;
		TypeId id;
	};
	static const Alias aliases[] = {
	    {"bit", TypeId::bit},
	    {"tinyint", TypeId::tinyint},
	    {"smallint", TypeId::smallint},
	    {"int", TypeId::int4},
	    {"integer", TypeId::int4},
	    {"bigint", TypeId::bigint},
	    {"real", TypeId::real},
	    {"float", TypeId::float8},
	    {"double precision", TypeId::float8},
	    {"decimal", TypeId::decimal},
	    {"dec", TypeId::decimal},
	    {"numeric", TypeId::numeric},
	    {"money", TypeId::money},
	    {"smallmoney", TypeId::smallmoney},
	    {"char", TypeId::char_},
	    {"character", TypeId::char_},
	    {"varchar", TypeId::varchar},
	    {"char varying", TypeId::varchar},
	    {"character varying", TypeId::varchar},
	    {"nchar", TypeId::nchar},
	    {"national char", TypeId::nchar},
	    {"national character", TypeId::nchar},
	    {"nvarchar", TypeId::nvarchar},
	    {"nchar varying", TypeId::nvarchar},
	    {"national char varying", TypeId::nvarchar},
	    {"national character varying", TypeId::nvarchar},
	    {"sysname", TypeId::nvarchar},
	    {"text", TypeId::text},
	    {"ntext", TypeId::ntext},
	    {"national text", TypeId::ntext},
	    {"binary", TypeId::binary},
	    {"varbinary", TypeId::varbinary},
	    {"binary varying", TypeId::varbinary},
	    {"image", TypeId::image},
	    {"date", TypeId::date},
	    {"time", TypeId::time},
	    {"datetime", TypeId::datetime},
	    {"smalldatetime", TypeId::smalldatetime},
	    {"datetime2", TypeId::datetime2},
	    {"datetimeoffset", TypeId::datetimeoffset},
	    {"uniqueidentifier", TypeId::uniqueidentifier},
	    {"xml", TypeId::xml},
	    {"rowversion", TypeId::rowversion},
	    {"timestamp", TypeId::rowversion},
	    {"sql_variant", TypeId::sql_variant},
	};
	const Alias *found = nullptr;
	for (const Alias &a : aliases) {
		if (words == a.spelling) {
			found = &a;
			break;
		}
	}
	if (!found) {
		return std::nullopt;
	}
	SqlType t;
	t.id = found->id;
	long a0 = 0;
	long a1 = 0;
	const bool max_arg = has_args && args.size() == 1 && args[0] == "max";
	switch (t.id) {
	case TypeId::char_:
	case TypeId::varchar:
	case TypeId::nchar:
	case TypeId::nvarchar:
	case TypeId::binary:
	case TypeId::varbinary: {
		const bool fixed = t.id == TypeId::char_ || t.id == TypeId::nchar || t.id == TypeId::binary;
		const long limit = (t.id == TypeId::nchar || t.id == TypeId::nvarchar) ? 4000 : 8000;
		if (words == "sysname") {
			t.length = 128;
		} else if (max_arg) {
			if (fixed) {
				return std::nullopt;
			}
			t.length = -1;
		} else if (has_args) {
			if (args.size() != 1 || !parse_int_arg(args[0], a0) || a0 < 1 || a0 > limit) {
				return std::nullopt;
			}
			t.length = static_cast<std::int32_t>(a0);
		} else {
			t.length = cast_context ? 30 : 1;
		}
		break;
	}
	case TypeId::decimal:
	case TypeId::numeric:
		t.precision = 18;
		t.scale = 0;
		if (has_args) {
			if (args.empty() || args.size() > 2 || !parse_int_arg(args[0], a0) || a0 < 1 ||
			    a0 > 38) {
				return std::nullopt;
			}
			t.precision = static_cast<std::uint8_t>(a0);
			if (args.size() == 2) {
				if (!parse_int_arg(args[1], a1) || a1 > a0) {
					return std::nullopt;
				}
				t.scale = static_cast<std::uint8_t>(a1);
			}
		}
		break;
	case TypeId::float8:
		t.precision = 53;
		if (has_args) {
			if (args.size() != 1 || !parse_int_arg(args[0], a0) || a0 < 1 || a0 > 53) {
				return std::nullopt;
			}
			if (a0 <= 24) {
				t.id = TypeId::real;
				t.precision = 24;
			}
		}
		break;
	case TypeId::time:
	case TypeId::datetime2:
	case TypeId::datetimeoffset:
		t.scale = 7;
		if (has_args) {
			if (args.size() != 1 || !parse_int_arg(args[0], a0) || a0 > 7) {
				return std::nullopt;
			}
			t.scale = static_cast<std::uint8_t>(a0);
		}
		break;
	default:
		if (has_args) {
			return std::nullopt;
		}
		break;
	}
	switch (t.id) {
	case TypeId::money:
		t.precision = 19;
		t.scale = 4;
		break;
	case TypeId::smallmoney:
		t.precision = 10;
		t.scale = 4;
		break;
	case TypeId::datetime:
		t.scale = 3;
		break;
	case TypeId::rowversion:
		t.length = 8;
		break;
	case TypeId::uniqueidentifier:
		t.length = 16;
		break;
	case TypeId::text:
	case TypeId::ntext:
	case TypeId::image:
	case TypeId::xml:
		t.length = -1;
		break;
	default:
		break;
	}
	return t;
}

std::string
format_type(const SqlType &t)
{
	std::string s = type_name(t.id);
	switch (t.id) {
	case TypeId::char_:
	case TypeId::varchar:
	case TypeId::nchar:
	case TypeId::nvarchar:
	case TypeId::binary:
	case TypeId::varbinary:
		s += t.is_max() ? "(max)" : "(" + std::to_string(t.length) + ")";
		break;
	case TypeId::decimal:
	case TypeId::numeric:
		s += "(" + std::to_string(t.precision) + "," + std::to_string(t.scale) + ")";
		break;
	case TypeId::time:
	case TypeId::datetime2:
	case TypeId::datetimeoffset:
		s += "(" + std::to_string(t.scale) + ")";
		break;
	default:
		break;
	}
	return s;
}

std::string
sqlite_column_type(const SqlType &t)
{
	switch (storage_of(t.id)) {
	case Storage::integer:
		return "INT"; /* not "INTEGER": only an explicit rowid alias may be one */
	case Storage::real:
		return "REAL";
	case Storage::decimal:
		return "TEXT COLLATE TDSDEC";
	case Storage::text:
		return "TEXT COLLATE TDSCI";
	case Storage::temporal:
		return "TEXT COLLATE TDSDT";
	case Storage::blob:
		return "BLOB";
	case Storage::variant:
		return "COLLATE TDSCI";
	}
	return "";
}

std::uint8_t
decimal_bytes(int precision)
{
	if (precision <= 9) {
		return 5;
	}
	if (precision <= 19) {
		return 9;
	}
	if (precision <= 28) {
		return 13;
	}
	return 17;
}

namespace
{

int
time_bytes(int scale)
{
	return scale <= 2 ? 3 : scale <= 4 ? 4 : 5;
}

/* Characters in the ISO text of a date/time type (used for 7.2 clients and catalogs). */
int
temporal_text_length(const SqlType &t)
{
	const int frac = t.scale > 0 ? t.scale + 1 : 0;
	switch (t.id) {
	case TypeId::date:
		return 10;
	case TypeId::time:
		return 8 + frac;
	case TypeId::datetime2:
		return 19 + frac;
	case TypeId::datetimeoffset:
		return 26 + frac;
	default:
		return 23;
	}
}

} // namespace

TypeFacts
type_facts(const SqlType &t)
{
	TypeFacts f;
	f.data_type = type_name(t.id);
	f.system_type_id = row_of(t.id).system_type_id;
	f.user_type_id = f.system_type_id;
	const auto exact = [&](int p, int s) {
		f.numeric_precision = p;
		f.numeric_precision_radix = 10;
		f.numeric_scale = s;
		f.precision = p;
		f.scale = s;
	};
	switch (t.id) {
	case TypeId::bit:
		f.max_length = 1;
		f.precision = 1;
		break;
	case TypeId::tinyint:
		f.max_length = 1;
		exact(3, 0);
		break;
	case TypeId::smallint:
		f.max_length = 2;
		exact(5, 0);
		break;
	case TypeId::int4:
		f.max_length = 4;
		exact(10, 0);
		break;
	case TypeId::bigint:
		f.max_length = 8;
		exact(19, 0);
		break;
	case TypeId::real:
	case TypeId::float8:
		f.max_length = t.id == TypeId::real ? 4 : 8;
		f.numeric_precision = t.id == TypeId::real ? 24 : 53;
		f.numeric_precision_radix = 2;
		f.precision = static_cast<int>(*f.numeric_precision);
		break;
	case TypeId::decimal:
	case TypeId::numeric:
		f.max_length = decimal_bytes(t.precision);
		exact(t.precision, t.scale);
		break;
	case TypeId::money:
	case TypeId::smallmoney:
		f.max_length = t.id == TypeId::money ? 8 : 4;
		exact(t.precision, 4);
		break;
	case TypeId::char_:
	case TypeId::varchar:
	case TypeId::nchar:
	case TypeId::nvarchar: {
		const bool wide = is_unicode_type(t.id);
		f.char_max_length = t.is_max() ? -1 : t.length;
		f.char_octet_length = t.is_max() ? -1 : (wide ? 2 * t.length : t.length);
		f.max_length = t.is_max() ? -1 : static_cast<int>(*f.char_octet_length);
		f.character_set_name = wide ? "UNICODE" : "UTF8";
		f.collation_name = server_collation_name;
		break;
	}
	case TypeId::text:
	case TypeId::ntext:
		f.char_max_length = t.id == TypeId::text ? 2147483647 : 1073741823;
		f.char_octet_length = t.id == TypeId::text ? 2147483647 : 2147483646;
		f.max_length = 16;
		f.character_set_name = t.id == TypeId::text ? "UTF8" : "UNICODE";
		f.collation_name = server_collation_name;
		break;
	case TypeId::xml:
		f.char_max_length = -1;
		f.char_octet_length = -1;
		f.max_length = -1;
		break;
	case TypeId::binary:
	case TypeId::varbinary:
		f.char_max_length = t.is_max() ? -1 : t.length;
		f.char_octet_length = f.char_max_length;
		f.max_length = t.is_max() ? -1 : t.length;
		break;
	case TypeId::image:
		f.char_max_length = 2147483647;
		f.char_octet_length = 2147483647;
		f.max_length = 16;
		break;
	case TypeId::rowversion:
		f.max_length = 8;
		break;
	case TypeId::uniqueidentifier:
		f.max_length = 16;
		break;
	case TypeId::sql_variant:
		f.max_length = 8016;
		break;
	case TypeId::date:
		f.max_length = 3;
		f.datetime_precision = 0;
		f.precision = 10;
		break;
	case TypeId::datetime:
		f.max_length = 8;
		f.datetime_precision = 3;
		f.precision = 23;
		f.scale = 3;
		break;
	case TypeId::smalldatetime:
		f.max_length = 4;
		f.datetime_precision = 0;
		f.precision = 16;
		break;
	case TypeId::time:
	case TypeId::datetime2:
	case TypeId::datetimeoffset: {
		const int extra = t.id == TypeId::time ? 0 : t.id == TypeId::datetime2 ? 3 : 5;
		f.max_length = time_bytes(t.scale) + extra;
		f.datetime_precision = t.scale;
		f.precision = temporal_text_length(t);
		f.scale = t.scale;
		break;
	}
	}
	return f;
}

WireType
wire_type_for(const SqlType &t, const WireOptions &opt)
{
	WireType w;
	w.declared = t;
	const auto fixed = [&](WireKind k, std::uint8_t byte, std::uint8_t len) {
		w.kind = k;
		w.type_byte = byte;
		w.value_len = len;
		w.max_len = len;
	};
	const auto unicode = [&](bool fixed_len, std::int32_t chars) {
		w.kind = WireKind::nvarchar;
		w.type_byte = fixed_len ? 0xEF : 0xE7;
		if (chars < 0 || chars > 4000) {
			w.type_byte = 0xE7;
			w.plp = true;
			w.max_len = 0xFFFF;
		} else {
			w.max_len = static_cast<std::uint32_t>(2 * chars);
			w.fixed_pad = fixed_len;
		}
	};
	switch (t.id) {
	case TypeId::bit:
		fixed(WireKind::bitn, 0x68, 1);
		break;
	case TypeId::tinyint:
		fixed(WireKind::intn, 0x26, 1);
		break;
	case TypeId::smallint:
		fixed(WireKind::intn, 0x26, 2);
		break;
	case TypeId::int4:
		fixed(WireKind::intn, 0x26, 4);
		break;
	case TypeId::bigint:
		fixed(WireKind::intn, 0x26, 8);
		break;
	case TypeId::real:
		fixed(WireKind::fltn, 0x6D, 4);
		break;
	case TypeId::float8:
		fixed(WireKind::fltn, 0x6D, 8);
		break;
	case TypeId::decimal:
	case TypeId::numeric:
		fixed(WireKind::decimaln, t.id == TypeId::decimal ? 0x6A : 0x6C,
		      decimal_bytes(t.precision));
		break;
	case TypeId::money:
		fixed(WireKind::moneyn, 0x6E, 8);
		break;
	case TypeId::smallmoney:
		fixed(WireKind::moneyn, 0x6E, 4);
		break;
	case TypeId::datetime:
		fixed(WireKind::datetimn, 0x6F, 8);
		break;
	case TypeId::smalldatetime:
		fixed(WireKind::datetimn, 0x6F, 4);
		break;
	case TypeId::date:
	case TypeId::time:
	case TypeId::datetime2:
	case TypeId::datetimeoffset:
		if (!opt.has_date_types()) {
			unicode(false, temporal_text_length(t));
			w.kind = WireKind::temporal_as_nvarchar;
			break;
		}
		w.kind = t.id == TypeId::date        ? WireKind::daten
		         : t.id == TypeId::time      ? WireKind::timen
		         : t.id == TypeId::datetime2 ? WireKind::datetime2n
		                                     : WireKind::datetimeoffsetn;
		w.type_byte = t.id == TypeId::date        ? 0x28
		              : t.id == TypeId::time      ? 0x29
		              : t.id == TypeId::datetime2 ? 0x2A
		                                          : 0x2B;
		break;
	case TypeId::uniqueidentifier:
		fixed(WireKind::guid, 0x24, 16);
		break;
	case TypeId::char_:
	case TypeId::varchar:
		if (!opt.utf8_varchar()) {
			unicode(t.id == TypeId::char_, t.length);
			break;
		}
		w.kind = WireKind::varchar_utf8;
		w.type_byte = t.id == TypeId::char_ ? 0xAF : 0xA7;
		if (t.is_max()) {
			w.plp = true;
			w.max_len = 0xFFFF;
		} else {
			w.max_len = static_cast<std::uint32_t>(t.length);
			w.fixed_pad = t.id == TypeId::char_;
		}
		break;
	case TypeId::nchar:
	case TypeId::nvarchar:
		unicode(t.id == TypeId::nchar, t.length);
		break;
	case TypeId::sql_variant:
		w.kind = WireKind::variant;
		w.type_byte = 0x62;
		w.max_len = 8016; /* SQL Server's: 8000 bytes of value, type and properties */
		break;
	case TypeId::text:
		if (opt.utf8_varchar()) {
			w.kind = WireKind::text_utf8;
			w.type_byte = 0x23;
			w.max_len = 0x7FFFFFFF;
			break;
		}
		[[fallthrough]];
	case TypeId::ntext:
		w.kind = WireKind::ntext;
		w.type_byte = 0x63;
		w.max_len = 0x7FFFFFFE;
		break;
	case TypeId::image:
		w.kind = WireKind::image;
		w.type_byte = 0x22;
		w.max_len = 0x7FFFFFFF;
		break;
	case TypeId::xml:
		w.kind = WireKind::xml;
		w.type_byte = 0xF1;
		w.plp = true;
		w.max_len = 0xFFFF;
		break;
	case TypeId::binary:
	case TypeId::varbinary:
	case TypeId::rowversion:
		w.kind = WireKind::varbinary;
		w.type_byte = t.id == TypeId::varbinary ? 0xA5 : 0xAD;
		if (t.is_max()) {
			w.plp = true;
			w.max_len = 0xFFFF;
		} else {
			w.max_len = static_cast<std::uint32_t>(t.length);
			w.fixed_pad = t.id != TypeId::varbinary;
		}
		break;
	}
	return w;
}

void
write_type_info(ByteBuffer &out, const WireType &w, std::string_view table_name)
{
	static const std::uint8_t utf8_collation[5] = {0x09, 0x04, 0xD0, 0x24, 0x00};
	static const std::uint8_t latin1_collation[5] = {0x09, 0x04, 0xD0, 0x00, 0x34};
	out.put_u8(w.type_byte);
	switch (w.kind) {
	case WireKind::intn:
	case WireKind::bitn:
	case WireKind::fltn:
	case WireKind::moneyn:
	case WireKind::datetimn:
	case WireKind::guid:
		out.put_u8(w.value_len);
		break;
	case WireKind::decimaln:
		out.put_u8(w.value_len);
		out.put_u8(w.declared.precision);
		out.put_u8(w.declared.scale);
		break;
	case WireKind::daten:
		break;
	case WireKind::timen:
	case WireKind::datetime2n:
	case WireKind::datetimeoffsetn:
		out.put_u8(w.declared.scale);
		break;
	case WireKind::varchar_utf8:
		out.put_u16(static_cast<std::uint16_t>(w.max_len));
		out.put(utf8_collation, 5);
		break;
	case WireKind::nvarchar:
	case WireKind::temporal_as_nvarchar:
		out.put_u16(static_cast<std::uint16_t>(w.max_len));
		out.put(latin1_collation, 5);
		break;
	case WireKind::varbinary:
		out.put_u16(static_cast<std::uint16_t>(w.max_len));
		break;
	case WireKind::text_utf8:
	case WireKind::ntext:
	case WireKind::image:
		out.put_u32(w.max_len);
		if (w.kind != WireKind::image) {
			out.put(w.kind == WireKind::text_utf8 ? utf8_collation : latin1_collation, 5);
		}
		if (table_name.empty()) {
			out.put_u8(0);
		} else {
			out.put_u8(1);
			out.put_us_varchar(table_name);
		}
		break;
	case WireKind::xml:
		out.put_u8(0);
		break;
	case WireKind::variant:
		out.put_u32(w.max_len);
		break;
	}
}

} // namespace tributary::tds_server

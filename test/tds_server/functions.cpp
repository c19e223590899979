/*
 * functions.cpp — tds_* scalar functions registered on every SQLite connection: CAST and
 * CHECK semantics per declared SQL Server type, string functions with T-SQL rules (LEN
 * ignores trailing spaces, CHARINDEX is case-insensitive), clocks, GUIDs, OBJECT_ID,
 * row counts for the sys views, and the rowversion counter.
 *
 * Zone: test server (SQLite C API). Errors go out as "TDS#number#class#text" (see
 * sqlite_ext.hpp); functions never throw across the SQLite boundary.
 */
#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstdio>
#include <cstring>
#include <memory>
#include <random>

#include "test/tds_server/decimal.hpp"
#include "test/tds_server/encode.hpp"
#include "test/tds_server/sqlite_ext.hpp"
#include "test/tds_server/sqlite_util.hpp"
#include "test/tds_server/temporal.hpp"
#include "test/tds_server/types.hpp"
#include "test/tds_server/variant.hpp"

namespace tributary::tds_server
{

namespace
{

std::atomic<std::uint64_t> g_rowversion{1};

bool
any_null(int argc, sqlite3_value **argv)
{
	for (int k = 0; k < argc; k++) {
		if (sqlite3_value_type(argv[k]) == SQLITE_NULL) {
			return true;
		}
	}
	return false;
}

/* The SqlType named by argument idx, parsed once per statement via auxdata. */
bool
arg_type(sqlite3_context *ctx, sqlite3_value **argv, int idx, SqlType &out)
{
	if (auto *cached = static_cast<SqlType *>(sqlite3_get_auxdata(ctx, idx))) {
		out = *cached;
		return true;
	}
	const auto parsed = parse_sql_type(value_text(argv[idx]), true);
	if (!parsed) {
		result_tds_error(ctx, 243,
		                 "Type " + std::string(value_text(argv[idx])) +
		                     " is not a defined system type.");
		return false;
	}
	out = *parsed;
	sqlite3_set_auxdata(ctx, idx, new SqlType(*parsed),
	                    [](void *p) { delete static_cast<SqlType *>(p); });
	return true;
}

const char *
value_type_name(sqlite3_value *v)
{
	return sqlite3_value_type(v) == SQLITE_BLOB ? "varbinary" : "nvarchar";
}

/* Validate one value against a declared type (CHECK constraints and CAST share this). */
bool
check_value(sqlite3_value *v, const SqlType &t, CheckFailure &why)
{
	const int vt = sqlite3_value_type(v);
	if (vt == SQLITE_NULL) {
		return true;
	}
	const std::string tn = type_name(t.id);
	switch (storage_of(t.id)) {
	case Storage::integer: {
		if (vt == SQLITE_TEXT || vt == SQLITE_BLOB) {
			why = {245, "Conversion failed when converting the " + std::string(value_type_name(v)) +
			                " value '" + std::string(value_text(v)) + "' to data type " + tn + "."};
			return false;
		}
		const double d = sqlite3_value_double(v);
		const std::int64_t i = sqlite3_value_int64(v);
		const bool ok = t.id == TypeId::bigint || t.id == TypeId::bit ||
		                (t.id == TypeId::int4 && d >= -2147483648.0 && d < 2147483648.0) ||
		                (t.id == TypeId::smallint && d >= -32768.0 && d < 32768.0) ||
		                (t.id == TypeId::tinyint && d >= 0.0 && d < 256.0);
		if (!ok) {
			why = {220, "Arithmetic overflow error for data type " + tn +
			                ", value = " + std::to_string(i) + "."};
		}
		return ok;
	}
	case Storage::real:
		if (vt == SQLITE_TEXT || vt == SQLITE_BLOB) {
			why = {8114, "Error converting data type " + std::string(value_type_name(v)) + " to " +
			                 tn + "."};
			return false;
		}
		return true;
	case Storage::decimal: {
		DecimalText d;
		bool parsed = true;
		if (vt == SQLITE_INTEGER) {
			d = decimal_from_int(sqlite3_value_int64(v));
		} else if (vt == SQLITE_FLOAT) {
			d = decimal_from_double(sqlite3_value_double(v));
		} else {
			parsed = parse_decimal(value_text(v), d);
		}
		if (!parsed) {
			why = {8114, "Error converting data type " + std::string(value_type_name(v)) +
			                 " to numeric."};
			return false;
		}
		uint128 mag = 0;
		if (!scale_decimal(d, t.scale, t.precision, mag)) {
			why = {8115, "Arithmetic overflow error converting numeric to data type " + tn + "."};
			return false;
		}
		const uint128 money_max = static_cast<uint128>(INT64_MAX) + (d.negative ? 1 : 0);
		const uint128 small_max = static_cast<uint128>(2147483647u) + (d.negative ? 1 : 0);
		if ((t.id == TypeId::money && mag > money_max) ||
		    (t.id == TypeId::smallmoney && mag > small_max)) {
			why = {8115,
			       "Arithmetic overflow error converting expression to data type " + tn + "."};
			return false;
		}
		return true;
	}
	case Storage::text: {
		if (t.id == TypeId::uniqueidentifier) {
			std::uint8_t g[16];
			const std::string_view s = value_text(v);
			if (vt == SQLITE_BLOB && s.size() == 16) {
				return true;
			}
			if (!guid_from_text(reinterpret_cast<const unsigned char *>(s.data()),
			                    static_cast<int>(s.size()), g)) {
				why = {8169, "Conversion failed when converting from a character string "
				             "to uniqueidentifier."};
				return false;
			}
			return true;
		}
		if (t.is_max() || t.length <= 0) {
			return true;
		}
		const std::string_view s = value_text(v);
		const std::size_t len = is_unicode_type(t.id) ? utf16_length(s) : s.size();
		if (len > static_cast<std::size_t>(t.length)) {
			why = {8152, "String or binary data would be truncated."};
			return false;
		}
		return true;
	}
	case Storage::temporal: {
		Temporal tv;
		if (!parse_temporal(value_text(v), tv)) {
			why = {241, "Conversion failed when converting date and/or time from "
			            "character string."};
			return false;
		}
		if (!in_range(round_for(tv, t), t.id)) {
			why = {242, "The conversion of a nvarchar data type to a " + tn +
			                " data type resulted in an out-of-range value."};
			return false;
		}
		return true;
	}
	case Storage::blob:
		if (t.is_max() || t.id == TypeId::rowversion ||
		    static_cast<std::size_t>(sqlite3_value_bytes(v)) <=
		        static_cast<std::size_t>(t.length)) {
			return true;
		}
		why = {8152, "String or binary data would be truncated."};
		return false;
	case Storage::variant:
		return true;
	}
	return true;
}

void
fn_check(sqlite3_context *ctx, int, sqlite3_value **argv)
{
	SqlType t;
	if (!arg_type(ctx, argv, 1, t)) {
		return;
	}
	CheckFailure why;
	if (check_value(argv[0], t, why)) {
		sqlite3_result_int(ctx, 1);
		return;
	}
	last_check_failure() = why;
	sqlite3_result_int(ctx, 0);
}

void
cast_to_text(sqlite3_context *ctx, sqlite3_value *v, const SqlType &t)
{
	std::string s;
	if (sqlite3_value_type(v) == SQLITE_FLOAT) {
		s = float_to_sqlserver_text(sqlite3_value_double(v));
	} else {
		s = std::string(value_text(v));
	}
	if (t.length > 0) {
		const std::size_t keep =
		    is_unicode_type(t.id)
		        ? utf8_prefix_for_utf16_units(s, static_cast<std::size_t>(t.length))
		        : utf8_prefix_for_bytes(s, static_cast<std::size_t>(t.length));
		s.resize(keep);
		if (t.id == TypeId::char_ || t.id == TypeId::nchar) {
			const std::size_t have = is_unicode_type(t.id) ? utf16_length(s) : s.size();
			s.append(static_cast<std::size_t>(t.length) - have, ' ');
		}
	}
	result_text(ctx, s);
}

void
cast_to_decimal(sqlite3_context *ctx, sqlite3_value *v, const SqlType &t)
{
	DecimalText d;
	const int vt = sqlite3_value_type(v);
	if (vt == SQLITE_INTEGER) {
		d = decimal_from_int(sqlite3_value_int64(v));
	} else if (vt == SQLITE_FLOAT) {
		d = decimal_from_double(sqlite3_value_double(v));
	} else {
		parse_decimal(value_text(v), d);
	}
	uint128 mag = 0;
	scale_decimal(d, t.scale, t.precision, mag);
	const std::string text = format_scaled(d.negative, mag, t.scale);
	if (t.scale == 0 && mag <= static_cast<uint128>(INT64_MAX)) {
		const auto i = static_cast<std::int64_t>(mag);
		sqlite3_result_int64(ctx, d.negative ? -i : i);
	} else if (text.size() <= 16) {
		sqlite3_result_double(ctx, std::strtod(text.c_str(), nullptr));
	} else {
		result_text(ctx, text);
	}
}

void
fn_cast(sqlite3_context *ctx, int, sqlite3_value **argv)
{
	SqlType t;
	if (!arg_type(ctx, argv, 1, t)) {
		return;
	}
	sqlite3_value *v = argv[0];
	const int vt = sqlite3_value_type(v);
	if (vt == SQLITE_NULL) {
		sqlite3_result_null(ctx);
		return;
	}
	/* Text to a number must look like one: CAST('x' AS int) is error 245. */
	if (storage_of(t.id) == Storage::integer && vt == SQLITE_TEXT) {
		DecimalText d;
		if (!parse_decimal(value_text(v), d) || d.exponent < 0) {
			CheckFailure why{245, "Conversion failed when converting the nvarchar value '" +
			                          std::string(value_text(v)) + "' to data type " +
			                          type_name(t.id) + "."};
			result_tds_error(ctx, why.number, why.text);
			return;
		}
	}
	CheckFailure why;
	const bool text_like = storage_of(t.id) == Storage::text || storage_of(t.id) == Storage::blob;
	if (!text_like && storage_of(t.id) != Storage::integer && !check_value(v, t, why)) {
		result_tds_error(ctx, why.number, why.text);
		return;
	}
	switch (storage_of(t.id)) {
	case Storage::integer: {
		const double dv = sqlite3_value_double(v);
		std::int64_t i = vt == SQLITE_INTEGER ? sqlite3_value_int64(v)
		                                      : static_cast<std::int64_t>(std::trunc(dv));
		if (vt == SQLITE_TEXT) {
			/* Integer text exactly, not through a double (2^53 and beyond). */
			const std::string s(value_text(v));
			errno = 0;
			char *end = nullptr;
			const long long parsed = std::strtoll(s.c_str(), &end, 10);
			if (errno == ERANGE) {
				result_tds_error(ctx, 8115,
				                 "Arithmetic overflow error converting expression to data type " +
				                     std::string(type_name(t.id)) + ".");
				return;
			}
			if (end != s.c_str() && (*end == '\0' || *end == ' ' || *end == '.')) {
				i = parsed;
			}
		}
		if (t.id == TypeId::bit) {
			i = i != 0 || (vt == SQLITE_FLOAT && dv != 0.0) ? 1 : 0;
		}
		sqlite3_result_int64(ctx, i);
		return;
	}
	case Storage::real:
		sqlite3_result_double(ctx, t.id == TypeId::real
		                               ? static_cast<float>(sqlite3_value_double(v))
		                               : sqlite3_value_double(v));
		return;
	case Storage::decimal:
		cast_to_decimal(ctx, v, t);
		return;
	case Storage::temporal: {
		Temporal tv;
		parse_temporal(value_text(v), tv);
		result_text(ctx, format_temporal(round_for(tv, t), t));
		return;
	}
	case Storage::blob: {
		std::string b;
		if (vt == SQLITE_INTEGER) {
			const auto u = static_cast<std::uint64_t>(sqlite3_value_int64(v));
			for (int k = 3; k >= 0; k--) {
				b.push_back(static_cast<char>(u >> (8 * k)));
			}
		} else {
			b = std::string(vt == SQLITE_BLOB ? value_blob(v) : value_text(v));
		}
		if (t.length > 0 && b.size() > static_cast<std::size_t>(t.length)) {
			b.resize(static_cast<std::size_t>(t.length));
		}
		if (t.id == TypeId::binary && b.size() < static_cast<std::size_t>(t.length)) {
			b.append(static_cast<std::size_t>(t.length) - b.size(), '\0');
		}
		sqlite3_result_blob(ctx, b.data(), static_cast<int>(b.size()), SQLITE_TRANSIENT);
		return;
	}
	case Storage::text:
		if (t.id == TypeId::uniqueidentifier) {
			std::uint8_t g[16];
			const std::string_view s = value_text(v);
			if (!guid_from_text(reinterpret_cast<const unsigned char *>(s.data()),
			                    static_cast<int>(s.size()), g)) {
				result_tds_error(ctx, 8169,
				                 "Conversion failed when converting from a "
				                 "character string to uniqueidentifier.");
				return;
			}
			result_text(ctx, to_upper_ascii(s));
			return;
		}
		cast_to_text(ctx, v, t);
		return;
	case Storage::variant:
		sqlite3_result_value(ctx, v);
		return;
	}
}

void
fn_allow_snapshot(sqlite3_context *ctx, int, sqlite3_value **)
{
	sqlite3_result_int(ctx, snapshot_isolation_allowed() ? 1 : 0);
}

void
fn_len(sqlite3_context *ctx, int, sqlite3_value **argv)
{
	if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
		sqlite3_result_null(ctx);
		return;
	}
	if (sqlite3_value_type(argv[0]) == SQLITE_BLOB) {
		sqlite3_result_int64(ctx, sqlite3_value_bytes(argv[0]));
		return;
	}
	std::string_view s = value_text(argv[0]);
	while (!s.empty() && s.back() == ' ') {
		s.remove_suffix(1);
	}
	sqlite3_result_int64(ctx, static_cast<std::int64_t>(utf8_length(s)));
}

void
fn_datalength(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	switch (sqlite3_value_type(argv[0])) {
	case SQLITE_NULL:
		sqlite3_result_null(ctx);
		return;
	case SQLITE_BLOB:
		sqlite3_result_int64(ctx, sqlite3_value_bytes(argv[0]));
		return;
	case SQLITE_INTEGER:
		sqlite3_result_int64(ctx, 4);
		return;
	case SQLITE_FLOAT:
		sqlite3_result_int64(ctx, 8);
		return;
	default: {
		const bool bytes = argc == 2 && sqlite3_value_int(argv[1]) == 1;
		const std::string_view s = value_text(argv[0]);
		sqlite3_result_int64(ctx,
		                     static_cast<std::int64_t>(bytes ? s.size() : 2 * utf16_length(s)));
	}
	}
}

void
fn_clock(sqlite3_context *ctx, int, sqlite3_value **)
{
	const auto kind = reinterpret_cast<std::intptr_t>(sqlite3_user_data(ctx));
	/* 0 getdate, 1 getutcdate, 2 sysdatetime, 3 sysutcdatetime, 4 sysdatetimeoffset */
	const bool utc = kind == 1 || kind == 3;
	Temporal t = now_temporal(utc);
	SqlType type;
	type.id = kind <= 1 ? TypeId::datetime : kind == 4 ? TypeId::datetimeoffset : TypeId::datetime2;
	type.scale = kind <= 1 ? 3 : 7;
	result_text(ctx, format_temporal(round_for(t, type), type));
}

void
fn_newid(sqlite3_context *ctx, int, sqlite3_value **)
{
	thread_local std::mt19937_64 rng{std::random_device{}()};
	std::uint8_t b[16];
	const std::uint64_t a = rng();
	const std::uint64_t c = rng();
	std::memcpy(b, &a, 8);
	std::memcpy(b + 8, &c, 8);
	b[6] = static_cast<std::uint8_t>((b[6] & 0x0F) | 0x40);
	b[8] = static_cast<std::uint8_t>((b[8] & 0x3F) | 0x80);
	char s[37];
	std::snprintf(s, sizeof s,
	              "%02X%02X%02X%02X-%02X%02X-%02X%02X-%02X%02X-%02X%02X%02X%02X%02X%02X", b[0],
	              b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
	              b[14], b[15]);
	sqlite3_result_text(ctx, s, 36, SQLITE_TRANSIENT);
}

void
fn_charindex(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	if (any_null(argc, argv)) {
		sqlite3_result_null(ctx);
		return;
	}
	const std::string_view needle = value_text(argv[0]);
	const std::string_view hay = value_text(argv[1]);
	std::int64_t start = argc == 3 ? sqlite3_value_int64(argv[2]) : 1;
	if (start < 1) {
		start = 1;
	}
	std::vector<std::uint32_t> n;
	std::vector<std::uint32_t> h;
	for (std::size_t i = 0; i < needle.size();) {
		n.push_back(fold_case(utf8_next(needle, i)));
	}
	for (std::size_t i = 0; i < hay.size();) {
		h.push_back(fold_case(utf8_next(hay, i)));
	}
	if (n.empty()) {
		sqlite3_result_int64(ctx, 0);
		return;
	}
	for (std::size_t p = static_cast<std::size_t>(start - 1); p + n.size() <= h.size(); p++) {
		if (std::equal(n.begin(), n.end(), h.begin() + static_cast<std::ptrdiff_t>(p))) {
			sqlite3_result_int64(ctx, static_cast<std::int64_t>(p + 1));
			return;
		}
	}
	sqlite3_result_int64(ctx, 0);
}

void
fn_left_right(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	if (any_null(argc, argv)) {
		sqlite3_result_null(ctx);
		return;
	}
	const bool right = sqlite3_user_data(ctx) != nullptr;
	const std::string_view s = value_text(argv[0]);
	std::int64_t n = sqlite3_value_int64(argv[1]);
	const auto total = static_cast<std::int64_t>(utf8_length(s));
	if (n < 0) {
		result_tds_error(ctx, 536,
		                 "Invalid length parameter passed to the " +
		                     std::string(right ? "right" : "left") + " function.");
		return;
	}
	if (n > total) {
		n = total;
	}
	std::size_t i = 0;
	const std::int64_t skip = right ? total - n : 0;
	for (std::int64_t k = 0; k < skip; k++) {
		utf8_next(s, i);
	}
	std::size_t j = i;
	for (std::int64_t k = 0; k < n; k++) {
		utf8_next(s, j);
	}
	sqlite3_result_text(ctx, s.data() + i, static_cast<int>(j - i), SQLITE_TRANSIENT);
}

void
fn_row_count(sqlite3_context *ctx, int, sqlite3_value **argv)
{
	std::string name(value_text(argv[0]));
	std::string quoted = "\"";
	for (const char c : name) {
		quoted.push_back(c);
		if (c == '"') {
			quoted.push_back('"');
		}
	}
	const std::string sql = "SELECT count(*) FROM " + quoted + "\"";
	sqlite3_stmt *st = nullptr;
	if (sqlite3_prepare_v2(sqlite3_context_db_handle(ctx), sql.c_str(), -1, &st, nullptr) !=
	    SQLITE_OK) {
		sqlite3_finalize(st);
		sqlite3_result_null(ctx);
		return;
	}
	if (sqlite3_step(st) == SQLITE_ROW) {
		sqlite3_result_int64(ctx, sqlite3_column_int64(st, 0));
	} else {
		sqlite3_result_null(ctx);
	}
	sqlite3_finalize(st);
}

void
fn_rowversion_next(sqlite3_context *ctx, int, sqlite3_value **)
{
	const std::uint64_t v = g_rowversion.fetch_add(1) + 1;
	std::uint8_t b[8];
	for (int k = 0; k < 8; k++) {
		b[k] = static_cast<std::uint8_t>(v >> (8 * (7 - k)));
	}
	sqlite3_result_blob(ctx, b, 8, SQLITE_TRANSIENT);
}

void
fn_concat(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	std::string s;
	for (int k = 0; k < argc; k++) {
		if (sqlite3_value_type(argv[k]) != SQLITE_NULL) {
			s += value_text(argv[k]);
		}
	}
	result_text(ctx, s);
}

void
fn_replicate(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	if (any_null(argc, argv)) {
		sqlite3_result_null(ctx);
		return;
	}
	const bool space = argc == 1;
	const std::string unit = space ? std::string(" ") : std::string(value_text(argv[0]));
	const std::int64_t n = sqlite3_value_int64(argv[space ? 0 : 1]);
	if (n < 0) {
		sqlite3_result_null(ctx);
		return;
	}
	std::string s;
	s.reserve(unit.size() * static_cast<std::size_t>(n));
	for (std::int64_t k = 0; k < n; k++) {
		s += unit;
	}
	result_text(ctx, s);
}

void
fn_reverse(sqlite3_context *ctx, int, sqlite3_value **argv)
{
	if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
		sqlite3_result_null(ctx);
		return;
	}
	const std::string_view s = value_text(argv[0]);
	std::vector<std::uint32_t> cps;
	for (std::size_t i = 0; i < s.size();) {
		cps.push_back(utf8_next(s, i));
	}
	std::string out;
	for (auto it = cps.rbegin(); it != cps.rend(); ++it) {
		utf8_append(out, *it);
	}
	result_text(ctx, out);
}

void
fn_isnumeric(sqlite3_context *ctx, int, sqlite3_value **argv)
{
	const int vt = sqlite3_value_type(argv[0]);
	if (vt == SQLITE_INTEGER || vt == SQLITE_FLOAT) {
		sqlite3_result_int(ctx, 1);
		return;
	}
	DecimalText d;
	sqlite3_result_int(ctx, vt == SQLITE_TEXT && parse_decimal(value_text(argv[0]), d) ? 1 : 0);
}

void
fn_serverproperty(sqlite3_context *ctx, int, sqlite3_value **argv)
{
	const std::string p = to_lower_ascii(value_text(argv[0]));
	if (p == "productversion") {
		sqlite3_result_text(ctx, "16.0.1000.6", -1, SQLITE_STATIC);
	} else if (p == "productlevel") {
		sqlite3_result_text(ctx, "RTM", -1, SQLITE_STATIC);
	} else if (p == "edition") {
		sqlite3_result_text(ctx, "Developer Edition (64-bit)", -1, SQLITE_STATIC);
	} else if (p == "engineedition") {
		sqlite3_result_int(ctx, 3);
	} else if (p == "collation") {
		sqlite3_result_text(ctx, server_collation_name, -1, SQLITE_STATIC);
	} else if (p == "servername" || p == "machinename") {
		sqlite3_result_text(ctx, "tributary-tds", -1, SQLITE_STATIC);
	} else {
		sqlite3_result_null(ctx);
	}
}

} // namespace

/* Defined in date_functions.cpp and catalog.cpp. */
bool register_date_functions(sqlite3 *db);
bool register_catalog_functions(sqlite3 *db);

CheckFailure &
last_check_failure()
{
	thread_local CheckFailure failure;
	return failure;
}

std::atomic<bool> g_allow_snapshot{false};

void
set_snapshot_isolation(bool on)
{
	g_allow_snapshot.store(on);
}

bool
snapshot_isolation_allowed()
{
	return g_allow_snapshot.load();
}

void
seed_rowversion(std::uint64_t value)
{
	g_rowversion.store(value);
}

std::uint64_t
current_rowversion()
{
	return g_rowversion.load();
}

std::string
float_to_sqlserver_text(double v)
{
	char buf[64];
	std::snprintf(buf, sizeof buf, "%.6g", v);
	std::string s(buf);
	const std::size_t e = s.find('e');
	if (e != std::string::npos && s.size() - e == 4) {
		s.insert(e + 2, "0"); /* e+06 -> e+006 */
	}
	return s;
}

bool
register_sqlite_extensions(sqlite3 *db)
{
	struct Fn {
		const char *name;
		int argc;
		void (*fn)(sqlite3_context *, int, sqlite3_value **);
		std::intptr_t data;
		bool deterministic;
	};
	static const Fn fns[] = {
	    {"tds_check", 2, fn_check, 0, true},
	    {"tds_cast", 2, fn_cast, 0, true},
	    {"tds_len", 1, fn_len, 0, true},
	    {"tds_datalength", 1, fn_datalength, 0, true},
	    {"tds_datalength", 2, fn_datalength, 0, true},
	    {"tds_getdate", 0, fn_clock, 0, false},
	    {"tds_getutcdate", 0, fn_clock, 1, false},
	    {"tds_sysdatetime", 0, fn_clock, 2, false},
	    {"tds_sysutcdatetime", 0, fn_clock, 3, false},
	    {"tds_sysdatetimeoffset", 0, fn_clock, 4, false},
	    {"tds_newid", 0, fn_newid, 0, false},
	    {"tds_charindex", 2, fn_charindex, 0, true},
	    {"tds_charindex", 3, fn_charindex, 0, true},
	    {"tds_left", 2, fn_left_right, 0, true},
	    {"tds_right", 2, fn_left_right, 1, true},
	    {"tds_row_count", 1, fn_row_count, 0, false},
	    {"tds_rowversion_next", 0, fn_rowversion_next, 0, false},
	    {"tds_concat", -1, fn_concat, 0, true},
	    {"tds_replicate", 2, fn_replicate, 0, true},
	    {"tds_space", 1, fn_replicate, 0, true},
	    {"tds_reverse", 1, fn_reverse, 0, true},
	    {"tds_isnumeric", 1, fn_isnumeric, 0, true},
	    {"tds_serverproperty", 1, fn_serverproperty, 0, true},
	    {"tds_allow_snapshot", 0, fn_allow_snapshot, 0, false},
	};
	if (!register_collations(db)) {
		return false;
	}
	for (const Fn &f : fns) {
		const int flags = SQLITE_UTF8 | (f.deterministic ? SQLITE_DETERMINISTIC : 0);
		if (sqlite3_create_function(db, f.name, f.argc, flags, reinterpret_cast<void *>(f.data),
		                            f.fn, nullptr, nullptr) != SQLITE_OK) {
			return false;
		}
	}
	return register_date_functions(db) && register_catalog_functions(db) &&
	       register_variant_functions(db);
}

} // namespace tributary::tds_server

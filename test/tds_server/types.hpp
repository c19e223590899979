/*
 * types.hpp — SQL Server data types as the test server knows them: parsing T-SQL type
 * names, the facts catalogs report about them (INFORMATION_SCHEMA, sys.columns), how each
 * is stored in SQLite, and the TDS TYPE_INFO it is described with on the wire.
 *
 * Zone: test server (std only). Pure functions; nothing here touches SQLite or sockets.
 */
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "test/tds_server/wire.hpp"

namespace tributary::tds_server
{

enum class TypeId : std::uint8_t {
	bit,
	tinyint,
	smallint,
	int4,
	bigint,
	real,
	float8,
	decimal,
	numeric,
	money,
	smallmoney,
	char_,
	varchar,
	nchar,
	nvarchar,
	text,
	ntext,
	binary,
	varbinary,
	image,
	date,
	time,
	datetime,
	smalldatetime,
	datetime2,
	datetimeoffset,
	uniqueidentifier,
	xml,
	rowversion,
	sql_variant,
};

/* A declared SQL Server type. length: characters (char types) or bytes (binary), -1 = max. */
struct SqlType {
	TypeId id = TypeId::int4;
	std::int32_t length = 0;
	std::uint8_t precision = 0;
	std::uint8_t scale = 0;

	bool
	is_max() const
	{
		return length < 0;
	}
};

/* How values of a type are kept in SQLite (decides affinity, collation and CHECKs). */
enum class Storage : std::uint8_t { integer, real, decimal, text, temporal, blob, variant };

/*
 * Parse a T-SQL type spelling such as "nvarchar(50)", "varchar(max)", "decimal(10, 2)",
 * "double precision", "datetime2(3)", "sysname". cast_context applies CAST's default
 * length (30) to char types instead of the declaration default (1). Returns nullopt for an
 * unknown type (the caller reports error 2715).
 */
std::optional<SqlType> parse_sql_type(std::string_view text, bool cast_context = false);

/* Canonical T-SQL name ("nvarchar") and full spelling ("nvarchar(50)", "decimal(10,2)"). */
const char *type_name(TypeId id);
std::string format_type(const SqlType &t);

Storage storage_of(TypeId id);
bool is_char_type(TypeId id);    /* char, varchar, nchar, nvarchar, text, ntext, xml */
bool is_unicode_type(TypeId id); /* nchar, nvarchar, ntext, xml */
bool is_binary_type(TypeId id);  /* binary, varbinary, image, rowversion */
bool is_temporal_type(TypeId id);
bool is_integer_type(TypeId id);

/* SQLite column declaration (affinity + collation) for a declared type. */
std::string sqlite_column_type(const SqlType &t);

/* What INFORMATION_SCHEMA.COLUMNS and sys.columns say about a type (SQL Server 2019). */
struct TypeFacts {
	std::string data_type;
	std::optional<std::int64_t> char_max_length;
	std::optional<std::int64_t> char_octet_length;
	std::optional<std::int64_t> numeric_precision;
	std::optional<std::int64_t> numeric_precision_radix;
	std::optional<std::int64_t> numeric_scale;
	std::optional<std::int64_t> datetime_precision;
	std::optional<std::string> character_set_name;
	std::optional<std::string> collation_name;
	int system_type_id = 0;
	int user_type_id = 0;
	int max_length = 0; /* sys.columns.max_length: bytes, -1 for max */
	int precision = 0;
	int scale = 0;
};
TypeFacts type_facts(const SqlType &t);

/* The collation every character column is described with. */
extern const char *const server_collation_name;

/* Protocol facts that change how a type travels. */
struct WireOptions {
	std::uint32_t tds_version = 0x74000004;
	bool
	utf8_varchar() const
	{
		return tds_version >= 0x74000000;
	}
	bool
	has_date_types() const
	{
		return tds_version >= 0x73000000;
	}
};

/* The concrete encoding of one result column or return value. */
enum class WireKind : std::uint8_t {
	intn,
	bitn,
	fltn,
	decimaln,
	moneyn,
	datetimn,
	daten,
	timen,
	datetime2n,
	datetimeoffsetn,
	guid,
	varchar_utf8, /* BIGVARCHR/BIGCHAR, UTF-8 collation */
	nvarchar,     /* NVARCHAR/NCHAR */
	varbinary,    /* BIGVARBIN/BIGBINARY */
	text_utf8,
	ntext,
	image,
	xml,
	temporal_as_nvarchar, /* date/time types for TDS 7.2 clients */
	variant,              /* SSVARIANT: a base type per value (variant.hpp) */
};

struct WireType {
	SqlType declared;
	WireKind kind = WireKind::intn;
	std::uint8_t type_byte = 0x26;
	std::uint32_t max_len = 0; /* bytes in TYPE_INFO; 0xFFFF for PLP */
	bool plp = false;
	bool fixed_pad = false;     /* char/nchar/binary: pad to max_len */
	std::uint8_t value_len = 0; /* fixed value length for INTN/FLTN/MONEYN/DATETIMN/DECIMALN */
};

WireType wire_type_for(const SqlType &t, const WireOptions &opt);

/*
 * Append TYPE_INFO (type byte, lengths, collation, precision/scale, text table name).
 * table_name is used only for text/ntext/image.
 */
void write_type_info(ByteBuffer &out, const WireType &w, std::string_view table_name);

/* Decimal TYPE_INFO length for a precision (5, 9, 13, 17). */
std::uint8_t decimal_bytes(int precision);

} // namespace tributary::tds_server

/*
 * mysql_dialect.hpp — SQL spelling of MySQL/MariaDB for the shared deparser.
 *
 * Zone: driver zone, pure C++ (no mysql.h, no postgres.h): the PG zone's
 * deparser reaches it through remote::Dialect. Every literal it spells means
 * the same whether or not the session's sql_mode has NO_BACKSLASH_ESCAPES or
 * ANSI_QUOTES.
 */
#pragma once

#include "fdw/remote/remote.hpp"

namespace tributary::mysql {

/* The largest MySQL LIMIT: "no limit" when only an OFFSET is wanted. */
constexpr const char *mysql_max_limit = "18446744073709551615";

class MysqlDialect final : public remote::Dialect {
  public:
	/* `name`, embedded backticks doubled. Throws RemoteError(data) on a NUL byte. */
	std::string quote_identifier(const std::string &name) const override;
	/*
	 * 'text' with quotes doubled when the text has no backslash and no control
	 * byte; otherwise _utf8mb4 X'hex' — both mean the same in every sql_mode.
	 */
	std::string quote_string(const std::string &utf8) const override;
	/* X'hex' (binary string). */
	std::string quote_bytes(const std::string &bytes) const override;
	std::string boolean_literal(bool value) const override;
	/* TIMESTAMP'YYYY-MM-DD HH:MM:SS[.ffffff]'; throws RemoteError(unsupported) on other text. */
	std::string timestamp_literal(const std::string &iso) const override;
	/* DATE'YYYY-MM-DD'; throws RemoteError(unsupported) on other text. */
	std::string date_literal(const std::string &iso) const override;
	std::string placeholder(int n) const override;
	std::string limit_query(const std::string &select_list, const std::string &rest,
	                        long long limit, long long offset, bool has_order) const override;
	/*
	 * LIKE and NOT LIKE: exact, compared under utf8mb4_bin (code point by code point,
	 * whatever the column's collation). ILIKE: a superset under utf8mb4_unicode_ci with
	 * every non-ASCII pattern character widened to '_'. NOT ILIKE: not sent.
	 */
	remote::Support like_support(remote::LikeKind kind) const override;
	std::string like(const std::string &lhs, const std::string &pattern,
	                 remote::LikeKind kind) const override;
	/* "RAND() < f": the server keeps each row with probability f. */
	std::string sample_condition(double fraction) const override;
};

/*
 * The ILIKE pattern sent under utf8mb4_unicode_ci: wildcards and escaped ASCII kept,
 * every other non-ASCII character (escaped or not) replaced by '_'. Exposed for tests.
 */
std::string ilike_superset_pattern(const std::string &pattern);

/* The one dialect instance (stateless). */
const MysqlDialect &dialect();

} // namespace tributary::mysql

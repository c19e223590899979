/*
 * fuzz_literals_live_test.cpp — property tests of the dialects' spelling against the
 * real servers, in the sql_modes a MySQL session may run with:
 *   - every string, byte string and identifier the dialect spells reads back unchanged
 *     (MariaDB with and without NO_BACKSLASH_ESCAPES, with ANSI_QUOTES; the TDS test
 *     server);
 *   - the LIKE condition the MySQL dialect spells for a PostgreSQL pattern agrees with
 *     PostgreSQL's own LIKE (exactly), and its ILIKE form selects at least what
 *     PostgreSQL's ILIKE selects, in every mode. PostgreSQL is the oracle.
 * The tributary session itself runs with a fixed sql_mode; these modes prove that the
 * spelling does not depend on it.
 */
#include "fdw/mysql/mysql_dialect.hpp"
#include "fdw/tds/tds_dialect.hpp"
#include "test/unit/live/fuzz_support.hpp"
#include "test/unit/live/mysql_live.hpp"
#include "test/unit/live/tds_live.hpp"

namespace {

using fuzz::Rng;
namespace my = tributary::mysql;
namespace remote = tributary::remote;

const std::vector<std::string> sql_modes = {
    "STRICT_TRANS_TABLES", /* backslash escapes on */
    "NO_BACKSLASH_ESCAPES",
    "ANSI_QUOTES,NO_BACKSLASH_ESCAPES,PIPES_AS_CONCAT",
    "ANSI",
};

constexpr std::size_t batch = 40;

/* Values of one row of "SELECT lit1, lit2, …" as raw bytes ("<NULL>" for NULL). */
std::vector<std::string>
read_row(remote::Connection &conn, const std::vector<std::string> &literals,
         std::vector<std::string> *names = nullptr)
{
	std::string sql = "SELECT ";
	for (std::size_t i = 0; i < literals.size(); i++) {
		sql += (i > 0 ? ", " : "") + literals[i];
	}
	std::unique_ptr<remote::Cursor> c;
	try {
		c = conn.open(mysql_live::query(sql));
	} catch (const remote::RemoteError &e) {
		ADD_FAILURE() << e.message() << ": " << e.detail() << "\n  " << sql.substr(0, 3000);
		return {};
	}
	std::vector<std::string> out;
	if (c->next()) {
		for (std::size_t i = 0; i < literals.size(); i++) {
			const remote::Cell &cell = c->cell(i);
			switch (cell.kind) {
			case remote::CellKind::null: out.push_back("<NULL>"); break;
			case remote::CellKind::int64:
			case remote::CellKind::boolean: out.push_back(std::to_string(cell.i)); break;
			case remote::CellKind::uint64: out.push_back(std::to_string(cell.u)); break;
			default: out.push_back(mysql_live::text(cell)); break;
			}
		}
	}
	if (names != nullptr) {
		for (const auto &col : c->columns()) {
			names->push_back(col.name);
		}
	}
	while (c->next()) {
	}
	return out;
}

/*
 * Random text for identifiers: MySQL allows U+0001 to U+FFFF in quoted identifiers (no
 * characters beyond the BMP, such as emoji) and removes an alias's leading spaces and
 * control characters and its trailing spaces (with a warning).
 */
std::string
random_identifier(Rng &r)
{
	std::string s;
	for (const auto &ch : fuzz::characters(fuzz::random_text(r))) {
		if (s.size() + ch.size() > 60) {
			break;
		}
		if (ch.size() < 4) {
			s += ch;
		}
	}
	while (!s.empty() && (s.back() == ' ' || static_cast<unsigned char>(s.back()) < 0x20)) {
		s.pop_back();
	}
	std::size_t lead = 0;
	while (lead < s.size() && (static_cast<unsigned char>(s[lead]) <= 0x20 || s[lead] == 0x7F)) {
		lead++;
	}
	s.erase(0, lead);
	return s.empty() ? "x" : s;
}

void
check_round_trip(remote::Connection &conn, const remote::Dialect &d, Rng &r, const std::string &mode,
                 bool identifiers, bool nul_in_text)
{
	std::vector<std::string> values, literals;
	for (int i = 0; i < 400; i++) {
		const bool bytes = r.chance(25);
		std::string v = bytes ? fuzz::random_bytes(r) : fuzz::random_text(r);
		if (!bytes && nul_in_text && r.chance(5)) {
			v += std::string(1, '\0') + "after NUL"; /* never from PostgreSQL text, but spelled */
		}
		values.push_back(v);
		literals.push_back(bytes ? d.quote_bytes(v) : d.quote_string(v));
		if (literals.size() == batch || i == 399) {
			const auto got = read_row(conn, literals);
			ASSERT_EQ(got.size(), literals.size()) << mode;
			for (std::size_t k = 0; k < got.size(); k++) {
				EXPECT_EQ(got[k], values[k]) << mode << ": " << literals[k].substr(0, 300);
			}
			values.clear();
			literals.clear();
		}
	}
	if (!identifiers) {
		return;
	}
	std::vector<std::string> names, columns;
	for (std::size_t i = 0; i < batch; i++) {
		names.push_back(random_identifier(r) + "_" + std::to_string(i));
		columns.push_back("1 AS " + d.quote_identifier(names.back()));
	}
	std::vector<std::string> got;
	read_row(conn, columns, &got);
	ASSERT_EQ(got.size(), names.size()) << mode;
	for (std::size_t i = 0; i < got.size(); i++) {
		EXPECT_EQ(got[i], names[i]) << mode << ": " << columns[i];
	}
}

} // namespace

TEST(FuzzLiterals, mysql_spelling_reads_back_unchanged_in_every_sql_mode)
{
	ASSERT_EQ(mysql_live::missing_environment(), "");
	Rng r(fuzz::seed("mysql literals"));
	for (const std::string &mode : sql_modes) {
		SCOPED_TRACE(mode);
		my::MysqlConnection conn(mysql_live::options());
		conn.execute("SET SESSION sql_mode = '" + mode + "'");
		check_round_trip(conn, my::dialect(), r, mode, true, true);
	}
}

TEST(FuzzLiterals, tsql_spelling_reads_back_unchanged)
{
	ASSERT_EQ(tds_live::missing_environment(), "");
	Rng r(fuzz::seed("t-sql literals"));
	tributary::tds::TdsConnection conn(tds_live::options());
	check_round_trip(conn, tributary::tds::dialect(), r, "t-sql", false, false);
}

TEST(FuzzLiterals, mysql_like_agrees_with_postgres_in_every_sql_mode)
{
	ASSERT_EQ(mysql_live::missing_environment(), "");
	const std::uint64_t seed = fuzz::seed("mysql like");
	Rng r(seed);
	struct Pair {
		std::string subject, pattern;
		bool like = false, ilike = false; /* PostgreSQL's answers */
	};
	std::vector<Pair> pairs;
	while (pairs.size() < 600) {
		std::string subject = fuzz::random_text(r);
		if (subject.size() > 300) {
			std::string cut; /* at a character boundary */
			for (const auto &ch : fuzz::characters(subject)) {
				if (cut.size() + ch.size() > 300) {
					break;
				}
				cut += ch;
			}
			subject = cut;
		}
		std::string pattern = r.chance(85) ? fuzz::like_pattern(r, subject) : fuzz::random_text(r);
		if (r.chance(30) && !subject.empty()) {
			/* Another subject for the same pattern: matches must not be the only case. */
			subject = fuzz::random_text(r);
		}
		if ((!pattern.empty() && pattern.back() == '\\') || pattern.size() > 400) {
			continue;
		}
		pairs.push_back(Pair{subject, pattern});
	}

	/* PostgreSQL's verdicts, all in one statement. */
	pqxx::connection pg("");
	std::string values;
	for (std::size_t i = 0; i < pairs.size(); i++) {
		values += (i > 0 ? ", (" : "(") + std::to_string(i) + ", " + pg.quote(pairs[i].subject) +
		          ", " + pg.quote(pairs[i].pattern) + ")";
	}
	{
		pqxx::nontransaction tx(pg);
		const auto res = tx.exec("SELECT s LIKE p, s ILIKE p FROM (VALUES " + values +
		                         ") AS v(i, s, p) ORDER BY i");
		ASSERT_EQ(res.size(), pairs.size());
		for (std::size_t i = 0; i < pairs.size(); i++) {
			pairs[i].like = res[i][0].as<bool>();
			pairs[i].ilike = res[i][1].as<bool>();
		}
	}
	int likes = 0;
	for (const Pair &p : pairs) {
		likes += p.like ? 1 : 0;
	}
	EXPECT_GT(likes, 60) << "too few matching pairs to tell anything";

	for (const std::string &mode : sql_modes) {
		SCOPED_TRACE(mode);
		my::MysqlConnection conn(mysql_live::options());
		conn.execute("SET SESSION sql_mode = '" + mode + "'");
		int failures = 0;
		for (std::size_t start = 0; start < pairs.size() && failures < 10; start += batch / 2) {
			std::vector<std::string> exprs;
			for (std::size_t i = start; i < pairs.size() && i < start + batch / 2; i++) {
				const std::string lhs = my::dialect().quote_string(pairs[i].subject);
				exprs.push_back(my::dialect().like(lhs, pairs[i].pattern, remote::LikeKind::like));
				exprs.push_back(my::dialect().like(lhs, pairs[i].pattern, remote::LikeKind::ilike));
			}
			const auto got = read_row(conn, exprs);
			ASSERT_EQ(got.size(), exprs.size());
			for (std::size_t k = 0; k < got.size(); k += 2) {
				const Pair &p = pairs[start + k / 2];
				const bool like = got[k] == "1";
				const bool ilike = got[k + 1] == "1";
				if (like != p.like || (p.ilike && !ilike)) {
					failures++;
					ADD_FAILURE() << "seed " << seed << ", sql_mode " << mode << ": subject "
					              << pg.quote(p.subject) << ", pattern " << pg.quote(p.pattern)
					              << ": PostgreSQL LIKE " << p.like << " ILIKE " << p.ilike
					              << ", MySQL " << exprs[k] << " = " << got[k] << ", " << exprs[k + 1]
					              << " = " << got[k + 1];
				}
			}
		}
	}
}

/*
 * fuzz_pushdown_live_test.cpp — property test of the deparser through PostgreSQL:
 * random rows go into a MariaDB table and a TDS test-server table (inserted with
 * real parameters, never literals), PostgreSQL copies each through its foreign table
 * into a local table, and random conditions (text =/IN, LIKE/NOT LIKE/ILIKE with
 * escapes and wildcards, bytea, integers, decimals, doubles, AND/OR/NOT) run on the
 * foreign table — pushed down, spelled by the dialect — and on the local copy.
 * Property: both return exactly the same ids, and the condition was sent to the source.
 * Needs the installed extension and the harness (PG*, TRIBUTARY_MYSQL_*, TRIBUTARY_TDS_*).
 */
#include "test/unit/live/fuzz_support.hpp"
#include "test/unit/live/mysql_live.hpp"
#include "test/unit/live/tds_live.hpp"

#include <map>
#include <memory>

namespace {

using fuzz::env_value;
using fuzz::Rng;

constexpr int row_count = 160;
constexpr int conditions_per_kind = 80;
constexpr int max_failures = 12;

struct Row {
	int id;
	bool s_null, b_null;
	std::string s, b, n;
	std::int64_t i;
	double f;
};

std::vector<Row>
make_rows(Rng &r)
{
	std::vector<Row> rows;
	for (int id = 1; id <= row_count; id++) {
		Row row{id, r.chance(5), r.chance(5), fuzz::random_text(r), fuzz::random_bytes(r),
		        fuzz::random_decimal(r), fuzz::random_int(r), fuzz::random_double(r)};
		/* Near-duplicates, so equality and LIKE have neighbours to confuse. */
		if (id > 1 && r.chance(20)) {
			row.s = rows[r.below(id - 1)].s + (r.chance(50) ? " " : "");
		}
		rows.push_back(row);
	}
	return rows;
}

/* A PostgreSQL session of the harness's test database, with the extension. */
std::unique_ptr<pqxx::connection>
pg_connect()
{
	auto c = std::make_unique<pqxx::connection>("");
	pqxx::nontransaction tx(*c);
	tx.exec("SET client_min_messages = warning");
	tx.exec("CREATE EXTENSION IF NOT EXISTS tributary");
	return c;
}

/* Insert the rows with real parameters (never literals): id, s, b, i, n, f. */
void
insert_rows(tributary::remote::Connection &conn, const std::string &sql,
            const std::vector<Row> &rows)
{
	using tributary::remote::CellKind;
	for (const Row &row : rows) {
		tributary::remote::Query q = mysql_live::query(sql);
		q.param_storage = {row.s, row.b, row.n};
		q.params.resize(6);
		const auto bytes = [&q](std::size_t param, std::size_t stored, CellKind kind) {
			q.params[param].kind = kind;
			q.params[param].data = q.param_storage[stored].data();
			q.params[param].size = q.param_storage[stored].size();
		};
		q.params[0].kind = CellKind::int64;
		q.params[0].i = row.id;
		bytes(1, 0, row.s_null ? CellKind::null : CellKind::text);
		bytes(2, 1, row.b_null ? CellKind::null : CellKind::bytes);
		q.params[3].kind = CellKind::int64;
		q.params[3].i = row.i;
		bytes(4, 2, CellKind::decimal);
		q.params[5].kind = CellKind::float64;
		q.params[5].f = row.f;
		auto c = conn.open(q);
		while (c->next()) {
		}
	}
}

/*
 * schema.ft: the remote table through wrapper (coordinates from the harness's
 * <env>_PORT/_DATABASE/_USER/_PASSWORD); schema.local: its copy, read through ft.
 * The session then runs with extra_float_digits 0: exact literals must not depend on it
 * (float8out rounds to 15 digits then).
 */
void
make_foreign_and_local(pqxx::connection &pg, const std::string &schema, const char *wrapper,
                       const std::string &env, const std::string &remote_table)
{
	pqxx::nontransaction tx(pg);
	tx.exec("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
	tx.exec("CREATE SCHEMA " + schema);
	fuzz::create_server(tx, schema + "_srv", wrapper, env);
	tx.exec("CREATE FOREIGN TABLE " + schema + ".ft (id int, s text, b bytea, i bigint, "
	        "n numeric, f float8) SERVER " + schema + "_srv OPTIONS (table_name " +
	        tx.quote(remote_table) + ")");
	tx.exec("CREATE TABLE " + schema + ".local AS SELECT * FROM " + schema + ".ft");
	tx.exec("SET extra_float_digits = 0");
}

/* Runs conditions on the foreign table and on its local copy, and compares. */
class Oracle {
  public:
	Oracle(pqxx::connection &pg, std::string foreign, std::string local, std::uint64_t seed)
	    : m_pg(pg), m_foreign(std::move(foreign)), m_local(std::move(local)), m_seed(seed)
	{
	}

	void check(const std::string &kind, const std::string &cond)
	{
		if (m_failures >= max_failures) {
			return;
		}
		const std::string where = " WHERE " + cond + " ORDER BY id";
		const auto remote = fuzz::column(m_pg, "SELECT id FROM " + m_foreign + where);
		const auto local = fuzz::column(m_pg, "SELECT id FROM " + m_local + where);
		const std::string sent = fuzz::remote_sql(m_pg, "SELECT id FROM " + m_foreign + " WHERE " + cond);
		m_checked[kind]++;
		if (sent.find(" WHERE ") != std::string::npos) {
			m_pushed[kind]++;
		}
		if (!local.empty() && local[0].rfind("ERROR", 0) != 0) {
			m_matching[kind]++; /* a condition that selects rows: not vacuously equal */
		}
		if (!remote.empty() && remote[0].rfind("ERROR", 0) == 0) {
			m_failures++;
			ADD_FAILURE() << "seed " << m_seed << ", " << kind << ": " << remote[0]
			              << "\n  condition: " << cond.substr(0, 2000)
			              << "\n  remote SQL: " << sent.substr(0, 2000);
			return;
		}
		if (remote != local) {
			m_failures++;
			ADD_FAILURE() << "seed " << m_seed << ", " << kind << ": the pushed-down condition "
			              << "returned other rows than PostgreSQL's evaluation\n  condition: "
			              << cond.substr(0, 2000) << "\n  remote SQL: " << sent.substr(0, 2000)
			              << "\n  foreign table: " << fuzz::joined(remote)
			              << "\n  local copy:    " << fuzz::joined(local);
		}
	}

	/* Every condition of these kinds must have been sent to the source. */
	void expect_pushed(const std::vector<std::string> &kinds) const
	{
		for (const auto &kind : kinds) {
			const int checked = m_checked.count(kind) ? m_checked.at(kind) : 0;
			const int pushed = m_pushed.count(kind) ? m_pushed.at(kind) : 0;
			const int matching = m_matching.count(kind) ? m_matching.at(kind) : 0;
			EXPECT_GT(checked, 0) << kind;
			EXPECT_EQ(pushed, checked) << kind << ": conditions kept local";
			EXPECT_GT(matching, checked / 10) << kind << ": too few conditions select rows";
		}
	}

	void report(const char *what) const
	{
		int total = 0;
		std::string line;
		for (const auto &[kind, n] : m_checked) {
			total += n;
			line += " " + kind + "=" + std::to_string(n) + "/" +
			        std::to_string(m_matching.count(kind) ? m_matching.at(kind) : 0);
		}
		std::printf("%s: %d conditions compared (kind=compared/selecting rows:%s)\n", what, total,
		            line.c_str());
	}

  private:
	pqxx::connection &m_pg;
	std::string m_foreign, m_local;
	std::uint64_t m_seed;
	int m_failures = 0;
	std::map<std::string, int> m_checked, m_pushed, m_matching;
};

/* A text probe near a stored value: itself, other case, extra or missing spaces, or new. */
std::string
text_probe(Rng &r, const std::vector<Row> &rows)
{
	std::string s = rows[r.below((int) rows.size())].s;
	switch (r.below(6)) {
	case 0: return s;
	case 1:
		for (char &c : s) {
			if (std::isalpha(static_cast<unsigned char>(c)) && r.chance(50)) {
				c = static_cast<char>(c ^ 0x20);
			}
		}
		return s;
	case 2: return s + " ";
	case 3: {
		auto chars = fuzz::characters(s); /* one character less, never half of one */
		std::string shorter;
		for (std::size_t i = 0; i + 1 < chars.size(); i++) {
			shorter += chars[i];
		}
		return shorter;
	}
	default: return fuzz::random_text(r);
	}
}

const char *
random_op(Rng &r)
{
	static const std::vector<const char *> ops = {"=", "<>", "<", "<=", ">", ">="};
	return ops[r.below((int) ops.size())];
}

/* The conditions both dialects push: equality on text and bytea, numbers, and logic. */
void
check_common_conditions(Rng &r, pqxx::connection &pg, Oracle &oracle,
                        const std::vector<Row> &rows)
{
	for (int k = 0; k < conditions_per_kind; k++) {
		const Row &a = rows[r.below((int) rows.size())];
		const Row &b = rows[r.below((int) rows.size())];
		oracle.check("text=", "s = " + fuzz::pg_text(pg, text_probe(r, rows)));
		oracle.check("text IN", "s IN (" + fuzz::pg_text(pg, text_probe(r, rows)) + ", " +
		                            fuzz::pg_text(pg, text_probe(r, rows)) + ", " +
		                            fuzz::pg_text(pg, fuzz::random_text(r)) + ")");
		oracle.check("bytea=", "b = " + fuzz::pg_bytea(r.chance(70) ? a.b : fuzz::random_bytes(r)));
		oracle.check("bigint", "i " + std::string(random_op(r)) + " " +
		                           std::to_string(r.chance(60) ? a.i : fuzz::random_int(r)));
		oracle.check("numeric", "n " + std::string(random_op(r)) + " " +
		                            (r.chance(60) ? a.n : fuzz::random_decimal(r)) + "::numeric");
		const double f = r.chance(60) ? a.f : fuzz::random_double(r);
		oracle.check("float8", "f " + std::string(random_op(r)) + " " + fuzz::pg_double(f));
		/* A real constant (its double is not the double of its shortest text), in range. */
		const double g = std::fabs(f) > 1e30 || (f != 0 && std::fabs(f) < 1e-30) ? 0.1 : f;
		const std::string real = fuzz::pg_double(g);
		oracle.check("real", "f " + std::string(random_op(r)) + " " +
		                         real.substr(0, real.size() - 8) + "::real");
		oracle.check("IS NULL", r.chance(50) ? "s IS NULL" : "b IS NOT NULL");
		oracle.check("logic", "(i > " + std::to_string(a.i) + " OR n < " + b.n +
		                          "::numeric) AND NOT (f = " + fuzz::pg_double(b.f) + ")");
	}
}

} // namespace

TEST(FuzzPushdown, mysql_pushed_conditions_return_exactly_what_postgres_evaluates)
{
	ASSERT_EQ(mysql_live::missing_environment(), "");
	const std::uint64_t seed = fuzz::seed("mysql pushdown");
	Rng r(seed);
	const std::vector<Row> rows = make_rows(r);

	/* The source table, filled through prepared-statement parameters. */
	namespace my = tributary::mysql;
	my::MysqlConnection my_conn(mysql_live::options());
	const std::string t = mysql_live::unique_name("fuzz");
	my_conn.execute("CREATE TABLE `" + t + "` (id INT PRIMARY KEY, s MEDIUMTEXT CHARACTER SET utf8mb4 "
	                "COLLATE utf8mb4_general_ci, b BLOB, i BIGINT, n DECIMAL(38,10), f DOUBLE)");
	struct Drop {
		std::string sql;
		~Drop()
		{
			try {
				my::MysqlConnection(mysql_live::options()).execute(sql);
			} catch (...) {
			}
		}
	} drop{"DROP TABLE IF EXISTS `" + t + "`"};
	insert_rows(my_conn, "INSERT INTO `" + t + "` VALUES (?, ?, ?, ?, ?, ?)", rows);

	auto pg = pg_connect();
	const std::string schema = "fuzz_my_" + std::to_string(getpid());
	make_foreign_and_local(*pg, schema, "tributary_mysql", "TRIBUTARY_MYSQL", t);
	/* The copy holds exactly what was inserted. */
	for (const Row &row : rows) {
		if (!row.s_null) {
			ASSERT_EQ(fuzz::column(*pg, "SELECT s = " + pg->quote(row.s) + " FROM " + schema +
			                                ".local WHERE id = " + std::to_string(row.id)),
			          std::vector<std::string>{"t"})
			    << "row " << row.id;
		}
	}

	Oracle oracle(*pg, schema + ".ft", schema + ".local", seed);
	check_common_conditions(r, *pg, oracle, rows);
	for (int k = 0; k < conditions_per_kind * 2; k++) {
		const std::string subject = rows[r.below((int) rows.size())].s;
		const std::string pattern = r.chance(85) ? fuzz::like_pattern(r, subject) : fuzz::random_text(r);
		if (!pattern.empty() && pattern.back() == '\\') {
			continue; /* a lone trailing escape is an error locally and never sent */
		}
		const std::string lit = pg->quote(pattern);
		oracle.check("LIKE", "s LIKE " + lit);
		oracle.check("NOT LIKE", "s NOT LIKE " + lit);
		oracle.check("ILIKE", "s ILIKE " + lit);
		oracle.check("LIKE logic", "(s LIKE " + lit + " OR i < 0) AND NOT (s LIKE " +
		                               pg->quote(fuzz::like_pattern(r, subject) + "%") + ")");
	}
	oracle.report("mysql pushdown");
	oracle.expect_pushed({"text=", "text IN", "bytea=", "bigint", "numeric", "float8", "real",
	                      "IS NULL", "logic", "LIKE", "NOT LIKE", "ILIKE"});
	pqxx::nontransaction(*pg).exec("DROP SCHEMA " + schema + " CASCADE; DROP SERVER " + schema +
	                               "_srv CASCADE");
}

TEST(FuzzPushdown, tsql_pushed_conditions_return_exactly_what_postgres_evaluates)
{
	ASSERT_EQ(tds_live::missing_environment(), "");
	const std::uint64_t seed = fuzz::seed("t-sql pushdown");
	Rng r(seed);
	const std::vector<Row> rows = make_rows(r);

	namespace tds = tributary::tds;
	tds::TdsConnection tds_conn(tds_live::options());
	const std::string t = tds_live::unique_name("fuzz");
	tds_conn.execute("CREATE TABLE [" + t + "] (id int PRIMARY KEY, s nvarchar(max), "
	                 "b varbinary(max), i bigint, n decimal(38,10), f float)");
	struct Drop {
		std::string sql;
		~Drop()
		{
			try {
				tds::TdsConnection(tds_live::options()).execute(sql);
			} catch (...) {
			}
		}
	} drop{"DROP TABLE [" + t + "]"};
	insert_rows(tds_conn, "INSERT INTO [" + t + "] VALUES (@P1, @P2, @P3, @P4, @P5, @P6)", rows);

	auto pg = pg_connect();
	const std::string schema = "fuzz_ms_" + std::to_string(getpid());
	make_foreign_and_local(*pg, schema, "tributary_mssql", "TRIBUTARY_TDS", t);

	Oracle oracle(*pg, schema + ".ft", schema + ".local", seed);
	check_common_conditions(r, *pg, oracle, rows);
	oracle.report("t-sql pushdown");
	oracle.expect_pushed({"text=", "text IN", "bytea=", "bigint", "numeric", "float8", "real",
	                      "IS NULL", "logic"});
	pqxx::nontransaction(*pg).exec("DROP SCHEMA " + schema + " CASCADE; DROP SERVER " + schema +
	                               "_srv CASCADE");
}
